//! Issue "Hardening 3", items 5–17: what a build refuses (links out of content/, links
//! into the output, named pipes and sockets, control characters, dates a feed cannot
//! carry, invisible characters in names, unpaired quote marks, `[sections]` it cannot
//! use, base URLs that load the site from elsewhere), ids that are empty or repeated,
//! a bibliography with a byte-order mark, and warnings without bound.

mod common;

use common::*;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn site() -> Site {
    Site::new(&[
        (
            "content/_index.md",
            &page("Home", "See [about](about.md).\n"),
        ),
        (
            "content/about.md",
            &page("About", "Back [home](_index.md).\n"),
        ),
        ("content/files/real.txt", "inside content\n"),
        ("notes/readme.txt", "inside the site, outside content\n"),
    ])
}

/// Builds, expecting failure; checks public/ did not change; returns stderr.
fn fails_untouched(site: &Site) -> String {
    let before = snapshot(&site.public());
    let r = site.build_fails();
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after a refused build",
    );
    r.stderr
}

/// `explainer ARGS SITE`, killed after 60 s: a build that hangs fails the test instead of
/// hanging it. Returns (exit code, stderr).
fn run_bounded(site: &Site, args: &[&str]) -> (Option<i32>, String) {
    let logs = tempfile::tempdir().unwrap();
    let err_path = logs.path().join("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_explainer"))
        .args(args)
        .arg(site.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("run explainer");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "explainer {args:?} did not finish in 60 s (it hangs); stderr so far:\n{}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.code(), std::fs::read_to_string(&err_path).unwrap())
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

// --- item 5: links lead only inside content/ (or layouts/) -----------------------------

/// Item 5: a link that stays inside the site folder but leaves content/ used to be
/// followed, publishing `.env` as `/env.txt` and `.git/config`. It is an error naming
/// the link; a link inside content/ is still followed.
#[test]
fn a_link_out_of_content_is_refused_even_inside_the_site() {
    let site = site();
    site.write(".env", "SECRET=hunter2\n");
    site.write(".git/config", "[remote \"origin\"]\n");
    site.build_ok();
    for (link, target, published) in [
        ("content/env.txt", "../.env", "env.txt"),
        ("content/gitconfig.txt", "../.git/config", "gitconfig.txt"),
        ("content/notes", "../notes", "notes/readme.txt"),
    ] {
        symlink(target, site.path().join(link)).unwrap();
        let err = fails_untouched(&site);
        assert!(
            err.contains(&format!("{link}: error: this is a link to "))
                && err.contains("which is outside content/"),
            "{link}: {err}"
        );
        assert!(
            err.contains("help: the build follows links only inside content/"),
            "{err}"
        );
        assert!(!site.exists(published), "{published} was published");
        std::fs::remove_file(site.path().join(link)).unwrap();
    }
    // The same rule for the theme: layouts/ links stay in layouts/.
    std::fs::create_dir_all(site.path().join("layouts/static")).unwrap();
    symlink("../../.env", site.path().join("layouts/static/env.txt")).unwrap();
    let err = fails_untouched(&site);
    assert!(
        err.contains("layouts/static/env.txt: error: this is a link to")
            && err.contains("which is outside layouts/"),
        "{err}"
    );
    std::fs::remove_file(site.path().join("layouts/static/env.txt")).unwrap();

    // Inside content/, links are followed, to files and to folders.
    symlink("files/real.txt", site.path().join("content/alias.txt")).unwrap();
    symlink("files", site.path().join("content/more")).unwrap();
    site.build_ok();
    assert_eq!(site.read("alias.txt"), "inside content\n");
    assert_eq!(site.read("more/real.txt"), "inside content\n");
}

// --- item 6: links into the output folder ------------------------------------------------

/// Item 6: `content/mirror -> ../public` used to copy the output into itself, growing
/// it on every build. It is an error that says what the link leads into.
#[test]
fn a_link_into_the_output_folder_is_refused() {
    let site = site();
    site.build_ok();
    for (link, target) in [
        ("content/mirror", "../public"),
        ("content/mirror.html", "../public/index.html"),
    ] {
        symlink(target, site.path().join(link)).unwrap();
        let err = fails_untouched(&site);
        assert!(
            err.contains(&format!(
                "{link}: error: this is a link into explainer's output folder"
            )) && err.contains("every build would copy its own output into itself"),
            "{link}: {err}"
        );
        assert!(!site.exists("mirror"));
        std::fs::remove_file(site.path().join(link)).unwrap();
    }
    // And an output folder inside content/ is refused before anything is written.
    let out = site.path().join("content/out");
    let r = site.run(&["build", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains("is inside the site's content/ folder"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
}

// --- item 7: named pipes, sockets ----------------------------------------------------------

/// Item 7: a named pipe (FIFO) used to make the build wait forever for a writer. In
/// content/ (as a page, an asset or the bibliography), in layouts/, as explainer.toml or
/// behind a link, it is an error naming it, and it is never opened.
#[test]
fn a_named_pipe_anywhere_is_an_error_not_a_hang() {
    for (fifo, link) in [
        ("content/fifo.md", None),
        ("content/data.bin", None),
        ("content/references.yaml", None),
        ("layouts/page.html", None),
        ("layouts/static/x.css", None),
        ("explainer.toml", None),
        ("content/files/pipe.md", Some("content/linked.md")),
    ] {
        let site = site();
        site.build_ok();
        let before = snapshot(&site.public());
        let path = site.path().join(fifo);
        if path.exists() {
            std::fs::remove_file(&path).unwrap();
        }
        mkfifo(&path);
        if let Some(link) = link {
            symlink("files/pipe.md", site.path().join(link)).unwrap();
        }
        let (code, err) = run_bounded(&site, &["build"]);
        assert_eq!(code, Some(1), "{fifo}: {err}");
        assert!(
            err.contains(&format!(
                "{fifo}: error: this is a named pipe (FIFO), not a regular file"
            )),
            "{fifo}: {err}"
        );
        assert!(
            err.contains("help: replace it with a regular file"),
            "{err}"
        );
        assert_same_tree(&before, &snapshot(&site.public()), fifo);
        // `check` and `serve`'s first build take the same path; check is enough here.
        let (code, err) = run_bounded(&site, &["check"]);
        assert_eq!(code, Some(1), "{fifo}: {err}");
    }
}

/// Item 7: a Unix socket is refused the same way, in content/ and in layouts/.
#[test]
fn a_socket_is_an_error() {
    for place in ["content/sock", "layouts/static/sock"] {
        let site = site();
        let path = site.path().join(place);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let (code, err) = run_bounded(&site, &["build"]);
        assert_eq!(code, Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "{place}: error: this is a socket, not a regular file"
            )),
            "{err}"
        );
        assert!(!site.exists("index.html"));
    }
}

// --- item 10: invisible characters in names ---------------------------------------------------

/// Item 10: a right-to-left override or a zero-width character in a name used to be
/// published as it was; it is refused like `#` and `?`.
#[test]
fn invisible_characters_in_names_are_refused() {
    for (rel, name) in [
        ("content/e\u{202E}gnp.md", "e\u{202E}gnp.md"),
        ("content/zero\u{200B}width.md", "zero\u{200B}width.md"),
        ("content/a\u{2066}b/page.md", "a\u{2066}b"),
        ("content/mark\u{200F}.md", "mark\u{200F}.md"),
        ("content/bom\u{FEFF}.png", "bom\u{FEFF}.png"),
        ("content/join\u{2060}er.md", "join\u{2060}er.md"),
        ("content/arabic\u{061C}.md", "arabic\u{061C}.md"),
    ] {
        let site = site();
        site.build_ok();
        site.write(rel, &page("X", "Text [home](/).\n"));
        let err = fails_untouched(&site);
        assert!(
            err.contains(&format!("error: the name `{name}` has")),
            "{rel:?}: {err}"
        );
        assert!(err.contains("breaks its web address"), "{err}");
    }
    // In the theme too.
    let site = site();
    site.write("layouts/static/e\u{202E}ssc.css", "body{}\n");
    let err = site.build_fails().stderr;
    assert!(
        err.contains("has the invisible character '\\u{202e}'"),
        "{err}"
    );
}

// --- item 13: CSL-JSON with a byte-order mark ------------------------------------------------------

/// Item 13: `references.json` saved with a byte-order mark used to be misread.
#[test]
fn csl_json_with_a_byte_order_mark_is_read() {
    let site = Site::new(&[
        (
            "content/_index.md",
            &page("Home", "A report says so [@cid].\n"),
        ),
        (
            "content/references.json",
            "\u{FEFF}[{\"id\": \"cid\", \"type\": \"report\", \"title\": \"The report\", \"publisher\": \"An office\", \"URL\": \"https://example.org/report\"}]\n",
        ),
        (
            "content/references.yaml",
            "\u{FEFF}yid:\n  title: Another\n  publisher: Someone\n  url: https://example.org/other\n",
        ),
    ]);
    site.build_ok();
    let home = site.read("index.html");
    assert!(home.contains("The report"), "{home}");
    let graph = site.read("citations.json");
    assert!(graph.contains("\"yid\""), "{graph}");
}
