// Search: loads the Pagefind index built with the site (no server, no third party) and
// shows the results as a plain list. The query lives in the address (?q=…), so a search
// can be bookmarked or shared.
(function () {
  "use strict";
  var form, input, status, list, pagefind = null, latest = 0;

  // A large site's index comes in parts (shards): the first, in the bundle folder, loads
  // the search code; explainer-shards.json lists the others, which are merged into it.
  // Each part is tagged with a filter, `part`, so that a search can name the parts.
  function load() {
    if (!pagefind) {
      var bundle = form.getAttribute("data-bundle");
      var options = { excerptLength: 24 };
      var shards = fetch(bundle + "explainer-shards.json").then(function (r) {
        if (!r.ok) throw new Error("no list of index parts");
        return r.json();
      });
      pagefind = Promise.all([import(bundle + "pagefind.js"), shards]).then(function (both) {
        var pf = both[0], dirs = both[1];
        if (!dirs.length) {
          return pf.options(options).then(function () { return { pf: pf, parts: [] }; });
        }
        var parts = ["0"].concat(dirs.map(function (_, i) { return String(i + 1); }));
        return pf.options(Object.assign({ mergeFilter: { part: "0" } }, options)).then(function () {
          return Promise.all(dirs.map(function (dir, i) {
            return pf.mergeIndex(bundle + dir, Object.assign({ mergeFilter: { part: String(i + 1) } }, options));
          }));
        }).then(function () { return { pf: pf, parts: parts }; });
      });
      pagefind.catch(function () { pagefind = null; });
    }
    return pagefind;
  }

  // Pagefind leaves out a query word that its index does not hold. A part that lacks a
  // word some other part holds would so answer a weaker query; one index for the whole
  // site would not. So each word is looked up first, and only the parts that hold every
  // word found anywhere are searched: the pages found are those one index would find.
  function searchParts(index, q) {
    if (!index.parts.length) return index.pf.search(q);
    var words = q.replace(/"/g, " ").split(/\s+/).filter(Boolean);
    return Promise.all(words.map(function (w) { return index.pf.search(w); })).then(function (found) {
      var allowed = index.parts;
      found.forEach(function (s) {
        var counts = (s.filters && s.filters.part) || {};
        var holders = allowed.filter(function (p) { return counts[p] > 0; });
        if (s.results.length) allowed = holders;
      });
      if (!allowed.length) return { results: [] };
      return index.pf.search(q, { filters: { part: { any: allowed } } });
    });
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

  // The longest query searched for: a longer one (typed, or from a link someone made,
  // ?q=the%20the%20…) is cut here, so that the work a search does stays bounded.
  var MAX_QUERY_CHARS = 256;

  function run(query) {
    var q = query.trim().slice(0, MAX_QUERY_CHARS).trim();
    var mine = ++latest;
    var url = new URL(window.location.href);
    if (q) { url.searchParams.set("q", q); } else { url.searchParams.delete("q"); }
    window.history.replaceState(null, "", url);
    if (!q) { list.textContent = ""; say(""); return; }
    say("Searching…");
    load().then(function (index) {
      return searchParts(index, q);
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
    var initial = null;
    try { initial = new URLSearchParams(window.location.search).get("q"); } catch (e) { /* no query, then */ }
    if (initial) { initial = initial.slice(0, MAX_QUERY_CHARS); input.value = initial; run(initial); }
  });
})();
