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
    /// The source line the position points into, for the caret display.
    pub source_line: Option<String>,
}

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
        }
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
    pub fn with_source(mut self, text: &str) -> Self {
        if let Some(pos) = self.position {
            self.source_line = text
                .lines()
                .nth(pos.line.saturating_sub(1))
                .map(str::to_owned);
        }
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
        (&self.file, self.position, self.severity, &self.message)
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
            // Keep tabs as tabs so the caret lines up under them.
            let pad: String = line
                .chars()
                .take(pos.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
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

    /// How many problems have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
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
