//! Issue 10, items 7, 8 and 11: what a build may publish. Nothing from outside the site
//! folder, one source for every output file, and only file names that make working web
//! addresses. Each refusal is an error that names the path, and public/ stays as it was.

mod common;

use common::*;
use std::os::unix::fs::symlink;

fn site() -> Site {
    two_page_site(&[])
}

/// Item 7: a link out of the site folder is an error naming it, never published.
#[test]
fn a_link_to_a_file_outside_the_site_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("passwd"), "root:x:0:0\n").unwrap();
    let site = site();
    site.build_ok();
    symlink(
        outside.path().join("passwd"),
        site.path().join("content/passwd"),
    )
    .unwrap();
    let err = site.build_fails_untouched();
    assert!(
        err.contains("content/passwd: error: this is a link to")
            && err.contains("which is outside content/"),
        "{err}"
    );
    assert!(!site.exists("passwd"));

    // The same for a folder, and for layouts/.
    std::fs::remove_file(site.path().join("content/passwd")).unwrap();
    symlink(outside.path(), site.path().join("content/elsewhere")).unwrap();
    let err = site.build_fails_untouched();
    assert!(
        err.contains("content/elsewhere: error: this is a link to"),
        "{err}"
    );
    std::fs::remove_file(site.path().join("content/elsewhere")).unwrap();
    std::fs::create_dir_all(site.path().join("layouts/static")).unwrap();
    symlink(
        outside.path().join("passwd"),
        site.path().join("layouts/static/passwd.txt"),
    )
    .unwrap();
    let err = site.build_fails_untouched();
    assert!(
        err.contains("layouts/static/passwd.txt: error: this is a link to"),
        "{err}"
    );
}

/// Item 7: a link that stays inside content/ is followed (one that leaves it, even for
/// elsewhere in the site folder, is refused since Hardening 3 item 5: see
/// tests/hardening3.rs).
#[test]
fn a_link_inside_content_is_followed() {
    let site = site();
    site.write("content/notes/readme.txt", "inside the site\n");
    symlink("notes/readme.txt", site.path().join("content/readme.txt")).unwrap();
    symlink("notes", site.path().join("content/more-notes")).unwrap();
    site.build_ok();
    assert_eq!(site.read("readme.txt"), "inside the site\n");
    assert_eq!(site.read("more-notes/readme.txt"), "inside the site\n");
}

/// Items 7 and 13: a link that loops, or leads back to a folder that holds it, is an
/// error that says so (it used to say "check that the folder is writable").
#[test]
fn a_link_loop_is_named_as_one() {
    let site = site();
    site.build_ok();
    symlink("loop.txt", site.path().join("content/loop.txt")).unwrap();
    let err = site.build_fails_untouched();
    assert!(
        err.contains("content/loop.txt: error: this link (to loop.txt) loops back on itself"),
        "{err}"
    );
    assert!(!err.contains("writable"), "{err}");
    std::fs::remove_file(site.path().join("content/loop.txt")).unwrap();
    symlink(".", site.path().join("content/again")).unwrap();
    let err = site.build_fails_untouched();
    assert!(
        err.contains("content/again: error: this link leads back to"),
        "{err}"
    );
    std::fs::remove_file(site.path().join("content/again")).unwrap();
    symlink("nowhere.txt", site.path().join("content/dangling.txt")).unwrap();
    let err = site.build_fails_untouched();
    assert!(
        err.contains(
            "content/dangling.txt: error: this link leads to nowhere.txt, which does not exist"
        ),
        "{err}"
    );
}

/// Item 8: a file in content/ may not overwrite what the build generates, nor a page.
#[test]
fn two_writers_of_one_output_path_are_an_error_naming_both() {
    let site = site();
    site.build_ok();
    for (file, other) in [
        ("content/index.html", "content/_index.md"),
        ("content/sitemap.xml", "the generated sitemap.xml"),
        ("content/about/index.html", "content/about.md"),
        ("content/robots.txt", "the generated robots.txt"),
    ] {
        site.write(file, "<p>mine</p>");
        let err = site.build_fails_untouched();
        assert!(
            err.contains(&format!(
                "{file}: error: {file} and {other} would both write public/"
            )),
            "{file}: {err}"
        );
        assert!(err.contains("help: rename or move one of the two"), "{err}");
        site.remove(file);
    }
    // A file where a page needs a folder.
    std::fs::remove_dir(site.path().join("content/about")).unwrap();
    site.write("content/about", "plain");
    let err = site.build_fails_untouched();
    assert!(
        err.contains("content/about.md and content/about would both write"),
        "{err}"
    );
}

/// Issue 13: the search index's folder is the index's alone. A page or file in it would
/// be read back as part of the index by the next build that keeps a shard.
#[test]
fn nothing_else_may_write_into_the_search_index_folder() {
    for file in ["content/pagefind/about.md", "content/PageFind/notes.txt"] {
        let site = site();
        site.build_ok();
        site.write(file, &page("About", "Text [home](../_index.md).\n"));
        let err = site.build_fails_untouched();
        assert!(
            err.contains(&format!(
                "{file}: error: {file} and the search index would both write in the same place public/pagefind"
            )),
            "{file}: {err}"
        );
        // Without search the folder is free.
        let config = std::fs::read_to_string(site.path().join("explainer.toml")).unwrap();
        site.write("explainer.toml", &format!("search = false\n{config}"));
        site.build_ok();
    }
}

/// Item 11: names that break web addresses are refused, each with the path.
#[test]
fn file_names_that_break_urls_are_refused() {
    for name in [
        "a#b.md",
        "a?b.md",
        "100%.md",
        "a%2e%2e.md",
        "my page.md",
        "a b.pdf",
    ] {
        let site = site();
        site.build_ok();
        site.write(&format!("content/{name}"), &page("X", "Text.\n"));
        let err = site.build_fails_untouched();
        assert!(
            err.contains(&format!("content/{name}: error: the name `{name}` has")),
            "{name}: {err}"
        );
        assert!(err.contains("breaks its web address"), "{err}");
        assert!(err.contains("help: rename it"), "{err}");
    }
    // A folder name too.
    let site = site();
    site.write("content/my notes/a.md", &page("X", "Text.\n"));
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/my notes: error: the name `my notes` has ' '"),
        "{err}"
    );
}

/// Item 11: two names that differ only in case collide on macOS and Windows.
#[test]
fn names_that_differ_only_in_case_collide() {
    let site = site();
    site.write(
        "content/Dup.md",
        &page("Upper", "Text [home](_index.md).\n"),
    );
    site.write(
        "content/dup.md",
        &page("Lower", "Text [home](_index.md).\n"),
    );
    let err = site.build_fails().stderr;
    assert!(
        err.contains("content/dup.md: error: content/dup.md and content/Dup.md would both write (on a disk that ignores case) public/dup/index.html"),
        "{err}"
    );
}
