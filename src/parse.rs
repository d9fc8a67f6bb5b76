//! Parse: every content file's front matter and Markdown into a page, as a query of the
//! incremental engine ([`parse_file`], over a [`db::ContentFile`] input), run for every
//! file in parallel. The engine re-runs a file's parse only when something the parse
//! read changed: the file's text, or one of the settings it reads (each through a query
//! of its own, so a change to another setting parses nothing again).

use crate::config::{self, Config};
use crate::db::{self, ContentFile, Settings};
use crate::diagnostic::Diagnostic;
use crate::page::{Page, PageRef};
use crate::{fingerprint, frontmatter, markdown, url};

/// The pages of a parse, the files that failed, and every problem found.
pub struct Parsed {
    /// The pages, sorted by path.
    pub pages: Vec<PageRef>,
    /// Paths (relative to `content/`) of the files that failed to parse.
    pub broken: Vec<String>,
    /// Every problem found, errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// A file's parse: its page, or why it has none.
pub type FileParse = Result<PageRef, Vec<Diagnostic>>;

/// Whether raw HTML in Markdown is kept (`allow_html`).
#[salsa::tracked]
fn allow_html(db: &dyn salsa::Database, settings: Settings) -> bool {
    settings.config(db).allow_html
}

/// The base path links are written under (`/` or `/sub/`).
#[salsa::tracked(returns(ref))]
fn base_path(db: &dyn salsa::Database, settings: Settings) -> String {
    settings.config(db).base_path()
}

/// The content sections and their roles (`[sections]`).
#[salsa::tracked(returns(ref))]
pub fn sections(db: &dyn salsa::Database, settings: Settings) -> config::Sections {
    settings.config(db).sections.clone()
}

/// The query: one file parsed into a page (or the errors that stop it).
#[salsa::tracked(returns(ref))]
pub fn parse_file(db: &dyn salsa::Database, file: ContentFile, settings: Settings) -> FileParse {
    let rel = file.rel(db);
    let text = file.text(db);
    let shown = file.display(db);
    let split = frontmatter::split(shown, text).map_err(|d| vec![d])?;
    let section = url::section_of(rel);
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let is_index = name == "_index.md";
    let role = sections(db, settings).role_of(&section);
    let is_source = !is_index && role == Some(config::Role::Source);
    let meta = frontmatter::parse(shown, text, &split, is_source)?;
    let body = markdown::parse_body(&markdown::ParseInput {
        file: shown,
        rel,
        text,
        body_offset: split.body_offset,
        number_paragraphs: is_source,
        allow_html: *allow_html(db, settings),
        base_path: base_path(db, settings),
    });
    let mut page = Page {
        url: url::url_for(rel),
        slug: name.trim_end_matches(".md").to_string(),
        section,
        is_index,
        role,
        rel: rel.clone(),
        file: shown.clone(),
        text_hash: fingerprint::hash_of(text),
        text: text.clone(),
        meta,
        body,
        list_hash: 0,
    };
    page.list_hash = page.list_hash_of();
    Ok(PageRef::new(page))
}

/// Parses every file of `files` (the engine's inputs, in path order) with `config`'s
/// settings: each through [`parse_file`], so a file whose parse read nothing that changed
/// keeps its page from the last build.
pub fn run(engine: &mut db::Engine, files: &[ContentFile], config: &Config) -> Parsed {
    let settings = engine.sync_settings(config);
    let results: Vec<(String, FileParse)> = engine.par_map(files, |db, f| {
        (f.rel(db).clone(), parse_file(db, f, settings).clone())
    });
    let mut parsed = Parsed {
        pages: Vec::with_capacity(results.len()),
        broken: vec![],
        diagnostics: vec![],
    };
    for (rel, result) in results {
        match result {
            Ok(p) => {
                parsed
                    .diagnostics
                    .extend(p.body.diagnostics.iter().cloned());
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
