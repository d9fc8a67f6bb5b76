//! Site settings from `explainer.toml`: title, base URL, language, and the few switches
//! an editor may set. Unknown keys are errors, so a typo never passes silently.

use crate::diagnostic::{Diagnostic, LineIndex};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The name of the settings file at the root of a site.
pub const CONFIG_FILE: &str = "explainer.toml";

/// Site-wide settings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The site's name, shown in every page's title and header.
    pub title: String,
    /// The public address of the site, e.g. `https://example.org/` or `https://example.org/sub/`.
    /// Links in the output are root-relative under this URL's path.
    pub base_url: String,
    /// The language of the content, as a BCP 47 tag (`en`, `en-GB`).
    #[serde(default = "default_language")]
    pub language: String,
    /// One sentence about the site, for the home page's meta description and the feed.
    #[serde(default)]
    pub description: String,
    /// Pass raw HTML in Markdown through to the output (off by default: it is dropped).
    #[serde(default)]
    pub allow_html: bool,
    /// The syntax highlighting theme for light mode (one of syntect's bundled themes).
    #[serde(default = "default_light_theme")]
    pub highlight_theme: String,
    /// The syntax highlighting theme for dark mode.
    #[serde(default = "default_dark_theme")]
    pub highlight_theme_dark: String,
    /// Build the full-text search index.
    #[serde(default = "default_true")]
    pub search: bool,
}

fn default_language() -> String {
    "en".into()
}
fn default_light_theme() -> String {
    "InspiredGitHub".into()
}
fn default_dark_theme() -> String {
    "base16-ocean.dark".into()
}
fn default_true() -> bool {
    true
}

/// The keys `explainer.toml` accepts, for error messages.
pub const CONFIG_KEYS: &[&str] = &[
    "title",
    "base_url",
    "language",
    "description",
    "allow_html",
    "highlight_theme",
    "highlight_theme_dark",
    "search",
];

impl Config {
    /// Reads and checks `explainer.toml` in `site_dir`.
    pub fn load(site_dir: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = site_dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            vec![
                Diagnostic::error(CONFIG_FILE, None, format!("cannot read {}: {e}", path.display()))
                    .with_help("run `explainer new DIR` to start a site, or pass the site's folder: `explainer build SITE_DIR`"),
            ]
        })?;
        Config::parse(&text)
    }

    /// Parses the text of `explainer.toml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let lines = LineIndex::new(text);
            let position = e.span().map(|s| lines.position(text, s.start));
            let mut d = Diagnostic::error(CONFIG_FILE, position, e.message().trim().to_string());
            if e.message().contains("unknown field") {
                d = d.with_help(format!("valid keys are: {}", CONFIG_KEYS.join(", ")));
            } else if !e.message().contains("missing field") {
                d = d.with_help("explainer.toml is TOML: `key = \"text\"`, `key = true`, one setting per line; put text in double quotes");
            }
            if e.message().contains("missing field") {
                d = d.with_help("explainer.toml needs at least `title` and `base_url`, e.g.\ntitle = \"My site\"\nbase_url = \"https://example.org/\"");
            }
            vec![d.with_source(text)]
        })?;
        config.validate(text)?;
        Ok(config)
    }

    fn validate(&self, text: &str) -> Result<(), Vec<Diagnostic>> {
        let mut errors = vec![];
        let at = |key: &str| {
            let lines = LineIndex::new(text);
            text.find(&format!("{key} "))
                .or_else(|| text.find(&format!("{key}=")))
                .map(|o| lines.position(text, o))
        };
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://"))
            || !self.base_url.ends_with('/')
        {
            errors.push(
                Diagnostic::error(CONFIG_FILE, at("base_url"), format!("base_url `{}` is not an absolute URL ending in `/`", self.base_url))
                    .with_help("write the full public address with a trailing slash, e.g. base_url = \"https://example.org/\" or \"https://example.org/explainer/\"")
                    .with_source(text),
            );
        }
        for (key, theme) in [
            ("highlight_theme", &self.highlight_theme),
            ("highlight_theme_dark", &self.highlight_theme_dark),
        ] {
            if !crate::highlight::theme_names().contains(&theme.as_str()) {
                errors.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        at(key),
                        format!("unknown highlighting theme `{theme}`"),
                    )
                    .with_help(format!(
                        "available themes: {}",
                        crate::highlight::theme_names().join(", ")
                    ))
                    .with_source(text),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The path part of `base_url`, always starting and ending with `/` (`/` or `/sub/`).
    pub fn base_path(&self) -> String {
        let rest = self
            .base_url
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.base_url);
        let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
        if path.ends_with('/') {
            path.to_string()
        } else {
            format!("{path}/")
        }
    }

    /// The absolute URL of a root-relative site path (`/concerns/` → `https://host/sub/concerns/`).
    pub fn absolute_url(&self, site_path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), site_path)
    }

    /// A site path (`/concerns/`) as the root-relative link the output uses (`/sub/concerns/`).
    pub fn prefixed(&self, site_path: &str) -> String {
        let base = self.base_path();
        format!("{}{}", base.trim_end_matches('/'), site_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_and_urls() {
        let c = Config::parse("title = \"t\"\nbase_url = \"https://e.org/sub/\"\n").unwrap();
        assert_eq!(c.base_path(), "/sub/");
        assert_eq!(c.prefixed("/a/"), "/sub/a/");
        assert_eq!(c.absolute_url("/a/"), "https://e.org/sub/a/");
        let c = Config::parse("title = \"t\"\nbase_url = \"https://e.org/\"\n").unwrap();
        assert_eq!(c.prefixed("/a/"), "/a/");
        assert_eq!(c.absolute_url("/"), "https://e.org/");
    }

    #[test]
    fn unknown_key_lists_valid_keys() {
        let e = Config::parse("title = \"t\"\nbase_url = \"https://e.org/\"\ncolour = 1\n")
            .unwrap_err();
        assert_eq!(e[0].position.unwrap().line, 3);
        assert!(e[0].help.as_ref().unwrap().contains("base_url"));
    }
}
