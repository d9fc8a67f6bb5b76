//! Load: walk `content/` and read every file, in a stable order.
//!
//! Markdown files become [`SourceFile`]s for the parser; any other file (an image, a PDF)
//! is an [`Asset`] copied to the output beside its page. Hidden files and editors'
//! temporary files are skipped, so a half-saved buffer never reaches the site.

use crate::diagnostic::Diagnostic;
use rayon::prelude::*;
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

impl SourceFile {
    /// A content file from its text, cleaned as [`load`] cleans what it reads (for
    /// tools and fuzzing, which parse text that is not on disk).
    pub fn from_text(rel: &str, text: String) -> SourceFile {
        SourceFile {
            rel: rel.to_string(),
            display: Path::new("content").join(rel),
            text: clean(text),
        }
    }
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
    /// The bibliography files (`references.yaml`, `references.json`), which are read,
    /// not copied.
    pub bibliography: Vec<crate::bibliography::BibliographyFile>,
    /// The data files (`content/data/*.yaml|yml|json|csv`), read for `load_data`; they
    /// are in `assets` too, and published only if a page links to one.
    pub data: Vec<crate::data::DataFile>,
    /// Markdown files left unread because the caller has them already (see
    /// [`load_keeping`]), by path relative to `content/`, sorted.
    pub kept: Vec<String>,
}

impl Loaded {
    /// Puts `unsaved` texts (by path relative to `content/`; see
    /// `Session::set_unsaved`) in place of what was read from disk: a Markdown file's or a
    /// bibliography file's text, cleaned as [`load`] cleans it. An unsaved Markdown file
    /// that is not on disk is added, if its name is one the walk would take.
    pub fn with_unsaved(mut self, unsaved: &std::collections::BTreeMap<String, String>) -> Self {
        for (rel, text) in unsaved {
            let name = rel.rsplit('/').next().unwrap_or(rel);
            if let Some(b) = self
                .bibliography
                .iter_mut()
                .find(|b| b.display.ends_with(rel))
            {
                b.text = text.strip_prefix('\u{feff}').unwrap_or(text).to_string();
            } else if let Some(f) = self.files.iter_mut().find(|f| &f.rel == rel) {
                f.text = clean(text.clone());
            } else if crate::bibliography::FILES.contains(&rel.as_str()) {
                self.bibliography
                    .push(crate::bibliography::BibliographyFile {
                        display: Path::new("content").join(rel),
                        text: text.strip_prefix('\u{feff}').unwrap_or(text).to_string(),
                    });
            } else if name.ends_with(".md")
                && !rel
                    .split('/')
                    .any(|part| is_ignored_name(part) || url_unsafe_char(part).is_some())
            {
                self.files.push(SourceFile::from_text(rel, text.clone()));
            }
        }
        self.files.sort_by(|a, b| a.rel.cmp(&b.rel));
        self
    }
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
///
/// A symbolic link is followed only if it leads to a place inside `content/`: one that
/// leads anywhere else, even elsewhere in the site folder (`content/env.txt -> ../.env`,
/// `content/mirror -> ../public`), is an error naming both ends, so that a link can
/// never publish a file from elsewhere on the disk. A link that loops, or leads nowhere,
/// is an error too. So is a file or folder name that cannot be part of a web address as
/// it is (see [`url_unsafe_char`]), and anything that is neither a regular file nor a
/// folder (a named pipe, a socket, a device), which is never opened.
pub fn load(site_dir: &Path, content_dir: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    load_keeping(site_dir, content_dir, &|_| false)
}

/// [`load`], but a Markdown file for which `keep` says yes (given its path relative to
/// `content/`) is not read:
/// it is listed in [`Loaded::kept`], for a caller that has its text from an earlier load
/// and knows it has not changed since. Files reached through a symbolic link are always
/// read, since a change to them may be reported under the link's target.
pub fn load_keeping(
    site_dir: &Path,
    content_dir: &Path,
    keep: &dyn Fn(&str) -> bool,
) -> Result<Loaded, Vec<Diagnostic>> {
    let mut loaded = Loaded::default();
    let mut errors = vec![];
    if !content_dir.is_dir() {
        return Err(vec![
            Diagnostic::error(content_dir.strip_prefix(site_dir).unwrap_or(content_dir), None, "there is no content folder")
                .with_help("create a `content/` folder beside explainer.toml, with `_index.md` for the home page"),
        ]);
    }
    let site_real = site_dir
        .canonicalize()
        .unwrap_or_else(|_| site_dir.to_path_buf());
    // content/ itself may be a link within the site; the links in it stay inside it.
    let content_real = match follow_link(&site_real, &display(site_dir, content_dir), content_dir) {
        Ok(real) => real,
        Err(d) => return Err(vec![d]),
    };
    let mut walker = Walker {
        site_dir,
        content_real: &content_real,
        root: content_dir,
        visited: vec![],
        keep,
        links: 0,
        out: &mut loaded,
        errors: &mut errors,
        pending: vec![],
    };
    if walker.enter(content_dir) {
        walker.walk(content_dir);
    }
    // Reading and cleaning the files is most of a clean load: on every core.
    let pending = std::mem::take(&mut walker.pending);
    let read: Vec<Result<SourceFile, Diagnostic>> =
        pending.into_par_iter().map(read_markdown).collect();
    for file in read {
        match file {
            Ok(f) => loaded.files.push(f),
            Err(d) => errors.push(d),
        }
    }
    loaded.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    loaded.assets.sort_by(|a, b| a.rel.cmp(&b.rel));
    loaded.kept.sort();
    // references.yaml first: a duplicate id is reported where it is repeated.
    loaded.bibliography.sort_by_key(|b| {
        crate::bibliography::FILES
            .iter()
            .position(|f| b.display.ends_with(f))
    });
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(errors)
    }
}

/// `p` as diagnostics show it: relative to the site folder where it is inside it.
fn display(site_dir: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(site_dir).unwrap_or(p).to_path_buf()
}

/// The first character of a file or folder name that a web address cannot carry as it
/// is: `#` and `?` end the path, `%` starts an escape, and whitespace or a control
/// character would need escaping in every link, the sitemap and the feed. Invisible
/// characters are refused too: a bidirectional control (U+202A–U+202E, U+2066–U+2069,
/// U+200E, U+200F, U+061C) makes a name read differently from what it is
/// (`e\u{202E}gnp.md` shows as `emd.png`), and a zero-width one (U+200B–U+200D, U+2060,
/// U+FEFF) makes two names that look the same.
pub fn url_unsafe_char(name: &str) -> Option<char> {
    name.chars().find(|&c| {
        matches!(c, '#' | '?' | '%') || c.is_whitespace() || c.is_control() || is_invisible(c)
    })
}

/// Whether `c` is a bidirectional control or a zero-width character: one that changes
/// how a name looks, or looks like nothing.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// What a file type is, if it is neither a regular file, a folder nor a link: such a
/// thing (a named pipe, a socket, a device) is never opened, since reading it can block
/// the build forever or never end.
pub fn special_kind(kind: std::fs::FileType) -> Option<&'static str> {
    if kind.is_file() || kind.is_dir() || kind.is_symlink() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
    }
    Some("neither a file nor a folder")
}

/// The error for `shown`, which is `what` ([`special_kind`]) rather than a file.
pub fn special_file_error(shown: &Path, what: &str) -> Diagnostic {
    Diagnostic::error(
        shown,
        None,
        format!("this is {what}, not a regular file: the build never opens it, since reading it could block forever"),
    )
    .with_help("replace it with a regular file or folder, or remove it (a site holds only files and folders)")
}

/// The error for a path that exists but is not a regular file (a folder, a named pipe),
/// where the build needs to read a file (`explainer.toml`, a template); `None` if it is a
/// regular file or does not exist (reading it then says so). Links are followed.
pub fn not_a_regular_file(shown: &Path, path: &Path) -> Option<Diagnostic> {
    let kind = std::fs::metadata(path).ok()?.file_type();
    if kind.is_dir() {
        return Some(
            Diagnostic::error(shown, None, "this is a folder, where a file was expected")
                .with_help("replace it with a file, or remove it"),
        );
    }
    special_kind(kind).map(|what| special_file_error(shown, what))
}

/// Where a symbolic link at `path` leads, if that is inside `site_real`; otherwise the
/// error to report (`shown` is the link's path as diagnostics show it).
pub fn follow_link(site_real: &Path, shown: &Path, path: &Path) -> Result<PathBuf, Diagnostic> {
    follow_link_within(site_real, "the site folder", shown, path)
}

/// Where a symbolic link at `path` leads, if that is inside `root_real` (a real path,
/// which diagnostics call `root`: `content/`, `layouts/`); otherwise the error to
/// report. A link into explainer's output folder is named as one: following it would
/// copy the output into itself on every build.
pub fn follow_link_within(
    root_real: &Path,
    root: &str,
    shown: &Path,
    path: &Path,
) -> Result<PathBuf, Diagnostic> {
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "?".into());
    match path.canonicalize() {
        Ok(real) if real.starts_with(root_real) => Ok(real),
        Ok(real) => match real
            .ancestors()
            .find(|a| a.join(crate::output::MARKER).is_file())
        {
            Some(output) => Err(Diagnostic::error(
                shown,
                None,
                format!(
                    "this is a link into explainer's output folder {}: every build would copy its own output into itself",
                    output.display()
                ),
            )
            .with_help("remove the link: the output folder is written by the build, never read by it")),
            None => Err(Diagnostic::error(
                shown,
                None,
                format!(
                    "this is a link to {}, which is outside {root}",
                    real.display()
                ),
            )
            .with_help(format!("the build follows links only inside {root}, so that a link can never publish a file from elsewhere (`.env`, `.git/config`, your home folder): copy the file into {root}, or remove the link"))),
        },
        // ELOOP: too many levels of symbolic links.
        Err(e) if e.raw_os_error() == Some(40) || e.to_string().contains("symbolic links") => {
            Err(Diagnostic::error(
                shown,
                None,
                format!("this link (to {target}) loops back on itself"),
            )
            .with_help("point the link at a real file or folder, or remove it"))
        }
        Err(_) => Err(Diagnostic::error(
            shown,
            None,
            format!("this link leads to {target}, which does not exist"),
        )
        .with_help("point the link at an existing file, or remove it")),
    }
}

/// The state of one walk over `content/`.
struct Walker<'a> {
    site_dir: &'a Path,
    /// The real path of `content/`, which every link must lead inside.
    content_real: &'a Path,
    root: &'a Path,
    /// The real paths of the folders being walked, to catch a link back to one of them.
    visited: Vec<PathBuf>,
    /// Which Markdown files need not be read.
    keep: &'a dyn Fn(&str) -> bool,
    /// How many symbolic links lead to the folder being walked.
    links: usize,
    out: &'a mut Loaded,
    errors: &'a mut Vec<Diagnostic>,
    /// The Markdown files to read once the walk is over, in parallel ([`read_markdown`]).
    pending: Vec<Pending>,
}

/// A Markdown file the walk found and the build must read: its path relative to
/// `content/`, its path as messages show it, and its path.
struct Pending {
    rel: String,
    display: PathBuf,
    path: PathBuf,
}

/// Reads a Markdown file the walk found.
fn read_markdown(p: Pending) -> Result<SourceFile, Diagnostic> {
    let text = read_text(&p.path, &p.display, "the file")?;
    Ok(SourceFile {
        rel: p.rel,
        display: p.display,
        text: clean(text),
    })
}

impl Walker<'_> {
    fn display(&self, p: &Path) -> PathBuf {
        display(self.site_dir, p)
    }

    fn follow(&self, path: &Path) -> Result<PathBuf, Diagnostic> {
        follow_link_within(self.content_real, "content/", &self.display(path), path)
    }

    /// Checks that the folder `dir` (perhaps reached through a link) is inside the site
    /// and not one already being walked.
    fn enter(&mut self, dir: &Path) -> bool {
        let real = match self.follow(dir) {
            Ok(real) => real,
            Err(d) => {
                self.errors.push(d);
                return false;
            }
        };
        if self.visited.contains(&real) {
            self.errors.push(
                Diagnostic::error(
                    self.display(dir),
                    None,
                    format!(
                        "this link leads back to {}, which holds it: the folder would never end",
                        self.display(&real).display()
                    ),
                )
                .with_help("remove the link, or point it at a folder that does not hold it"),
            );
            return false;
        }
        self.visited.push(real);
        true
    }

    fn walk(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.errors.push(
                    Diagnostic::error(
                        self.display(dir),
                        None,
                        format!("cannot read the folder: {e}"),
                    )
                    .with_help("check the folder's permissions"),
                );
                return;
            }
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_ignored_name(&name) {
                continue;
            }
            let Ok(mut kind) = entry.file_type() else {
                continue;
            };
            if let Some(c) = url_unsafe_char(&name) {
                let shown = if c.is_whitespace() || c.is_control() {
                    format!("{c:?}")
                } else {
                    format!("`{c}`")
                };
                self.errors.push(
                    Diagnostic::error(
                        self.display(&path),
                        None,
                        format!("the name `{name}` has {shown}, which breaks its web address"),
                    )
                    .with_help(
                        "rename it with letters, digits, `-`, `_` and `.` only, e.g. `my-page.md`",
                    ),
                );
                continue;
            }
            let is_link = kind.is_symlink();
            if is_link {
                match self.follow(&path).and_then(|real| {
                    std::fs::metadata(&real).map_err(|e| {
                        Diagnostic::error(
                            self.display(&path),
                            None,
                            format!("cannot read the link's target: {e}"),
                        )
                    })
                }) {
                    Ok(meta) => kind = meta.file_type(),
                    Err(d) => {
                        self.errors.push(d);
                        continue;
                    }
                }
            }
            if let Some(what) = special_kind(kind) {
                self.errors
                    .push(special_file_error(&self.display(&path), what));
                continue;
            }
            if kind.is_dir() {
                if self.enter(&path) {
                    self.links += usize::from(is_link);
                    self.walk(&path);
                    self.links -= usize::from(is_link);
                    self.visited.pop();
                }
                continue;
            }
            self.file(path, &name, is_link || self.links > 0);
        }
    }

    fn file(&mut self, path: PathBuf, name: &str, through_link: bool) {
        let rel = path
            .strip_prefix(self.root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if crate::bibliography::FILES.contains(&rel.as_str()) {
            let display = self.display(&path);
            match read_text(&path, &display, "the bibliography") {
                // A byte-order mark (which editors on Windows and some reference managers
                // write) is not part of the YAML or JSON: drop it, as for Markdown, or the
                // JSON parser reads no entries at all.
                Ok(text) => self
                    .out
                    .bibliography
                    .push(crate::bibliography::BibliographyFile {
                        display,
                        text: match text.strip_prefix('\u{feff}') {
                            Some(rest) => rest.to_owned(),
                            None => text,
                        },
                    }),
                Err(d) => self.errors.push(d),
            }
            return;
        }
        if !name.ends_with(".md") {
            if crate::data::is_data_file(&rel) {
                self.data_file(&path, &rel);
            }
            self.out.assets.push(Asset { rel, path });
            return;
        }
        if !through_link && (self.keep)(&rel) {
            self.out.kept.push(rel);
            return;
        }
        let display = self.display(&path);
        self.pending.push(Pending { rel, display, path });
    }
}

impl Walker<'_> {
    /// Reads a data file's text.
    fn data_file(&mut self, path: &Path, rel: &str) {
        let display = self.display(path);
        match read_text(path, &display, "the data file") {
            Ok(text) => self.out.data.push(crate::data::DataFile {
                rel: rel.to_string(),
                display,
                text,
            }),
            Err(d) => self.errors.push(d),
        }
    }
}

/// The text of the file at `path` (shown as `display`); `what` names it in the error
/// when it cannot be read or is not UTF-8.
fn read_text(path: &Path, display: &Path, what: &str) -> Result<String, Diagnostic> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|e| not_utf8(display.to_path_buf(), e.as_bytes(), e.utf8_error())),
        Err(e) => Err(
            Diagnostic::error(display, None, format!("cannot read {what}: {e}"))
                .with_help("check the file's permissions"),
        ),
    }
}

/// The error for a file that is not valid UTF-8, at the line and column of the first
/// byte that is not.
pub fn not_utf8(file: PathBuf, bytes: &[u8], e: std::str::Utf8Error) -> Diagnostic {
    let valid = &bytes[..e.valid_up_to()];
    // The valid prefix is UTF-8 by definition.
    let before = std::str::from_utf8(valid).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let position = crate::diagnostic::Position {
        line: before.matches('\n').count() + 1,
        col: before[line_start..].chars().count() + 1,
    };
    let text = String::from_utf8_lossy(bytes);
    Diagnostic::error(
        file,
        Some(position),
        "the file is not valid UTF-8 from here on",
    )
    .with_help("save the file as UTF-8 in your editor (this byte is in another encoding, such as Latin-1 or Windows-1252)")
    .with_source(&text)
}

/// Removes a byte-order mark and normalises line endings.
fn clean(text: String) -> String {
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text);
    // A lone CR ends a line too (CommonMark): make it a LF, so that line numbers agree
    // with the parser's.
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    }
}
