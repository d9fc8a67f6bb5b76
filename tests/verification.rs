//! Content 3's engine features: a bibliography entry says how it was checked (`checked`,
//! shown with the reference and in citations.json) and which places the check covered
//! (`checked_locators`, so a citation elsewhere is a warning that `check --strict` fails
//! on); a page says when its facts were checked (`reviewed`) and when they are due again
//! (`review_by`, a warning once passed).

mod common;

use common::*;

const REFERENCES: &str = "treaty:
  title: The Treaty
  publisher: The Depositary
  url: https://example.org/treaty
  checked: \"Articles 1–15 read in the official Arabic text; English wording not checked\"
  checked_locators: [\"art. 1–15\"]
report:
  title: A Report
  publisher: A Ministry
  url: https://example.org/report
";

/// Citing lines 4 to 6 of the citing page.
const BODY: &str = "Covered [@treaty, art. 6(1)] and [@treaty, arts. 12–15].
Beyond [@treaty, art. 24] and [@report, p. 4].
Unclear [@treaty, preamble].

The letters: [a](../sources/letter-a.md), [b](../sources/letter-b.md).
";

fn site() -> Site {
    let site = cite_site(BODY);
    site.write("content/references.yaml", REFERENCES);
    site
}

#[test]
fn a_citation_beyond_the_check_is_a_warning_with_its_place() {
    let site = site();
    let r = site.run(&["check"]);
    assert_eq!(r.code, Some(0), "a plain check passes:\n{}", r.stderr);
    assert!(
        r.stderr.contains("content/concerns/citing.md:5:9: warning: `treaty, art. 24` cites a place the entry's check did not cover (it covered art. 1–15)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "content/concerns/citing.md:6:10: warning: `treaty, preamble` names no numbered place"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("help: cite the work this claim was checked in instead"),
        "{}",
        r.stderr
    );
    // Covered places and entries that do not say what was checked are not warned about.
    assert_eq!(
        r.stderr.matches("check did not cover").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("`report"), "{}", r.stderr);

    let strict = site.run(&["check", "--strict"]);
    assert_eq!(strict.code, Some(1), "{}", strict.stderr);

    // Once the places are all covered, the check is clean.
    site.write(
        "content/references.yaml",
        &REFERENCES.replace("[\"art. 1–15\"]", "[\"art. 1–30\", \"preamble 1\"]"),
    );
    site.write(
        "content/concerns/citing.md",
        &format!("{CITING_FRONT}{}", BODY.replace("preamble", "preamble 1")),
    );
    let strict = site.run(&["check", "--strict"]);
    assert_eq!(strict.code, Some(0), "{}", strict.stderr);
}

#[test]
fn the_check_note_is_shown_and_exported() {
    let site = site();
    site.build_ok();
    let html = site.read("concerns/citing/index.html");
    let refs = elements_with_class(&html, "reference-entry");
    let treaty: Vec<&&str> = refs.iter().filter(|r| r.contains("The Treaty")).collect();
    assert_eq!(treaty.len(), 4, "one reference per place: {refs:?}");
    for t in treaty {
        assert!(
            text(t).contains("Checked: Articles 1–15 read in the official Arabic text; English wording not checked"),
            "{t}"
        );
    }
    let report: Vec<&&str> = refs.iter().filter(|r| r.contains("A Report")).collect();
    assert!(!report[0].contains("ref-checked"), "{}", report[0]);
    let graph: serde_json::Value = serde_json::from_str(&site.read("citations.json")).unwrap();
    let treaty = &graph["references"]["treaty"];
    assert_eq!(
        treaty["checked"],
        "Articles 1–15 read in the official Arabic text; English wording not checked"
    );
    assert_eq!(treaty["checked_locators"], serde_json::json!(["art. 1–15"]));
    assert!(graph["references"]["report"].get("checked").is_none());
}

#[test]
fn checked_locators_that_are_not_places_are_located_errors() {
    let site = site();
    site.write(
        "content/references.yaml",
        &REFERENCES.replace("[\"art. 1–15\"]", "[\"art. 1–15\", \"the first part\"]"),
    );
    let r = site.build_fails();
    assert!(
        r.stderr.contains("content/references.yaml:6:35: error: `checked_locators` of `treaty` has `the first part`, which is not a range of numbered places"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_csl_json_note_is_the_check_note() {
    let site = cite_site("A claim [@memo].\n");
    site.write(
        "content/references.json",
        r#"[{"id": "memo", "type": "report", "title": "A memo", "publisher": "An office", "URL": "https://example.org/memo", "note": "Read in full on the publisher's site"}]"#,
    );
    site.build_ok();
    let html = site.read("concerns/citing/index.html");
    assert!(
        text(&html).contains("Checked: Read in full on the publisher's site"),
        "{html}"
    );
}

/// The page with review dates; `review_by` is on line 3, column 1.
const REVIEWED: &str = "---\ntitle: Status\nreview_by: 2026-12-31\nreviewed: 2026-12-01\n---\nAs of 1 December 2026, see [the home page](../_index.md).\n";

#[test]
fn a_passed_review_date_is_a_warning_and_never_fails_a_build() {
    let site = cite_site("A claim [@letter-a#p1], and [status](../context/status.md).\n");
    site.write("content/context/status.md", REVIEWED);
    let on = |today: &str| {
        Run::from(
            explainer()
                .env("EXPLAINER_TODAY", today)
                .args(["check"])
                .arg(site.path())
                .output()
                .unwrap(),
        )
    };
    // Outside the window (14 days by default) nothing is said; within it, how long is left.
    let early = on("2026-12-16");
    assert!(!early.stderr.contains("due for review"), "{}", early.stderr);
    for (today, says) in [
        (
            "2026-12-17",
            "is due for review in 14 days (31 December 2026)",
        ),
        (
            "2026-12-20",
            "is due for review in 11 days (31 December 2026)",
        ),
        (
            "2026-12-30",
            "is due for review tomorrow (31 December 2026)",
        ),
        ("2026-12-31", "is due for review today (31 December 2026)"),
    ] {
        let r = on(today);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let line = format!("content/context/status.md:3:1: warning: this page {says}");
        assert!(r.stderr.contains(&line), "on {today}: {}", r.stderr);
    }
    // The window is a setting.
    let settings = std::fs::read_to_string(site.path().join("explainer.toml")).unwrap();
    site.write(
        "explainer.toml",
        &format!("review_window_days = 3\n{settings}"),
    );
    assert!(!on("2026-12-20").stderr.contains("due for review"));
    assert!(on("2026-12-28").stderr.contains("due for review in 3 days"));

    let after = |args: &[&str]| {
        Run::from(
            explainer()
                .env("EXPLAINER_TODAY", "2027-01-01")
                .args(args)
                .arg(site.path())
                .output()
                .unwrap(),
        )
    };
    let r = after(&["check"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr.contains("content/context/status.md:3:1: warning: this page was due for review on 31 December 2026; its facts were last checked on 2026-12-01"),
        "{}",
        r.stderr
    );
    assert_eq!(after(&["check", "--strict"]).code, Some(1));
    let built = after(&["build"]);
    assert_eq!(
        built.code,
        Some(0),
        "a build does not fail on it:\n{}",
        built.stderr
    );
    assert!(built.stderr.contains("due for review"), "{}", built.stderr);
}

#[test]
fn readers_see_when_the_facts_were_checked() {
    let site = cite_site("A claim [@letter-a#p1], and [status](../context/status.md).\n");
    site.write(
        "content/context/status.md",
        &REVIEWED.replace(
            "reviewed: 2026-12-01\n",
            "reviewed: 2026-12-01\nupdated: 2026-11-25\n",
        ),
    );
    site.build_ok();
    let html = site.read("context/status/index.html");
    assert!(
        text(&html).contains("Last updated 25 November 2026"),
        "{}",
        text(&html)
    );
    assert!(
        text(&html).contains("Facts checked as of 1 December 2026"),
        "{}",
        text(&html)
    );
    assert!(html.contains("<time datetime=\"2026-12-01\">"), "{html}");
    // A page without `reviewed` says nothing of it.
    assert!(
        !site
            .read("concerns/citing/index.html")
            .contains("Facts checked")
    );
}

#[test]
fn review_dates_must_be_days() {
    let site = cite_site("A claim [@letter-a#p1], and [status](../context/status.md).\n");
    site.write(
        "content/context/status.md",
        &REVIEWED.replace("2026-12-31", "end of December"),
    );
    let r = site.build_fails();
    assert!(
        r.stderr.contains("content/context/status.md:3:1: error: `review_by` is `end of December`, which is not a day"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_data_file_has_a_review_day_and_the_pages_that_show_it_inherit_it() {
    let site = cite_site("A claim [@letter-a#p1], and [status](../context/status.md).\n");
    site.write(
        "content/context/status.md",
        &REVIEWED.replace(
            "As of 1 December 2026",
            "{{ rows(path=\"data/counts.yaml\") }} As of 1 December 2026",
        ),
    );
    site.write("content/data/counts.yaml", "- n: 1\n");
    site.write(
        "layouts/shortcodes/rows.html",
        "{#- shortcode: inline\n    path: string\n-#}\n<span>{{ load_data(path=path)|length }}</span>",
    );
    let settings = std::fs::read_to_string(site.path().join("explainer.toml")).unwrap();
    site.write(
        "explainer.toml",
        &format!("{settings}\n[data_review_by]\n\"data/counts.yaml\" = 2026-12-20\n"),
    );
    let r = Run::from(
        explainer()
            .env("EXPLAINER_TODAY", "2026-12-21")
            .args(["check"])
            .arg(site.path())
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let line = settings.lines().count() + 3;
    let expected = format!(
        "explainer.toml:{line}:1: warning: the data file `data/counts.yaml` was due for review on 20 December 2026"
    );
    assert!(r.stderr.contains(&expected), "{}", r.stderr);
    // The page that shows the file is due on the file's day, the earlier of the two; the
    // citing page, which does not show it, is not due at all.
    site.build_ok();
    let html = site.read("context/status/index.html");
    let notice = elements_with_class(&html, "page-review-due");
    assert_eq!(notice.len(), 1, "{html}");
    assert_eq!(
        attr(open_tag(notice[0]), "data-review-by").as_deref(),
        Some("2026-12-20")
    );
    assert!(
        open_tag(notice[0]).contains(" hidden"),
        "hidden until the reader's clock passes the day: {}",
        notice[0]
    );
    assert!(
        text(notice[0]).contains("due for review on 20 December 2026"),
        "{}",
        notice[0]
    );
    let citing = site.read("concerns/citing/index.html");
    assert!(elements_with_class(&citing, "page-review-due").is_empty());
    // A day that is not a day, or a name that is not a data file, is an error in place.
    site.write(
        "explainer.toml",
        &format!("{settings}\n[data_review_by]\n\"counts.yaml\" = \"soon\"\n"),
    );
    let r = Run::from(
        explainer()
            .args(["check"])
            .arg(site.path())
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("is not a day"), "{}", r.stderr);
    assert!(
        r.stderr.contains("is not a data file's path"),
        "{}",
        r.stderr
    );
}
