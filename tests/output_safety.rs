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

/// Hardening 3, items 1 and 2: `--out` at a folder with files that explainer did not write
/// (a source folder, `.git`, someone's documents) is refused, and every file stays.
#[test]
fn a_folder_explainer_did_not_write_is_never_replaced() {
    let site = small_site();
    site.write("src/main.rs", "fn main() {}\n");
    site.write(".git/HEAD", "ref: refs/heads/main\n");
    let docs = tempfile::tempdir().unwrap();
    std::fs::write(docs.path().join("notes.txt"), "my notes\n").unwrap();
    let before = snapshot(site.path());
    let docs_before = snapshot(docs.path());
    for out in ["src", ".git", docs.path().to_str().unwrap()] {
        let r = run_in(site.path(), &["build", ".", "--out", out]);
        assert_eq!(r.code, Some(1), "--out {out}:\n{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr
                .contains("already holds files that explainer did not write")
                && r.stderr.contains("help:")
                && r.stderr.contains("nothing was written"),
            "--out {out}:\n{}",
            r.stderr
        );
        assert_same_tree(&before, &snapshot(site.path()), &format!("--out {out}"));
    }
    assert_same_tree(&docs_before, &snapshot(docs.path()), "the documents folder");
    let r = run_in(
        site.path(),
        &["build", ".", "--out", docs.path().to_str().unwrap()],
    );
    assert!(
        r.stderr.contains("notes.txt"),
        "names what it found:\n{}",
        r.stderr
    );

    // serve --out follows the same rule.
    let r = run_in(site.path(), &["serve", ".", "--port", "0", "--out", "src"]);
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("did not write"), "{}", r.stderr);
    assert_same_tree(&before, &snapshot(site.path()), "serve --out src");
}

/// Hardening 3, item 2: a new, empty or earlier output folder is still a valid `--out`,
/// inside the site too; each build marks its output, and a marked folder is replaced.
#[test]
fn new_empty_and_marked_folders_are_valid_outputs() {
    let site = small_site();
    std::fs::create_dir_all(site.path().join("empty")).unwrap();
    for out in ["empty", "new/deeper", "public"] {
        let r = run_in(site.path(), &["build", ".", "--out", out]);
        assert_eq!(r.code, Some(0), "--out {out}:\n{}{}", r.stdout, r.stderr);
        let dir = site.path().join(out);
        assert!(dir.join("index.html").is_file(), "--out {out}");
        assert!(
            dir.join(".explainer-output").is_file(),
            "--out {out} is marked"
        );
        // Built again, the marked folder is replaced, with no stale file left.
        std::fs::write(dir.join("stale.html"), "old").unwrap();
        let r = run_in(site.path(), &["build", ".", "--out", out]);
        assert_eq!(
            r.code,
            Some(0),
            "--out {out} again:\n{}{}",
            r.stdout,
            r.stderr
        );
        assert!(
            !dir.join("stale.html").exists(),
            "--out {out}: stale file kept"
        );
    }
}

/// Hardening 3, item 2: a `public/` written before outputs were marked is recognised by
/// the files every build wrote, and replaced once; a folder that only looks a little like
/// one is not.
#[test]
fn an_unmarked_output_of_an_older_build_is_replaced() {
    let site = small_site();
    site.build_ok();
    std::fs::remove_file(site.public().join(".explainer-output")).unwrap();
    std::fs::write(site.public().join("stale.html"), "old").unwrap();
    site.build_ok();
    assert!(!site.exists("stale.html"));
    assert!(site.exists(".explainer-output"));

    // An index.html, a sitemap.xml and a citations.json that is not the graph: refused.
    let other = site.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    for f in ["index.html", "sitemap.xml"] {
        std::fs::write(other.join(f), "x").unwrap();
    }
    std::fs::write(other.join("citations.json"), "{\"mine\": 1}").unwrap();
    let r = run_in(site.path(), &["build", ".", "--out", "other"]);
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(other.join("citations.json").is_file());
}

/// The number of a process that has ended.
fn ended_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Hardening 3, item 3: the next build removes the staging and leftover folders of builds
/// that were killed, when they are marked as explainer's and their process is gone; it
/// leaves alone an unmarked folder and one of a process still running.
#[test]
fn staging_folders_of_killed_builds_are_removed_and_only_those() {
    let site = small_site();
    let dead = ended_pid();
    let alive = std::process::id();
    let make = |name: &str, marked: bool| {
        let d = site.path().join(name);
        std::fs::create_dir_all(d.join("concerns")).unwrap();
        std::fs::write(d.join("concerns/index.html"), "half a page").unwrap();
        if marked {
            std::fs::write(d.join(".explainer-output"), "marker").unwrap();
        }
    };
    make(&format!(".public.staging-{dead}"), true);
    make(&format!(".public.old-{dead}"), true);
    make(&format!(".public.staging-{}", dead + 1_000_000), false);
    make(&format!(".public.staging-{alive}"), true);
    make(&format!(".other.staging-{dead}"), true);
    site.build_ok();
    let left: Vec<String> = entries(site.path())
        .into_iter()
        .filter(|e| e.starts_with('.') && e != ".public" && e.contains('-'))
        .collect();
    assert_eq!(
        left,
        vec![
            format!(".other.staging-{dead}"),
            format!(".public.staging-{}", dead + 1_000_000),
            format!(".public.staging-{alive}"),
        ],
        "only the marked folders of ended builds of public/ go"
    );
}

/// Hardening 3, item 3, for real: a build killed with SIGKILL part-way leaves its staging
/// folder, and the next build removes it.
#[test]
fn a_build_killed_part_way_is_cleaned_up_by_the_next() {
    let mut files: Vec<(String, String)> = (0..3000)
        .map(|i| {
            (
                format!("content/p{i}.md"),
                page(&format!("Page {i}"), &"Some words to render. ".repeat(200)),
            )
        })
        .collect();
    files.push(("content/_index.md".into(), page("Home", "Home.\n")));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let site = Site::new(&refs);
    let staging_of = |pid: u32| site.path().join(format!(".public.staging-{pid}"));
    let mut killed_part_way = None;
    for _ in 0..5 {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_explainer"))
            .args(["build"])
            .arg(site.path())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let staging = staging_of(child.id());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !staging.join("p1").exists() && std::time::Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        if staging.is_dir() {
            killed_part_way = Some(staging);
            break;
        }
    }
    let staging = killed_part_way.expect("the build always finished before it could be killed");
    assert!(
        !site.public().exists(),
        "a killed build put no output in place"
    );
    site.build_ok();
    assert!(
        !staging.exists(),
        "the next build removed {}",
        staging.display()
    );
    assert!(site.exists("p1/index.html"));
}

/// Hardening 3, item 4: a `public/` that is a symbolic link stays a link; the build
/// replaces the folder it leads to, under the same rules as any output folder.
#[test]
fn an_output_folder_that_is_a_link_is_built_through() {
    let site = small_site();
    let web = tempfile::tempdir().unwrap();
    let root = web.path().join("www");
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(&root, site.public()).unwrap();
    site.build_ok();
    assert!(
        std::fs::symlink_metadata(site.public())
            .unwrap()
            .file_type()
            .is_symlink(),
        "public/ is still a link"
    );
    assert!(
        root.join("index.html").is_file(),
        "the web root holds the site"
    );
    std::fs::write(root.join("stale.html"), "old").unwrap();
    site.build_ok();
    assert!(!root.join("stale.html").exists());
    assert_eq!(
        entries(web.path()),
        vec!["www"],
        "nothing left beside the web root"
    );

    // A link to a folder explainer did not write is refused, and the folder kept.
    let theirs = web.path().join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), "keep").unwrap();
    std::fs::remove_file(site.public()).unwrap();
    std::os::unix::fs::symlink(&theirs, site.public()).unwrap();
    let r = site.build_fails();
    assert!(r.stderr.contains("did not write"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(theirs.join("notes.txt")).unwrap(),
        "keep"
    );

    // A link that leads nowhere is refused, and left as it is.
    std::fs::remove_file(site.public()).unwrap();
    std::os::unix::fs::symlink(web.path().join("gone"), site.public()).unwrap();
    let r = site.build_fails();
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    assert!(
        std::fs::symlink_metadata(site.public())
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(!web.path().join("gone").exists());
}

/// Every file of `dir` (the marker too), by path.
fn files_of(dir: &Path) -> std::collections::BTreeMap<String, Option<Vec<u8>>> {
    snapshot(dir)
}

/// Hardening 3, item 23: nothing in the output folder is trusted. The search index of the
/// last build was read back from `public/` and its shards kept, so a deleted or edited
/// index file survived the next build. After each tampering below, the next build writes
/// exactly what a clean build writes.
#[test]
fn a_tampered_output_folder_never_reaches_the_next_build() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    explainer::scaffold::new_site(&site).unwrap();
    let config = site.join("explainer.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    // Small shards, so that an index has several, each of which could be kept.
    std::fs::write(&config, format!("search_shard_pages = 1\n{text}")).unwrap();
    let clean = dir.path().join("clean");
    let built = |args: &[&str], what: &str| {
        let r = run_in(&site, args);
        assert_eq!(r.code, Some(0), "{what}: {}", r.stderr);
    };
    built(
        &["build", ".", "--out", clean.to_str().unwrap()],
        "the clean build",
    );
    let expected = files_of(&clean);
    let public = site.join("public");
    let first = |pattern: &str| -> std::path::PathBuf {
        let found = expected
            .keys()
            .find(|k| k.contains(pattern))
            .unwrap_or_else(|| panic!("no {pattern} in {:?}", expected.keys()));
        public.join(found)
    };
    type Tampering<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let tamperings: Vec<Tampering> = vec![
        (
            "a deleted fragment",
            Box::new(|| std::fs::remove_file(first("/fragment/")).unwrap()),
        ),
        (
            "an edited fragment",
            Box::new(|| std::fs::write(first("/fragment/"), b"junk").unwrap()),
        ),
        (
            "an edited index part",
            Box::new(|| std::fs::write(first("/index/"), b"junk").unwrap()),
        ),
        (
            "an edited entry",
            Box::new(|| std::fs::write(first("pagefind-entry.json"), b"{}").unwrap()),
        ),
        (
            "an edited index key",
            Box::new(|| std::fs::write(first("explainer-index-key.txt"), b"x").unwrap()),
        ),
        (
            "a deleted shard list",
            Box::new(|| std::fs::remove_file(first("explainer-shards.json")).unwrap()),
        ),
        (
            "an edited page",
            Box::new(|| std::fs::write(first("concerns/example/index.html"), b"<p>no").unwrap()),
        ),
        (
            "a stray file",
            Box::new(|| std::fs::write(public.join("stray.txt"), b"stray").unwrap()),
        ),
    ];
    for (what, tamper) in &tamperings {
        built(&["build"], "a build");
        assert_eq!(files_of(&public), expected, "a build before {what}");
        tamper();
        built(&["build"], what);
        let now = files_of(&public);
        let differ: Vec<&String> = now
            .keys()
            .chain(expected.keys())
            .filter(|k| now.get(*k) != expected.get(*k))
            .collect();
        assert!(
            differ.is_empty(),
            "after {what}, these differ from a clean build: {differ:?}"
        );
    }
}
