// Search: loads the Pagefind index built with the site (no server, no third party) and
// shows the results as a plain list. The query lives in the address (?q=…), so a search
// can be bookmarked or shared.
(function () {
  "use strict";
  var form, input, status, list, pagefind = null, latest = 0;

  function load() {
    if (!pagefind) {
      pagefind = import(form.getAttribute("data-bundle") + "pagefind.js").then(function (pf) {
        return pf.options({ excerptLength: 24 }).then(function () { return pf; });
      });
    }
    return pagefind;
  }

  function say(text) { status.textContent = text; }

  function show(results) {
    list.textContent = "";
    results.forEach(function (r) {
      var li = document.createElement("li");
      var h = document.createElement("h2");
      var a = document.createElement("a");
      a.href = r.url;
      a.textContent = (r.meta && r.meta.title) || r.url;
      h.appendChild(a);
      li.appendChild(h);
      var p = document.createElement("p");
      // Pagefind's excerpt is escaped text with <mark> around the matches.
      p.innerHTML = r.excerpt;
      li.appendChild(p);
      list.appendChild(li);
    });
  }

  function run(query) {
    var q = query.trim();
    var mine = ++latest;
    var url = new URL(window.location.href);
    if (q) { url.searchParams.set("q", q); } else { url.searchParams.delete("q"); }
    window.history.replaceState(null, "", url);
    if (!q) { list.textContent = ""; say(""); return; }
    say("Searching…");
    load().then(function (pf) {
      return pf.search(q);
    }).then(function (search) {
      if (mine !== latest) return null;
      return Promise.all(search.results.slice(0, 20).map(function (r) { return r.data(); })).then(function (data) {
        if (mine !== latest) return;
        show(data);
        var n = search.results.length;
        say(n === 0 ? "No pages match “" + q + "”." : n + (n === 1 ? " page matches" : " pages match") + " “" + q + "”" + (n > 20 ? "; showing the first 20." : "."));
      });
    }).catch(function () {
      say("Search could not load. Try again, or browse the sections above.");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = document.getElementById("search-form");
    input = document.getElementById("search-input");
    status = document.getElementById("search-status");
    list = document.getElementById("search-results");
    if (!form) return;
    var timer = null;
    form.addEventListener("submit", function (e) { e.preventDefault(); run(input.value); });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { run(input.value); }, 200);
    });
    var initial = new URLSearchParams(window.location.search).get("q");
    if (initial) { input.value = initial; run(initial); }
  });
})();
