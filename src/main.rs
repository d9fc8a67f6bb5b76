//! The `explainer` command line: a thin shell over the library.

use clap::{Parser, Subcommand};
use explainer::{BuildOptions, Severity};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc, not the system's allocator: a build makes and frees millions of small
/// strings and vectors, often from two threads at once, and with mimalloc a rebuild in
/// `serve` takes about a quarter less time (`cargo bench --bench rebuild`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "explainer",
    version,
    about = "Builds a cited, cross-linked explainer site from Markdown"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into public/ (atomically: a failed build leaves it untouched).
    Build {
        /// The site folder, with explainer.toml.
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        /// Where to write the site (default: SITE_DIR/public).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Run every check and render every page, but write nothing.
    Check {
        /// The site folder, with explainer.toml.
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Preview the site: build with drafts, serve it, rebuild and reload on every save.
    #[cfg(feature = "serve")]
    Serve {
        /// The site folder, with explainer.toml.
        #[arg(default_value = ".")]
        site_dir: PathBuf,
        /// The port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// The address to listen on; use 0.0.0.0 to let other machines connect.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Where to build (default: a fresh temporary folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Open the site in a browser.
        #[arg(long)]
        open: bool,
    },
    /// The language server, over stdin and stdout: diagnostics as you type, completion,
    /// hover, definition, references and fixes for citations and links.
    #[cfg(feature = "lsp")]
    Lsp {
        /// The site folder, with explainer.toml (default: the editor's workspace folder if
        /// it has one, else the current folder).
        site_dir: Option<PathBuf>,
    },
    /// Print a ready-to-paste citation for each passage of a source with these words.
    Cite {
        /// The words, as the source has them.
        #[arg(required = true)]
        words: Vec<String>,
        /// The site folder, with explainer.toml.
        #[arg(long, default_value = ".")]
        site: PathBuf,
    },
    /// Create a starter site that builds.
    New {
        /// The folder to create.
        dir: PathBuf,
    },
}

fn print_problems(diags: &explainer::Diagnostics, show_info: bool) {
    for d in diags.sorted() {
        if d.severity != Severity::Info || show_info {
            eprint!("{d}");
        }
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Build {
            site_dir,
            out,
            drafts,
        } => build(BuildOptions {
            out_dir: out,
            drafts,
            ..BuildOptions::new(site_dir)
        }),
        Command::Check { site_dir, strict } => check(site_dir, strict),
        #[cfg(feature = "serve")]
        Command::Serve {
            site_dir,
            port,
            bind,
            out,
            open,
        } => {
            let opts = explainer::serve::ServeOptions {
                bind,
                port,
                out_dir: out,
                ..explainer::serve::ServeOptions::new(site_dir)
            };
            exit_with(explainer::serve::run(opts, open))
        }
        #[cfg(feature = "lsp")]
        Command::Lsp { site_dir } => exit_with(explainer::lsp::run(site_dir.as_deref())),
        Command::Cite { words, site } => cite(site, &words.join(" ")),
        Command::New { dir } => {
            let made = explainer::scaffold::new_site(&dir);
            if made.is_ok() {
                let d = dir.display();
                println!(
                    "created {d}\n\nPreview it (reloads as you edit):  explainer serve {d}\nBuild it into {d}/public/:         explainer build {d}\n\n`explainer` not found? Install it from the generator's folder with\n    cargo install --locked --path .\nor run it from there without installing: cargo run --release -- serve {d}"
                );
            }
            exit_with(made)
        }
    }
}

/// `explainer build`: problems, then one summary line; on failure, what became of the
/// output folder.
fn build(opts: BuildOptions) -> ExitCode {
    match explainer::build(&opts) {
        Ok(report) => {
            print_problems(&report.diagnostics, false);
            println!("{}", report.summary());
            ExitCode::SUCCESS
        }
        Err(diags) => {
            print_problems(&diags, false);
            let output = match diags.output_changed() {
                Some(what) => format!("{}: {what}", opts.out_dir().display()),
                None => format!("{} was left as it was", opts.out_dir().display()),
            };
            eprintln!(
                "build failed: {} error(s), {} warning(s); {output}",
                diags.count(Severity::Error),
                diags.count(Severity::Warning),
            );
            ExitCode::FAILURE
        }
    }
}

/// `explainer check`: every problem, information included; `--strict` fails on warnings.
fn check(site_dir: PathBuf, strict: bool) -> ExitCode {
    let opts = BuildOptions {
        check_only: true,
        ..BuildOptions::new(site_dir)
    };
    let mut diags = match explainer::build(&opts) {
        Ok(report) => report.diagnostics,
        Err(diags) => diags,
    };
    if strict {
        diags.promote_warnings();
    }
    print_problems(&diags, true);
    let (e, w) = (diags.count(Severity::Error), diags.count(Severity::Warning));
    if e > 0 {
        eprintln!("check failed: {e} error(s), {w} warning(s)");
        ExitCode::FAILURE
    } else {
        println!("check passed: {w} warning(s)");
        ExitCode::SUCCESS
    }
}

/// `explainer cite`: the citations of the passages with the words, or the closest one.
fn cite(site_dir: PathBuf, words: &str) -> ExitCode {
    let (site, diags) = explainer::check_in(
        &BuildOptions::new(site_dir),
        &mut explainer::Session::one_off(),
    );
    let Some(site) = site else {
        print_problems(&diags, false);
        eprintln!("cite: the site could not be read");
        return ExitCode::FAILURE;
    };
    let (found, report) = explainer::passages::cite_report(&site, words);
    print!("{report}");
    if found {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Success, or the error on stderr and exit status 1.
fn exit_with(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
