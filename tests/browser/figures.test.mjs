// The figures the shortcodes draw (layouts/shortcodes/), on the pages that use them, at a
// phone width (390 px) and a desktop width (1280 px), light and dark: each is a <figure>
// with a caption and a text alternative, fits the screen, links each timeline event to
// its source, and brings no console error (a CSP violation is one) and no axe violation.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { axeViolations, buildRealSite, launchChromium, netlifyHeaders, openWatched, serveStatic } from "./lib.mjs";

const WIDTHS = [390, 1280];
// Which figures each page shows.
const PAGES = {
  "/": ["figure-progress", "figure-timeline", "figure-chapters"],
  "/context/where-things-stand/": ["figure-progress"],
  "/context/timeline/": ["figure-timeline"],
};

const OUT = buildRealSite();
let server;
let browser;

before(async () => {
  server = await serveStatic(OUT, netlifyHeaders());
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const open = (width, colorScheme) => openWatched(browser, { viewport: { width, height: 900 }, colorScheme });

/** What a figure offers: its caption, its text alternative, and how it sits on screen. */
function describeFigures() {
  return [...document.querySelectorAll("main figure.figure")].map((f) => {
    const alt = f.querySelector(".figure-alt");
    const svg = f.querySelector("svg");
    const box = f.getBoundingClientRect();
    return {
      classes: f.className,
      caption: f.querySelector(":scope > figcaption")?.textContent.trim() ?? "",
      // Cells are words apart, as a screen reader reads them.
      alt: alt ? (alt.tagName === "TABLE" ? [...alt.querySelectorAll("caption, th, td")].map((c) => c.textContent.trim()).join(" ") : alt.textContent.replace(/\s+/g, " ").trim()) : "",
      altIsTable: alt?.tagName === "TABLE",
      altRows: alt ? alt.querySelectorAll("tbody tr").length : 0,
      svgHidden: svg ? svg.getAttribute("aria-hidden") === "true" : null,
      // The bars drawn against the "needed" line, by label (a count that does not count
      // toward it is stated beside the chart, never drawn against the line).
      bars: svg ? [...svg.querySelectorAll(".chart-label")].map((t) => t.textContent.trim()) : [],
      stated: [...f.querySelectorAll(".progress-stated")].map((p) => p.textContent.replace(/\s+/g, " ").trim()),
      right: box.right,
      width: document.documentElement.clientWidth,
      scrollWidth: document.documentElement.scrollWidth,
      styled: f.querySelectorAll("[style]").length,
      events: [...f.querySelectorAll(".timeline-figure > li")].map((e) => ({
        time: e.querySelector("time")?.getAttribute("datetime") ?? "",
        href: e.querySelector("a")?.getAttribute("href") ?? "",
      })),
    };
  });
}

for (const scheme of ["light", "dark"]) {
  for (const width of WIDTHS) {
    describe(`figures at ${width} px, ${scheme}`, () => {
      for (const [url, expected] of Object.entries(PAGES)) {
        test(url, async () => {
          const { context, page, problems } = await open(width, scheme);
          try {
            await page.goto(server.url + url);
            const figures = await page.evaluate(describeFigures);
            for (const cls of expected) {
              assert.ok(figures.some((f) => f.classes.includes(cls)), `${url} shows a ${cls}`);
            }
            for (const f of figures) {
              assert.ok(f.caption.length > 20, `${f.classes}: a caption (${f.caption})`);
              assert.ok(f.alt.length > 20, `${f.classes}: a text alternative`);
              assert.equal(f.styled, 0, `${f.classes}: no inline style`);
              assert.ok(f.right <= f.width + 1, `${f.classes}: fits the screen (${f.right} > ${f.width})`);
              if (f.classes.includes("figure-progress")) {
                assert.equal(f.svgHidden, true, "the drawing is hidden from screen readers");
                assert.ok(f.altIsTable && f.altRows >= 3, "the table says the same in words");
                assert.match(f.alt, /Signatories 73/);
                assert.match(f.alt, /Ratifications 0/);
                assert.match(f.alt, /Needed 40/);
                assert.deepEqual(f.bars, ["Ratifications"], "only what counts toward the 40 is drawn against it");
                assert.ok(f.stated.some((t) => /^73 Signatories, as of 19 November 2025; not counted toward the 40/.test(t)), f.stated.join(" | "));
              }
              if (f.classes.includes("figure-timeline")) {
                assert.ok(f.events.length >= 10, "the timeline's events");
                for (const e of f.events) {
                  assert.match(e.time, /^\d{4}(-\d\d-\d\d)?$/, "each event has a date");
                  assert.match(e.href, /^(https:\/\/|\/sources\/)/, `each event links to its source (${e.href})`);
                }
              }
            }
            const scroll = figures[0];
            assert.ok(scroll.scrollWidth <= scroll.width, `the page does not scroll sideways (${scroll.scrollWidth})`);
            const violations = await axeViolations(page);
            assert.deepEqual(violations, [], "axe finds nothing");
            assert.deepEqual(problems, [], "no console error, CSP violation or failed request");
          } finally {
            await context.close();
          }
        });
      }
    });
  }
}

test("figures print: every figure is laid out in the print media, none overflows the page", async () => {
  const { context, page, problems } = await open(1280, "light");
  try {
    for (const url of Object.keys(PAGES)) {
      await page.goto(server.url + url);
      await page.emulateMedia({ media: "print" });
      const figures = await page.evaluate(describeFigures);
      assert.ok(figures.length > 0, url);
      for (const f of figures) assert.ok(f.right <= f.width + 1, `${url} ${f.classes} fits`);
      const pdf = await page.pdf({ format: "A4" });
      assert.ok(pdf.length > 10_000, `${url} prints`);
      await page.emulateMedia({ media: "screen" });
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// A static page goes stale while nobody rebuilds: once its review day has passed on the
// reader's own clock, the page says so; before it, it does not. Without JavaScript the
// notice stays hidden and "Facts checked as of" stands alone.
test("a page past its review day says so to its reader, by the reader's clock", async () => {
  for (const [day, shown] of [["2026-12-08T12:00:00", false], ["2026-12-23T23:00:00", false], ["2026-12-24T09:00:00", true], ["2027-01-01T09:00:00", true]]) {
    const { context, page, problems } = await open(390, "light");
    try {
      await page.clock.setFixedTime(new Date(day));
      await page.goto(server.url + "/context/where-things-stand/");
      const notice = page.locator(".page-review-due");
      assert.equal(await notice.isVisible(), shown, `on ${day}`);
      if (shown) {
        assert.match(await notice.textContent(), /The facts on this page were due for review on 23 December 2026; things may have changed since\./);
        assert.deepEqual(await axeViolations(page), [], "axe finds nothing");
      }
      assert.ok(await page.locator(".page-reviewed").isVisible(), "Facts checked as of … stands");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
  const { context, page } = await openWatched(browser, { viewport: { width: 390, height: 900 }, javaScriptEnabled: false });
  try {
    await page.goto(server.url + "/context/where-things-stand/");
    assert.equal(await page.locator(".page-review-due").isVisible(), false, "hidden without JavaScript");
    assert.ok(await page.locator(".page-reviewed").isVisible());
  } finally {
    await context.close();
  }
});
