// Shared helpers for the browser suite: build the real site with the debug binary,
// serve a folder like a static host does (with the site's own security headers), and
// launch the machine's Chromium. Not a test file itself (node --test only picks up
// *.test.mjs here).
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, "..", "..");
// The debug binary `cargo test` builds (tests/run), so the suite compiles nothing of its
// own; EXPLAINER_BIN picks another (e.g. target/release/explainer).
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(ROOT, process.env.CARGO_TARGET_DIR) : join(ROOT, "target");
export const BIN = process.env.EXPLAINER_BIN
  ? resolve(process.env.EXPLAINER_BIN)
  : join(TARGET, "debug", process.platform === "win32" ? "explainer.exe" : "explainer");
// The site the suite builds: this repository, or EXPLAINER_SITE (a folder with
// explainer.toml and content/), e.g. to test the theme against another copy of the content.
export const SITE = process.env.EXPLAINER_SITE ? resolve(process.env.EXPLAINER_SITE) : ROOT;
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

// The flags keep Chromium from phoning home (updates, sync, safe browsing lists...),
// which on a closed network shows up as refused connections, and off-host requests.
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function requireBinary() {
  if (!existsSync(BIN)) {
    throw new Error(`${relative(ROOT, BIN)} is missing: run \`cargo build\` first (tests/run does), or set EXPLAINER_BIN.`);
  }
}

/** Makes a temporary folder that is removed when the process exits. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `explainer-${prefix}-`));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Builds the real site (the repository root) into a fresh temp dir and returns its path. */
export function buildRealSite() {
  requireBinary();
  const out = join(tempDir("site"), "public");
  const r = spawnSync(BIN, ["build", SITE, "--out", out], { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`explainer build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return out;
}

/** Every file under dir (relative paths with forward slashes), sorted. */
export function listFiles(dir, base = dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, base));
    else out.push(relative(base, full).split(sep).join("/"));
  }
  return out.sort();
}

/** The output's HTML pages, as relative file paths (e.g. "concerns/privacy/index.html"). */
export function listHtmlPages(dir) {
  return listFiles(dir).filter((f) => f.endsWith(".html") && !f.startsWith("pagefind/"));
}

/** The URL path a page file is served at: "a/b/index.html" -> "/a/b/", "404.html" -> "/404.html". */
export function urlPathOf(file) {
  if (file === "index.html") return "/";
  if (file.endsWith("/index.html")) return "/" + file.slice(0, -"index.html".length);
  return "/" + file;
}

/**
 * The headers netlify.toml sets for every response (`for = "/*"`), read from the file
 * itself so the tests check what the host will send. A minimal reader: it knows the
 * [[headers]] / for / [headers.values] / key = "value" shape that file uses.
 */
export function netlifyHeaders() {
  const text = readFileSync(join(ROOT, "netlify.toml"), "utf8");
  const blocks = [];
  let current = null;
  let inValues = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || line === "") continue;
    if (line === "[[headers]]") { current = { for: null, values: {} }; blocks.push(current); inValues = false; continue; }
    if (line === "[headers.values]") { inValues = current !== null; continue; }
    if (line.startsWith("[")) { current = null; inValues = false; continue; }
    const m = line.match(/^("?)([A-Za-z0-9_.-]+)\1\s*=\s*"((?:[^"\\]|\\.)*)"\s*(#.*)?$/);
    if (!m || !current) continue;
    const value = m[3].replace(/\\(.)/g, "$1");
    if (inValues) current.values[m[2]] = value;
    else if (m[2] === "for") current.for = value;
  }
  const all = blocks.find((b) => b.for === "/*");
  if (!all) throw new Error('netlify.toml has no [[headers]] block for "/*"');
  if (!all.values["Content-Security-Policy"]) throw new Error("netlify.toml sets no Content-Security-Policy for /*");
  return all.values;
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".xml": "application/xml; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
};

/**
 * A tiny static host for `dir` on 127.0.0.1: files as they are, "/x/" -> "/x/index.html",
 * "/x" -> 301 to "/x/" when that is a folder, anything missing -> 404.html with status
 * 404. Every response carries the given headers (the site's CSP among them).
 * Resolves to { url, close, requests } where requests lists the paths asked for.
 */
export function serveStatic(dir, headers = {}) {
  const root = resolve(dir);
  const requests = [];
  // Long addresses are served, as static hosts and `explainer serve` serve them, so that
  // the script's handling of a long query string (?mark=…) can be tested.
  const server = createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    } catch {
      res.writeHead(400).end("bad request");
      return;
    }
    requests.push(path);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    let file = resolve(root, "." + path);
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(400).end("bad request");
      return;
    }
    let st = existsSync(file) ? statSync(file) : null;
    if (st && st.isDirectory()) {
      if (!path.endsWith("/")) {
        res.writeHead(301, { Location: path + "/" }).end();
        return;
      }
      file = join(file, "index.html");
      st = existsSync(file) ? statSync(file) : null;
    }
    let status = 200;
    if (!st || !st.isFile()) {
      status = 404;
      file = join(root, "404.html");
      if (!existsSync(file)) {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
        return;
      }
    }
    const type = TYPES[extname(file)] || "application/octet-stream";
    const body = readFileSync(file);
    res.writeHead(status, { "Content-Type": type, "Content-Length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolvePromise({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (tests/run does), or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Parses HTML (or XML) documents with the browser's DOMParser and runs `extract` on
 * each (in the page; it gets the Document and the name and returns something
 * serialisable). Returns the results in input order.
 */
export async function parseInBrowser(browser, docs, extract, mime = "text/html") {
  const page = await browser.newPage();
  try {
    return await page.evaluate(
      ({ docs, src, mime }) => {
        // eslint-disable-next-line no-new-func
        const fn = new Function("return (" + src + ")")();
        const parser = new DOMParser();
        return docs.map(({ name, text }) => fn(parser.parseFromString(text, mime), name));
      },
      { docs, src: extract.toString(), mime },
    );
  } finally {
    await page.close();
  }
}

/** Collapses whitespace, for comparing text across markup. */
export function squash(s) {
  return String(s).replace(/\s+/g, " ").trim();
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * A page in a new context of `browser` (`options`: Playwright's context options; motion
 * is reduced), whose console errors, uncaught exceptions and failed requests are
 * collected in `problems`. A CSP violation is a console error.
 */
export async function openWatched(browser, options) {
  const context = await browser.newContext({ reducedMotion: "reduce", ...options });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`uncaught exception: ${e.message}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  return { context, page, problems };
}

/** axe's WCAG 2.1 A and AA violations on `page`, one line each (axe is loaded once per page). */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"] });
    return r.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
}
