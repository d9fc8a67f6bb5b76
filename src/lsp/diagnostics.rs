//! The build's [`Diagnostic`]s as the protocol's: the same message with its `help:`
//! line, grouped by file, each position turned from a 1-based line and a column in
//! characters into the client's units, and widened from a point to the citation, link or
//! word it points at.

use super::context;
use super::documents::{self, Encoding, Paths};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use lsp_types as lsp;
use std::collections::BTreeMap;

/// The protocol diagnostics of every file the build found problems in, by URI. `line`
/// gives 0-based line `n` of a file (as diagnostics name it), from the open buffer if
/// there is one.
pub fn by_uri(
    diags: &Diagnostics,
    paths: &Paths,
    enc: Encoding,
    line: &dyn Fn(&std::path::Path, usize) -> Option<String>,
) -> BTreeMap<lsp::Url, Vec<lsp::Diagnostic>> {
    let mut out: BTreeMap<lsp::Url, Vec<lsp::Diagnostic>> = BTreeMap::new();
    for d in diags.sorted() {
        let file = if d.file.as_os_str().is_empty() {
            std::path::Path::new("explainer.toml")
        } else {
            d.file.as_path()
        };
        let Some(uri) = paths.uri_of_site_file(file) else {
            continue;
        };
        let text = d
            .position
            .and_then(|p| line(file, p.line.saturating_sub(1)));
        out.entry(uri)
            .or_default()
            .push(convert(d, text.as_deref(), enc));
    }
    out
}

/// One diagnostic, its point widened to what it is on (`line` is its source line).
pub fn convert(d: &Diagnostic, line: Option<&str>, enc: Encoding) -> lsp::Diagnostic {
    let (row, range) = match (d.position, line) {
        (Some(p), Some(text)) => {
            let start = documents::byte_of_char_col(text, p.col);
            let end = span_end(text, start);
            let at = |b| documents::units(text, b, enc);
            (p.line.saturating_sub(1) as u32, (at(start), at(end)))
        }
        (Some(p), None) => {
            let c = p.col.saturating_sub(1) as u32;
            (p.line.saturating_sub(1) as u32, (c, c + 1))
        }
        (None, _) => (0, (0, 0)),
    };
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    lsp::Diagnostic {
        range: lsp::Range::new(
            lsp::Position::new(row, range.0),
            lsp::Position::new(row, range.1),
        ),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        }),
        source: Some("explainer".into()),
        message,
        ..Default::default()
    }
}

/// Where the thing a diagnostic at byte `start` of `line` points at ends: the end of the
/// citation bracket or link it is in, else of the word.
fn span_end(line: &str, start: usize) -> usize {
    let bracket = crate::cite::find_citations(line)
        .into_iter()
        .find(|f| f.range.start <= start && start < f.range.end)
        .map(|f| f.range.end);
    let link = context::links_in(line)
        .into_iter()
        .find(|r| r.start.saturating_sub(2) >= start && r.start.saturating_sub(2) <= start + 200)
        .map(|r| (r.end + 1).min(line.len()));
    let word = line[start..]
        .find(char::is_whitespace)
        .map_or(line.len(), |k| start + k);
    bracket
        .or(link)
        .unwrap_or(word)
        .max((start + 1).min(line.len()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_point_widens_to_its_own_bracket() {
        let line = "中文 [@a \"x y\"] and [@b] then [l](c.md) word";
        let at = |n: &str| line.find(n).unwrap();
        assert_eq!(super::span_end(line, at("@a")), at(" and"));
        assert_eq!(super::span_end(line, at("@b")), at(" then"));
        assert_eq!(super::span_end(line, at("[l]")), at(" word"));
        assert_eq!(super::span_end(line, at("word")), line.len());
    }
}
