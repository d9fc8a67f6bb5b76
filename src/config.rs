//! Site settings from `explainer.toml`: title, base URL, language, and the few switches
//! an editor may set. Unknown keys are errors, so a typo never passes silently.

use crate::diagnostic::{Diagnostic, LineIndex};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The name of the settings file at the root of a site.
pub const CONFIG_FILE: &str = "explainer.toml";

/// Site-wide settings.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
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
    /// About how many pages each part (shard) of the search index holds. A change
    /// re-indexes only its part; the search page loads every part.
    #[serde(default = "default_shard_pages")]
    pub search_shard_pages: usize,
    /// The content sections and the role each plays, in navigation order.
    #[serde(default)]
    pub sections: Sections,
    /// How many days before a review date (`review_by`) a check starts to warn.
    #[serde(default = "default_review_window")]
    pub review_window_days: u32,
    /// The day each data file's facts are to be checked again, by its path from
    /// `content/` (`"data/status.yaml" = 2026-12-21`). A page that reads the file inherits
    /// the date when it is earlier than its own `review_by`.
    #[serde(default, deserialize_with = "days_by_name")]
    pub data_review_by: std::collections::BTreeMap<String, String>,
    /// Where each `data_review_by` entry is written, for warnings (not a setting).
    #[serde(skip)]
    pub data_review_at: std::collections::BTreeMap<String, crate::diagnostic::Position>,
}

/// The review window when `explainer.toml` gives none.
pub const REVIEW_WINDOW_DAYS: u32 = 14;

fn default_review_window() -> u32 {
    REVIEW_WINDOW_DAYS
}

/// A table of days by name, each a TOML date (`2026-12-21`) or the same as text.
fn days_by_name<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, String>, D::Error> {
    let table = std::collections::BTreeMap::<String, toml::Value>::deserialize(d)?;
    table
        .into_iter()
        .map(|(k, v)| match v {
            toml::Value::Datetime(d) => Ok((k, d.to_string())),
            toml::Value::String(t) => Ok((k, t)),
            _ => Err(serde::de::Error::custom(format!(
                "`{k}` in [data_review_by] is not a day: write a data file's path and the day its facts are due for review, e.g. \"data/status.yaml\" = 2026-12-21 (a setting of the top level belongs above the first [table])"
            ))),
        })
        .collect()
}

/// What a content section holds, and so how the citation graph treats its pages.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Pages that make claims and cite sources (the concerns).
    Topic,
    /// Pages about the things the topics discuss (the Convention's articles).
    Subject,
    /// Full-text sources whose paragraphs can be cited (the letters).
    Source,
    /// Other pages shown in the navigation (background, context).
    Background,
}

impl Role {
    /// The role's name as `explainer.toml` writes it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Topic => "topic",
            Role::Subject => "subject",
            Role::Source => "source",
            Role::Background => "background",
        }
    }
}

/// The `[sections]` table: each section folder and its role, in the order written.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Sections(pub Vec<(String, Role)>);

impl Default for Sections {
    /// Without a `[sections]` table: this project's own names.
    fn default() -> Self {
        Sections(vec![
            ("concerns".into(), Role::Topic),
            ("articles".into(), Role::Subject),
            ("sources".into(), Role::Source),
            ("context".into(), Role::Background),
        ])
    }
}

impl Sections {
    /// The role of a section folder (`concerns`), if the table names it.
    pub fn role_of(&self, section: &str) -> Option<Role> {
        self.0.iter().find(|(s, _)| s == section).map(|(_, r)| *r)
    }

    /// The sections with a role, in order.
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(_, r)| *r == role)
            .map(|(s, _)| s.as_str())
    }

    /// Every section, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(s, _)| s.as_str())
    }
}

impl<'de> Deserialize<'de> for Sections {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Sections;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a table of section = \"topic\" | \"subject\" | \"source\" | \"background\"",
                )
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Sections, A::Error> {
                let mut list = vec![];
                while let Some((name, role)) = map.next_entry::<String, Role>()? {
                    list.push((name, role));
                }
                Ok(Sections(list))
            }
        }
        d.deserialize_map(Visit)
    }
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
/// Pages per search index shard unless explainer.toml says otherwise.
pub const SHARD_PAGES: usize = 2000;

fn default_shard_pages() -> usize {
    SHARD_PAGES
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
    "search_shard_pages",
    "sections",
    "review_window_days",
    "data_review_by",
];

impl Config {
    /// Reads and checks `explainer.toml` in `site_dir`.
    pub fn load(site_dir: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = site_dir.join(CONFIG_FILE);
        // A named pipe would block the read forever: look before opening.
        if let Some(d) = crate::load::not_a_regular_file(Path::new(CONFIG_FILE), &path) {
            return Err(vec![d]);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| {
            vec![
                Diagnostic::error(CONFIG_FILE, None, format!("cannot read {}: {e}", path.display()))
                    .with_help("run `explainer new DIR` to start a site, or pass the site's folder: `explainer build SITE_DIR`"),
            ]
        })?;
        let config = Config::parse(&text)?;
        config.check_section_folders(&site_dir.join("content"), &text)?;
        Ok(config)
    }

    /// Each folder `[sections]` gives a role must be a folder directly inside `content/`:
    /// a role for a name that is missing or is a file would be used by nothing, and the
    /// editor would never hear of the typo. (Without a `[sections]` table the defaults
    /// name folders a site may not have, which is fine.)
    fn check_section_folders(&self, content_dir: &Path, text: &str) -> Result<(), Vec<Diagnostic>> {
        let keys = KeyPositions::new(text);
        let mut errors = vec![];
        for (name, _) in &self.sections.0 {
            let Some(position) = keys.get(Some("sections"), name) else {
                continue;
            };
            let path = content_dir.join(name);
            let page = content_dir.join(format!("{name}.md"));
            let problem = match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(_) => format!(
                    "`{name}` is a file in content/, not a folder: a section is a folder of pages"
                ),
                Err(_) if page.is_file() => format!(
                    "`{name}` is the page content/{name}.md, not a folder: a section is a folder of pages"
                ),
                Err(_) => format!("there is no folder content/{name}/ for this section"),
            };
            errors.push(
                Diagnostic::error(CONFIG_FILE, Some(position), problem)
                    .with_help(format!(
                        "create the folder content/{name}/ with its pages, or remove the line; the folders in content/ are: {}",
                        folder_names(content_dir)
                    ))
                    .with_source(text),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Parses the text of `explainer.toml`.
    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let lines = LineIndex::new(text);
            let position = e.span().map(|s| lines.position(text, s.start));
            let mut d = Diagnostic::error(CONFIG_FILE, position, e.message().trim().to_string());
            if e.message().contains("unknown field") {
                d = d.with_help(format!("valid keys are: {}", CONFIG_KEYS.join(", ")));
            } else if e.message().contains("[data_review_by]") {
                d = d.with_help("move the setting above `[data_review_by]`, or give the data file's review day");
            } else if !e.message().contains("missing field") {
                d = d.with_help("explainer.toml is TOML: `key = \"text\"`, `key = true`, one setting per line; put text in double quotes");
            }
            if e.message().contains("missing field") {
                d = d.with_help("explainer.toml needs at least `title` and `base_url`, e.g.\ntitle = \"My site\"\nbase_url = \"https://example.org/\"");
            }
            vec![d.with_source(text)]
        })?;
        let mut config = config;
        config.validate(text)?;
        let keys = KeyPositions::new(text);
        config.data_review_at = config
            .data_review_by
            .keys()
            .filter_map(|k| Some((k.clone(), keys.get(Some("data_review_by"), k)?)))
            .collect();
        Ok(config)
    }

    /// The problems with `[data_review_by]`: a day that is not a day, a name that is not a
    /// data file's path.
    fn data_review_errors(&self, text: &str, keys: &KeyPositions) -> Vec<Diagnostic> {
        let mut errors = vec![];
        for (name, day) in &self.data_review_by {
            let at = keys.get(Some("data_review_by"), name);
            if crate::frontmatter::calendar_day(day).is_none() {
                errors.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        at,
                        format!(
                            "the review date of `{name}`, `{}`, is not a day",
                            shown(day)
                        ),
                    )
                    .with_help(
                        "write the day as YYYY-MM-DD, e.g. \"data/status.yaml\" = 2026-12-21",
                    )
                    .with_source(text),
                );
            }
            if !crate::data::is_data_file(name) {
                errors.push(
                    Diagnostic::error(CONFIG_FILE, at, format!("`{}` is not a data file's path", shown(name)))
                        .with_help(format!("name the file by its path from content/, in content/{}, ending .yaml, .yml, .json or .csv, e.g. \"data/status.yaml\"", crate::data::DIR))
                        .with_source(text),
                );
            }
        }
        errors
    }

    /// The problems with the section names of `[sections]`: two that differ only in case,
    /// and names that are not a folder directly inside `content/`.
    fn section_name_errors(&self, text: &str, keys: &KeyPositions) -> Vec<Diagnostic> {
        let mut errors = vec![];
        let at = |key: &str| keys.get(None, key);
        let section_at = |name: &str| keys.get(Some("sections"), name).or_else(|| at("sections"));
        let mut folded: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
        for (name, _) in &self.sections.0 {
            if let Some(other) = folded.insert(name.to_lowercase(), name) {
                errors.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        section_at(name),
                        format!("`{name}` and `{other}` differ only in case, which makes them one folder on macOS and Windows"),
                    )
                    .with_help(format!("keep one of them: the folder's name exactly as it is in content/ (`{other}` or `{name}`)"))
                    .with_source(text),
                );
            }
            if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']) {
                errors.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        section_at(name),
                        format!("`{name}` is not a section folder name"),
                    )
                    .with_help("name a folder directly inside content/, e.g. concerns = \"topic\"")
                    .with_source(text),
                );
            }
        }
        errors
    }

    fn validate(&self, text: &str) -> Result<(), Vec<Diagnostic>> {
        let mut errors = vec![];
        let keys = KeyPositions::new(text);
        let at = |key: &str| keys.get(None, key);
        if let Err(problem) = check_base_url(&self.base_url) {
            errors.push(
                Diagnostic::error(CONFIG_FILE, at("base_url"), format!("base_url `{}` is not an absolute URL ending in `/`: it {problem}", shown(&self.base_url)))
                    .with_help("write the full public address: http:// or https://, the host, and an optional path of plain segments (letters, digits, `-`, `_`, `.`, `~`) ending in `/`, e.g. base_url = \"https://example.org/\" or \"https://example.org/explainer/\"")
                    .with_source(text),
            );
        }
        for (key, value) in [
            ("title", &self.title),
            ("description", &self.description),
            ("language", &self.language),
        ] {
            if let Some(c) = crate::frontmatter::control_char(value) {
                errors.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        at(key),
                        format!("`{key}` holds the control character {c:?}, which no feed or sitemap can carry"),
                    )
                    .with_help(format!("remove it from `{key}`: text may hold tabs and line breaks, but no other control characters (U+0000–U+001F, U+007F–U+009F) or U+FFFE, U+FFFF"))
                    .with_source(text),
                );
            }
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
        errors.extend(self.section_name_errors(text, &keys));
        errors.extend(self.data_review_errors(text, &keys));
        if self.search_shard_pages == 0 {
            errors.push(
                Diagnostic::error(CONFIG_FILE, at("search_shard_pages"), "search_shard_pages is 0, but each part of the search index holds at least one page")
                    .with_help(format!("remove the line to use the default ({}), or give a number of pages, e.g. search_shard_pages = 2000", SHARD_PAGES))
                    .with_source(text),
            );
        }
        if self.sections.with_role(Role::Source).count() > 1 {
            errors.push(
                Diagnostic::error(CONFIG_FILE, at("sections"), "more than one section has the role \"source\"")
                    .with_help("keep every full-text source in one folder, and give only that folder the role \"source\"")
                    .with_source(text),
            );
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

/// What is wrong with a `base_url`, if anything. It must be an absolute http(s) URL with
/// a host (letters, digits, `-` and `.`, or an IPv6 address in brackets) and an optional
/// port, then a path of plain segments ending in `/`: every link, asset and the feed are
/// written under it, so `https://x.org//host/` (which browsers read as the host `host`),
/// a missing host, or spaces and quotes would load or link the site from elsewhere.
fn check_base_url(url: &str) -> Result<(), String> {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Err("does not start with `https://` or `http://`".into());
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => return Err("does not end in `/`".into()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, _)) if !h.ends_with(']') && h.contains(':') => (authority, None),
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if host.is_empty() {
        return Err("has no host after `//`".into());
    }
    let ipv6 = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .is_some_and(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        });
    let name_ok = host.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if !ipv6 && !name_ok {
        return Err(format!(
            "has the host `{}`, which is not a host name (letters, digits, `-` and `.`; write an international name in its xn-- form)",
            shown(host)
        ));
    }
    if let Some(port) = port
        && !(port.parse::<u16>().is_ok_and(|p| p > 0) && port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "has the port `{}`, which is not a port number",
            shown(port)
        ));
    }
    if !path.ends_with('/') {
        return Err("does not end in `/`".into());
    }
    // `path` starts with `/` (where the authority ended) and ends with one.
    let inner = &path[1..];
    let segments = inner.strip_suffix('/').unwrap_or(inner);
    if !segments.is_empty() {
        for segment in segments.split('/') {
            if segment.is_empty() {
                return Err(
                    "has an empty path segment (`//`), which a browser may read as another host"
                        .into(),
                );
            }
            if segment == "." || segment == ".." {
                return Err(format!("has the path segment `{segment}`"));
            }
            if let Some(c) = segment
                .chars()
                .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')))
            {
                return Err(format!(
                    "has {c:?} in its path, where only letters, digits, `-`, `_`, `.` and `~` are plain"
                ));
            }
        }
    }
    Ok(())
}

/// `s` as a message shows it: control characters escaped (`\u{1}`), the rest as it is.
fn shown(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Where each key of `explainer.toml` is written, from toml's own parse: a key of the
/// top-level table, or of one of its tables (`[sections]`).
struct KeyPositions {
    keys: Vec<(Option<String>, String, crate::diagnostic::Position)>,
}

impl KeyPositions {
    fn new(text: &str) -> Self {
        let lines = LineIndex::new(text);
        let mut keys = vec![];
        if let Ok(doc) = toml::de::DeTable::parse(text) {
            for (key, value) in doc.get_ref().iter() {
                let position = lines.position(text, key.span().start);
                keys.push((None, key.get_ref().to_string(), position));
                if let toml::de::DeValue::Table(table) = value.get_ref() {
                    for (inner, _) in table.iter() {
                        let position = lines.position(text, inner.span().start);
                        keys.push((
                            Some(key.get_ref().to_string()),
                            inner.get_ref().to_string(),
                            position,
                        ));
                    }
                }
            }
        }
        KeyPositions { keys }
    }

    /// The position of `key` in `table` (`None`: the top level).
    fn get(&self, table: Option<&str>, key: &str) -> Option<crate::diagnostic::Position> {
        self.keys
            .iter()
            .find(|(t, k, _)| t.as_deref() == table && k == key)
            .map(|(_, _, p)| *p)
    }
}

/// The names of the folders in `dir`, sorted, for a help line.
fn folder_names(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
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
    fn search_shard_pages_is_a_positive_number() {
        let base = "title = \"t\"\nbase_url = \"https://e.org/\"\n";
        let c = Config::parse(base).unwrap();
        assert_eq!(c.search_shard_pages, SHARD_PAGES);
        let c = Config::parse(&format!("{base}search_shard_pages = 500\n")).unwrap();
        assert_eq!(c.search_shard_pages, 500);
        for (value, message) in [
            ("0", "search_shard_pages is 0"),
            ("-1", "invalid value"),
            ("\"many\"", "invalid type"),
        ] {
            let e = Config::parse(&format!("{base}search_shard_pages = {value}\n")).unwrap_err();
            assert_eq!(e[0].position.map(|p| p.line), Some(3), "{value}");
            assert!(e[0].message.contains(message), "{value}: {}", e[0].message);
        }
    }

    #[test]
    fn sections_keep_their_order_and_default_to_this_site() {
        let c = Config::parse("title = \"t\"\nbase_url = \"https://e.org/\"\n").unwrap();
        assert_eq!(c.sections, Sections::default());
        let c = Config::parse(
            "title = \"t\"\nbase_url = \"https://e.org/\"\n[sections]\nissues = \"topic\"\ndocuments = \"source\"\nprovisions = \"subject\"\n",
        )
        .unwrap();
        let names: Vec<&str> = c.sections.names().collect();
        assert_eq!(names, ["issues", "documents", "provisions"]);
        assert_eq!(c.sections.role_of("documents"), Some(Role::Source));
        let e = Config::parse(
            "title = \"t\"\nbase_url = \"https://e.org/\"\n[sections]\nissues = \"topics\"\n",
        )
        .unwrap_err();
        assert_eq!(e[0].position.unwrap().line, 4);
    }

    #[test]
    fn base_url_is_an_http_url_with_a_host_and_plain_segments() {
        for good in [
            "https://example.org/",
            "http://localhost:1111/",
            "https://a-b.example.org/sub/dir_2/v1.0/~me/",
            "https://[::1]/",
            "https://[::1]:8080/x/",
        ] {
            assert_eq!(check_base_url(good), Ok(()), "{good}");
        }
        for bad in [
            "https://x.org//host/",
            "https://",
            "https:///",
            "https://:80/",
            "https://x.org:/",
            "https://x.org:0/",
            "https://-x.org/",
            "https://x..org/",
            "https://x.org/a b/",
            "https://x.org/\"/",
            "https://x.org/'/",
            "https://x.org/a?b/",
            "https://x.org/a#b/",
            "https://x.org/%2e/",
            "https://x.org/./",
            "https://user@x.org/",
            "https://x.org\\evil.org/",
            "https://exämple.org/",
            "HTTPS://x.org/",
            "//x.org/",
            "https://x.org",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn config_keys_are_located_by_the_toml_parser() {
        // `title` appears inside the description before its own line: the position is
        // still the key's.
        let text = "description = \"title = x\"\ntitle = \"T\"\nbase_url = \"https://e.org\"\n";
        let e = Config::parse(text).unwrap_err();
        assert_eq!(
            e[0].position,
            Some(crate::diagnostic::Position { line: 3, col: 1 })
        );
        let keys = KeyPositions::new("[sections]\n  Sources = \"source\"\n");
        assert_eq!(
            keys.get(Some("sections"), "Sources"),
            Some(crate::diagnostic::Position { line: 2, col: 3 })
        );
    }

    #[test]
    fn unknown_key_lists_valid_keys() {
        let e = Config::parse("title = \"t\"\nbase_url = \"https://e.org/\"\ncolour = 1\n")
            .unwrap_err();
        assert_eq!(e[0].position.unwrap().line, 3);
        assert!(e[0].help.as_ref().unwrap().contains("base_url"));
    }
}
