//! Issue 21, items 4 and 5, as built: a page's history ("See all updates"), "Last
//! updated" and the sitemap's lastmod from the newest change, the updates page and its
//! feed, the print edition (reading order, ids unique, one References list), the errors a
//! bad `changes:` gives with its position, and collisions with the generated pages.

mod common;
use common::Site;

const LETTER: &str = "---\ntitle: The letter\nshort_title: Letter\n---\n\nThe rules are too broad.\n\nWe ask for a narrower text.\n";
const REFS: &str =
    "report:\n  title: A report\n  publisher: An institute\n  url: https://example.org/report\n";

fn site() -> Site {
    Site::new(&[
        (
            "content/_index.md",
            "---\ntitle: Home\nupdated: 2026-11-01\nchanges:\n  - date: 2026-10-01\n    note: Home first written.\n---\nSee [concern a](concerns/a.md#why). The letter says so [@letter#p1].\n\n## Why\n\nBecause.\n",
        ),
        (
            "content/concerns/_index.md",
            "---\ntitle: Concerns\n---\nAll concerns.\n",
        ),
        (
            "content/concerns/a.md",
            "---\ntitle: Concern A\nweight: 1\nupdated: 2026-11-20\nchanges:\n  - date: 2026-11-25\n    note: Status updated.\n  - date: 2026-11-25\n    note: A second note that day.\n---\nIt is broad [@letter#p1] and a report agrees [@report].\n\n## Why\n\nSee [the top](#why) and [home](../_index.md#why).\n",
        ),
        (
            "content/concerns/b.md",
            "---\ntitle: Concern B\nweight: 2\n---\nA report [@report] and the letter [@letter \"narrower text\"].\n\n## Why\n\nBecause.\n",
        ),
        (
            "content/sources/_index.md",
            "---\ntitle: Sources\n---\nThe sources.\n",
        ),
        ("content/sources/letter.md", LETTER),
        ("content/references.yaml", REFS),
    ])
}

fn between<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no {from:?} in:\n{text}"));
    let rest = &text[start..];
    &rest[..rest.find(to).map_or(rest.len(), |e| e + to.len())]
}

#[test]
fn a_page_shows_its_history_newest_first_and_last_updated_is_the_newest_change() {
    let s = site();
    s.build_ok();
    let a = s.read("concerns/a/index.html");
    assert!(
        a.contains("Last updated <time datetime=\"2026-11-25\">25 November 2026</time>"),
        "{a}"
    );
    let history = between(&a, "<details class=\"page-history\"", "</details>");
    assert!(history.contains("<summary>See all updates"), "{history}");
    let (status, second) = (
        history.find("Status updated."),
        history.find("A second note"),
    );
    assert!(
        status.is_some() && status < second,
        "notes of one day as written:\n{history}"
    );
    // `updated` newer than every change: it is the date shown, and the notes are listed.
    let home = s.read("index.html");
    assert!(
        home.contains("Last updated <time datetime=\"2026-11-01\">"),
        "{home}"
    );
    assert!(home.contains("Home first written."));
    // No notes, no disclosure.
    assert!(!s.read("concerns/b/index.html").contains("page-history"));
    // The sitemap's lastmod is the newest too.
    let sitemap = s.read("sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://example.org/concerns/a/</loc><lastmod>2026-11-25</lastmod>"),
        "{sitemap}"
    );
    assert!(sitemap.contains("<loc>https://example.org/</loc><lastmod>2026-11-01</lastmod>"));
}

#[test]
fn the_updates_page_and_feed_list_every_note_newest_first_each_linking_to_its_page() {
    let s = site();
    s.build_ok();
    let page = s.read("updates/index.html");
    let list = between(&page, "<ol class=\"updates-list\">", "</ol>");
    let items: Vec<&str> = list.split("<li class=\"update\">").skip(1).collect();
    assert_eq!(items.len(), 3, "{list}");
    assert!(items[0].contains("<time datetime=\"2026-11-25\">25 November 2026</time> <a href=\"/concerns/a/\">Concern A</a>: <span class=\"update-note\">Status updated.</span>"), "{}", items[0]);
    assert!(items[1].contains("A second note that day."));
    assert!(
        items[2].contains("<a href=\"/\">Home</a>") && items[2].contains("Home first written.")
    );

    let feed = s.read("updates.xml");
    assert!(feed.contains("<link rel=\"self\" href=\"https://example.org/updates.xml\"/>"));
    assert!(
        feed.contains("  <updated>2026-11-25T00:00:00Z</updated>\n"),
        "{feed}"
    );
    let entries: Vec<&str> = feed.split("<entry>").skip(1).collect();
    assert_eq!(entries.len(), 3);
    assert_eq!(
        entries[0],
        "\n    <title>Concern A</title>\n    <id>https://example.org/concerns/a/#update-2026-11-25-2</id>\n    <link href=\"https://example.org/concerns/a/\"/>\n    <updated>2026-11-25T00:00:00Z</updated>\n    <summary>Status updated.</summary>\n  </entry>\n  "
    );
    // A day's notes are numbered from the oldest (the last written), so that a note
    // added on top of them never takes an older note's id.
    assert!(entries[1].contains("<id>https://example.org/concerns/a/#update-2026-11-25</id>"));
    assert!(entries[2].contains("<id>https://example.org/#update-2026-10-01</id>"));
    // The Atom feed of dated pages takes the newest change as a page's `updated`.
    assert!(
        s.read("updates/index.html")
            .contains("href=\"/updates.xml\"")
    );
    // A third note of that day, added on top as notes are: the others keep their ids.
    let a = std::fs::read_to_string(s.path().join("content/concerns/a.md")).unwrap();
    let a = a.replace(
        "changes:\n",
        "changes:\n  - date: 2026-11-25\n    note: A third note, added later.\n",
    );
    s.write("content/concerns/a.md", &a);
    s.build_ok();
    let feed = s.read("updates.xml");
    let id_of = |note: &str| {
        let entry = feed.split("<entry>").find(|e| e.contains(note)).unwrap();
        let id = between(entry, "<id>", "</id>");
        id.trim_start_matches("<id>")
            .trim_end_matches("</id>")
            .to_string()
    };
    let base = "https://example.org/concerns/a/#update-2026-11-25";
    assert_eq!(id_of("A second note that day."), base);
    assert_eq!(id_of("Status updated."), format!("{base}-2"));
    assert_eq!(id_of("A third note, added later."), format!("{base}-3"));
}

#[test]
fn the_print_edition_gathers_the_pages_in_reading_order_with_one_references_list() {
    let s = site();
    s.build_ok();
    let print = s.read("print/index.html");
    let titles: Vec<&str> = print
        .split("<h2 class=\"print-part-title\"")
        .skip(1)
        .map(|p| {
            between(p, ">", "</h2>")
                .trim_start_matches('>')
                .trim_end_matches("</h2>")
        })
        .collect();
    // Home, then the sections the navigation lists but the sources, index first.
    assert_eq!(titles, ["Home", "Concerns", "Concern A", "Concern B"]);
    // Every id once, and every in-page link lands on one.
    let ids: Vec<&str> = print
        .split(" id=\"")
        .skip(1)
        .map(|r| &r[..r.find('"').unwrap()])
        .collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "an id is given twice: {ids:?}");
    for href in print
        .split(" href=\"#")
        .skip(1)
        .map(|r| &r[..r.find('"').unwrap()])
    {
        assert!(
            ids.contains(&href),
            "#{href} leads nowhere on the print page"
        );
    }
    // Links between gathered pages stay on the print page: "#why" of a, "home#why".
    let a = between(&print, "id=\"s3\"", "</section>");
    assert!(a.contains("<a href=\"#s3-why\">the top</a>"), "{a}");
    assert!(a.contains("<a href=\"#s1-why\">home</a>"), "{a}");
    // One list: the letter's ¶1 (cited on two pages) and the report once each.
    let refs = between(&print, "<ol class=\"reference-list\">", "</ol>");
    assert_eq!(refs.matches("<li id=\"ref-").count(), 3, "{refs}");
    assert!(refs.contains("<li id=\"ref-1\" class=\"reference reference-source\" data-source=\"letter\" data-short=\"Letter\" data-para=\"1\">"));
    assert!(refs.contains("data-permalink=\"https://example.org/sources/letter/#p1\""));
    assert!(refs.contains("<li id=\"ref-2\" class=\"reference reference-entry\""));
    // Concern A cites ¶1 (reference 1 everywhere) and the report (2); B's letter quote is 3.
    assert!(
        a.contains("href=\"#ref-1\"") && a.contains("href=\"#ref-2\""),
        "{a}"
    );
    let b = between(&print, "id=\"s4\"", "</section>");
    assert!(
        b.contains("href=\"#ref-2\"") && b.contains("href=\"#ref-3\""),
        "{b}"
    );
    // Back-links from a reference go to each use, on its part of the page.
    let first = between(refs, "<li id=\"ref-1\"", "</li>");
    assert_eq!(
        first.matches("href=\"#s1-cite-").count() + first.matches("href=\"#s3-cite-").count(),
        2,
        "{first}"
    );
    // Not in the search index twice: the print page is not marked for it.
    assert!(!print.contains("data-pagefind-body"));
}

#[test]
fn a_content_page_at_a_generated_address_is_a_collision() {
    let s = site();
    s.write("content/updates.md", "---\ntitle: My updates\n---\nMine.\n");
    let r = s.build_fails();
    assert!(r.stderr.contains("updates/index.html"), "{}", r.stderr);
    assert!(
        r.stderr.contains("the generated updates page"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_bad_change_note_fails_the_build_at_its_line() {
    let s = site();
    s.write(
        "content/concerns/b.md",
        "---\ntitle: Concern B\nchanges:\n  - date: 2026-11-31\n    note: Bad day.\n---\nBody.\n",
    );
    let r = s.build_fails();
    assert!(
        r.stderr.contains("content/concerns/b.md:4:5"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("the `date` of change 1 is `2026-11-31`, which is not a date"),
        "{}",
        r.stderr
    );
}
