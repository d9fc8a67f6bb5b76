//! Inputs anyone can write that once cost their size squared (Hardening 4, item 3), each
//! checked at n and 4n: a linear cost takes about 4 times as long at 4n, a quadratic one
//! about 16 times. The benchmark fails (exit status 1) when a ratio passes 8, so that a
//! quadratic cost that comes back is seen, here and never in a timed test.
//!
//! ```text
//! cargo bench --bench hostile
//! ```
//!
//! - **prose braces**: one line of `{{a ` repeated (text that looks like a shortcode's
//!   start, over and over, on one line);
//! - **arguments**: one shortcode with n distinct arguments;
//! - **blocks**: n block shortcodes one after another;
//! - **change notes**: n change notes whose dates are not dates (an error each).
//!
//! Each is `explainer check` of a one-page site (nothing written), the median of 5 runs.

use std::process::ExitCode;
use std::time::{Duration, Instant};

/// A site whose home page has `front` (front matter lines) and `body`.
fn site(front: &str, body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("a folder");
        std::fs::write(p, text).expect("a file");
    };
    write(
        "explainer.toml",
        "title = \"Hostile\"\nbase_url = \"https://example.org/\"\nsearch = false\n",
    );
    write(
        "content/_index.md",
        &format!("---\ntitle: Home\n{front}---\n\n{body}\n"),
    );
    dir
}

/// The median time of `explainer check` (the binary, as users run it) on the site that
/// `make(n)` makes, over 5 runs.
fn time(make: &dyn Fn(usize) -> (String, String), n: usize) -> Duration {
    let (front, body) = make(n);
    let dir = site(&front, &body);
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            // Most of these inputs are errors: the time to find them is what is measured.
            let _ = std::process::Command::new(env!("CARGO_BIN_EXE_explainer"))
                .arg("check")
                .arg(dir.path())
                .output();
            t.elapsed()
        })
        .collect();
    runs.sort();
    runs[2]
}

type Case = (&'static str, usize, Box<dyn Fn(usize) -> (String, String)>);

fn main() -> ExitCode {
    let cases: Vec<Case> = vec![
        (
            "prose braces",
            50_000,
            Box::new(|n| (String::new(), "{{a ".repeat(n))),
        ),
        (
            "arguments",
            80_000,
            Box::new(|n| {
                let args: Vec<String> = (0..n).map(|i| format!("a{i}=1")).collect();
                (
                    String::new(),
                    format!("{{{{ note({}) }}}}", args.join(", ")),
                )
            }),
        ),
        (
            "blocks",
            20_000,
            Box::new(|n| {
                (
                    String::new(),
                    "{% note() %}\n\nx\n\n{% end %}\n\n".repeat(n),
                )
            }),
        ),
        (
            "change notes",
            2_500,
            Box::new(|n| {
                let notes = "  - date: someday\n    note: A change.\n".repeat(n);
                (format!("changes:\n{notes}"), "Text.".to_string())
            }),
        ),
    ];
    println!(
        "hostile inputs, checked at n and 4n ({} CPU(s))",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let mut worst: f64 = 0.0;
    for (name, n, make) in &cases {
        let small = time(make.as_ref(), *n);
        let large = time(make.as_ref(), 4 * n);
        let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
        worst = worst.max(ratio);
        println!(
            "  {name:<14} n = {n:>6}: {:>8.1} ms   4n: {:>8.1} ms   ratio {ratio:.1}",
            small.as_secs_f64() * 1000.0,
            large.as_secs_f64() * 1000.0
        );
    }
    if worst > 8.0 {
        println!("a cost grew faster than linearly (ratio {worst:.1} > 8)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
