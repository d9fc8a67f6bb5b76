//! The bibliography: works without full text on the site (the treaty, UN documents,
//! government statements, news, analyses) that pages cite as `[@id]` or `[@id, art. 7]`.
//!
//! Entries come from `content/references.yaml` (a mapping from id to title, publisher,
//! date, url, …) and from `content/references.json` in CSL-JSON, the shape Zotero and
//! other reference managers export. Every entry is checked here: required fields, URL
//! and date shapes, known kinds, and ids unique across both files. Each problem becomes a
//! [`Diagnostic`] at the line of the entry or field it is about.

use crate::diagnostic::{Diagnostic, LineIndex, Position};
use crate::verification::{self, PlaceRange};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The bibliography files a site may have, relative to `content/`.
pub const FILES: &[&str] = &["references.yaml", "references.json"];

/// The kinds an entry may have.
pub const KINDS: &[&str] = &[
    "treaty",
    "un-document",
    "government",
    "news",
    "analysis",
    "law",
];

/// The fields of an entry in `references.yaml`.
const YAML_FIELDS: &[&str] = &[
    "title",
    "publisher",
    "date",
    "url",
    "author",
    "archived",
    "kind",
    "checked",
    "checked_locators",
];

/// A bibliography file as read from `content/`.
#[derive(Clone, Debug)]
pub struct BibliographyFile {
    /// The path shown in diagnostics (`content/references.yaml`).
    pub display: PathBuf,
    /// Its text.
    pub text: String,
}

/// Where an entry is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defined {
    /// The file, as shown in diagnostics.
    pub file: PathBuf,
    /// The line and column of its id.
    pub position: Position,
}

/// One work in the bibliography.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// The id pages cite it by.
    pub id: String,
    /// The work's title.
    pub title: String,
    /// Who published it (an organisation, a newspaper, a government).
    pub publisher: String,
    /// When: `YYYY-MM-DD` or `YYYY-MM`.
    pub date: Option<String>,
    /// Where the original publisher has it.
    pub url: String,
    /// Who wrote it, if named.
    pub author: Option<String>,
    /// An archived copy.
    pub archived: Option<String>,
    /// What sort of work it is (one of [`KINDS`]).
    pub kind: Option<String>,
    /// How the work was checked, for readers (`checked:`; CSL-JSON's `note`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked: Option<String>,
    /// The places of the work that check covered (`checked_locators:`); a citation
    /// elsewhere in it is warned about. Empty when the entry does not say.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checked_locators: Vec<PlaceRange>,
    /// Where the entry is written.
    #[serde(skip)]
    pub defined: Option<Defined>,
}

/// Every entry, sorted by id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bibliography {
    /// The entries, sorted by id.
    pub entries: Vec<Entry>,
}

impl Bibliography {
    /// The index of the entry with this id.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.entries
            .binary_search_by(|e| e.id.as_str().cmp(id))
            .ok()
    }
}

/// Reads every bibliography file. Entries with problems are left out and reported.
pub fn parse(files: &[BibliographyFile]) -> (Bibliography, Vec<Diagnostic>) {
    let mut entries: Vec<Entry> = vec![];
    let mut diags = vec![];
    for f in files {
        let (mut found, mut problems) = if f.display.extension().is_some_and(|e| e == "json") {
            parse_csl_json(f)
        } else {
            parse_yaml(f)
        };
        entries.append(&mut found);
        diags.append(&mut problems);
    }
    let mut first: BTreeMap<String, Option<Defined>> = BTreeMap::new();
    let mut unique = vec![];
    for e in entries {
        if let Some(earlier) = first.get(&e.id) {
            let at = earlier
                .as_ref()
                .map(|d| format!("{}:{}", d.file.display(), d.position.line))
                .unwrap_or_default();
            let (file, position) = located(&e.defined);
            diags.push(
                Diagnostic::error(
                    file,
                    position,
                    format!("the id `{}` is defined twice; the first is at {at}", e.id),
                )
                .with_help("give each work its own id, or remove the second entry"),
            );
            continue;
        }
        first.insert(e.id.clone(), e.defined.clone());
        unique.push(e);
    }
    unique.sort_by(|a, b| a.id.cmp(&b.id));
    (Bibliography { entries: unique }, diags)
}

fn located(d: &Option<Defined>) -> (PathBuf, Option<Position>) {
    match d {
        Some(d) => (d.file.clone(), Some(d.position)),
        None => (PathBuf::new(), None),
    }
}

/// An entry of `references.yaml`, every value with where it was written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlEntry {
    title: Option<Spanned<String>>,
    publisher: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
    archived: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    checked: Option<Spanned<String>>,
    checked_locators: Option<Vec<Spanned<String>>>,
}

/// The top-level mapping, in order, duplicates kept (so they can be reported).
struct YamlEntries(Vec<(Spanned<String>, YamlEntry)>);

impl<'de> Deserialize<'de> for YamlEntries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = YamlEntries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping from ids to entries")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<YamlEntries, A::Error> {
                let mut list = vec![];
                while let Some(pair) = map.next_entry()? {
                    list.push(pair);
                }
                Ok(YamlEntries(list))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<YamlEntries, E> {
                Ok(YamlEntries(vec![]))
            }
        }
        d.deserialize_any(Visit)
    }
}

fn position_of<T>(s: &Spanned<T>) -> Position {
    Position {
        line: (s.referenced.line() as usize).max(1),
        col: (s.referenced.column() as usize).max(1),
    }
}

fn parse_yaml(f: &BibliographyFile) -> (Vec<Entry>, Vec<Diagnostic>) {
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::PassThrough,
    };
    let parsed: YamlEntries = match serde_saphyr::from_str_with_options(&f.text, options) {
        Ok(p) => p,
        Err(e) => return (vec![], vec![yaml_error(f, &e)]),
    };
    let lines = LineIndex::new(&f.text);
    let mut entries = vec![];
    let mut diags = vec![];
    for (id, raw) in parsed.0 {
        let at = position_of(&id);
        let field = |v: &Option<Spanned<String>>| {
            v.as_ref()
                .map(|s| (s.value.trim().to_string(), position_of(s)))
        };
        let draft = Draft {
            id: (id.value.clone(), at),
            title: field(&raw.title),
            publisher: field(&raw.publisher),
            date: field(&raw.date),
            url: field(&raw.url),
            author: field(&raw.author),
            archived: field(&raw.archived),
            kind: field(&raw.kind),
            checked: field(&raw.checked),
            checked_locators: raw
                .checked_locators
                .iter()
                .flatten()
                .map(|s| (s.value.trim().to_string(), position_of(s)))
                .collect(),
        };
        match draft.check(f, &lines) {
            Ok(e) => entries.push(e),
            Err(mut d) => diags.append(&mut d),
        }
    }
    (entries, diags)
}

/// A YAML syntax or shape error, in words an editor understands.
fn yaml_error(f: &BibliographyFile, e: &serde_saphyr::Error) -> Diagnostic {
    let rendered = e.to_string();
    let first = rendered.lines().next().unwrap_or("invalid YAML");
    let position = e.location().map(|l| Position {
        line: (l.line() as usize).max(1),
        col: (l.column() as usize).max(1),
    });
    let (message, help) = if first.contains("unknown field") {
        let name = first.split('`').nth(1).unwrap_or("?");
        (
            format!("unknown field `{name}` in a bibliography entry"),
            format!("an entry's fields are: {}", YAML_FIELDS.join(", ")),
        )
    } else {
        (
            format!("invalid bibliography: {}", strip_location(first)),
            "write one entry per id: `un-press-ga12671:` then indented `title: …`, `publisher: …`, `url: …` lines; quote text that contains `: `".to_string(),
        )
    };
    Diagnostic::error(&f.display, position, message)
        .with_help(help)
        .with_source(&f.text)
}

fn strip_location(line: &str) -> &str {
    let l = line.strip_prefix("error: ").unwrap_or(line);
    if l.starts_with("line ")
        && let Some((_, rest)) = l.split_once(": ")
    {
        return rest;
    }
    l
}

/// An entry's fields as written, each with its position, before they are checked.
struct Draft {
    id: (String, Position),
    title: Option<(String, Position)>,
    publisher: Option<(String, Position)>,
    date: Option<(String, Position)>,
    url: Option<(String, Position)>,
    author: Option<(String, Position)>,
    archived: Option<(String, Position)>,
    kind: Option<(String, Position)>,
    checked: Option<(String, Position)>,
    checked_locators: Vec<(String, Position)>,
}

/// Whether `s` looks like a web address a reader can follow.
fn is_web_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        host.contains('.') && !r.contains(char::is_whitespace) && !host.contains(['<', '>', '"'])
    })
}

/// Whether `s` is `YYYY-MM-DD` (a real day) or `YYYY-MM`.
fn is_date(s: &str) -> bool {
    if s.len() == 7 {
        let (y, m) = s.split_at(4);
        y.bytes().all(|b| b.is_ascii_digit())
            && m.strip_prefix('-')
                .and_then(|m| m.parse::<u8>().ok())
                .is_some_and(|m| (1..=12).contains(&m))
    } else {
        s.len() == 10 && s.parse::<jiff::civil::Date>().is_ok()
    }
}

impl Draft {
    /// Checks the fields; the entry, or every problem with it.
    /// (`lines` indexes `f.text`, so that each error's source line costs only its line.)
    fn check(self, f: &BibliographyFile, lines: &LineIndex) -> Result<Entry, Vec<Diagnostic>> {
        let mut errors = vec![];
        let err = |pos: Position, msg: String, help: &str| {
            Diagnostic::error(&f.display, Some(pos), msg)
                .with_help(help)
                .with_source_in(&f.text, lines)
        };
        let (id, at) = &self.id;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            errors.push(err(
                *at,
                format!("`{id}` cannot be cited: an id is letters, digits, `-`, `_` and `.`"),
                "use an id such as `un-press-ga12671`",
            ));
        }
        let mut required = |v: &Option<(String, Position)>, name: &str, example: &str| match v {
            Some((s, _)) if !s.is_empty() => s.clone(),
            Some((_, pos)) => {
                errors.push(err(*pos, format!("`{id}` has an empty `{name}`"), example));
                String::new()
            }
            None => {
                errors.push(err(*at, format!("`{id}` has no `{name}`"), example));
                String::new()
            }
        };
        let title = required(
            &self.title,
            "title",
            "add the work's own title: `title: General Assembly Adopts …`",
        );
        let publisher = required(
            &self.publisher,
            "publisher",
            "add who published it: `publisher: United Nations`",
        );
        let url = required(
            &self.url,
            "url",
            "add the address where the original publisher has it: `url: https://…`",
        );
        errors.extend(self.format_errors(&err));
        let checked_locators = self.checked_locators(&err, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let text = |v: Option<(String, Position)>| v.map(|(s, _)| s).filter(|s| !s.is_empty());
        Ok(Entry {
            id: self.id.0,
            title,
            publisher,
            date: text(self.date),
            url,
            author: text(self.author),
            archived: text(self.archived),
            kind: text(self.kind),
            checked: text(self.checked),
            checked_locators,
            defined: Some(Defined {
                file: f.display.clone(),
                position: self.id.1,
            }),
        })
    }

    /// The problems with the values' form: web addresses, the date, the kind.
    fn format_errors(&self, err: &dyn Fn(Position, String, &str) -> Diagnostic) -> Vec<Diagnostic> {
        let id = &self.id.0;
        let mut errors = vec![];
        for (name, value) in [("url", &self.url), ("archived", &self.archived)] {
            if let Some((u, pos)) = value
                && !u.is_empty()
                && !is_web_url(u)
            {
                errors.push(err(
                    *pos,
                    format!("`{name}` of `{id}` is `{u}`, which is not a web address"),
                    "write the full address, starting with https://",
                ));
            }
        }
        if let Some((d, pos)) = &self.date
            && !is_date(d)
        {
            errors.push(err(
                *pos,
                format!("`date` of `{id}` is `{d}`, which is not a date"),
                "write YYYY-MM-DD (2024-12-24) or, when only the month is known, YYYY-MM (2024-12)",
            ));
        }
        if let Some((k, pos)) = &self.kind
            && !KINDS.contains(&k.as_str())
        {
            errors.push(err(
                *pos,
                format!("`kind` of `{id}` is `{k}`, which is not a known kind"),
                &format!("use one of: {}", KINDS.join(", ")),
            ));
        }
        errors
    }

    /// The places the check covered, from `checked_locators`; an item that is not a range
    /// of numbered places is an error.
    fn checked_locators(
        &self,
        err: &dyn Fn(Position, String, &str) -> Diagnostic,
        errors: &mut Vec<Diagnostic>,
    ) -> Vec<PlaceRange> {
        let mut ranges = vec![];
        for (item, pos) in &self.checked_locators {
            match verification::parse_ranges(&[item.as_str()]) {
                Ok(r) => ranges.extend(r),
                Err(_) => errors.push(err(
                    *pos,
                    format!("`checked_locators` of `{}` has `{item}`, which is not a range of numbered places", self.id.0),
                    "write the kind of place and its numbers, as citations do: `art. 1–15`, `p. 1–40`, `chap. 2`",
                )),
            }
        }
        ranges
    }
}

/// One item of a CSL-JSON export, the fields this site uses.
#[derive(Deserialize)]
struct CslItem {
    id: serde_json::Value,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    author: Vec<CslName>,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(rename = "container-title", default)]
    container_title: Option<String>,
    #[serde(default)]
    issued: Option<CslDate>,
    #[serde(rename = "URL", default)]
    url: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct CslName {
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    given: Option<String>,
    #[serde(default)]
    literal: Option<String>,
}

#[derive(Deserialize)]
struct CslDate {
    #[serde(rename = "date-parts", default)]
    date_parts: Vec<Vec<serde_json::Value>>,
    #[serde(default)]
    raw: Option<String>,
}

impl CslDate {
    /// `YYYY-MM-DD` or `YYYY-MM` (or the year alone, which [`is_date`] then refuses).
    fn to_text(&self) -> Option<String> {
        let parts: Vec<i64> = self
            .date_parts
            .first()?
            .iter()
            .filter_map(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
            .collect();
        match parts.as_slice() {
            [y, m, d, ..] => Some(format!("{y:04}-{m:02}-{d:02}")),
            [y, m] => Some(format!("{y:04}-{m:02}")),
            [y] => Some(format!("{y:04}")),
            [] => self.raw.clone(),
        }
    }
}

/// The site's kind for a CSL type, where one fits.
fn kind_for_csl(t: &str) -> Option<&'static str> {
    match t {
        "treaty" => Some("treaty"),
        "legislation" | "bill" | "legal_case" | "regulation" => Some("law"),
        "article-newspaper" | "article-magazine" | "broadcast" => Some("news"),
        "article-journal" | "report" | "post-weblog" | "paper-conference" => Some("analysis"),
        _ => None,
    }
}

fn parse_csl_json(f: &BibliographyFile) -> (Vec<Entry>, Vec<Diagnostic>) {
    let lines = LineIndex::new(&f.text);
    let items: Vec<CslItem> = match serde_json::from_str(&f.text) {
        Ok(v) => v,
        Err(e) => {
            let position = (e.line() > 0).then(|| Position {
                line: e.line(),
                col: e.column().max(1),
            });
            return (
                vec![],
                vec![
                    Diagnostic::error(&f.display, position, format!("invalid CSL-JSON: {e}"))
                        .with_help("export the library as CSL-JSON (a list of items with `id`, `type`, `title`, `URL`, …), e.g. from Zotero: File → Export Library → CSL JSON")
                        .with_source(&f.text),
                ],
            );
        }
    };
    let mut entries = vec![];
    let mut diags = vec![];
    let mut search_from = 0;
    for item in items {
        let id = match &item.id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        // CSL-JSON has no positions: find the item's `"id"` in the text, in order.
        let needle = format!("\"{}\"", id.replace('\\', "\\\\").replace('"', "\\\""));
        let at = f.text[search_from..]
            .find(&needle)
            .map(|i| search_from + i)
            .unwrap_or(search_from);
        search_from = (at + needle.len()).min(f.text.len());
        let pos = lines.position(&f.text, at);
        let authors: Vec<String> = item
            .author
            .iter()
            .filter_map(|n| {
                n.literal.clone().or_else(|| match (&n.given, &n.family) {
                    (Some(g), Some(fam)) => Some(format!("{g} {fam}")),
                    (None, Some(fam)) => Some(fam.clone()),
                    (Some(g), None) => Some(g.clone()),
                    (None, None) => None,
                })
            })
            .collect();
        let with = |v: Option<String>| v.map(|s| (s.trim().to_string(), pos));
        let draft = Draft {
            id: (id, pos),
            title: with(item.title),
            publisher: with(item.publisher.or(item.container_title)),
            date: with(item.issued.as_ref().and_then(CslDate::to_text)),
            url: with(item.url),
            author: with((!authors.is_empty()).then(|| authors.join(", "))),
            archived: None,
            checked: with(item.note),
            checked_locators: vec![],
            kind: item
                .kind
                .as_deref()
                .and_then(kind_for_csl)
                .map(|k| (k.to_string(), pos)),
        };
        match draft.check(f, &lines) {
            Ok(e) => entries.push(e),
            Err(mut d) => diags.append(&mut d),
        }
    }
    (entries, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> (Bibliography, Vec<Diagnostic>) {
        parse(&[BibliographyFile {
            display: "content/references.yaml".into(),
            text: text.into(),
        }])
    }

    #[test]
    fn a_good_entry() {
        let (b, d) = yaml(
            "un-press:\n  title: Adopted\n  publisher: United Nations\n  date: 2024-12-24\n  url: https://press.un.org/en/2024/ga12671.doc.htm\n  kind: un-document\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(b.entries[0].date.as_deref(), Some("2024-12-24"));
        assert_eq!(b.find("un-press"), Some(0));
    }

    #[test]
    fn problems_are_located() {
        let (b, d) = yaml(
            "a:\n  title: T\n  publisher: P\n  url: nope\nb:\n  title: T\n  url: https://e.org/\n  date: 2024-13\n",
        );
        assert!(b.entries.is_empty());
        let lines: Vec<usize> = d.iter().map(|d| d.position.unwrap().line).collect();
        assert_eq!(lines, [4, 5, 8], "{d:?}");
    }

    #[test]
    fn duplicates_name_both_lines() {
        let (b, d) = yaml(
            "a:\n  title: T\n  publisher: P\n  url: https://e.org/\na:\n  title: U\n  publisher: P\n  url: https://e.org/\n",
        );
        assert_eq!(b.entries.len(), 1);
        assert_eq!(d[0].position.unwrap().line, 5);
        assert!(
            d[0].message.contains("references.yaml:1"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn dates() {
        assert!(is_date("2024-12-24") && is_date("2024-12"));
        assert!(!is_date("2024-02-30") && !is_date("2024") && !is_date("24-12-01"));
    }
}
