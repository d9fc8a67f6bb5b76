// Reading aids, all optional: without JavaScript every one of them is a plain link.
// - Citation popovers: hovering, focusing or tapping a citation shows the words it cites in
//   their sentence (from the References list, already in the page: nothing is fetched) and
//   a link to that paragraph of the letter with the words marked.
// - Glossary popovers: a link to a glossary term shows its definition (the glossary page is
//   fetched once, from this site, on first use).
// - On a letter, a link from a popover (?mark=…#pN) marks the cited words and moves the
//   keyboard focus to the paragraph.
// - The table of contents opens by itself on wide screens.
// - A page whose facts were due for review before today (on the reader's clock) says so:
//   the notice is in the page, hidden; nothing is fetched.
(function () {
  "use strict";
  var popover = null;
  var current = null;
  var hideTimer = null;
  var pointer = { type: "", wasOpen: false };
  var glossary = null; // promise of { id: { term, text } }

  // ---- Finding quoted words in a paragraph --------------------------------------------

  // Folds quotes and dashes to plain ones, one character for one, so positions in the
  // folded text are positions in the original.
  function fold(s) {
    return s.replace(/[‘’]/g, "'").replace(/[“”]/g, "\"").replace(/[‐‑‒–—]/g, "-");
  }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // The longest quote the page looks for, in characters (the build's own limit on a
  // quote, MAX_QUOTE in src/cite.rs) and in words. A longer one, from a link someone
  // made up (?mark=the%20the%20…), is not looked for at all.
  var MAX_QUOTE_CHARS = 8000;
  var MAX_QUOTE_WORDS = 1500;

  // The ranges of text that the quote's parts (split at "...") cover, in order, or [] when
  // they are not all there.
  function locate(text, quote) {
    if (typeof quote !== "string" || quote.length > MAX_QUOTE_CHARS) return [];
    var folded = fold(text);
    var parts = fold(quote).split(/\.\.\.|…/);
    if (parts.length > MAX_QUOTE_WORDS) return [];
    var ranges = [];
    var from = 0;
    var total = 0;
    for (var i = 0; i < parts.length; i++) {
      var words = parts[i].trim().split(/\s+/).filter(Boolean);
      total += words.length;
      if (total > MAX_QUOTE_WORDS) return [];
      if (!words.length) continue;
      var re = new RegExp(words.map(escapeRe).join("\\s+"), "g");
      re.lastIndex = from;
      var m = re.exec(folded);
      if (!m) return [];
      ranges.push([m.index, m.index + m[0].length]);
      from = m.index + m[0].length;
    }
    return ranges;
  }

  // Where the sentences of text start: 0 and after each ". " that ends a sentence (not
  // after an initial or a common abbreviation such as "U.S." or "Art.").
  function sentenceStarts(text) {
    var starts = [0];
    var re = /[.!?]["'”’)\]]*\s+(?=["“‘(]?[A-Z0-9])/g;
    var m;
    while ((m = re.exec(text))) {
      var before = text.slice(Math.max(0, m.index - 6), m.index + 1);
      if (/(^|[\s.(])([A-Z]|[A-Z]\.[A-Z]|Art|Arts|No|Mr|Ms|Dr|Sen|St|e\.g|i\.e|para|cf)\.$/.test(before)) continue;
      starts.push(m.index + m[0].length);
    }
    return starts;
  }

  // The sentence(s) of text around ranges: { start, end }.
  function sentencesAround(text, ranges) {
    var starts = sentenceStarts(text);
    var first = ranges[0][0];
    var last = ranges[ranges.length - 1][1];
    var start = 0;
    var end = text.length;
    for (var i = 0; i < starts.length; i++) {
      if (starts[i] <= first) start = starts[i];
      else if (starts[i] >= last) { end = starts[i]; break; }
    }
    return { start: start, end: end };
  }

  // Appends text[start, end) to el with the ranges marked.
  function appendMarked(el, text, start, end, ranges) {
    var pos = start;
    for (var j = 0; j < ranges.length; j++) {
      var a = Math.max(ranges[j][0], pos);
      var b = Math.min(ranges[j][1], end);
      if (b <= a) continue;
      el.appendChild(document.createTextNode(text.slice(pos, a)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(a, b);
      el.appendChild(mark);
      pos = b;
    }
    el.appendChild(document.createTextNode(text.slice(pos, end).replace(/\s+$/, "")));
  }

  // A text fragment (#:~:text=) for the ranges of text: the browser scrolls to the words
  // and marks them, with or without our script.
  function textFragment(text, ranges) {
    var enc = function (s) {
      return encodeURIComponent(s.replace(/\s+/g, " ").trim()).replace(/-/g, "%2D").replace(/,/g, "%2C").replace(/&/g, "%26");
    };
    var first = text.slice(ranges[0][0], ranges[0][1]);
    if (ranges.length === 1) return ":~:text=" + enc(first);
    var last = ranges[ranges.length - 1];
    return ":~:text=" + enc(first) + "," + enc(text.slice(last[0], last[1]));
  }

  // "Senators' letter" -> "the senators' letter"; "SIIA/CCIA letter" -> "the SIIA/CCIA letter".
  function theWork(name) {
    if (/^[A-Z][a-z]/.test(name)) name = name.charAt(0).toLowerCase() + name.slice(1);
    return /^the /i.test(name) ? name : "the " + name;
  }

  // ---- The popover --------------------------------------------------------------------

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function ensurePopover() {
    if (popover) return popover;
    popover = el("div", "cite-popover");
    popover.id = "cite-popover";
    popover.hidden = true;
    popover.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    popover.addEventListener("mouseleave", scheduleHide);
    popover.addEventListener("focusin", function () { clearTimeout(hideTimer); });
    popover.addEventListener("focusout", function (e) {
      if (!popover.contains(e.relatedTarget) && e.relatedTarget !== current) scheduleHide();
    });
    return popover;
  }

  // Fills the popover for citation mark `link` from its entry in the References list.
  function fillCitation(p, link) {
    var ref = document.getElementById(link.getAttribute("href").slice(1));
    if (!ref) return false;
    var source = ref.querySelector(".ref-source");
    if (ref.classList.contains("reference-entry")) {
      var title = ref.querySelector(".ref-work a.ref-source");
      p.appendChild(el("span", "popover-source", title ? title.textContent : ""));
      var bits = [];
      ["ref-publisher", "ref-date", "ref-locator"].forEach(function (c) {
        var x = ref.querySelector("." + c);
        if (x) bits.push(x.textContent.trim());
      });
      var loc = link.getAttribute("data-locator");
      if (loc && bits.indexOf(loc) < 0) bits.push(loc);
      p.appendChild(el("span", "popover-body", bits.join(" · ")));
      var checked = ref.querySelector(".ref-checked");
      if (checked) p.appendChild(el("span", "popover-checked", checked.textContent.trim()));
      if (source) {
        var out = el("a", "popover-link", "Read it at " + (ref.querySelector(".ref-publisher") || { textContent: "the publisher" }).textContent.trim() + " →");
        out.href = source.href;
        p.appendChild(out);
      }
      return true;
    }
    var short = ref.getAttribute("data-short") || (source ? source.textContent : "");
    var para = link.getAttribute("data-para");
    p.appendChild(el("span", "popover-source", source ? source.textContent : short));
    var passage = ref.querySelector(".ref-passage");
    var quote = link.getAttribute("data-quote");
    var href = source ? source.getAttribute("href") : null;
    var hash = href && href.indexOf("#") >= 0 ? href.slice(href.indexOf("#")) : "";
    var base = href ? href.split("#")[0] : null;
    if (passage) {
      var text = passage.textContent;
      var ranges = quote ? locate(text, quote) : [];
      var body = el("span", "popover-body");
      if (ranges.length) {
        var s = sentencesAround(text, ranges);
        if (s.start > 0) body.appendChild(document.createTextNode("… "));
        appendMarked(body, text, s.start, s.end, ranges);
        if (s.end < text.length) body.appendChild(document.createTextNode(" …"));
        var words = ranges.map(function (r) { return text.slice(r[0], r[1]); }).join(" ... ");
        if (base) href = base + "?mark=" + encodeURIComponent(words) + hash + textFragment(text, ranges);
      } else {
        body.textContent = text;
      }
      p.appendChild(body);
    } else if (quote) {
      p.appendChild(el("span", "popover-body", "“" + quote + "”"));
    }
    if (href) {
      var a = el("a", "popover-link", (para ? "Read ¶" + para + " in " : "Read ") + theWork(short) + " →");
      a.href = href;
      p.appendChild(a);
    }
    return true;
  }

  // Fills the popover for a link to a glossary term.
  function fillGlossary(p, link, entry) {
    p.appendChild(el("span", "popover-source", entry.term));
    p.appendChild(el("span", "popover-body", entry.text));
    var a = el("a", "popover-link", "Read “" + entry.term + "” in the glossary →");
    a.href = link.href;
    p.appendChild(a);
    return true;
  }

  function place(link) {
    var p = popover;
    p.style.maxHeight = "";
    p.style.left = "0px";
    p.style.top = "0px";
    var r = link.getBoundingClientRect();
    var vw = document.documentElement.clientWidth;
    var vh = window.innerHeight;
    var gap = 6, margin = 8;
    var cap = Math.floor(vh * 0.6); // issue 21
    var width = p.offsetWidth;
    var below = Math.max(0, vh - r.bottom - gap - margin);
    var above = Math.max(0, r.top - gap - margin);
    var left = Math.max(margin, Math.min(r.left + r.width / 2 - width / 2, vw - width - margin));
    var down = Math.min(p.offsetHeight, cap) <= below || below >= above;
    p.style.maxHeight = Math.min(cap, down ? below : above) + "px";
    var height = p.offsetHeight;
    var top = down ? r.bottom + gap : r.top - gap - height;
    // From the viewport to the popover's containing block.
    var origin = p.getBoundingClientRect();
    p.style.left = (left - origin.left) + "px";
    p.style.top = (top - origin.top) + "px";
    var body = p.querySelector(".popover-body");
    if (body) body.tabIndex = body.scrollHeight > body.clientHeight + 1 ? 0 : -1;
  }

  function show(link, filler) {
    clearTimeout(hideTimer);
    var p = ensurePopover();
    p.textContent = "";
    p.classList.toggle("is-glossary", !!filler);
    if (!(filler ? filler(p, link) : fillCitation(p, link))) return;
    if (current && current !== link) current.removeAttribute("aria-describedby");
    current = link;
    // Right after the link (or its bracket), so that Tab moves from the link into the popover.
    var after = link.closest("sup.cites") || link;
    if (after.nextSibling !== p) after.parentNode.insertBefore(p, after.nextSibling);
    p.hidden = false;
    link.setAttribute("aria-describedby", p.id);
    place(link);
  }

  function hide() {
    if (!popover) return;
    popover.hidden = true;
    if (current) current.removeAttribute("aria-describedby");
    current = null;
  }

  function scheduleHide() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () {
      if (popover && popover.contains(document.activeElement)) return;
      hide();
    }, 200);
  }

  // Hover, focus and a first tap show the popover; a second tap (or a click with a mouse)
  // follows the link as it would without JavaScript.
  function wire(link, open) {
    link.addEventListener("mouseenter", function () { open(link); });
    link.addEventListener("mouseleave", scheduleHide);
    link.addEventListener("focus", function () { open(link); });
    link.addEventListener("blur", function (e) {
      if (!(popover && popover.contains(e.relatedTarget))) scheduleHide();
    });
    link.addEventListener("pointerdown", function (e) {
      pointer.type = e.pointerType;
      pointer.wasOpen = current === link && popover && !popover.hidden;
    });
    link.addEventListener("click", function (e) {
      if ((pointer.type === "touch" || pointer.type === "pen") && !pointer.wasOpen) {
        e.preventDefault();
        open(link);
      }
      pointer.type = "";
    });
  }

  // ---- Glossary ----------------------------------------------------------------------

  function loadGlossary(url) {
    if (!glossary) {
      glossary = fetch(url, { credentials: "same-origin" }).then(function (res) {
        if (!res.ok) throw new Error("glossary: HTTP " + res.status);
        return res.text();
      }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var terms = {};
        var heads = doc.querySelectorAll("main .prose h2[id], main .prose h3[id]");
        for (var i = 0; i < heads.length; i++) {
          var h = heads[i];
          var clone = h.cloneNode(true);
          clone.querySelectorAll(".anchor, .visually-hidden").forEach(function (x) { x.remove(); });
          var text = "";
          for (var n = h.nextElementSibling; n && !/^H[1-3]$/.test(n.tagName); n = n.nextElementSibling) {
            if (n.tagName !== "P") continue;
            var c = n.cloneNode(true);
            c.querySelectorAll("sup.cites").forEach(function (x) { x.remove(); });
            text = c.textContent.replace(/\s+/g, " ").replace(/\u2060/g, "").trim();
            break;
          }
          terms[h.id] = { term: clone.textContent.trim(), text: text };
        }
        return terms;
      });
      glossary.catch(function () { glossary = null; });
    }
    return glossary;
  }

  function glossaryLinks() {
    var here = window.location.pathname;
    var out = [];
    var links = document.querySelectorAll("main a[href*='/glossary/#']");
    for (var i = 0; i < links.length; i++) {
      var a = links[i];
      if (a.pathname === here || !/\/glossary\/$/.test(a.pathname) || a.closest(".cite-popover, .toc")) continue;
      out.push(a);
    }
    return out;
  }

  function openGlossary(link) {
    clearTimeout(hideTimer);
    loadGlossary(link.pathname).then(function (terms) {
      var entry = terms[decodeURIComponent(link.hash.slice(1))];
      if (!entry || !entry.text) return;
      var focused = document.activeElement === link;
      var hovered = link.matches(":hover");
      if (!focused && !hovered && current !== link) return;
      show(link, function (p) { return fillGlossary(p, link, entry); });
    }, function () { /* a plain link still works */ });
  }

  // ---- Arriving at a letter's paragraph ----------------------------------------------

  // Wraps each range of root's text in <mark class="cited">.
  function markRanges(root, ranges) {
    var nodes = [];
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var n, pos = 0;
    while ((n = walker.nextNode())) { nodes.push({ node: n, start: pos }); pos += n.nodeValue.length; }
    var marks = [];
    for (var i = nodes.length - 1; i >= 0; i--) {
      var t = nodes[i];
      var len = t.node.nodeValue.length;
      for (var j = ranges.length - 1; j >= 0; j--) {
        var a = Math.max(ranges[j][0], t.start) - t.start;
        var b = Math.min(ranges[j][1], t.start + len) - t.start;
        if (b <= a) continue;
        var range = document.createRange();
        range.setStart(t.node, a);
        range.setEnd(t.node, b);
        var m = document.createElement("mark");
        m.className = "cited";
        range.surroundContents(m);
        marks.unshift(m);
      }
    }
    return marks;
  }

  function arrive() {
    // "#p5", or "#p5:~:text=…" in a browser that does not know text fragments.
    var raw = window.location.hash.slice(1);
    var id = raw.split(":~:")[0];
    if (!/^p\d+$/.test(id)) return;
    var para = document.getElementById(id);
    if (!para) return;
    if (raw !== id) para.scrollIntoView({ block: "start" });
    var text = para.querySelector(".para-text");
    // Any query string may arrive here: marking is a courtesy, never an error.
    try {
      var words = new URLSearchParams(window.location.search).get("mark");
      if (words && text) {
        var ranges = locate(text.textContent, words);
        if (ranges.length) {
          var marks = markRanges(text, ranges);
          para.classList.add("has-marks");
          if (marks.length) marks[0].scrollIntoView({ block: "center" });
        }
      }
    } catch (e) { /* the paragraph is still shown and focused, unmarked */ }
    para.setAttribute("tabindex", "-1");
    para.focus({ preventScroll: true });
  }

  // ---- The table of contents ---------------------------------------------------------

  function tocOpenOnWideScreens() {
    var toc = document.querySelector("details.toc");
    if (!toc || !window.matchMedia) return;
    var wide = window.matchMedia("(min-width: 64em)");
    var apply = function () { if (wide.matches) toc.open = true; };
    apply();
    if (wide.addEventListener) wide.addEventListener("change", apply);
  }

  // The reader's local day as YYYY-MM-DD, which sorts as text.
  function localDay() {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function showReviewNotices() {
    var today = localDay();
    var notices = document.querySelectorAll("[data-review-by]");
    for (var i = 0; i < notices.length; i++) {
      var due = notices[i].getAttribute("data-review-by");
      if (/^\d{4}-\d{2}-\d{2}$/.test(due) && due < today) notices[i].hidden = false;
    }
  }

  function init() {
    showReviewNotices();
    var cites = document.querySelectorAll("a.cite");
    for (var i = 0; i < cites.length; i++) wire(cites[i], function (l) { show(l); });
    glossaryLinks().forEach(function (a) { wire(a, openGlossary); });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || !popover || popover.hidden) return;
      var back = current && popover.contains(document.activeElement) ? current : null;
      hide();
      if (back) back.focus({ preventScroll: true });
    });
    document.addEventListener("pointerdown", function (e) {
      if (popover && !popover.hidden && !popover.contains(e.target) && e.target !== current && !(current && current.contains(e.target))) hide();
    });
    window.addEventListener("resize", function () { if (current && popover && !popover.hidden) place(current); });
    tocOpenOnWideScreens();
    arrive();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
