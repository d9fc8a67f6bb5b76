//! Issue 3, `explainer check [--strict]`: a prose paragraph with no citation and no link in
//! a concern or article page is a warning, and so is a page no other page links to; under
//! `--strict` warnings are errors. Uncited source paragraphs are information only.

mod common;

use common::*;

/// The citing page's body (starts on line 4): one bare paragraph, on line 8; headings,
/// block quotes and lists are exempt.
const BODY: &str = "This paragraph cites [@letter-a \"criminal intent\"].

This paragraph has a [link](../sources/letter-b.md).

This paragraph has neither.

## A heading with neither

> A block quote with neither.

- a list item with neither
- [a link list](../sources/letter-a.md)
";

const BARE: &str =
    "content/concerns/citing.md:8:1: warning: this paragraph has no citation and no link";
const ORPHAN: &str = "content/articles/orphan.md: warning: no other page links to this page";

fn warned_site() -> Site {
    let site = cite_site(BODY);
    site.write(
        "content/articles/orphan.md",
        "---\ntitle: Orphan\n---\nIt cites [@letter-b#p1].\n",
    );
    // Pages outside concerns/ and articles/ may have bare prose.
    site.write(
        "content/context/_index.md",
        &page("Context", "Background with no citation.\n"),
    );
    site.write(
        "content/context/history.md",
        &page("History", "Plain background prose.\n\nMore of it.\n"),
    );
    site.write(
        "content/_index.md",
        &page(
            "Home",
            "See [the citing page](concerns/citing.md) and [history](context/history.md).\n\nA bare paragraph on the home page is fine.\n",
        ),
    );
    site
}

#[test]
fn check_prints_the_warnings_and_passes() {
    let site = warned_site();
    let r = site.run(&["check"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains(BARE), "{}", r.stderr);
    assert!(r.stderr.contains(ORPHAN), "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("no citation and no link").count(),
        1,
        "only the bare paragraph of the concern page is a warning:\n{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.matches("no other page links to this page").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("check passed: 2 warning(s)"),
        "{}",
        r.stdout
    );
}

#[test]
fn check_strict_turns_the_warnings_into_errors() {
    let site = warned_site();
    let r = site.run(&["check", "--strict"]);
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(
            "content/concerns/citing.md:8:1: error: this paragraph has no citation and no link"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("content/articles/orphan.md: error: no other page links to this page"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("check failed: 2 error(s)"),
        "{}",
        r.stderr
    );
    assert!(!site.public().exists(), "check wrote public/");
}

#[test]
fn build_prints_warnings_but_succeeds() {
    let site = warned_site();
    let r = site.build_ok();
    assert!(r.stderr.contains(BARE), "{}", r.stderr);
    assert!(r.stdout.contains("(2 warning(s))"), "{}", r.stdout);
    assert!(site.exists("concerns/citing/index.html"));
}

#[test]
fn the_warning_shows_the_line_and_how_to_fix_it() {
    let site = warned_site();
    let r = site.run(&["check"]);
    let at = r.stderr.find(BARE).unwrap();
    let block: Vec<&str> = r.stderr[at..].lines().take(5).collect();
    assert!(
        block[2].ends_with("| This paragraph has neither."),
        "{block:?}"
    );
    assert!(block[3].ends_with("| ^"), "{block:?}");
    assert!(block[4].trim_start().starts_with("help: cite"), "{block:?}");
}

#[test]
fn a_clean_site_passes_strict_and_uncited_paragraphs_are_information_only() {
    let site = cite_site("Cited [@letter-a \"criminal intent\"] and [@letter-b#p2].\n");
    let r = site.run(&["check", "--strict"]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("check passed: 0 warning(s)"),
        "{}",
        r.stdout
    );
    // letter-a ¶3 and letter-b ¶2 are cited; the others are listed for information.
    assert!(
        r.stderr.contains(
            "content/sources/letter-a.md: info: paragraphs no page cites: ¶1, ¶2, ¶4, ¶5, ¶6"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("content/sources/letter-b.md: info: paragraphs no page cites: ¶1, ¶3"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn warnings_are_in_the_library_report() {
    let site = warned_site();
    let report = explainer::build(&explainer::BuildOptions {
        check_only: true,
        ..explainer::BuildOptions::new(site.path())
    })
    .unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(report.files_written, 0);
    assert_eq!(report.diagnostics.count(explainer::Severity::Warning), 2);
    let mut diags = report.diagnostics.clone();
    diags.promote_warnings();
    assert!(diags.has_errors());
    assert!(!site.public().exists());
}
