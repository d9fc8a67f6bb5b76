//! explainer: a static site generator for cited explainers.
//!
//! The pipeline is the architecture. Each stage takes the previous stage's value and
//! returns a new one:
//!
//! ```text
//! load     content/ → files                        (load)
//! parse    front matter + Markdown → pages         (frontmatter, markdown, cite)
//! resolve  links, citations, backlinks → Site      (resolve)
//! render   templates over the Site → outputs       (theme, render, feeds, highlight, search)
//! write    staging folder, swapped in atomically   (output)
//! ```
//!
//! [`build`] runs them all; `serve` calls the same function. Every stage collects all the
//! problems it can find as [`Diagnostic`]s; the build fails, leaving the previous output
//! untouched, if any of them is an error.

// Diagnostics are the error values of every stage; they are built on cold paths, so
// boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod bibliography;
pub mod cite;
pub mod config;
pub mod diagnostic;
pub mod feeds;
pub mod frontmatter;
pub mod graph;
pub mod highlight;
pub mod html;
pub mod load;
pub mod markdown;
pub mod output;
pub mod page;
pub mod render;
pub mod resolve;
pub mod reuse;
pub mod scaffold;
pub mod search;
#[cfg(feature = "serve")]
pub mod serve;
pub mod theme;
pub mod url;

use config::Config;
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
use page::{Page, PageRef};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to build and how.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The site folder (with `explainer.toml`).
    pub site_dir: PathBuf,
    /// Where to write; `<site_dir>/public` if `None`.
    pub out_dir: Option<PathBuf>,
    /// Include drafts.
    pub drafts: bool,
    /// Check only: render everything, write nothing.
    pub check_only: bool,
    /// How to produce the search index (if the site has search on).
    pub search: SearchIndex,
}

/// How a build produces its search index.
#[derive(Clone, Debug, Default)]
pub enum SearchIndex {
    /// Index the rendered pages (the default).
    #[default]
    Build,
    /// Write these index files as they are: `serve` reuses the last index so that a save
    /// is not held up by indexing, and refreshes it after the reload.
    Reuse(std::sync::Arc<Vec<output::Output>>),
}

impl BuildOptions {
    /// Options for building `site_dir` into its `public/`.
    pub fn new(site_dir: impl Into<PathBuf>) -> Self {
        BuildOptions {
            site_dir: site_dir.into(),
            out_dir: None,
            drafts: false,
            check_only: false,
            search: SearchIndex::Build,
        }
    }

    /// The output folder.
    pub fn out_dir(&self) -> PathBuf {
        self.out_dir
            .clone()
            .unwrap_or_else(|| self.site_dir.join("public"))
    }
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Pages rendered.
    pub pages: usize,
    /// Files written (0 for a check).
    pub files_written: usize,
    /// Pages rendered; the others were kept as the last build wrote them.
    pub pages_rendered: usize,
    /// The search index's shards, and how many of them were built afresh (the others
    /// were kept as the last build wrote them); `(0, 0)` without an index.
    pub search_shards: (usize, usize),
    /// Wall time of the whole build.
    pub elapsed_ms: f64,
    /// Wall time of each stage, in order (`EXPLAINER_TIMINGS=1` prints them).
    pub stages: Vec<(&'static str, f64)>,
    /// Warnings and information (no errors).
    pub diagnostics: Diagnostics,
}

impl BuildReport {
    /// The line `EXPLAINER_TIMINGS=1` prints: each stage's time, and what was reused.
    pub fn timings(&self) -> String {
        let list: Vec<String> = self
            .stages
            .iter()
            .map(|(n, ms)| format!("{n} {ms:.0} ms"))
            .collect();
        format!(
            "stages: {} ({} of {} pages rendered, {} files written{})",
            list.join(", "),
            self.pages_rendered,
            self.pages,
            self.files_written,
            match self.search_shards {
                (0, _) => String::new(),
                (n, 0) => format!(", search index kept ({n} of {n} shards)"),
                (n, built) => format!(
                    ", search index: {built} of {n} shards built, {} kept",
                    n - built
                ),
            }
        )
    }

    /// Whether the search index the last build wrote was kept whole (nothing it reads
    /// changed).
    pub fn search_index_kept(&self) -> bool {
        matches!(self.search_shards, (n, 0) if n > 0)
    }

    /// The one summary line the CLI prints.
    pub fn summary(&self) -> String {
        format!(
            "{} pages, {} files written in {:.0} ms ({} warning(s))",
            self.pages,
            self.files_written,
            self.elapsed_ms,
            self.diagnostics.count(Severity::Warning)
        )
    }
}

/// What one build hands to the next, so that `serve` redoes only what changed: parsed
/// pages by their text, and what the last build wrote.
#[derive(Debug, Default)]
pub struct BuildCache {
    /// Whether to keep anything at all: a one-off build has no use for it.
    retain: bool,
    /// Parsed pages by path, with the fingerprint of what they were parsed from.
    parsed: HashMap<String, (String, PageRef)>,
    /// The settings that shape every parse, as of the last build (see [`parse_settings`]).
    parse_settings: String,
    /// The files changed since the last build, when the caller says which (`serve` does,
    /// from its watcher); `None` when it has not, and any file may have changed.
    changed: Option<std::collections::HashSet<PathBuf>>,
    /// Set when the caller lost track of changes: the next build reads every file.
    changes_unknown: bool,
    /// Fingerprints of the files the last build wrote, by output path; `None` when the
    /// output folder must be written afresh.
    written: Option<HashMap<String, String>>,
    /// What each page's last render depended on, to keep pages nothing changed for.
    render: reuse::RenderMemo,
    /// Each page's resolved citations, to keep them while nothing they rest on changed.
    resolved: resolve::ResolveMemo,
    /// The HTML pages the last build wrote, by output path, with the hash of each that
    /// the search index holds (`None` for a page it leaves out).
    indexed: HashMap<String, Option<u64>>,
}

impl BuildCache {
    /// The pages the search index of the last build's output holds, as the index sees
    /// them, in path order (empty without search), so that `serve` can refresh the index
    /// reading back only the pages of the shards that changed.
    pub fn indexed_pages(&self) -> Vec<search::IndexedPage> {
        let mut pages: Vec<search::IndexedPage> = self
            .indexed
            .iter()
            .filter_map(|(path, hash)| {
                hash.map(|hash| search::IndexedPage {
                    path: path.clone(),
                    hash,
                })
            })
            .collect();
        pages.sort_by(|a, b| a.path.cmp(&b.path));
        pages
    }

    /// A cache that keeps what each build leaves for the next (`BuildCache::default()`
    /// keeps nothing).
    pub fn retaining() -> Self {
        BuildCache {
            retain: true,
            ..BuildCache::default()
        }
    }

    /// Tells the next build which files changed since the last one (by path), so that
    /// it need not read the others again. A build with no such note reads every file, as
    /// does one after [`BuildCache::forget_changes`].
    pub fn note_changed(&mut self, paths: impl IntoIterator<Item = PathBuf>) {
        self.changed.get_or_insert_default().extend(
            paths
                .into_iter()
                .map(|p| std::path::absolute(&p).unwrap_or(p)),
        );
    }

    /// Tells the next build that any file may have changed (a watcher that missed events).
    pub fn forget_changes(&mut self) {
        self.changes_unknown = true;
    }

    /// The files under `content_dir` that changed, by path relative to it, when the
    /// caller said which files changed (`None`: any file may have).
    fn changed_content(&self, content_dir: &Path) -> Option<std::collections::HashSet<String>> {
        let changed = self.changed.as_ref().filter(|_| !self.changes_unknown)?;
        let content = std::path::absolute(content_dir).unwrap_or_else(|_| content_dir.into());
        Some(
            changed
                .iter()
                .filter_map(|p| p.strip_prefix(&content).ok())
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .collect(),
        )
    }
}

/// The settings that shape every page's parse: a change to them parses every file again.
fn parse_settings(config: &Config) -> String {
    format!(
        "{}\u{0}{}\u{0}{:?}",
        config.allow_html,
        config.base_path(),
        config.sections
    )
}

/// The fingerprint of a file's text and the settings that shape its parse.
fn parse_key(f: &load::SourceFile, settings: &str) -> String {
    output::fingerprint(format!("{settings}\u{0}{}", f.text).as_bytes())
}

/// Parse: front matter and Markdown of every file, in parallel.
/// Returns the pages, the paths of files that failed to parse, and every problem found.
pub fn parse_pages(
    files: Vec<load::SourceFile>,
    config: &Config,
) -> (Vec<PageRef>, Vec<String>, Vec<Diagnostic>) {
    parse_pages_cached(files, &[], config, &mut BuildCache::default())
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
        text_hash: reuse::hash_of(&f.text),
        text: f.text,
        meta,
        body,
        face: 0,
    };
    page.face = reuse::face(&page);
    Ok(page)
}

/// [`parse_pages`], reusing the pages of `cache` whose text has not changed, and those of
/// the `kept` files (not read this time, because they have not changed).
fn parse_pages_cached(
    files: Vec<load::SourceFile>,
    kept: &[String],
    config: &Config,
    cache: &mut BuildCache,
) -> (Vec<PageRef>, Vec<String>, Vec<Diagnostic>) {
    let base_path = config.base_path();
    let settings = parse_settings(config);
    let mut previous = std::mem::take(&mut cache.parsed);
    let mut results: Vec<(String, String, Result<PageRef, Vec<Diagnostic>>)> = files
        .into_par_iter()
        .map(|f| {
            let rel = f.rel.clone();
            let key = if cache.retain {
                parse_key(&f, &settings)
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
    let mut pages = vec![];
    let mut broken = vec![];
    let mut diags = vec![];
    cache.parse_settings = settings;
    for (rel, key, result) in results {
        match result {
            Ok(p) => {
                diags.extend(p.body.diagnostics.iter().cloned());
                if cache.retain {
                    cache.parsed.insert(rel, (key, p.clone()));
                }
                pages.push(p);
            }
            Err(mut d) => {
                diags.append(&mut d);
                broken.push(rel);
            }
        }
    }
    (pages, broken, diags)
}

/// Runs the pipeline up to the immutable site model. `Err` carries every problem found.
pub fn load_site(opts: &BuildOptions) -> Result<(resolve::Site, Diagnostics), Diagnostics> {
    load_site_cached(opts, &mut BuildCache::default())
}

fn load_site_cached(
    opts: &BuildOptions,
    cache: &mut BuildCache,
) -> Result<(resolve::Site, Diagnostics), Diagnostics> {
    capped(load_site_timed(opts, cache, &mut Stages::new()))
}

/// Keeps at most [`diagnostic::MAX_ERRORS_PER_FILE`] errors per file, either way.
fn capped<T>(
    result: Result<(T, Diagnostics), Diagnostics>,
) -> Result<(T, Diagnostics), Diagnostics> {
    match result {
        Ok((value, mut d)) => {
            d.cap_per_file(diagnostic::MAX_ERRORS_PER_FILE);
            Ok((value, d))
        }
        Err(mut d) => {
            d.cap_per_file(diagnostic::MAX_ERRORS_PER_FILE);
            Err(d)
        }
    }
}

fn load_site_timed(
    opts: &BuildOptions,
    cache: &mut BuildCache,
    stages: &mut Stages,
) -> Result<(resolve::Site, Diagnostics), Diagnostics> {
    let mut diags = Diagnostics::new();
    let config = Config::load(&opts.site_dir).map_err(|d| {
        let mut all = Diagnostics::new();
        all.extend(d);
        all
    })?;
    // Files the cache has parsed, unchanged since, with the same settings: not read again.
    let same_settings = cache.parse_settings == parse_settings(&config);
    let content_dir = opts.site_dir.join("content");
    let changed = cache
        .changed_content(&content_dir)
        .filter(|_| same_settings && cache.retain);
    let keep = |rel: &str| -> bool {
        changed
            .as_ref()
            .is_some_and(|c| !c.contains(rel) && cache.parsed.contains_key(rel))
    };
    let loaded = match load::load_keeping(&opts.site_dir, &content_dir, &keep) {
        Ok(l) => l,
        Err(d) => {
            diags.extend(d);
            return Err(diags);
        }
    };
    stages.mark("load");
    let (bibliography, bib_diags) = bibliography::parse(&loaded.bibliography);
    diags.extend(bib_diags);
    let (pages, broken, parse_diags) =
        parse_pages_cached(loaded.files, &loaded.kept, &config, cache);
    // From here on the cache holds every file's parse: later changes must be noted anew.
    cache.changed = None;
    cache.changes_unknown = false;
    stages.mark("parse");
    diags.extend(parse_diags);
    let (pages, drafts): (Vec<PageRef>, Vec<PageRef>) = pages
        .into_iter()
        .partition(|p| opts.drafts || !p.meta.draft);
    if let Some(d) = missing_home_page(&pages, &drafts, &broken) {
        diags.push(d);
    }
    let mut absent: HashMap<String, resolve::Absence> = drafts
        .into_iter()
        .map(|p| (p.rel.clone(), resolve::Absence::Draft))
        .collect();
    absent.extend(
        broken
            .into_iter()
            .map(|rel| (rel, resolve::Absence::Broken)),
    );
    let memo = cache.retain.then_some(&mut cache.resolved);
    let resolved = resolve::resolve_with(config, pages, loaded.assets, bibliography, &absent, memo);
    stages.mark("resolve");
    diags.extend(resolved.diagnostics);
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok((resolved.site, diags))
    }
}

/// `citations.json`: the citation graph for anyone who wants to audit it.
fn citations_json(site: &resolve::Site) -> output::Output {
    let export = site.graph.export(&site.pages, &site.bibliography, |p| {
        site.config.prefixed(&p.url)
    });
    let mut bytes = serde_json::to_vec_pretty(&export).unwrap_or_default();
    bytes.push(b'\n');
    output::Output {
        path: "citations.json".into(),
        bytes,
    }
}

/// The error for a site without a home page (`content/_index.md`), if it has none: a
/// site without one has no `index.html`, and a host would serve its folder listing or
/// nothing at all. `None` if the home page is there or failed to parse (its own errors
/// are reported).
fn missing_home_page(
    pages: &[PageRef],
    drafts: &[PageRef],
    broken: &[String],
) -> Option<Diagnostic> {
    const HOME: &str = "_index.md";
    if pages.iter().any(|p| p.rel == HOME) || broken.iter().any(|b| b == HOME) {
        return None;
    }
    let file = Path::new("content").join(HOME);
    Some(match drafts.iter().find(|p| p.rel == HOME) {
        Some(home) => Diagnostic::error(
            &home.file,
            frontmatter::key_position(&home.text, "draft"),
            "the site has no home page: content/_index.md is a draft, which this build leaves out",
        )
        .with_help("remove `draft: true` from the home page, or build with --drafts")
        .with_source(&home.text),
        None => Diagnostic::error(file, None, "the site has no home page")
            .with_help("create content/_index.md, the home page, starting with:\n---\ntitle: The site's title\n---"),
    })
}

/// The syntax errors of the theme's templates (and a theme that cannot be read), found
/// without the site: for a run whose content has errors too.
fn template_syntax_errors(site_dir: &Path) -> Vec<Diagnostic> {
    let theme = match theme::Theme::load(site_dir) {
        Ok(t) => t,
        Err(d) => return d,
    };
    let mut env = minijinja::Environment::new();
    let mut errors = vec![];
    for (name, file) in &theme.templates {
        match std::str::from_utf8(&file.bytes) {
            Ok(src) => {
                if let Err(e) = env.add_template_owned(name.clone(), src.to_string()) {
                    errors.push(render::template_error(&theme, &e));
                }
            }
            Err(e) => errors.push(load::not_utf8(
                file.display(name, "layouts/"),
                &file.bytes,
                e,
            )),
        }
    }
    errors
}

/// Checks links written from the site's root (`[x](/concerns/privacy/)`) against what
/// the build writes, as relative links are checked against content files. The path is
/// from the root of the site: the build adds base_url's path to it.
fn check_root_links(site: &resolve::Site, writers: &[(String, output::Writer)]) -> Vec<Diagnostic> {
    let paths: std::collections::HashSet<&str> = writers.iter().map(|(p, _)| p.as_str()).collect();
    let base = site.config.base_path();
    let by_output: HashMap<String, usize> = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("{}index.html", p.url.trim_start_matches('/')), i))
        .collect();
    let mut errors = vec![];
    for page in &site.pages {
        let before = errors.len();
        for link in &page.body.root_links {
            let cheap = errors.len() - before >= diagnostic::MAX_ERRORS_PER_FILE;
            let (path, fragment) = match link.target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (link.target.as_str(), None),
            };
            let path = path.split('?').next().unwrap_or("");
            let decoded = url::percent_decode(path).unwrap_or_else(|| path.to_string());
            let rel = decoded.trim_start_matches('/');
            let candidates = if rel.is_empty() || rel.ends_with('/') {
                vec![format!("{rel}index.html")]
            } else {
                vec![rel.to_string(), format!("{rel}/index.html")]
            };
            let found = candidates.iter().find(|c| paths.contains(c.as_str()));
            let at = |msg: String, help: String| {
                let d = Diagnostic::error(&page.file, Some(link.position), msg).with_help(help);
                if cheap { d } else { d.with_source(&page.text) }
            };
            match found {
                None if site.config.search && rel.starts_with(search::BUNDLE_DIR) => {}
                None => {
                    let mut help = "a link that starts with `/` is a path from the site's root; link to a content file by its path relative to this file instead, e.g. [text](../concerns/privacy.md)".to_string();
                    if base != "/" && decoded.starts_with(&base) {
                        help = format!(
                            "the build adds base_url's path {base} to links from the root: write `{}` without it",
                            link.written
                        );
                    }
                    errors.push(at(
                        format!(
                            "`{}` links to a page or file this site does not have",
                            link.written
                        ),
                        help,
                    ));
                }
                Some(out) => {
                    if let (Some(frag), Some(&target)) = (fragment, by_output.get(out))
                        && !frag.is_empty()
                        && !resolve::has_anchor(&site.pages[target], frag)
                    {
                        errors.push(at(
                            format!(
                                "`{}`: {} has no heading or anchor `#{frag}`",
                                link.written,
                                site.pages[target].file.display()
                            ),
                            "link to one of the page's headings, or to the page without `#…`"
                                .into(),
                        ));
                    }
                }
            }
        }
    }
    errors
}

/// Every output path the build will write, with who writes it: the theme's static
/// files (`statics`, already turned into outputs), pages, generated files and the files
/// copied from `content/`. The search index is named by its folder.
fn writers(
    site: &resolve::Site,
    theme: &theme::Theme,
    statics: &[output::Output],
) -> Vec<(String, output::Writer)> {
    let generated = |what: &str| output::Writer {
        file: PathBuf::from("content"),
        what: what.to_string(),
    };
    let mut all: Vec<(String, output::Writer)> = statics
        .iter()
        .zip(theme.statics.iter().map(Some).chain(std::iter::once(None)))
        .map(|(o, file)| {
            let what = match file {
                Some((name, f)) => format!(
                    "the theme's {}",
                    f.display(name, "layouts/static/").display()
                ),
                None => "the generated highlight.css".to_string(),
            };
            (o.path.clone(), generated(&what))
        })
        .collect();
    for (path, what) in [
        ("sitemap.xml", "the generated sitemap.xml"),
        ("atom.xml", "the generated atom.xml"),
        ("robots.txt", "the generated robots.txt"),
        ("citations.json", "the generated citations.json"),
        (output::MARKER, "the output folder's marker"),
    ] {
        all.push((path.to_string(), generated(what)));
    }
    if theme.has_template("404.html") {
        all.push(("404.html".into(), generated("the generated 404 page")));
    }
    if site.config.search {
        // The whole folder: a page or file inside it would be taken for part of the index.
        all.push((
            search::BUNDLE_DIR.to_string(),
            generated("the search index"),
        ));
    }
    // Two pages with one URL are reported by `resolve`, which knows why.
    let mut urls = std::collections::HashSet::new();
    for p in site.pages.iter().filter(|p| urls.insert(p.url.as_str())) {
        all.push((
            format!("{}index.html", p.url.trim_start_matches('/')),
            output::Writer {
                file: p.file.clone(),
                what: p.file.display().to_string(),
            },
        ));
    }
    for a in &site.assets {
        let file = Path::new("content").join(&a.rel);
        all.push((
            a.rel.clone(),
            output::Writer {
                what: file.display().to_string(),
                file,
            },
        ));
    }
    all
}

/// Wall time per stage.
#[derive(Debug)]
struct Stages {
    last: Instant,
    done: Vec<(&'static str, f64)>,
}

impl Stages {
    fn new() -> Self {
        Stages {
            last: Instant::now(),
            done: vec![],
        }
    }

    /// Records the time since the previous mark as stage `name`.
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.done
            .push((name, (now - self.last).as_secs_f64() * 1000.0));
        self.last = now;
    }
}

/// Runs the whole pipeline: load, parse, resolve, render, write.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Diagnostics> {
    build_cached(opts, &mut BuildCache::default())
}

/// [`build`], reusing what `cache` holds from the previous build of the same site into the
/// same folder: unchanged pages are not parsed again, and only changed files are written.
pub fn build_cached(
    opts: &BuildOptions,
    cache: &mut BuildCache,
) -> Result<BuildReport, Diagnostics> {
    match build_uncapped(opts, cache) {
        Ok(mut report) => {
            report
                .diagnostics
                .cap_per_file(diagnostic::MAX_ERRORS_PER_FILE);
            Ok(report)
        }
        Err(mut d) => {
            d.cap_per_file(diagnostic::MAX_ERRORS_PER_FILE);
            Err(d)
        }
    }
}

/// The search index of a build.
enum Index {
    /// No index (search is off, or a check).
    None,
    /// Built from the pages, each shard kept from the last build's output if nothing it
    /// reads changed.
    Built(search::BuiltIndex),
    /// `serve`'s index, already in the output folder.
    Reused(std::sync::Arc<Vec<output::Output>>),
}

impl Index {
    /// Adds the index files to `outputs`; returns `serve`'s reused index instead, which is
    /// in the output folder already.
    fn into_outputs(
        self,
        outputs: &mut Vec<output::Output>,
    ) -> Option<std::sync::Arc<Vec<output::Output>>> {
        match self {
            Index::Built(index) => {
                outputs.extend(index.files);
                None
            }
            Index::Reused(files) => Some(files),
            Index::None => None,
        }
    }

    /// How many shards the index has, and how many were built afresh.
    fn shards(&self) -> (usize, usize) {
        match self {
            Index::Built(index) => (index.shards, index.rebuilt),
            Index::Reused(_) | Index::None => (0, 0),
        }
    }
}

/// The pages the search stage indexes.
struct ToIndex<'a> {
    /// Pages rendered by this build, in memory (their bytes are empty if streamed).
    rendered: &'a [output::Output],
    /// Output paths of pages kept as the last build wrote them.
    kept: &'a [String],
    /// Pages streamed into the staging folder, as the index sees them.
    streamed: Option<(&'a output::Staging, &'a [search::IndexedPage])>,
}

impl<'a> ToIndex<'a> {
    fn new(
        rendered: &'a [output::Output],
        kept: &'a [String],
        streamed: Option<&'a Streamed>,
    ) -> Self {
        ToIndex {
            rendered,
            kept,
            streamed: streamed.map(|s| (&s.staging, s.indexed.as_slice())),
        }
    }
}

/// The search stage: each shard of the index the last build left is kept if nothing it
/// reads changed, else built afresh from the pages, wherever they are now (in memory, in
/// the staging folder, or kept in the output folder).
fn search_stage(
    site: &resolve::Site,
    how: &SearchIndex,
    out_dir: &Path,
    pages: ToIndex<'_>,
) -> Result<Index, Diagnostic> {
    if let SearchIndex::Reuse(files) = how {
        return Ok(Index::Reused(files.clone()));
    }
    let settings = search::Settings::of(&site.config);
    let previous = search::read_index(out_dir).unwrap_or_default();
    if let Some((staging, digests)) = pages.streamed {
        let read = |path: &str| staging.read(path);
        let built = search::index(digests, &settings, &read, &previous)?;
        return Ok(Index::Built(built));
    }
    let kept = output::read_back(out_dir, pages.kept)?;
    let all: std::collections::HashMap<&str, &[u8]> = pages
        .rendered
        .iter()
        .chain(&kept)
        .map(|o| (o.path.as_str(), o.bytes.as_slice()))
        .collect();
    let digests: Vec<search::IndexedPage> = pages
        .rendered
        .iter()
        .chain(&kept)
        .filter_map(search::IndexedPage::of)
        .collect();
    let read = |path: &str| {
        all.get(path).map(|b| b.to_vec()).ok_or_else(|| {
            Diagnostic::error(path, None, "a page to index is missing from the build")
                .with_help("report this problem")
        })
    };
    Ok(Index::Built(search::index(
        &digests, &settings, &read, &previous,
    )?))
}

/// What the write stage needs besides the outputs.
struct ToWrite<'a> {
    out_dir: &'a Path,
    /// Output paths kept as the last build wrote them.
    kept: &'a [String],
    /// `serve`'s search index, already in the output folder.
    reused_index: Option<std::sync::Arc<Vec<output::Output>>>,
    /// The staging folder the pages were streamed into, and how many.
    staging: Option<(output::Staging, usize)>,
}

/// The write stage: only what changed, when the cache knows what the output folder holds;
/// else everything, through a staging folder swapped in at the end. Returns how many
/// files were written.
fn write_stage(
    mut outputs: Vec<output::Output>,
    copies: &[(String, PathBuf)],
    w: ToWrite<'_>,
    cache: &mut BuildCache,
    diags: &mut Diagnostics,
) -> Result<usize, Diagnostics> {
    let fail = |d: Diagnostic, diags: &Diagnostics| {
        let mut all = diags.clone();
        all.push(d);
        all
    };
    let previous = cache
        .written
        .take()
        .filter(|_| cache.retain && w.out_dir.is_dir());
    if let Some(previous) = previous {
        // The reused index is on disk already: keep it, do not write it again.
        let kept: Vec<String> = w
            .kept
            .iter()
            .cloned()
            .chain(
                w.reused_index
                    .iter()
                    .flat_map(|f| f.iter().map(|o| o.path.clone())),
            )
            .collect();
        let (count, now) = output::write_changed(w.out_dir, &outputs, &kept, copies, previous)
            .map_err(|d| fail(d, diags))?;
        cache.written = Some(now);
        return Ok(count);
    }
    if let Some(files) = &w.reused_index {
        outputs.extend(files.iter().cloned());
    }
    let written = match w.staging {
        Some((s, streamed)) => s
            .finish(&outputs, copies)
            .map(|(count, warnings)| (count + streamed, warnings)),
        None => output::write(w.out_dir, &outputs, copies),
    };
    let (count, warnings) = written.map_err(|f| {
        let mut all = fail(f.diagnostic, diags);
        if let Some(what) = f.output_changed {
            all.set_output_changed(what);
        }
        all
    })?;
    diags.extend(warnings);
    if cache.retain {
        cache.written = Some(output::fingerprints(&outputs, copies));
    }
    Ok(count)
}

fn build_uncapped(opts: &BuildOptions, cache: &mut BuildCache) -> Result<BuildReport, Diagnostics> {
    let started = Instant::now();
    let mut stages = Stages::new();
    let (site, mut diags) = load_for_build(opts, cache, &mut stages)?;
    let theme = theme::Theme::load(&opts.site_dir).map_err(|d| {
        diags.extend(d);
        diags.clone()
    })?;
    let (mut outputs, asset_urls) = static_files(&site, &theme);
    // Checks of what the outputs will be, and the files made from the whole site: neither
    // needs the pages rendered, so they run beside the render.
    let checks = || {
        let writers = writers(&site, &theme, &outputs);
        let mut found = output::check_collisions(&writers);
        found.extend(check_root_links(&site, &writers));
        found
    };
    let (env, hashes) = render::environment(&site, &theme, &asset_urls).map_err(|d| {
        diags.extend(checks());
        diags.extend(d);
        diags.clone()
    })?;
    stages.mark("templates");
    let out_dir = opts.out_dir();
    let (rendered, (found, site_files)) = rayon::join(
        || render_stage(&site, &theme, &env, &hashes, opts, cache),
        || (checks(), site_files(&site)),
    );
    diags.extend(found);
    let (rendering, streamed) = rendered.map_err(|d| {
        diags.extend(d);
        diags.clone()
    })?;
    let pages = rendering.outputs;
    let pages_rendered = site.pages.len() - rendering.kept.len();
    stages.mark("render");
    if diags.has_errors() {
        return Err(diags);
    }
    let page_count = site.pages.len();
    // A check writes nothing, so it has no use for a search index.
    let index = if site.config.search && !opts.check_only {
        let to_index = ToIndex::new(&pages, &rendering.kept, streamed.as_ref());
        search_stage(&site, &opts.search, &out_dir, to_index).map_err(|d| {
            diags.push(d);
            diags.clone()
        })?
    } else {
        Index::None
    };
    let search_shards = index.shards();
    let reused_index = index.into_outputs(&mut outputs);
    stages.mark("search");
    let streamed_count = pages.len();
    // What `serve` needs to refresh the index later: each rendered page's digest.
    let pages_in_memory = match cache.retain && site.config.search {
        true => rendered_digests(&pages),
        false => vec![],
    };
    if streamed.is_none() {
        outputs.extend(pages);
    }
    outputs.extend(site_files);
    let copies = asset_copies(&site);
    let files_written = if opts.check_only {
        0
    } else {
        let to_write = ToWrite {
            out_dir: &out_dir,
            kept: &rendering.kept,
            reused_index,
            staging: streamed.map(|s| (s.staging, streamed_count)),
        };
        write_stage(outputs, &copies, to_write, cache, &mut diags)?
    };
    if let Some(memo) = rendering.memo
        && !opts.check_only
    {
        cache.render = memo;
    }
    if cache.retain && site.config.search && !opts.check_only {
        let before = std::mem::take(&mut cache.indexed);
        cache.indexed = indexed_digests(&pages_in_memory, &rendering.kept, before, &out_dir);
    }
    stages.mark("write");
    let report = BuildReport {
        pages: page_count,
        files_written,
        pages_rendered,
        search_shards,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        stages: stages.done,
        diagnostics: diags,
    };
    if std::env::var_os("EXPLAINER_TIMINGS").is_some() {
        eprintln!("{}", report.timings());
    }
    Ok(report)
}

/// The files made from the whole site rather than one page: the sitemap, the feed,
/// robots.txt, the citation graph, and the marker that says the folder is explainer's.
fn site_files(site: &resolve::Site) -> [output::Output; 5] {
    [
        feeds::sitemap(site),
        feeds::atom(site),
        feeds::robots(site),
        citations_json(site),
        output::marker(),
    ]
}

/// The files copied as they are from content/ (images, PDFs): output path and source.
fn asset_copies(site: &resolve::Site) -> Vec<(String, PathBuf)> {
    site.assets
        .iter()
        .map(|a| (a.rel.clone(), a.path.clone()))
        .collect()
}

/// Each rendered HTML page's path, with its digest if the search index holds it.
fn rendered_digests(pages: &[output::Output]) -> Vec<(String, Option<u64>)> {
    pages
        .iter()
        .filter(|o| o.path.ends_with(".html"))
        .map(|o| (o.path.clone(), search::IndexedPage::of(o).map(|p| p.hash)))
        .collect()
}

/// The digests of the HTML pages a build wrote: those it rendered (`rendered`), and those
/// it kept as the last build wrote them, whose digests `before` (the last build's) holds
/// or, if it does not, read back from `out_dir`. Updated in place: a save costs what it
/// rendered, not what the site holds.
fn indexed_digests(
    rendered: &[(String, Option<u64>)],
    kept: &[String],
    before: HashMap<String, Option<u64>>,
    out_dir: &Path,
) -> HashMap<String, Option<u64>> {
    let mut now = before;
    for (path, digest) in rendered {
        now.insert(path.clone(), *digest);
    }
    let kept: Vec<&String> = kept.iter().filter(|p| p.ends_with(".html")).collect();
    for path in &kept {
        if !now.contains_key(path.as_str()) {
            let digest = std::fs::read(out_dir.join(path)).ok().and_then(|bytes| {
                let page = output::Output {
                    path: path.to_string(),
                    bytes,
                };
                search::IndexedPage::of(&page).map(|p| p.hash)
            });
            now.insert(path.to_string(), digest);
        }
    }
    // Every page written is in the map now; more entries mean pages went away.
    if now.len() != rendered.len() + kept.len() {
        let written: std::collections::HashSet<&str> = rendered
            .iter()
            .map(|(p, _)| p.as_str())
            .chain(kept.iter().map(|p| p.as_str()))
            .collect();
        now.retain(|path, _| written.contains(path.as_str()));
    }
    now
}

/// The stages up to the site model, for a build: the output folder checked first (nothing
/// is read before it is known to be safe to write), and on failure the templates' syntax
/// errors too, so that both are reported in one run.
fn load_for_build(
    opts: &BuildOptions,
    cache: &mut BuildCache,
    stages: &mut Stages,
) -> Result<(resolve::Site, Diagnostics), Diagnostics> {
    if !opts.check_only {
        output::check_out_dir(&opts.site_dir, &opts.out_dir()).map_err(|d| {
            let mut all = Diagnostics::new();
            all.push(d);
            all
        })?;
    }
    highlight::Highlighter::warm();
    load_site_timed(opts, cache, stages).map_err(|mut diags| {
        // Report broken templates in the same run, not after the content is fixed.
        diags.extend(template_syntax_errors(&opts.site_dir));
        diags
    })
}

/// The render stage: every page that must be rendered (all of them, unless `cache` knows
/// the last build's), streamed into a staging folder when the build can write that way.
fn render_stage(
    site: &resolve::Site,
    theme: &theme::Theme,
    env: &minijinja::Environment<'_>,
    hashes: &render::SiteHashes,
    opts: &BuildOptions,
    cache: &BuildCache,
) -> Result<(render::Rendering, Option<Streamed>), Vec<Diagnostic>> {
    let out_dir = opts.out_dir();
    // Pages may be kept from the last build only when its output is there to keep.
    let fresh_memo = reuse::RenderMemo::default();
    let memo = match (cache.retain, &cache.written) {
        (true, Some(_)) if !opts.check_only && out_dir.is_dir() => Some(&cache.render),
        (true, _) => Some(&fresh_memo),
        (false, _) => None,
    };
    // A one-off build writes each page into the staging folder as soon as it is rendered,
    // instead of holding them all; the search index reads them back from there, a shard
    // at a time, noting now only what it needs to know of each.
    if opts.check_only || cache.retain {
        let rendering = render::render_pages(site, theme, env, hashes, memo, None)?;
        return Ok((rendering, None));
    }
    let staging = output::Staging::begin(&out_dir).map_err(|f| vec![f.diagnostic])?;
    let indexed = std::sync::Mutex::new(vec![]);
    let search = site.config.search;
    let put = |o: &output::Output| {
        if let Some(page) = search.then(|| search::IndexedPage::of(o)).flatten() {
            indexed.lock().unwrap_or_else(|e| e.into_inner()).push(page);
        }
        staging.put(o)
    };
    let rendering = render::render_pages(site, theme, env, hashes, memo, Some(&put))?;
    let indexed = indexed.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok((rendering, Some(Streamed { staging, indexed })))
}

/// The pages a one-off build streamed into its staging folder.
struct Streamed {
    staging: output::Staging,
    /// The pages among them that the search index holds.
    indexed: Vec<search::IndexedPage>,
}

/// The theme's static files and the highlighting stylesheet, as outputs, and the URL of
/// each by its name.
fn static_files(
    site: &resolve::Site,
    theme: &theme::Theme,
) -> (
    Vec<output::Output>,
    std::collections::BTreeMap<String, String>,
) {
    let mut statics: Vec<(String, Vec<u8>)> = theme
        .statics
        .iter()
        .map(|(k, v)| (k.clone(), v.bytes.clone()))
        .collect();
    statics.push((
        "highlight.css".into(),
        highlight::stylesheet(
            &site.config.highlight_theme,
            &site.config.highlight_theme_dark,
        )
        .into_bytes(),
    ));
    output::static_outputs(&statics, &site.config.base_path())
}
