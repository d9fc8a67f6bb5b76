//! Load: walk `content/` and read every file, in a stable order.
//!
//! Markdown files become [`SourceFile`]s for the parser; any other file (an image, a PDF)
//! is an [`Asset`] copied to the output beside its page. Hidden files and editors'
//! temporary files are skipped, so a half-saved buffer never reaches the site.

use crate::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};

/// A Markdown file from `content/`.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path relative to `content/`, with `/` separators (`concerns/privacy.md`).
    pub rel: String,
    /// The path to show in diagnostics, relative to the site folder (`content/concerns/privacy.md`).
    pub display: PathBuf,
    /// The file's text, with any byte-order mark and private-use markers removed.
    pub text: String,
}

/// A non-Markdown file from `content/`, copied as it is.
#[derive(Clone, Debug)]
pub struct Asset {
    /// The path relative to `content/`, with `/` separators.
    pub rel: String,
    /// Where it is on disk.
    pub path: PathBuf,
}

/// Everything read from `content/`.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// Markdown files, sorted by path.
    pub files: Vec<SourceFile>,
    /// Other files, sorted by path.
    pub assets: Vec<Asset>,
}

/// Whether a file name is an editor's temporary or backup file, or hidden.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.starts_with('#')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
        || name.contains("___jb_tmp___")
        || name.contains("___jb_old___")
        || name == "4913"
}

/// Reads every file under `content_dir`.
pub fn load(site_dir: &Path, content_dir: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let mut loaded = Loaded::default();
    let mut errors = vec![];
    if !content_dir.is_dir() {
        return Err(vec![
            Diagnostic::error(content_dir.strip_prefix(site_dir).unwrap_or(content_dir), None, "there is no content folder")
                .with_help("create a `content/` folder beside explainer.toml, with `_index.md` for the home page"),
        ]);
    }
    walk(site_dir, content_dir, content_dir, &mut loaded, &mut errors);
    loaded.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    loaded.assets.sort_by(|a, b| a.rel.cmp(&b.rel));
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

fn walk(site_dir: &Path, root: &Path, dir: &Path, out: &mut Loaded, errors: &mut Vec<Diagnostic>) {
    let display = |p: &Path| p.strip_prefix(site_dir).unwrap_or(p).to_path_buf();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(
                Diagnostic::error(display(dir), None, format!("cannot read the folder: {e}"))
                    .with_help("check the folder's permissions"),
            );
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_ignored_name(&name) {
            continue;
        }
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(site_dir, root, &path, out, errors);
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if name.ends_with(".md") {
            match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => out.files.push(SourceFile {
                        rel,
                        display: display(&path),
                        text: clean(text),
                    }),
                    Err(e) => errors.push(
                        Diagnostic::error(
                            display(&path),
                            None,
                            format!(
                                "the file is not valid UTF-8 (at byte {})",
                                e.utf8_error().valid_up_to()
                            ),
                        )
                        .with_help("save the file as UTF-8 in your editor"),
                    ),
                },
                Err(e) => errors.push(
                    Diagnostic::error(display(&path), None, format!("cannot read the file: {e}"))
                        .with_help("check the file's permissions"),
                ),
            }
        } else {
            out.assets.push(Asset { rel, path });
        }
    }
}

/// Removes a byte-order mark, normalises line endings, and drops the private-use
/// characters the parser uses as markers, so editor text can never forge one.
fn clean(text: String) -> String {
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text);
    // A lone CR ends a line too (CommonMark): make it a LF, so that line numbers agree
    // with the parser's.
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    };
    if text.contains(crate::markdown::MARK_OPEN) || text.contains(crate::markdown::MARK_CLOSE) {
        text.replace(
            [crate::markdown::MARK_OPEN, crate::markdown::MARK_CLOSE],
            "",
        )
    } else {
        text
    }
}
