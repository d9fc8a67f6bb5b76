//! Search: a full-text index of the rendered pages, built in process by Pagefind at build
//! time. The index is a set of static files (`/pagefind/…`) that the search page loads on
//! demand, so search works offline on any static host, with no server and no third party.

use crate::diagnostic::Diagnostic;
use crate::render::Output;
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

/// The folder the index is written to, under the output folder.
pub const BUNDLE_DIR: &str = "pagefind";

/// Markup that is not the page's text, kept out of the index and so out of the excerpts:
/// heading anchors ("Link to this section"), paragraph numbers, citation marks, reference
/// lists, "Cited by" asides and labels. Themes can mark more with `data-pagefind-ignore`.
const NOISE: &[&str] = &[
    ".anchor",
    ".para-num",
    "sup.cites",
    ".references",
    ".cited-by",
    ".source-meta",
    ".visually-hidden",
];

/// Indexes the HTML pages among `outputs` (those marked `data-pagefind-body`) and returns
/// the index files, under [`BUNDLE_DIR`].
pub fn index(
    outputs: &[Output],
    base_path: &str,
    language: &str,
) -> Result<Vec<Output>, Diagnostic> {
    let fail = |what: String| {
        Diagnostic::error("content", None, format!("the search index could not be built: {what}"))
            .with_help("set `search = false` in explainer.toml to build without search, and report this problem")
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let lang = language
        .split(['-', '_'])
        .next()
        .unwrap_or("en")
        .to_ascii_lowercase();
    runtime.block_on(async {
        let config = PagefindServiceConfig::builder()
            .force_language(lang)
            .exclude_selectors(NOISE.iter().map(|s| s.to_string()).collect())
            .build();
        let mut idx = PagefindIndex::new(Some(config)).map_err(|e| fail(e.to_string()))?;
        for o in outputs.iter().filter(|o| o.path.ends_with(".html")) {
            let html = String::from_utf8_lossy(&o.bytes);
            if !html.contains("data-pagefind-body") {
                continue;
            }
            let url = format!(
                "{base_path}{}",
                o.path.strip_suffix("index.html").unwrap_or(&o.path)
            );
            idx.add_html_file(None, Some(url), html.into_owned())
                .await
                .map_err(|e| fail(format!("{}: {e}", o.path)))?;
        }
        let files = idx.get_files().await.map_err(|e| fail(e.to_string()))?;
        Ok(files
            .into_iter()
            .filter(|f| is_needed(&f.filename.to_string_lossy()))
            .map(|f| Output {
                path: format!(
                    "{BUNDLE_DIR}/{}",
                    f.filename.to_string_lossy().replace('\\', "/")
                ),
                bytes: f.contents,
            })
            .collect())
    })
}

/// Whether a file of Pagefind's bundle is needed by our search page: the index and its
/// loader, not Pagefind's own UI kits or playground.
fn is_needed(name: &str) -> bool {
    !(name.contains("-ui.")
        || name.starts_with("pagefind-highlight")
        || name.starts_with("playground"))
}
