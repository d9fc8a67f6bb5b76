//! Diagnostics: what went wrong, where (`file:line:col`), and how to fix it.
//!
//! Every stage of the pipeline collects problems as [`Diagnostic`] values instead of
//! stopping at the first one. The build prints them all, sorted by position, each with
//! the offending source line, a caret under the spot, and a `help:` line.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the build.
    Error,
    /// Printed; fails only `check --strict`.
    Warning,
    /// Printed for information; never fails anything.
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// A 1-based line and column (in characters) inside a file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub col: usize,
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// How bad it is.
    pub severity: Severity,
    /// The file, relative to the site folder where possible.
    pub file: PathBuf,
    /// Where in the file; `None` for problems with a whole file or folder.
    pub position: Option<Position>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The source line the position points into, for the caret display: the whole line,
    /// or for a long line a window around the column, with `…` where it was cut.
    pub source_line: Option<String>,
    /// Where the caret goes in `source_line`, in characters from its start.
    pub source_caret: usize,
    /// For the marker that stands for problems left out ([`Diagnostic::omitted`]): how many.
    pub omitted: usize,
}

/// At most this many errors, and as many warnings, are kept for one file; the rest are
/// counted in one line each.
pub const MAX_ERRORS_PER_FILE: usize = 50;

/// How many characters of a long source line are shown on each side of the caret.
const WINDOW: usize = 60;

impl Diagnostic {
    /// An error at a position.
    pub fn error(
        file: impl Into<PathBuf>,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            position,
            message: message.into(),
            help: None,
            source_line: None,
            source_caret: 0,
            omitted: 0,
        }
    }

    /// Stands for `count` errors in `file` that were counted but not recorded, so that a
    /// file with thousands of broken citations costs neither memory nor a screenful each.
    pub fn omitted(file: impl Into<PathBuf>, count: usize) -> Self {
        Diagnostic {
            omitted: count,
            ..Diagnostic::error(
                file,
                None,
                format!("and {count} more error(s) in this file, not shown"),
            )
            .with_help("fix the errors shown and build again to see the rest")
        }
    }

    /// Stands for `count` warnings in `file` that were counted but not recorded, as
    /// [`Diagnostic::omitted`] does for errors: a page of 100,000 uncited paragraphs
    /// prints 50 warnings and this line, not 100,000 warnings.
    pub fn omitted_warnings(file: impl Into<PathBuf>, count: usize) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::omitted(file, count)
        }
        .with_message(format!(
            "and {count} more warning(s) in this file, not shown"
        ))
        .with_help("deal with the warnings shown and build again to see the rest")
    }

    fn with_message(mut self, message: String) -> Self {
        self.message = message;
        self
    }

    /// A warning at a position.
    pub fn warning(
        file: impl Into<PathBuf>,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, position, message)
        }
    }

    /// Information at a position.
    pub fn info(
        file: impl Into<PathBuf>,
        position: Option<Position>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Info,
            ..Diagnostic::error(file, position, message)
        }
    }

    /// Adds the `help:` text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the source line the position points into, taken from the file's text.
    /// A long line is cut to a window around the column, so that a diagnostic never
    /// holds a copy of a whole megabyte-long line.
    ///
    /// This looks for the line from the start of `text`: where many diagnostics point
    /// into one long text, use [`Diagnostic::with_source_in`], which does not.
    pub fn with_source(self, text: &str) -> Self {
        let Some(pos) = self.position else {
            return self;
        };
        match text.lines().nth(pos.line.saturating_sub(1)) {
            Some(line) => self.with_line(line),
            None => self,
        }
    }

    /// [`Diagnostic::with_source`], with the line found through `lines` (the
    /// [`LineIndex`] of `text`) at a cost that does not grow with the text, so that a
    /// thousand diagnostics in a long file cost a thousand lines, not a thousand files.
    pub fn with_source_in(self, text: &str, lines: &LineIndex) -> Self {
        let Some(pos) = self.position else {
            return self;
        };
        let Some(start) = lines.line_start(pos.line) else {
            return self;
        };
        let Some(rest) = text.get(start..) else {
            return self;
        };
        let line = rest.split('\n').next().unwrap_or("");
        self.with_line(line.strip_suffix('\r').unwrap_or(line))
    }

    /// Attaches `line`, the source line the position points into.
    fn with_line(mut self, line: &str) -> Self {
        let Some(pos) = self.position else {
            return self;
        };
        let caret = pos.col.saturating_sub(1);
        if line.len() <= 2 * WINDOW + 20 {
            self.source_line = Some(line.to_owned());
            self.source_caret = caret;
            return self;
        }
        let from = caret.saturating_sub(WINDOW);
        let mut shown = String::new();
        if from > 0 {
            shown.push('…');
        }
        let mut chars = line.chars().skip(from);
        shown.extend(chars.by_ref().take(caret - from + WINDOW));
        if chars.next().is_some() {
            shown.push('…');
        }
        self.source_caret = caret - from + usize::from(from > 0);
        self.source_line = Some(shown);
        self
    }

    /// `file:line:col`, the form editors and terminals turn into a jump target.
    pub fn location(&self) -> String {
        match self.position {
            Some(p) => format!("{}:{}:{}", self.file.display(), p.line, p.col),
            None => self.file.display().to_string(),
        }
    }

    /// The sort key: file, then position, then message.
    fn sort_key(&self) -> (&Path, Option<Position>, Severity, &str) {
        // A marker for errors left out comes after the file's errors.
        let position = if self.omitted > 0 {
            Some(Position {
                line: usize::MAX,
                col: usize::MAX,
            })
        } else {
            self.position
        };
        (&self.file, position, self.severity, &self.message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {}: {}",
            self.location(),
            self.severity,
            self.message
        )?;
        if let (Some(pos), Some(line)) = (self.position, &self.source_line) {
            let number = pos.line.to_string();
            let gutter = " ".repeat(number.len());
            writeln!(f, "{gutter} |")?;
            writeln!(f, "{number} | {line}")?;
            // Keep tabs as tabs, and give a wide character (CJK, most emoji) two spaces,
            // so that the caret lines up under the column in a terminal.
            let pad: String = line
                .chars()
                .take(self.source_caret)
                .map(|c| match c {
                    '\t' => "\t",
                    _ if unicode_width::UnicodeWidthChar::width(c) == Some(2) => "  ",
                    _ if unicode_width::UnicodeWidthChar::width(c) == Some(0) => "",
                    _ => " ",
                })
                .collect();
            writeln!(f, "{gutter} | {pad}^")?;
        }
        if let Some(help) = &self.help {
            for (i, line) in help.lines().enumerate() {
                if i == 0 {
                    writeln!(f, "  help: {line}")?;
                } else {
                    writeln!(f, "        {line}")?;
                }
            }
        }
        Ok(())
    }
}

/// All problems found in one run, in the order they were found.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// What a failed build did to the output folder, if it is not exactly as it was.
    #[serde(skip)]
    output_changed: Option<String>,
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(items: Vec<Diagnostic>) -> Self {
        Diagnostics {
            items,
            output_changed: None,
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics::from(vec![d])
    }
}

impl Diagnostics {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one problem.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Records many problems.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// How many problems have this severity (counting those a marker stands for).
    pub fn count(&self, severity: Severity) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == severity)
            .map(|d| d.omitted.max(1))
            .sum()
    }

    /// Whether there is nothing at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The problems, sorted by file and position, duplicates removed.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        v.dedup_by(|a, b| a == b);
        v
    }

    /// Keeps at most `max` errors and `max` warnings per file (the first by position),
    /// and replaces the rest of each, with any counted by [`Diagnostic::omitted`] or
    /// [`Diagnostic::omitted_warnings`] markers, by one such marker.
    pub fn cap_per_file(&mut self, max: usize) {
        use std::collections::BTreeMap;
        let mut per_file: BTreeMap<(PathBuf, Severity), (Vec<usize>, usize)> = BTreeMap::new();
        for (i, d) in self.items.iter().enumerate() {
            if matches!(d.severity, Severity::Error | Severity::Warning) {
                let entry = per_file.entry((d.file.clone(), d.severity)).or_default();
                if d.omitted > 0 {
                    entry.1 += d.omitted;
                } else {
                    entry.0.push(i);
                }
            }
        }
        if per_file
            .values()
            .all(|(kept, omitted)| kept.len() <= max && *omitted == 0)
        {
            return;
        }
        let mut drop = vec![false; self.items.len()];
        let mut markers = vec![];
        for ((file, severity), (mut kept, omitted)) in per_file {
            kept.sort_by(|&a, &b| self.items[a].sort_key().cmp(&self.items[b].sort_key()));
            let extra = kept.len().saturating_sub(max);
            for &i in &kept[kept.len() - extra..] {
                drop[i] = true;
            }
            if extra + omitted > 0 {
                markers.push(if severity == Severity::Error {
                    Diagnostic::omitted(file, extra + omitted)
                } else {
                    Diagnostic::omitted_warnings(file, extra + omitted)
                });
            }
        }
        for (i, d) in self.items.iter().enumerate() {
            if d.omitted > 0 && d.severity != Severity::Info {
                drop[i] = true;
            }
        }
        let mut k = 0;
        self.items.retain(|_| {
            k += 1;
            !drop[k - 1]
        });
        self.items.extend(markers);
    }

    /// Turns every warning into an error (`check --strict`).
    pub fn promote_warnings(&mut self) {
        for d in &mut self.items {
            if d.severity == Severity::Warning {
                d.severity = Severity::Error;
            }
        }
    }

    /// Records that a failed build changed the output folder, and how.
    pub fn set_output_changed(&mut self, what: impl Into<String>) {
        self.output_changed = Some(what.into());
    }

    /// `None` if the output folder is exactly as it was before the build; otherwise what
    /// happened to it.
    pub fn output_changed(&self) -> Option<&str> {
        self.output_changed.as_deref()
    }

    /// All problems, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl Diagnostics {
    /// The problems at least as bad as `min` (errors first), printed, sorted, with a count.
    pub fn report(&self, min: Severity) -> String {
        let mut out = String::new();
        for d in self.sorted().into_iter().filter(|d| d.severity <= min) {
            out.push_str(&format!("{d}\n"));
        }
        let (e, w) = (self.count(Severity::Error), self.count(Severity::Warning));
        if e + w > 0 {
            out.push_str(&format!("{e} error(s), {w} warning(s)\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.sorted() {
            writeln!(f, "{d}")?;
        }
        let (e, w) = (self.count(Severity::Error), self.count(Severity::Warning));
        if e + w > 0 {
            writeln!(f, "{e} error(s), {w} warning(s)")?;
        }
        Ok(())
    }
}

/// Line starts of a text, to turn byte offsets into [`Position`]s.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The byte offset where 1-based `line` starts, if the text has that line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }

    /// The position of a byte offset in `text` (columns counted in characters).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let col = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start)
            + 1;
        Position { line, col }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The caret sits under the column in a terminal, where CJK characters and most emoji
    /// take two cells, combining marks none, and tabs stay tabs.
    #[test]
    fn the_caret_lines_up_under_wide_characters() {
        let text = "漢字 and 🙂\tx e\u{301}y\n";
        let col = text.chars().position(|c| c == 'y').unwrap() + 1;
        let d =
            Diagnostic::error("a.md", Some(Position { line: 1, col }), "here").with_source(text);
        let shown = d.to_string();
        let caret = shown.lines().find(|l| l.ends_with('^')).unwrap();
        let pad = caret
            .strip_prefix("  | ")
            .unwrap()
            .strip_suffix('^')
            .unwrap();
        // 漢字 (4 cells) + " and " (5) + 🙂 (2) + tab + "x e" (3) + the accent (0).
        assert_eq!(pad, format!("{}\t{}", " ".repeat(4 + 5 + 2), " ".repeat(3)));
    }

    #[test]
    fn warnings_are_capped_per_file_as_errors_are() {
        let mut d = Diagnostics::new();
        for line in (1..=120).rev() {
            let at = Some(Position { line, col: 1 });
            d.push(Diagnostic::warning("a.md", at, "w"));
            d.push(Diagnostic::error("a.md", at, "e"));
            d.push(Diagnostic::info("a.md", at, "i"));
        }
        d.push(Diagnostic::warning("b.md", None, "one"));
        d.push(Diagnostic::omitted_warnings("a.md", 1000));
        d.cap_per_file(50);
        assert_eq!(d.count(Severity::Warning), 120 + 1000 + 1);
        assert_eq!(d.count(Severity::Error), 120);
        assert_eq!(d.count(Severity::Info), 120);
        let kept: Vec<&Diagnostic> = d
            .iter()
            .filter(|x| x.severity == Severity::Warning)
            .collect();
        // 50 for a.md (the first by position), one marker for the rest, b.md's one.
        assert_eq!(kept.len(), 52);
        assert!(
            kept.iter()
                .filter(|x| x.omitted == 0 && x.file == Path::new("a.md"))
                .all(|x| x.position.is_some_and(|p| p.line <= 50))
        );
        let marker = kept.iter().find(|x| x.omitted > 0).unwrap();
        assert_eq!(
            marker.message,
            "and 1070 more warning(s) in this file, not shown"
        );
    }

    #[test]
    fn the_source_line_is_the_same_through_the_index() {
        let text = "one\r\ntwo\nthree";
        let lines = LineIndex::new(text);
        for line in 1..=4 {
            let d = Diagnostic::error("a", Some(Position { line, col: 2 }), "x");
            assert_eq!(
                d.clone().with_source(text).source_line,
                d.with_source_in(text, &lines).source_line,
                "line {line}"
            );
        }
    }
}
