//! Issue 10: what an editor may type must never crash the build, run away with time or
//! memory, or pass silently with a wrong result. Each test is one numbered item.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// Runs `explainer <args…> SITE`, killing it if it runs longer than `limit`.
fn run_limited(site: &Site, args: &[&str], limit: Duration) -> (Run, Duration) {
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_explainer"))
        .args(args)
        .arg(site.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run explainer");
    // Read the pipes on threads, so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = vec![];
        std::io::Read::read_to_end(&mut out, &mut v).ok();
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = vec![];
        std::io::Read::read_to_end(&mut err, &mut v).ok();
        v
    });
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("explainer {args:?} ran longer than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code,
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
    };
    (run, started.elapsed())
}

/// Item 5: a lone CR, inline HTML, a citation and multibyte text in one body panicked
/// with "not a char boundary"; now it builds, with the citation where it was written.
#[test]
fn lone_cr_html_citation_and_multibyte_text_do_not_panic() {
    let site = cite_site("a\rb\n-<b>[@letter-a]\n中文\n");
    let (r, _) = run_limited(&site, &["build"], Duration::from_secs(60));
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    let html = site.read("concerns/citing/index.html");
    assert!(html.contains("class=\"cite\""), "no citation link");
    assert!(html.contains("中文"));

    // The same with an unknown source: an error at the right line and column.
    let site = cite_site("a\rb\n-<b>[@nope]\n中文\n");
    let (r, _) = run_limited(&site, &["build"], Duration::from_secs(60));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("content/concerns/citing.md:6:6: error: unknown source `nope`"),
        "{}",
        r.stderr
    );
}

/// Item 6: thousands of broken citations on one long line: the build ends quickly, with
/// at most 50 errors for the file, an "and N more" line, and no copy of the whole line.
#[test]
fn a_long_line_of_broken_citations_is_cheap_and_short() {
    for size in [48 * 1024, 1024 * 1024] {
        let line = "[@x \"".repeat(size / 5);
        let site = cite_site(&format!("{line}\n"));
        let (r, took) = run_limited(&site, &["build"], Duration::from_secs(60));
        assert_eq!(r.code, Some(1), "{}", &r.stderr[..r.stderr.len().min(2000)]);
        assert!(took < Duration::from_secs(20), "{size} bytes took {took:?}");
        let errors = r.stderr.matches(": error: ").count();
        assert!(errors <= 51, "{errors} errors printed for {size} bytes");
        assert!(
            r.stderr.contains("more error(s) in this file, not shown"),
            "{}",
            &r.stderr[..r.stderr.len().min(2000)]
        );
        assert!(
            r.stderr.len() < 64 * 1024,
            "{} bytes of stderr for {size} bytes of input",
            r.stderr.len()
        );
    }
}

/// Item 6: the bracket scan is linear, whatever the mix of brackets and quotes.
#[test]
fn the_citation_scan_is_linear() {
    for unit in ["[@x \"", "[@x ", "[@", "[@x \"a", "[@x \u{201c}[@"] {
        let small = unit.repeat(20_000);
        let big = unit.repeat(200_000);
        let t = Instant::now();
        let a = explainer::cite::find_citations(&small).len();
        let small_time = t.elapsed();
        let t = Instant::now();
        let b = explainer::cite::find_citations(&big).len();
        let big_time = t.elapsed();
        assert!(b >= a);
        assert!(
            big_time < small_time * 40 + Duration::from_millis(200),
            "{unit:?}: 10x the input took {big_time:?} against {small_time:?}"
        );
    }
}

/// Item 6: a long source line is shown as a window around the column.
#[test]
fn a_long_line_is_shown_as_a_window_around_the_error() {
    let body = format!(
        "{} [@nope] {}\n",
        "word ".repeat(2000),
        "more ".repeat(2000)
    );
    let site = cite_site(&body);
    let r = site.build_fails();
    let head = "content/concerns/citing.md:4:10003: error: unknown source `nope`";
    let at = r
        .stderr
        .find(head)
        .unwrap_or_else(|| panic!("{head} not in:\n{}", &r.stderr[..r.stderr.len().min(3000)]));
    let lines: Vec<&str> = r.stderr[at..].lines().take(4).collect();
    assert!(
        lines[2].len() < 400,
        "the source line is not cut: {} bytes",
        lines[2].len()
    );
    assert!(
        lines[2].contains("[@nope]") && lines[2].contains('…'),
        "{}",
        lines[2]
    );
    let bar = lines[2].find(" | ").unwrap() + 3;
    let caret = lines[3][bar..].find('^').unwrap();
    assert_eq!(
        &lines[2][bar..]
            .chars()
            .skip(caret)
            .take(6)
            .collect::<String>(),
        "@nope]",
        "the caret is not under the citation:\n{}",
        lines.join("\n")
    );
}
