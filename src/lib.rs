//! explainer: a static site generator for cited explainers.
//!
//! The pipeline is the architecture. Each stage takes the previous stage's value and
//! returns a new one:
//!
//! ```text
//! load     content/ → files                        (load)
//! parse    front matter + Markdown → pages         (frontmatter, markdown, cite)
//! resolve  links, citations, backlinks → Site      (resolve)
//! render   templates over the Site → outputs       (theme, render, feeds, highlight, search)
//! write    staging folder, swapped in atomically   (output)
//! ```
//!
//! [`build`] runs them all (`build.rs`); `serve` runs the same pipeline in a warm
//! [`Session`]. Every stage collects all the problems it can find as [`Diagnostic`]s; the
//! build fails, leaving the previous output untouched, if any of them is an error.
//! ARCHITECTURE.md at the top of the repository is the map.

// Diagnostics are the error values of every stage; they are built on cold paths, so
// boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod bibliography;
pub mod build;
pub mod checks;
pub mod cite;
pub mod cite_error;
pub mod config;
pub mod css;
pub mod data;
pub mod db;
pub mod diagnostic;
pub mod editions;
pub mod feeds;
pub mod fingerprint;
pub mod frontmatter;
pub mod graph;
pub mod highlight;
pub mod html;
pub mod ids;
pub mod load;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod markdown;
pub mod output;
pub mod page;
pub mod parse;
pub mod passages;
pub mod producers;
pub mod render;
pub mod resolve;
pub mod reuse;
pub mod scaffold;
pub mod search;
#[cfg(feature = "serve")]
pub mod serve;
pub mod session;
pub mod shortcode;
pub mod shortcodes;
pub mod theme;
pub mod timing;
pub mod url;
pub mod verification;

pub use build::{BuildOptions, BuildReport, build, build_in, check_in, load_site, sink_for};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use search::SearchIndex;
pub use session::Session;
