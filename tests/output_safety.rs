//! Issue 10, items 1-4: the output folder. A build never deletes or swallows the site's
//! own files, never turns a file into a folder, says truthfully what happened to the old
//! output, and never publishes a site without a home page.

mod common;

use common::*;
use std::path::Path;

fn small_site() -> Site {
    Site::new(&[
        (
            "content/_index.md",
            &page("Home", "See [the page](page.md).\n"),
        ),
        (
            "content/page.md",
            &page("A page", "Back [home](_index.md).\n"),
        ),
        ("layouts/extra.html", "{{ page.title }}"),
    ])
}

/// Runs `explainer <args>` in `dir` and returns what it did.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    Run::from(
        explainer()
            .current_dir(dir)
            .args(args)
            .output()
            .expect("run explainer"),
    )
}

/// Item 1: an output folder that is the site, holds it, or lies inside content/ or
/// layouts/ is refused before anything is touched.
#[test]
fn output_folder_that_overlaps_the_site_is_refused() {
    let site = small_site();
    let before = snapshot(site.path());
    let abs = site.path().display().to_string();
    let parent = site.path().parent().unwrap().display().to_string();
    for out in [
        "content".to_string(),
        "content/out".to_string(),
        "layouts".to_string(),
        "layouts/site".to_string(),
        ".".to_string(),
        abs.clone(),
        format!("{abs}/content/../content"),
        parent,
    ] {
        let r = run_in(site.path(), &["build", ".", "--out", &out]);
        assert_eq!(
            r.code,
            Some(1),
            "--out {out} should be refused:\n{}{}",
            r.stdout,
            r.stderr
        );
        assert!(
            r.stderr.contains("error:") && r.stderr.contains("help:"),
            "--out {out}: no error with help:\n{}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("was left as it was") || r.stderr.contains("nothing was written"),
            "{}",
            r.stderr
        );
        assert_same_tree(
            &before,
            &snapshot(site.path()),
            &format!("the site after --out {out}"),
        );
    }
    // A sibling folder is fine.
    let sibling = tempfile::tempdir().unwrap();
    let target = sibling.path().join("out");
    let r = run_in(
        site.path(),
        &["build", ".", "--out", target.to_str().unwrap()],
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(target.join("index.html").is_file());
}

/// Item 2: an existing file as the output is refused, and stays a file.
#[test]
fn output_that_is_a_file_is_refused_and_left_alone() {
    let site = small_site();
    site.write("notes.txt", "my notes\n");
    let before = snapshot(site.path());
    let r = run_in(site.path(), &["build", ".", "--out", "notes.txt"]);
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("notes.txt"), "{}", r.stderr);
    assert!(r.stderr.contains("not a folder"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(site.path().join("notes.txt")).unwrap(),
        "my notes\n"
    );
    assert_same_tree(
        &before,
        &snapshot(site.path()),
        "the site after --out notes.txt",
    );
}

/// Makes `dir` impossible to empty: immutable for root (chattr), read-only otherwise.
fn lock(dir: &Path) -> bool {
    let chattr = std::process::Command::new("chattr")
        .arg("+i")
        .arg(dir)
        .status();
    if chattr.is_ok_and(|s| s.success()) {
        return true;
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).is_ok()
}

fn unlock(dir: &Path) {
    let _ = std::process::Command::new("chattr")
        .arg("-i")
        .arg(dir)
        .status();
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
}

/// Item 3: when the old output cannot be removed after the new one is in place, the build
/// says so, names where the old copy is, and never claims the old output is intact.
#[test]
fn a_previous_output_that_cannot_be_removed_is_reported_truthfully() {
    let site = small_site();
    site.build_ok();
    let stuck = site.public().join("stuck");
    std::fs::create_dir_all(&stuck).unwrap();
    std::fs::write(stuck.join("file.txt"), "old").unwrap();
    assert!(lock(&stuck), "cannot make a folder that resists removal");
    site.write(
        "content/page.md",
        &page("A new title", "Back [home](_index.md).\n"),
    );
    let r = site.run(&["build"]);
    let leftover: Vec<String> = entries(site.path())
        .into_iter()
        .filter(|e| e.starts_with(".public"))
        .collect();
    for l in &leftover {
        unlock(&site.path().join(l).join("stuck"));
    }
    unlock(&stuck);
    assert!(
        !r.stderr.contains("left as it was"),
        "claims the old output is intact:\n{}",
        r.stderr
    );
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(
        site.read("page/index.html").contains("A new title"),
        "the new output is not in place"
    );
    assert_eq!(leftover.len(), 1, "{leftover:?}");
    assert!(
        r.stderr.contains("warning") && r.stderr.contains(&leftover[0]),
        "the warning should name {}:\n{}",
        leftover[0],
        r.stderr
    );
}

/// Item 4: a site without `content/_index.md` is an error, and public/ stays as it was.
#[test]
fn a_site_without_a_home_page_is_an_error() {
    let site = small_site();
    site.build_ok();
    let before = snapshot(&site.public());
    site.remove("content/_index.md");
    let r = site.build_fails();
    assert!(
        r.stderr
            .contains("content/_index.md: error: the site has no home page"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("help:"), "{}", r.stderr);
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after no home page",
    );

    site.remove("content/page.md");
    let r = site.build_fails();
    assert!(r.stderr.contains("no home page"), "{}", r.stderr);
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after an empty content/",
    );
}

/// Item 4: a home page that is a draft is missing from a published build.
#[test]
fn a_home_page_that_is_a_draft_is_missing_from_a_build() {
    let site = small_site();
    site.write(
        "content/_index.md",
        "---\ntitle: Home\ndraft: true\n---\nSee [the page](page.md).\n",
    );
    site.write("content/page.md", &page("A page", "Text.\n"));
    let r = site.build_fails();
    assert!(r.stderr.contains("no home page"), "{}", r.stderr);
    assert!(r.stderr.contains("draft"), "{}", r.stderr);
}
