// html-validate over every HTML page the real site's build writes: no errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HtmlValidate } from "html-validate";
import { buildRealSite, listHtmlPages } from "./lib.mjs";

const validator = new HtmlValidate({
  extends: ["html-validate:recommended"],
  rules: {
    // The templates write void elements the HTML way (<meta charset="utf-8">, <br>),
    // as the HTML standard does; "omit" keeps them so, rather than XHTML's "<br />".
    "void-style": ["error", { style: "omit" }],
    // Typographic quotes and the ¶ sign are content, written as the characters
    // themselves in UTF-8 pages; entities would only make the source harder to read.
    "no-raw-characters": "off",
    // <!doctype html> in lower case, as the HTML standard writes it; the rule still
    // holds every page to one spelling.
    "doctype-style": ["error", { style: "lowercase" }],
    // HTML5 allows any id without spaces, and headings such as "2017" on the timeline
    // get ids like "2017" so their links read naturally (/context/timeline/#2017).
    // "relaxed" still rejects empty ids and ids with whitespace.
    "valid-id": ["error", { relaxed: true }],
    // A search-engine length hint, not validity: a <title> is "Page title · Site
    // title", and cutting article names short to fit 70 characters would lose meaning.
    "long-title": "off",
  },
});

const OUT = buildRealSite();
const PAGES = listHtmlPages(OUT);

test("the build writes HTML pages", () => {
  assert.ok(PAGES.length > 10, `only ${PAGES.length} HTML pages in the output`);
});

for (const file of PAGES) {
  test(`valid HTML: ${file}`, async () => {
    const source = readFileSync(join(OUT, file), "utf8");
    const report = await validator.validateString(source, file);
    const errors = report.results.flatMap((r) => r.messages).filter((m) => m.severity === 2);
    const lines = source.split("\n");
    const text = errors.map((m) => {
      const line = (lines[m.line - 1] ?? "").trim();
      const excerpt = line.length > 160 ? line.slice(Math.max(0, m.column - 60), m.column + 100) : line;
      return `  ${file}:${m.line}:${m.column} ${m.ruleId}: ${m.message}${m.selector ? `\n    at ${m.selector}` : ""}\n    ${excerpt}\n    ${m.ruleUrl ?? ""}`;
    });
    assert.ok(errors.length === 0, `${errors.length} HTML error(s) in ${file}:\n${text.join("\n")}`);
  });
}
