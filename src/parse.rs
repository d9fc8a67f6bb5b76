//! Parse: every loaded file's front matter and Markdown, in parallel, into pages. With a
//! [`Memo`] (a warm session), a file whose text and parse settings are unchanged keeps its
//! page from the last build, and a file the loader did not read (unchanged, by the
//! session's notes) keeps its page too.

use crate::config::{self, Config};
use crate::diagnostic::Diagnostic;
use crate::page::{Page, PageRef};
use crate::{fingerprint, frontmatter, load, markdown, url};
use rayon::prelude::*;
use std::path::Path;

/// What a warm session keeps of the parse: each page by path, with the fingerprint of
/// what it was parsed from, and the settings of that parse.
#[derive(Debug, Default)]
pub struct Memo {
    /// Parsed pages by path, with the fingerprint of their text and settings.
    parsed: rustc_hash::FxHashMap<String, (String, PageRef)>,
    /// The settings that shaped the last parse (see [`settings`]).
    settings: String,
}

impl Memo {
    /// The files whose pages the memo can keep, if unchanged on disk: a page for `rel`
    /// parsed with `config`'s settings is kept, so that the loader need not read the file
    /// again. The settings are compared once, not once per file.
    pub fn keeper(&self, config: &Config) -> impl Fn(&str) -> bool + '_ {
        let same = self.settings == settings(config);
        move |rel| same && self.parsed.contains_key(rel)
    }
}

/// The pages of a parse, the files that failed, and every problem found.
pub struct Parsed {
    /// The pages, sorted by path.
    pub pages: Vec<PageRef>,
    /// Paths (relative to `content/`) of the files that failed to parse.
    pub broken: Vec<String>,
    /// Every problem found, errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// The settings that shape every page's parse: a change to them parses every file again.
fn settings(config: &Config) -> String {
    format!(
        "{}\u{0}{}\u{0}{:?}",
        config.allow_html,
        config.base_path(),
        config.sections
    )
}

/// The fingerprint of a file's text and the settings that shape its parse.
fn key(f: &load::SourceFile, settings: &str) -> String {
    fingerprint::stable(format!("{settings}\u{0}{}", f.text).as_bytes())
}

/// Parses one file into a page (its text moves into the page).
fn parse_page(
    f: load::SourceFile,
    config: &Config,
    base_path: &str,
) -> Result<Page, Vec<Diagnostic>> {
    let file = Path::new(&f.display);
    let split = frontmatter::split(file, &f.text).map_err(|d| vec![d])?;
    let section = url::section_of(&f.rel);
    let name = f.rel.rsplit('/').next().unwrap_or(&f.rel);
    let is_index = name == "_index.md";
    let role = config.sections.role_of(&section);
    let is_source = !is_index && role == Some(config::Role::Source);
    let meta = frontmatter::parse(file, &f.text, &split, is_source)?;
    let body = markdown::parse_body(&markdown::ParseInput {
        file,
        rel: &f.rel,
        text: &f.text,
        body_offset: split.body_offset,
        number_paragraphs: is_source,
        allow_html: config.allow_html,
        base_path,
    });
    let mut page = Page {
        url: url::url_for(&f.rel),
        slug: name.trim_end_matches(".md").to_string(),
        section,
        is_index,
        role,
        rel: f.rel,
        file: f.display,
        text_hash: fingerprint::hash_of(&f.text),
        text: f.text,
        meta,
        body,
        list_hash: 0,
    };
    page.list_hash = page.list_hash_of();
    Ok(page)
}

/// Parses `files`, reusing from `memo` the pages whose text and settings are unchanged,
/// and those of the `kept` files (not read this time, because they did not change).
pub fn run(
    files: Vec<load::SourceFile>,
    kept: &[String],
    config: &Config,
    mut memo: Option<&mut Memo>,
) -> Parsed {
    let base_path = config.base_path();
    let settings = settings(config);
    let mut previous = memo
        .as_deref_mut()
        .map(|m| std::mem::take(&mut m.parsed))
        .unwrap_or_default();
    let keyed = memo.is_some();
    let mut results: Vec<(String, String, Result<PageRef, Vec<Diagnostic>>)> = files
        .into_par_iter()
        .map(|f| {
            let rel = f.rel.clone();
            let key = if keyed {
                key(&f, &settings)
            } else {
                String::new()
            };
            if let Some((k, page)) = previous.get(&rel)
                && *k == key
            {
                return (rel, key, Ok(page.clone()));
            }
            (
                rel,
                key,
                parse_page(f, config, &base_path).map(PageRef::new),
            )
        })
        .collect();
    results.extend(kept.iter().filter_map(|rel| {
        let (key, page) = previous.remove(rel)?;
        Some((rel.clone(), key, Ok(page)))
    }));
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut parsed = Parsed {
        pages: vec![],
        broken: vec![],
        diagnostics: vec![],
    };
    if let Some(m) = memo.as_deref_mut() {
        m.settings = settings;
    }
    for (rel, key, result) in results {
        match result {
            Ok(p) => {
                parsed
                    .diagnostics
                    .extend(p.body.diagnostics.iter().cloned());
                if let Some(m) = memo.as_deref_mut() {
                    m.parsed.insert(rel, (key, p.clone()));
                }
                parsed.pages.push(p);
            }
            Err(mut d) => {
                parsed.diagnostics.append(&mut d);
                parsed.broken.push(rel);
            }
        }
    }
    parsed
}
