//! Syntax highlighting for fenced code blocks: syntect (Oniguruma engine) behind comrak's
//! adapter seam, emitting CSS classes, never inline styles, so the Content-Security-Policy
//! can forbid `style` attributes. The syntax set is loaded once per process and shared.
//! Code in an unknown language, or code syntect cannot parse, is written escaped and plain.
//!
//! Highlighting a line is a pure function of the line and the parser's state before it, so
//! each thread remembers the lines it has highlighted ([`LineMemo`]): a line seen again in
//! the same state (a closing brace, a common statement, a block copied between pages)
//! costs a comparison instead of a parse. The memo is bounded and never changes the output.

use comrak::adapters::SyntaxHighlighterAdapter;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::sync::OnceLock;
use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, css_for_theme_with_class_style, line_tokens_to_classed_spans};
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn theme_set() -> &'static ThemeSet {
    static SET: OnceLock<ThemeSet> = OnceLock::new();
    SET.get_or_init(ThemeSet::load_defaults)
}

/// The names of the bundled highlighting themes, sorted.
pub fn theme_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = theme_set().themes.keys().map(String::as_str).collect();
    v.sort_unstable();
    v
}

/// The stylesheet for highlighted code: the light theme, and the dark theme under
/// `prefers-color-scheme: dark`. Theme names are checked when the config is read.
pub fn stylesheet(light: &str, dark: &str) -> String {
    let css = |name: &str| {
        theme_set()
            .themes
            .get(name)
            .and_then(|t| css_for_theme_with_class_style(t, CLASS_STYLE).ok())
            .unwrap_or_default()
    };
    format!(
        "{}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
        css(light),
        css(dark)
    )
}

/// Highlights code with CSS classes; comrak calls it for every fenced block.
#[derive(Debug, Default, Clone, Copy)]
pub struct Highlighter;

impl Highlighter {
    /// Warms the syntax set, so the first page does not pay for loading it.
    pub fn warm() {
        let _ = syntax_set();
    }

    /// The highlighted HTML of `code`, or `None` if the language is unknown or parsing fails.
    /// The same as syntect's `ClassedHTMLGenerator`, line by line, through the [`LineMemo`].
    pub fn highlight(lang: &str, code: &str) -> Option<String> {
        let set = syntax_set();
        let syntax = set.find_syntax_by_token(lang)?;
        let mut state = LineState {
            parse: ParseState::new(syntax),
            scopes: ScopeStack::new(),
        };
        let mut html = String::with_capacity(code.len() * 3);
        let mut open_spans: isize = 0;
        MEMO.with(|memo| {
            let mut memo = memo.borrow_mut();
            for line in LinesWithEndings::from(code) {
                open_spans += memo.highlight_line(line, &mut state, set, &mut html)?;
            }
            Some(())
        })?;
        for _ in 0..open_spans {
            html.push_str("</span>");
        }
        Some(html)
    }
}

/// Where the highlighter is between two lines: the parser's state and the scopes whose
/// spans are open.
#[derive(Clone, PartialEq, Eq)]
struct LineState {
    parse: ParseState,
    scopes: ScopeStack,
}

/// One highlighted line: the state it was highlighted in, its HTML, how many spans it
/// left open (or closed, if negative), and the state after it.
struct Highlighted {
    before: LineState,
    html: String,
    open_spans: isize,
    after: LineState,
}

/// The lines one thread has highlighted, by their text; a line has one record per state
/// it was met in (at most [`LineMemo::STATES_PER_LINE`]). Emptied when it holds
/// [`LineMemo::MAX_RECORDS`] records, so its memory stays bounded in a long session.
#[derive(Default)]
struct LineMemo {
    lines: HashMap<String, Vec<Highlighted>, foldhash::quality::RandomState>,
    records: usize,
}

thread_local! {
    static MEMO: RefCell<LineMemo> = RefCell::default();
}

impl LineMemo {
    const MAX_RECORDS: usize = 2_000;
    const STATES_PER_LINE: usize = 8;

    /// Appends the HTML of `line`, highlighted from `state`, to `html`, moves `state` past
    /// the line and returns the change in open spans; `None` if syntect cannot parse it.
    fn highlight_line(
        &mut self,
        line: &str,
        state: &mut LineState,
        set: &SyntaxSet,
        html: &mut String,
    ) -> Option<isize> {
        if let Some(seen) = self
            .lines
            .get(line)
            .and_then(|records| records.iter().find(|r| r.before == *state))
        {
            html.push_str(&seen.html);
            state.clone_from(&seen.after);
            return Some(seen.open_spans);
        }
        let before = state.clone();
        let ops = state.parse.parse_line(line, set).ok()?;
        let (line_html, open_spans) =
            line_tokens_to_classed_spans(line, &ops, CLASS_STYLE, &mut state.scopes).ok()?;
        html.push_str(&line_html);
        if self.records >= Self::MAX_RECORDS {
            self.lines.clear();
            self.records = 0;
        }
        let records = self.lines.entry(line.to_string()).or_default();
        if records.len() < Self::STATES_PER_LINE {
            records.push(Highlighted {
                before,
                html: line_html,
                open_spans,
                after: state.clone(),
            });
            self.records += 1;
        }
        Some(open_spans)
    }
}

impl SyntaxHighlighterAdapter for Highlighter {
    fn write_highlighted(
        &self,
        output: &mut dyn Write,
        lang: Option<&str>,
        code: &str,
    ) -> fmt::Result {
        match lang
            .filter(|l| !l.is_empty())
            .and_then(|l| Highlighter::highlight(l, code))
        {
            Some(html) => output.write_str(&html),
            None => crate::html::write_escaped(output, code),
        }
    }

    fn write_pre_tag(
        &self,
        output: &mut dyn Write,
        _attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> fmt::Result {
        // tabindex: a scrollable region must be reachable by keyboard.
        output.write_str("<pre class=\"hl-code\" tabindex=\"0\">")
    }

    fn write_code_tag(
        &self,
        output: &mut dyn Write,
        attributes: HashMap<&'static str, Cow<'_, str>>,
    ) -> fmt::Result {
        output.write_str("<code")?;
        if let Some(class) = attributes.get("class") {
            output.write_str(" class=\"")?;
            crate::html::write_escaped(output, class)?;
            output.write_str("\"")?;
        }
        output.write_str(">")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_language_gets_classes() {
        let html = Highlighter::highlight("rust", "fn main() {}\n").unwrap();
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="));
    }

    /// What syntect's own generator makes of `code`, for comparison with the memo's.
    fn unmemoised(lang: &str, code: &str) -> String {
        let set = syntax_set();
        let syntax = set.find_syntax_by_token(lang).unwrap();
        let mut generator =
            syntect::html::ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .unwrap();
        }
        generator.finalize()
    }

    #[test]
    fn remembered_lines_give_what_syntect_gives() {
        // The same lines in different states: inside and outside a block comment and a
        // string, and in two languages. Highlighting twice exercises the memo's hits.
        let blocks = [
            ("rust", "fn a() {\n    x\n}\n/*\n    x\n}\n*/\n    x\n"),
            ("rust", "let s = \"\n    x\n}\n\";\n    x\n"),
            ("python", "def a():\n    x\n'''\n    x\n'''\n    x\n"),
            ("js", "/*\n    x\n*/\n    x\n}\n"),
        ];
        for _ in 0..2 {
            for (lang, code) in blocks {
                assert_eq!(
                    Highlighter::highlight(lang, code).unwrap(),
                    unmemoised(lang, code),
                    "{lang}: {code}"
                );
            }
        }
    }

    #[test]
    fn unknown_language_is_escaped() {
        let mut out = String::new();
        Highlighter
            .write_highlighted(&mut out, Some("nonesuch"), "<script>alert(1)</script>")
            .unwrap();
        assert_eq!(out, "&lt;script&gt;alert(1)&lt;/script&gt;");
    }

    #[test]
    fn stylesheet_has_both_themes() {
        let css = stylesheet("InspiredGitHub", "base16-ocean.dark");
        assert!(css.contains("prefers-color-scheme: dark"));
        assert!(css.contains(".hl-"));
    }
}
