// The weight budget: for every page of the real site, its HTML plus the CSS and JS it
// references (stylesheets, scripts, and what the scripts import statically), gzip-
// compressed, is at most 30 KB (the print edition has its own: see budgetOf). The search index under /pagefind/ loads on demand, only
// when a reader searches, and is not counted. Prints the heaviest pages.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildRealSite, launchChromium, listHtmlPages, parseInBrowser, urlPathOf } from "./lib.mjs";

const BUDGET = 30 * 1024;
const OUT = buildRealSite();
const PAGES = listHtmlPages(OUT);

let browser;
const rows = []; // { file, total, parts: [[name, bytes]] }

before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  rows.sort((a, b) => b.total - a.total);
  const kb = (n) => (n / 1024).toFixed(1).padStart(5) + " KB";
  const lines = rows.slice(0, 10).map((r) =>
    `  ${kb(r.total)}  ${urlPathOf(r.file).padEnd(40)} ${r.parts.map(([n, b]) => `${n} ${(b / 1024).toFixed(1)}`).join(" + ")}`);
  console.log(`\nHeaviest pages (gzip: HTML + CSS + JS, budget ${BUDGET / 1024} KB):\n${lines.join("\n")}\n`);
});

const gzipCache = new Map();
function gzipSize(file) {
  if (!gzipCache.has(file)) gzipCache.set(file, gzipSync(readFileSync(file)).length);
  return gzipCache.get(file);
}

// The print edition (/print/) is every page of the explainer on one page, loaded only by
// a reader who asks for it to print. Its budget is what reading those pages one by one
// costs: the gzipped HTML of each page it gathers (each named by its address in the
// part's heading), so it may grow with the site but never weigh more than the pages it holds.
function budgetOf(file, html) {
  if (file !== join("print", "index.html")) return BUDGET;
  const urls = [...html.matchAll(/<span class="print-url">([^<]+)<\/span>/g)].map((m) => new URL(m[1]).pathname);
  assert.ok(urls.length > 20, `the print edition names only ${urls.length} pages`);
  return urls.reduce((sum, path) => sum + gzipSize(join(OUT, decodeURIComponent(path), "index.html")), 0);
}

test("every page's HTML, CSS and JS fit in 30 KB gzipped", async () => {
  const docs = PAGES.map((file) => ({ name: file, text: readFileSync(join(OUT, file), "utf8") }));
  const assets = await parseInBrowser(browser, docs, (doc) => [
    ...[...doc.querySelectorAll('link[rel~="stylesheet"][href], link[rel="modulepreload"][href]')].map((l) => l.getAttribute("href")),
    ...[...doc.querySelectorAll("script[src]")].map((s) => s.getAttribute("src")),
  ]);
  const over = [];
  const problems = [];
  PAGES.forEach((file, i) => {
    const parts = [["html", gzipSize(join(OUT, file))]];
    const seen = new Set();
    const queue = assets[i].map((href) => new URL(href, "http://site.invalid" + urlPathOf(file)));
    while (queue.length) {
      const url = queue.shift();
      if (url.origin !== "http://site.invalid") { problems.push(`${file}: ${url.href} is off the site`); continue; }
      if (url.pathname.startsWith("/pagefind/")) continue; // the search index: on demand
      if (seen.has(url.pathname)) continue;
      seen.add(url.pathname);
      const path = join(OUT, decodeURIComponent(url.pathname));
      if (!existsSync(path)) { problems.push(`${file}: ${url.pathname} is missing`); continue; }
      parts.push([url.pathname.split("/").pop(), gzipSize(path)]);
      // Static imports of a module (import … from "…") load with it; dynamic import()
      // is on demand, like the search index.
      if (/\.m?js$/.test(path)) {
        const src = readFileSync(path, "utf8");
        for (const m of src.matchAll(/^\s*import\s[^;]*?from\s*["']([^"']+)["']/gm)) queue.push(new URL(m[1], url));
      }
    }
    const total = parts.reduce((s, [, b]) => s + b, 0);
    rows.push({ file, total, parts });
    const budget = budgetOf(file, docs[i].text);
    if (total > budget) {
      over.push(`${urlPathOf(file)}: ${(total / 1024).toFixed(1)} KB (${parts.map(([n, b]) => `${n} ${(b / 1024).toFixed(1)} KB`).join(", ")})`);
    }
  });
  assert.deepEqual(problems, [], problems.join("\n"));
  assert.deepEqual(over, [], `pages over their budget (${BUDGET / 1024} KB gzip; the print edition its own):\n  ${over.join("\n  ")}`);
});
