//! Issue 2, every bad input: the CLI names `file:line:col`, shows the line with a caret
//! and a `help:` line, exits with status 1, and leaves the previous `public/` exactly as
//! it was (whole-tree comparison after a good build).

mod common;

use common::*;

fn good_files() -> Vec<(&'static str, String)> {
    vec![
        (
            "content/_index.md",
            page(
                "Home",
                "Read about [privacy](concerns/privacy.md) and [Article 28](articles/article-28.md#scope).\n",
            ),
        ),
        (
            "content/concerns/_index.md",
            page("Concerns", "The concerns.\n"),
        ),
        (
            "content/concerns/privacy.md",
            page(
                "Privacy",
                "It touches [Article 28](../articles/article-28.md).\n",
            ),
        ),
        (
            "content/articles/_index.md",
            page("Articles", "The articles.\n"),
        ),
        (
            "content/articles/article-28.md",
            page(
                "Article 28",
                "See [privacy](../concerns/privacy.md).\n\n## Scope\n\nWhat it covers.\n",
            ),
        ),
    ]
}

/// A good site, built once; returns it with the hash and snapshot of its `public/`.
fn built_site() -> (
    Site,
    u64,
    std::collections::BTreeMap<String, Option<Vec<u8>>>,
) {
    let files = good_files();
    let all: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let site = Site::new(&all);
    site.build_ok();
    assert!(site.exists("concerns/privacy/index.html"));
    let hash = tree_hash(&site.public());
    let snap = snapshot(&site.public());
    (site, hash, snap)
}

/// Breaks the site with `change`, runs a build that must fail, checks that `public/` is
/// byte-for-byte what it was and that nothing was left beside it; returns stderr.
fn failing_build(change: impl FnOnce(&Site)) -> String {
    let (site, hash, snap) = built_site();
    let beside = entries(site.path());
    change(&site);
    let r = site.build_fails();
    assert!(
        r.stderr.contains("build failed"),
        "no failure summary:\n{}",
        r.stderr
    );
    assert_eq!(
        tree_hash(&site.public()),
        hash,
        "public/ changed after a failed build"
    );
    assert_same_tree(
        &snap,
        &snapshot(&site.public()),
        "public/ after a failed build",
    );
    let mut now = entries(site.path());
    now.retain(|e| e != "layouts");
    let mut was = beside;
    was.retain(|e| e != "layouts");
    assert_eq!(now, was, "a failed build left something beside public/");
    r.stderr
}

/// Asserts that stderr holds `head` (`file:line:col: error: message…`) and, after it, the
/// caret display and a help line containing `help`.
fn assert_reported(stderr: &str, head: &str, help: &str) {
    let at = stderr
        .find(head)
        .unwrap_or_else(|| panic!("expected {head:?} in:\n{stderr}"));
    let rest = &stderr[at..];
    // The diagnostic's block runs up to the next line that starts another message.
    let mut block_end = rest.len();
    let mut offset = 0;
    for (k, line) in rest.split_inclusive('\n').enumerate() {
        if k > 0
            && !line.starts_with(' ')
            && !line.trim().is_empty()
            && !line.starts_with(|c: char| c.is_ascii_digit())
        {
            block_end = offset;
            break;
        }
        offset += line.len();
    }
    let block = &rest[..block_end];
    let help_line = block
        .lines()
        .find(|l| l.trim_start().starts_with("help:"))
        .unwrap_or_else(|| panic!("no help: line for {head:?} in:\n{block}"));
    assert!(
        block.contains(help),
        "the help for {head:?} should contain {help:?}:\n{help_line}\n(whole block:\n{block})"
    );
}

/// Asserts that the caret of the diagnostic at `head` sits under column `col` of its line.
fn assert_caret(stderr: &str, head: &str, col: usize) {
    let at = stderr
        .find(head)
        .unwrap_or_else(|| panic!("expected {head:?} in:\n{stderr}"));
    let lines: Vec<&str> = stderr[at..].lines().take(4).collect();
    // head, " |", "N | source", "  |   ^"
    let source = lines[2];
    let caret = lines[3];
    let bar = source.find(" | ").expect("source line with a gutter") + 3;
    let caret_bar = caret.find(" | ").expect("caret line with a gutter") + 3;
    assert_eq!(bar, caret_bar, "gutters differ:\n{}", lines.join("\n"));
    let caret_col = caret[caret_bar..].find('^').expect("a caret") + 1;
    assert_eq!(
        caret_col,
        col,
        "caret not under column {col}:\n{}",
        lines.join("\n")
    );
}

#[test]
fn unknown_front_matter_key_lists_the_valid_keys() {
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\ntitle: Privacy\ncolour: blue\n---\nIt touches [Article 28](../articles/article-28.md).\n",
        )
    });
    let head = "content/concerns/privacy.md:3:1: error: unknown front matter key `colour`";
    assert_reported(&err, head, "title, summary, weight");
    for key in [
        "title", "summary", "weight", "date", "updated", "draft", "layout",
    ] {
        assert!(err.contains(key), "the help should list `{key}`:\n{err}");
    }
    assert_caret(&err, head, 1);
}

#[test]
fn unknown_key_in_toml_front_matter() {
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "+++\ntitle = \"Privacy\"\ncolour = 1\n+++\nIt touches [Article 28](../articles/article-28.md).\n",
        )
    });
    assert_reported(
        &err,
        "content/concerns/privacy.md:3:1: error: unknown front matter key `colour`",
        "valid keys are: title",
    );
}

#[test]
fn wrong_type_names_the_key_and_the_expected_type() {
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\ntitle: Privacy\nweight: heavy\n---\nIt touches [Article 28](../articles/article-28.md).\n",
        )
    });
    let head = "content/concerns/privacy.md:3:9: error: `weight` has the wrong type";
    assert_reported(&err, head, "whole number");
    assert_caret(&err, head, 9);

    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\ntitle: Privacy\ndraft: maybe\n---\nIt touches [Article 28](../articles/article-28.md).\n",
        )
    });
    assert_reported(
        &err,
        "content/concerns/privacy.md:3:8: error: `draft` has the wrong type",
        "`true` or `false`",
    );
}

#[test]
fn missing_title_is_an_error() {
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\nsummary: No title here.\n---\nIt touches [Article 28](../articles/article-28.md).\n",
        )
    });
    assert_reported(
        &err,
        "content/concerns/privacy.md:1:1: error: the front matter has no `title`",
        "title:",
    );
}

#[test]
fn empty_title_is_an_error() {
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\nsummary: A summary.\ntitle: \"  \"\n---\nIt touches [Article 28](../articles/article-28.md).\n",
        )
    });
    assert_reported(
        &err,
        "content/concerns/privacy.md:3:1: error: the title is empty",
        "title:",
    );
}

#[test]
fn unclosed_front_matter_is_an_error() {
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\ntitle: Privacy\n\nIt touches [Article 28](../articles/article-28.md).\n",
        )
    });
    assert_reported(
        &err,
        "content/concerns/privacy.md:1:1: error: the front matter opened here is never closed with `---`",
        "`---`",
    );
}

#[test]
fn a_file_without_front_matter_is_an_error() {
    let err = failing_build(|s| s.write("content/concerns/notes.md", "Just text.\n"));
    assert_reported(
        &err,
        "content/concerns/notes.md:1:1: error: the file does not start with front matter",
        "title:",
    );
}

#[test]
fn bad_toml_in_the_site_settings() {
    let err = failing_build(|s| {
        s.write(
            "explainer.toml",
            "title = \"Test site\"\nbase_url = https://example.org/\n",
        )
    });
    // The position is that of the unquoted value.
    assert!(err.contains("explainer.toml:2:12: error:"), "{err}");
    assert_caret(&err, "explainer.toml:2:12: error:", 12);
    // Every error says how to fix it.
    let block = &err[err.find("explainer.toml:2:12").unwrap()..];
    assert!(
        block.lines().any(|l| l.trim_start().starts_with("help:")),
        "a syntax error in explainer.toml has no help: line:\n{err}"
    );
}

#[test]
fn unknown_key_in_the_site_settings_lists_the_valid_keys() {
    let err = failing_build(|s| {
        s.write(
            "explainer.toml",
            "title = \"Test site\"\nbase_url = \"https://example.org/\"\ncolour = 3\n",
        )
    });
    assert_reported(
        &err,
        "explainer.toml:3:1: error: unknown field `colour`",
        "valid keys are: title, base_url",
    );
}

#[test]
fn a_base_url_that_is_not_absolute_is_an_error() {
    let err = failing_build(|s| {
        s.write(
            "explainer.toml",
            "title = \"Test site\"\nbase_url = \"/sub\"\n",
        )
    });
    assert_reported(
        &err,
        "explainer.toml:2:1: error: base_url `/sub` is not an absolute URL ending in `/`",
        "https://example.org/",
    );
}

#[test]
fn link_to_a_missing_file() {
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\ntitle: Privacy\n---\nIt touches [Article 28](../articles/article-28.md).\n\nAnd [Article 99](../articles/article-99.md).\n",
        )
    });
    let head = "content/concerns/privacy.md:6:5: error: `../articles/article-99.md` links to content/articles/article-99.md, which does not exist";
    assert_reported(&err, head, "article-28.md");
    assert_caret(&err, head, 5);
}

#[test]
fn link_to_a_missing_anchor() {
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\ntitle: Privacy\n---\nIt touches [Article 28](../articles/article-28.md#nowhere).\n",
        )
    });
    let head = "content/concerns/privacy.md:4:12: error: `../articles/article-28.md#nowhere`: content/articles/article-28.md has no heading or anchor `#nowhere`";
    assert_reported(&err, head, "#scope");
    assert_caret(&err, head, 12);
}

#[test]
fn link_to_a_missing_anchor_on_the_same_page() {
    let err = failing_build(|s| {
        s.write(
            "content/articles/article-28.md",
            "---\ntitle: Article 28\n---\nSee [privacy](../concerns/privacy.md) and [below](#scop).\n\n## Scope\n\nWhat it covers.\n",
        )
    });
    assert_reported(
        &err,
        "content/articles/article-28.md:4:43: error:",
        "#scope",
    );
    assert!(err.contains("no heading or anchor `#scop`"), "{err}");
}

#[test]
fn template_syntax_error_names_the_template_file_and_line() {
    let err = failing_build(|s| {
        s.write(
            "layouts/page.html",
            "<!doctype html>\n<title>{{ page.title }}</title>\n{{ page.content | }}\n",
        )
    });
    assert!(
        err.contains("layouts/page.html:3:"),
        "the error should name layouts/page.html, line 3:\n{err}"
    );
    let at = err.find("layouts/page.html:3:").unwrap();
    let line = err[at..].lines().next().unwrap();
    assert!(line.contains(": error: "), "{line}");
    assert!(line.contains("template"), "{line}");
    let col = line["layouts/page.html:3:".len()..]
        .split(':')
        .next()
        .unwrap();
    assert!(col.parse::<usize>().is_ok(), "no column in {line}");
}

#[test]
fn template_runtime_error_names_the_template_file_and_line() {
    let err = failing_build(|s| {
        s.write(
            "layouts/page.html",
            "<!doctype html>\n<title>{{ page.title }}</title>\n\n{{ page.no_such_thing.deeper }}\n",
        )
    });
    assert!(
        err.contains("layouts/page.html:4:"),
        "the error should name layouts/page.html, line 4:\n{err}"
    );
}

#[test]
fn the_failure_summary_counts_the_errors_it_shows() {
    // Two pages use the broken template; the same error is shown once, so the summary
    // should not count it twice.
    let err = failing_build(|s| {
        s.write(
            "layouts/page.html",
            "<!doctype html>\n{{ page.no_such_thing.deeper }}\n",
        )
    });
    let shown = err.lines().filter(|l| l.contains(": error: ")).count();
    let summary = err
        .lines()
        .find(|l| l.starts_with("build failed: "))
        .expect("a summary line");
    assert!(
        summary.starts_with(&format!("build failed: {shown} error(s)")),
        "{shown} error(s) shown, but the summary says: {summary}\n{err}"
    );
}

#[test]
fn every_error_is_reported_sorted_in_one_run() {
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\ntitle: Privacy\n---\nIt touches [Concerns](_index.md#nowhere).\n\nAnd [Article 99](../articles/article-99.md).\n",
        );
        s.write(
            "content/articles/article-28.md",
            "---\ntitle: Article 28\nweight: heavy\n---\n## Scope\n",
        );
    });
    let heads = [
        "content/articles/article-28.md:3:9: error:",
        "content/concerns/privacy.md:4:12: error:",
        "content/concerns/privacy.md:6:5: error:",
    ];
    assert_in_order(&err, &heads);
}

#[test]
fn a_page_with_broken_front_matter_is_not_reported_as_missing() {
    // privacy.md exists; only its front matter is wrong. Links to it must not claim that
    // the file does not exist: that sends the editor looking for the wrong problem.
    let err = failing_build(|s| {
        s.write(
            "content/concerns/privacy.md",
            "---\ntitle: Privacy\ncolour: blue\n---\nIt touches [Article 28](../articles/article-28.md).\n",
        )
    });
    assert!(err.contains("unknown front matter key `colour`"), "{err}");
    assert!(
        !err.contains("content/concerns/privacy.md, which does not exist"),
        "a file that exists is reported as missing:\n{err}"
    );
}

#[test]
fn the_library_reports_the_same_positions() {
    let (site, _, _) = built_site();
    site.write(
        "content/concerns/privacy.md",
        "---\ntitle: Privacy\nweight: heavy\n---\nIt touches [Article 28](../articles/article-28.md#nowhere).\n",
    );
    let errors = site.errors();
    let mut found: Vec<String> = errors.iter().map(|d| d.location()).collect();
    found.sort();
    assert!(
        found.contains(&"content/concerns/privacy.md:3:9".to_string()),
        "{found:?}"
    );
    let weight = errors
        .iter()
        .find(|d| d.location() == "content/concerns/privacy.md:3:9")
        .unwrap();
    assert!(weight.message.contains("`weight`"));
    assert!(
        weight
            .help
            .as_deref()
            .unwrap_or("")
            .contains("whole number")
    );
    assert_eq!(weight.source_line.as_deref(), Some("weight: heavy"));
}

#[test]
fn paragraph_anchors_exist_only_on_sources_and_within_range() {
    let letter = "---\ntitle: Letter\n---\n\nOne.\n\nTwo.\n";
    let ok = Site::new(&[
        (
            "content/_index.md",
            &page("Home", "[two](sources/l.md#p2) [refs](#references)"),
        ),
        ("content/sources/l.md", letter),
    ]);
    let errors: Vec<String> = ok.errors().into_iter().map(|d| d.message).collect();
    // #references does not exist on a page without citations.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("`#references`"), "{errors:?}");

    for bad in ["p3", "p0", "p02"] {
        let site = Site::new(&[
            (
                "content/_index.md",
                &page("Home", &format!("[x](sources/l.md#{bad})")),
            ),
            ("content/sources/l.md", letter),
        ]);
        let errs = site.errors();
        assert_eq!(errs.len(), 1, "#{bad}: {errs:?}");
        assert!(errs[0].message.contains(&format!("`#{bad}`")), "{errs:?}");
        assert!(
            errs[0].help.as_deref().unwrap_or("").contains("#p1 to #p2"),
            "{errs:?}"
        );
    }
}

/// Hardening 4, item 6: a build of a folder that is not there makes nothing (it once made
/// the three folders it was given), and a file given as the site says so.
#[test]
fn a_site_folder_that_is_missing_or_a_file_is_an_error_and_makes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let r = explainer()
        .current_dir(tmp.path())
        .args(["build", "nothere/deeper/site"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("nothere/deeper/site: error: there is no such folder"),
        "{stderr}"
    );
    assert!(!tmp.path().join("nothere").exists(), "folders were made");
    std::fs::write(tmp.path().join("file"), "x").unwrap();
    let r = explainer()
        .current_dir(tmp.path())
        .args(["build", "file"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("file: error: this is a file, not a site folder"),
        "{stderr}"
    );
    assert!(!stderr.contains("File exists"), "{stderr}");
    assert_eq!(common::entries(tmp.path()), vec!["file".to_string()]);
}
