//! Dev-server latency: the time from saving a Markdown file to the reload event that open
//! pages receive, median of 20 edits, on the real site (this repository's content) and on
//! generated sites of 1,000 and 10,000 pages (the 10,000-page site takes a few minutes to
//! build and index before the edits start).
//!
//! ```text
//! cargo bench --bench serve
//! cargo bench --bench serve -- 1000 5000     # other generated sizes
//! ```
//!
//! Each edit appends a sentence to one page and waits for the server's reload signal (the
//! same signal the browser gets over SSE). After each reload it waits for the server to go
//! quiet (the search index is refreshed after the reload), so edits do not queue up.

/// The allocator the `explainer` binary uses (see src/main.rs), so that the benchmark
/// measures what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod site;

use explainer::serve::{ServeOptions, Signal, start};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const EDITS: usize = 20;
const WARM_UP: usize = 2;

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

async fn measure(
    label: &str,
    site_dir: &Path,
    page: &Path,
    settle: Duration,
) -> Result<(), String> {
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let server = start(ServeOptions {
        site_dir: site_dir.to_path_buf(),
        bind: "127.0.0.1"
            .parse()
            .map_err(|e: std::net::AddrParseError| e.to_string())?,
        port: 0,
        out_dir: Some(out.path().join("public")),
        ..ServeOptions::new(site_dir)
    })
    .await?;
    tokio::time::sleep(settle).await;
    let mut signals = server.subscribe();
    let mut times = vec![];
    for k in 0..WARM_UP + EDITS {
        let mut text = std::fs::read_to_string(page).map_err(|e| e.to_string())?;
        text.push_str(&format!(
            "\nEdit {k} of the latency benchmark adds this sentence; see [the home page](/).\n"
        ));
        let saved = Instant::now();
        std::fs::write(page, text).map_err(|e| e.to_string())?;
        match tokio::time::timeout(Duration::from_secs(60), signals.recv()).await {
            Ok(Ok(Signal::Reload)) => {}
            Ok(Ok(Signal::Failed(html))) => {
                return Err(format!("{label}: the edit did not build: {html}"));
            }
            Ok(Ok(Signal::Shutdown)) | Ok(Err(_)) => {
                return Err(format!("{label}: the server stopped"));
            }
            Err(_) => return Err(format!("{label}: no reload within 60 s")),
        }
        if k >= WARM_UP {
            times.push(saved.elapsed());
        }
        tokio::time::sleep(settle).await;
        while signals.try_recv().is_ok() {}
    }
    server.stop().await;
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:>28}  median {:>7.1} ms  min {:>7.1} ms  max {:>7.1} ms  ({EDITS} edits)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let result: Result<(), String> = runtime.block_on(async {
        println!(
            "save-to-reload latency of `explainer serve`, {} CPU(s)",
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        );
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;

        let real = dir.path().join("real");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        for part in ["content", "layouts"] {
            copy_dir(&repo.join(part), &real.join(part)).map_err(|e| e.to_string())?;
        }
        std::fs::copy(repo.join("explainer.toml"), real.join("explainer.toml"))
            .map_err(|e| e.to_string())?;
        measure(
            "real site",
            &real,
            &real.join("content/concerns/encryption.md"),
            Duration::from_millis(400),
        )
        .await?;

        for n in sizes {
            let generated: PathBuf = dir.path().join(format!("gen-{n}"));
            site::generate_site(
                &generated,
                n,
                site::Variant {
                    code: true,
                    search: true,
                },
            )
            .map_err(|e| e.to_string())?;
            let page = generated
                .join("content")
                .join(site::section_of(1))
                .join(format!("{}.md", site::slug(1)));
            // The search index is refreshed after each reload; let it finish between edits.
            let settle = Duration::from_millis(500 + 3 * n as u64);
            measure(&format!("{n} generated pages"), &generated, &page, settle).await?;
        }
        Ok(())
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
