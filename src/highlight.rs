//! Syntax highlighting for fenced code blocks: syntect (Oniguruma engine) behind comrak's
//! adapter seam, emitting CSS classes, never inline styles, so the Content-Security-Policy
//! can forbid `style` attributes. The syntax set is loaded once per process and shared.
//! Code in an unknown language, or code syntect cannot parse, is written escaped and plain.

use comrak::adapters::SyntaxHighlighterAdapter;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write};
use std::sync::OnceLock;
use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;
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
    pub fn highlight(lang: &str, code: &str) -> Option<String> {
        let set = syntax_set();
        let syntax = set.find_syntax_by_token(lang)?;
        let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .ok()?;
        }
        Some(generator.finalize())
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
