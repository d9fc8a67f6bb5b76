//! Issue 3, rendering (DESIGN.md "Output contract"): citation links, References with
//! numbering and back-links, source paragraphs with their anchors and "Cited by" lists,
//! backlinks, and the matrix page. Some tests read the embedded theme's markup; others
//! give the site its own templates to check the data every template receives.

mod common;

use common::*;

/// The citing page: four citations, two of the same passage (¶3 of letter-a).
const CITING_BODY: &str = "First [@letter-a \"criminal intent\"]. Second [@letter-b#p3].\n\nThird [@letter-a#p3]. Whole [@letter-a]. See [the article](../articles/art.md).\n";

/// Another concern: cites letter-b twice and letter-a once, and links to the article.
const OTHER: &str = "---\ntitle: Other concern\n---\nIt cites [@letter-b \"Please reconsider\"] and [@letter-b#p2; @letter-a#p6] and links [the article](../articles/art.md).\n";

/// An article that cites ¶3 of letter-a and links to the citing page.
const ART: &str = "---\ntitle: The article\n---\nIt cites [@letter-a#p3] and links [the citing page](../concerns/citing.md) and [the other](../concerns/other.md).\n";

const MATRIX: &str = "---\ntitle: The matrix\nlayout: matrix\n---\nConcerns and letters.\n";

fn render_site(extra: &[(&str, &str)]) -> Site {
    let site = cite_site(CITING_BODY);
    site.write(
        "content/concerns/_index.md",
        &page("Concerns", "All of them.\n"),
    );
    site.write("content/concerns/other.md", OTHER);
    site.write(
        "content/articles/_index.md",
        &page("Articles", "All of them.\n"),
    );
    site.write("content/articles/art.md", ART);
    site.write("content/matrix.md", MATRIX);
    for (p, t) in extra {
        site.write(p, t);
    }
    site
}

fn built() -> Site {
    let site = render_site(&[]);
    site.build_ok();
    site
}

/// Whether `text` shows paragraph number `n` (¶3, ¶ 3, paragraph 3, …).
fn shows_paragraph(text: &str, n: usize) -> bool {
    [
        format!("¶{n}"),
        format!("¶ {n}"),
        format!("¶\u{a0}{n}"),
        format!("paragraph {n}"),
        format!("para. {n}"),
    ]
    .iter()
    .any(|f| text.contains(f.as_str()))
}

// --- citation links ---------------------------------------------------------------------------

#[test]
fn citations_render_as_numbered_superscript_links() {
    let site = built();
    let html = site.read("concerns/citing/index.html");
    let cites = elements_with_class(&html, "cite")
        .into_iter()
        .filter(|e| e.starts_with("<a"))
        .collect::<Vec<_>>();
    // (href, data-source, data-para, text) of each citation link.
    type Seen = (Option<String>, Option<String>, Option<String>, String);
    let seen: Vec<Seen> = cites
        .iter()
        .map(|a| {
            (
                attr(a, "href"),
                attr(a, "data-source"),
                attr(a, "data-para"),
                text(a),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        seen,
        vec![
            (s("#ref-1"), s("letter-a"), s("3"), "1".to_string()),
            (s("#ref-2"), s("letter-b"), s("3"), "2".to_string()),
            (s("#ref-1"), s("letter-a"), s("3"), "1".to_string()),
            (s("#ref-3"), s("letter-a"), None, "3".to_string()),
        ]
    );
    // Each is a superscript.
    let in_sup: usize = elements(&html, "sup")
        .iter()
        .map(|s| {
            elements_with_class(s, "cite")
                .iter()
                .filter(|e| e.starts_with("<a"))
                .count()
        })
        .sum();
    assert_eq!(in_sup, 4, "every citation link should sit in a <sup>");
    // Each citation is a target the references can link back to: #cite-1 … #cite-4.
    for k in 1..=4 {
        let el = element_by_id(&html, &format!("cite-{k}"))
            .unwrap_or_else(|| panic!("no element with id cite-{k}"));
        assert!(
            el.contains("class=\"cite\""),
            "#cite-{k} is not (or does not hold) the citation link: {el}"
        );
        assert!(el.contains(&format!(">{}</a>", [1, 2, 1, 3][k - 1])));
    }
}

// --- references -----------------------------------------------------------------------------

#[test]
fn one_reference_per_passage_numbered_by_first_use_with_back_links() {
    let site = built();
    let html = site.read("concerns/citing/index.html");
    let refs: Vec<&str> = elements_with_class(&html, "reference")
        .into_iter()
        .filter(|e| e.starts_with("<li"))
        .collect();
    assert_eq!(refs.len(), 3, "three passages cited: {refs:#?}");

    let r1 = element_by_id(&html, "ref-1").expect("an element with id ref-1");
    assert!(r1.starts_with("<li"), "{r1}");
    assert!(has_class(r1, "reference"));
    let h1 = hrefs(r1);
    assert!(h1.contains(&"/sources/letter-a/#p3".to_string()), "{h1:?}");
    assert!(h1.contains(&"#cite-1".to_string()), "{h1:?}");
    assert!(h1.contains(&"#cite-3".to_string()), "{h1:?}");
    let q: Vec<String> = elements(r1, "q").iter().map(|q| text(q)).collect();
    assert_eq!(q, ["criminal intent"], "the quoted words as written");
    let t1 = text(r1);
    assert!(
        t1.contains("Writers' letter"),
        "the source's short title: {t1}"
    );
    assert!(shows_paragraph(&t1, 3), "the paragraph number: {t1}");

    let r2 = element_by_id(&html, "ref-2").expect("ref-2");
    assert!(r2.starts_with("<li") && has_class(r2, "reference"));
    let h2 = hrefs(r2);
    assert!(h2.contains(&"/sources/letter-b/#p3".to_string()), "{h2:?}");
    assert!(h2.contains(&"#cite-2".to_string()));
    assert!(!h2.contains(&"#cite-1".to_string()));
    assert!(elements(r2, "q").is_empty(), "no quote was cited: {r2}");
    assert!(text(r2).contains("Industry letter"));

    let r3 = element_by_id(&html, "ref-3").expect("ref-3");
    let h3 = hrefs(r3);
    assert!(
        h3.contains(&"/sources/letter-a/".to_string()),
        "whole source: {h3:?}"
    );
    assert!(h3.contains(&"#cite-4".to_string()));
}

#[test]
fn reference_links_carry_the_base_path() {
    let site = render_site(&[(
        "explainer.toml",
        "title = \"T\"\nbase_url = \"https://example.org/sub/\"\n",
    )]);
    site.build_ok();
    let html = site.read("concerns/citing/index.html");
    let r1 = element_by_id(&html, "ref-1").expect("ref-1");
    assert!(
        hrefs(r1).contains(&"/sub/sources/letter-a/#p3".to_string()),
        "{:?}",
        hrefs(r1)
    );
}

#[test]
fn templates_get_the_references_in_their_context() {
    let site = render_site(&[(
        "layouts/page.html",
        "{% for r in page.references %}[{{ r.number }}|{{ r.url }}|{{ r.quotes|join(\";\") }}|{{ r.uses|join(\",\") }}]{% endfor %}",
    )]);
    site.build_ok();
    assert_eq!(
        unescape(&site.read("concerns/citing/index.html")),
        "[1|/sources/letter-a/#p3|criminal intent|cite-1,cite-3][2|/sources/letter-b/#p3||cite-2][3|/sources/letter-a/||cite-4]"
    );
}

// --- source pages ---------------------------------------------------------------------------

#[test]
fn every_source_paragraph_and_list_item_has_an_anchor_and_its_text() {
    let site = built();
    let html = site.read("sources/letter-a/index.html");
    let expected = [
        "Dear Committee,",
        "We write about the “draft convention” — it is too broad.",
        "The treaty’s Articles 7–10 do not require criminal intent.",
        "First, it lacks safeguards for human rights.",
        "Second, it lacks safeguards for journalists.",
        "Sincerely, the writers.",
    ];
    for (k, want) in expected.iter().enumerate() {
        let n = k + 1;
        let el = element_by_id(&html, &format!("p{n}"))
            .unwrap_or_else(|| panic!("no element with id p{n}"));
        assert_eq!(attr(el, "data-para"), Some(n.to_string()), "{el}");
        let texts = elements_with_class(el, "para-text");
        assert_eq!(texts.len(), 1, "p{n} should hold one .para-text: {el}");
        assert_eq!(text(texts[0]), *want, "the text of p{n}");
        // A visible ¶ number that links to the paragraph itself.
        assert!(
            hrefs(el).contains(&format!("#p{n}")),
            "p{n} has no link to #p{n}: {el}"
        );
    }
    assert!(element_by_id(&html, "p7").is_none());
    // The list items are numbered as list items.
    let items = elements(&html, "li");
    for n in [4, 5] {
        assert!(
            items.iter().any(|li| li.contains(&format!("id=\"p{n}\""))),
            "p{n} is not inside a list item"
        );
    }
}

#[test]
fn cited_paragraphs_list_who_cites_them() {
    let site = built();
    let html = site.read("sources/letter-a/index.html");
    // ¶3 is cited by the citing page (cite-1 and cite-3) and by the article (cite-1).
    let p3 = element_by_id(&html, "p3").unwrap();
    let asides: Vec<&str> = elements_with_class(p3, "cited-by");
    assert_eq!(asides.len(), 1, "{p3}");
    assert!(asides[0].starts_with("<aside"), "{}", asides[0]);
    let links = hrefs(asides[0]);
    assert!(
        links.contains(&"/concerns/citing/#cite-1".to_string()),
        "{links:?}"
    );
    assert!(
        links.contains(&"/articles/art/#cite-1".to_string()),
        "{links:?}"
    );
    let t = text(asides[0]);
    assert!(
        t.contains("Citing page") && t.contains("The article"),
        "{t}"
    );
    // The "Cited by" list is beside the text, not in it.
    let para_text = elements_with_class(p3, "para-text")[0];
    assert!(!para_text.contains("cited-by"));
    // ¶6 is cited by the other concern only; ¶1 and ¶2 by nobody.
    let p6 = element_by_id(&html, "p6").unwrap();
    let links6 = hrefs(elements_with_class(p6, "cited-by")[0]);
    assert_eq!(
        links6
            .iter()
            .filter(|h| h.contains("#cite-"))
            .collect::<Vec<_>>(),
        ["/concerns/other/#cite-3"]
    );
    for n in [1, 2] {
        let p = element_by_id(&html, &format!("p{n}")).unwrap();
        assert!(elements_with_class(p, "cited-by").is_empty(), "p{n}: {p}");
    }
    // On the other letter: ¶3 is cited by the citing page's second citation.
    let b = site.read("sources/letter-b/index.html");
    let p3b = element_by_id(&b, "p3").unwrap();
    assert!(
        hrefs(elements_with_class(p3b, "cited-by")[0])
            .contains(&"/concerns/citing/#cite-2".to_string())
    );
}

#[test]
fn templates_get_each_source_paragraph_with_its_citers() {
    let site = render_site(&[(
        "layouts/sources.html",
        "{% for p in page.paragraphs %}[{{ p.number }}|{{ p.text }}|{% for c in p.cited_by %}{{ c.url }} {% endfor %}]{% endfor %}",
    )]);
    site.build_ok();
    let out = unescape(&site.read("sources/letter-b/index.html"));
    assert_eq!(
        out,
        "[1|To whom it may concern,|][2|The Convention lacks safeguards for human rights.|/concerns/other/#cite-2 ][3|Please reconsider.|/concerns/citing/#cite-2 /concerns/other/#cite-1 ]"
    );
}

// --- backlinks --------------------------------------------------------------------------------

fn backlink_hrefs(html: &str) -> Vec<String> {
    let lists = elements_with_class(html, "backlinks");
    assert!(!lists.is_empty(), "no element with class backlinks");
    lists.iter().flat_map(|l| hrefs(l)).collect()
}

#[test]
fn pages_list_the_pages_that_link_to_or_cite_them() {
    let site = built();
    // The citing page is linked from the home page and from the article.
    let citing = backlink_hrefs(&site.read("concerns/citing/index.html"));
    assert!(citing.contains(&"/".to_string()), "{citing:?}");
    assert!(citing.contains(&"/articles/art/".to_string()), "{citing:?}");
    assert!(
        !citing.contains(&"/concerns/citing/".to_string()),
        "not itself"
    );
    // The article is linked from both concerns.
    let art = backlink_hrefs(&site.read("articles/art/index.html"));
    assert!(art.contains(&"/concerns/citing/".to_string()), "{art:?}");
    assert!(art.contains(&"/concerns/other/".to_string()), "{art:?}");
    // A letter is cited (not linked) by the concerns and the article.
    let letter = backlink_hrefs(&site.read("sources/letter-a/index.html"));
    for h in ["/concerns/citing/", "/concerns/other/", "/articles/art/"] {
        assert!(
            letter.contains(&h.to_string()),
            "{h} missing from {letter:?}"
        );
    }
}

#[test]
fn templates_get_the_backlinks_in_their_context() {
    let site = render_site(&[(
        "layouts/page.html",
        "{% for b in page.backlinks %}[{{ b.url }}]{% endfor %}",
    )]);
    site.build_ok();
    assert_eq!(
        unescape(&site.read("articles/art/index.html")),
        "[/concerns/citing/][/concerns/other/]"
    );
}

// --- the matrix -------------------------------------------------------------------------------

/// The cells (`th` and `td`) of a table row, in order.
fn cells(row: &str) -> Vec<&str> {
    let mut out = vec![];
    let mut i = row.find('>').map(|i| i + 1).unwrap_or(0);
    while i < row.len() {
        let rest = &row[i..];
        if (rest.starts_with("<td") || rest.starts_with("<th"))
            && rest[3..].starts_with(|c: char| c.is_whitespace() || c == '>')
        {
            let cell = element_at(row, i);
            out.push(cell);
            i += cell.len();
        } else {
            i += rest.chars().next().map(char::len_utf8).unwrap_or(1);
        }
    }
    out
}

/// In the matrix tables of `html`, the cell in the row that links to `row_href` and the
/// column whose header links to `col_href`.
fn matrix_cell<'a>(html: &'a str, row_href: &str, col_href: &str) -> &'a str {
    let tables: Vec<&str> = elements(html, "table")
        .into_iter()
        .filter(|t| has_class(t, "matrix"))
        .collect();
    assert!(!tables.is_empty(), "no <table class=\"matrix\">");
    for t in tables {
        let rows = elements(t, "tr");
        let Some(col) = rows.iter().find_map(|r| {
            cells(r)
                .iter()
                .position(|c| c.starts_with("<th") && hrefs(c).iter().any(|h| h == col_href))
        }) else {
            continue;
        };
        let row = rows
            .iter()
            .find(|r| {
                cells(r)
                    .first()
                    .is_some_and(|c| hrefs(c).iter().any(|h| h == row_href))
            })
            .unwrap_or_else(|| panic!("no row for {row_href}"));
        return cells(row)
            .get(col)
            .unwrap_or_else(|| panic!("row {row_href} has no column {col}"));
    }
    panic!("no matrix column for {col_href}");
}

/// The count a matrix cell shows: its `data-count`, else the first number in its text.
fn count_in(cell: &str) -> usize {
    if let Some(n) = attr(cell, "data-count") {
        return n.parse().unwrap();
    }
    text(cell)
        .split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .unwrap_or(0)
}

#[test]
fn matrix_counts_each_letters_citations_per_concern() {
    let site = built();
    let html = site.read("matrix/index.html");
    // The citing page cites letter-a three times (¶3 twice, the whole letter once) and
    // letter-b once; the other concern cites letter-b twice and letter-a once.
    for (concern, letter, count) in [
        ("/concerns/citing/", "/sources/letter-a/", 3),
        ("/concerns/citing/", "/sources/letter-b/", 1),
        ("/concerns/other/", "/sources/letter-a/", 1),
        ("/concerns/other/", "/sources/letter-b/", 2),
    ] {
        let cell = matrix_cell(&html, concern, letter);
        assert_eq!(count_in(cell), count, "{concern} × {letter}: {cell}");
    }
    // A cell links to the cited paragraphs.
    let cell = matrix_cell(&html, "/concerns/other/", "/sources/letter-b/");
    let links = hrefs(cell);
    assert!(
        links.contains(&"/sources/letter-b/#p3".to_string()),
        "{links:?}"
    );
    assert!(
        links.contains(&"/sources/letter-b/#p2".to_string()),
        "{links:?}"
    );
}

/// The links in the row of the articles table (one row per concern, its articles listed
/// in one cell, so the table fits a phone) whose first cell links to `row_href`.
fn articles_row_links(html: &str, row_href: &str) -> Vec<String> {
    let table = elements(html, "table")
        .into_iter()
        .find(|t| has_class(t, "matrix-articles"))
        .expect("no <table class=\"matrix matrix-articles\">");
    let row = elements(table, "tr")
        .into_iter()
        .find(|r| {
            cells(r)
                .first()
                .is_some_and(|c| hrefs(c).iter().any(|h| h == row_href))
        })
        .unwrap_or_else(|| panic!("no row for {row_href}"));
    cells(row)[1..].iter().flat_map(|c| hrefs(c)).collect()
}

#[test]
fn matrix_marks_the_articles_a_concern_links_to() {
    let site = built();
    let html = site.read("matrix/index.html");
    // Both concerns link to the article; add a concern that does not.
    assert!(articles_row_links(&html, "/concerns/other/").contains(&"/articles/art/".to_string()));
    let site2 = render_site(&[(
        "content/concerns/citing.md",
        &format!("{CITING_FRONT}First [@letter-a \"criminal intent\"]. No link to the article.\n"),
    )]);
    site2.build_ok();
    let html2 = site2.read("matrix/index.html");
    assert!(
        !articles_row_links(&html2, "/concerns/citing/").contains(&"/articles/art/".to_string()),
        "a concern that does not link to the article lists it"
    );
    assert_eq!(
        articles_row_links(&html2, "/concerns/other/"),
        articles_row_links(&html, "/concerns/other/"),
        "the same relation renders the same cell"
    );
}

#[test]
fn templates_get_the_matrix() {
    let site = render_site(&[(
        "layouts/matrix.html",
        "{% for row in site.matrix.rows %}[{{ row.topic.url }}|{% for c in row.sources %}{{ c.count }},{% endfor %}|{% for a in row.subjects %}{% if a %}Y{% else %}N{% endif %},{% endfor %}]{% endfor %}",
    )]);
    site.build_ok();
    assert_eq!(
        unescape(&site.read("matrix/index.html")),
        "[/concerns/citing/|3,1,|Y,][/concerns/other/|1,2,|Y,]"
    );
}

#[test]
fn element_ids_are_unique_on_every_page() {
    // Headings an editor may well write ("Main", "References") must not collide with the
    // ids the theme uses (the skip link's target, the References list).
    let site = render_site(&[(
        "content/concerns/other.md",
        "---\ntitle: Other concern\n---\n## Main\n\nIt cites [@letter-b \"Please reconsider\"] and links [the article](../articles/art.md).\n\n## References\n\nSee [@letter-b#p2].\n",
    )]);
    site.build_ok();
    for (path, bytes) in snapshot(&site.public()) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes.unwrap()).unwrap();
        let mut ids: Vec<String> = tags_with(&html, " id=\"")
            .into_iter()
            .filter_map(|s| attr(&html[s..], "id"))
            .collect();
        ids.sort();
        let dupes: Vec<&String> = ids
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| &w[0])
            .collect();
        assert!(dupes.is_empty(), "{path} has duplicate ids: {dupes:?}");
    }
}

// --- the output contract -------------------------------------------------------------------

#[test]
fn production_output_has_no_inline_scripts_or_styles() {
    let site = built();
    for (path, bytes) in snapshot(&site.public()) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes.unwrap()).unwrap();
        assert!(!html.contains("style=\""), "{path} has an inline style");
        for s in elements(&html, "script") {
            assert!(
                attr(s, "src").is_some() && s.ends_with("></script>"),
                "{path} has an inline script: {s}"
            );
        }
    }
}

#[test]
fn a_letter_raises_a_concern_by_what_its_own_section_cites() {
    let own = LETTER_A.replace(
        "kind: letter\n",
        "own_section: What the writers say\nkind: letter\n",
    );
    let citing = format!(
        "{CITING_FRONT}## In short\n\nThe writers worry [@letter-a#p6].\n\n## What the writers say\n\nThey say it [@letter-a#p3].\n\n### In detail\n\nMore [@letter-a \"criminal intent\"].\n\n## Where they differ\n\nTheir closest point [@letter-a#p2].\n"
    );
    let site = render_site(&[
        ("content/sources/letter-a.md", &own),
        ("content/concerns/citing.md", &citing),
    ]);
    site.build_ok();
    let html = site.read("matrix/index.html");
    // Only what the writers' own section (to the next heading of its level) cites is
    // raising the concern; every citation on the page is counted.
    let cell = matrix_cell(&html, "/concerns/citing/", "/sources/letter-a/");
    assert!(text(cell).contains("Raises it"), "{cell}");
    let links = hrefs(cell);
    assert!(
        links.contains(&"/sources/letter-a/#p3".to_string()),
        "{links:?}"
    );
    assert!(
        !links.contains(&"/sources/letter-a/#p6".to_string()),
        "{links:?}"
    );
    assert!(
        !links.contains(&"/sources/letter-a/#p2".to_string()),
        "{links:?}"
    );
    assert_eq!(count_in(cell), 4, "{cell}");
    // A page without that section cites the letter but does not raise it.
    let cell = matrix_cell(&html, "/concerns/other/", "/sources/letter-a/");
    assert!(text(cell).contains("Does not raise it"), "{cell}");
    assert!(hrefs(cell).is_empty(), "{cell}");
    assert_eq!(count_in(cell), 1, "{cell}");
    // A letter that names no section raises a concern by any paragraph cited.
    let cell = matrix_cell(&html, "/concerns/other/", "/sources/letter-b/");
    assert!(text(cell).contains("Raises it"), "{cell}");
}
