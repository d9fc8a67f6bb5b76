//! Issue 13: a build in a warm session (serve's) keeps the search index shards the last
//! build wrote when nothing they are built from changed, and builds them afresh otherwise;
//! either way the output is what a clean build writes. A one-off build keeps nothing of the
//! output folder (Hardening 3, item 23: it may have been edited since; see
//! `tests/output_safety.rs`), so each site here is built in a warm session of its own.

mod common;

use common::*;

fn site() -> Site {
    Site::new(&[
        (
            "content/_index.md",
            &page("Home", "Welcome. See [the water page](water.md).\n"),
        ),
        (
            "content/water.md",
            &page("Water", "The water level rose in one winter.\n"),
        ),
    ])
}

thread_local! {
    /// One warm session per site folder, as serve keeps one.
    static SESSIONS: std::cell::RefCell<std::collections::HashMap<std::path::PathBuf, explainer::Session>> =
        Default::default();
}

/// Builds `site` in its own warm session.
fn build(site: &Site) -> explainer::BuildReport {
    SESSIONS.with(|all| {
        let mut all = all.borrow_mut();
        let session = all
            .entry(site.path().to_path_buf())
            .or_insert_with(explainer::Session::warm);
        explainer::build_in(&explainer::BuildOptions::new(site.path()), session)
            .unwrap_or_else(|d| panic!("build failed:\n{d}"))
    })
}

#[test]
fn the_index_is_kept_only_while_nothing_it_reads_changes() {
    let s = site();
    assert!(
        !build(&s).search_index_kept(),
        "a clean build indexes everything"
    );
    let first = snapshot(&s.public());
    assert!(first.keys().any(|k| k.starts_with("pagefind/")));
    assert!(build(&s).search_index_kept(), "nothing changed");
    assert_same_tree(
        &first,
        &snapshot(&s.public()),
        "public/ after a build that kept the index",
    );

    s.write(
        "content/water.md",
        &page("Water", "The river froze in one winter.\n"),
    );
    assert!(!build(&s).search_index_kept(), "an indexed page changed");
    // The index is what a clean build of the same site writes.
    let fresh = Site::new(&[]);
    for rel in ["content/_index.md", "content/water.md"] {
        fresh.write(rel, &std::fs::read_to_string(s.path().join(rel)).unwrap());
    }
    build(&fresh);
    let index = |t: std::collections::BTreeMap<String, Option<Vec<u8>>>| {
        t.into_iter()
            .filter(|(k, _)| k.starts_with("pagefind"))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(
        index(snapshot(&s.public())),
        index(snapshot(&fresh.public())),
        "the rebuilt index equals a clean build's"
    );
}

#[test]
fn a_link_in_the_old_index_folder_is_never_read() {
    let s = site();
    build(&s);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        s.public().join("pagefind/secret.txt"),
    )
    .unwrap();
    // A one-off build, whose output folder anyone may have changed.
    assert!(
        !s.lib_build().search_index_kept(),
        "a folder with a link is not reused"
    );
    assert!(!s.public().join("pagefind/secret.txt").exists());
}

/// A site of `pages` pages whose index is split into shards of about two pages.
fn sharded_site(pages: usize) -> Site {
    let s = Site::new(&[
        (
            "explainer.toml",
            &format!("{CONFIG}search_shard_pages = 2\n"),
        ),
        ("content/_index.md", &page("Home", "Welcome.\n")),
    ]);
    for n in 0..pages {
        s.write(
            &format!("content/p{n}.md"),
            &page(
                &format!("Page {n}"),
                &format!("Page {n} is about rivers.\n"),
            ),
        );
    }
    s
}

/// `s`'s content built afresh into a new site folder: the output a clean build gives.
fn clean_build_of(s: &Site) -> std::collections::BTreeMap<String, Option<Vec<u8>>> {
    let fresh = Site::new(&[]);
    for (rel, bytes) in snapshot(&s.path().join("content")) {
        if let Some(bytes) = bytes {
            fresh.write(
                &format!("content/{rel}"),
                &String::from_utf8(bytes).unwrap(),
            );
        }
    }
    fresh.write(
        "explainer.toml",
        &std::fs::read_to_string(s.path().join("explainer.toml")).unwrap(),
    );
    build(&fresh);
    snapshot(&fresh.public())
}

fn shards_listed(s: &Site) -> Vec<String> {
    serde_json::from_str(&s.read("pagefind/explainer-shards.json")).unwrap()
}

#[test]
fn a_change_rebuilds_only_the_shard_of_the_page_that_changed() {
    let s = sharded_site(9);
    let first = build(&s);
    // 10 pages in shards of 2: 8 shards, the first at pagefind/, each with its own key.
    assert_eq!(
        first.search_shards,
        (8, 8),
        "a clean build indexes every shard"
    );
    let listed = shards_listed(&s);
    assert_eq!(listed.len(), 7, "{listed:?}");
    for dir in &listed {
        assert!(s.exists(&format!("pagefind/{dir}pagefind-entry.json")));
        assert!(s.exists(&format!("pagefind/{dir}explainer-index-key.txt")));
        assert!(!s.exists(&format!("pagefind/{dir}pagefind.js")));
    }
    assert_eq!(build(&s).search_shards, (8, 0), "nothing changed");

    s.write("content/p3.md", &page("Page 3", "Page 3 is about lakes.\n"));
    let report = build(&s);
    assert_eq!(report.search_shards, (8, 1), "one page changed");
    assert!(!report.search_index_kept());
    assert_same_tree(
        &clean_build_of(&s),
        &snapshot(&s.public()),
        "public/ after one shard was rebuilt",
    );
}

#[test]
fn a_site_that_doubles_is_split_anew_and_equals_a_clean_build() {
    let s = sharded_site(3);
    assert_eq!(build(&s).search_shards, (2, 2));
    for n in 3..7 {
        s.write(
            &format!("content/p{n}.md"),
            &page(&format!("Page {n}"), "New.\n"),
        );
    }
    assert_eq!(build(&s).search_shards, (4, 4), "every page may have moved");
    assert_same_tree(
        &clean_build_of(&s),
        &snapshot(&s.public()),
        "public/ after the site doubled",
    );
    s.remove("content/p6.md");
    s.remove("content/p5.md");
    s.remove("content/p4.md");
    s.remove("content/p3.md");
    let shrunk = build(&s);
    assert_eq!(shrunk.search_shards.0, 2);
    assert_same_tree(
        &clean_build_of(&s),
        &snapshot(&s.public()),
        "public/ after the site halved",
    );
}

#[test]
fn a_shard_with_a_link_is_built_again() {
    let s = sharded_site(9);
    build(&s);
    let dir = shards_listed(&s).pop().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        s.public()
            .join(format!("pagefind/{dir}fragment/secret.txt")),
    )
    .unwrap();
    let report = s.lib_build();
    assert_eq!(
        report.search_shards.1, 8,
        "an index folder with a link is not reused"
    );
    assert!(
        !s.public()
            .join(format!("pagefind/{dir}fragment/secret.txt"))
            .exists()
    );
}
