//! Rebuild benchmark: the pipeline's own share of a save in `explainer serve`. A warm
//! [`Session`] builds a generated site once, then each of 15 edits appends a sentence to
//! one page, tells the session which file changed (as serve's watcher does) and builds
//! again. The median wall time of those rebuilds is printed with each stage's median.
//! There is no HTTP, no reload signal and no search index here (`search = false`), so the
//! numbers are the pipeline's alone; `benches/serve.rs` measures save → served.
//!
//! ```text
//! cargo bench --bench rebuild                 # 10,000 and 100,000 pages
//! cargo bench --bench rebuild -- 1000 20000   # other sizes
//! ```
//!
//! Sites are written under `EXPLAINER_BENCH_DIR`, else `/dev/shm` when it exists, else the
//! system temp folder.

/// The allocator the `explainer` binary uses (see src/main.rs), so that the benchmark
/// measures what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod site;

use explainer::{BuildOptions, Session, build_in};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

const EDITS: usize = 15;

fn bench_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("EXPLAINER_BENCH_DIR") {
        return d.into();
    }
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        shm.into()
    } else {
        std::env::temp_dir()
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn measure(n: usize) -> Result<(), String> {
    let dir = tempfile::tempdir_in(bench_dir()).map_err(|e| e.to_string())?;
    let site_dir = dir.path().join("site");
    let variant = site::Variant {
        code: true,
        search: false,
    };
    site::generate_site(&site_dir, n, variant).map_err(|e| e.to_string())?;
    let opts = BuildOptions {
        out_dir: Some(dir.path().join("public")),
        ..BuildOptions::new(&site_dir)
    };
    let mut session = Session::warm();
    let first = Instant::now();
    build_in(&opts, &mut session).map_err(|d| d.to_string())?;
    let first = first.elapsed().as_secs_f64() * 1000.0;
    let page = site_dir
        .join("content")
        .join(site::section_of(1))
        .join(format!("{}.md", site::slug(1)));
    let mut totals = vec![];
    let mut stages: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    let mut rendered = 0;
    for k in 0..EDITS {
        let mut text = std::fs::read_to_string(&page).map_err(|e| e.to_string())?;
        text.push_str(&format!("\nEdit {k} of the rebuild benchmark.\n"));
        std::fs::write(&page, text).map_err(|e| e.to_string())?;
        session.note_changed([page.clone()]);
        let t = Instant::now();
        let report = build_in(&opts, &mut session).map_err(|d| d.to_string())?;
        totals.push(t.elapsed().as_secs_f64() * 1000.0);
        for (name, ms) in report.stages {
            stages.entry(name).or_default().push(ms);
        }
        rendered = report.pages_rendered;
    }
    let list: Vec<String> = stages
        .iter_mut()
        .map(|(name, v)| format!("{name} {:.1}", median(v)))
        .collect();
    println!(
        "{n:>7} pages  first build {first:>8.0} ms  rebuild median {:>7.1} ms  ({rendered} rendered; stage medians, ms: {})",
        median(&mut totals),
        list.join(", ")
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    println!(
        "warm rebuild after a one-page edit, {} CPU(s)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    for n in sizes {
        if let Err(e) = measure(n) {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    }
    std::process::ExitCode::SUCCESS
}
