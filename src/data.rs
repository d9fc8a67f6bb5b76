//! Data files: `content/data/*.yaml|yml|json|csv`, which shortcode templates read with
//! `load_data(path="data/…")`.
//!
//! Each is read by the load stage and parsed here once per build, whether or not a page
//! uses it, so that a broken file is reported at its own line and column. A data file is
//! published only if a page links to it (see `resolve`). A CSV file is read by RFC 4180:
//! its first record names the columns, and each further record becomes a map from those
//! names to its fields (as text).

use crate::diagnostic::{Diagnostic, Position};
use crate::fingerprint::hash_of;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The folder of `content/` that holds data files.
pub const DIR: &str = "data/";

/// The extensions a data file has.
pub const EXTENSIONS: &[&str] = &["yaml", "yml", "json", "csv"];

/// Whether a path relative to `content/` is a data file's.
pub fn is_data_file(rel: &str) -> bool {
    rel.strip_prefix(DIR).is_some_and(|name| {
        name.rsplit_once('.')
            .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
    })
}

/// A data file as the load stage read it.
#[derive(Clone, Debug)]
pub struct DataFile {
    /// Its path relative to `content/` (`data/events.yaml`).
    pub rel: String,
    /// Its path as diagnostics show it.
    pub display: PathBuf,
    /// Its text.
    pub text: String,
}

/// The site's data files, parsed, by path relative to `content/`.
#[derive(Clone, Debug, Default)]
pub struct DataFiles {
    files: BTreeMap<String, (u64, Option<serde_json::Value>)>,
}

impl DataFiles {
    /// The value of the file at `rel`: `None` if there is no such file, `Some(None)` if it
    /// did not parse (the build reports that already).
    pub fn get(&self, rel: &str) -> Option<Option<&serde_json::Value>> {
        self.files.get(rel).map(|(_, v)| v.as_ref())
    }

    /// The hash of the file's text (0 when there is none), for rebuilds.
    pub fn hash(&self, rel: &str) -> u64 {
        self.files.get(rel).map_or(0, |(h, _)| *h)
    }

    /// The paths of the data files, for help lines.
    pub fn names(&self) -> Vec<&str> {
        self.files.keys().map(String::as_str).collect()
    }
}

/// Parses every data file; the diagnostics are their syntax errors.
pub fn parse(files: &[DataFile]) -> (DataFiles, Vec<Diagnostic>) {
    let mut out = DataFiles::default();
    let mut diags = vec![];
    for f in files {
        let ext = f.rel.rsplit_once('.').map_or("", |(_, e)| e);
        let parsed = match ext {
            // A byte-order mark is no JSON value: skipped, as YAML and CSV skip it.
            "json" => serde_json::from_str(f.text.strip_prefix('\u{feff}').unwrap_or(&f.text))
                .map_err(|e| {
                    let at = Position {
                        line: e.line().max(1),
                        col: e.column().max(1),
                    };
                    (
                        Some(at),
                        format!("invalid JSON: {}", strip_position(&e.to_string())),
                    )
                }),
            "csv" => csv(&f.text),
            _ => serde_saphyr::from_str_with_options::<serde_json::Value>(&f.text, yaml_options())
                .map_err(|e| {
                    let at = e.location().map(|l| Position {
                        line: (l.line() as usize).max(1),
                        col: (l.column() as usize).max(1),
                    });
                    let text = e.to_string();
                    let first = text.lines().next().unwrap_or("");
                    let first = first.strip_prefix("error: ").unwrap_or(first);
                    let first = match first.split_once(": ") {
                        Some((l, rest)) if l.starts_with("line ") => rest,
                        _ => first,
                    };
                    (at, format!("invalid YAML: {}", in_users_terms(first)))
                }),
        };
        let value = match parsed {
            Ok(v) => Some(v),
            Err((at, message)) => {
                diags.push(
                    Diagnostic::error(&f.display, at, message)
                        .with_help(format!("fix the {} so that it parses; shortcodes read it with load_data(path=\"{}\")", ext.to_uppercase(), f.rel))
                        .with_source(&f.text),
                );
                None
            }
        };
        out.files.insert(f.rel.clone(), (hash_of(&f.text), value));
    }
    (out, diags)
}

/// The most values (maps, lists and scalars) a YAML data file may hold: as many as a
/// JSON data file of the same records, well past 100,000 records of a few fields. The
/// reader's other limits (aliases, nesting) stay as they are.
const YAML_MAX_VALUES: usize = 20_000_000;

/// How a YAML data file is read: the budget of values above.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: YAML_MAX_VALUES,
            max_events: 4 * YAML_MAX_VALUES,
        },
    }
}

/// The YAML reader's message in the editor's terms, not the library's: it names options
/// and functions of its own for a key given twice, a second document and a file over its
/// budget.
fn in_users_terms(message: &str) -> String {
    if let Some(key) = message
        .strip_prefix("duplicate mapping key: ")
        .and_then(|m| m.split(", set DuplicateKeyPolicy").next())
    {
        return format!("the key `{key}` is given twice in one map: give each key once");
    }
    if message.contains("DuplicateKeyPolicy") {
        return "a key is given twice in one map: give each key once".into();
    }
    if message.contains("from_str_multiple") || message.contains("from_str_multidoc") {
        return "the file holds more than one YAML document (a `---` line between two): a data file is one document".into();
    }
    if message.starts_with("budget breached") {
        return format!(
            "the file holds more than a data file may (at most {YAML_MAX_VALUES} values, or nesting too deep, or too many aliases)"
        );
    }
    message.to_string()
}

/// serde_json's message without its ` at line 3 column 5` (the diagnostic shows where).
fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

type CsvError = (Option<Position>, String);

/// An RFC 4180 file as a list of maps, one per record after the header.
fn csv(text: &str) -> Result<serde_json::Value, CsvError> {
    let records = csv_records(text)?;
    let mut records = records.into_iter();
    let Some((_, header)) = records.next() else {
        return Ok(serde_json::Value::Array(vec![]));
    };
    let mut rows = vec![];
    for (line, fields) in records {
        if fields.len() != header.len() {
            return Err((
                Some(Position { line, col: 1 }),
                format!(
                    "this record has {} fields, but the header has {}",
                    fields.len(),
                    header.len()
                ),
            ));
        }
        let row: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .cloned()
            .zip(fields.into_iter().map(serde_json::Value::String))
            .collect();
        rows.push(serde_json::Value::Object(row));
    }
    Ok(serde_json::Value::Array(rows))
}

/// The records of a CSV text, each with the line it starts on. Quoted fields may hold
/// commas, line breaks and doubled quotes (`""`); a blank line at the end is no record.
fn csv_records(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // "CSV (Macintosh)" ends its lines with a carriage return alone: each is a line end,
    // as an editor shows it (and a line break inside a quoted field).
    let lone_cr = text
        .match_indices('\r')
        .any(|(i, _)| !text[i + 1..].starts_with('\n'));
    let unified;
    let text = if lone_cr {
        unified = text.replace("\r\n", "\n").replace('\r', "\n");
        unified.as_str()
    } else {
        text
    };
    let mut records = vec![];
    let mut fields = vec![];
    let mut field = String::new();
    let (mut line, mut col, mut record_line) = (1, 1, 1);
    let mut chars = text.chars().peekable();
    let mut quoted: Option<Position> = None;
    let mut after_quote = false;
    while let Some(c) = chars.next() {
        let here = Position { line, col };
        if c == '\n' {
            (line, col) = (line + 1, 1);
        } else {
            col += 1;
        }
        if quoted.is_some() {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    col += 1;
                    field.push('"');
                }
                '"' => (quoted, after_quote) = (None, true),
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !after_quote => quoted = Some(here),
            '"' => {
                return Err((
                    Some(here),
                    "a quote inside a field that is not in quotes".into(),
                ));
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                after_quote = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push((record_line, std::mem::take(&mut fields)));
                record_line = line;
                after_quote = false;
            }
            _ if after_quote => {
                return Err((
                    Some(here),
                    "text after a quoted field's closing quote".into(),
                ));
            }
            c => field.push(c),
        }
    }
    if let Some(at) = quoted {
        return Err((Some(at), "this quoted field is never closed".into()));
    }
    if !field.is_empty() || !fields.is_empty() || after_quote {
        fields.push(field);
        records.push((record_line, fields));
    }
    records.retain(|(_, f)| !(f.len() == 1 && f[0].is_empty()));
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> DataFile {
        DataFile {
            rel: rel.into(),
            display: PathBuf::from("content").join(rel),
            text: text.into(),
        }
    }

    #[test]
    fn yaml_errors_in_the_editors_terms() {
        let (_, d) = parse(&[file("data/a.yaml", "a: 1\na: 2\n")]);
        assert!(
            d[0].message.contains("the key `a` is given twice"),
            "{}",
            d[0].message
        );
        let (_, d) = parse(&[file("data/b.yaml", "a: 1\n---\nb: 2\n")]);
        assert!(
            d[0].message.contains("more than one YAML document"),
            "{}",
            d[0].message
        );
        for d in d
            .iter()
            .chain(&parse(&[file("data/a.yaml", "a: 1\na: 2\n")]).1)
        {
            assert!(
                !d.message.contains("Options") && !d.message.contains("from_str"),
                "{}",
                d.message
            );
        }
        // 100,000 records of two fields: as a JSON file of the same data would.
        let big: String = (0..100_000)
            .map(|i| format!("- n: {i}\n  s: x\n"))
            .collect();
        let (v, d) = parse(&[file("data/big.yaml", &big)]);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            v.get("data/big.yaml")
                .unwrap()
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            100_000
        );
    }

    #[test]
    fn json_with_a_byte_order_mark() {
        let (v, d) = parse(&[file("data/a.json", "\u{feff}{\"n\": 1}")]);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(v.get("data/a.json").unwrap().unwrap()["n"], 1);
    }

    #[test]
    fn csv_with_carriage_returns_alone_as_line_ends() {
        let (v, d) = parse(&[file("data/mac.csv", "name,n\rA,1\rB,\"x\ry\"\r")]);
        assert!(d.is_empty(), "{d:?}");
        let rows = v.get("data/mac.csv").unwrap().unwrap();
        assert_eq!(
            rows,
            &serde_json::json!([{"name": "A", "n": "1"}, {"name": "B", "n": "x\ny"}])
        );
    }

    #[test]
    fn csv_by_rfc_4180() {
        let (d, e) = parse(&[file(
            "data/a.csv",
            "name,note\r\nA,\"x, \"\"y\"\"\nz\"\nB,\n",
        )]);
        assert!(e.is_empty(), "{e:?}");
        let v = d.get("data/a.csv").unwrap().unwrap();
        assert_eq!(v[0]["note"], "x, \"y\"\nz");
        assert_eq!(v[1]["name"], "B");
        assert_eq!(v[1]["note"], "");
    }

    #[test]
    fn errors_at_their_line() {
        let cases = [
            ("data/a.csv", "a,b\n1,2\n3\n", 3, 1, "1 fields"),
            ("data/a.csv", "a,b\n1,\"2\n", 2, 3, "never closed"),
            ("data/a.csv", "a,b\n1,x\"y\n", 2, 4, "not in quotes"),
            ("data/a.json", "{\n  \"a\": 1,\n}", 3, 1, "invalid JSON"),
            (
                "data/a.yaml",
                "a: 1\nb: [1\n",
                2,
                4,
                "invalid YAML: unclosed bracket",
            ),
        ];
        for (rel, text, line, col, words) in cases {
            let (_, e) = parse(&[file(rel, text)]);
            assert_eq!(e.len(), 1, "{text}");
            assert_eq!(
                e[0].position,
                Some(Position { line, col }),
                "{text}: {}",
                e[0].message
            );
            assert!(e[0].message.contains(words), "{}", e[0].message);
        }
    }

    #[test]
    fn which_files_are_data() {
        assert!(is_data_file("data/x.csv"));
        assert!(!is_data_file("data/x.png"));
        assert!(!is_data_file("other/x.csv"));
    }
}
