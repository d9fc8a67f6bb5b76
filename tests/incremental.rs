//! `serve`'s incremental builds (cached parses, pages kept when nothing they depend on
//! changed, only changed files written) must leave exactly what a fresh build would: same
//! files, same bytes, nothing stale. Each kind of edit an editor makes is tried in turn,
//! and the build must also actually keep pages (or the test would pass by rendering all).

use explainer::{BuildOptions, Session, build, build_in};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

struct Live {
    dir: tempfile::TempDir,
    site: PathBuf,
    live: PathBuf,
    cache: Session,
    /// The queries the engine ran (not reused) in the last [`Live::check`], once
    /// recording is on.
    ran: Vec<String>,
}

impl Live {
    fn new(files: &[(&str, &str)]) -> Live {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        for (rel, text) in files {
            let p = site.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let live = dir.path().join("live");
        let mut l = Live {
            dir,
            site,
            live,
            cache: Session::warm(),
            ran: vec![],
        };
        l.build();
        l
    }

    /// The site of [`files`], built once.
    fn of_files() -> Live {
        let files = files();
        let refs: Vec<(&str, &str)> = files.iter().map(|(r, t)| (*r, t.as_str())).collect();
        Live::new(&refs)
    }

    fn opts(&self) -> BuildOptions {
        BuildOptions {
            out_dir: Some(self.live.clone()),
            ..BuildOptions::new(&self.site)
        }
    }

    fn build(&mut self) -> explainer::BuildReport {
        build_in(&self.opts(), &mut self.cache).unwrap_or_else(|d| panic!("{d}"))
    }

    /// Edits a file, and tells the cache (as `serve`'s watcher does) that it changed.
    fn edit(&mut self, rel: &str, from: &str, to: &str) {
        let p = self.site.join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{rel} has no {from:?}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
        self.cache.note_changed([p]);
    }

    /// Writes (or, with `None`, removes) a file, and tells the cache.
    fn put(&mut self, rel: &str, text: Option<&str>) {
        let p = self.site.join(rel);
        match text {
            Some(t) => {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, t).unwrap();
            }
            None => std::fs::remove_file(&p).unwrap(),
        }
        self.cache.note_changed([p]);
    }

    /// Rebuilds incrementally, compares with a fresh build, and returns how many pages
    /// the incremental build rendered.
    fn check(&mut self, what: &str) -> usize {
        let report = self.build();
        self.ran = self.cache.engine().queries_run();
        let fresh = self.dir.path().join("fresh");
        let _ = std::fs::remove_dir_all(&fresh);
        build(&BuildOptions {
            out_dir: Some(fresh.clone()),
            ..BuildOptions::new(&self.site)
        })
        .unwrap();
        let (a, b) = (tree(&self.live), tree(&fresh));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{what}: the same files"
        );
        for (k, v) in &a {
            assert!(
                v == &b[k],
                "{what}: {k} differs from a fresh build:\n--- incremental\n{}\n--- fresh\n{}",
                String::from_utf8_lossy(v),
                String::from_utf8_lossy(&b[k])
            );
        }
        report.pages_rendered
    }
}

const CONFIG: &str = "title = \"Site\"\nbase_url = \"https://example.org/\"\nsearch = false\n";

fn files() -> Vec<(&'static str, String)> {
    let fm = |t: &str, w: i64, body: &str| format!("---\ntitle: {t}\nweight: {w}\n---\n{body}");
    let mut v = vec![
        ("explainer.toml", CONFIG.to_string()),
        ("content/_index.md", fm("Home", 0, "See [concern a](concerns/a.md) and [the matrix](matrix.md).\n")),
        ("content/matrix.md", "---\ntitle: Matrix\nlayout: matrix\n---\nThe matrix.\n".to_string()),
        ("content/concerns/_index.md", fm("Concerns", 0, "All concerns.\n")),
        ("content/articles/_index.md", fm("Articles", 0, "All articles.\n")),
        ("content/sources/_index.md", fm("Sources", 0, "All sources.\n")),
        (
            "content/sources/letter.md",
            "---\ntitle: The letter\nshort_title: Letter\n---\n\nThe rules are too broad.\n\nWe ask for a narrower text.\n\nSincerely.\n".to_string(),
        ),
        (
            "content/references.yaml",
            "report:\n  title: A report\n  publisher: An institute\n  url: https://example.org/report\n".to_string(),
        ),
        ("content/articles/art-1.md", fm("Article 1", 1, "## Scope\n\nIt covers things. See [concern b](../concerns/b.md).\n")),
        ("content/articles/art-2.md", fm("Article 2", 2, "## Scope\n\nIt covers other things.\n")),
    ];
    for (k, name) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
        let rel: &'static str = Box::leak(format!("content/concerns/{name}.md").into_boxed_str());
        v.push((
            rel,
            fm(
                &format!("Concern {name}"),
                k as i64 + 1,
                "The letter says the rules are too broad [@letter \"rules are too broad\"]. See [Article 1](../articles/art-1.md#scope) and [the report][r].\n\n[r]: ../articles/art-2.md\n\n## More\n\nA report agrees [@report, p. 2].\n",
            ),
        ));
    }
    v
}

#[test]
fn every_kind_of_edit_rebuilds_to_exactly_a_fresh_build() {
    let owned = files();
    let refs: Vec<(&str, &str)> = owned.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let mut s = Live::new(&refs);
    let total = s.build().pages;

    // Nothing changed: nothing is rendered.
    assert_eq!(s.check("after no change"), 0);
    // Told that nothing changed, the build reads no page again, and keeps every one.
    s.cache.note_changed([]);
    assert_eq!(s.check("after a build told nothing changed"), 0);

    // A body edit that changes nothing another page shows: only that page.
    s.edit(
        "content/concerns/c.md",
        "A report agrees",
        "A report, it seems, agrees",
    );
    assert_eq!(s.check("after a body edit"), 1);

    // A new link: the page, and the page it now links to (its backlinks), and the
    // matrix (concern × article) with the pages that show it.
    s.edit(
        "content/concerns/c.md",
        "## More",
        "Also [concern a](a.md).\n\n## More",
    );
    let n = s.check("after adding a link");
    assert!(n > 1 && n < total, "{n} of {total}");

    // A new citation: the page, the source's cited-by, the matrix.
    s.edit(
        "content/concerns/d.md",
        "## More",
        "They ask [@letter \"We ask for a narrower text.\"].\n\n## More",
    );
    let n = s.check("after adding a citation");
    assert!(n > 1 && n < total, "{n} of {total}");

    // A title: everything that shows it (backlinks, lists, neighbours, the matrix).
    s.edit(
        "content/concerns/b.md",
        "title: Concern b",
        "title: Concern B renamed",
    );
    let n = s.check("after a title change");
    assert!(n > 1 && n < total, "{n} of {total}");

    // Order within a section.
    s.edit("content/concerns/f.md", "weight: 6", "weight: 0");
    s.check("after a weight change");

    // A heading (anchors, tables of contents, get_page headings).
    s.edit("content/articles/art-2.md", "## Scope", "## What it covers");
    s.check("after renaming a heading");

    // A source paragraph's words (the passages shown in citing pages' References).
    s.edit(
        "content/sources/letter.md",
        "Sincerely.",
        "Yours sincerely.",
    );
    s.check("after editing a source paragraph");

    // A bibliography entry (the References of the pages that cite it).
    s.edit(
        "content/references.yaml",
        "title: A report",
        "title: A longer report",
    );
    let n = s.check("after editing the bibliography");
    assert!(n >= 6, "every page citing the report: {n}");

    // A template: every page.
    s.put(
        "layouts/page.html",
        Some("{% extends \"base.html\" %}{% block main %}<h1>{{ page.title }}</h1>{{ page.content|safe }}{% endblock %}"),
    );
    assert_eq!(s.check("after adding a template"), total);

    // Settings: every page.
    s.edit(
        "explainer.toml",
        "title = \"Site\"",
        "title = \"Renamed site\"",
    );
    assert_eq!(s.check("after changing the settings"), total);

    // Pages come and go.
    s.put(
        "content/concerns/g.md",
        Some("---\ntitle: Concern g\n---\nSee [concern a](a.md).\n"),
    );
    s.check("after adding a page");
    assert!(s.live.join("concerns/g/index.html").exists());
    s.put("content/concerns/g.md", None);
    s.check("after removing a page");
    assert!(
        !s.live.join("concerns/g").exists(),
        "the removed page's folder is gone"
    );
}

#[test]
fn the_starter_site_rebuilds_to_exactly_a_fresh_build() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    explainer::scaffold::new_site(&site).unwrap();
    let files: Vec<(String, String)> = tree(&site)
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let mut s = Live::new(&refs);
    s.edit(
        "content/concerns/example.md",
        "An example concern",
        "A changed concern",
    );
    s.check("after an edit (search on)");
}

#[test]
fn a_page_kept_from_the_last_build_is_checked_again_when_what_it_points_to_changes() {
    let owned = files();
    let refs: Vec<(&str, &str)> = owned.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let mut s = Live::new(&refs);
    let failing = |s: &mut Live| -> String {
        match build_in(&s.opts(), &mut s.cache) {
            Ok(_) => panic!("the build should fail"),
            Err(d) => d.to_string(),
        }
    };
    // The concern pages link to art-1.md#scope; only art-1.md changes.
    s.edit("content/articles/art-1.md", "## Scope", "## Range");
    let e = failing(&mut s);
    assert!(
        e.contains("concerns/a.md") && e.contains("no heading or anchor `#scope`"),
        "{e}"
    );
    s.edit("content/articles/art-1.md", "## Range", "## Scope");
    s.check("after restoring the heading");
    // The concern pages quote the letter; only the letter changes.
    s.edit(
        "content/sources/letter.md",
        "The rules are too broad.",
        "The rules are wide.",
    );
    let e = failing(&mut s);
    assert!(
        e.contains("concerns/a.md") && e.contains("is not in `letter`"),
        "{e}"
    );
    s.edit(
        "content/sources/letter.md",
        "The rules are wide.",
        "The rules are too broad.",
    );
    s.check("after restoring the letter");
    // A bibliography entry they cite disappears.
    s.edit("content/references.yaml", "report:", "renamed-report:");
    let e = failing(&mut s);
    assert!(e.contains("unknown id `report`"), "{e}");
}

/// A site's own layout may show any part of another page the render offers: a
/// neighbour's summary and date, a backlink's short title, another page's headings
/// through `get_page`, a section's list. Nobody lists these anywhere; the render records
/// what it read, so each edit below re-renders the pages that show what changed.
#[test]
fn a_layout_that_shows_more_of_other_pages_is_rebuilt_from_what_it_read() {
    let mut owned = files();
    owned.push((
        "layouts/page.html",
        concat!(
            "<!doctype html><title>{{ page.title }}</title>",
            "<p>next: {{ page.next.summary if page.next }} {{ page.next.date if page.next }}</p>",
            "<p>back: {% for b in page.backlinks %}{{ b.short }};{% endfor %}</p>",
            "<p>art-1: {% for h in get_page('articles/art-1.md').headings %}{{ h.text }};{% endfor %}</p>",
            "<p>articles: {% for a in sections.articles %}{{ a.title }};{% endfor %}</p>",
            "{{ page.content }}"
        )
        .to_string(),
    ));
    let refs: Vec<(&str, &str)> = owned.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let mut s = Live::new(&refs);
    // b's first paragraph is its summary, which a's layout shows as its next page's.
    s.edit(
        "content/concerns/b.md",
        "The letter says",
        "The letter, we read, says",
    );
    assert!(s.check("after changing a neighbour's summary") >= 2);
    s.edit(
        "content/concerns/b.md",
        "weight: 2",
        "weight: 2\ndate: 2026-01-02",
    );
    s.check("after dating a neighbour");
    // art-1 links to b: b shows art-1's short title among its backlinks.
    s.edit(
        "content/articles/art-1.md",
        "title: Article 1",
        "title: Article 1\nshort_title: Art. 1",
    );
    s.check("after giving a backlink a short title");
    s.edit(
        "content/articles/art-1.md",
        "## Scope",
        "## Scope\n\n## Reach",
    );
    s.check("after adding a heading that get_page shows");
    s.edit(
        "content/articles/art-2.md",
        "title: Article 2",
        "title: Article Two",
    );
    s.check("after renaming a page of a section the layout lists");
    // Nothing shown changed: only the edited page.
    s.edit(
        "content/concerns/f.md",
        "A report agrees",
        "A report, it seems, agrees",
    );
    assert_eq!(s.check("after an edit nobody else shows"), 1);
}

/// The updates page reads every page's change notes, and the print edition every page
/// whole: each is rendered again exactly when what it read changed, and the rebuild is
/// still byte for byte a fresh build.
#[test]
fn the_updates_page_and_the_print_edition_rebuild_when_what_they_read_changes() {
    let mut owned = files();
    for (rel, text) in owned.iter_mut() {
        if *rel == "content/concerns/a.md" {
            *text = text.replacen(
                "weight: 1\n",
                "weight: 1\nchanges:\n  - date: 2026-11-25\n    note: First note.\n",
                1,
            );
        }
    }
    let refs: Vec<(&str, &str)> = owned.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let mut s = Live::new(&refs);
    let updates = |s: &Live| std::fs::read_to_string(s.live.join("updates/index.html")).unwrap();
    assert!(updates(&s).contains("First note."));

    assert_eq!(s.check("after no change"), 0);
    assert!(s.build().extras_rendered.is_empty(), "nothing changed");

    // A body edit: the page and the print edition, which holds it; not the updates page.
    s.edit(
        "content/concerns/c.md",
        "A report agrees",
        "A report, it seems, agrees",
    );
    let report = s.build();
    assert_eq!(report.pages_rendered, 1);
    assert_eq!(report.extras_rendered, ["#print"]);
    s.check("after a body edit");

    // One page's change notes: the updates page too.
    s.edit(
        "content/concerns/c.md",
        "weight: 3\n",
        "weight: 3\nchanges:\n  - date: 2026-12-01\n    note: Second note.\n",
    );
    let report = s.build();
    assert_eq!(report.extras_rendered, ["#updates", "#print"]);
    s.check("after adding a change note");
    let text = updates(&s);
    let (first, second) = (text.find("First note."), text.find("Second note."));
    assert!(second.is_some() && second < first, "newest first:\n{text}");
    assert!(
        std::fs::read_to_string(s.live.join("updates.xml"))
            .unwrap()
            .contains("Second note.")
    );

    // A note edited, and a title the updates page shows.
    s.edit(
        "content/concerns/a.md",
        "First note.",
        "First note, reworded.",
    );
    s.check("after editing a change note");
    assert!(updates(&s).contains("First note, reworded."));
    s.edit(
        "content/concerns/a.md",
        "title: Concern a",
        "title: Concern A renamed",
    );
    s.check("after renaming a page with notes");
    assert!(updates(&s).contains("Concern A renamed"));
}

/// The warnings of a build, as printed, in order.
fn warnings(d: &explainer::Diagnostics) -> Vec<String> {
    let mut v: Vec<String> = d
        .iter()
        .filter(|d| d.severity == explainer::Severity::Warning)
        .map(|d| format!("{}:{:?}: {}", d.file.display(), d.position, d.message))
        .collect();
    v.sort();
    v
}

/// The stale diagnostic of the Queries issue: a warm session kept the warning about a
/// citation beyond an entry's checked places after the entry was widened, and gave none
/// after it was narrowed again. Each rebuild's warnings must be a clean build's.
#[test]
fn a_rebuild_warns_as_a_clean_build_when_an_entrys_checked_places_change() {
    let mut live = Live::of_files();
    let narrow = "  url: https://example.org/report\n  checked_locators: [\"p. 1\"]\n";
    let wide = "  url: https://example.org/report\n  checked_locators: [\"p. 1–5\"]\n";
    live.edit(
        "content/references.yaml",
        "  url: https://example.org/report\n",
        narrow,
    );
    for (step, (from, to)) in [(narrow, wide), (wide, narrow), (narrow, wide)]
        .into_iter()
        .enumerate()
    {
        let before = live.build();
        // Another page is edited too, as in the report: nothing else about the site moves.
        live.edit("content/references.yaml", from, to);
        live.edit("content/concerns/c.md", "## More", "## More");
        let warm = live.build();
        let clean = build(&BuildOptions {
            out_dir: Some(live.dir.path().join("fresh")),
            ..BuildOptions::new(&live.site)
        })
        .unwrap();
        assert_eq!(
            warnings(&warm.diagnostics),
            warnings(&clean.diagnostics),
            "step {step}: the warm build's warnings are a clean build's"
        );
        let beyond = |r: &explainer::BuildReport| {
            warnings(&r.diagnostics).iter().any(|w| w.contains("p. 2"))
        };
        assert_eq!(
            beyond(&warm),
            to == narrow,
            "step {step}: {:?}",
            warnings(&warm.diagnostics)
        );
        assert_ne!(beyond(&before), beyond(&warm), "step {step}");
    }
}

/// How many times `query` ran (rather than was reused) in the last check of `live`.
fn runs(live: &Live, query: &str) -> usize {
    let prefix = format!("{query}(");
    live.ran.iter().filter(|q| q.starts_with(&prefix)).count()
}

/// Parse is a query of the engine: what a file's parse depends on is what it read (its
/// text, and the settings it asked for), recorded as it read them, not a key kept by hand.
#[test]
fn a_rebuild_parses_again_only_what_read_something_that_changed() {
    let mut live = Live::of_files();
    live.cache.engine().record_queries();
    live.edit("content/concerns/c.md", "## More", "## More still");
    live.check("one page's text");
    assert_eq!(
        runs(&live, "parse_file"),
        1,
        "only the edited file is parsed again"
    );
    // A setting no parse reads (the title): nothing is parsed again.
    live.edit(
        "explainer.toml",
        "title = \"Site\"",
        "title = \"Another site\"",
    );
    live.check("the title");
    assert_eq!(runs(&live, "parse_file"), 0);
    // A setting every parse reads (the base path, which links are written under).
    live.edit(
        "explainer.toml",
        "https://example.org/",
        "https://example.org/sub/",
    );
    live.check("the base path");
    assert_eq!(
        runs(&live, "parse_file"),
        files().len() - 2,
        "every Markdown file"
    );
    // Nothing changed: nothing is parsed.
    live.check("nothing");
    assert_eq!(runs(&live, "parse_file"), 0);
}

/// The language server's checks (a warm session, nothing written) keep the pages whose
/// reads are unchanged instead of rendering every page on every keystroke, and still
/// find what a fresh check finds.
#[test]
fn a_warm_check_renders_only_the_pages_whose_reads_changed() {
    let live = Live::of_files();
    let opts = BuildOptions {
        check_only: true,
        ..BuildOptions::new(&live.site)
    };
    let mut session = Session::warm();
    let first = build_in(&opts, &mut session).unwrap();
    assert_eq!(first.pages_rendered, first.pages);
    let again = build_in(&opts, &mut session).unwrap();
    assert_eq!(again.pages_rendered, 0, "nothing changed");
    // A change to one page's text renders that page, and the pages that show it.
    let c = live.site.join("content/concerns/c.md");
    let text = std::fs::read_to_string(&c).unwrap();
    std::fs::write(&c, text.replace("## More", "## More still")).unwrap();
    session.note_changed([c.clone()]);
    let edited = build_in(&opts, &mut session).unwrap();
    assert!(
        edited.pages_rendered >= 1 && edited.pages_rendered < edited.pages,
        "{}",
        edited.pages_rendered
    );
    // A template error in that page is found as a fresh check finds it.
    std::fs::write(&c, text.replace("## More", "{{ nosuch() }}")).unwrap();
    session.note_changed([c]);
    let warm = build_in(&opts, &mut session).unwrap_err();
    let fresh = build(&opts).unwrap_err();
    assert_eq!(warm.to_string(), fresh.to_string());
}

/// Citations are queries of the engine too: a page's are resolved again only when its
/// text, or what citations resolve against (the sources' paragraphs, the bibliography),
/// changed.
#[test]
fn a_rebuild_resolves_again_only_the_citations_whose_reads_changed() {
    let mut live = Live::of_files();
    live.cache.engine().record_queries();
    live.edit("content/concerns/c.md", "## More", "## More still");
    live.check("one page's text");
    assert_eq!(runs(&live, "page_citations"), 1, "only the edited page's");
    assert_eq!(
        runs(&live, "citable_works"),
        0,
        "no source and no entry changed"
    );
    // A source's paragraph: what every citation resolves against.
    live.edit(
        "content/sources/letter.md",
        "a narrower text.",
        "a narrower text now.",
    );
    live.check("a source's paragraph");
    assert_eq!(runs(&live, "citable_works"), 1);
    assert!(runs(&live, "page_citations") > 1);
    // A bibliography entry's checked places (the stale warning of the Queries issue).
    live.edit(
        "content/references.yaml",
        "  url: https://example.org/report\n",
        "  url: https://example.org/report\n  checked_locators: [\"p. 1\"]\n",
    );
    live.check("an entry");
    assert_eq!(runs(&live, "citable_works"), 1);
    // Nothing changed: nothing runs again.
    live.check("nothing");
    assert_eq!(runs(&live, "page_citations"), 0);
    assert_eq!(runs(&live, "citable_works"), 0);
}

/// Link checks are queries of the engine: a page's links are checked again when its text
/// changed, or the anchors of a page it links to, and not when a page it links to changed
/// elsewhere.
#[test]
fn a_rebuild_checks_again_only_the_links_whose_reads_changed() {
    let mut live = Live::of_files();
    // A first edit of a file lowers its durability, and salsa keeps a result as it was
    // (backdates it) only at the same durability or higher: the edits measured are later.
    live.edit(
        "content/articles/art-1.md",
        "It covers things.",
        "It covers some things.",
    );
    live.check("a first edit");
    live.cache.engine().record_queries();
    // Article 1 is linked to (by its #scope) from every concern: its text changes, its
    // anchors do not.
    live.edit(
        "content/articles/art-1.md",
        "It covers some things.",
        "It covers other things.",
    );
    live.check("a linked page's text");
    assert_eq!(
        runs(&live, "page_links"),
        1,
        "only the edited page's own links: {:?}",
        live.ran
    );
    // Its anchors change (a heading added): the pages that link to it are checked again.
    live.edit(
        "content/articles/art-1.md",
        "It covers other things.",
        "It covers other things.\n\n## Reach\n\nFar.",
    );
    live.check("a linked page's anchors");
    assert!(runs(&live, "page_links") >= 7, "{:?}", live.ran);
    live.check("nothing");
    assert_eq!(runs(&live, "page_links"), 0);
}
