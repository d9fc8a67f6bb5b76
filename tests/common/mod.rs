//! Shared helpers for the integration tests: small sites written into a temporary
//! folder from strings, the `explainer` binary, whole-tree snapshots, and a few
//! string-level HTML helpers (the tests deliberately avoid depending on an HTML parser).

#![allow(dead_code)]

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A minimal `explainer.toml` at a domain root.
pub const CONFIG: &str = "title = \"Test site\"\nbase_url = \"https://example.org/\"\nlanguage = \"en\"\ndescription = \"A site for tests.\"\n";

/// Front matter with just a title, then the body.
pub fn page(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n---\n{body}")
}

/// A home page and an about page that link to each other, `notes/readme.txt` beside
/// `content/` (inside the site, outside what it publishes), and the `extra` files.
pub fn two_page_site(extra: &[(&str, &str)]) -> Site {
    let home = page("Home", "See [about](about.md).\n");
    let about = page("About", "Back [home](_index.md).\n");
    let mut files: Vec<(&str, &str)> = vec![
        ("content/_index.md", &home),
        ("content/about.md", &about),
        ("notes/readme.txt", "inside the site, outside content\n"),
    ];
    files.extend_from_slice(extra);
    Site::new(&files)
}

/// Front matter with a title and a weight, then the body.
pub fn weighted(title: &str, weight: i64, body: &str) -> String {
    format!("---\ntitle: {title}\nweight: {weight}\n---\n{body}")
}

/// A site in a temporary folder.
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// A site with `explainer.toml` = [`CONFIG`] (unless `files` gives one) and `files`.
    pub fn new(files: &[(&str, &str)]) -> Site {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        let site = Site { dir };
        if !files.iter().any(|(p, _)| *p == "explainer.toml") {
            site.write("explainer.toml", CONFIG);
        }
        for (p, text) in files {
            site.write(p, text);
        }
        site
    }

    /// The site folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `public/` of the site.
    pub fn public(&self) -> PathBuf {
        self.path().join("public")
    }

    /// Writes a file (creating folders).
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Removes a file.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path().join(rel)).unwrap();
    }

    /// Reads a file of `public/` as text.
    pub fn read(&self, rel: &str) -> String {
        let p = self.public().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    /// Whether `public/<rel>` exists.
    pub fn exists(&self, rel: &str) -> bool {
        self.public().join(rel).exists()
    }

    /// Runs `explainer <args…> SITE` and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(
            explainer()
                .args(args)
                .arg(self.path())
                .output()
                .expect("run explainer"),
        )
    }

    /// `explainer build SITE`, which must succeed; returns stdout.
    pub fn build_ok(&self) -> Run {
        let r = self.run(&["build"]);
        assert_eq!(r.code, Some(0), "build failed:\n{}{}", r.stdout, r.stderr);
        r
    }

    /// `explainer build SITE`, which must fail with exit status 1.
    pub fn build_fails(&self) -> Run {
        let r = self.run(&["build"]);
        assert_eq!(
            r.code,
            Some(1),
            "build should fail with status 1:\n{}{}",
            r.stdout,
            r.stderr
        );
        r
    }

    /// `explainer build SITE`, which must fail with exit status 1 and leave `public/`
    /// exactly as it was; returns what it printed on stderr.
    pub fn build_fails_untouched(&self) -> String {
        let before = snapshot(&self.public());
        let r = self.build_fails();
        assert_same_tree(
            &before,
            &snapshot(&self.public()),
            "public/ after a refused build",
        );
        r.stderr
    }

    /// Runs the library's pipeline up to the site model (no rendering, nothing written).
    pub fn load(
        &self,
    ) -> Result<(explainer::resolve::Site, explainer::Diagnostics), explainer::Diagnostics> {
        explainer::load_site(&explainer::BuildOptions::new(self.path()))
    }

    /// The errors of a library build that must fail.
    pub fn errors(&self) -> Vec<explainer::Diagnostic> {
        match self.load() {
            Ok(_) => panic!("the site should not build"),
            Err(d) => d
                .into_iter()
                .filter(|d| d.severity == explainer::Severity::Error)
                .collect(),
        }
    }

    /// A library build into `public/`, which must succeed.
    pub fn lib_build(&self) -> explainer::BuildReport {
        explainer::build(&explainer::BuildOptions::new(self.path()))
            .unwrap_or_else(|d| panic!("build failed:\n{d}"))
    }
}

/// What a run of the binary printed.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Run {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The `explainer` binary built for these tests.
pub fn explainer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_explainer"))
}

/// Every file and folder under `dir`, by relative path: file contents, or `None` for a folder.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Option<Vec<u8>>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if e.file_type().unwrap().is_dir() {
                out.insert(rel, None);
                walk(root, &p, out);
            } else {
                out.insert(rel, Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A stable hash of a whole tree (paths and bytes), FNV-1a.
pub fn tree_hash(dir: &Path) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (path, bytes) in snapshot(dir) {
        eat(path.as_bytes());
        eat(&[0]);
        match bytes {
            Some(b) => {
                eat(&(b.len() as u64).to_le_bytes());
                eat(&b);
            }
            None => eat(b"<dir>"),
        }
        eat(&[0xff]);
    }
    h
}

/// Asserts that two snapshots are identical, naming the paths that differ.
pub fn assert_same_tree(
    a: &BTreeMap<String, Option<Vec<u8>>>,
    b: &BTreeMap<String, Option<Vec<u8>>>,
    what: &str,
) {
    let differing: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect();
    assert!(
        differing.is_empty(),
        "{what}: these paths differ: {differing:?}"
    );
}

/// Names of the entries of a folder, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// --- string-level HTML helpers -------------------------------------------------------

/// The name of the tag that starts at `html[start]` (which must be `<`).
fn tag_name(html: &str, start: usize) -> &str {
    let rest = &html[start + 1..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// From the opening tag at `start`, the whole element up to its matching close tag.
pub fn element_at(html: &str, start: usize) -> &str {
    let name = tag_name(html, start).to_ascii_lowercase();
    let open_end = html[start..]
        .find('>')
        .map(|i| start + i + 1)
        .unwrap_or(html.len());
    let void = matches!(
        name.as_str(),
        "br" | "hr" | "img" | "input" | "meta" | "link" | "source" | "wbr" | "col"
    ) || html[start..open_end].ends_with("/>");
    if void {
        return &html[start..open_end];
    }
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut depth = 1;
    let mut i = open_end;
    while i < html.len() {
        let rest = &html[i..];
        if rest.starts_with(&close) {
            depth -= 1;
            if depth == 0 {
                return &html[start..i + close.len()];
            }
            i += close.len();
        } else if rest.starts_with(&open)
            && rest[open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_whitespace() || c == '>')
        {
            depth += 1;
            i += open.len();
        } else {
            i += rest.chars().next().map(char::len_utf8).unwrap_or(1);
        }
    }
    &html[start..]
}

/// Start offsets of every opening tag whose attributes contain `needle` (e.g. `id="p3"`).
pub fn tags_with(html: &str, needle: &str) -> Vec<usize> {
    let mut out = vec![];
    let mut from = 0;
    while let Some(i) = html[from..].find(needle) {
        let at = from + i;
        if let Some(lt) = html[..at].rfind('<')
            && !html[lt..at].contains('>')
            && !html[lt..].starts_with("</")
        {
            out.push(lt);
        }
        from = at + needle.len();
    }
    out.dedup();
    out
}

/// The element with `id="<id>"`, if any.
pub fn element_by_id<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    tags_with(html, &format!("id=\"{id}\""))
        .first()
        .map(|&s| element_at(html, s))
}

/// The opening tag of an element (`<a class="cite" …>`).
pub fn open_tag(element: &str) -> &str {
    &element[..element.find('>').map(|i| i + 1).unwrap_or(element.len())]
}

/// An attribute's value in an opening tag.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let open = open_tag(tag);
    let needle = format!(" {name}=\"");
    let i = open.find(&needle)? + needle.len();
    let end = open[i..].find('"')? + i;
    Some(unescape(&open[i..end]))
}

/// Decodes the character references templates and Markdown use in attribute values
/// (`&#x2f;` for `/`, `&amp;`, …), so tests compare what a browser sees.
pub fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Whether the opening tag's `class` attribute holds `class`.
pub fn has_class(tag: &str, class: &str) -> bool {
    attr(tag, "class").is_some_and(|c| c.split_whitespace().any(|x| x == class))
}

/// Every element (of any tag) whose class list holds `class`, outermost first in order.
pub fn elements_with_class<'a>(html: &'a str, class: &str) -> Vec<&'a str> {
    tags_with(html, "class=\"")
        .into_iter()
        .filter(|&s| has_class(&html[s..], class))
        .map(|s| element_at(html, s))
        .collect()
}

/// Every element of tag `name`, in document order.
pub fn elements<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut out = vec![];
    let mut from = 0;
    while let Some(i) = html[from..].find(&open) {
        let at = from + i;
        let next = html[at + open.len()..].chars().next();
        if next.is_some_and(|c| c.is_whitespace() || c == '>') {
            out.push(element_at(html, at));
        }
        from = at + open.len();
    }
    out
}

/// The `href`s of every link in `html`, in order.
pub fn hrefs(html: &str) -> Vec<String> {
    elements(html, "a")
        .into_iter()
        .filter_map(|a| attr(a, "href"))
        .collect()
}

/// The text of an element: tags removed (block-level ones count as a space), whitespace
/// collapsed, character references decoded.
pub fn text(html: &str) -> String {
    const BLOCK: &[&str] = &[
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "br",
        "td",
        "th",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "aside",
        "section",
        "nav",
        "blockquote",
        "summary",
        "details",
        "header",
        "footer",
        "article",
        "main",
        "table",
        "caption",
    ];
    let mut out = String::new();
    let mut tag: Option<String> = None;
    for c in html.chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (Some(t), '>') => {
                let name: String = t
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if BLOCK.contains(&name.as_str()) {
                    out.push(' ');
                }
                tag = None;
            }
            (Some(t), c) => t.push(c),
            (None, c) => out.push(c),
        }
    }
    unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `html` without any element of tag `name` (e.g. to drop headings before looking at links).
pub fn without_elements(html: &str, name: &str) -> String {
    let mut out = html.to_string();
    for e in elements(html, name) {
        out = out.replacen(e, "", 1);
    }
    out
}

/// The `<main>` element if the page has one, else the whole page.
pub fn main_of(html: &str) -> &str {
    elements(html, "main").into_iter().next().unwrap_or(html)
}

// --- citation fixtures -------------------------------------------------------------------

/// A source with six numbered passages: four paragraphs and a two-item list. Its text has
/// curly quotes, an em dash, an en dash, a soft line break and emphasis.
pub const LETTER_A: &str = "---
title: A letter from the writers
short_title: Writers' letter
kind: letter
date: 2024-10-29
---

Dear Committee,

We write about the “draft convention” — it is too broad.

The treaty’s Articles 7–10 do not
require criminal intent.

- First, it lacks safeguards for *human rights*.
- Second, it lacks safeguards for journalists.

Sincerely, the writers.
";

/// A second source with three paragraphs.
pub const LETTER_B: &str = "---
title: Another letter
short_title: Industry letter
kind: letter
---

To whom it may concern,

The Convention lacks safeguards for human rights.

Please reconsider.
";

/// The front matter of the citing page in [`cite_site`]; its body starts on line 4.
pub const CITING_FRONT: &str = "---\ntitle: Citing page\n---\n";

/// A site with the two letters and `content/concerns/citing.md` = [`CITING_FRONT`] + `body`.
pub fn cite_site(body: &str) -> Site {
    Site::new(&[
        (
            "content/_index.md",
            &page("Home", "See [the citing page](concerns/citing.md).\n"),
        ),
        (
            "content/sources/_index.md",
            &page("Sources", "The letters.\n"),
        ),
        ("content/sources/letter-a.md", LETTER_A),
        ("content/sources/letter-b.md", LETTER_B),
        (
            "content/concerns/citing.md",
            &format!("{CITING_FRONT}{body}"),
        ),
    ])
}

/// Asserts that each needle occurs in `hay`, first occurrences in the given order.
pub fn assert_in_order(hay: &str, needles: &[&str]) {
    let positions: Vec<usize> = needles
        .iter()
        .map(|n| {
            hay.find(n)
                .unwrap_or_else(|| panic!("{n:?} not found in:\n{hay}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "expected {needles:?} in this order, found them at {positions:?}"
    );
}
