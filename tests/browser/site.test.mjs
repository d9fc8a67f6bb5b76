// The real site in headless Chromium, served like a static host with the site's own
// Content-Security-Policy (from netlify.toml): every page at a phone width and a desktop
// width has no axe-core violations at WCAG 2.1 AA, no console errors (CSP violations are
// console errors), no failed requests, no request off the host, and no sideways scrolling;
// full-page screenshots go to tests/browser/screenshots/ (git-ignored). Then the features
// readers use: search, reading without JavaScript,
// printing, the 404 page; and a check that the harness really enforces the CSP.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  HERE, buildRealSite, launchChromium, listHtmlPages, netlifyHeaders, serveStatic, squash, urlPathOf,
} from "./lib.mjs";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const SHOTS = join(HERE, "screenshots");

// [label, viewport width, prefers-color-scheme]. Both widths in the light scheme, as
// readers mostly see it, and the desktop width once more in dark, for its contrast.
const PASSES = [
  ["390", 390, "light"],
  ["1280", 1280, "light"],
  ["1280-dark", 1280, "dark"],
];

const OUT = buildRealSite();
const PAGES = listHtmlPages(OUT);

let server;
let browser;

before(async () => {
  // Only this file's own folders: readers.test.mjs writes to screenshots/readers/.
  for (const [label] of PASSES) rmSync(join(SHOTS, label), { recursive: true, force: true });
  server = await serveStatic(OUT, netlifyHeaders());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** "/concerns/privacy/" -> "concerns-privacy", "/" -> "home", "/404.html" -> "404". */
function slug(path) {
  const s = path.replace(/index\.html$/, "").replace(/\.html$/, "").replace(/^\/|\/$/g, "").replace(/\//g, "-");
  return s || "home";
}

const problemsOf = new WeakMap();

/**
 * A browser context whose pages record every problem a reader's browser would show:
 * console errors, uncaught exceptions, failed requests, 4xx/5xx responses, and any
 * request to a host other than the test server (those are blocked, then reported).
 */
async function watchedContext(options = {}) {
  const context = await browser.newContext({ reducedMotion: "reduce", ...options });
  const host = new URL(server.url).host;
  await context.route(
    (url) => /^(https?|wss?):$/.test(url.protocol) && url.host !== host,
    (route) => {
      const req = route.request();
      const list = problemsOf.get(req.frame().page());
      list?.push(`request off the host: ${req.method()} ${req.url()}`);
      return route.abort("blockedbyclient");
    },
  );
  return context;
}

/** A new page in `context`, and the list its problems are recorded in. */
async function watchedPage(context) {
  const page = await context.newPage();
  const problems = [];
  problemsOf.set(page, problems);
  const host = new URL(server.url).host;
  const short = (url) => url.replace(server.url, "");
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const loc = msg.location();
    const where = loc && loc.url ? ` (at ${short(loc.url)}:${loc.lineNumber + 1})` : "";
    problems.push(`console error: ${msg.text()}${where}`);
  });
  page.on("pageerror", (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on("requestfailed", (req) => {
    const error = req.failure()?.errorText ?? "";
    if (new URL(req.url()).host !== host) return; // already reported as off-host
    // ERR_ABORTED: the browser cancelled it because the page navigated away (a test
    // clicking a link while the favicon loads). Not the site's fault.
    if (error === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${short(req.url())} (${error})`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${short(res.url())}`);
  });
  return { page, problems };
}

/** A fresh context and a watched page in it, for the one-off feature tests. */
async function openWatched(options = {}) {
  const context = await watchedContext(options);
  const { page, problems } = await watchedPage(context);
  return { context, page, problems };
}

async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    // Evaluated through the DevTools protocol, so the page's CSP does not stop it
    // (a <script> tag would be refused, as it should be).
    await page.evaluate(AXE_SOURCE);
  }
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: tags },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.join(" "),
        html: n.html.length > 200 ? n.html.slice(0, 200) + "…" : n.html,
        summary: (n.failureSummary || "").replace(/\s+/g, " ").trim(),
      })),
    }));
  }, AXE_TAGS);
}

function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `      at ${n.target}\n        ${n.html}\n        ${n.summary}`)
        .join("\n");
      const more = v.nodes.length > 5 ? `\n      … and ${v.nodes.length - 5} more elements` : "";
      return `  axe ${v.id} (${v.impact}): ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
    })
    .join("\n");
}

/** Elements that make the page scroll sideways, or null when it does not. */
function sidewaysOverflow() {
  const doc = document.documentElement;
  if (doc.scrollWidth <= doc.clientWidth) return null;
  // Name the offenders, so the failure says what to fix: elements past the right edge
  // that no scrolling/clipping box holds in. An absolutely positioned element is only
  // held in by such a box at or above its containing block.
  const clips = (el) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right <= doc.clientWidth + 1 || r.width === 0) continue;
    const position = getComputedStyle(el).position;
    if (position === "fixed") continue;
    const cb = position === "absolute" ? el.offsetParent : null;
    let held = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (clips(p) && (!cb || p === cb || p.contains(cb))) { held = true; break; }
    }
    if (held) continue;
    // Report the outermost offender only.
    if (wide.some((w) => w.el.contains(el))) continue;
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "");
    wide.push({ el, text: `${name} [${position}] (right edge at ${Math.round(r.right)}px): ${el.outerHTML.replace(/\s+/g, " ").slice(0, 120)}` });
  }
  return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, wide: wide.slice(0, 5).map((w) => w.text) };
}

for (const [label, width, colorScheme] of PASSES) {
  // Three pages at a time: Chromium's processes keep both cores busy.
  describe(`every page at ${width}px, ${colorScheme} scheme`, { concurrency: 3 }, () => {
    let context;
    before(async () => {
      context = await watchedContext({ viewport: { width, height: 900 }, colorScheme });
      mkdirSync(join(SHOTS, label), { recursive: true });
    });
    after(async () => context?.close());

    for (const file of PAGES) {
      const path = urlPathOf(file);
      test(path, async () => {
        const { page, problems } = await watchedPage(context);
        try {
          const res = await page.goto(server.url + path, { waitUntil: "load" });
          assert.equal(res.status(), 200, `${path}: HTTP ${res.status()}`);

          const overflow = await page.evaluate(sidewaysOverflow);
          if (overflow) {
            problems.push(`page scrolls sideways: ${overflow.scrollWidth}px wide in a ${overflow.clientWidth}px viewport; outermost offenders:\n    ${overflow.wide.join("\n    ")}`);
          }

          const violations = await runAxe(page);
          // The print edition is the whole site on one page (some 100,000 px high): its
          // first screen only, or the screenshot alone outlasts the test's time.
          await page.screenshot({ path: join(SHOTS, label, `${slug(path)}.png`), fullPage: path !== "/print/" });

          const report = [...problems];
          if (violations.length) report.push(`axe-core, WCAG 2.1 AA:\n${formatViolations(violations)}`);
          assert.ok(report.length === 0, `${path} at ${width}px (${colorScheme}):\n${report.join("\n")}`);
        } finally {
          await page.close();
        }
      });
    }
  });
}

test("no page scrolls sideways at 320px, the narrowest phone", async () => {
  const context = await watchedContext({ viewport: { width: 320, height: 640 } });
  const { page, problems } = await watchedPage(context);
  try {
    for (const file of PAGES) {
      const path = urlPathOf(file);
      await page.goto(server.url + path);
      const overflow = await page.evaluate(sidewaysOverflow);
      if (overflow) problems.push(`${path} is ${overflow.scrollWidth}px wide:\n    ${overflow.wide.join("\n    ")}`);
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  } finally {
    await context.close();
  }
});

describe("features", () => {
  const searches = [
    // [phrase from a letter, the letter's page that must be among the results]
    ["good-faith security research", "/sources/senators-2024-10-29/"],
    ["mimic real-world cyber threats", "/sources/siia-ccia-2024-11-01/"],
  ];
  for (const [phrase, expected] of searches) {
    test(`search finds "${phrase}" in ${expected}`, async () => {
      const { context, page, problems } = await openWatched({ viewport: { width: 1280, height: 900 } });
      try {
        await page.goto(server.url + "/search/");
        await page.getByRole("searchbox", { name: "Search the site" }).fill(phrase);
        await page.keyboard.press("Enter");
        const hit = page.locator(`#search-results a[href^="${expected}"]`).first();
        try {
          await hit.waitFor({ state: "visible", timeout: 10_000 });
        } catch {
          const status = await page.locator("#search-status").textContent();
          const found = await page.locator("#search-results a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
          assert.fail(`search for "${phrase}" shows no link to ${expected}; status: "${status}"; results: ${JSON.stringify(found)}; problems: ${problems.join("; ") || "none"}`);
        }
        const status = await page.locator("#search-status").textContent();
        assert.match(status, /match/, `search status: "${status}"`);
        // The query is kept in the address, so a search can be shared.
        assert.equal(new URL(page.url()).searchParams.get("q"), phrase);
        // Excerpts mark what matched.
        assert.ok((await page.locator("#search-results mark").count()) > 0, "no <mark> in the search excerpts");
        const viol = await runAxe(page);
        assert.ok(viol.length === 0, `search results page:\n${formatViolations(viol)}`);
        assert.deepEqual(problems, [], `search page: ${problems.join("\n")}`);
      } finally {
        await context.close();
      }
    });
  }

  test("a search in the address (?q=) runs when the page opens", async () => {
    const { context, page, problems } = await openWatched();
    try {
      await page.goto(server.url + "/search/?q=" + encodeURIComponent("encryption"));
      await page.locator("#search-results li a").first().waitFor({ timeout: 10_000 });
      assert.equal(await page.getByRole("searchbox").inputValue(), "encryption");
      assert.deepEqual(problems, [], problems.join("\n"));
    } finally {
      await context.close();
    }
  });

  // Citation popovers, one-hop arrival at the letter, tap targets, the matrix, header
  // search and the table of contents are tested at 390 and 1280 px in readers.test.mjs.

  test("pages read and navigate without JavaScript", async () => {
    const { context, page, problems } = await openWatched({ javaScriptEnabled: false, viewport: { width: 390, height: 800 } });
    try {
      const path = "/concerns/security-research/";
      await page.goto(server.url + path);
      assert.ok(await page.locator("h1").isVisible(), "no visible h1");
      const prose = squash(await page.locator("main .prose").innerText());
      assert.ok(prose.length > 500, `article text is missing without JavaScript (${prose.length} characters)`);
      await page.locator("section.references").waitFor({ state: "visible" });
      const refs = await page.locator("li.reference").count();
      assert.ok(refs > 0, "no references without JavaScript");
      // A citation is a plain link to its reference.
      const first = page.locator("a.cite").first();
      const href = await first.getAttribute("href");
      await first.click();
      assert.equal(new URL(page.url()).hash, href, "following a citation without JavaScript does not reach its reference");
      // The reference leads to the paragraph on the source page, which is highlighted.
      const ref = page.locator(`${href} a.ref-source`);
      await ref.click();
      await page.waitForURL(/\/sources\/[^/]+\/#p\d+$/);
      const target = new URL(page.url()).hash;
      assert.ok(await page.locator(`${target} .para-text`).isVisible(), `source paragraph ${target} not shown`);
      // Navigation works: the main menu reaches a section.
      await page.getByRole("navigation", { name: "Main" }).getByRole("link").first().click();
      assert.ok(await page.locator("h1").isVisible());
      // The search page explains itself without JavaScript and links onwards.
      await page.goto(server.url + "/search/");
      assert.ok(
        (await page.locator("main").innerText()).includes("Search needs JavaScript"),
        "the search page says nothing when JavaScript is off",
      );
      assert.deepEqual(problems, [], problems.join("\n"));
    } finally {
      await context.close();
    }
  });
  test("the test server enforces the site's CSP, so violations would show up as errors", async () => {
    const { context, page, problems } = await openWatched();
    try {
      const res = await page.goto(server.url + "/about/");
      assert.match(res.headers()["content-security-policy"] ?? "", /script-src 'self'/);
      const ran = await page.evaluate(() => {
        const s = document.createElement("script");
        s.textContent = "window.__inlineRan = true";
        document.head.appendChild(s);
        return window.__inlineRan === true;
      });
      assert.equal(ran, false, "an inline script ran: the CSP is not applied");
      await page.waitForTimeout(100);
      assert.ok(problems.some((p) => /Content Security Policy/i.test(p)), `the CSP violation was not reported: ${problems.join("; ")}`);
    } finally {
      await context.close();
    }
  });

  test("the print stylesheet prints the text and references, not the navigation", async () => {
    const { context, page, problems } = await openWatched({ viewport: { width: 800, height: 900 } });
    try {
      await page.goto(server.url + "/concerns/security-research/");
      await page.emulateMedia({ media: "print" });
      for (const sel of [".site-header", ".breadcrumbs", ".toc", ".site-footer", ".prevnext"]) {
        if (await page.locator(sel).count()) assert.ok(!(await page.locator(sel).first().isVisible()), `${sel} is printed`);
      }
      for (const sel of ["main h1", "main .prose", ".references", ".reference q", ".ref-passage"]) {
        assert.ok(await page.locator(sel).first().isVisible(), `${sel} is not printed`);
      }
      // Where an outside link goes is printed after it.
      const external = await page.evaluate(() => {
        const a = document.querySelector('.prose a[href^="http"], .references a[href^="http"]');
        return a && { href: a.href, after: getComputedStyle(a, "::after").content };
      });
      if (external) assert.ok(external.after.includes(external.href), `the print shows no address after ${external.href}: ${external.after}`);
      assert.deepEqual(problems, [], problems.join("\n"));
    } finally {
      await context.close();
    }
  });

  test("a missing page gets the site's 404 page, styled, with status 404", async () => {
    const { context, page, problems } = await openWatched({ viewport: { width: 390, height: 800 } });
    try {
      const res = await page.goto(server.url + "/concerns/no-such-page/");
      assert.equal(res.status(), 404);
      await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
      // The stylesheet loaded from a deep address (links in 404.html are root-relative).
      const styled = await page.evaluate(() => getComputedStyle(document.querySelector(".site-header")).borderBottomStyle === "solid");
      assert.ok(styled, "the 404 page is unstyled at a deep address");
      // The document's own 404 is expected here; nothing else may fail.
      const others = problems.filter((p) => !p.includes("/concerns/no-such-page/") && !/status of 404/.test(p));
      assert.deepEqual(others, [], others.join("\n"));
    } finally {
      await context.close();
    }
  });
});
