//! Render: the [`Site`] through minijinja templates into files, pages in parallel.
//!
//! Site-wide values (navigation, section lists, the matrix, asset URLs) are built once
//! into shared [`Value`]s; each page's context holds only its own data plus cheap handles
//! to those, so nothing site-sized is copied per page. Rendering is a pure function of the
//! site: the same input gives byte-identical output.

use crate::diagnostic::{Diagnostic, Position};
use crate::fingerprint;
use crate::graph::{Citation, SourceAt, Target};
use crate::ids::{PageId, ParaNo};
use crate::output::{Output, Sink};
use crate::page::{PageLink, Part};
use crate::resolve::Site;
use crate::reuse::{self, Read, ReadValues, Recorded, RenderMemo, Tracked};
use crate::shortcodes;
use crate::theme::Theme;
use minijinja::value::{Enumerator, Object, ObjectRepr, Serde, Value};
use minijinja::{Environment, UndefinedBehavior, context};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A link to one paragraph of a source.
#[derive(Clone, Debug, Serialize)]
pub struct ParagraphLink {
    /// The paragraph.
    pub number: ParaNo,
    /// Root-relative URL of the paragraph's anchor.
    pub url: String,
}

/// One entry of a page's References list, as templates see it: a paragraph (or the whole)
/// of a full-text source, or a bibliography entry with an optional locator.
#[derive(Serialize, Clone)]
pub(crate) struct ReferenceCtx<'a> {
    pub(crate) number: usize,
    /// `source` or `entry`.
    kind: &'static str,
    /// The cited id (the source's file name, or the entry's id).
    source_id: &'a str,
    source_title: &'a str,
    source_short_title: &'a str,
    paragraph: Option<ParaNo>,
    locator: Option<&'a str>,
    /// Where the reference leads: the paragraph on this site, or the original publisher.
    url: String,
    /// `url` as an absolute address, for print.
    permalink: String,
    pub(crate) quotes: &'a [String],
    passage: Option<&'a str>,
    pub(crate) uses: &'a [String],
    /// Bibliography entries only.
    entry: Option<&'a crate::bibliography::Entry>,
}

/// One citation mark of a bracket, for `partials/cite.html`.
#[derive(Serialize)]
struct MarkCtx<'a> {
    anchor: &'a str,
    number: usize,
    id: &'a str,
    paragraph: Option<ParaNo>,
    locator: Option<&'a str>,
    /// The words this citation quotes, as written, if any.
    quote: Option<&'a str>,
    /// What the mark stands for, in words, for screen readers.
    label: String,
}

#[derive(Serialize)]
struct CiterCtx {
    title: String,
    url: String,
    more: Vec<String>,
}

#[derive(Serialize)]
struct ParagraphCtx {
    number: ParaNo,
    text: String,
    cited_by: Vec<CiterCtx>,
}

#[derive(Serialize)]
struct PageCtx<'a> {
    title: &'a str,
    url: String,
    permalink: String,
    rel: &'a str,
    section: &'a str,
    slug: &'a str,
    is_index: bool,
    is_home: bool,
    is_source: bool,
    summary: Option<&'a str>,
    description: String,
    date: Option<&'a str>,
    /// The newest of `updated` and the change notes' dates.
    updated: Option<&'a str>,
    /// The change notes, newest first.
    changes: Vec<&'a crate::frontmatter::Change>,
    content: String,
    /// The day the page's facts are due for review (`YYYY-MM-DD`): its own `review_by`,
    /// or a data file's it shows, whichever is earlier.
    review_by: Option<String>,
    toc: Vec<&'a crate::page::Heading>,
    references: Vec<ReferenceCtx<'a>>,
    backlinks: Vec<PageLink>,
    pages: Vec<PageLink>,
    breadcrumbs: Vec<PageLink>,
    previous: Option<PageLink>,
    next: Option<PageLink>,
    meta: &'a crate::frontmatter::FrontMatter,
    paragraphs: Vec<ParagraphCtx>,
    cited_whole: Vec<CiterCtx>,
}

/// One cell of the topic × source matrix.
#[derive(Serialize)]
struct SourceCellCtx {
    count: usize,
    raises: bool,
    paragraphs: Vec<ParagraphLink>,
}

#[derive(Serialize)]
struct MatrixRow {
    topic: PageLink,
    sources: Vec<SourceCellCtx>,
    subjects: Vec<bool>,
}

/// The matrix as templates see it.
#[derive(Serialize)]
struct MatrixCtx {
    sources: Vec<PageLink>,
    subjects: Vec<PageLink>,
    rows: Vec<MatrixRow>,
}

/// The template a page uses: front matter `layout`, else the home or section template,
/// else `<section>.html` if the theme has it, else `page.html`.
pub fn template_for(p: &crate::page::Page, theme: &Theme) -> String {
    if let Some(l) = &p.meta.layout {
        return if l.ends_with(".html") {
            l.clone()
        } else {
            format!("{l}.html")
        };
    }
    if p.is_index {
        return if p.section.is_empty() {
            "index.html".into()
        } else {
            "section.html".into()
        };
    }
    let own = format!("{}.html", p.section.replace('/', "_"));
    if !p.section.is_empty() && theme.has_template(&own) {
        own
    } else {
        "page.html".into()
    }
}

/// Page `i` as a page's render shows it in a list (recorded).
fn link(t: &Tracked, i: PageId) -> PageLink {
    t.link(i)
}

/// Page `i` as the site-wide values show it (nav, the matrix).
fn site_link(site: &Site, i: PageId) -> PageLink {
    link_of(&site.pages[i.index()], &site.config.base_path())
}

fn link_of(p: &crate::page::Page, base_path: &str) -> PageLink {
    p.link(base_path)
}

/// The matrix (derived in [`crate::graph`]) with links for templates.
fn matrix(site: &Site) -> MatrixCtx {
    let m = site.matrix();
    let rows = m
        .topics
        .iter()
        .enumerate()
        .map(|(t, &topic)| MatrixRow {
            topic: site_link(site, topic),
            sources: m.by_source[t]
                .iter()
                .zip(&m.sources)
                .map(|(cell, &s)| SourceCellCtx {
                    count: cell.citations,
                    raises: cell.raises,
                    paragraphs: cell
                        .paragraphs
                        .iter()
                        .map(|&n| ParagraphLink {
                            number: n,
                            url: format!(
                                "{}#p{n}",
                                site.config.prefixed(&site.pages[s.index()].url)
                            ),
                        })
                        .collect(),
                })
                .collect(),
            subjects: m.by_subject[t].clone(),
        })
        .collect();
    MatrixCtx {
        sources: m.sources.iter().map(|&s| site_link(site, s)).collect(),
        subjects: m.subjects.iter().map(|&a| site_link(site, a)).collect(),
        rows,
    }
}

/// Citers of one source paragraph, grouped by page: one link per page, to its first
/// citation, and links to its further ones.
fn citers<'s>(t: &Tracked<'s>, list: impl Iterator<Item = &'s Citation>) -> Vec<CiterCtx> {
    let mut by_page: BTreeMap<PageId, Vec<&str>> = BTreeMap::new();
    for c in list {
        by_page.entry(c.page).or_default().push(&c.anchor);
    }
    let mut out: Vec<CiterCtx> = by_page
        .into_iter()
        .map(|(page, anchors)| {
            let PageLink { title, url, .. } = link(t, page);
            CiterCtx {
                title,
                url: format!("{url}#{}", anchors[0]),
                more: anchors[1..].iter().map(|a| format!("{url}#{a}")).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.title.cmp(&b.title));
    out
}

/// What a target is called in a mark's label: `Senators' letter, paragraph 5`; a
/// bibliography work by its publisher (`Office of U.S. Senator Jeff Merkley, art. 5`), as an
/// author-date citation names it: the title, often a sentence long, is one tab away in
/// the References list, and a screen reader would read it at every mark.
fn target_label(t: &Tracked, target: &Target) -> String {
    match target {
        Target::Source(s, SourceAt::Whole) => t.page(*s).short_title().to_string(),
        Target::Source(s, SourceAt::Paragraph(n)) => {
            format!("{}, paragraph {n}", t.page(*s).short_title())
        }
        Target::Entry(e, None) => t.entry(*e).publisher.clone(),
        Target::Entry(e, Some(l)) => format!("{}, {l}", t.entry(*e).publisher),
    }
}

/// The id a target is cited by.
fn target_id<'s>(t: &Tracked<'s>, target: &Target) -> &'s str {
    match target {
        Target::Source(s, _) => &t.page(*s).slug,
        Target::Entry(e, _) => &t.entry(*e).id,
    }
}

/// Why a page could not be rendered: a template failed, or a shortcode did (an error at
/// its place in the Markdown file).
pub(crate) enum Failure {
    Template(minijinja::Error),
    Located(Diagnostic),
}

impl Failure {
    /// As a diagnostic: a shortcode's as it is; a template's naming the template, and
    /// `what` was being rendered.
    pub(crate) fn into_diagnostic(self, theme: &Theme, what: &str) -> Diagnostic {
        match self {
            Failure::Located(d) => d,
            Failure::Template(e) => while_rendering(template_error(theme, &e), what),
        }
    }
}

impl From<minijinja::Error> for Failure {
    fn from(e: minijinja::Error) -> Self {
        Failure::Template(e)
    }
}

/// The templates [`fill_parts`] renders the holes with, each looked up once per page.
#[derive(Default)]
struct Partials<'e> {
    /// The number each of the page's references shows, by its index.
    numbers: Vec<usize>,
    cite: Option<minijinja::Template<'e, 'e>>,
    cited_by: Option<minijinja::Template<'e, 'e>>,
}

/// Fills a page body's holes with the theme's partials: each citation bracket with
/// `partials/cite.html`, each source paragraph's "Cited by" with `partials/cited-by.html`,
/// each shortcode with its template. A mark shows its reference's number on the page.
fn fill_body(
    t: &Tracked,
    i: PageId,
    env: &Environment<'_>,
    theme: &Theme,
) -> Result<String, Failure> {
    let numbers: Vec<usize> = t.references(i).iter().map(|r| r.number).collect();
    fill_body_numbered(t, i, env, theme, numbers)
}

/// [`fill_body`], each mark showing `numbers[k]` for the page's reference `k`: the print
/// edition numbers the references of every page in one list.
pub(crate) fn fill_body_numbered(
    t: &Tracked,
    i: PageId,
    env: &Environment<'_>,
    theme: &Theme,
    numbers: Vec<usize>,
) -> Result<String, Failure> {
    let page = t.page(i);
    let mut html = String::with_capacity(page.text.len() * 2);
    let mut partials = Partials {
        numbers,
        ..Partials::default()
    };
    fill_parts(t, i, env, theme, &page.body.parts, &mut partials, &mut html)?;
    Ok(html)
}

fn fill_parts<'e>(
    t: &Tracked,
    i: PageId,
    env: &'e Environment<'_>,
    theme: &Theme,
    parts: &[Part],
    partials: &mut Partials<'e>,
    html: &mut String,
) -> Result<(), Failure> {
    for part in parts {
        match part {
            Part::Html(h) => html.push_str(h),
            Part::Citation(b) => {
                let marks: Vec<MarkCtx> = t
                    .bracket(i, *b)
                    .map(|c| MarkCtx {
                        anchor: &c.anchor,
                        number: partials
                            .numbers
                            .get(c.reference)
                            .copied()
                            .unwrap_or_default(),
                        id: target_id(t, &c.target),
                        paragraph: c.target.paragraph(),
                        locator: c.target.locator(),
                        quote: c.quote.as_deref(),
                        label: target_label(t, &c.target),
                    })
                    .collect();
                if marks.is_empty() {
                    continue;
                }
                // The mark follows its word directly, so a line never starts with it.
                let kept = html.trim_end_matches([' ', '\t', '\n']).len();
                html.truncate(kept);
                let t = match &partials.cite {
                    Some(t) => t,
                    None => partials
                        .cite
                        .insert(env.get_template("partials/cite.html")?),
                };
                html.push_str(&t.render(context! { cites => Value::from(Serde(&marks)) })?);
            }
            Part::CitedBy(n) => {
                let list = citers(t, t.citations_of(i, SourceAt::Paragraph(*n)));
                if list.is_empty() {
                    continue;
                }
                let t = match &partials.cited_by {
                    Some(t) => t,
                    None => partials
                        .cited_by
                        .insert(env.get_template("partials/cited-by.html")?),
                };
                html.push_str(&t.render(context! {
                    paragraph => n.get(),
                    citers => Value::from(Serde(list)),
                })?);
            }
            Part::Shortcode(k) => shortcode(t, i, env, theme, *k, partials, html)?,
        }
    }
    Ok(())
}

/// Renders shortcode `k` of page `i` (a block's body first) into `html`.
fn shortcode<'e>(
    t: &Tracked,
    i: PageId,
    env: &'e Environment<'_>,
    theme: &Theme,
    k: usize,
    partials: &mut Partials<'e>,
    html: &mut String,
) -> Result<(), Failure> {
    let page = t.page(i);
    let Some(u) = page.body.shortcodes.get(k) else {
        return Ok(());
    };
    let body = match &u.body {
        Some(parts) => {
            let mut body = String::new();
            fill_parts(t, i, env, theme, parts, partials, &mut body)?;
            Some(body)
        }
        None => None,
    };
    let name = format!("{}{}.html", shortcodes::PREFIX, u.name);
    env.get_template(&name)
        .and_then(|tmpl| tmpl.render(shortcodes::context(u, body)))
        .map(|out| html.push_str(out.trim_end_matches('\n')))
        .map_err(|e| {
            let inner = template_error(theme, &e);
            let at = match inner.position {
                Some(p) => format!("{}:{}", inner.file.display(), p.line),
                None => inner.file.display().to_string(),
            };
            let detail = match e.kind() {
                minijinja::ErrorKind::OutOfFuel => format!(
                    "its template took more than {TEMPLATE_FUEL} steps without finishing (a loop that does not end, or one over far too much)"
                ),
                _ => inner.message.trim_start_matches("template error: ").to_string(),
            };
            Failure::Located(
                Diagnostic::error(
                    &page.file,
                    Some(u.name_position),
                    format!("the shortcode `{}` failed: {detail}", u.name),
                )
                .with_help(format!(
                    "in {at}; check the shortcode's arguments, or fix its template"
                ))
                .with_source(&page.text),
            )
        })
}

/// A page's References list, as templates see it.
pub(crate) fn references<'s>(t: &Tracked<'s>, i: PageId) -> Vec<ReferenceCtx<'s>> {
    let cfg = t.config();
    t.references(i)
        .iter()
        .map(|r| {
            let common = |kind, id, title, short, url: String| ReferenceCtx {
                number: r.number,
                kind,
                source_id: id,
                source_title: title,
                source_short_title: short,
                paragraph: r.target.paragraph(),
                locator: r.target.locator(),
                permalink: url.clone(),
                url,
                quotes: &r.quotes,
                passage: None,
                uses: &r.uses,
                entry: None,
            };
            match r.target {
                Target::Source(s, _) => {
                    let s = t.page(s);
                    let base = cfg.prefixed(&s.url);
                    let n = r.target.paragraph();
                    let fragment = n.map(|n| format!("#p{n}")).unwrap_or_default();
                    let permalink = format!("{}{fragment}", cfg.absolute_url(&s.url));
                    let url = format!("{base}{fragment}");
                    ReferenceCtx {
                        permalink,
                        passage: n
                            .and_then(|n| s.body.paragraphs.get(n.index()))
                            .map(|p| p.text.as_str()),
                        ..common("source", &s.slug, &s.meta.title, s.short_title(), url)
                    }
                }
                Target::Entry(e, _) => {
                    let e = t.entry(e);
                    ReferenceCtx {
                        entry: Some(e),
                        ..common("entry", &e.id, &e.title, &e.title, e.url.clone())
                    }
                }
            }
        })
        .collect()
}

/// The links above a page: the home page and its section's index.
fn breadcrumbs(t: &Tracked, i: PageId) -> Vec<PageLink> {
    let p = t.page(i);
    let mut breadcrumbs = vec![];
    if let Some(home) = t.section_index("")
        && home != i
    {
        breadcrumbs.push(link(t, home));
    }
    if !p.is_index
        && !p.section.is_empty()
        && let Some(s) = t.section_index(&p.section)
    {
        breadcrumbs.push(link(t, s));
    }
    breadcrumbs
}

/// A source's numbered paragraphs, each with the pages that cite it (none for a page
/// that is not a source).
fn paragraphs(t: &Tracked, i: PageId) -> Vec<ParagraphCtx> {
    let p = t.page(i);
    if !p.is_source() {
        return vec![];
    }
    p.body
        .paragraphs
        .iter()
        .map(|para| ParagraphCtx {
            number: para.number,
            text: para.text.clone(),
            cited_by: citers(t, t.citations_of(i, SourceAt::Paragraph(para.number))),
        })
        .collect()
}

fn page_context<'a>(
    t: &Tracked<'a>,
    i: PageId,
    env: &Environment<'_>,
    theme: &Theme,
) -> Result<PageCtx<'a>, Failure> {
    let p = t.page(i);
    let cfg = t.config();
    let (previous, next) = t.neighbours(i);
    let content = fill_body(t, i, env, theme)?;
    Ok(PageCtx {
        review_by: review_by(p, cfg),
        title: &p.meta.title,
        url: cfg.prefixed(&p.url),
        permalink: cfg.absolute_url(&p.url),
        rel: &p.rel,
        section: &p.section,
        slug: &p.slug,
        is_index: p.is_index,
        is_home: p.is_index && p.section.is_empty(),
        is_source: p.is_source(),
        summary: p.summary(),
        description: p.summary().unwrap_or(&cfg.description).to_string(),
        date: p.meta.date.as_deref(),
        updated: p.meta.last_updated(),
        changes: p.meta.changes_newest_first(),
        content,
        toc: p
            .body
            .headings
            .iter()
            .filter(|h| (2..=3).contains(&h.level))
            .collect(),
        references: references(t, i),
        backlinks: t.backlinks(i).iter().map(|&b| link(t, b)).collect(),
        pages: match p.is_index {
            true => t.section(&p.section).iter().map(|&x| link(t, x)).collect(),
            false => vec![],
        },
        breadcrumbs: breadcrumbs(t, i),
        previous: previous.map(|x| link(t, x)),
        next: next.map(|x| link(t, x)),
        meta: &p.meta,
        paragraphs: paragraphs(t, i),
        cited_whole: citers(t, t.citations_of(i, SourceAt::Whole)),
    })
}

/// The day a page's facts are due for review: the earliest of its own `review_by` and
/// the review days of the data files its body has read (`data_review_by`), as
/// `YYYY-MM-DD`. Call it after the body is rendered.
fn review_by(p: &crate::page::Page, cfg: &crate::config::Config) -> Option<String> {
    let data = reuse::data_read_so_far();
    let inherited = data.iter().filter_map(|rel| cfg.data_review_by.get(rel));
    p.meta
        .review_by
        .iter()
        .chain(inherited)
        .filter(|d| crate::frontmatter::calendar_day(d).is_some())
        .min()
        .cloned()
}

/// Template problems become diagnostics that name the template file and line.
pub fn template_error(theme: &Theme, err: &minijinja::Error) -> Diagnostic {
    let name = err.name().unwrap_or("?").to_string();
    let file = theme
        .templates
        .get(&name)
        .map(|f| f.display(&name, "layouts/"))
        .unwrap_or_else(|| format!("layouts/{name}").into());
    let position = err.line().map(|line| Position { line, col: 1 });
    let mut d = Diagnostic::error(
        file,
        position,
        format!(
            "template error: {}",
            err.detail()
                .map(str::to_owned)
                .unwrap_or_else(|| err.kind().to_string())
        ),
    );
    if let (Some(src), Some(_)) = (err.template_source(), position) {
        d = d.with_source(src);
    }
    let mut causes = vec![];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        causes.push(s.to_string());
        source = s.source();
    }
    if causes
        .iter()
        .any(|c| c.contains("recursion limit exceeded"))
    {
        d.message = format!(
            "template error: `{name}` includes itself, directly or through other templates"
        );
    }
    // An include loop nests hundreds of causes: show the first two and the last.
    if causes.len() > 3 {
        let hidden = causes.len() - 3;
        causes.splice(2..causes.len() - 1, [format!("… {hidden} more like these")]);
    }
    let mut chain = String::new();
    for c in &causes {
        let _ = write!(chain, "\ncaused by: {c}");
    }
    d.with_help(format!(
        "fix the template; see https://docs.rs/minijinja for the syntax{}",
        chain
    ))
}

/// The site-wide values templates read, as hashes, for deciding what a rebuild may keep
/// (see [`crate::reuse`]).
pub struct SiteHashes {
    /// Settings, theme files and asset URLs: a change here re-renders every page.
    pub setup: u64,
    /// `site.nav`.
    pub nav: u64,
    /// `site.matrix`.
    pub matrix: u64,
}

/// `site` in templates: the settings and site-wide lists. Reading `nav`, `files` or
/// `matrix` is recorded, so that a rebuild knows which pages depend on them.
#[derive(Debug)]
struct SiteValues(BTreeMap<&'static str, Value>);

impl Object for SiteValues {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        match key {
            "nav" => reuse::record(Read::Nav),
            "files" => reuse::record(Read::Files),
            "matrix" => reuse::record(Read::Matrix),
            _ => {}
        }
        self.0.get(key).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        reuse::record(Read::Nav);
        reuse::record(Read::Files);
        reuse::record(Read::Matrix);
        Enumerator::Values(self.0.keys().map(|k| Value::from(*k)).collect())
    }
}

/// Every page, for the site-wide values that templates look pages up in (`get_page`,
/// `sections`, `site.files`). Values are made when a template asks for them, not for
/// every page of the site on every build.
#[derive(Debug)]
struct PageDirectory {
    pages: Vec<crate::page::PageRef>,
    by_rel: Arc<crate::resolve::PageIndex>,
    base_path: String,
}

impl PageDirectory {
    /// `get_page(rel)`: the page's link fields and its headings.
    fn page_value(&self, rel: &str) -> Option<Value> {
        let p = &self.pages[self.by_rel.get(rel)?.index()];
        let l = link_of(p, &self.base_path);
        let headings: Vec<Value> = p
            .body
            .headings
            .iter()
            .map(|h| {
                context! { level => h.level, text => h.text.clone(), id => h.id.clone(), url => format!("{}#{}", l.url, h.id) }
            })
            .collect();
        Some(context! { ..Value::from(Serde(&l)), ..context! { headings => headings } })
    }
}

/// `site.files`: which content files exist, by path (`rel in site.files`).
#[derive(Debug)]
struct FileSet(Arc<PageDirectory>);

impl Object for FileSet {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0
            .by_rel
            .contains_key(key.as_str()?)
            .then(|| Value::from(true))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut rels: Vec<&String> = self.0.by_rel.keys().collect();
        rels.sort();
        Enumerator::Values(rels.into_iter().map(|r| Value::from(r.as_str())).collect())
    }
}

/// `sections` in templates: each section's pages, made into values on first use.
/// Reading one is recorded.
#[derive(Debug)]
struct SectionValues {
    directory: Arc<PageDirectory>,
    lists: BTreeMap<String, (Vec<PageId>, std::sync::OnceLock<Value>)>,
}

impl Object for SectionValues {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        reuse::record(Read::Section(key.to_string()));
        let (list, value) = self.lists.get(key)?;
        Some(
            value
                .get_or_init(|| {
                    let d = &self.directory;
                    let links: Vec<PageLink> = list
                        .iter()
                        .map(|&i| link_of(&d.pages[i.index()], &d.base_path))
                        .collect();
                    Value::from(Serde(links))
                })
                .clone(),
        )
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        reuse::record(Read::AllSections);
        Enumerator::Values(self.lists.keys().map(|k| Value::from(k.as_str())).collect())
    }
}

/// Adds the theme's templates to `env`; returns the syntax errors (and files that are not
/// UTF-8).
fn add_templates(env: &mut Environment<'_>, theme: &Theme) -> Vec<Diagnostic> {
    let mut errors = vec![];
    for (name, file) in &theme.templates {
        let src = match std::str::from_utf8(&file.bytes) {
            Ok(src) => src,
            Err(e) => {
                errors.push(crate::load::not_utf8(
                    file.display(name, "layouts/"),
                    &file.bytes,
                    e,
                ));
                continue;
            }
        };
        if let Err(e) = env.add_template_owned(name.clone(), src.to_string()) {
            errors.push(template_error(theme, &e));
        }
    }
    errors
}

/// The syntax errors of the theme's templates (and a theme that cannot be read), found
/// without the site: for a run whose content has errors too, so that both are reported.
pub fn template_syntax_errors(site_dir: &std::path::Path) -> Vec<Diagnostic> {
    match Theme::load(site_dir) {
        Ok(theme) => add_templates(&mut Environment::new(), &theme),
        Err(d) => d,
    }
}

/// The steps one render of a template may take (minijinja's fuel), so that a template
/// that never finishes (a loop over 10^10 numbers) is an error at its place instead of a
/// build that never ends. Far more than any page takes: a page's body is rendered before
/// its template, so even a section index of 100,000 pages or the print edition (a loop
/// over rendered parts, tens of steps each) takes a few million.
pub const TEMPLATE_FUEL: u64 = 20_000_000;

/// A minijinja environment with the theme's templates, helpers and site-wide values, and
/// the hashes of those values.
pub fn environment<'s>(
    site: &Site,
    theme: &'s Theme,
    assets: &BTreeMap<String, String>,
) -> Result<(Environment<'s>, SiteHashes), Vec<Diagnostic>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_formatter(html_formatter);
    env.set_fuel(Some(TEMPLATE_FUEL));
    let mut errors = add_templates(&mut env, theme);
    let (signatures, wrong) = shortcodes::Signatures::of(theme);
    errors.extend(wrong);
    errors.extend(shortcodes::check(&site.pages, &signatures));
    env.add_function("load_data", shortcodes::load_data(site.data.clone()));
    env.add_function("get_entry", get_entry(&site.bibliography));
    let cfg = &site.config;
    let nav: Vec<PageLink> = cfg
        .sections
        .names()
        .filter_map(|s| site.section_index(s))
        .map(|i| site_link(site, i))
        .collect();
    let directory = Arc::new(PageDirectory {
        pages: site.pages.clone(),
        by_rel: site.by_rel.clone(),
        base_path: cfg.base_path(),
    });
    let sections = SectionValues {
        directory: directory.clone(),
        lists: site
            .sections
            .iter()
            .map(|(k, v)| (k.clone(), (v.clone(), Default::default())))
            .collect(),
    };
    let matrix = matrix(site);
    let hashes = SiteHashes {
        setup: setup_hash(site, theme, assets),
        nav: fingerprint::hash_json(&nav),
        matrix: fingerprint::hash_json(&matrix),
    };
    let values: BTreeMap<&'static str, Value> = [
        ("title", Value::from(cfg.title.clone())),
        ("description", Value::from(cfg.description.clone())),
        ("base_url", Value::from(cfg.base_url.clone())),
        ("base_path", Value::from(cfg.base_path())),
        ("language", Value::from(cfg.language.clone())),
        ("search", Value::from(cfg.search)),
        ("nav", Value::from(Serde(&nav))),
        ("home", Value::from(cfg.base_path())),
        ("matrix", Value::from(Serde(matrix))),
        // A map, so that `rel in site.files` is a lookup, not a scan of every page.
        ("files", Value::from_object(FileSet(directory.clone()))),
    ]
    .into_iter()
    .collect();
    env.add_global("site", Value::from_object(SiteValues(values)));
    env.add_global("sections", Value::from_object(sections));
    env.add_filter("date_format", date_format);
    env.add_global("assets", Value::from(Serde(assets)));
    env.add_function(
        "get_page",
        move |rel: &str| -> Result<Value, minijinja::Error> {
            reuse::record(Read::Page(rel.to_string()));
            directory.page_value(rel).ok_or_else(|| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("get_page: no content file `{rel}`"),
                )
            })
        },
    );
    if errors.is_empty() {
        Ok((env, hashes))
    } else {
        Err(errors)
    }
}

/// `get_entry(id)`: a bibliography entry (id, title, publisher, date, url…), for
/// templates that link a fact to its source; the read is recorded.
fn get_entry(
    bibliography: &crate::bibliography::Bibliography,
) -> impl Fn(&str) -> Result<Value, minijinja::Error> + use<> {
    let entries: BTreeMap<String, Value> = bibliography
        .entries
        .iter()
        .map(|e| (e.id.clone(), Value::from(Serde(e))))
        .collect();
    move |id: &str| {
        reuse::record(Read::Entry(id.to_string()));
        entries.get(id).cloned().ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("get_entry: no bibliography entry `{id}` in content/references.yaml"),
            )
        })
    }
}

/// The hash of what every page's rendering depends on: the settings, every theme file and
/// the asset URLs.
fn setup_hash(site: &Site, theme: &Theme, assets: &BTreeMap<String, String>) -> u64 {
    let mut h = fingerprint::in_run();
    fingerprint::hash_json(&site.config).hash(&mut h);
    for (name, file) in &theme.templates {
        (name, &file.bytes).hash(&mut h);
    }
    assets.hash(&mut h);
    h.finish()
}

/// `{{ date|date_format }}` → `29 October 2024`; `date_format("us")` → `October 29, 2024`.
/// A month alone (`2025-10`) gives `October 2025`.
fn date_format(value: &str, style: Option<&str>) -> Result<String, minijinja::Error> {
    // A month alone (`2025-10`), as the bibliography allows.
    if value.len() == 7
        && let Ok(d) = format!("{value}-01").parse::<jiff::civil::Date>()
    {
        return Ok(d.strftime("%B %Y").to_string());
    }
    let date = crate::frontmatter::calendar_date(value).ok_or_else(|| {
        minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            format!("date_format: `{value}` is not a YYYY-MM-DD date"),
        )
    })?;
    let pattern = if style == Some("us") {
        "%B %-d, %Y"
    } else {
        "%-d %B %Y"
    };
    Ok(date.strftime(pattern).to_string())
}

/// Escapes printed values for HTML like the default formatter, but leaves `/` alone (so
/// URLs stay readable in the output) and prints `none` as nothing.
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(());
    }
    if matches!(state.auto_escape(), minijinja::AutoEscape::Html) && !value.is_safe() {
        return crate::html::write_escaped(out, &value.to_string()).map_err(|_| {
            minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write failed")
        });
    }
    minijinja::escape_formatter(out, state, value)
}

/// What the render stage did: how many pages it rendered (each put into the sink), the
/// pages it kept from the last build (their output paths), and what the next build needs
/// to know of the pages it rendered.
pub struct Rendering {
    /// How many files were rendered and put into the sink.
    pub rendered: usize,
    /// Output paths of pages (and extras) kept as the last build wrote them.
    pub kept: Vec<String>,
    /// How many of the site's pages (not extras) were kept.
    pub pages_kept: usize,
    /// The memo keys of the extras rendered (not kept), in order (`#updates`).
    pub extras_rendered: Vec<String>,
    /// For the memo: the setup, and what each page rendered this time read (empty when
    /// no memo was given). See [`RenderMemo::update`].
    pub records: (u64, Vec<(String, Recorded)>),
}

/// A page made from the whole site rather than from one content file (the updates page,
/// the print edition), rendered beside the pages and kept like them when nothing it read
/// changed: it too reaches the site only through [`Tracked`].
pub struct Extra<'a> {
    /// Its name in the render memo: `#` and a word, which no content file's path can be.
    pub key: &'static str,
    /// Renders it.
    #[allow(clippy::type_complexity)]
    pub render: Box<dyn Fn(&Tracked) -> Result<Output, Diagnostic> + Send + Sync + 'a>,
}

/// One page's result: rendered (with what it read), or kept (its output path).
enum PageResult {
    Rendered(Recorded),
    Kept(String),
}

/// Renders every page, and `404.html`, in parallel, and puts each into `sink` as soon as
/// it is rendered. With `memo` (the last build's), a page whose setup and recorded reads
/// are unchanged is kept, not rendered again, when the sink still has the last build's
/// files ([`Sink::can_keep`]); otherwise every page is rendered, and the records only
/// tell the next build what each read.
pub fn render_pages(
    site: &Site,
    theme: &Theme,
    env: &Environment<'_>,
    hashes: &SiteHashes,
    memo: Option<&RenderMemo>,
    sink: &dyn Sink,
    extras: &[Extra],
) -> Result<Rendering, Vec<Diagnostic>> {
    let fresh = RenderMemo::default();
    let memo = memo.map(|m| if sink.can_keep() { m } else { &fresh });
    let values = memo.map(|m| ReadValues::new(site, hashes.nav, hashes.matrix, m.reads()));
    let tracked = Tracked::new(site);
    let n = site.pages.len();
    let key = |i: usize| match i < n {
        true => site.pages[i].rel.as_str(),
        false => extras[i - n].key,
    };
    let results: Vec<Result<PageResult, Diagnostic>> = (0..n + extras.len())
        .into_par_iter()
        .map(|i| {
            if let (Some(m), Some(v)) = (memo, &values)
                && let Some(r) = m.unchanged(hashes.setup, key(i), v)
            {
                sink.keep(&r.path);
                return Ok(PageResult::Kept(r.path.clone()));
            }
            let (output, reads) = reuse::recording(|| match i < n {
                true => render_page(&tracked, PageId::new(i), theme, env),
                false => (extras[i - n].render)(&tracked),
            });
            let output = output?;
            let path = output.path.clone();
            sink.put(output)?;
            let reads = match &values {
                Some(v) => reads
                    .into_iter()
                    .map(|r| (v.value(&r), r))
                    .map(|(v, r)| (r, v))
                    .collect(),
                None => vec![],
            };
            Ok(PageResult::Rendered(Recorded { path, reads }))
        })
        .collect();
    let (mut rendering, mut errors) = gather(&key, n, results, memo.is_some());
    rendering.records.0 = hashes.setup;
    match render_404(site, theme, env).map(|o| o.map(|o| sink.put(o))) {
        Ok(Some(Err(e))) | Err(e) => errors.push(e),
        Ok(Some(Ok(()))) => rendering.rendered += 1,
        Ok(None) => {}
    }
    if errors.is_empty() {
        Ok(rendering)
    } else {
        Err(errors)
    }
}

/// The pages' results, in page order, as a [`Rendering`] (with the records of what each
/// rendered page read, when `recorded`) and the errors.
fn gather<'k>(
    key: &dyn Fn(usize) -> &'k str,
    pages: usize,
    results: Vec<Result<PageResult, Diagnostic>>,
    recorded: bool,
) -> (Rendering, Vec<Diagnostic>) {
    let mut rendering = Rendering {
        rendered: 0,
        kept: vec![],
        pages_kept: 0,
        extras_rendered: vec![],
        records: (0, vec![]),
    };
    let mut errors = vec![];
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(PageResult::Rendered(rec)) => {
                rendering.rendered += 1;
                if i >= pages {
                    rendering.extras_rendered.push(key(i).to_string());
                }
                if recorded {
                    rendering.records.1.push((key(i).to_string(), rec));
                }
            }
            Ok(PageResult::Kept(path)) => {
                rendering.pages_kept += usize::from(i < pages);
                rendering.kept.push(path);
            }
            Err(e) => errors.push(e),
        }
    }
    (rendering, errors)
}

/// Renders page `i` with its template ([`template_for`]).
fn render_page(
    t: &Tracked,
    i: PageId,
    theme: &Theme,
    env: &Environment<'_>,
) -> Result<Output, Diagnostic> {
    let p = t.page(i);
    let name = template_for(p, theme);
    let tmpl = env.get_template(&name).map_err(|e| {
        if p.meta.layout.is_some() {
            Diagnostic::error(
                &p.file,
                crate::frontmatter::key_position(&p.text, "layout"),
                format!("the layout `{name}` does not exist"),
            )
            .with_source(&p.text)
            .with_help(format!(
                "use one of: {}",
                theme
                    .templates
                    .keys()
                    .filter(|k| k.ends_with(".html"))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        } else {
            template_error(theme, &e)
        }
    })?;
    let html = page_context(t, i, env, theme)
        .and_then(|page| Ok(tmpl.render(context! { page => Value::from(Serde(page)) })?))
        .map_err(|e| e.into_diagnostic(theme, &p.file.display().to_string()))?;
    if html.trim().is_empty() {
        return Err(Diagnostic::error(
            &p.file,
            crate::frontmatter::key_position(&p.text, "layout"),
            format!("the layout `{name}` rendered nothing for this page"),
        )
        .with_help(format!("a page's layout must make a whole page: use one that extends base.html, such as `page`, or fill in layouts/{name}"))
        .with_source(&p.text));
    }
    Ok(Output {
        path: output_path(&p.url),
        bytes: html.into_bytes(),
    })
}

/// The file a page with this site path is written to (`/a/` → `a/index.html`).
pub fn output_path(url: &str) -> String {
    format!("{}index.html", url.trim_start_matches('/'))
}

/// The path of the 404 page, which the theme makes when it has a template for it.
const NOT_FOUND: &str = "404.html";

/// Where the 404 page goes, if the theme has a template for one.
pub fn not_found_path(theme: &Theme) -> Option<&'static str> {
    theme.has_template(NOT_FOUND).then_some(NOT_FOUND)
}

/// `404.html`, if the theme has a template for it.
fn render_404(
    site: &Site,
    theme: &Theme,
    env: &Environment<'_>,
) -> Result<Option<Output>, Diagnostic> {
    if not_found_path(theme).is_none() {
        return Ok(None);
    }
    let cfg = &site.config;
    let page = context! {
        title => "Page not found",
        description => cfg.description.clone(),
        url => format!("{}404.html", cfg.base_path()),
        permalink => cfg.absolute_url("/404.html"),
        is_home => false,
        content => "",
    };
    env.get_template("404.html")
        .and_then(|t| t.render(context! { page }))
        .map(|html| {
            Some(Output {
                path: "404.html".into(),
                bytes: html.into_bytes(),
            })
        })
        .map_err(|e| while_rendering(template_error(theme, &e), "404.html"))
}

/// Says which page was being rendered when a template failed.
fn while_rendering(mut d: Diagnostic, what: &str) -> Diagnostic {
    d.message = format!("{} (while rendering {what})", d.message);
    d
}
