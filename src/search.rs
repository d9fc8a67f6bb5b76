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

/// The file in the index folder that records what the index was built from (see
/// [`index_key`]), so that the next build can keep the index when nothing it reads changed.
pub const KEY_FILE: &str = "explainer-index-key.txt";

/// A key for the index built from `outputs`: it changes whenever anything the indexer
/// reads changes (any indexed page, the base path, the language, what is left out, this
/// program's version).
pub fn index_key(outputs: &[Output], base_path: &str, language: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (env!("CARGO_PKG_VERSION"), NOISE, base_path, language).hash(&mut h);
    let mut pages = 0usize;
    for o in outputs.iter().filter(|o| o.path.ends_with(".html")) {
        (&o.path, &o.bytes).hash(&mut h);
        pages += 1;
    }
    format!("{:016x}-{pages}", h.finish())
}

/// The index a previous build left in `out_dir`, if it was built from `key`: its files,
/// the key file included.
pub fn previous_index(out_dir: &std::path::Path, key: &str) -> Option<Vec<Output>> {
    let recorded = std::fs::read_to_string(out_dir.join(BUNDLE_DIR).join(KEY_FILE)).ok()?;
    if recorded.trim() != key {
        return None;
    }
    read_index(out_dir)
}

/// The index files in `out_dir`, sorted by path. Only regular files are read: a link in
/// the index folder (which could lead anywhere on the disk) means there is no index to
/// reuse.
pub fn read_index(out_dir: &std::path::Path) -> Option<Vec<Output>> {
    let mut files = vec![];
    let mut stack = vec![out_dir.join(BUNDLE_DIR)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()? {
            let path = entry.ok()?.path();
            let kind = std::fs::symlink_metadata(&path).ok()?.file_type();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(out_dir)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push(Output {
                    bytes: std::fs::read(&path).ok()?,
                    path: rel,
                });
            } else {
                return None;
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Some(files)
}

/// The key file for an index built from `key`.
pub fn key_file(key: &str) -> Output {
    Output {
        path: format!("{BUNDLE_DIR}/{KEY_FILE}"),
        bytes: format!("{key}\n").into_bytes(),
    }
}

/// Whether a file of Pagefind's bundle is needed by our search page: the index and its
/// loader, not Pagefind's own UI kits or playground.
fn is_needed(name: &str) -> bool {
    !(name.contains("-ui.")
        || name.starts_with("pagefind-highlight")
        || name.starts_with("playground"))
}
