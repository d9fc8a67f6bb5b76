// A crawl of the real site's output, offline: every internal link and resource
// (href/src that starts with "/" or is relative, and absolute links to the site's own
// base_url) resolves to a file in the output, and every #fragment names an element id
// in the page it points at. atom.xml and sitemap.xml parse as XML and list only pages
// that exist; the sitemap lists every page; robots.txt points at the sitemap.
// Documents are parsed by Chromium's DOMParser, so HTML is read as a browser reads it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SITE, buildRealSite, launchChromium, listHtmlPages, parseInBrowser, urlPathOf } from "./lib.mjs";

const OUT = buildRealSite();
const PAGES = listHtmlPages(OUT);
const BASE_URL = readFileSync(join(SITE, "explainer.toml"), "utf8").match(/^\s*base_url\s*=\s*"([^"]+)"/m)?.[1];
const BASE = new URL(BASE_URL ?? "http://localhost/");
const LOCAL = "http://crawl.invalid"; // stands in for the site's origin while resolving links

let browser;
let parsed; // Map: url path -> { ids: Set, links: [...] }

before(async () => {
  browser = await launchChromium();
  const docs = PAGES.map((file) => ({ name: file, text: readFileSync(join(OUT, file), "utf8") }));
  const results = await parseInBrowser(browser, docs, (doc) => {
    const ids = [...doc.querySelectorAll("[id]")].map((e) => e.id);
    // Legacy <a name> targets count as fragments too.
    for (const a of doc.querySelectorAll("a[name]")) ids.push(a.getAttribute("name"));
    const links = [];
    const ATTRS = [["href", "a[href], area[href], link[href]"], ["src", "[src]"], ["action", "form[action]"], ["cite", "[cite]"], ["poster", "video[poster]"]];
    for (const [attr, sel] of ATTRS) {
      for (const el of doc.querySelectorAll(sel)) {
        const value = el.getAttribute(attr);
        const rel = el.getAttribute("rel") || "";
        // Describe the element so a failure says which one it is.
        const text = (el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 60);
        const what = `<${el.tagName.toLowerCase()}${rel ? ` rel="${rel}"` : ""} ${attr}="${value}">${text ? ` "${text}"` : ""}`;
        links.push({ attr, value, what, tag: el.tagName.toLowerCase(), rel });
      }
    }
    for (const el of doc.querySelectorAll("[srcset]")) {
      for (const part of el.getAttribute("srcset").split(",")) {
        const value = part.trim().split(/\s+/)[0];
        if (value) links.push({ attr: "srcset", value, what: `<${el.tagName.toLowerCase()} srcset> ${value}`, tag: el.tagName.toLowerCase(), rel: "" });
      }
    }
    // Things that name an id inside the same page.
    const refs = [];
    for (const el of doc.querySelectorAll("[aria-labelledby], [aria-describedby], [aria-controls], label[for]")) {
      for (const attr of ["aria-labelledby", "aria-describedby", "aria-controls", "for"]) {
        for (const id of (el.getAttribute(attr) || "").split(/\s+/).filter(Boolean)) {
          refs.push({ attr, id, what: `<${el.tagName.toLowerCase()} ${attr}="${el.getAttribute(attr)}">` });
        }
      }
    }
    // What the Content-Security-Policy forbids: inline scripts, styles and handlers.
    const inline = [];
    for (const el of doc.querySelectorAll("script:not([src])")) {
      if (!/json/.test(el.type)) inline.push(`inline <script>: ${el.textContent.trim().slice(0, 80)}`);
    }
    for (const el of doc.querySelectorAll("style")) inline.push(`<style> element: ${el.textContent.trim().slice(0, 80)}`);
    for (const el of doc.querySelectorAll("*")) {
      for (const a of el.attributes) {
        if (a.name === "style" || a.name.startsWith("on")) inline.push(`<${el.tagName.toLowerCase()} ${a.name}="${a.value.slice(0, 60)}">`);
      }
    }
    for (const el of doc.querySelectorAll('a[href^="javascript:" i]')) inline.push(`javascript: link: ${el.outerHTML.slice(0, 80)}`);
    return { ids, links, refs, inline };
  });
  parsed = new Map(PAGES.map((file, i) => [urlPathOf(file), { file, ...results[i], idList: results[i].ids, ids: new Set(results[i].ids) }]));
});

after(async () => browser?.close());

/**
 * Where a URL path lands in the output: { file } or { error }. "/a/" -> a/index.html;
 * "/a" -> an error when a/ is a folder (hosts redirect it, but the site should link
 * to the canonical address).
 */
function resolvePath(path) {
  let decoded;
  try { decoded = decodeURIComponent(path); } catch { return { error: "cannot be decoded" }; }
  const rel = decoded.replace(/^\/+/, "");
  const full = join(OUT, rel);
  if (!full.startsWith(OUT)) return { error: "leaves the output folder" };
  if (decoded.endsWith("/")) {
    return existsSync(join(full, "index.html")) ? { file: join(rel, "index.html") } : { error: `no ${rel}index.html in the output` };
  }
  if (!existsSync(full)) return { error: `no ${rel || "/"} in the output` };
  if (statSync(full).isDirectory()) return { error: `${rel} is a folder: link to "${path}/" instead` };
  return { file: rel };
}

/** The page path a resolved file is served at, when it is one of the HTML pages. */
function pagePathOf(file) {
  return urlPathOf(file.split("\\").join("/"));
}

/** Maps an href/src to a path in the site, or null when it leaves the site. */
function internalPath(value, pagePath) {
  if (/^(mailto|tel|data|javascript):/i.test(value)) return null;
  let url;
  try {
    url = new URL(value, LOCAL + pagePath);
  } catch {
    return { error: "is not a valid URL" };
  }
  if (url.origin === LOCAL) return { path: url.pathname, hash: url.hash };
  // Absolute links to the site itself (canonical, og:url, feed links) must resolve too.
  if (url.origin === BASE.origin && url.pathname.startsWith(BASE.pathname)) {
    return { path: "/" + url.pathname.slice(BASE.pathname.length), hash: url.hash };
  }
  return null;
}

test("every internal link, resource and #fragment resolves", () => {
  const broken = [];
  let checked = 0;
  for (const [pagePath, { file, links, ids, refs }] of parsed) {
    for (const link of links) {
      if (link.value === "" || link.value === "#") {
        broken.push(`${file}: ${link.what}: empty link`);
        continue;
      }
      const target = internalPath(link.value, pagePath);
      if (!target) continue;
      checked++;
      if (target.error) { broken.push(`${file}: ${link.what}: ${target.error}`); continue; }
      const res = resolvePath(target.path);
      if (res.error) { broken.push(`${file}: ${link.what}: ${res.error}`); continue; }
      if (target.hash) {
        const id = decodeURIComponent(target.hash.slice(1));
        const targetPage = parsed.get(pagePathOf(res.file));
        if (!targetPage) {
          broken.push(`${file}: ${link.what}: has a #fragment but ${res.file} is not an HTML page`);
        } else if (!targetPage.ids.has(id)) {
          broken.push(`${file}: ${link.what}: no element with id="${id}" in ${res.file}`);
        }
      }
    }
    for (const ref of refs) {
      if (!ids.has(ref.id)) broken.push(`${file}: ${ref.what}: no element with id="${ref.id}" in this page`);
    }
  }
  assert.ok(checked > PAGES.length * 10, `only ${checked} internal links found: is the crawl reading the pages?`);
  assert.deepEqual(broken, [], `${broken.length} broken internal link(s):\n  ${broken.join("\n  ")}`);
});

test("no inline scripts, styles or event handlers (the CSP forbids them)", () => {
  const found = [];
  for (const { file, inline } of parsed.values()) for (const i of inline) found.push(`${file}: ${i}`);
  assert.deepEqual(found, [], found.join("\n"));
});

test("ids are unique within each page", () => {
  const dupes = [];
  for (const { file, idList } of parsed.values()) {
    const seen = new Map();
    for (const id of idList) seen.set(id, (seen.get(id) ?? 0) + 1);
    for (const [id, n] of seen) if (n > 1) dupes.push(`${file}: id="${id}" appears ${n} times`);
  }
  assert.deepEqual(dupes, [], dupes.join("\n"));
});

/** Parses an XML file with DOMParser; fails with the parser's message if it is not well-formed. */
async function parseXml(name, extract) {
  const text = readFileSync(join(OUT, name), "utf8");
  const [result] = await parseInBrowser(
    browser,
    [{ name, text }],
    (doc, n) => {
      const err = doc.getElementsByTagName("parsererror")[0];
      if (err) return { error: `${n} is not well-formed XML: ${err.textContent.replace(/\s+/g, " ").trim()}` };
      const root = doc.documentElement;
      const ns = root.namespaceURI;
      const all = (tag) => [...doc.getElementsByTagNameNS(ns, tag)];
      return {
        root: root.localName,
        ns,
        locs: all("loc").map((e) => e.textContent.trim()),
        entries: all("entry").map((e) => ({
          id: e.getElementsByTagNameNS(ns, "id")[0]?.textContent.trim(),
          title: e.getElementsByTagNameNS(ns, "title")[0]?.textContent.trim(),
          updated: e.getElementsByTagNameNS(ns, "updated")[0]?.textContent.trim(),
          links: [...e.getElementsByTagNameNS(ns, "link")].map((l) => l.getAttribute("href")),
        })),
        feedLinks: [...root.children].filter((c) => c.localName === "link").map((l) => ({ rel: l.getAttribute("rel") || "alternate", href: l.getAttribute("href") })),
        feedId: [...root.children].find((c) => c.localName === "id")?.textContent.trim(),
        feedUpdated: [...root.children].find((c) => c.localName === "updated")?.textContent.trim(),
      };
    },
    "application/xml",
  );
  assert.ok(!result.error, result.error);
  return result;
}

/** Checks that an absolute URL in a feed or sitemap is a page of this site that exists. */
function checkListedUrl(where, url, problems) {
  const target = internalPath(url, "/");
  if (!target || target.error) {
    problems.push(`${where}: ${url} is not under base_url ${BASE.href}`);
    return null;
  }
  const res = resolvePath(target.path);
  if (res.error) {
    problems.push(`${where}: ${url}: ${res.error}`);
    return null;
  }
  if (!res.file.endsWith(".html") && !/\.xml$/.test(res.file)) problems.push(`${where}: ${url} is not a page`);
  return res.file;
}

test("sitemap.xml parses, lists only existing pages, and lists every page", async () => {
  const map = await parseXml("sitemap.xml");
  assert.equal(map.root, "urlset", "sitemap.xml's root is not <urlset>");
  assert.equal(map.ns, "http://www.sitemaps.org/schemas/sitemap/0.9", "sitemap.xml has the wrong namespace");
  const problems = [];
  const listed = new Set();
  for (const loc of map.locs) {
    const file = checkListedUrl("sitemap.xml", loc, problems);
    if (file) listed.add(file.split("\\").join("/"));
  }
  const twice = map.locs.filter((loc, i) => map.locs.indexOf(loc) !== i);
  for (const loc of new Set(twice)) problems.push(`sitemap.xml lists ${loc} more than once`);
  // Every page a reader can land on, other than the 404 page, belongs in the sitemap.
  for (const file of PAGES) {
    if (file === "404.html") continue;
    if (!listed.has(file)) problems.push(`sitemap.xml does not list ${urlPathOf(file)} (${file})`);
  }
  assert.ok(!listed.has("404.html"), "sitemap.xml lists the 404 page");
  assert.deepEqual(problems, [], problems.join("\n"));
});

test("atom.xml parses and its entries link to existing pages", async () => {
  const feed = await parseXml("atom.xml");
  assert.equal(feed.root, "feed", "atom.xml's root is not <feed>");
  assert.equal(feed.ns, "http://www.w3.org/2005/Atom", "atom.xml has the wrong namespace");
  const problems = [];
  assert.ok(feed.feedId, "the feed has no <id>");
  assert.ok(feed.feedUpdated && !Number.isNaN(Date.parse(feed.feedUpdated)), `the feed's <updated> is not a date: ${feed.feedUpdated}`);
  const self = feed.feedLinks.find((l) => l.rel === "self");
  assert.ok(self, "the feed has no rel=self link");
  if (checkListedUrl("atom.xml rel=self", self.href, problems) !== "atom.xml") problems.push(`rel=self is ${self.href}, not the feed`);
  for (const l of feed.feedLinks.filter((l) => l.rel === "alternate")) checkListedUrl("atom.xml <link>", l.href, problems);
  assert.ok(feed.entries.length > 0, "the feed has no entries");
  for (const e of feed.entries) {
    const where = `atom.xml entry "${e.title}"`;
    if (!e.id) problems.push(`${where} has no <id>`);
    if (!e.updated || Number.isNaN(Date.parse(e.updated))) problems.push(`${where}: <updated> is not a date: ${e.updated}`);
    if (e.links.length === 0) problems.push(`${where} has no <link>`);
    for (const href of e.links) checkListedUrl(where, href, problems);
  }
  assert.deepEqual(problems, [], problems.join("\n"));
});

test("robots.txt names the sitemap", () => {
  const robots = readFileSync(join(OUT, "robots.txt"), "utf8");
  const m = robots.match(/^Sitemap:\s*(\S+)\s*$/im);
  assert.ok(m, "robots.txt has no Sitemap: line");
  const problems = [];
  assert.equal(checkListedUrl("robots.txt", m[1], problems), "sitemap.xml", problems.join("\n"));
});

test("every page links its stylesheet, script, favicon, feed and canonical address", () => {
  const missing = [];
  for (const [pagePath, { file, links }] of parsed) {
    const has = (pred) => links.some(pred);
    if (!has((l) => l.tag === "link" && l.rel === "stylesheet")) missing.push(`${file}: no stylesheet`);
    if (!has((l) => l.tag === "link" && l.rel.split(/\s+/).includes("icon"))) missing.push(`${file}: no favicon`);
    if (!has((l) => l.tag === "link" && l.rel === "alternate")) missing.push(`${file}: no feed link`);
    const canonical = links.find((l) => l.tag === "link" && l.rel === "canonical");
    if (!canonical) missing.push(`${file}: no canonical link`);
    else if (file !== "404.html" && canonical.value !== new URL(pagePath.slice(1), BASE).href) {
      missing.push(`${file}: canonical is ${canonical.value}, expected ${new URL(pagePath.slice(1), BASE).href}`);
    }
  }
  assert.deepEqual(missing, [], missing.join("\n"));
});
