//! Shortcodes at render time: each is the template `shortcodes/<name>.html` of the theme
//! (the embedded theme ships some; a site's `layouts/shortcodes/` adds or overrides
//! them), whose header declares what it takes ([`Signature`]). Every use on every page is
//! checked against its template's signature before rendering ([`check`]), so that an
//! unknown shortcode or a wrong argument is an error at its place in the Markdown file.
//! [`context`] makes a use's template variables: its arguments by name, and a block's
//! `body`, rendered from Markdown.
//!
//! Templates read data files with `load_data(path="data/…")` ([`load_data`]); each read
//! is recorded ([`crate::reuse::Read::Data`]), so that a change to a data file renders
//! again exactly the pages that read it.

use crate::data::DataFiles;
use crate::diagnostic::Diagnostic;
use crate::page::{Page, ShortcodeUse};
use crate::reuse::{self, Read};
use crate::shortcode::{ArgValue, Form, Signature};
use crate::theme::Theme;
use minijinja::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where shortcode templates are, among the theme's templates.
pub const PREFIX: &str = "shortcodes/";

/// Each shortcode the theme has, by name, with what it declares.
#[derive(Debug, Default)]
pub struct Signatures(BTreeMap<String, Signature>);

impl Signatures {
    /// Reads the header of every `shortcodes/*.html` template; a template without a valid
    /// one is an error at its line.
    pub fn of(theme: &Theme) -> (Signatures, Vec<Diagnostic>) {
        let mut sigs = BTreeMap::new();
        let mut errors = vec![];
        for (name, file) in &theme.templates {
            let Some(short) = name
                .strip_prefix(PREFIX)
                .and_then(|n| n.strip_suffix(".html"))
            else {
                continue;
            };
            let src = String::from_utf8_lossy(&file.bytes);
            match Signature::parse(&src) {
                Ok(s) => {
                    sigs.insert(short.to_string(), s);
                }
                Err((line, message)) => errors.push(
                    Diagnostic::error(
                        file.display(name, "layouts/"),
                        Some(crate::diagnostic::Position { line, col: 1 }),
                        message,
                    )
                    .with_help("start a shortcode template with a header such as `{#- shortcode: block` / `title: string` / `level: number?` / `-#}`, one argument a line")
                    .with_source(&src),
                ),
            }
        }
        (Signatures(sigs), errors)
    }
}

/// Checks every shortcode use of `pages` against the theme's signatures.
pub fn check(pages: &[crate::page::PageRef], sigs: &Signatures) -> Vec<Diagnostic> {
    let mut out = vec![];
    for p in pages {
        for u in &p.body.shortcodes {
            if let Err(d) = check_use(p, u, sigs) {
                out.push(d);
            }
        }
    }
    out
}

fn check_use(p: &Page, u: &ShortcodeUse, sigs: &Signatures) -> Result<(), Diagnostic> {
    let at = |pos, message: String, help: String| {
        Diagnostic::error(&p.file, Some(pos), message)
            .with_help(help)
            .with_source(&p.text)
    };
    let Some(sig) = sigs.0.get(&u.name) else {
        let names: Vec<&str> = sigs.0.keys().map(String::as_str).collect();
        return Err(at(
            u.name_position,
            format!("there is no shortcode `{}`", u.name),
            format!(
                "the shortcodes are: {}; or add layouts/{PREFIX}{}.html",
                names.join(", "),
                u.name
            ),
        ));
    };
    let block = u.body.is_some();
    match (sig.form, block) {
        (Form::Inline, true) => {
            return Err(at(
                u.position,
                format!("`{}` is an inline shortcode, and takes no body", u.name),
                format!("write {{{{ {} }}}}", sig.usage(&u.name)),
            ));
        }
        (Form::Block, false) => {
            return Err(at(
                u.position,
                format!("`{}` is a block shortcode: it takes a body", u.name),
                format!(
                    "write {{% {} %}} on a line of its own, then the body, then {{% end %}}",
                    sig.usage(&u.name)
                ),
            ));
        }
        _ => {}
    }
    check_args(u, sig).map_err(|(pos, message, help)| at(pos, message, help))
}

/// Each argument of a use is declared, of its declared type, and none required is missing:
/// else where, what is wrong and how to fix it.
fn check_args(
    u: &ShortcodeUse,
    sig: &Signature,
) -> Result<(), (crate::diagnostic::Position, String, String)> {
    for (arg, pos) in &u.args {
        let Some(param) = sig.params.iter().find(|q| q.name == arg.name) else {
            return Err((
                *pos,
                format!(
                    "the shortcode `{}` takes no argument `{}`",
                    u.name, arg.name
                ),
                format!("it takes: {}", sig.usage(&u.name)),
            ));
        };
        if param.kind != arg.value.kind() {
            return Err((
                *pos,
                format!(
                    "the argument `{}` of `{}` is a {}, but a {} is given",
                    arg.name,
                    u.name,
                    param.kind.name(),
                    arg.value.kind().name()
                ),
                format!("it takes: {}", sig.usage(&u.name)),
            ));
        }
    }
    if let Some(missing) = sig
        .params
        .iter()
        .find(|q| !q.optional && !u.args.iter().any(|(a, _)| a.name == q.name))
    {
        return Err((
            u.name_position,
            format!(
                "the shortcode `{}` needs the argument `{}` (a {})",
                u.name,
                missing.name,
                missing.kind.name()
            ),
            format!("it takes: {}", sig.usage(&u.name)),
        ));
    }
    Ok(())
}

/// A use's template variables: its arguments by name, and `body` for a block.
pub fn context(u: &ShortcodeUse, body: Option<String>) -> Value {
    let mut vars: BTreeMap<String, Value> = u
        .args
        .iter()
        .map(|(a, _)| (a.name.clone(), value(&a.value)))
        .collect();
    if let Some(body) = body {
        vars.insert(
            "body".into(),
            Value::from_safe_string(body.trim().to_string()),
        );
    }
    Value::from(vars)
}

fn value(v: &ArgValue) -> Value {
    match v {
        ArgValue::String(s) => Value::from(s.clone()),
        // A whole number is an integer, so that `n + 1` prints `4`, not `4.0`.
        ArgValue::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => Value::from(*n as i64),
        ArgValue::Number(n) => Value::from(*n),
        ArgValue::Bool(b) => Value::from(*b),
        ArgValue::Array(a) => Value::from_iter(a.iter().map(value)),
    }
}

/// `load_data(path="data/events.yaml")`: the data file's value (a list of maps for a
/// CSV file). The read is recorded.
pub fn load_data(
    data: Arc<DataFiles>,
) -> impl Fn(Option<String>, minijinja::value::Kwargs) -> Result<Value, minijinja::Error> {
    move |path: Option<String>, kwargs: minijinja::value::Kwargs| {
        let path = match path {
            Some(p) => p,
            None => kwargs.get::<String>("path")?,
        };
        kwargs.assert_all_used()?;
        let path = path.as_str();
        let rel = path.trim_start_matches("./");
        reuse::record(Read::Data(rel.to_string()));
        let fail = |m: String| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, m);
        match data.get(rel) {
            Some(Some(v)) => Ok(Value::from(minijinja::value::Serde(v))),
            Some(None) => Err(fail(format!(
                "load_data: `{rel}` has errors (reported above)"
            ))),
            None => Err(fail(format!(
                "load_data: there is no data file `{path}`; the data files are: {} (paths from content/, in content/{}, ending .yaml, .yml, .json or .csv)",
                match data.names() {
                    n if n.is_empty() => "none".to_string(),
                    n => n.join(", "),
                },
                crate::data::DIR,
            ))),
        }
    }
}
