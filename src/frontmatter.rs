//! Front matter: the YAML (`---`) or TOML (`+++`) block at the top of a content file,
//! split from the body and parsed into [`FrontMatter`]. Unknown keys, wrong types and a
//! missing `title` are errors that point at the offending line.

use crate::diagnostic::{Diagnostic, LineIndex, Position};
use serde::{Deserialize, Serialize};
use std::cell::OnceCell;
use std::path::Path;

/// A signatory of a source letter.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    /// The name as signed.
    pub name: String,
    /// The role under the name, if any.
    #[serde(default)]
    pub role: Option<String>,
}

/// One dated change note of a page's history (`changes:`), as GOV.UK's "See all updates"
/// lists them. Both keys are required; they are optional here so that a missing one is
/// reported where the change is written, not by the parser at the top of the file.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, Default)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The day (or date and time) of the change, as `date`.
    #[serde(default, deserialize_with = "date_value")]
    pub date: Option<String>,
    /// What changed, in a sentence.
    #[serde(default)]
    pub note: Option<String>,
}

impl Change {
    /// The change's date ("" before the front matter check has refused a missing one).
    pub fn date(&self) -> &str {
        self.date.as_deref().unwrap_or_default()
    }

    /// The change's note ("" before the check has refused a missing one).
    pub fn note(&self) -> &str {
        self.note.as_deref().unwrap_or_default()
    }
}

/// The order of two accepted dates in time: by calendar day, then by the strict
/// timestamp (a plain day is its midnight).
pub fn date_key(value: &str) -> (Option<jiff::civil::Date>, String) {
    (calendar_date(value), atom_time(value))
}

/// Everything a content file may say about itself.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// The page's title (required).
    pub title: String,
    /// One sentence for lists, search results and link previews.
    #[serde(default)]
    pub summary: Option<String>,
    /// Order within its section: lower first, then by title.
    #[serde(default)]
    pub weight: Option<i64>,
    /// The date the page or source was published (`YYYY-MM-DD`, or an RFC 3339 date and
    /// time such as `2024-01-01T10:00:00Z`); dated pages go in the feed.
    #[serde(default, deserialize_with = "date_value")]
    pub date: Option<String>,
    /// The date the page was last changed (as `date`).
    #[serde(default, deserialize_with = "date_value")]
    pub updated: Option<String>,
    /// The day the page's facts were last checked against their sources (`YYYY-MM-DD`);
    /// readers see "Facts checked as of …", apart from "Last updated".
    #[serde(default, deserialize_with = "date_value")]
    pub reviewed: Option<String>,
    /// The day by which the page's facts should be checked again (`YYYY-MM-DD`): once it
    /// has passed, `check` and `serve` warn. A build never fails on it.
    #[serde(default, deserialize_with = "date_value")]
    pub review_by: Option<String>,
    /// Drafts are built by `serve` and `build --drafts`, left out otherwise.
    #[serde(default)]
    pub draft: bool,
    /// The template to use instead of the section's or `page.html`.
    #[serde(default)]
    pub layout: Option<String>,
    /// A short name for tight spaces: references, table headings (`Senators' letter`, `Art. 7`).
    #[serde(default)]
    pub short_title: Option<String>,
    /// Sources: what kind of document this is (`letter`).
    #[serde(default)]
    pub kind: Option<String>,
    /// Sources: who wrote it.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Sources: the address blocks it was sent to, as written.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Sources: who signed it, as signed.
    #[serde(default)]
    pub signatories: Vec<Signatory>,
    /// Sources: the letterhead, as printed.
    #[serde(default)]
    pub letterhead: Option<String>,
    /// Sources: the subject line (`Re: …`).
    #[serde(default)]
    pub subject: Option<String>,
    /// Sources: where the original is published.
    #[serde(default)]
    pub original_url: Option<String>,
    /// Sources: the heading of the section in which a topic page says what this source
    /// says about the topic (`What the senators say`). The matrix then counts the source
    /// as raising a topic by what that section cites of it, not by every citation on the
    /// page (a "closest point" or a general request cited elsewhere is not raising it).
    #[serde(default)]
    pub own_section: Option<String>,
    /// The page's history: a dated note for each revision a reader should know of.
    #[serde(default)]
    pub changes: Vec<Change>,
}

impl FrontMatter {
    /// When the page last changed: the newest of `updated` and the change notes' dates.
    pub fn last_updated(&self) -> Option<&str> {
        self.updated
            .iter()
            .map(String::as_str)
            .chain(self.changes.iter().map(Change::date))
            .filter(|d| !d.is_empty())
            .max_by_key(|d| date_key(d))
    }

    /// The change notes, newest first (notes of one date in the order written).
    pub fn changes_newest_first(&self) -> Vec<&Change> {
        let mut list: Vec<&Change> = self.changes.iter().collect();
        list.sort_by_key(|c| std::cmp::Reverse(date_key(c.date())));
        list
    }
}

/// Reads a date as text, whether YAML gives it as a string or TOML as a datetime value
/// (`date = 2024-01-01T10:00:00Z`, unquoted, as Zola and Hugo sites write it).
fn date_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct DateText;
    impl<'de> serde::de::Visitor<'de> for DateText {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a date such as 2024-10-29")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(DateText)
        }
        /// TOML hands a datetime over as a map of one private key to its text.
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            match map.next_entry::<String, String>()? {
                Some((_, text)) => Ok(Some(text)),
                None => Err(serde::de::Error::custom(
                    "expected a date such as 2024-10-29",
                )),
            }
        }
    }
    d.deserialize_any(DateText)
}

/// Whether `value` is a date the front matter accepts: `YYYY-MM-DD`, or an RFC 3339
/// date and time with seconds and an offset (`2024-01-01T10:00:00Z`, `…+02:00`) or
/// without one (`2024-01-01T10:00:00`, taken as UTC). See [`normalise_date`].
pub fn is_date(value: &str) -> bool {
    normalise_date(value).is_ok()
}

/// An accepted date in the one form every output writes (`T` and `Z` in capitals), or
/// what keeps it from being one. RFC 3339 lets a `t`, a `z` or a space stand for `T` and
/// `Z`; those are accepted and written in capitals. What a feed reader cannot read is
/// refused: a time without seconds, a zone name (`[Europe/Paris]`), an offset beyond
/// ±23:59 or without its colon, or anything after the time.
pub fn normalise_date(value: &str) -> Result<String, &'static str> {
    const NOT_A_DATE: &str = "which is not a date";
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let two =
        |s: &str, max: u8| digits(s) && s.len() == 2 && s.parse::<u8>().is_ok_and(|n| n <= max);
    if !value.is_ascii() || value.len() < 10 {
        return Err(NOT_A_DATE);
    }
    let (day, rest) = value.split_at(10);
    let b = day.as_bytes();
    if !(digits(&day[..4])
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(&day[5..7])
        && digits(&day[8..]))
        || day.parse::<jiff::civil::Date>().is_err()
    {
        return Err(NOT_A_DATE);
    }
    if rest.is_empty() {
        return Ok(day.to_string());
    }
    if rest.contains('[') {
        return Err("which names a time zone in brackets: a feed carries only an offset");
    }
    let Some(time) = rest.strip_prefix(['T', 't', ' ']) else {
        return Err(NOT_A_DATE);
    };
    let hm_ok =
        time.len() >= 5 && two(&time[..2], 23) && &time[2..3] == ":" && two(&time[3..5], 59);
    if !hm_ok {
        return Err("whose time is not HH:MM:SS");
    }
    if time.len() < 8 || &time[5..6] != ":" {
        return Err("whose time has no seconds");
    }
    if !two(&time[6..8], 59) {
        return Err("whose time is not HH:MM:SS");
    }
    let mut out = format!("{day}T{}", &time[..8]);
    let mut zone = &time[8..];
    if let Some(fraction) = zone.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&n) {
            return Err("whose fraction of a second is not 1 to 9 digits");
        }
        out.push_str(&zone[..1 + n]);
        zone = &fraction[n..];
    }
    match zone {
        "" => {}
        "Z" | "z" => out.push('Z'),
        _ if zone.len() == 6
            && zone.starts_with(['+', '-'])
            && &zone[3..4] == ":"
            && digits(&zone[1..3])
            && digits(&zone[4..]) =>
        {
            if !(two(&zone[1..3], 23) && two(&zone[4..], 59)) {
                return Err("whose offset is not one: offsets run from -23:59 to +23:59");
            }
            out.push_str(zone);
        }
        _ => return Err("whose offset is not Z or +HH:MM / -HH:MM"),
    }
    Ok(out)
}

/// The calendar date of an accepted date value, as written (a time's offset is kept, so
/// `2024-01-01T23:00:00-05:00` is the 1st).
pub fn calendar_date(value: &str) -> Option<jiff::civil::Date> {
    if !is_date(value) {
        return None;
    }
    value.get(..10)?.parse().ok()
}

/// A day written as exactly `YYYY-MM-DD` (a real day), for `reviewed` and `review_by`.
pub fn calendar_day(value: &str) -> Option<jiff::civil::Date> {
    (value.len() == 10).then(|| value.parse().ok()).flatten()
}

/// An accepted date value as an Atom (RFC 3339) timestamp: a plain date is midnight UTC,
/// a date and time without an offset is taken as UTC. Whatever it is given, what it
/// returns is strict RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ` or with an offset), so the feed
/// always validates; a value that is not a date (which the front matter check refuses)
/// becomes the start of 1970.
pub fn atom_time(value: &str) -> String {
    match normalise_date(value) {
        Ok(d) if d.len() == 10 => format!("{d}T00:00:00Z"),
        Ok(d) if d.ends_with('Z') || d[19..].contains(['+', '-']) => d,
        Ok(d) => format!("{d}Z"),
        Err(_) => "1970-01-01T00:00:00Z".into(),
    }
}

/// The first character of `s` that no XML document can carry, and that a title or a
/// description has no use for: a control character other than tab and line breaks
/// (U+0000–U+001F, U+007F–U+009F), or the non-characters U+FFFE and U+FFFF.
pub fn control_char(s: &str) -> Option<char> {
    s.chars().find(|&c| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    })
}

/// The keys front matter accepts, for error messages.
pub const FRONT_MATTER_KEYS: &[&str] = &[
    "title",
    "summary",
    "weight",
    "date",
    "updated",
    "reviewed",
    "review_by",
    "draft",
    "layout",
    "short_title",
    "kind",
    "authors",
    "recipients",
    "signatories",
    "letterhead",
    "subject",
    "original_url",
    "own_section",
    "changes",
];

/// Keys only a source (`content/sources/*.md`) may use.
pub const SOURCE_ONLY_KEYS: &[&str] = &[
    "kind",
    "authors",
    "recipients",
    "signatories",
    "letterhead",
    "subject",
    "own_section",
];

/// A content file split into its front matter and body.
#[derive(Clone, Debug)]
pub struct Split<'t> {
    /// The front matter's text, without its delimiters.
    pub front: &'t str,
    /// Whether it is TOML (`+++`) rather than YAML (`---`).
    pub toml: bool,
    /// The byte offset of the front matter's text in the file.
    pub front_offset: usize,
    /// The 1-based line on which the front matter's text starts.
    pub front_line: usize,
    /// The Markdown body.
    pub body: &'t str,
    /// The byte offset of the body in the file.
    pub body_offset: usize,
}

/// Splits `text` into front matter and body. A file must start with `---` or `+++`.
pub fn split<'t>(file: &Path, text: &'t str) -> Result<Split<'t>, Diagnostic> {
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - text_no_bom.len();
    let first = text_no_bom.lines().next().unwrap_or("").trim_end();
    let (delim, toml) = match first {
        "---" => ("---", false),
        "+++" => ("+++", true),
        _ => {
            return Err(Diagnostic::error(file, Some(Position { line: 1, col: 1 }), "the file does not start with front matter")
                .with_help("start the file with a YAML block that gives at least a title:\n---\ntitle: The page's title\n---")
                .with_source(text));
        }
    };
    let after_open = bom
        + text_no_bom
            .find('\n')
            .map(|i| i + 1)
            .unwrap_or(text_no_bom.len());
    let mut offset = after_open;
    for line in text[after_open..].split_inclusive('\n') {
        if line.trim_end() == delim {
            let body_offset = offset + line.len();
            return Ok(Split {
                front: &text[after_open..offset],
                toml,
                front_offset: after_open,
                front_line: 2,
                body: &text[body_offset..],
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(
        file,
        Some(Position { line: 1, col: 1 }),
        format!("the front matter opened here is never closed with `{delim}`"),
    )
    .with_help(format!(
        "add a line with just `{delim}` after the last front matter key"
    ))
    .with_source(text))
}

/// Where `key` is written in the front matter of `text`, if it is.
pub fn key_position(text: &str, key: &str) -> Option<Position> {
    let split = split(Path::new(""), text).ok()?;
    key_position_in(text, &split, key)
}

fn key_position_in(text: &str, split: &Split<'_>, key: &str) -> Option<Position> {
    let mut off = split.front_offset;
    for line in split.front.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with(&format!("{key}:"))
            || t.starts_with(&format!("{key} ="))
            || t.starts_with(&format!("{key}="))
        {
            return Some(LineIndex::new(text).position(text, off + (line.len() - t.len())));
        }
        off += line.len();
    }
    None
}

/// Parses front matter text (YAML or TOML) and checks its values.
pub fn parse(
    file: &Path,
    text: &str,
    split: &Split<'_>,
    is_source: bool,
) -> Result<FrontMatter, Vec<Diagnostic>> {
    let mut fm = deserialize(file, text, split)?;
    let errors = check_values(&fm, file, text, split, is_source);
    if errors.is_empty() {
        // One form of each date for every output (the feed, the sitemap, `<time>`).
        let changes = fm.changes.iter_mut().map(|c| &mut c.date);
        for date in [&mut fm.date, &mut fm.updated]
            .into_iter()
            .chain(changes)
            .flatten()
        {
            if let Ok(d) = normalise_date(date) {
                *date = d;
            }
        }
        Ok(fm)
    } else {
        Err(errors)
    }
}

/// The front matter's keys and values, by the format the fences say (YAML or TOML); a
/// syntax or type error is said for people and put where it is.
fn deserialize(file: &Path, text: &str, split: &Split<'_>) -> Result<FrontMatter, Vec<Diagnostic>> {
    if split.toml {
        let lines = LineIndex::new(text);
        toml::from_str(split.front).map_err(|e| {
            let position = e
                .span()
                .map(|s| lines.position(text, split.front_offset + s.start));
            vec![explain(file, text, position, e.message().trim(), split)]
        })
    } else {
        serde_saphyr::from_str(split.front).map_err(|e| {
            let rendered = e.to_string();
            let first = rendered.lines().next().unwrap_or("invalid YAML");
            let message = strip_location_prefix(first);
            let position = e.location().map(|l| Position {
                line: l.line() as usize + split.front_line - 1,
                col: l.column() as usize,
            });
            vec![explain(file, text, position, message, split)]
        })
    }
}

/// The problems with text fields the feed and sitemap carry: no control characters.
fn control_char_errors(
    fm: &FrontMatter,
    error: &dyn Fn(&str, String, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    let mut errors = vec![];
    let texts = [
        ("title", Some(&fm.title)),
        ("summary", fm.summary.as_ref()),
        ("short_title", fm.short_title.as_ref()),
        ("kind", fm.kind.as_ref()),
        ("letterhead", fm.letterhead.as_ref()),
        ("subject", fm.subject.as_ref()),
        ("layout", fm.layout.as_ref()),
        ("original_url", fm.original_url.as_ref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k, v?.as_str())))
    .chain(fm.authors.iter().map(|a| ("authors", a.as_str())))
    .chain(fm.recipients.iter().map(|r| ("recipients", r.as_str())))
    .chain(fm.signatories.iter().flat_map(|s| {
        std::iter::once(("signatories", s.name.as_str()))
            .chain(s.role.iter().map(|r| ("signatories", r.as_str())))
    }));
    let mut reported: Vec<&str> = vec![];
    for (key, value) in texts {
        if let Some(c) = control_char(value)
            && !reported.contains(&key)
        {
            reported.push(key);
            errors.push(error(
                key,
                format!("`{key}` holds the control character {c:?}, which no feed or sitemap can carry"),
                format!("remove it from `{key}`: text may hold tabs and line breaks, but no other control characters (U+0000–U+001F, U+007F–U+009F) or U+FFFE, U+FFFF"),
            ));
        }
    }
    errors
}

/// The problems with the page's dates: `date` and `updated` are dates (a time may follow),
/// `reviewed` and `review_by` are days.
fn date_errors(
    fm: &FrontMatter,
    error: &dyn Fn(&str, String, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    let mut errors = vec![];
    for (key, value) in [("date", &fm.date), ("updated", &fm.updated)] {
        if let Some(v) = value
            && let Err(problem) = normalise_date(v)
        {
            errors.push(error(
                key,
                format!("`{key}` is `{}`, {problem}", v.escape_debug()),
                format!(
                    "write dates as YYYY-MM-DD, e.g. `{key}: 2024-10-29`, or with a time as YYYY-MM-DDTHH:MM:SS and Z or an offset, e.g. `{key}: 2024-10-29T09:30:00Z` or `{key}: 2024-10-29T09:30:00+01:00`"
                ),
            ));
        }
    }
    for (key, value) in [("reviewed", &fm.reviewed), ("review_by", &fm.review_by)] {
        if let Some(v) = value
            && calendar_day(v).is_none()
        {
            errors.push(error(
                key,
                format!("`{key}` is `{v}`, which is not a day"),
                format!("write the day as YYYY-MM-DD, e.g. `{key}: 2026-12-31`"),
            ));
        }
    }
    errors
}

/// The problems with `changes:`: each change needs a `date` (checked like `date`) and a
/// `note` that is not empty and carries no control character.
fn change_errors(
    fm: &FrontMatter,
    error: &dyn Fn(usize, &str, String, String) -> Diagnostic,
) -> Vec<Diagnostic> {
    const EXAMPLE: &str = "changes:\n  - date: 2026-12-01\n    note: Signature count updated.";
    let mut errors = vec![];
    for (k, c) in fm.changes.iter().enumerate() {
        let n = k + 1;
        match c.date.as_deref().map(normalise_date) {
            None => errors.push(error(
                k,
                "date",
                format!("change {n} has no `date`"),
                format!("give each change the day it was made:\n{EXAMPLE}"),
            )),
            Some(Err(problem)) => errors.push(error(
                k,
                "date",
                format!("the `date` of change {n} is `{}`, {problem}", c.date().escape_debug()),
                "write the day as YYYY-MM-DD, e.g. `date: 2026-12-01`, or with a time as YYYY-MM-DDTHH:MM:SSZ".into(),
            )),
            Some(Ok(_)) => {}
        }
        match c.note.as_deref().map(|t| (t.trim().is_empty(), control_char(t))) {
            None | Some((true, _)) => errors.push(error(
                k,
                "note",
                format!("change {n} has no `note`"),
                format!("say in a sentence what changed:\n{EXAMPLE}"),
            )),
            Some((false, Some(ch))) => errors.push(error(
                k,
                "note",
                format!("the `note` of change {n} holds the control character {ch:?}, which no feed can carry"),
                "remove it: a note may hold tabs and line breaks, but no other control characters".into(),
            )),
            Some((false, None)) => {}
        }
    }
    errors
}

/// Where each change of `changes:` starts (a YAML list item, `- date: …`, or a TOML
/// `[[changes]]` table), and where it writes each of its keys, in one pass over the front
/// matter, so that a thousand changes with errors cost one pass, not a thousand. A list
/// written inline (`changes: [{…}]`) has none; the caller puts its errors at the key.
struct ChangeSpots {
    items: Vec<(Position, Vec<(String, Position)>)>,
}

impl ChangeSpots {
    fn new(text: &str, split: &Split<'_>) -> ChangeSpots {
        let lines = LineIndex::new(text);
        let mut items: Vec<(Position, Vec<(String, Position)>)> = vec![];
        let mut off = split.front_offset;
        let mut inside = false;
        for line in split.front.split_inclusive('\n') {
            let t = line.trim_start();
            let indent = line.len() - t.len();
            let at = off + indent;
            off += line.len();
            if t.trim().is_empty() || t.starts_with('#') && !t.starts_with("[[") {
                continue;
            }
            let starts_item = if split.toml {
                let header = t.trim_end().starts_with('[');
                if header {
                    inside = t.trim_end() == "[[changes]]";
                }
                inside && header
            } else {
                if indent == 0 && !t.starts_with('-') {
                    inside = t.starts_with("changes:");
                    continue;
                }
                inside && (t.starts_with("- ") || t.trim_end() == "-")
            };
            if !inside {
                continue;
            }
            if starts_item {
                items.push((lines.position(text, at), vec![]));
            }
            let Some((_, keys)) = items.last_mut() else {
                continue;
            };
            let body = t.strip_prefix("- ").map(str::trim_start).unwrap_or(t);
            let key_end = body.find([':', '=']).unwrap_or(0);
            let key = body[..key_end].trim_end();
            if !key.is_empty() && !key.contains(char::is_whitespace) {
                let position = lines.position(text, at + (t.len() - body.len()));
                keys.push((key.to_string(), position));
            }
        }
        ChangeSpots { items }
    }

    /// Where change `k` (from 0) writes `key`, or where it starts when it has no such key.
    fn position(&self, k: usize, key: &str) -> Option<Position> {
        let (start, keys) = self.items.get(k)?;
        let at = keys.iter().find(|(name, _)| name == key).map(|(_, p)| *p);
        Some(at.unwrap_or(*start))
    }
}

/// What is wrong with the values that parsed: an empty title, a date that is not one, a
/// layout outside layouts/, an original URL that is not http(s), and keys only a source
/// may have on a page that is not one.
fn check_values(
    fm: &FrontMatter,
    file: &Path,
    text: &str,
    split: &Split<'_>,
    is_source: bool,
) -> Vec<Diagnostic> {
    let key_position = |key: &str| key_position_in(text, split, key);
    let error = |key: &str, message: String, help: String| {
        Diagnostic::error(file, key_position(key), message)
            .with_help(help)
            .with_source(text)
    };
    let mut errors = vec![];
    if fm.title.trim().is_empty() {
        errors.push(
            Diagnostic::error(
                file,
                key_position("title").or(Some(Position { line: 1, col: 1 })),
                "the title is empty",
            )
            .with_help("give the page a title: `title: What the page is about`")
            .with_source(text),
        );
    }
    errors.extend(date_errors(fm, &error));
    // Worked out once, on the first error: a thousand bad changes cost one pass.
    let (spots, lines, changes_at) = (OnceCell::new(), OnceCell::new(), OnceCell::new());
    errors.extend(change_errors(fm, &|k, key, message, help| {
        let spots = spots.get_or_init(|| ChangeSpots::new(text, split));
        let at = spots
            .position(k, key)
            .or_else(|| *changes_at.get_or_init(|| key_position("changes")));
        Diagnostic::error(file, at, message)
            .with_help(help)
            .with_source_in(text, lines.get_or_init(|| LineIndex::new(text)))
    }));
    errors.extend(control_char_errors(fm, &error));
    if let Some(layout) = &fm.layout
        && (layout.starts_with(['/', '\\'])
            || layout
                .split(['/', '\\'])
                .any(|part| part == ".." || part.is_empty()))
    {
        errors.push(error(
            "layout",
            format!("`layout` is `{layout}`, which is not a template in layouts/"),
            "give the name of a template in layouts/, without `..` or a leading `/`, e.g. `layout: matrix`".into(),
        ));
    }
    if let Some(url) = &fm.original_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        errors.push(error(
            "original_url",
            format!("`original_url` is `{url}`, which is not an http(s) URL"),
            "give the full address of the original, starting with https://".into(),
        ));
    }
    if !is_source {
        for key in SOURCE_ONLY_KEYS
            .iter()
            .filter(|k| key_position(k).is_some())
        {
            errors.push(error(
                key,
                format!("`{key}` is only for sources (content/sources/*.md)"),
                format!("remove `{key}`, or move this file to content/sources/ if it is a source"),
            ));
        }
    }
    errors
}

/// Syntax errors the parsers word for machines, said for people and put where the
/// problem really is: a key given twice, a tab in YAML, a TOML string never closed.
fn explain_syntax(
    file: &Path,
    text: &str,
    position: Option<Position>,
    message: &str,
    split: &Split<'_>,
) -> Option<Diagnostic> {
    let line_of = |p: Position| text.lines().nth(p.line.checked_sub(1)?);
    let key_at = |p: Position| {
        line_of(p)
            .and_then(|l| l.trim_start().split_once([':', '=']))
            .map(|(k, _)| k.trim().trim_matches('"').to_string())
    };
    if message.contains("duplicate mapping key") || message.contains("duplicate key") {
        let key = position.and_then(key_at).unwrap_or_else(|| "?".into());
        let form = if split.toml { " = …" } else { ": …" };
        return Some(
            Diagnostic::error(file, position, format!("the key `{key}` is given twice")).with_help(
                format!("keep one `{key}{form}` line in the front matter and remove the other"),
            ),
        );
    }
    if !split.toml && message.contains("tab") {
        // The scanner reports where the value before the tab started; point at the tab.
        let tab = split.front.lines().enumerate().find_map(|(i, l)| {
            l.find('\t').map(|b| Position {
                line: split.front_line + i,
                col: l[..b].chars().count() + 1,
            })
        });
        return Some(
            Diagnostic::error(
                file,
                tab.or(position),
                "a tab in the front matter: YAML allows only spaces here",
            )
            .with_help("replace the tab with spaces (YAML indents with spaces only)"),
        );
    }
    if split.toml && message.contains("invalid basic string") {
        // Point at the opening quote, not the end of the line.
        let opening = position.and_then(|p| {
            let line = line_of(p)?;
            let b = line.find('"')?;
            Some(Position {
                line: p.line,
                col: line[..b].chars().count() + 1,
            })
        });
        return Some(
            Diagnostic::error(
                file,
                opening.or(position),
                "this text is never closed with `\"`",
            )
            .with_help("end the text with `\"` on the same line (TOML text spans lines only between `\"\"\"` marks)"),
        );
    }
    None
}

fn strip_location_prefix(line: &str) -> &str {
    // "error: line 2 column 9: invalid i64" -> "invalid i64"
    let l = line.strip_prefix("error: ").unwrap_or(line);
    if l.starts_with("line ")
        && let Some((_, rest)) = l.split_once(": ")
    {
        return rest;
    }
    l
}

/// Turns a parser's message into one that names the key and says what it expects.
fn explain(
    file: &Path,
    text: &str,
    position: Option<Position>,
    message: &str,
    split: &Split<'_>,
) -> Diagnostic {
    if let Some(d) = explain_syntax(file, text, position, message, split) {
        return d.with_source(text);
    }
    let front = split.front;
    let key = position
        .and_then(|p| text.lines().nth(p.line - 1))
        .and_then(|l| l.trim_start().split_once([':', '=']))
        .map(|(k, _)| k.trim().to_string())
        .filter(|k| FRONT_MATTER_KEYS.contains(&k.as_str()));
    let expected = |m: &str| -> Option<&'static str> {
        if m.contains("i64") || m.contains("integer") {
            Some("a whole number, e.g. `weight: 10`")
        } else if m.contains("bool") {
            Some("`true` or `false`")
        } else if m.contains("sequence") {
            Some("a list, e.g. `authors: [A, B]` or one `- item` per line")
        } else if m.contains("string") {
            Some("text; put it in quotes if it contains `: ` or starts with `[`, `{`, `*` or `&`")
        } else if m.contains("map") || m.contains("struct") {
            Some("a mapping of keys, e.g. `- name: A` with `role: B` below it")
        } else {
            None
        }
    };
    let mut d;
    if message.contains("unknown field")
        && (message.contains("expected one of date, note")
            || message.contains("expected `date` or `note`"))
    {
        let unknown = message.split('`').nth(1).unwrap_or("?");
        d = Diagnostic::error(file, position, format!("unknown key `{unknown}` in a change"))
            .with_help("a change has only `date` and `note`:\nchanges:\n  - date: 2026-12-01\n    note: Signature count updated.");
    } else if key.as_deref() == Some("changes") {
        d = Diagnostic::error(file, position, format!("`changes` has the wrong type ({message})"))
            .with_help("`changes` expects a list of dated notes:\nchanges:\n  - date: 2026-12-01\n    note: Signature count updated.");
    } else if message.contains("unknown field") {
        let unknown = message.split('`').nth(1).unwrap_or("?");
        d = Diagnostic::error(
            file,
            position,
            format!("unknown front matter key `{unknown}`"),
        )
        .with_help(format!("valid keys are: {}", FRONT_MATTER_KEYS.join(", ")));
    } else if message.contains("missing field") {
        let missing = message.split('`').nth(1).unwrap_or("title");
        d = Diagnostic::error(
            file,
            Some(Position { line: 1, col: 1 }),
            format!("the front matter has no `{missing}`"),
        )
        .with_help(format!("add `{missing}: …` between the `---` lines"));
    } else if let (Some(key), Some(exp)) = (&key, expected(message)) {
        d = Diagnostic::error(
            file,
            position,
            format!("`{key}` has the wrong type ({message})"),
        )
        .with_help(format!("`{key}` expects {exp}"));
    } else {
        d = Diagnostic::error(file, position, format!("invalid front matter: {message}"));
        d = d.with_help(if front.trim().is_empty() {
            "the front matter is empty: add at least `title: …`".to_string()
        } else if split.toml {
            "check the TOML syntax on this line: `key = \"text\"`, `key = 10`, `key = true`, lists as `key = [\"a\", \"b\"]`".to_string()
        } else {
            "check the YAML syntax on this line: `key: value`, lists as `- item`, quote text that contains `: `".to_string()
        });
    }
    d.with_source(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<FrontMatter, Vec<Diagnostic>> {
        let p = Path::new("a.md");
        let s = split(p, text).map_err(|d| vec![d])?;
        parse(p, text, &s, false)
    }

    #[test]
    fn yaml_and_toml() {
        assert_eq!(
            parse_str("---\ntitle: A\nweight: 3\n---\nbody")
                .unwrap()
                .weight,
            Some(3)
        );
        assert_eq!(
            parse_str("+++\ntitle = \"A\"\n+++\nbody").unwrap().title,
            "A"
        );
    }

    #[test]
    fn wrong_type_names_key_and_line() {
        let e = parse_str("---\ntitle: A\nweight: heavy\n---\n").unwrap_err();
        assert_eq!(e[0].position, Some(Position { line: 3, col: 9 }));
        assert!(e[0].message.contains("`weight`"), "{}", e[0].message);
        assert!(e[0].help.as_ref().unwrap().contains("whole number"));
    }

    #[test]
    fn toml_error_position() {
        let e = parse_str("+++\ntitle = \"A\"\ncolour = 1\n+++\n").unwrap_err();
        assert_eq!(e[0].position.unwrap().line, 3);
        assert!(e[0].message.contains("colour"), "{}", e[0].message);
    }

    #[test]
    fn dates_are_normalised_to_strict_rfc_3339_or_refused() {
        for (written, strict) in [
            ("2024-10-29", "2024-10-29"),
            ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
            ("2024-01-01t10:00:00z", "2024-01-01T10:00:00Z"),
            ("2024-01-01 10:00:00+02:00", "2024-01-01T10:00:00+02:00"),
            (
                "2024-01-01T10:00:00.123456789-23:59",
                "2024-01-01T10:00:00.123456789-23:59",
            ),
            ("2024-01-01T10:00:00", "2024-01-01T10:00:00"),
        ] {
            assert_eq!(normalise_date(written).as_deref(), Ok(strict), "{written}");
        }
        for bad in [
            "2024-01-01T10:00Z",
            "2024-01-01T10:00:00Z[Europe/Paris]",
            "2024-01-01T10:00:00[Europe/Paris]",
            "2024-01-01T10:00:00+25:00",
            "2024-01-01T10:00:00+02:60",
            "2024-01-01T10:00:00+0200",
            "2024-01-01T10:00:60Z",
            "2024-01-01T10:00:00.Z",
            "2024-01-01T10:00:00.1234567890Z",
            "2024-01-01T10:00:00Zjunk",
            "2024-01-01T",
            "2024-1-01",
            "2024-02-30",
            "+2024-01-01",
            "2024-01-01é",
            "",
        ] {
            assert!(normalise_date(bad).is_err(), "{bad} was accepted");
            assert_eq!(atom_time(bad), "1970-01-01T00:00:00Z");
        }
        assert_eq!(atom_time("2024-01-01"), "2024-01-01T00:00:00Z");
        assert_eq!(atom_time("2024-01-01t10:00:00"), "2024-01-01T10:00:00Z");
        assert_eq!(
            atom_time("2024-01-01T10:00:00-05:00"),
            "2024-01-01T10:00:00-05:00"
        );
    }

    #[test]
    fn a_dated_page_keeps_its_date_in_the_strict_form() {
        let fm = parse_str("---\ntitle: A\ndate: 2024-01-01 10:00:00z\n---\n").unwrap();
        assert_eq!(fm.date.as_deref(), Some("2024-01-01T10:00:00Z"));
        // TOML's own datetimes arrive in the strict form.
        let fm = parse_str("+++\ntitle = \"A\"\nupdated = 2024-01-01 10:00:00Z\n+++\n").unwrap();
        assert_eq!(fm.updated.as_deref(), Some("2024-01-01T10:00:00Z"));
    }

    #[test]
    fn control_characters_are_found() {
        assert_eq!(control_char("tab\tand\nline"), None);
        assert_eq!(control_char("bell\u{7}"), Some('\u{7}'));
        assert_eq!(control_char("c1\u{85}"), Some('\u{85}'));
        assert_eq!(control_char("nonchar\u{FFFE}"), Some('\u{FFFE}'));
        let e = parse_str("---\ntitle: A\nauthors: [\"ok\", \"b\\x1b[0m\"]\n---\n").unwrap_err();
        assert_eq!(e[0].position, Some(Position { line: 3, col: 1 }));
        assert!(
            e[0].message
                .contains("`authors` holds the control character"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn unclosed() {
        let e = parse_str("---\ntitle: A\n").unwrap_err();
        assert!(e[0].message.contains("never closed"));
    }
}

#[cfg(test)]
mod change_tests {
    use super::*;

    fn parse_str(text: &str) -> Result<FrontMatter, Vec<Diagnostic>> {
        let p = Path::new("a.md");
        let s = split(p, text).map_err(|d| vec![d])?;
        parse(p, text, &s, false)
    }

    fn at(e: &Diagnostic) -> (usize, usize) {
        let p = e.position.expect("a position");
        (p.line, p.col)
    }

    #[test]
    fn changes_parse_in_yaml_and_toml_and_give_the_newest_date() {
        let fm = parse_str(
            "---\ntitle: A\nupdated: 2026-11-01\nchanges:\n  - date: 2026-12-01\n    note: Second.\n  - date: 2025-10-25\n    note: First.\n---\n",
        )
        .unwrap();
        assert_eq!(fm.changes.len(), 2);
        assert_eq!(fm.last_updated(), Some("2026-12-01"));
        let notes: Vec<&str> = fm.changes_newest_first().iter().map(|c| c.note()).collect();
        assert_eq!(notes, ["Second.", "First."]);
        let fm = parse_str(
            "+++\ntitle = \"A\"\nupdated = 2026-12-02\n[[changes]]\ndate = 2026-12-01\nnote = \"One.\"\n+++\n",
        )
        .unwrap();
        assert_eq!(fm.changes[0].date(), "2026-12-01");
        assert_eq!(fm.last_updated(), Some("2026-12-02"));
        // A change with a time is normalised like `date`, and ordered by it.
        let fm = parse_str("---\ntitle: A\nchanges:\n- date: 2026-12-01 10:00:00z\n  note: B.\n- date: 2026-12-01\n  note: A.\n---\n").unwrap();
        assert_eq!(fm.changes[0].date(), "2026-12-01T10:00:00Z");
        assert_eq!(fm.last_updated(), Some("2026-12-01T10:00:00Z"));
    }

    #[test]
    fn a_bad_change_date_is_put_on_its_own_line() {
        let e = parse_str(
            "---\ntitle: A\nchanges:\n  - date: 2026-12-01\n    note: Fine.\n  - note: Bad date.\n    date: 2026-13-01\n---\n",
        )
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(at(&e[0]), (7, 5));
        assert!(
            e[0].message
                .contains("the `date` of change 2 is `2026-13-01`, which is not a date"),
            "{}",
            e[0].message
        );
        let e = parse_str(
            "+++\ntitle = \"A\"\n[[changes]]\nnote = \"x\"\n\n[[changes]]\n  date = \"yesterday\"\n  note = \"y\"\n+++\n",
        )
        .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(at(&e[0]), (3, 1), "{}", e[0].message);
        assert_eq!(e[0].message, "change 1 has no `date`");
        assert_eq!(at(&e[1]), (7, 3));
    }

    #[test]
    fn a_missing_or_empty_note_is_put_where_the_change_is() {
        let e = parse_str("---\ntitle: A\nchanges:\n- date: 2026-12-01\n- date: 2026-12-02\n  note: \"  \"\n---\n")
            .unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].message, "change 1 has no `note`");
        assert_eq!(at(&e[0]), (4, 1));
        assert_eq!(e[1].message, "change 2 has no `note`");
        assert_eq!(at(&e[1]), (6, 3));
        assert!(e[1].help.as_deref().unwrap().contains("note: "));
        let e =
            parse_str("---\ntitle: A\nchanges:\n- date: 2026-12-01\n  note: \"bell\\x07\"\n---\n")
                .unwrap_err();
        assert_eq!(at(&e[0]), (5, 3));
        assert!(
            e[0].message.contains("control character"),
            "{}",
            e[0].message
        );
        // Written inline, a change's problem is put at the key.
        let e = parse_str("---\ntitle: A\nchanges: [{date: 2026-12-01}]\n---\n").unwrap_err();
        assert_eq!(at(&e[0]), (3, 1));
    }

    #[test]
    fn a_change_with_another_key_or_the_wrong_shape_is_explained() {
        let e = parse_str("---\ntitle: A\nchanges:\n  - date: 2026-12-01\n    notes: Typo.\n---\n")
            .unwrap_err();
        assert_eq!(at(&e[0]), (5, 5), "{}", e[0].message);
        assert_eq!(e[0].message, "unknown key `notes` in a change");
        assert!(e[0].help.as_deref().unwrap().contains("`date` and `note`"));
        let e =
            parse_str("+++\ntitle = \"A\"\n[[changes]]\ndate = 2026-12-01\nnotes = \"x\"\n+++\n")
                .unwrap_err();
        assert_eq!(at(&e[0]), (5, 1), "{}", e[0].message);
        assert_eq!(e[0].message, "unknown key `notes` in a change");
        let e = parse_str("---\ntitle: A\nchanges: Updated the count.\n---\n").unwrap_err();
        assert_eq!(at(&e[0]), (3, 10), "{}", e[0].message);
        assert!(
            e[0].message.contains("`changes` has the wrong type"),
            "{}",
            e[0].message
        );
        assert!(
            e[0].help.as_deref().unwrap().contains("- date:"),
            "{:?}",
            e[0].help
        );
    }
}
