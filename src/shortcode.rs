//! Shortcodes: the `{{ name(key="value") }}` and `{% name(key="value") %}…{% end %}`
//! syntax (Zola's), and the header a shortcode template declares its arguments in.
//!
//! This module is pure text work, free of Markdown and of the site model, like
//! [`crate::cite`]: [`scan`] finds the shortcodes of a text, given the byte ranges that
//! are code (where nothing is a shortcode), and [`Signature::parse`] reads a template's
//! header. The rules:
//!
//! ```text
//! inline  = "{{" ws name ws "(" args ")" ws "}}"
//! open    = "{%" ws name ws "(" args ")" ws "%}"      on a line of its own
//! end     = "{%" ws "end" ws "%}"                      on a line of its own
//! args    = [ arg { "," arg } [ "," ] ]                 spaces and tabs between
//! arg     = key ws "=" ws value
//! value   = string | number | "true" | "false" | "[" [ value { "," value } [ "," ] ] "]"
//! string  = '"' … '"' | "'" … "'"       escapes: \" \' \\ \n \t
//! name    = letter { letter | digit | "_" | "-" }    (key too)
//! ```
//!
//! A `{{` or `{%` is a shortcode only when a name and `(` follow it (or, for `{%`, the
//! word `end`); anything else (`{{ like this }}` in prose, a lone `{%`) is text. Once the
//! `(` is seen it is a shortcode, and whatever is wrong after it is an error. `\{{` and
//! `\{%` are text too (the backslash is dropped, as Markdown drops it). A shortcode is on
//! one line. Nothing inside a code span, a code block or raw HTML is a shortcode.

/// How deep block shortcodes may nest. Rendering a body renders the blocks inside it, so
/// the depth bounds the renderer's recursion; no real page nests more than a few.
pub const MAX_BLOCK_DEPTH: usize = 64;

use std::ops::Range;

/// An argument's value, typed as written.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum ArgValue {
    /// `"text"` or `'text'`, escapes resolved.
    String(String),
    /// `3`, `-1.5`.
    Number(f64),
    /// `true`, `false`.
    Bool(bool),
    /// `[1, "a", true]`.
    Array(Vec<ArgValue>),
}

impl ArgValue {
    /// The value's type, as signatures and errors name it.
    pub fn kind(&self) -> ArgType {
        match self {
            ArgValue::String(_) => ArgType::String,
            ArgValue::Number(_) => ArgType::Number,
            ArgValue::Bool(_) => ArgType::Bool,
            ArgValue::Array(_) => ArgType::Array,
        }
    }
}

// Numbers are written by editors: never NaN (the tokenizer reads only finite ones).
impl Eq for ArgValue {}

/// One `key=value` of a shortcode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The key.
    pub name: String,
    /// The value.
    pub value: ArgValue,
    /// Where the key starts, in the scanned text.
    pub offset: usize,
}

/// What a shortcode tag is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagKind {
    /// `{{ name(…) }}`.
    Inline,
    /// `{% name(…) %}`, which a body and `{% end %}` follow.
    Open,
    /// `{% end %}`.
    End,
}

/// A shortcode tag found in text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// Inline, opening or end.
    pub kind: TagKind,
    /// Its bytes, from `{` to `}` inclusive.
    pub range: Range<usize>,
    /// The whole line it stands on, line break excluded (`Open` and `End` only; an inline
    /// tag's own range otherwise).
    pub line: Range<usize>,
    /// The shortcode's name (`end` for an end tag).
    pub name: String,
    /// Where the name starts.
    pub name_offset: usize,
    /// Its arguments, in order.
    pub args: Vec<Arg>,
}

/// A problem with a shortcode's syntax, at a byte offset of the scanned text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where it is.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

fn error(offset: usize, message: impl Into<String>, help: impl Into<String>) -> SyntaxError {
    SyntaxError {
        offset,
        message: message.into(),
        help: help.into(),
    }
}

/// What [`scan`] finds: the tags, in order, and the problems.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every well-formed tag, in text order.
    pub tags: Vec<Tag>,
    /// Offsets of backslashes that escape a `{{` or `{%` (to be dropped from the text).
    pub escapes: Vec<usize>,
    /// Syntax errors.
    pub errors: Vec<SyntaxError>,
}

/// Finds the shortcode tags of `text` outside the byte ranges in `code` (sorted).
pub fn scan(text: &str, code: &[Range<usize>]) -> Scan {
    let mut out = Scan::default();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut code_at = 0;
    // The line the last candidate was on: a line of many `{{` is measured once, not once
    // per candidate (which made a long line cost its length squared).
    let mut line = 0..0;
    while let Some(k) = text.get(i..).and_then(|t| t.find('{')) {
        let at = i + k;
        i = at + 1;
        if !matches!(bytes.get(at + 1), Some(b'{' | b'%')) {
            continue;
        }
        while code_at < code.len() && code[code_at].end <= at {
            code_at += 1;
        }
        if code.get(code_at).is_some_and(|r| r.start <= at) {
            continue;
        }
        let backslashes = bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 1 {
            out.escapes.push(at - 1);
            i = at + 2;
            continue;
        }
        if !(line.start <= at && at < line.end) {
            let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
            line = start..end;
        }
        match tag_at(text, at, line.clone()) {
            Ok(Some(tag)) => {
                i = tag.range.end;
                out.tags.push(tag);
            }
            Ok(None) => {}
            Err(e) => {
                // Go on after the broken tag's line: its rest would only add noise.
                i = text[at..].find('\n').map_or(text.len(), |n| at + n);
                out.errors.push(e);
            }
        }
    }
    out
}

/// A tiny cursor over one line of text.
struct Cursor<'t> {
    text: &'t str,
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.text[self.at..].starts_with(s) {
            self.at += s.len();
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Option<String> {
        let rest = &self.text[self.at..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        self.at += len;
        Some(rest[..len].to_string())
    }
}

/// The tag starting at `at` (a `{{` or `{%`), `None` if it is not a shortcode at all.
fn tag_at(
    text: &str,
    at: usize,
    Range {
        start: line_start,
        end: line_end,
    }: Range<usize>,
) -> Result<Option<Tag>, SyntaxError> {
    let line = text[..line_end].trim_end_matches('\r');
    let block = text.as_bytes()[at + 1] == b'%';
    let mut c = Cursor {
        text: line,
        at: at + 2,
    };
    c.skip_spaces();
    let name_offset = c.at;
    let Some(name) = c.name() else {
        return Ok(None);
    };
    c.skip_spaces();
    let close = if block { "%}" } else { "}}" };
    if block && name == "end" && c.eat(close) {
        let tag = Tag {
            kind: TagKind::End,
            range: at..c.at,
            line: line_start..line.len(),
            name,
            name_offset,
            args: vec![],
        };
        return own_line(text, tag).map(Some);
    }
    if !c.eat("(") {
        return Ok(None);
    }
    let args = arguments(&mut c, &name)?;
    c.skip_spaces();
    if !c.eat(close) {
        let other = if block { "}}" } else { "%}" };
        let message = if line[c.at..].starts_with(other) {
            format!(
                "the shortcode `{name}` opens with `{}` but closes with `{other}`",
                &line[at..at + 2]
            )
        } else if c.at >= line.len() {
            format!("the shortcode `{name}` is not closed on its line")
        } else {
            format!("unexpected text after the arguments of the shortcode `{name}`")
        };
        return Err(error(
            c.at,
            message,
            format!(
                "end it with `{close}` on the same line: {}",
                example(block, &name)
            ),
        ));
    }
    let tag = Tag {
        kind: if block {
            TagKind::Open
        } else {
            TagKind::Inline
        },
        range: at..c.at,
        line: if block {
            line_start..line.len()
        } else {
            at..c.at
        },
        name,
        name_offset,
        args,
    };
    if block {
        own_line(text, tag).map(Some)
    } else {
        Ok(Some(tag))
    }
}

fn example(block: bool, name: &str) -> String {
    if block {
        format!("{{% {name}(key=\"value\") %}}")
    } else {
        format!("{{{{ {name}(key=\"value\") }}}}")
    }
}

/// A block tag must be alone on its line.
fn own_line(text: &str, tag: Tag) -> Result<Tag, SyntaxError> {
    let before = &text[tag.line.start..tag.range.start];
    let after = &text[tag.range.end..tag.line.end];
    if before.trim().is_empty() && after.trim().is_empty() {
        return Ok(tag);
    }
    let what = if tag.kind == TagKind::End {
        "`{% end %}`".to_string()
    } else {
        format!("the block shortcode `{}`", tag.name)
    };
    Err(error(
        tag.range.start,
        format!("{what} must stand on a line of its own"),
        "put `{% name(…) %}`, the body, and `{% end %}` on separate lines; for a shortcode inside a sentence, use the inline form `{{ name(…) }}`",
    ))
}

/// `key=value, …` up to and including the `)`.
fn arguments(c: &mut Cursor<'_>, name: &str) -> Result<Vec<Arg>, SyntaxError> {
    let mut args: Vec<Arg> = vec![];
    // The names given so far, for the duplicate check in constant time per argument.
    let mut given: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        c.skip_spaces();
        if c.eat(")") {
            return Ok(args);
        }
        let offset = c.at;
        let Some(key) = c.name() else {
            let help = format!(
                "write the arguments as key=value pairs separated by commas: {name}(title=\"A title\", n=3)"
            );
            return Err(match c.peek() {
                None => error(
                    offset,
                    format!("the arguments of `{name}` are not closed with `)`"),
                    help,
                ),
                Some(ch) => error(
                    offset,
                    format!("expected an argument name, found `{ch}`"),
                    help,
                ),
            });
        };
        if !given.insert(key.clone()) {
            return Err(error(
                offset,
                format!("the argument `{key}` is given twice"),
                "give each argument once",
            ));
        }
        c.skip_spaces();
        if !c.eat("=") {
            return Err(error(
                c.at,
                format!("expected `=` after the argument name `{key}`"),
                format!("write {key}=\"value\""),
            ));
        }
        c.skip_spaces();
        let value = value(c, 0)?;
        args.push(Arg {
            name: key,
            value,
            offset,
        });
        c.skip_spaces();
        if c.eat(",") {
            continue;
        }
        if c.peek() != Some(')') {
            return Err(error(
                c.at,
                "expected `,` or `)` after an argument",
                "separate arguments with commas and close them with `)`",
            ));
        }
    }
}

/// One value; `depth` counts the arrays it is in.
fn value(c: &mut Cursor<'_>, depth: usize) -> Result<ArgValue, SyntaxError> {
    let start = c.at;
    match c.peek() {
        Some(q @ ('"' | '\'')) => string(c, q).map(ArgValue::String),
        Some('[') if depth >= 8 => Err(error(
            start,
            "arrays are nested too deeply",
            "nest arrays at most 8 deep",
        )),
        Some('[') => {
            c.at += 1;
            let mut items = vec![];
            loop {
                c.skip_spaces();
                if c.eat("]") {
                    return Ok(ArgValue::Array(items));
                }
                items.push(value(c, depth + 1)?);
                c.skip_spaces();
                if !c.eat(",") && c.peek() != Some(']') {
                    return Err(error(
                        c.at,
                        "expected `,` or `]` in an array",
                        "write arrays as [1, 2, 3] or [\"a\", \"b\"]",
                    ));
                }
            }
        }
        Some(ch) if ch == '-' || ch.is_ascii_digit() => number(c),
        _ => {
            let word = c.name();
            match word.as_deref() {
                Some("true") => Ok(ArgValue::Bool(true)),
                Some("false") => Ok(ArgValue::Bool(false)),
                _ => Err(error(
                    start,
                    match word {
                        Some(w) => format!("`{w}` is not a value"),
                        None if c.peek().is_none() => "a value is missing".to_string(),
                        None => format!("`{}` does not start a value", c.peek().unwrap_or(' ')),
                    },
                    "a value is a string in quotes (\"text\"), a number (3, -1.5), true or false, or an array ([1, 2])",
                )),
            }
        }
    }
}

fn string(c: &mut Cursor<'_>, quote: char) -> Result<String, SyntaxError> {
    let start = c.at;
    c.at += 1;
    let mut out = String::new();
    while let Some(ch) = c.peek() {
        c.at += ch.len_utf8();
        match ch {
            '\\' => {
                let Some(next) = c.peek() else { break };
                c.at += next.len_utf8();
                match next {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    '\\' | '"' | '\'' => out.push(next),
                    other => {
                        return Err(error(
                            c.at - 1 - other.len_utf8(),
                            format!("`\\{other}` is not an escape"),
                            "the escapes are \\\" \\' \\\\ \\n \\t; write \\\\ for a backslash",
                        ));
                    }
                }
            }
            ch if ch == quote => return Ok(out),
            ch => out.push(ch),
        }
    }
    Err(error(
        start,
        format!("this string has no closing {quote}"),
        format!("close the string with {quote} on the same line"),
    ))
}

fn number(c: &mut Cursor<'_>) -> Result<ArgValue, SyntaxError> {
    let start = c.at;
    let rest = &c.text[start..];
    let len = rest
        .char_indices()
        .find(|&(k, ch)| !(ch.is_ascii_digit() || ch == '.' || (k == 0 && ch == '-')))
        .map_or(rest.len(), |(k, _)| k);
    c.at += len;
    match rest[..len].parse::<f64>() {
        Ok(n) if n.is_finite() && !rest[..len].ends_with('.') => Ok(ArgValue::Number(n)),
        _ => Err(error(
            start,
            format!("`{}` is not a number", &rest[..len]),
            "write a number as 3, -2 or 1.5",
        )),
    }
}

/// A type an argument can be declared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// Text.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// A list of values.
    Array,
}

impl ArgType {
    /// Its name, as signatures write it.
    pub fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Number => "number",
            ArgType::Bool => "bool",
            ArgType::Array => "array",
        }
    }

    fn from_name(s: &str) -> Option<ArgType> {
        Some(match s {
            "string" => ArgType::String,
            "number" => ArgType::Number,
            "bool" => ArgType::Bool,
            "array" => ArgType::Array,
            _ => return None,
        })
    }
}

/// Whether a shortcode is used inline, as a block with a body, or either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `{{ … }}` only.
    Inline,
    /// `{% … %}…{% end %}` only.
    Block,
    /// Either.
    Any,
}

/// One declared argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its type.
    pub kind: ArgType,
    /// Whether it may be left out.
    pub optional: bool,
}

/// What a shortcode template declares it takes, in a comment at its top:
///
/// ```text
/// {#- shortcode: block
///     title: string        the heading
///     level: number?       optional
/// -#}
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Inline, block or either (`shortcode: inline`, `: block`, `: any`).
    pub form: Form,
    /// The arguments, in the order declared.
    pub params: Vec<Param>,
}

impl Signature {
    /// Reads the header of a template's source; the error is (line, message).
    pub fn parse(src: &str) -> Result<Signature, (usize, String)> {
        let body = src.trim_start();
        let skipped = src[..src.len() - body.len()].matches('\n').count();
        let Some(inner) = body.strip_prefix("{#") else {
            return Err((1, "a shortcode template starts with a `{# shortcode: inline|block|any … #}` comment declaring its arguments".into()));
        };
        let Some(end) = inner.find("#}") else {
            return Err((
                skipped + 1,
                "the header comment is not closed with `#}`".into(),
            ));
        };
        let inner = inner[..end].trim_start_matches('-').trim_end_matches('-');
        let mut lines = inner
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (first_n, first) = lines.next().unwrap_or((0, ""));
        let form = match first.trim().strip_prefix("shortcode:").map(str::trim) {
            Some("inline") => Form::Inline,
            Some("block") => Form::Block,
            Some("any") => Form::Any,
            _ => return Err((skipped + 1 + first_n, "the header's first line is `shortcode: inline`, `shortcode: block` or `shortcode: any`".into())),
        };
        let mut params: Vec<Param> = vec![];
        for (n, l) in lines {
            let line = skipped + 1 + n;
            let mut words = l.split_whitespace();
            let (Some(name), Some(kind)) = (words.next(), words.next()) else {
                return Err((
                    line,
                    format!("`{}`: declare an argument as `name: type`", l.trim()),
                ));
            };
            let Some(name) = name.strip_suffix(':') else {
                return Err((
                    line,
                    format!("`{}`: declare an argument as `name: type`", l.trim()),
                ));
            };
            let (kind, optional) = match kind.strip_suffix('?') {
                Some(k) => (k, true),
                None => (kind, false),
            };
            let Some(kind) = ArgType::from_name(kind) else {
                return Err((
                    line,
                    format!(
                        "`{kind}` is not a type: use string, number, bool or array (add ? for optional)"
                    ),
                ));
            };
            if params.iter().any(|p| p.name == name) || name == "body" {
                return Err((
                    line,
                    format!(
                        "the argument `{name}` is declared twice, or is `body`, which a block's body takes"
                    ),
                ));
            }
            params.push(Param {
                name: name.to_string(),
                kind,
                optional,
            });
        }
        Ok(Signature { form, params })
    }

    /// How a call should look, for help lines: `name(title="…", level=0)`.
    pub fn usage(&self, name: &str) -> String {
        let args: Vec<String> = self
            .params
            .iter()
            .map(|p| {
                let v = match p.kind {
                    ArgType::String => "\"…\"",
                    ArgType::Number => "0",
                    ArgType::Bool => "true",
                    ArgType::Array => "[…]",
                };
                format!(
                    "{}={v}{}",
                    p.name,
                    if p.optional { " (optional)" } else { "" }
                )
            })
            .collect();
        format!("{name}({})", args.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Tag {
        let s = scan(text, &[]);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert_eq!(s.tags.len(), 1, "{:?}", s.tags);
        s.tags[0].clone()
    }

    #[test]
    fn values_are_typed() {
        let t =
            one(r#"a {{ fig(s="x \"y\"", q='it\'s', n=-1.5, b=true, a=[1, "two", [false]],) }} b"#);
        assert_eq!(t.kind, TagKind::Inline);
        assert_eq!(t.name, "fig");
        let v: Vec<&ArgValue> = t.args.iter().map(|a| &a.value).collect();
        assert_eq!(v[0], &ArgValue::String("x \"y\"".into()));
        assert_eq!(v[1], &ArgValue::String("it's".into()));
        assert_eq!(v[2], &ArgValue::Number(-1.5));
        assert_eq!(v[3], &ArgValue::Bool(true));
        assert_eq!(
            v[4],
            &ArgValue::Array(vec![
                ArgValue::Number(1.0),
                ArgValue::String("two".into()),
                ArgValue::Array(vec![ArgValue::Bool(false)])
            ])
        );
        assert_eq!(t.args[2].offset, 33);
    }

    #[test]
    fn brackets_and_braces_inside_strings_are_text() {
        let t = one(r#"{{ x(s="}} ) ] %}") }}"#);
        assert_eq!(t.args[0].value, ArgValue::String("}} ) ] %}".into()));
    }

    #[test]
    fn not_shortcodes() {
        for text in [
            "{{ like this }}",
            "a {{",
            "{% if x %}",
            "{{ 3(a=1) }}",
            "{x}",
            "{{name}}",
        ] {
            let s = scan(text, &[]);
            assert!(s.tags.is_empty() && s.errors.is_empty(), "{text}: {s:?}");
        }
    }

    #[test]
    fn escaped_and_code_are_text() {
        let code = [std::ops::Range { start: 11, end: 22 }];
        let s = scan(r"\{{ a() }} `{{ b() }}`", &code);
        assert!(s.tags.is_empty());
        assert_eq!(s.escapes, vec![0]);
        let s = scan(r"\\{{ a() }}", &[]);
        assert_eq!(s.tags.len(), 1);
    }

    #[test]
    fn blocks_stand_alone() {
        let s = scan("{% note(t=\"a\") %}\nbody\n  {% end %}\n", &[]);
        assert_eq!(s.tags.len(), 2);
        assert_eq!(s.tags[1].kind, TagKind::End);
        let s = scan("text {% note() %}\n", &[]);
        assert_eq!(s.errors[0].offset, 5);
        assert!(s.errors[0].message.contains("line of its own"));
    }

    #[test]
    fn errors_are_located() {
        let cases = [
            (r#"{{ a(s="x) }}"#, 7, "no closing"),
            (r#"{{ a(n=3 m=4) }}"#, 9, "expected `,`"),
            (r#"{{ a(n=3) %}"#, 10, "closes with `%}`"),
            (r#"{{ a(n=3)"#, 9, "not closed"),
            (r#"{{ a(n=x) }}"#, 7, "`x` is not a value"),
            (r#"{{ a(n=1.) }}"#, 7, "not a number"),
            (r#"{{ a(n=1, n=2) }}"#, 10, "twice"),
            (r#"{{ a(s="\q") }}"#, 8, "not an escape"),
            (r#"{{ a(=1) }}"#, 5, "argument name"),
            (r#"{{ a(n 1) }}"#, 7, "expected `=`"),
            (r#"{{ a(n=[1 2]) }}"#, 10, "in an array"),
        ];
        for (text, offset, words) in cases {
            let s = scan(text, &[]);
            assert_eq!(s.errors.len(), 1, "{text}: {s:?}");
            assert_eq!(s.errors[0].offset, offset, "{text}: {:?}", s.errors[0]);
            assert!(
                s.errors[0].message.contains(words),
                "{text}: {:?}",
                s.errors[0]
            );
        }
    }

    #[test]
    fn signatures() {
        let s = Signature::parse(
            "{#- shortcode: block\n  title: string\n  n: number?  a count\n-#}\n<p>",
        )
        .unwrap();
        assert_eq!(s.form, Form::Block);
        assert_eq!(
            s.params[1],
            Param {
                name: "n".into(),
                kind: ArgType::Number,
                optional: true
            }
        );
        assert_eq!(Signature::parse("<p>").unwrap_err().0, 1);
        assert_eq!(
            Signature::parse("{# shortcode: any\n  t: text\n#}")
                .unwrap_err()
                .0,
            2
        );
    }
}
