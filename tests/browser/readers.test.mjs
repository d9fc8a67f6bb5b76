// What a reader does with the site, at a phone width (390 px) and a desktop width
// (1280 px): follow a citation to the exact words of the letter in one step, tap small
// citation marks, search, read the matrix, use the header search box and the table of
// contents, cite a page. Served with the site's own CSP; every test fails on a console
// error (CSP violations are console errors) and runs axe-core (WCAG 2.1 AA) on the states
// it opens (popovers, marked paragraphs) that the page-by-page pass never sees.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HERE, axeViolations, buildRealSite, launchChromium, netlifyHeaders, openWatched, serveStatic, squash } from "./lib.mjs";

const SHOTS = join(HERE, "screenshots", "readers");
const WIDTHS = [390, 1280];
const HEIGHT = { 390: 800, 1280: 900 };

const OUT = buildRealSite();
let server;
let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await serveStatic(OUT, netlifyHeaders());
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** A page at `width` whose console errors, page errors and failed requests are recorded. */
/** A page at `width` whose console errors, page errors and failed requests are recorded. */
const open = (width, options = {}) =>
  openWatched(browser, { viewport: { width, height: HEIGHT[width] ?? 900 }, ...options });


/** A letter's paragraph opened with a query string: what went wrong, and where the focus is. */
async function arriveWith(query, para = 3) {
  const { context, page, problems } = await open(1280);
  try {
    await page.goto(`${server.url}/sources/senators-2024-10-29/?${query}#p${para}`);
    await page.waitForFunction((id) => document.activeElement?.id === id, `p${para}`, { timeout: 10_000 }).catch(() => {});
    const focused = await page.evaluate(() => document.activeElement?.id);
    const marks = await page.locator(`#p${para} mark.cited`).count();
    return { problems, focused, marks };
  } finally {
    await context.close();
  }
}

// Hardening 3, item 16: ?mark= comes from any link anyone makes. The script bounds the
// work it does for it and never throws, whatever the query string holds: the page still
// lands on the paragraph, unmarked.
describe("?mark= from any link", () => {
  const cases = {
    "the same word 10,000 times": "mark=" + "the%20".repeat(10_000),
    "one word of 100,000 letters": "mark=" + "x".repeat(100_000),
    "5,000 ellipses": "mark=" + "...".repeat(5_000),
    "the same word 10,000 times between ellipses": "mark=" + "the...".repeat(10_000),
    "a broken escape": "mark=%E0%A4%A",
    "regular expression characters": "mark=" + encodeURIComponent("(((( [a-z]+ \\ $^ .*"),
    "two marks": "mark=the&mark=of",
  };
  for (const [name, query] of Object.entries(cases)) {
    test(name, async () => {
      const { problems, focused } = await arriveWith(query);
      assert.deepEqual(problems, [], problems.join("\n"));
      assert.equal(focused, "p3", "the paragraph did not get the focus");
    });
  }
  test("a search from a link of the same word 10,000 times ends, cut to its first words", async () => {
    const { context, page, problems } = await open(1280);
    try {
      await page.goto(`${server.url}/search/?q=${"the%20".repeat(10_000)}`);
      await page.waitForFunction(() => /match/.test(document.getElementById("search-status")?.textContent || ""), null, { timeout: 20_000 });
      const value = await page.inputValue("#search-input");
      assert.ok(value.length <= 256, `the query was not cut: ${value.length} characters`);
      assert.deepEqual(problems, [], problems.join("\n"));
    } finally {
      await context.close();
    }
  });
  test("a quote that is there is still marked", async () => {
    const { problems, marks } = await arriveWith("mark=" + encodeURIComponent("the"));
    assert.deepEqual(problems, [], problems.join("\n"));
    assert.ok(marks > 0, "a real word was not marked");
  });
});

/** Folds quotes, dashes and spacing the way the build compares quotes. */
function fold(s) {
  return squash(String(s).replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/[‐‑‒–—]/g, "-"));
}

/** The first page of the site that has a quoting citation of a source paragraph. */
function pageWithQuotes() {
  for (const p of ["/concerns/encryption/", "/concerns/security-research/", "/concerns/surveillance-powers/"]) {
    const f = join(OUT, p, "index.html");
    if (existsSync(f) && readFileSync(f, "utf8").includes("data-quote=")) return p;
  }
  throw new Error("no concern page with a quoting citation to test");
}

/** Focuses the `n`th quoting citation mark and returns what the test needs to know about it. */
async function focusQuotingCite(page, n = 0) {
  const cite = page.locator("a.cite[data-quote][data-para]").nth(n);
  await cite.focus();
  const popover = page.locator(".cite-popover");
  await popover.waitFor({ state: "visible", timeout: 3_000 });
  return {
    cite,
    popover,
    quote: await cite.getAttribute("data-quote"),
    source: await cite.getAttribute("data-source"),
    para: await cite.getAttribute("data-para"),
  };
}

function inViewport(box, width, height) {
  return box && box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5;
}

for (const width of WIDTHS) {
  const height = HEIGHT[width];
  describe(`at ${width}px`, () => {
    test("a citation's popover shows only the cited words, in their sentence, inside the screen", async () => {
      const path = pageWithQuotes();
      const { context, page, problems } = await open(width);
      try {
        await page.goto(server.url + path);
        // Every mark's popover stays inside the viewport, wherever the mark is.
        const count = await page.locator("a.cite").count();
        assert.ok(count > 0, `${path} has no citation marks`);
        for (let i = 0; i < count; i++) {
          const cite = page.locator("a.cite").nth(i);
          await cite.scrollIntoViewIfNeeded();
          await cite.focus();
          const popover = page.locator(".cite-popover");
          await popover.waitFor({ state: "visible", timeout: 3_000 });
          const box = await popover.boundingBox();
          assert.ok(inViewport(box, width, height), `${path}: the popover of mark ${i + 1} leaves the ${width}×${height} screen: ${JSON.stringify(box)}`);
        }
        // A quoting mark: only the words it quotes are marked, in their sentence, not the
        // whole paragraph; the popover ends with a link to the paragraph.
        const { popover, quote, source, para } = await focusQuotingCite(page, 0);
        await page.screenshot({ path: join(SHOTS, `popover-${width}.png`) });
        const marks = (await popover.locator("mark").allInnerTexts()).map(fold);
        const parts = quote.split(/\.\.\.|…/).map(fold).filter(Boolean);
        assert.deepEqual(marks, parts, `the popover marks ${JSON.stringify(marks)}, not the cited words ${JSON.stringify(parts)}`);
        const body = fold(await popover.locator(".popover-body").innerText()).replace(/^… | …$/g, "");
        const letter = await context.newPage();
        await letter.goto(`${server.url}/sources/${source}/`);
        const paragraph = fold(await letter.locator(`#p${para} .para-text`).innerText());
        await letter.close();
        assert.ok(paragraph.includes(body), `the popover's text is not a passage of ¶${para}:\n  ${body}`);
        assert.ok(body.length < paragraph.length, `the popover shows the whole of ¶${para}, not the sentence with the cited words`);
        const link = popover.locator("a.popover-link");
        assert.match(await link.innerText(), new RegExp(`^Read ¶${para} in the .+ →$`));
        const href = await link.getAttribute("href");
        assert.ok(href.includes(`/sources/${source}/`) && href.includes(`#p${para}:~:text=`), `the popover's link is not one hop to ¶${para} with a text fragment: ${href}`);
        assert.deepEqual(await axeViolations(page), [], "axe-core with the popover open");
        assert.deepEqual(problems, [], problems.join("\n"));
      } finally {
        await context.close();
      }
    });

    test("one hop from the popover reaches the letter with the cited words marked and focus on the paragraph", async () => {
      const path = pageWithQuotes();
      const { context, page, problems } = await open(width);
      try {
        await page.goto(server.url + path);
        const { popover, quote, source, para } = await focusQuotingCite(page, 0);
        // Keyboard: Tab moves from the mark into the popover, Enter follows its link.
        await page.keyboard.press("Tab");
        assert.ok(await page.evaluate(() => document.activeElement?.matches(".cite-popover a.popover-link")), "Tab from the mark does not reach the popover's link");
        await page.keyboard.press("Enter");
        await page.waitForURL((u) => u.pathname.endsWith(`/sources/${source}/`));
        await page.waitForFunction((id) => document.activeElement?.id === id, `p${para}`, { timeout: 3_000 });
        const marked = (await page.locator(`#p${para} mark.cited`).allInnerTexts()).map(fold).join(" ");
        assert.equal(marked, quote.split(/\.\.\.|…/).map(fold).filter(Boolean).join(" "), "the cited words are not marked in the letter");
        const box = await page.locator(`#p${para} mark.cited`).first().boundingBox();
        assert.ok(inViewport(box, width, height), `the marked words are not on screen on arrival: ${JSON.stringify(box)}`);
        await page.screenshot({ path: join(SHOTS, `letter-after-citation-${width}.png`) });
        assert.deepEqual(await axeViolations(page), [], "axe-core on the letter with the words marked");
        assert.deepEqual(problems, [], problems.join("\n"));
        const url = page.url();

        // A browser without text fragments (the directive is then part of the id) lands on
        // the paragraph too, marked by the script, from the same address.
        const old = await open(width);
        try {
          const u = new URL(url);
          await old.page.goto(`${u.origin}${u.pathname}${u.search}#p${para}`);
          await old.page.waitForFunction((id) => document.activeElement?.id === id, `p${para}`, { timeout: 3_000 });
          assert.ok(await old.page.locator(`#p${para} mark.cited`).count(), "no marked words from ?mark= alone");
        } finally {
          await old.context.close();
        }
        // Without JavaScript, the reference's link lands on the paragraph, highlighted (:target).
        const nojs = await open(width, { javaScriptEnabled: false });
        try {
          await nojs.page.goto(server.url + path);
          const href = await nojs.page.locator(`li.reference[data-source="${source}"][data-para="${para}"] a.ref-source`).first().getAttribute("href");
          await nojs.page.goto(server.url + href);
          assert.equal(await nojs.page.evaluate(() => document.querySelector(":target")?.id), `p${para}`);
        } finally {
          await nojs.context.close();
        }
        void popover;
      } finally {
        await context.close();
      }
    });

    test("citation marks are targets of at least 24×24 px and never start a line", async () => {
      const { context, page, problems } = await open(width);
      try {
        for (const path of [pageWithQuotes(), "/articles/article-24/"]) {
          await page.goto(server.url + path);
          const bad = await page.evaluate(() => {
            const out = [];
            for (const a of document.querySelectorAll("a.cite")) {
              const r = a.getBoundingClientRect();
              if (r.width < 24 || r.height < 24) out.push(`#${a.id} is ${r.width.toFixed(1)}×${r.height.toFixed(1)} px`);
            }
            // The mark sits on the line of the last character before it.
            for (const sup of document.querySelectorAll("sup.cites")) {
              let node = sup.previousSibling;
              while (node && !(node.nodeType === 3 && node.nodeValue.replace(/[\s\u2060]/g, "")) && !(node.nodeType === 1 && node.textContent.trim())) node = node.previousSibling;
              if (!node) continue;
              const range = document.createRange();
              if (node.nodeType === 3) {
                const text = node.nodeValue.replace(/[\s\u2060]+$/, "");
                range.setStart(node, text.length - 1);
                range.setEnd(node, text.length);
              } else {
                range.selectNodeContents(node);
              }
              const rects = range.getClientRects();
              const last = rects[rects.length - 1];
              const mark = sup.querySelector("a.cite").getClientRects()[0];
              if (last && mark && mark.top > last.bottom) out.push(`#${sup.querySelector("a.cite").id} wraps onto a line of its own`);
            }
            return out;
          });
          assert.deepEqual(bad, [], `${path}:\n${bad.join("\n")}`);
        }
        assert.deepEqual(problems, [], problems.join("\n"));
      } finally {
        await context.close();
      }
    });

    test("search excerpts hold the pages' text, not anchors, marks, references or labels", async () => {
      const { context, page, problems } = await open(width);
      try {
        for (const q of ["encryption", "letters", "Wyden", "October 2024"]) {
          await page.goto(server.url + "/search/?q=" + encodeURIComponent(q));
          await page.locator("#search-results li").first().waitFor({ timeout: 10_000 });
          const excerpts = await page.locator("#search-results li p").allInnerTexts();
          const noise = [/Link to this section/i, /Cited by/, /Back to the text/, /From\s*Ron Wyden/, /Date\s*\d/, /Published\s*the/, /Encryption\. Encryption/, /[”"’]\d/, /¶\d/];
          for (const e of excerpts) {
            for (const n of noise) assert.ok(!n.test(e), `search for "${q}": an excerpt holds ${n}: ${e}`);
          }
          // Result titles are no bigger than a page's own section headings.
          const sizes = await page.evaluate(() => {
            const t = document.querySelector("#search-results h2");
            const h1 = document.querySelector("main h1");
            return { title: parseFloat(getComputedStyle(t).fontSize), h1: parseFloat(getComputedStyle(h1).fontSize) };
          });
          assert.ok(sizes.title <= 20 && sizes.title < sizes.h1, `result titles are ${sizes.title}px`);
        }
        await page.screenshot({ path: join(SHOTS, `search-${width}.png`), fullPage: true });
        assert.deepEqual(problems, [], problems.join("\n"));
      } finally {
        await context.close();
      }
    });

    test("the matrix is fully visible, no column clipped", async () => {
      const { context, page, problems } = await open(width);
      try {
        await page.goto(server.url + "/matrix/");
        const tables = await page.locator("table.matrix").count();
        assert.ok(tables >= 1, "no matrix table");
        const clipped = await page.evaluate(() => {
          const vw = document.documentElement.clientWidth;
          const out = [];
          for (const t of document.querySelectorAll("table.matrix")) {
            const box = t.parentElement;
            if (box.scrollWidth > box.clientWidth + 1) out.push(`${t.className}: ${box.scrollWidth}px in a ${box.clientWidth}px box`);
            for (const c of t.querySelectorAll("th, td")) {
              const r = c.getBoundingClientRect();
              if (r.right > vw + 0.5 || r.left < -0.5) { out.push(`${t.className}: a cell reaches ${Math.round(r.right)}px of ${vw}px`); break; }
            }
          }
          return out;
        });
        assert.deepEqual(clipped, [], clipped.join("\n"));
        // Cells say what they mean; counts come second.
        const text = await page.locator("table.matrix-letters").innerText();
        assert.match(text, /Raises it/);
        assert.doesNotMatch(text, /^\d+ citations?$/m);
        await page.screenshot({ path: join(SHOTS, `matrix-${width}.png`), fullPage: true });
        assert.deepEqual(problems, [], problems.join("\n"));
      } finally {
        await context.close();
      }
    });

    test("every page's header has a search box that reaches the search page, with or without JavaScript", async () => {
      for (const js of [true, false]) {
        const { context, page, problems } = await open(width, { javaScriptEnabled: js });
        try {
          for (const path of ["/", pageWithQuotes(), "/matrix/"]) {
            await page.goto(server.url + path);
            const box = page.locator("header.site-header form[role=search] input[name=q]");
            assert.ok(await box.isVisible(), `${path}: no visible search box in the header`);
          }
          await page.locator("header.site-header form[role=search] input[name=q]").fill("encryption");
          await page.locator("header.site-header form[role=search] input[name=q]").press("Enter");
          await page.waitForURL((u) => u.pathname.endsWith("/search/") && u.searchParams.get("q") === "encryption");
          if (js) await page.locator("#search-results li").first().waitFor({ timeout: 10_000 });
          assert.deepEqual(problems, [], problems.join("\n"));
        } finally {
          await context.close();
        }
      }
    });

    test(width < 640 ? "the table of contents is collapsed, so the text comes first" : "the table of contents is open beside the text", async () => {
      const { context, page, problems } = await open(width);
      try {
        for (const path of ["/articles/article-24/", "/context/timeline/"]) {
          await page.goto(server.url + path);
          const toc = page.locator(".toc");
          if (!(await toc.count())) continue;
          const links = toc.locator("a");
          if (width < 640) {
            assert.ok(!(await links.first().isVisible()), `${path}: the contents list is open on a phone`);
            const top = await page.locator("main .prose > *").first().evaluate((e) => e.getBoundingClientRect().top);
            assert.ok(top < HEIGHT[width], `${path}: the text starts below the first screen (${top}px)`);
            await toc.locator("summary").click();
            assert.ok(await links.first().isVisible(), `${path}: the contents do not open`);
          } else {
            assert.ok(await links.first().isVisible(), `${path}: the contents are hidden on a wide screen`);
          }
        }
        assert.deepEqual(problems, [], problems.join("\n"));
      } finally {
        await context.close();
      }
    });
  });
}

describe("citing and dating pages", () => {
  test("each page carries citation_* meta tags and offers “How to cite this page”", async () => {
    const { context, page, problems } = await open(1280);
    try {
      for (const path of ["/", pageWithQuotes(), "/sources/senators-2024-10-29/"]) {
        await page.goto(server.url + path);
        const meta = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('meta[name^="citation_"]')].map((m) => [m.name, m.content])));
        assert.ok(meta.citation_title, `${path}: no citation_title`);
        assert.ok(meta.citation_publisher, `${path}: no citation_publisher`);
        assert.match(meta.citation_public_url ?? "", /^https?:\/\//, `${path}: no absolute citation_public_url`);
        const cite = page.locator("details.how-to-cite");
        assert.ok(await cite.count(), `${path}: no “How to cite this page”`);
        await cite.locator("summary").click();
        const text = await cite.innerText();
        assert.ok(text.includes(meta.citation_public_url), `${path}: the citation lacks the page's address`);
        const date = await page.locator(".page-updated time").count();
        if (meta.citation_publication_date && !path.startsWith("/sources/")) assert.ok(date, `${path}: dated, but says nothing of when it was updated`);
      }
      assert.deepEqual(problems, [], problems.join("\n"));
    } finally {
      await context.close();
    }
  });

  test("a link to a glossary term shows the definition on focus, and is a plain link without JavaScript", async (t) => {
    const { context, page, problems } = await open(390);
    try {
      await page.goto(server.url + "/");
      const links = page.locator("main a[href*='/glossary/#']");
      if (!existsSync(join(OUT, "glossary", "index.html")) || !(await links.count())) {
        t.skip("the site has no glossary, or the home page links to none of its terms");
        return;
      }
      const link = links.first();
      await link.focus();
      const popover = page.locator(".cite-popover");
      await popover.waitFor({ state: "visible", timeout: 5_000 });
      const text = squash(await popover.innerText());
      assert.ok(text.length > 40, `the glossary popover says too little: ${text}`);
      assert.ok(inViewport(await popover.boundingBox(), 390, 800), "the glossary popover leaves the screen");
      assert.deepEqual(await axeViolations(page), [], "axe-core with the glossary popover open");
      assert.deepEqual(problems, [], problems.join("\n"));
    } finally {
      await context.close();
    }
  });
});
