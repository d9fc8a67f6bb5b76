//! Issue 9, "Citations 2": quotes exact to the word, paired quote marks, near-miss help
//! that names the best paragraph, a bibliography (YAML and CSL-JSON) cited with locators,
//! the typed citation graph exported as citations.json, and section roles from
//! explainer.toml.

mod common;

use common::*;
use explainer::diagnostic::{Diagnostic, Position};

const CITING: &str = "content/concerns/citing.md";

/// The errors of a site that must fail, with the message of each.
fn messages(site: &Site) -> Vec<Diagnostic> {
    site.errors()
}

fn only_error(body: &str) -> Diagnostic {
    let mut e = cite_site(body).errors();
    assert_eq!(e.len(), 1, "expected one error, got: {e:#?}");
    e.remove(0)
}

/// The paragraph each citation of the citing page resolves to.
fn paragraphs(site: &Site) -> Vec<Option<usize>> {
    let (model, _) = site.load().unwrap_or_else(|d| panic!("should build:\n{d}"));
    let i = model.page("concerns/citing.md").unwrap();
    model
        .graph
        .citations
        .iter()
        .filter(|c| c.page == i)
        .map(|c| c.target.paragraph().map(explainer::ids::ParaNo::get))
        .collect()
}

// --- A. quotes exact to the word -----------------------------------------------------------

#[test]
fn a_fragment_of_a_word_never_matches() {
    for quote in [
        "rite about",
        "We writ",
        "e write about the",
        "ack safeguards",
    ] {
        let d = only_error(&format!("Claim [@letter-a \"{quote}\"].\n"));
        assert!(
            d.message.contains("is not in `letter-a`"),
            "{quote:?} should be refused: {d}"
        );
    }
    // The same words, whole, are found.
    let site = cite_site(
        "Claim [@letter-a \"We write about\"] and [@letter-a \"safeguards for journalists.\"].\n",
    );
    assert_eq!(paragraphs(&site), [Some(2), Some(5)]);
}

#[test]
fn each_part_around_an_ellipsis_is_whole_words_too() {
    let d = only_error("Claim [@letter-a \"We write ... too bro\"].\n");
    assert!(d.message.contains("is not in"), "{d}");
    let site = cite_site("Claim [@letter-a \"We write ... too broad\"].\n");
    assert_eq!(paragraphs(&site), [Some(2)]);
}

#[test]
fn a_quote_may_hold_the_other_kind_of_quote_marks() {
    // Letter A, ¶2: We write about the “draft convention” — it is too broad.
    for body in [
        "Claim [@letter-a \"about the “draft convention” — it\"].\n",
        "Claim [@letter-a “about the \"draft convention\" — it”].\n",
        "Claim [@letter-a “about the “draft convention” — it”].\n",
        // A quote that starts or stops inside the letter's own quotation.
        "Claim [@letter-a \"We write about the “draft\"].\n",
        "Claim [@letter-a \"convention” — it is too broad.\"].\n",
        "Claim [@letter-a#p2 “the “draft convention”; @letter-a#p2].\n",
    ] {
        let site = cite_site(body);
        let found = paragraphs(&site);
        assert!(
            !found.is_empty() && found.iter().all(|p| *p == Some(2)),
            "{body}: {found:?}"
        );
    }
}

#[test]
fn near_miss_help_names_the_paragraph_sharing_the_longest_run() {
    // ¶3 shares "lacks safeguards for" (after "it"); ¶5 shares "it lacks safeguards for journalists".
    let d = only_error("Claim [@letter-a \"it lacks safeguards for journalists and editors\"].\n");
    let help = d.help.unwrap();
    assert!(help.contains("closest passage is ¶5"), "{help}");
    assert!(help.contains("«"), "differences are marked: {help}");
    // Following the help leads to a quote that builds.
    let site = cite_site("Claim [@letter-a#p5 \"it lacks safeguards for journalists\"].\n");
    assert_eq!(paragraphs(&site), [Some(5)]);
}

#[test]
fn near_miss_help_says_when_nothing_comes_close() {
    let d = only_error("Claim [@letter-a \"purple elephants dance at midnight\"].\n");
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("nothing in the source comes close"),
        "{d}"
    );
}

// --- B. the bibliography -------------------------------------------------------------------

const REFERENCES: &str = "\
# Works without full text on the site.
un-text:
  title: United Nations Convention against Cybercrime
  publisher: United Nations
  date: 2024-12-24
  url: https://undocs.org/A/RES/79/243
  kind: treaty
news-1:
  title: A news report
  publisher: The Paper
  author: A. Writer
  date: 2025-10
  url: https://news.example.org/report
  archived: https://archive.example.org/report
  kind: news
";

fn bib_site(body: &str, references: &str) -> Site {
    let site = cite_site(body);
    site.write("content/references.yaml", references);
    site
}

/// Every way a citation item can fail to resolve, with its message and help word for
/// word: they are what an editor reads, in the terminal, the preview and the editor.
#[test]
fn each_unresolved_citation_says_what_is_wrong_and_how_to_fix_it() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[@letter-a, art. 7]",
            "`letter-a` is a full-text source: cite it by paragraph or by its words, not with a locator",
            "write [@letter-a#p3] or [@letter-a \"exact words\"]",
        ),
        (
            "[@letter-z]",
            "unknown id `letter-z`",
            "the closest ids are: letter-a, letter-b; sources are the files in content/sources/, other works are in content/references.yaml",
        ),
        (
            "[@zzzzzzzzzzzz]",
            "unknown id `zzzzzzzzzzzz`",
            "no known id is close to it; sources are the files in content/sources/ (the id is the file's name without .md), other works are in content/references.yaml",
        ),
        (
            "[@un-text \"some words\"]",
            "`un-text` is a bibliography entry, so a quote from it cannot be checked",
            "quotes can only be checked against full-text sources in content/sources/; cite the entry without the quote, [@un-text], or with a locator, [@un-text, art. 7]",
        ),
        (
            "[@un-text#p2]",
            "`un-text` is a bibliography entry, which has no numbered paragraphs",
            "name the place with a locator after a comma: [@un-text, art. 7(2)]",
        ),
        (
            "[@letter-a#p9]",
            "`letter-a` has 6 paragraphs, so there is no ¶9",
            "cite a paragraph from #p1 to #p6, or quote its words: [@letter-a \"…\"]",
        ),
        (
            "[@letter-a#p3 \"too broad\"]",
            "¶3 of `letter-a` does not contain “too broad”",
            "the words are in ¶2: write [@letter-a#p2 \"too broad\"] or drop `#p3`",
        ),
        (
            "[@letter-a#p3 \"purple elephants\"]",
            "¶3 of `letter-a` does not contain “purple elephants”",
            "quote whole words that ¶3 contains, exactly as the source writes them",
        ),
        (
            "[@letter-a \"lacks safeguards for\"]",
            "the quote “lacks safeguards for” is in 2 paragraphs of `letter-a`: ¶4, ¶5",
            "quote more words, so that only one paragraph holds them, or name the paragraph: [@letter-a#p4 \"lacks safeguards for\"]",
        ),
        (
            "[@letter-a \"purple elephants dance at midnight\"]",
            "the quote “purple elephants dance at midnight” is not in `letter-a`",
            "nothing in the source comes close: no paragraph shares three words in a row with the quote; copy the words from the source page (whole words; `...` skips words within one paragraph)",
        ),
    ];
    for (cite, message, help) in cases {
        let mut e = bib_site(&format!("Claim {cite}.\n"), REFERENCES).errors();
        assert_eq!(e.len(), 1, "{cite}: expected one error, got: {e:#?}");
        let d = e.remove(0);
        assert_eq!((cite, d.message.as_str()), (cite, *message));
        assert_eq!((cite, d.help.as_deref()), (cite, Some(*help)));
    }
}

#[test]
fn references_render_in_the_same_numbered_list_with_locators() {
    let site = bib_site(
        "Claim [@un-text, art. 7(2)]. Another [@letter-a#p2; @news-1]. Again [@un-text, art. 7(2)] and [@un-text, art. 24].\n",
        REFERENCES,
    );
    site.build_ok();
    let html = site.read("concerns/citing/index.html");
    let refs = elements_with_class(&html, "reference");
    assert_eq!(refs.len(), 4, "one reference per work and place");
    let first = text(refs[0]);
    assert_in_order(
        &first,
        &[
            "United Nations Convention against Cybercrime.",
            "United Nations, 24 December 2024",
            "art. 7(2)",
        ],
    );
    assert!(refs[0].contains("href=\"https://undocs.org/A/RES/79/243\""));
    assert!(text(refs[1]).contains("Writers' letter, ¶2"));
    let news = text(refs[2]);
    assert_in_order(
        &news,
        &["A. Writer", "A news report", "The Paper", "October 2025"],
    );
    assert!(refs[2].contains("href=\"https://archive.example.org/report\""));
    assert!(text(refs[3]).contains("art. 24"));
    // The marks: the repeated place reuses its number.
    let marks: Vec<String> = tags_with(&html, "class=\"cite\"")
        .into_iter()
        .map(|s| open_tag(element_at(&html, s)).to_string())
        .collect();
    assert_eq!(marks.len(), 5);
    assert_eq!(attr(&marks[0], "href").as_deref(), Some("#ref-1"));
    assert_eq!(attr(&marks[0], "data-source").as_deref(), Some("un-text"));
    assert_eq!(
        attr(&marks[0], "data-locator").as_deref(),
        Some("art. 7(2)")
    );
    assert_eq!(attr(&marks[3], "href").as_deref(), Some("#ref-1"));
    assert_eq!(attr(&marks[4], "href").as_deref(), Some("#ref-4"));
}

#[test]
fn a_csl_json_export_is_read_as_it_is() {
    let csl = r#"[
  {
    "id": "eff-blank-check",
    "type": "post-weblog",
    "title": "The UN Cybercrime Draft Convention is a Blank Check",
    "container-title": "Electronic Frontier Foundation",
    "author": [{"family": "Rodriguez", "given": "Katitza"}],
    "issued": {"date-parts": [[2024, 6, 14]]},
    "URL": "https://www.eff.org/deeplinks/2024/06/example"
  }
]"#;
    let site = cite_site("Claim [@eff-blank-check].\n");
    site.write("content/references.json", csl);
    site.build_ok();
    let html = site.read("concerns/citing/index.html");
    let r = text(elements_with_class(&html, "reference")[0]);
    assert_in_order(
        &r,
        &[
            "Katitza Rodriguez",
            "The UN Cybercrime Draft Convention is a Blank Check",
            "Electronic Frontier Foundation",
            "14 June 2024",
        ],
    );
    assert!(
        !site.exists("references.json"),
        "the bibliography is read, not published"
    );
}

#[test]
fn citing_a_bibliography_entry_wrongly_is_located_and_explained() {
    for (body, message, help) in [
        (
            "Claim [@un-txt].\n",
            "unknown id `un-txt`",
            "closest ids are: un-text",
        ),
        (
            "Claim [@un-text \"some words\"].\n",
            "a quote from it cannot be checked",
            "quotes can only be checked against full-text sources in content/sources/",
        ),
        (
            "Claim [@un-text#p2].\n",
            "has no numbered paragraphs",
            "[@un-text, art. 7(2)]",
        ),
        (
            "Claim [@letter-a, p. 2].\n",
            "is a full-text source",
            "[@letter-a#p3]",
        ),
    ] {
        let site = bib_site(body, REFERENCES);
        let e = messages(&site);
        assert_eq!(e.len(), 1, "{body}: {e:#?}");
        assert_eq!(e[0].file.to_string_lossy(), CITING);
        assert_eq!(e[0].position, Some(Position { line: 4, col: 8 }), "{body}");
        assert!(e[0].message.contains(message), "{body}: {}", e[0]);
        assert!(
            e[0].help.as_deref().unwrap().contains(help),
            "{body}: {}",
            e[0]
        );
    }
}

#[test]
fn every_bibliography_error_names_its_line() {
    let bad = "\
ok:
  title: T
  publisher: P
  url: https://e.org/
no-title:
  publisher: P
  url: https://e.org/
bad-url:
  title: T
  publisher: P
  url: e.org/page
bad-date:
  title: T
  publisher: P
  url: https://e.org/
  date: 24 December 2024
bad-kind:
  title: T
  publisher: P
  url: https://e.org/
  kind: blog
ok:
  title: Again
  publisher: P
  url: https://e.org/
";
    let site = bib_site("Claim [@ok].\n", bad);
    let r = site.build_fails();
    let expect = [
        ("content/references.yaml:5:1", "`no-title` has no `title`"),
        ("content/references.yaml:11:8", "which is not a web address"),
        ("content/references.yaml:16:9", "which is not a date"),
        ("content/references.yaml:21:9", "not a known kind"),
        (
            "content/references.yaml:22:1",
            "`ok` is defined twice; the first is at content/references.yaml:1",
        ),
    ];
    for (at, message) in expect {
        assert!(
            r.stderr
                .lines()
                .any(|l| l.starts_with(at) && l.contains(message)),
            "expected {at}: {message} in:\n{}",
            r.stderr
        );
    }
}

#[test]
fn a_yaml_syntax_error_or_unknown_field_is_located() {
    let site = bib_site(
        "Claim [@a].\n",
        "a:\n  title: T\n  publisher: P\n  url: https://e.org/\n  pages: 4\n",
    );
    let r = site.build_fails();
    assert!(
        r.stderr.contains("content/references.yaml:5:")
            && r.stderr.contains("unknown field `pages`"),
        "{}",
        r.stderr
    );
    let site = bib_site("Claim [@a].\n", "a:\n  title: [unclosed\n");
    let r = site.build_fails();
    assert!(
        r.stderr.contains("content/references.yaml:"),
        "{}",
        r.stderr
    );
}

#[test]
fn ids_are_unique_across_both_files_and_the_sources() {
    let site = bib_site("Claim [@un-text].\n", REFERENCES);
    site.write(
        "content/references.json",
        r#"[{"id": "un-text", "title": "T", "publisher": "P", "URL": "https://e.org/"},
 {"id": "letter-a", "title": "T", "publisher": "P", "URL": "https://e.org/"}]"#,
    );
    let r = site.build_fails();
    assert!(
        r.stderr.contains("content/references.json:1:")
            && r.stderr.contains("`un-text` is defined twice")
            && r.stderr.contains("content/references.yaml:2"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("content/references.json:2:")
            && r.stderr.contains("`letter-a` is also a full-text source"),
        "{}",
        r.stderr
    );
}

#[test]
fn strict_check_warns_about_entries_nothing_cites() {
    let site = bib_site("Claim [@un-text].\n", REFERENCES);
    let r = site.run(&["check", "--strict"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("content/references.yaml:8:1: error: no page cites `news-1`"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("no page cites `un-text`"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_bibliography_error_leaves_public_untouched() {
    let site = bib_site("Claim [@un-text].\n", REFERENCES);
    site.build_ok();
    let before = snapshot(&site.public());
    site.write("content/references.yaml", "un-text:\n  title: T\n");
    site.build_fails();
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after a failed build",
    );
}

// --- C. the citation graph, exported -------------------------------------------------------

#[test]
fn citations_json_lists_every_citation_the_pages_show() {
    let site = bib_site(
        "Claim [@letter-a \"too broad\"]. More [@un-text, art. 7(2); @letter-b#p2] and [@letter-a].\n",
        REFERENCES,
    );
    site.build_ok();
    let json: serde_json::Value = serde_json::from_str(&site.read("citations.json")).unwrap();
    let cites = json["citations"].as_array().unwrap();
    let html = site.read("concerns/citing/index.html");
    let marks = tags_with(&html, "class=\"cite\"");
    assert_eq!(cites.len(), marks.len(), "one entry per mark on the page");
    for (c, &m) in cites.iter().zip(&marks) {
        let tag = open_tag(element_at(&html, m));
        assert_eq!(c["page"], "/concerns/citing/");
        assert_eq!(attr(tag, "data-source").as_deref(), c["source"].as_str());
        assert_eq!(
            attr(tag, "data-para").and_then(|p| p.parse::<u64>().ok()),
            c["paragraph"].as_u64()
        );
    }
    assert_eq!(cites[0]["quote"], "too broad");
    assert_eq!(cites[1]["locator"], "art. 7(2)");
    assert!(cites[3]["paragraph"].is_null());
    // The audit a fact-checker would script: every quote is in the paragraph it cites.
    for c in cites.iter().filter(|c| c["quote"].is_string()) {
        let n = c["paragraph"].as_u64().unwrap() as usize;
        let para = &json["sources"][c["source"].as_str().unwrap()]["paragraphs"][n - 1];
        assert!(
            explainer::cite::normalise(para.as_str().unwrap())
                .contains(&explainer::cite::normalise(c["quote"].as_str().unwrap()))
        );
    }
    assert_eq!(json["references"]["news-1"]["publisher"], "The Paper");
    assert_eq!(
        json["sources"]["letter-b"]["paragraphs"][1],
        "The Convention lacks safeguards for human rights."
    );
    // Deterministic.
    let first = site.read("citations.json");
    site.build_ok();
    assert_eq!(first, site.read("citations.json"));
}

// --- D. section roles from explainer.toml --------------------------------------------------

#[test]
fn a_site_with_other_section_names_gets_the_whole_citation_system() {
    let config = format!(
        "{CONFIG}\n[sections]\nissues = \"topic\"\nprovisions = \"subject\"\ndocuments = \"source\"\n"
    );
    let site = Site::new(&[
        ("explainer.toml", &config),
        (
            "content/_index.md",
            &page(
                "Home",
                "See [the issue](issues/water.md) and [the matrix](matrix.md).\n",
            ),
        ),
        ("content/issues/_index.md", &page("Issues", "All issues.\n")),
        (
            "content/provisions/_index.md",
            &page("Provisions", "All provisions.\n"),
        ),
        (
            "content/documents/_index.md",
            &page("Documents", "All documents.\n"),
        ),
        (
            "content/documents/memo.md",
            "---\ntitle: The memo\nshort_title: Memo\n---\n\nThe water level rose by “forty centimetres” in one winter.\n\nNobody measured it again.\n",
        ),
        (
            "content/provisions/section-2.md",
            &page(
                "Section 2",
                "It is about water. See [the issue](../issues/water.md).\n",
            ),
        ),
        (
            "content/issues/water.md",
            &page(
                "Water",
                "The memo says the level rose [@memo \"rose by “forty centimetres” in one winter\"]. See [section 2](../provisions/section-2.md).\n\nNo citation here.\n",
            ),
        ),
        (
            "content/matrix.md",
            "---\ntitle: Matrix\nlayout: matrix\n---\nThe matrix.\n",
        ),
    ]);
    site.build_ok();
    let memo = site.read("documents/memo/index.html");
    let p1 = element_by_id(&memo, "p1").expect("numbered paragraphs");
    assert!(text(p1).contains("Cited by"), "{p1}");
    assert!(p1.contains("href=\"/issues/water/#cite-1\""));
    let water = site.read("issues/water/index.html");
    assert!(water.contains("data-source=\"memo\" data-para=\"1\""));
    let matrix = site.read("matrix/index.html");
    assert!(matrix.contains("href=\"/issues/water/\""), "topic row");
    assert!(
        matrix.contains("href=\"/documents/memo/#p1\""),
        "source cell"
    );
    assert!(
        matrix.contains("href=\"/provisions/section-2/\""),
        "subject column"
    );
    // Navigation follows the order of [sections].
    let home = site.read("index.html");
    assert_in_order(
        &home,
        &[
            "href=\"/issues/\"",
            "href=\"/provisions/\"",
            "href=\"/documents/\"",
        ],
    );
    // Strict checks apply to the topic section.
    let r = site.run(&["check", "--strict"]);
    assert!(
        r.stderr
            .contains("content/issues/water.md:6:1: error: this paragraph has no citation"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_theme_can_restyle_the_citation_markup() {
    let site = cite_site("Claim [@letter-a#p2].\n");
    site.write(
        "layouts/partials/cite.html",
        "{% for c in cites %}<span class=\"my-cite\">[{{ c.number }}: {{ c.label }}]</span>{% endfor %}",
    );
    site.build_ok();
    let html = site.read("concerns/citing/index.html");
    assert!(
        html.contains("<span class=\"my-cite\">[1: Writers&#39; letter, paragraph 2]</span>"),
        "{}",
        main_of(&html)
    );
}
