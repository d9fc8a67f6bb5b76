//! Issue "Hardening 3", items 5–17: what a build refuses (links out of content/, links
//! into the output, named pipes and sockets, control characters, dates a feed cannot
//! carry, invisible characters in names, unpaired quote marks, `[sections]` it cannot
//! use, base URLs that load the site from elsewhere), ids that are empty or repeated,
//! a bibliography with a byte-order mark, and warnings without bound.

mod common;

use common::*;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn site() -> Site {
    two_page_site(&[("content/files/real.txt", "inside content\n")])
}

/// `explainer ARGS SITE`, killed after 60 s: a build that hangs fails the test instead of
/// hanging it. Returns (exit code, stderr).
fn run_bounded(site: &Site, args: &[&str]) -> (Option<i32>, String) {
    let logs = tempfile::tempdir().unwrap();
    let err_path = logs.path().join("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_explainer"))
        .args(args)
        .arg(site.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("run explainer");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "explainer {args:?} did not finish in 60 s (it hangs); stderr so far:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.code(), std::fs::read_to_string(&err_path).unwrap())
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Whether every character of `xml` is one XML 1.0 can carry (its `Char` production).
fn assert_xml_chars(xml: &str, what: &str) {
    let bad: Vec<char> = xml
        .chars()
        .filter(|&c| {
            !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{what} has characters XML cannot carry: {bad:?}\n{xml}"
    );
}

/// Whether `s` is a strict RFC 3339 timestamp as Atom wants it:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with hours and offsets in range.
fn is_strict_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        s.get(r.clone())
            .is_some_and(|t| t.len() == r.len() && t.bytes().all(|c| c.is_ascii_digit()))
    };
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap();
    if !(s.is_ascii()
        && s.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19))
    {
        return false;
    }
    if num(11..13) > 23 || num(14..16) > 59 || num(17..19) > 59 {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(f) = rest.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &f[n..];
    }
    rest == "Z"
        || (rest.len() == 6
            && rest.starts_with(['+', '-'])
            && rest[1..3].bytes().all(|c| c.is_ascii_digit())
            && &rest[3..4] == ":"
            && rest[4..].bytes().all(|c| c.is_ascii_digit())
            && rest[1..3].parse::<u32>().unwrap() <= 23
            && rest[4..].parse::<u32>().unwrap() <= 59)
}

/// The texts of every `<tag>…</tag>` in `xml`.
fn xml_texts<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.match_indices(&open)
        .filter_map(|(i, _)| {
            let from = i + open.len();
            xml[from..].find(&close).map(|j| &xml[from..from + j])
        })
        .collect()
}

/// Every `id="…"` value in `html`, in order.
fn ids(html: &str) -> Vec<String> {
    html.match_indices(" id=\"")
        .map(|(i, m)| {
            let from = i + m.len();
            let end = html[from..].find('"').map_or(html.len(), |j| from + j);
            unescape(&html[from..end])
        })
        .collect()
}

// --- item 5: links lead only inside content/ (or layouts/) -----------------------------

/// Item 5: a link that stays inside the site folder but leaves content/ used to be
/// followed, publishing `.env` as `/env.txt` and `.git/config`. It is an error naming
/// the link; a link inside content/ is still followed.
#[test]
fn a_link_out_of_content_is_refused_even_inside_the_site() {
    let site = site();
    site.write(".env", "SECRET=hunter2\n");
    site.write(".git/config", "[remote \"origin\"]\n");
    site.build_ok();
    for (link, target, published) in [
        ("content/env.txt", "../.env", "env.txt"),
        ("content/gitconfig.txt", "../.git/config", "gitconfig.txt"),
        ("content/notes", "../notes", "notes/readme.txt"),
    ] {
        symlink(target, site.path().join(link)).unwrap();
        let err = site.build_fails_untouched();
        assert!(
            err.contains(&format!("{link}: error: this is a link to "))
                && err.contains("which is outside content/"),
            "{link}: {err}"
        );
        assert!(
            err.contains("help: the build follows links only inside content/"),
            "{err}"
        );
        assert!(!site.exists(published), "{published} was published");
        std::fs::remove_file(site.path().join(link)).unwrap();
    }
    // The same rule for the theme: layouts/ links stay in layouts/.
    std::fs::create_dir_all(site.path().join("layouts/static")).unwrap();
    symlink("../../.env", site.path().join("layouts/static/env.txt")).unwrap();
    let err = site.build_fails_untouched();
    assert!(
        err.contains("layouts/static/env.txt: error: this is a link to")
            && err.contains("which is outside layouts/"),
        "{err}"
    );
    std::fs::remove_file(site.path().join("layouts/static/env.txt")).unwrap();

    // Inside content/, links are followed, to files and to folders.
    symlink("files/real.txt", site.path().join("content/alias.txt")).unwrap();
    symlink("files", site.path().join("content/more")).unwrap();
    site.build_ok();
    assert_eq!(site.read("alias.txt"), "inside content\n");
    assert_eq!(site.read("more/real.txt"), "inside content\n");
}

// --- item 6: links into the output folder ------------------------------------------------

/// Item 6: `content/mirror -> ../public` used to copy the output into itself, growing
/// it on every build. It is an error that says what the link leads into.
#[test]
fn a_link_into_the_output_folder_is_refused() {
    let site = site();
    site.build_ok();
    for (link, target) in [
        ("content/mirror", "../public"),
        ("content/mirror.html", "../public/index.html"),
    ] {
        symlink(target, site.path().join(link)).unwrap();
        let err = site.build_fails_untouched();
        assert!(
            err.contains(&format!(
                "{link}: error: this is a link into explainer's output folder"
            )) && err.contains("every build would copy its own output into itself"),
            "{link}: {err}"
        );
        assert!(!site.exists("mirror"));
        std::fs::remove_file(site.path().join(link)).unwrap();
    }
    // And an output folder inside content/ is refused before anything is written.
    let out = site.path().join("content/out");
    let r = site.run(&["build", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains("is inside the site's content/ folder"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
}

// --- item 7: named pipes, sockets ----------------------------------------------------------

/// Item 7: a named pipe (FIFO) used to make the build wait forever for a writer. In
/// content/ (as a page, an asset or the bibliography), in layouts/, as explainer.toml or
/// behind a link, it is an error naming it, and it is never opened.
#[test]
fn a_named_pipe_anywhere_is_an_error_not_a_hang() {
    for (fifo, link) in [
        ("content/fifo.md", None),
        ("content/data.bin", None),
        ("content/references.yaml", None),
        ("layouts/page.html", None),
        ("layouts/static/x.css", None),
        ("explainer.toml", None),
        ("content/files/pipe.md", Some("content/linked.md")),
    ] {
        let site = site();
        site.build_ok();
        let before = snapshot(&site.public());
        let path = site.path().join(fifo);
        if path.exists() {
            std::fs::remove_file(&path).unwrap();
        }
        mkfifo(&path);
        if let Some(link) = link {
            symlink("files/pipe.md", site.path().join(link)).unwrap();
        }
        let (code, err) = run_bounded(&site, &["build"]);
        assert_eq!(code, Some(1), "{fifo}: {err}");
        assert!(
            err.contains(&format!(
                "{fifo}: error: this is a named pipe (FIFO), not a regular file"
            )),
            "{fifo}: {err}"
        );
        assert!(
            err.contains("help: replace it with a regular file"),
            "{err}"
        );
        assert_same_tree(&before, &snapshot(&site.public()), fifo);
        // `check` and `serve`'s first build take the same path; check is enough here.
        let (code, err) = run_bounded(&site, &["check"]);
        assert_eq!(code, Some(1), "{fifo}: {err}");
    }
}

/// Item 7: a Unix socket is refused the same way, in content/ and in layouts/.
#[test]
fn a_socket_is_an_error() {
    for place in ["content/sock", "layouts/static/sock"] {
        let site = site();
        let path = site.path().join(place);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let (code, err) = run_bounded(&site, &["build"]);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "{place}: error: this is a socket, not a regular file"
            )),
            "{err}"
        );
        assert!(!site.exists("index.html"));
    }
}

// --- item 8: control characters ---------------------------------------------------------------

/// Item 8: a control character in a title, summary or description used to reach
/// atom.xml, which no XML parser then accepts. In front matter and explainer.toml it is
/// a located error.
#[test]
fn control_characters_in_titles_and_descriptions_are_located_errors() {
    for (key, escape) in [
        ("title", "\\x01"),
        ("summary", "\\x1f"),
        ("short_title", "\\b"),
        ("title", "\\v"),
    ] {
        let site = site();
        site.build_ok();
        site.write(
            "content/dated.md",
            &format!(
                "---\ntitle: Dated\ndate: 2024-10-29\n{key}: \"Bad {escape} text\"\n---\nText [home](_index.md).\n"
            ),
        );
        // YAML rejects a duplicate `title` key: overwrite it instead.
        if key == "title" {
            site.write(
                "content/dated.md",
                &format!(
                    "---\ndate: 2024-10-29\ntitle: \"Bad {escape} text\"\n---\nText [home](_index.md).\n"
                ),
            );
        }
        let err = site.build_fails_untouched();
        let line = if key == "title" { 3 } else { 4 };
        assert!(
            err.contains(&format!(
                "content/dated.md:{line}:1: error: `{key}` holds the control character"
            )),
            "{key} {escape}: {err}"
        );
        assert!(err.contains("no feed or sitemap can carry"), "{err}");
    }
    // explainer.toml: TOML's escapes give U+0008 (\b) and U+000B (\u000B).
    for (key, value) in [("title", "A\\bB"), ("description", "A\\u000BB")] {
        let site = site();
        site.build_ok();
        let config = CONFIG.replace(&format!("{key} = \""), &format!("{key} = \"{value} "));
        site.write("explainer.toml", &config);
        let err = site.build_fails_untouched();
        let line = if key == "title" { 1 } else { 4 };
        assert!(
            err.contains(&format!(
                "explainer.toml:{line}:1: error: `{key}` holds the control character"
            )),
            "{key}: {err}"
        );
    }
}

/// Item 8: whatever reaches the feed and the sitemap is XML: a control character in a
/// page's first paragraph (its summary when it has none) is left out of atom.xml.
#[test]
fn the_feed_and_sitemap_hold_only_xml_characters() {
    let site = site();
    site.write(
        "content/dated.md",
        "---\ntitle: Dated\ndate: 2024-10-29\n---\nA bell \u{7} and a tab\u{b} in [the text](_index.md) \u{1}.\n",
    );
    site.build_ok();
    let atom = site.read("atom.xml");
    assert!(
        atom.contains("<summary>A bell  and a tab in the text .</summary>"),
        "{atom}"
    );
    assert_xml_chars(&atom, "atom.xml");
    assert_xml_chars(&site.read("sitemap.xml"), "sitemap.xml");
}

// --- item 9: dates the feed can carry ------------------------------------------------------

/// Item 9: dates that are not RFC 3339 used to be written into atom.xml unchanged. What
/// RFC 3339 allows (a lower-case `t` or `z`, a space for `T`) is accepted and written in
/// the strict form; what it does not (no seconds, a zone name, an offset beyond ±23:59)
/// is a located error.
#[test]
fn dates_are_written_strictly_or_refused() {
    for (written, strict) in [
        ("2024-01-01t10:00:00z", "2024-01-01T10:00:00Z"),
        ("2024-01-01 10:00:00Z", "2024-01-01T10:00:00Z"),
        ("2024-01-01T10:00:00.5+02:00", "2024-01-01T10:00:00.5+02:00"),
        ("2024-01-01T10:00:00", "2024-01-01T10:00:00Z"),
        ("2024-01-01", "2024-01-01T00:00:00Z"),
    ] {
        let site = site();
        site.write(
            "content/dated.md",
            &format!("---\ntitle: Dated\ndate: \"{written}\"\n---\nText [home](_index.md).\n"),
        );
        site.build_ok();
        let atom = site.read("atom.xml");
        for t in xml_texts(&atom, "published")
            .into_iter()
            .chain(xml_texts(&atom, "updated"))
        {
            assert!(is_strict_rfc3339(t), "{written}: `{t}` in\n{atom}");
        }
        assert!(
            atom.contains(&format!("<published>{strict}</published>")),
            "{written}: {atom}"
        );
        let sitemap = site.read("sitemap.xml");
        assert!(
            sitemap.contains("<lastmod>2024-01-01</lastmod>"),
            "{sitemap}"
        );
    }
    for (written, why) in [
        ("2024-01-01T10:00Z", "whose time has no seconds"),
        (
            "2024-01-01T10:00:00Z[Europe/Paris]",
            "which names a time zone in brackets",
        ),
        ("2024-01-01T10:00:00+25:00", "whose offset is not one"),
        (
            "2024-01-01T10:00:00+0200",
            "whose offset is not Z or +HH:MM",
        ),
        ("2024-01-01T24:00:00Z", "whose time is not HH:MM:SS"),
        ("2024-01-01Tnoon", "whose time is not HH:MM:SS"),
        ("2024-02-30", "which is not a date"),
    ] {
        let site = site();
        site.build_ok();
        site.write(
            "content/dated.md",
            &format!("---\ntitle: Dated\nupdated: \"{written}\"\n---\nText [home](_index.md).\n"),
        );
        let err = site.build_fails_untouched();
        assert!(
            err.contains(&format!(
                "content/dated.md:3:1: error: `updated` is `{written}`, {why}"
            )),
            "{written}: {err}"
        );
        assert!(err.contains("YYYY-MM-DDTHH:MM:SS"), "{err}");
    }
}

// --- item 10: invisible characters in names ---------------------------------------------------

/// Item 10: a right-to-left override or a zero-width character in a name used to be
/// published as it was; it is refused like `#` and `?`.
#[test]
fn invisible_characters_in_names_are_refused() {
    for (rel, name) in [
        ("content/e\u{202E}gnp.md", "e\u{202E}gnp.md"),
        ("content/zero\u{200B}width.md", "zero\u{200B}width.md"),
        ("content/a\u{2066}b/page.md", "a\u{2066}b"),
        ("content/mark\u{200F}.md", "mark\u{200F}.md"),
        ("content/bom\u{FEFF}.png", "bom\u{FEFF}.png"),
        ("content/join\u{2060}er.md", "join\u{2060}er.md"),
        ("content/arabic\u{061C}.md", "arabic\u{061C}.md"),
    ] {
        let site = site();
        site.build_ok();
        site.write(rel, &page("X", "Text [home](/).\n"));
        let err = site.build_fails_untouched();
        assert!(
            err.contains(&format!("error: the name `{name}` has")),
            "{rel:?}: {err}"
        );
        assert!(err.contains("breaks its web address"), "{err}");
    }
    // In the theme too.
    let site = site();
    site.write("layouts/static/e\u{202E}ssc.css", "body{}\n");
    let err = site.build_fails().stderr;
    assert!(
        err.contains("has the invisible character '\\u{202e}'"),
        "{err}"
    );
}

// --- item 11: ids -------------------------------------------------------------------------------

/// Item 11: headings of emoji or punctuation alone used to get an empty id, and some
/// texts an id the theme or the generator uses (`references`, `header-search-input`,
/// `ref-1`, `cite-1`). Every id on the page is now non-empty and unique.
#[test]
fn every_id_on_a_page_is_non_empty_and_unique() {
    let body = "\
The letter says so [@letter-a#p2] and so [@letter-b#p2].

## 🎉

## !!!

## —

## References

## TOC

## Header search input

## p1

## ref

## ref

## cite

## cite

## fn

## fn

## Section

## Main
";
    let site = cite_site(body);
    site.build_ok();
    let html = site.read("concerns/citing/index.html");
    let all = ids(&html);
    assert!(all.contains(&"ref-1".to_string()), "{all:?}");
    assert!(all.iter().all(|id| !id.is_empty()), "an empty id: {all:?}");
    let mut seen = std::collections::HashSet::new();
    let repeated: Vec<&String> = all.iter().filter(|id| !seen.insert(*id)).collect();
    assert!(
        repeated.is_empty(),
        "ids given twice: {repeated:?} in {all:?}"
    );
    // The headings' own ids, in order.
    let headings: Vec<String> = elements(main_of(&html), "h2")
        .into_iter()
        .filter_map(|h| attr(h, "id"))
        .collect();
    for id in [
        "section",
        "section-1",
        "section-2",
        "references-1",
        "toc-1",
        "header-search-input-1",
        "p1-section",
        "ref",
        "ref-1-section",
        "cite",
        "cite-1-section",
        "fn",
        "section-fn-1",
        "section-3",
        "main-1",
    ] {
        assert!(
            headings.contains(&id.to_string()),
            "{id} not in {headings:?}"
        );
    }
    // A link to such a heading resolves.
    let site = cite_site(
        "See [the party](#section) and [refs](#references-1).\n\n## 🎉\n\n## References\n",
    );
    site.build_ok();
}

// --- item 12: quote marks pair as written --------------------------------------------------------

/// Item 12: `"words”` and `“words"` used to build, since Markdown's smart punctuation
/// turned both into `“words”` before the citation was read. The marks as written must pair.
#[test]
fn a_quote_whose_marks_do_not_pair_is_refused() {
    for (quote, open, close, col) in [
        ("\"We write about the”", "\"", "”", 23),
        ("“We write about the\"", "“", "\"", 23),
    ] {
        let site = cite_site(&format!("It says so [@letter-a {quote}].\n"));
        let err = site.build_fails().stderr;
        assert!(
            err.contains(&format!(
                "content/concerns/citing.md:4:{col}: error: this quote opens with `{open}` but closes with `{close}`"
            )),
            "{quote}: {err}"
        );
        assert!(
            err.contains("help: quote marks pair: a quote opened with `\"` closes with `\"`, one opened with `“` with `”`"),
            "{err}"
        );
    }
    // Marks that pair build, with either kind inside the other.
    for quote in [
        "\"We write about the “draft convention”\"",
        "“We write about the”",
        "\"We write about the\"",
        "\"We write about the \\\"draft",
    ] {
        let site = cite_site(&format!("It says so [@letter-a {quote}].\n"));
        let r = site.run(&["build"]);
        assert!(
            !r.stderr.contains("but closes with"),
            "{quote}: {}",
            r.stderr
        );
    }
    cite_site("It says so [@letter-a \"We write about the “draft convention”\"].\n").build_ok();
    cite_site("It says so [@letter-a “We write about the”; @letter-b \"The Convention lacks\"].\n")
        .build_ok();
    // Every one of several items is checked.
    let site = cite_site(
        "It says so [@letter-a “We write about the”; @letter-b \"The Convention lacks”].\n",
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains(
            "content/concerns/citing.md:4:55: error: this quote opens with `\"` but closes with `”`"
        ),
        "{err}"
    );
}

// --- item 13: CSL-JSON with a byte-order mark ------------------------------------------------------

/// Item 13: `references.json` saved with a byte-order mark used to be misread.
#[test]
fn csl_json_with_a_byte_order_mark_is_read() {
    let site = Site::new(&[
        (
            "content/_index.md",
            &page("Home", "A report says so [@cid].\n"),
        ),
        (
            "content/references.json",
            "\u{FEFF}[{\"id\": \"cid\", \"type\": \"report\", \"title\": \"The report\", \"publisher\": \"An office\", \"URL\": \"https://example.org/report\"}]\n",
        ),
        (
            "content/references.yaml",
            "\u{FEFF}yid:\n  title: Another\n  publisher: Someone\n  url: https://example.org/other\n",
        ),
    ]);
    site.build_ok();
    let home = site.read("index.html");
    assert!(home.contains("The report"), "{home}");
    let graph = site.read("citations.json");
    assert!(graph.contains("\"yid\""), "{graph}");
}

// --- item 14: [sections] it can use ---------------------------------------------------------

/// Item 14: a role for a folder that does not exist, for a file, or for a case variant
/// of another section used to be accepted without a word.
#[test]
fn sections_must_name_folders_of_content() {
    let config = format!(
        "{CONFIG}\n[sections]\nconcerns = \"topic\"\nnowhere = \"topic\"\nabout = \"background\"\nsources = \"source\"\nSources = \"background\"\n"
    );
    let site = site();
    site.write("content/concerns/_index.md", &page("Concerns", "All.\n"));
    site.write("content/sources/_index.md", &page("Sources", "All.\n"));
    site.build_ok();
    site.write("explainer.toml", &config);
    let err = site.build_fails_untouched();
    assert!(
        err.contains("explainer.toml:11:1: error: `Sources` and `sources` differ only in case"),
        "{err}"
    );
    // The case error comes first, alone: fix it and the folders are checked.
    site.write(
        "explainer.toml",
        &config.replace("Sources = \"background\"\n", ""),
    );
    let err = site.build_fails_untouched();
    assert!(
        err.contains(
            "explainer.toml:8:1: error: there is no folder content/nowhere/ for this section"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "explainer.toml:9:1: error: `about` is the page content/about.md, not a folder"
        ),
        "{err}"
    );
    assert!(
        err.contains("the folders in content/ are: concerns, files, sources"),
        "{err}"
    );
    // Without those lines it builds.
    site.write(
        "explainer.toml",
        &format!("{CONFIG}\n[sections]\nconcerns = \"topic\"\nsources = \"source\"\n"),
    );
    site.build_ok();
}

// --- item 15: warnings are capped per file -----------------------------------------------------

/// Item 15: a topic page of thousands of uncited paragraphs used to print one warning
/// each (10,000 paragraphs, 2.3 MB). Warnings are capped per file as errors are.
#[test]
fn warnings_are_capped_per_file() {
    let paragraphs = 3_000;
    let body: String = (0..paragraphs)
        .map(|i| format!("Paragraph {i} has no citation.\n\n"))
        .collect();
    let site = Site::new(&[
        (
            "content/_index.md",
            &page("Home", "See [the long page](concerns/long.md).\n"),
        ),
        ("content/concerns/long.md", &page("Long", &body)),
    ]);
    let r = site.build_ok();
    let shown = r.stderr.matches("this paragraph has no citation").count();
    assert_eq!(shown, 50, "{}", &r.stderr[..2000.min(r.stderr.len())]);
    assert!(
        r.stderr.contains(&format!(
            "content/concerns/long.md: warning: and {} more warning(s) in this file, not shown",
            paragraphs - 50
        )),
        "{}",
        &r.stderr[r.stderr.len().saturating_sub(2000)..]
    );
    assert!(
        r.stderr.len() < 40_000,
        "{} bytes of warnings",
        r.stderr.len()
    );
    // The count is still the real one.
    let check = site.run(&["check"]);
    assert!(
        check
            .stdout
            .contains(&format!("check passed: {paragraphs} warning(s)")),
        "{}",
        check.stdout
    );
}

/// Item 15: a large bibliography nothing cites warns once per entry, capped; a large
/// invalid one fails with 50 errors and a count.
#[test]
fn bibliography_warnings_and_errors_are_capped() {
    let entries = 2_000;
    let valid: String = (0..entries)
        .map(|i| {
            format!("e{i}:\n  title: Work {i}\n  publisher: P\n  url: https://example.org/{i}\n")
        })
        .collect();
    let site = Site::new(&[
        ("content/_index.md", &page("Home", "Nothing cited.\n")),
        ("content/references.yaml", &valid),
    ]);
    let r = site.build_ok();
    assert_eq!(r.stderr.matches(": warning: no page cites").count(), 50);
    assert!(
        r.stderr.contains(&format!(
            "content/references.yaml: warning: and {} more warning(s) in this file, not shown",
            entries - 50
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.len() < 40_000, "{} bytes", r.stderr.len());

    let invalid: String = (0..entries)
        .map(|i| format!("e{i}:\n  title: Work {i}\n  url: https://example.org/{i}\n"))
        .collect();
    site.write("content/references.yaml", &invalid);
    let r = site.build_fails();
    assert_eq!(r.stderr.matches("has no `publisher`").count(), 50);
    assert!(
        r.stderr.contains(&format!(
            "and {} more error(s) in this file, not shown",
            entries - 50
        )),
        "{}",
        r.stderr
    );
    assert!(r.stderr.len() < 40_000, "{} bytes", r.stderr.len());
}

// --- item 17: base_url ------------------------------------------------------------------------

/// Item 17: base_url values that load the site from elsewhere (`https://x.org//host/`),
/// with no host, or with spaces or quotes used to be accepted.
#[test]
fn base_url_must_be_an_http_url_with_a_host_and_a_plain_path() {
    for (url, why) in [
        ("https://x.org//host/", "has an empty path segment"),
        ("https:///", "has no host"),
        ("https://", "does not end in `/`"),
        ("https://exa mple.org/", "has the host `exa mple.org`"),
        ("https://example.org/a b/", "has ' ' in its path"),
        ("https://example.org/\\\"x/", "has '\"' in its path"),
        ("https://example.org/'/", "has '\\'' in its path"),
        ("https://user@evil.org/", "has the host `user@evil.org`"),
        ("https://example.org:99999/", "has the port `99999`"),
        ("https://example.org/../", "has the path segment `..`"),
        (
            "ftp://example.org/",
            "does not start with `https://` or `http://`",
        ),
        ("https://example.org/sub", "does not end in `/`"),
    ] {
        let site = site();
        site.build_ok();
        site.write(
            "explainer.toml",
            &format!("title = \"T\"\nbase_url = \"{url}\"\n"),
        );
        let err = site.build_fails_untouched();
        let shown = url.replace("\\\"", "\"");
        assert!(
            err.contains(&format!("explainer.toml:2:1: error: base_url `{shown}` is not an absolute URL ending in `/`: it {why}")),
            "{url}: {err}"
        );
    }
    for url in [
        "https://example.org/",
        "http://localhost:1111/",
        "https://example.org/sub/dir-1/",
        "https://[::1]:8080/",
    ] {
        let site = site();
        site.write(
            "explainer.toml",
            &format!("title = \"T\"\nbase_url = \"{url}\"\n"),
        );
        site.build_ok();
    }
}
