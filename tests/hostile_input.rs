//! Issue 10: what an editor may type must never crash the build, run away with time or
//! memory, or pass silently with a wrong result. Each test is one numbered item.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// Runs `explainer <args…> SITE`, killing it if it runs longer than `limit`.
fn run_limited(site: &Site, args: &[&str], limit: Duration) -> (Run, Duration) {
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_explainer"))
        .args(args)
        .arg(site.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run explainer");
    // Read the pipes on threads, so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = vec![];
        std::io::Read::read_to_end(&mut out, &mut v).ok();
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = vec![];
        std::io::Read::read_to_end(&mut err, &mut v).ok();
        v
    });
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("explainer {args:?} ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code,
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
    };
    (run, started.elapsed())
}

/// Item 5: a lone CR, inline HTML, a citation and multibyte text in one body panicked
/// with "not a char boundary"; now it builds, with the citation where it was written.
#[test]
fn lone_cr_html_citation_and_multibyte_text_do_not_panic() {
    let site = cite_site("a\rb\n-<b>[@letter-a]\n中文\n");
    let (r, _) = run_limited(&site, &["build"], Duration::from_secs(60));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let html = site.read("concerns/citing/index.html");
    assert!(html.contains("class=\"cite\""), "no citation link");
    assert!(html.contains("中文"));

    // The same with an unknown source: an error at the right line and column.
    let site = cite_site("a\rb\n-<b>[@nope]\n中文\n");
    let (r, _) = run_limited(&site, &["build"], Duration::from_secs(60));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("content/concerns/citing.md:6:6: error: unknown id `nope`"),
        "{}",
        r.stderr
    );
}

/// Item 6: thousands of broken citations on one long line: the build ends quickly, with
/// at most 50 errors for the file, an "and N more" line, and no copy of the whole line.
#[test]
fn a_long_line_of_broken_citations_is_cheap_and_short() {
    for size in [48 * 1024, 1024 * 1024] {
        let line = "[@x \"".repeat(size / 5);
        let site = cite_site(&format!("{line}\n"));
        let (r, took) = run_limited(&site, &["build"], Duration::from_secs(60));
        assert_eq!(r.code, Some(1), "{}", &r.stderr[..r.stderr.len().min(2000)]);
        assert!(took < Duration::from_secs(20), "{size} bytes took {took:?}");
        let errors = r.stderr.matches(": error: ").count();
        assert!(errors <= 51, "{errors} errors printed for {size} bytes");
        assert!(
            r.stderr.contains("more error(s) in this file, not shown"),
            "{}",
            &r.stderr[..r.stderr.len().min(2000)]
        );
        assert!(
            r.stderr.len() < 64 * 1024,
            "{} bytes of stderr for {size} bytes of input",
            r.stderr.len()
        );
    }
}

/// Item 6: the bracket scan is linear, whatever the mix of brackets and quotes.
#[test]
fn the_citation_scan_is_linear() {
    for unit in ["[@x \"", "[@x ", "[@", "[@x \"a", "[@x \u{201c}[@"] {
        let small = unit.repeat(20_000);
        let big = unit.repeat(200_000);
        let t = Instant::now();
        let a = explainer::cite::find_citations(&small).len();
        let small_time = t.elapsed();
        let t = Instant::now();
        let b = explainer::cite::find_citations(&big).len();
        let big_time = t.elapsed();
        assert!(b >= a);
        assert!(
            big_time < small_time * 40 + Duration::from_millis(200),
            "{unit:?}: 10x the input took {big_time:?} against {small_time:?}"
        );
    }
}

/// Item 6: a long source line is shown as a window around the column.
#[test]
fn a_long_line_is_shown_as_a_window_around_the_error() {
    let body = format!(
        "{} [@nope] {}\n",
        "word ".repeat(2000),
        "more ".repeat(2000)
    );
    let site = cite_site(&body);
    let r = site.build_fails();
    let head = "content/concerns/citing.md:4:10003: error: unknown id `nope`";
    let at = r
        .stderr
        .find(head)
        .unwrap_or_else(|| panic!("{head} not in:\n{}", &r.stderr[..r.stderr.len().min(3000)]));
    let lines: Vec<&str> = r.stderr[at..].lines().take(4).collect();
    assert!(
        lines[2].len() < 400,
        "the source line is not cut: {} bytes",
        lines[2].len()
    );
    assert!(
        lines[2].contains("[@nope]") && lines[2].contains('…'),
        "{}",
        lines[2]
    );
    let bar = lines[2].find(" | ").unwrap() + 3;
    let caret = lines[3][bar..].find('^').unwrap();
    assert_eq!(
        &lines[2][bar..]
            .chars()
            .skip(caret)
            .take(6)
            .collect::<String>(),
        "@nope]",
        "the caret is not under the citation:\n{}",
        lines.join("\n")
    );
}

/// A small site whose page `content/page.md` is `page_text`, plus `extra` files.
fn small(page_text: &str, extra: &[(&str, &str)]) -> Site {
    let mut files = vec![
        (
            "content/_index.md",
            "---\ntitle: Home\n---\nSee [the page](page.md).\n".to_string(),
        ),
        ("content/page.md", page_text.to_string()),
    ];
    files.extend(extra.iter().map(|(p, t)| (*p, t.to_string())));
    let all: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    Site::new(&all)
}

/// Item 10: links from the site's root are checked against the site's pages and files,
/// with base_url's path added by the build.
#[test]
fn root_relative_links_are_checked() {
    let site = small(
        "---\ntitle: Page\n---\n[home](/) [self](/page/) [bare](/page) [feed](/atom.xml) [bad](/no/such/page/)\n\n[anchor](/page/#nope) [ok](/page/#a-heading)\n\n## A heading\n",
        &[],
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:4:58: error: `/no/such/page/` links to a page or file this site does not have"),
        "{err}"
    );
    assert!(
        err.contains("content/page.md:6:1: error: `/page/#nope`: content/page.md has no heading or anchor `#nope`"),
        "{err}"
    );
    assert_eq!(err.matches(": error: ").count(), 2, "{err}");

    // Under a sub-path: links are from the site's root; the prefix is added, not written.
    let site = small(
        "---\ntitle: Page\n---\n[self](/page/) [doubled](/sub/page/)\n",
        &[(
            "explainer.toml",
            "title = \"T\"\nbase_url = \"https://example.org/sub/\"\n",
        )],
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:4:16: error: `/sub/page/` links to a page or file"),
        "{err}"
    );
    assert!(err.contains("write `/sub/page/` without it"), "{err}");
    site.write("content/page.md", "---\ntitle: Page\n---\n[self](/page/)\n");
    site.build_ok();
    assert!(site.read("page/index.html").contains("href=\"/sub/page/\""));
}

/// Item 12: a layout that renders nothing is an error at the `layout:` line.
#[test]
fn a_layout_that_renders_nothing_is_an_error() {
    let site = small(
        "---\ntitle: Page\nlayout: partials/toc\n---\nText.\n",
        &[("layouts/partials/toc.html", "{% if false %}x{% endif %}\n")],
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:3:1: error: the layout `partials/toc.html` rendered nothing for this page"),
        "{err}"
    );
    assert!(!site.exists("page/index.html"));
}

/// Item 13: each problem at its true position, in words a person understands.
#[test]
fn problems_are_reported_where_they_are() {
    // Invalid UTF-8: line and column, not a byte offset.
    let site = small("---\ntitle: Page\n---\nText.\n", &[]);
    std::fs::write(
        site.path().join("content/page.md"),
        b"---\ntitle: Page\n---\nCaf\xe9 au lait.\n",
    )
    .unwrap();
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:4:4: error: the file is not valid UTF-8"),
        "{err}"
    );
    assert!(!err.contains("at byte"), "{err}");

    // A missing layout, and one with `..`: at the `layout:` line.
    let site = small("---\ntitle: Page\nlayout: nope\n---\nText.\n", &[]);
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:3:1: error: the layout `nope.html` does not exist"),
        "{err}"
    );
    let site = small("---\ntitle: Page\nlayout: ../secret\n---\nText.\n", &[]);
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:3:1: error: `layout` is `../secret`, which is not a template in layouts/"),
        "{err}"
    );

    // Two pages with one URL: at the top of the second.
    let site = small(
        "---\ntitle: Page\n---\nText.\n",
        &[("content/page/_index.md", "---\ntitle: Also\n---\nText.\n")],
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page/_index.md:1:1: error: this page has the same URL"),
        "{err}"
    );

    // A template that is not UTF-8: line and column.
    let site = small("---\ntitle: Page\n---\nText.\n", &[]);
    std::fs::create_dir_all(site.path().join("layouts")).unwrap();
    std::fs::write(site.path().join("layouts/page.html"), b"<p>\n  \xff</p>\n").unwrap();
    let err = site.build_fails().stderr;
    assert!(
        err.contains("layouts/page.html:2:3: error: the file is not valid UTF-8"),
        "{err}"
    );

    // A tab in YAML: at the tab.
    let site = small(
        "---\ntitle: Page\nsummary: x\n\tweight: 3\n---\nText.\n",
        &[],
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:4:1: error: a tab in the front matter"),
        "{err}"
    );

    // A key given twice, in YAML and in TOML.
    let site = small("---\ntitle: Page\ntitle: Again\n---\nText.\n", &[]);
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:3:1: error: the key `title` is given twice"),
        "{err}"
    );
    assert!(
        !err.contains("wrong type") && !err.contains("DuplicateKeyPolicy"),
        "{err}"
    );
    let site = small(
        "+++\ntitle = \"Page\"\ntitle = \"Again\"\n+++\nText.\n",
        &[],
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:3:1: error: the key `title` is given twice"),
        "{err}"
    );
    assert!(!err.contains("YAML"), "{err}");

    // An unclosed TOML string: at its opening quote, not "wrong type".
    let site = small("+++\ntitle = \"Page\nweight = 3\n+++\nText.\n", &[]);
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:2:9: error: this text is never closed with `\"`"),
        "{err}"
    );
    assert!(!err.contains("wrong type"), "{err}");

    // An include loop: one short message, not a cause per level.
    let site = small(
        "---\ntitle: Page\nlayout: loop\n---\nText.\n",
        &[("layouts/loop.html", "{% include \"loop.html\" %}")],
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("error: template error: `loop.html` includes itself"),
        "{err}"
    );
    assert!(
        err.lines().count() < 30,
        "{} lines:\n{err}",
        err.lines().count()
    );
}

/// Item 14: RFC 3339 dates and times, in YAML and as TOML datetimes, as Zola and Hugo
/// sites write them; the feed and the sitemap stay valid.
#[test]
fn rfc_3339_datetimes_are_accepted() {
    let site = small(
        "---\ntitle: Page\ndate: 2024-01-01T10:00:00Z\nupdated: 2024-02-01T09:30:00+02:00\n---\nText.\n",
        &[(
            "content/toml.md",
            "+++\ntitle = \"Toml\"\ndate = 2024-03-01T08:00:00Z\nupdated = 2024-03-02\n+++\nBack [home](_index.md).\n",
        )],
    );
    site.build_ok();
    let atom = site.read("atom.xml");
    assert!(
        atom.contains("<published>2024-01-01T10:00:00Z</published>"),
        "{atom}"
    );
    assert!(
        atom.contains("<updated>2024-02-01T09:30:00+02:00</updated>"),
        "{atom}"
    );
    assert!(
        atom.contains("<published>2024-03-01T08:00:00Z</published>"),
        "{atom}"
    );
    assert!(
        atom.contains("<updated>2024-03-02T00:00:00Z</updated>"),
        "{atom}"
    );
    let sitemap = site.read("sitemap.xml");
    assert!(
        sitemap.contains("<lastmod>2024-02-01</lastmod>"),
        "{sitemap}"
    );
    // Still refused: what is not a date.
    site.write(
        "content/page.md",
        "---\ntitle: Page\ndate: yesterday\n---\nText.\n",
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("`date` is `yesterday`, which is not a date"),
        "{err}"
    );
}

/// Item 15: template errors are reported in the same run as content errors.
#[test]
fn template_and_content_errors_are_reported_together() {
    let site = small(
        "---\ntitle: Page\ncolour: red\n---\nText.\n",
        &[("layouts/page.html", "{% if %}\n")],
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/page.md:3:1: error: unknown front matter key `colour`"),
        "{err}"
    );
    assert!(
        err.contains("layouts/page.html:1:1: error: template error"),
        "{err}"
    );
}

/// Item 6: well-formed citations and links that all fail to resolve, thousands on one
/// line, cost no more than broken ones: past 50 errors, no source line is copied.
#[test]
fn a_long_line_of_unresolved_citations_and_links_is_cheap() {
    for unit in [
        "[@x] ",
        "[x](/nope) ",
        "[x](nope.md) ",
        "[@letter-a \"nope\"] ",
    ] {
        let line = unit.repeat(500_000 / unit.len());
        let site = cite_site(&format!("{line}\n"));
        let (r, took) = run_limited(&site, &["build"], Duration::from_secs(60));
        assert_eq!(r.code, Some(1), "{unit}");
        assert!(took < Duration::from_secs(20), "{unit:?} took {took:?}");
        assert!(r.stderr.matches(": error: ").count() <= 51, "{unit:?}");
        assert!(
            r.stderr.contains("more error(s) in this file, not shown"),
            "{unit:?}"
        );
        assert!(
            r.stderr.len() < 64 * 1024,
            "{unit:?}: {} bytes",
            r.stderr.len()
        );
    }
}

/// Architecture 2: entities and noncharacters, among them the characters earlier versions
/// used as hole markers in the parser's HTML, build like any other text: no panic, no
/// duplicated citation, and the characters reach the page.
#[test]
fn entities_that_decode_to_noncharacters_build() {
    let site = cite_site(
        "A claim [@letter-a#p1].\n\n&#xFDD0;&#xFDD1; &#xFDD0;é&#xFDD1; &#xFDD0;c0&#xFDD1;\n\n\u{FDD0}c0\u{FDD1} &#xFFFE; &#x10FFFF; &#0;\n",
    );
    site.build_ok();
    let html = site.read("concerns/citing/index.html");
    assert_eq!(
        tags_with(&html, "class=\"cite\"").len(),
        1,
        "one citation mark"
    );
    assert_eq!(html.matches("id=\"cite-1\"").count(), 1);
    assert!(
        html.contains('\u{FDD0}') && html.contains('\u{10FFFF}'),
        "the text is kept"
    );
}
