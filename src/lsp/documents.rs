//! The open buffers, and every conversion between the editor's world and the site's: a
//! document's URI to its path relative to `content/` (never outside it), and a position
//! in the units the client negotiated (UTF-16 by default, or UTF-8) to a byte offset in
//! the text, and back.

use lsp_types::{Position, Range, Url};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The unit of a position's `character`, as negotiated at initialize.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-16 code units (the protocol's default).
    Utf16,
    /// Bytes of UTF-8.
    Utf8,
}

/// One open buffer.
#[derive(Clone, Debug)]
pub struct Doc {
    /// Its path relative to `content/` (`concerns/privacy.md`).
    pub rel: String,
    /// Its unsaved text, as the editor has it.
    pub text: String,
    /// The byte offset where each line starts.
    lines: Vec<usize>,
}

impl Doc {
    /// A buffer of `text` at `rel`.
    pub fn new(rel: String, text: String) -> Doc {
        let lines = line_starts(&text);
        Doc { rel, text, lines }
    }

    /// Replaces the whole text.
    pub fn set_text(&mut self, text: String) {
        self.lines = line_starts(&text);
        self.text = text;
    }

    /// Applies one change: the whole text, or a range of it replaced.
    pub fn apply(&mut self, range: Option<Range>, new: &str, enc: Encoding) {
        let Some(range) = range else {
            self.set_text(new.to_string());
            return;
        };
        let start = self.offset(range.start, enc);
        let end = self.offset(range.end, enc).max(start);
        let mut text = String::with_capacity(self.text.len() + new.len());
        text.push_str(&self.text[..start]);
        text.push_str(new);
        text.push_str(&self.text[end..]);
        self.set_text(text);
    }

    /// The text of 0-based line `line`, without its line break (empty past the end).
    pub fn line(&self, line: usize) -> &str {
        line_of(&self.text, &self.lines, line)
    }

    /// How many lines the text has.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// The byte offset of a client position, clamped into the text and onto a character
    /// boundary (a position past a line's end is its end).
    pub fn offset(&self, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        let Some(&start) = self.lines.get(line) else {
            return self.text.len();
        };
        start + byte_in_line(self.line(line), pos.character as usize, enc)
    }

    /// The client position of a byte offset (clamped into the text).
    #[cfg(test)]
    pub fn position(&self, offset: usize, enc: Encoding) -> Position {
        let offset = offset.min(self.text.len());
        let line = self
            .lines
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let text = self.line(line);
        let col = offset - self.lines[line];
        Position::new(line as u32, units(text, col, enc))
    }

    /// The 0-based line and the byte offset in it of a client position.
    pub fn line_and_byte(&self, pos: Position, enc: Encoding) -> (usize, usize) {
        let line = (pos.line as usize).min(self.lines.len().saturating_sub(1));
        (
            line,
            byte_in_line(self.line(line), pos.character as usize, enc),
        )
    }
}

/// The byte offsets where the lines of `text` start (at least one line).
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// Line `line` of `text`, given its line starts, without `\n` or `\r\n`.
pub fn line_of<'a>(text: &'a str, lines: &[usize], line: usize) -> &'a str {
    let Some(&start) = lines.get(line) else {
        return "";
    };
    let end = lines.get(line + 1).map_or(text.len(), |e| e - 1);
    let s = text.get(start..end).unwrap_or("");
    s.strip_suffix('\r').unwrap_or(s)
}

/// The byte offset in `line` of `units` client units (clamped to the line's end, and
/// down onto a character boundary).
pub fn byte_in_line(line: &str, units: usize, enc: Encoding) -> usize {
    let mut seen = 0;
    for (i, c) in line.char_indices() {
        if seen >= units {
            return i;
        }
        seen += match enc {
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf8 => c.len_utf8(),
        };
        if seen > units {
            return i;
        }
    }
    line.len()
}

/// How many client units the first `bytes` bytes of `line` are.
pub fn units(line: &str, bytes: usize, enc: Encoding) -> u32 {
    let mut end = bytes.min(line.len());
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let n = match enc {
        Encoding::Utf8 => end,
        Encoding::Utf16 => line[..end].chars().map(char::len_utf16).sum(),
    };
    n as u32
}

/// The byte offset in `line` of the 1-based column `col` counted in characters (as a
/// [`crate::diagnostic::Position`] counts it).
pub fn byte_of_char_col(line: &str, col: usize) -> usize {
    line.char_indices()
        .nth(col.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i)
}

/// The open buffers, by URI.
#[derive(Debug, Default)]
pub struct Documents {
    docs: HashMap<Url, Doc>,
}

impl Documents {
    /// The buffer at `uri`, if open.
    pub fn get(&self, uri: &Url) -> Option<&Doc> {
        self.docs.get(uri)
    }

    /// The buffer at `uri`, to change, if open.
    pub fn get_mut(&mut self, uri: &Url) -> Option<&mut Doc> {
        self.docs.get_mut(uri)
    }

    /// Opens (or replaces) a buffer.
    pub fn open(&mut self, uri: Url, doc: Doc) {
        self.docs.insert(uri, doc);
    }

    /// Closes a buffer; its path, if it was open.
    pub fn close(&mut self, uri: &Url) -> Option<String> {
        self.docs.remove(uri).map(|d| d.rel)
    }

    /// Every open buffer's path and text.
    pub fn texts(&self) -> Vec<(String, String)> {
        self.docs
            .values()
            .map(|d| (d.rel.clone(), d.text.clone()))
            .collect()
    }

    /// The open buffer of the content file at `rel`, with its URI.
    pub fn by_rel(&self, rel: &str) -> Option<(&Url, &Doc)> {
        self.docs.iter().find(|(_, d)| d.rel == rel)
    }
}

/// Where the site's content is, for turning URIs into paths and back.
#[derive(Clone, Debug)]
pub struct Paths {
    /// The content folder, absolute.
    pub content: PathBuf,
    /// The site folder, absolute.
    pub site: PathBuf,
    /// The site folder as the client named it, when that is another path to the same
    /// folder (through a symbolic link), and whether the client's last file came by it:
    /// diagnostics then go to the files by that spelling, which is the one the editor has.
    shown: Option<(PathBuf, std::cell::Cell<bool>)>,
}

impl Paths {
    /// The paths of the site at `site_dir` (its real path), which the client may name as
    /// `named` (a path through a symbolic link).
    pub fn new(site_dir: &Path, named: &Path) -> Paths {
        let site = std::path::absolute(site_dir).unwrap_or_else(|_| site_dir.to_path_buf());
        let named = std::path::absolute(named).unwrap_or_else(|_| named.to_path_buf());
        Paths {
            content: site.join("content"),
            shown: (named != site).then(|| (named, std::cell::Cell::new(false))),
            site,
        }
    }

    /// The path relative to `content/` of a `file:` URI inside it (by the site's real
    /// path or the client's name for it); `None` for any other URI, or one that leads out
    /// of it (`..`).
    pub fn rel_of(&self, uri: &Url) -> Option<String> {
        if uri.scheme() != "file" {
            return None;
        }
        let path = uri.to_file_path().ok()?;
        let by_name = self.shown.as_ref().and_then(|(named, used)| {
            let rest = path.strip_prefix(named.join("content")).ok()?;
            used.set(true);
            Some(rest)
        });
        let rest = match by_name {
            Some(rest) => rest,
            None => {
                let rest = path.strip_prefix(&self.content).ok()?;
                if let Some((_, used)) = &self.shown {
                    used.set(false);
                }
                rest
            }
        };
        let mut parts = vec![];
        for c in rest.components() {
            match c {
                std::path::Component::Normal(s) => parts.push(s.to_str()?.to_string()),
                _ => return None,
            }
        }
        (!parts.is_empty()).then(|| parts.join("/"))
    }

    /// The URI of a file given as the site's diagnostics name it (relative to the site
    /// folder, or absolute).
    pub fn uri_of_site_file(&self, file: &Path) -> Option<Url> {
        let site = match &self.shown {
            Some((named, used)) if used.get() => named,
            _ => &self.site,
        };
        Url::from_file_path(site.join(file)).ok()
    }

    /// The URI of the content file at `rel`.
    pub fn uri_of_rel(&self, rel: &str) -> Option<Url> {
        Url::from_file_path(self.content.join(rel)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf8_columns_on_a_multibyte_line() {
        let doc = Doc::new("a.md".into(), "x\n中文 😀 [@a]\n".into());
        let at = doc.text.find("[@").unwrap();
        assert_eq!(doc.position(at, Encoding::Utf16), Position::new(1, 6));
        assert_eq!(doc.position(at, Encoding::Utf8), Position::new(1, 12));
        assert_eq!(doc.offset(Position::new(1, 6), Encoding::Utf16), at);
        // Inside the emoji's surrogate pair: down onto its start.
        assert_eq!(
            doc.offset(Position::new(1, 4), Encoding::Utf16),
            doc.text.find('😀').unwrap()
        );
        assert_eq!(
            doc.offset(Position::new(9, 0), Encoding::Utf16),
            doc.text.len()
        );
    }
}
