// A search index in shards finds what one index finds. The real site is built twice:
// as it is (one index) and with `search_shard_pages = 6` (eight shards the search page
// merges). In headless Chromium, under the site's own Content-Security-Policy, each query
// must match the same pages in both, every shard must be loaded, and nothing may fail.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BIN, SITE, buildRealSite, launchChromium, netlifyHeaders, requireBinary, serveStatic, tempDir } from "./lib.mjs";

/** The real site with `extra` (top-level settings) added to its explainer.toml, built into
 * a temp dir. They go first: in TOML, a key after a [table] header is that table's. */
function buildVariant(extra) {
  requireBinary();
  const dir = tempDir("variant");
  for (const part of ["content", "layouts", "static"]) {
    if (existsSync(join(SITE, part))) cpSync(join(SITE, part), join(dir, part), { recursive: true });
  }
  writeFileSync(join(dir, "explainer.toml"), extra + "\n" + readFileSync(join(SITE, "explainer.toml"), "utf8"));
  const out = join(dir, "public");
  const r = spawnSync(BIN, ["build", dir, "--out", out], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`explainer build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return out;
}

const ONE = buildRealSite();
const SHARDED = buildVariant("search_shard_pages = 6");
const SHARDS = JSON.parse(readFileSync(join(SHARDED, "pagefind", "explainer-shards.json"), "utf8"));

// Queries with 1 to 20 matches, so the search page lists every match. Each must find
// exactly the pages one index finds, including queries with a word that only some
// shards hold ("dual", "Wyden", "zebra"): Pagefind drops a word its index lacks, so
// without search.js's care those shards would answer the query without it.
const QUERIES = ["encryption", "dual criminality", "security research", "Hanoi", "Wyden encryption", "zebra encryption"];
// Pagefind also falls back to a shorter indexed word when no word extends the one asked
// for ("journal" for "journalists"). A shard without "journalist" does that where one
// index would not, so these may find more pages, never fewer.
const FUZZY = ["journalists"];

let browser;
let servers;

before(async () => {
  browser = await launchChromium();
  servers = { one: await serveStatic(ONE, netlifyHeaders()), sharded: await serveStatic(SHARDED, netlifyHeaders()) };
});

after(async () => {
  await browser?.close();
  for (const s of Object.values(servers ?? {})) await s.close();
});

/** Searches `query` on `server`'s search page: { count, hrefs, problems }. */
async function search(server, query) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`); });
  try {
    await page.goto(server.url + "/search/?q=" + encodeURIComponent(query));
    await page.waitForFunction(() => /match/.test(document.getElementById("search-status").textContent), null, { timeout: 15_000 });
    const status = await page.locator("#search-status").textContent();
    const count = status.startsWith("No pages") ? 0 : Number(status.match(/^(\d+)/)?.[1]);
    const hrefs = await page.locator("#search-results a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    return { count, hrefs: hrefs.sort(), problems, status };
  } finally {
    await context.close();
  }
}

test("the sharded build has several shards, and the plain build one", () => {
  assert.ok(SHARDS.length >= 3, `shards besides the first: ${JSON.stringify(SHARDS)}`);
  assert.deepEqual(JSON.parse(readFileSync(join(ONE, "pagefind", "explainer-shards.json"), "utf8")), []);
  for (const dir of SHARDS) {
    assert.ok(existsSync(join(SHARDED, "pagefind", dir, "pagefind-entry.json")), `${dir} has no index`);
    assert.ok(!existsSync(join(SHARDED, "pagefind", dir, "pagefind.js")), `${dir} carries the search code again`);
  }
});

for (const query of [...QUERIES, ...FUZZY]) {
  const exact = QUERIES.includes(query);
  test(`"${query}" finds ${exact ? "the same pages" : "every page"} one index finds`, async () => {
    const one = await search(servers.one, query);
    const before = servers.sharded.requests.length;
    const sharded = await search(servers.sharded, query);
    assert.deepEqual(one.problems, [], one.problems.join("\n"));
    assert.deepEqual(sharded.problems, [], sharded.problems.join("\n"));
    assert.ok(one.count > 0 && one.count <= 20, `pick a query with 1 to 20 matches: "${one.status}"`);
    if (exact) {
      assert.equal(sharded.count, one.count, `sharded: "${sharded.status}"; one index: "${one.status}"`);
      assert.deepEqual(sharded.hrefs, one.hrefs);
    } else {
      const missing = one.hrefs.filter((h) => !sharded.hrefs.includes(h));
      assert.deepEqual(missing, [], `sharded: "${sharded.status}"; one index: "${one.status}"`);
    }
    const asked = servers.sharded.requests.slice(before);
    for (const dir of SHARDS) {
      assert.ok(asked.includes(`/pagefind/${dir}pagefind-entry.json`), `shard ${dir} was not loaded; requests: ${asked.join(", ")}`);
    }
  });
}
