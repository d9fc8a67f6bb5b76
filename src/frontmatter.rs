//! Front matter: the YAML (`---`) or TOML (`+++`) block at the top of a content file,
//! split from the body and parsed into [`FrontMatter`]. Unknown keys, wrong types and a
//! missing `title` are errors that point at the offending line.

use crate::diagnostic::{Diagnostic, LineIndex, Position};
use serde::{Deserialize, Serialize};
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
    /// The date the page or source was published (`YYYY-MM-DD`); dated pages go in the feed.
    #[serde(default)]
    pub date: Option<String>,
    /// The date the page was last changed (`YYYY-MM-DD`).
    #[serde(default)]
    pub updated: Option<String>,
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
}

/// The keys front matter accepts, for error messages.
pub const FRONT_MATTER_KEYS: &[&str] = &[
    "title",
    "summary",
    "weight",
    "date",
    "updated",
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
];

/// Keys only a source (`content/sources/*.md`) may use.
pub const SOURCE_ONLY_KEYS: &[&str] = &[
    "kind",
    "authors",
    "recipients",
    "signatories",
    "letterhead",
    "subject",
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
    let front_offset = split.front_offset;
    let lines = LineIndex::new(text);
    let key_position = |key: &str| key_position_in(text, split, key);
    let fm: FrontMatter = if split.toml {
        toml::from_str(split.front).map_err(|e| {
            let position = e
                .span()
                .map(|s| lines.position(text, front_offset + s.start));
            vec![explain(
                file,
                text,
                position,
                e.message().trim(),
                split.front,
            )]
        })?
    } else {
        serde_saphyr::from_str(split.front).map_err(|e| {
            let rendered = e.to_string();
            let first = rendered.lines().next().unwrap_or("invalid YAML");
            let message = strip_location_prefix(first);
            let position = e.location().map(|l| Position {
                line: l.line() as usize + split.front_line - 1,
                col: l.column() as usize,
            });
            vec![explain(file, text, position, message, split.front)]
        })?
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
    for (key, value) in [("date", &fm.date), ("updated", &fm.updated)] {
        if let Some(v) = value
            && v.parse::<jiff::civil::Date>().is_err()
        {
            errors.push(
                Diagnostic::error(
                    file,
                    key_position(key),
                    format!("`{key}` is `{v}`, which is not a date"),
                )
                .with_help(format!(
                    "write dates as YYYY-MM-DD, e.g. `{key}: 2024-10-29`"
                ))
                .with_source(text),
            );
        }
    }
    if let Some(url) = &fm.original_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        errors.push(
            Diagnostic::error(
                file,
                key_position("original_url"),
                format!("`original_url` is `{url}`, which is not an http(s) URL"),
            )
            .with_help("give the full address of the original, starting with https://")
            .with_source(text),
        );
    }
    if !is_source {
        for key in SOURCE_ONLY_KEYS {
            if let Some(pos) = key_position(key) {
                errors.push(
                    Diagnostic::error(
                        file,
                        Some(pos),
                        format!("`{key}` is only for sources (content/sources/*.md)"),
                    )
                    .with_help(format!(
                        "remove `{key}`, or move this file to content/sources/ if it is a source"
                    ))
                    .with_source(text),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(fm)
    } else {
        Err(errors)
    }
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
    front: &str,
) -> Diagnostic {
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
    if message.contains("unknown field") {
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
    fn unclosed() {
        let e = parse_str("---\ntitle: A\n").unwrap_err();
        assert!(e[0].message.contains("never closed"));
    }
}
