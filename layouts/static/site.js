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
    var quotes = ref.querySelectorAll("q");
    var body = document.createElement("span");
    if (passage) {
      appendMarked(body, passage.textContent, quotes);
    } else if (quotes.length) {
      body.textContent = "“" + quotes[0].textContent + "”";
    }
    p.appendChild(body);
    return true;
  }

  // Folds quotes and dashes to plain ones, one character for one, so positions in the
  // folded text are positions in the original.
  function fold(s) {
    return s.replace(/[‘’]/g, "'").replace(/[“”]/g, "\"").replace(/[‐‑‒–—]/g, "-");
  }

  // Writes the paragraph into el with the quoted words marked, so the reader sees which
  // words of the paragraph the citation rests on.
  function appendMarked(el, text, quotes) {
    var folded = fold(text);
    var ranges = [];
    for (var i = 0; i < quotes.length; i++) {
      var q = fold(quotes[i].textContent.trim());
      var at = q ? folded.indexOf(q) : -1;
      if (at >= 0) ranges.push([at, at + q.length]);
    }
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    for (var j = 0; j < ranges.length; j++) {
      var start = Math.max(ranges[j][0], pos);
      if (ranges[j][1] <= start) continue;
      el.appendChild(document.createTextNode(text.slice(pos, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, ranges[j][1]);
      el.appendChild(mark);
      pos = ranges[j][1];
    }
    el.appendChild(document.createTextNode(text.slice(pos)));
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
    // Below the citation, unless it would run off the bottom of the window and fits above.
    var height = p.offsetHeight;
    var below = r.bottom + 6;
    var above = r.top - height - 6;
    var top = (below + height > window.innerHeight && above >= 0) ? above : below;
    p.style.top = (top + window.scrollY) + "px";
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
