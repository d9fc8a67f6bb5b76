// The dev server in a real browser: `explainer serve` on a starter site, a page open in
// headless Chromium, and an edit to its Markdown: the page reloads by itself and shows
// the new text. A broken edit shows the error overlay over the last good page; fixing
// it reloads the page without the overlay. The waits are generous: they wait, they do
// not measure speed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { BIN, launchChromium, listFiles, requireBinary, tempDir } from "./lib.mjs";

const WAIT = 15_000;

let server; // { child, url, output() }
let browser;
let site;
let out;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `explainer serve` and resolves once it says where it serves. */
async function startServe(dir, outDir) {
  const port = await freePort();
  const child = spawn(BIN, ["serve", dir, "--port", String(port), "--out", outDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const output = () => log;
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`explainer serve did not start in ${WAIT} ms:\n${log}`)), WAIT);
    const onData = (chunk) => {
      log += chunk;
      const m = log.match(/serving (http:\/\/127\.0\.0\.1:\d+)\/?/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`explainer serve exited early (${signal ?? code}):\n${log}`));
    });
  });
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  try {
    const url = await ready;
    assert.equal(url, `http://127.0.0.1:${port}`, "serve listens on another port than asked");
    return { child, url, output };
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
}

/** Stops the server: Ctrl-C first (it should shut down cleanly), then SIGKILL. */
async function stopServe(s) {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((resolve) => s.child.once("exit", resolve));
  s.child.kill("SIGINT");
  const timer = setTimeout(() => s.child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Saves a file the way many editors do: write a temporary file, then rename it over. */
function saveLikeAnEditor(path, text) {
  const tmp = path + ".tmp-save";
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

before(async () => {
  requireBinary();
  const root = tempDir("livereload");
  site = join(root, "site");
  out = join(root, "out");
  const made = spawnSync(BIN, ["new", site], { encoding: "utf8" });
  assert.equal(made.status, 0, `explainer new failed:\n${made.stdout}${made.stderr}`);
  server = await startServe(site, out);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stopServe(server);
});

test("editing the Markdown reloads the open page with the new text", async () => {
  const md = join(site, "content", "concerns", "example.md");
  const original = readFileSync(md, "utf8");
  assert.match(original, /The writers worry/, "the starter concern changed: update this test");

  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(`uncaught exception: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console error: ${m.text()}`); });
  try {
    await page.goto(server.url + "/concerns/example/");
    await page.getByText("The writers worry").waitFor();
    // A mark that survives only until the page really reloads.
    await page.evaluate(() => { window.__notReloaded = true; });
    const reloaded = page.waitForEvent("load", { timeout: WAIT });

    const stamp = `Edited by the browser test ${Date.now()}`;
    writeFileSync(md, original.replace("The writers worry", `${stamp}. The writers worry`));

    try {
      await reloaded;
      await page.getByText(stamp).waitFor({ timeout: WAIT });
    } catch (err) {
      assert.fail(`the page did not reload with the new text within ${WAIT} ms (${err.message.split("\n")[0]}).\nserver output:\n${server.output()}`);
    }
    assert.equal(await page.evaluate(() => window.__notReloaded), undefined, "the text changed without a reload");
    assert.ok(await page.locator("a.cite").first().isVisible(), "the reloaded page lost its citations");

    // A second save, written the way editors do (temp file, then rename), reloads too.
    const stamp2 = `Saved again ${Date.now()}`;
    saveLikeAnEditor(md, original.replace("The writers worry", `${stamp2}. The writers worry`));
    await page.getByText(stamp2).waitFor({ timeout: WAIT });

    assert.deepEqual(errors, [], errors.join("\n"));
  } finally {
    await page.close();
    writeFileSync(md, original);
  }
});

test("a broken edit shows the error overlay over the last good page; the fix reloads without it", async () => {
  const md = join(site, "content", "concerns", "example.md");
  const original = readFileSync(md, "utf8");
  // Let the server finish the rebuild from the previous test's clean-up first.
  const deadline = Date.now() + WAIT;
  while ((await (await fetch(server.url + "/concerns/example/")).text()).includes("Saved again")) {
    assert.ok(Date.now() < deadline, `the previous test's clean-up was not rebuilt.\nserver output:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const page = await browser.newPage();
  try {
    await page.goto(server.url + "/concerns/example/");
    await page.getByText("The writers worry").waitFor();
    const missingQuote = "words that no letter contains";
    writeFileSync(md, original.replace("The writers worry", `Broken [@example-letter "${missingQuote}"]. The writers worry`));

    const overlay = page.locator("#explainer-error-overlay");
    try {
      await overlay.waitFor({ state: "visible", timeout: WAIT });
    } catch {
      assert.fail(`no error overlay within ${WAIT} ms after a broken edit.\nserver output:\n${server.output()}`);
    }
    const text = await overlay.innerText();
    assert.match(text, /example\.md:\d+:\d+/, `the overlay does not name file:line:col:\n${text}`);
    // The last good page is still what is served.
    const res = await page.request.get(server.url + "/concerns/example/");
    assert.equal(res.status(), 200);
    assert.ok(!(await res.text()).includes("Broken"), "the broken edit was served");

    const fixed = `Fixed ${Date.now()}`;
    writeFileSync(md, original.replace("The writers worry", `${fixed}. The writers worry`));
    await page.getByText(fixed).waitFor({ timeout: WAIT });
    assert.equal(await overlay.count(), 0, "the overlay stayed after the fix");
  } finally {
    await page.close();
    writeFileSync(md, original);
  }
});

test("the reload script is never written to the output folder", () => {
  const leaked = listFiles(out)
    .filter((f) => /\.(html|js)$/.test(f))
    .filter((f) => readFileSync(join(out, f), "utf8").includes("__livereload"));
  assert.deepEqual(leaked, [], `the live-reload script was written into: ${leaked.join(", ")}`);
});
