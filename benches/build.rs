//! Build benchmark: generates sites of N pages and times `explainer::build` over them.
//!
//! ```text
//! cargo bench --bench build                   # 1,000 and 10,000 pages, every variant
//! cargo bench --bench build -- 1000           # only 1,000 pages
//! cargo bench --bench build -- 1000 --code    # only the variants with a code block per page
//! cargo bench --bench build -- --no-search    # only the variants with search turned off
//! EXPLAINER_BENCH_PAGES=2000,5000 EXPLAINER_BENCH_RUNS=7 cargo bench --bench build
//! ```
//!
//! Each page has YAML front matter, about 600 words, three headings, five links to other
//! generated pages (two with `#heading` anchors), a footnote, two quote citations into one
//! 30-paragraph source and, in the `code` variant, a ten-line fenced block (Rust, Python or
//! JavaScript in turn). Each site is built with the search index on (the default) and off
//! (`search = false` in explainer.toml), to show what indexing costs.
//!
//! With search on, three rows are timed: `clean` (the output folder removed first),
//! `1 edit` (one page changed since the last build) and `same` (nothing changed). A
//! one-off build reuses nothing of the output folder, which anyone may have edited
//! (Hardening 3, item 23), so today all three do the whole work; they will differ once
//! builds remember in a cache of their own (Performance 3). Without search every build is
//! a full one.
//!
//! Sites are written under `EXPLAINER_BENCH_DIR`, else `/dev/shm` (a RAM disk, as in
//! DESIGN.md's measurements) when it exists, else the system temp folder.
//! `EXPLAINER_BENCH_KEEP=1` keeps every generated site (to profile `explainer build` on it).
//!
//! Every configuration is built in a child process (this binary, re-run with `--child`), so
//! the peak RSS it reports (`VmHWM`) belongs to that configuration alone. The child checks
//! the first (warm-up) build: any error, or a code block that was not highlighted, ends the
//! benchmark with a non-zero exit status, so a broken generator is never timed; the failing
//! site is kept for inspection.

/// The allocator the `explainer` binary uses (see src/main.rs), so that the benchmark
/// measures what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod site;
use site::{LANGUAGES, Variant, citations_of, generate_site, section_of, slug, source_marker};
use std::time::{Duration, Instant};

const DEFAULT_PAGES: &[usize] = &[1_000, 10_000];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("--child") {
        child(&args[1..])
    } else {
        parent(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench failed: {message}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parent: generate each site, build it in a child process, print the table.

fn parent(args: &[String]) -> Result<(), String> {
    let mut pages: Vec<usize> = vec![];
    let mut code: Vec<bool> = vec![];
    let mut search: Vec<bool> = vec![];
    for arg in args {
        match arg.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "--code" => code.push(true),
            "--no-code" => code.push(false),
            "--search" => search.push(true),
            "--no-search" => search.push(false),
            a => pages.push(parse_count(a)?),
        }
    }
    if pages.is_empty() {
        pages = match std::env::var("EXPLAINER_BENCH_PAGES") {
            Ok(list) => list
                .split(',')
                .map(|s| parse_count(s.trim()))
                .collect::<Result<_, _>>()?,
            Err(_) => DEFAULT_PAGES.to_vec(),
        };
    }
    if code.is_empty() {
        code = vec![false, true];
    }
    if search.is_empty() {
        search = vec![true, false];
    }
    let variants: Vec<Variant> = code
        .iter()
        .flat_map(|&code| search.iter().map(move |&search| Variant { code, search }))
        .collect();
    let runs_override = match std::env::var("EXPLAINER_BENCH_RUNS") {
        Ok(r) => Some(parse_count(&r)?),
        Err(_) => None,
    };
    pages.sort_unstable();

    let base = bench_dir();
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "explainer build benchmark: {threads} CPU(s), load average {}, sites under {}",
        load_average(),
        base.display()
    );
    println!(
        "{:>7}  {:<4}  {:<6}  {:<6}  {:>8}  {:>4}  {:>9}  {:>9}  {:>8}  {:>9}",
        "pages", "code", "search", "build", "input", "runs", "median", "min", "pages/s", "peak RSS"
    );
    for &n in &pages {
        for &variant in &variants {
            let runs = runs_override.unwrap_or(if n <= 2_000 { 5 } else { 3 });
            let dir = tempfile::Builder::new()
                .prefix("explainer-bench-")
                .tempdir_in(&base)
                .map_err(|e| format!("cannot create a folder in {}: {e}", base.display()))?;
            let site = dir.path().join("site");
            let input_bytes = generate_site(&site, n, variant)
                .map_err(|e| format!("cannot write the site: {e}"))?;
            let output = Command::new(&exe)
                .arg("--child")
                .arg(&site)
                .arg(runs.to_string())
                .arg(if variant.code { "code" } else { "nocode" })
                .stderr(std::process::Stdio::inherit())
                .output()
                .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
            if !output.status.success() {
                return Err(format!(
                    "the build of {n} pages (code {}, search {}) failed ({}); the site is kept in {}",
                    on_off(variant.code),
                    on_off(variant.search),
                    output.status,
                    dir.keep().display()
                ));
            }
            if std::env::var_os("EXPLAINER_BENCH_KEEP").is_some() {
                eprintln!("site kept in {}", dir.keep().join("site").display());
            }
            let stdout = String::from_utf8_lossy(&output.stdout);
            let result = ChildResult::parse(&stdout)
                .ok_or_else(|| format!("unexpected output from the child: {stdout}"))?;
            for (kind, times) in &result.times {
                let median = median(times);
                let min = times.iter().copied().min().unwrap_or_default();
                println!(
                    "{:>7}  {:<4}  {:<6}  {:<6}  {:>5.1} MB  {:>4}  {:>7.0} ms  {:>6.0} ms  {:>8.0}  {:>6} MB",
                    n,
                    on_off(variant.code),
                    on_off(variant.search),
                    kind,
                    input_bytes as f64 / 1e6,
                    times.len(),
                    ms(median),
                    ms(min),
                    n as f64 / median.as_secs_f64(),
                    result.peak_rss_kb / 1024,
                );
            }
        }
    }
    println!("load average at the end: {}", load_average());
    Ok(())
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn parse_count(s: &str) -> Result<usize, String> {
    s.replace('_', "")
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("expected a positive number of pages or runs, got `{s}`"))
}

fn bench_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("EXPLAINER_BENCH_DIR") {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && tempfile::tempdir_in(shm).is_ok() {
        return shm.to_path_buf();
    }
    std::env::temp_dir()
}

/// The 1-minute load average, to tell a busy machine's figures from a quiet one's.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What a child prints on its one `RESULT` line.
struct ChildResult {
    /// The times of each kind of build (`full`, or `clean`, `1 edit`, `same`).
    times: Vec<(String, Vec<Duration>)>,
    peak_rss_kb: u64,
}

impl ChildResult {
    fn parse(stdout: &str) -> Option<ChildResult> {
        let line = stdout.lines().find_map(|l| l.strip_prefix("RESULT "))?;
        let mut times = vec![];
        let mut peak_rss_kb = None;
        for field in line.split_whitespace() {
            let (key, value) = field.split_once('=')?;
            match key {
                "peak_rss_kb" => peak_rss_kb = value.parse().ok(),
                k if k.starts_with("us_") => {
                    let kind = k["us_".len()..].replace('_', " ");
                    let list = value
                        .split(',')
                        .map(|t| t.parse().ok().map(Duration::from_micros))
                        .collect::<Option<Vec<_>>>()?;
                    times.push((kind, list));
                }
                _ => {}
            }
        }
        Some(ChildResult {
            times,
            peak_rss_kb: peak_rss_kb?,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Child: build one site, check the first build, time the rest, report.

fn child(args: &[String]) -> Result<(), String> {
    let [site, runs, variant] = args else {
        return Err("usage: --child SITE_DIR RUNS code|nocode".into());
    };
    let site = PathBuf::from(site);
    let runs = parse_count(runs)?;
    let mut opts = explainer::BuildOptions::new(&site);
    opts.out_dir = Some(site.join("public"));

    // Warm-up, and the check that the site really builds as intended.
    let report = build_once(&opts)?;
    check_output(&opts.out_dir(), variant == "code")?;
    let warnings = report.diagnostics.count(explainer::Severity::Warning);
    if warnings > 0 {
        eprintln!(
            "note: {warnings} warning(s) in {}:\n{}",
            site.display(),
            report.diagnostics.report(explainer::Severity::Warning)
        );
    }

    let out = opts.out_dir();
    let search = report.search_shards.0 > 0;
    let mut kinds: Vec<(&str, Vec<Duration>)> = vec![];
    if search {
        let clean = time_runs(
            runs,
            |_| {
                std::fs::remove_dir_all(&out)
                    .map_err(|e| format!("cannot clear {}: {e}", out.display()))
            },
            &opts,
        )?;
        kinds.push(("clean", clean));
        let edit = time_runs(runs, |k| edit_page(&site, k), &opts)?;
        kinds.push(("1_edit", edit));
        kinds.push(("same", time_runs(runs, |_| Ok(()), &opts)?));
    } else {
        kinds.push(("full", time_runs(runs, |_| Ok(()), &opts)?));
    }
    let fields: Vec<String> = kinds
        .iter()
        .map(|(kind, times)| {
            let us: Vec<String> = times.iter().map(|t| t.as_micros().to_string()).collect();
            format!("us_{kind}={}", us.join(","))
        })
        .collect();
    println!(
        "RESULT pages={} files={} {} peak_rss_kb={}",
        report.pages,
        report.files_written,
        fields.join(" "),
        peak_rss_kb().unwrap_or(0)
    );
    Ok(())
}

/// Times `runs` builds, each after `before(run)` (not timed).
fn time_runs(
    runs: usize,
    before: impl Fn(usize) -> Result<(), String>,
    opts: &explainer::BuildOptions,
) -> Result<Vec<Duration>, String> {
    let mut times = Vec::with_capacity(runs);
    for k in 0..runs {
        before(k)?;
        let started = Instant::now();
        build_once(opts)?;
        times.push(started.elapsed());
    }
    Ok(times)
}

/// Adds a sentence to a page of the site (a different page for each `k`), as an editor's
/// save would.
fn edit_page(site: &Path, k: usize) -> Result<(), String> {
    let j = 7 * k + 3;
    let path = site
        .join("content")
        .join(section_of(j))
        .join(format!("{}.md", slug(j)));
    let mut text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.push_str(&format!("\nThis page was edited in run {k}.\n"));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn build_once(opts: &explainer::BuildOptions) -> Result<explainer::BuildReport, String> {
    explainer::build(opts).map_err(|diags| {
        format!(
            "the generated site at {} does not build:\n{}",
            opts.site_dir.display(),
            diags.report(explainer::Severity::Warning)
        )
    })
}

/// Spot checks of the warm-up build's output: the first three pages (one per language)
/// exist, carry their references, and their code is highlighted.
fn check_output(out: &Path, code: bool) -> Result<(), String> {
    for j in 0..3 {
        let path = out.join(section_of(j)).join(slug(j)).join("index.html");
        let html = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let quote = source_marker(citations_of(j)[0]);
        if !html.contains(quote) {
            return Err(format!(
                "{} does not show its citation of \"{quote}\"",
                path.display()
            ));
        }
        if code && !html.contains("hl-source") {
            return Err(format!(
                "{}: the {} code block was not highlighted",
                path.display(),
                LANGUAGES[j % LANGUAGES.len()]
            ));
        }
    }
    Ok(())
}

/// The process's peak resident set size so far, in KiB (Linux only).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------
// The generated site.
