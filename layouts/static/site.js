// Citation popovers: hovering or focusing a citation shows the cited paragraph, which is
// already in the page (in the References list), so nothing is fetched. Without
// JavaScript the citation is a plain link to its reference.
(function () {
  "use strict";
  var popover = null;
  var current = null;
  var hideTimer = null;

  function ensurePopover() {
    if (popover) return popover;
    popover = document.createElement("div");
    popover.className = "cite-popover";
    popover.id = "cite-popover";
    popover.setAttribute("role", "tooltip");
    popover.hidden = true;
    popover.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    popover.addEventListener("mouseleave", scheduleHide);
    document.body.appendChild(popover);
    return popover;
  }

  function fill(link) {
    var ref = document.getElementById(link.getAttribute("href").slice(1));
    if (!ref) return false;
    var p = ensurePopover();
    p.textContent = "";
    var source = ref.querySelector(".ref-source");
    var head = document.createElement("span");
    head.className = "popover-source";
    head.textContent = source ? source.textContent : "";
    p.appendChild(head);
    var passage = ref.querySelector(".ref-passage");
    var quote = ref.querySelector("q");
    var body = document.createElement("span");
    body.textContent = passage ? passage.textContent : (quote ? "“" + quote.textContent + "”" : "");
    p.appendChild(body);
    return true;
  }

  function show(link) {
    clearTimeout(hideTimer);
    if (!fill(link)) return;
    current = link;
    var p = ensurePopover();
    p.hidden = false;
    link.setAttribute("aria-describedby", p.id);
    var r = link.getBoundingClientRect();
    var width = p.offsetWidth;
    var left = Math.max(8, Math.min(r.left + window.scrollX - width / 2, window.scrollX + document.documentElement.clientWidth - width - 8));
    p.style.left = left + "px";
    p.style.top = (r.bottom + window.scrollY + 6) + "px";
  }

  function hide() {
    if (!popover) return;
    popover.hidden = true;
    if (current) current.removeAttribute("aria-describedby");
    current = null;
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 150);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var links = document.querySelectorAll("a.cite");
    for (var i = 0; i < links.length; i++) {
      var a = links[i];
      a.addEventListener("mouseenter", function (e) { show(e.currentTarget); });
      a.addEventListener("mouseleave", scheduleHide);
      a.addEventListener("focus", function (e) { show(e.currentTarget); });
      a.addEventListener("blur", scheduleHide);
    }
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") hide();
    });
  });
})();
