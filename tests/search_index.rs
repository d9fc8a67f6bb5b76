//! Issue 13: a build keeps the search index the last one wrote when nothing it is built
//! from changed, and builds it afresh otherwise; either way the output is what a clean
//! build writes.

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

fn build(site: &Site) -> explainer::BuildReport {
    site.lib_build()
}

#[test]
fn the_index_is_kept_only_while_nothing_it_reads_changes() {
    let s = site();
    assert!(
        !build(&s).search_index_kept,
        "a clean build indexes everything"
    );
    let first = snapshot(&s.public());
    assert!(first.keys().any(|k| k.starts_with("pagefind/")));
    assert!(build(&s).search_index_kept, "nothing changed");
    assert_same_tree(
        &first,
        &snapshot(&s.public()),
        "public/ after a build that kept the index",
    );

    s.write(
        "content/water.md",
        &page("Water", "The river froze in one winter.\n"),
    );
    assert!(!build(&s).search_index_kept, "an indexed page changed");
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
    assert!(
        !build(&s).search_index_kept,
        "a folder with a link is not reused"
    );
    assert!(!s.public().join("pagefind/secret.txt").exists());
}
