//! Render: the [`Site`] through minijinja templates into files, pages in parallel.
//!
//! Site-wide values (navigation, section lists, the matrix, asset URLs) are built once
//! into shared [`Value`]s; each page's context holds only its own data plus cheap handles
//! to those, so nothing site-sized is copied per page. Rendering is a pure function of the
//! site: the same input gives byte-identical output.

use crate::diagnostic::{Diagnostic, Position};
use crate::html::escape;
use crate::markdown::Part;
use crate::resolve::Site;
use crate::theme::Theme;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior, context};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One file of the built site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Path relative to the output folder (`concerns/privacy/index.html`).
    pub path: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// A link to a page, as templates see it.
#[derive(Clone, Debug, Serialize)]
pub struct PageLink {
    /// The page's title.
    pub title: String,
    /// Root-relative URL, base path included.
    pub url: String,
    /// Its summary, if any.
    pub summary: Option<String>,
    /// Its date, if any.
    pub date: Option<String>,
    /// Its path relative to `content/`.
    pub rel: String,
    /// Its short title (front matter `short_title`, else the title).
    pub short: String,
}

/// A link to one paragraph of a source.
#[derive(Clone, Debug, Serialize)]
pub struct ParagraphLink {
    /// The paragraph number.
    pub number: usize,
    /// Root-relative URL of the paragraph's anchor.
    pub url: String,
}

#[derive(Serialize)]
struct ReferenceCtx {
    number: usize,
    source_id: String,
    source_title: String,
    source_short_title: String,
    paragraph: Option<usize>,
    url: String,
    quotes: Vec<String>,
    passage: Option<String>,
    uses: Vec<String>,
}

#[derive(Serialize)]
struct CiterCtx {
    title: String,
    url: String,
    more: Vec<String>,
}

#[derive(Serialize)]
struct ParagraphCtx {
    number: usize,
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
    updated: Option<&'a str>,
    content: String,
    toc: Vec<&'a crate::markdown::Heading>,
    references: Vec<ReferenceCtx>,
    backlinks: Vec<PageLink>,
    pages: Vec<PageLink>,
    breadcrumbs: Vec<PageLink>,
    previous: Option<PageLink>,
    next: Option<PageLink>,
    meta: &'a crate::frontmatter::FrontMatter,
    paragraphs: Vec<ParagraphCtx>,
    cited_whole: Vec<CiterCtx>,
}

/// One cell of the concern × letter matrix.
#[derive(Serialize)]
struct LetterCell {
    count: usize,
    paragraphs: Vec<ParagraphLink>,
}

#[derive(Serialize)]
struct MatrixRow {
    concern: PageLink,
    letters: Vec<LetterCell>,
    articles: Vec<bool>,
}

#[derive(Serialize)]
struct Matrix {
    letters: Vec<PageLink>,
    articles: Vec<PageLink>,
    rows: Vec<MatrixRow>,
}

/// The template a page uses: front matter `layout`, else the home or section template,
/// else `<section>.html` if the theme has it, else `page.html`.
pub fn template_for(site: &Site, i: usize, theme: &Theme) -> String {
    let p = &site.pages[i];
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

fn link(site: &Site, i: usize) -> PageLink {
    let p = &site.pages[i];
    PageLink {
        title: p.meta.title.clone(),
        url: site.config.prefixed(&p.url),
        summary: p.summary().map(str::to_owned),
        date: p.meta.date.clone(),
        rel: p.rel.clone(),
        short: p.short_title().to_string(),
    }
}

/// The matrix: concerns × letters (citation counts) and concerns × articles (links).
fn matrix(site: &Site) -> Matrix {
    let concerns = site.sections.get("concerns").cloned().unwrap_or_default();
    let letters = site.sources();
    let article_pages = site.sections.get("articles").cloned().unwrap_or_default();
    let linked: Vec<usize> = article_pages
        .iter()
        .copied()
        .filter(|a| concerns.iter().any(|c| site.links_to[*c].contains(a)))
        .collect();
    let rows = concerns
        .iter()
        .map(|&c| MatrixRow {
            concern: link(site, c),
            letters: letters
                .iter()
                .map(|&s| {
                    let refs: Vec<_> = site.references[c]
                        .iter()
                        .filter(|r| r.source == s)
                        .collect();
                    LetterCell {
                        count: refs.iter().map(|r| r.uses.len()).sum(),
                        paragraphs: refs
                            .iter()
                            .filter_map(|r| r.paragraph)
                            .collect::<std::collections::BTreeSet<_>>()
                            .into_iter()
                            .map(|n| ParagraphLink {
                                number: n,
                                url: format!("{}#p{n}", site.config.prefixed(&site.pages[s].url)),
                            })
                            .collect(),
                    }
                })
                .collect(),
            articles: linked
                .iter()
                .map(|a| site.links_to[c].contains(a))
                .collect(),
        })
        .collect();
    Matrix {
        letters: letters.iter().map(|&s| link(site, s)).collect(),
        articles: linked.iter().map(|&a| link(site, a)).collect(),
        rows,
    }
}

/// Citers of one source paragraph, grouped by page: one link per page, to its first citation.
fn citers(site: &Site, list: &[crate::resolve::Citer]) -> Vec<CiterCtx> {
    let mut by_page: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for c in list {
        by_page.entry(c.page).or_default().push(&c.anchor);
    }
    let mut out: Vec<CiterCtx> = by_page
        .into_iter()
        .map(|(page, anchors)| {
            let base = site.config.prefixed(&site.pages[page].url);
            CiterCtx {
                title: site.pages[page].meta.title.clone(),
                url: format!("{base}#{}", anchors[0]),
                more: anchors[1..].iter().map(|a| format!("{base}#{a}")).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.title.cmp(&b.title));
    out
}

/// Fills a page body's holes: citation links and "Cited by" lists.
fn fill_body(site: &Site, i: usize) -> String {
    let page = &site.pages[i];
    let mut html = String::with_capacity(page.text.len() * 2);
    for part in &page.body.parts {
        match part {
            Part::Html(h) => html.push_str(h),
            Part::Citation(b) => {
                html.push_str("<sup class=\"cites\">");
                let items = site.citations[i]
                    .get(*b)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                for (k, c) in items.iter().flatten().enumerate() {
                    if k > 0 {
                        html.push_str("<span class=\"cite-sep\">, </span>");
                    }
                    let r = &site.references[i][c.reference];
                    let source = &site.pages[c.source];
                    let where_ = c
                        .paragraph
                        .map(|n| format!(", paragraph {n}"))
                        .unwrap_or_default();
                    let _ = write!(
                        html,
                        "<a class=\"cite\" id=\"{}\" href=\"#ref-{}\" data-source=\"{}\"{} aria-label=\"Reference {}: {}{}\">{}</a>",
                        c.anchor,
                        r.number,
                        escape(&source.slug),
                        c.paragraph
                            .map(|n| format!(" data-para=\"{n}\""))
                            .unwrap_or_default(),
                        r.number,
                        escape(source.short_title()),
                        where_,
                        r.number
                    );
                }
                html.push_str("</sup>");
            }
            Part::CitedBy(n) => {
                if let Some(list) = site.cited_by[i].get(n) {
                    let _ = write!(
                        html,
                        "<aside class=\"cited-by\" data-pagefind-ignore aria-label=\"Pages that cite paragraph {n}\"><span class=\"cited-by-label\">Cited by</span> "
                    );
                    for (k, c) in citers(site, list).iter().enumerate() {
                        if k > 0 {
                            html.push_str(", ");
                        }
                        let _ = write!(
                            html,
                            "<a href=\"{}\">{}</a>",
                            escape(&c.url),
                            escape(&c.title)
                        );
                        for (m, extra) in c.more.iter().enumerate() {
                            let _ = write!(
                                html,
                                " <a class=\"cited-again\" href=\"{}\" aria-label=\"{}, citation {}\">{}</a>",
                                escape(extra),
                                escape(&c.title),
                                m + 2,
                                m + 2
                            );
                        }
                    }
                    html.push_str("</aside>");
                }
            }
        }
    }
    html
}

fn page_context<'a>(site: &'a Site, i: usize) -> PageCtx<'a> {
    let p = &site.pages[i];
    let cfg = &site.config;
    let references = site.references[i]
        .iter()
        .map(|r| {
            let s = &site.pages[r.source];
            let base = cfg.prefixed(&s.url);
            ReferenceCtx {
                number: r.number,
                source_id: s.slug.clone(),
                source_title: s.meta.title.clone(),
                source_short_title: s.short_title().to_string(),
                paragraph: r.paragraph,
                url: r.paragraph.map(|n| format!("{base}#p{n}")).unwrap_or(base),
                quotes: r.quotes.clone(),
                passage: r
                    .paragraph
                    .and_then(|n| s.body.paragraphs.get(n - 1))
                    .map(|para| para.text.clone()),
                uses: r.uses.clone(),
            }
        })
        .collect();
    let section_list = site.sections.get(&p.section);
    let pos = section_list.and_then(|l| l.iter().position(|&x| x == i));
    let neighbour = |d: isize| -> Option<PageLink> {
        let (l, k) = (section_list?, pos? as isize + d);
        (k >= 0)
            .then(|| l.get(k as usize))
            .flatten()
            .map(|&x| link(site, x))
    };
    let mut breadcrumbs = vec![];
    if let Some(home) = site.section_index("")
        && home != i
    {
        breadcrumbs.push(link(site, home));
    }
    if !p.is_index
        && !p.section.is_empty()
        && let Some(s) = site.section_index(&p.section)
    {
        breadcrumbs.push(link(site, s));
    }
    let paragraphs = if p.is_source() {
        p.body
            .paragraphs
            .iter()
            .map(|para| ParagraphCtx {
                number: para.number,
                text: para.text.clone(),
                cited_by: site.cited_by[i]
                    .get(&para.number)
                    .map(|l| citers(site, l))
                    .unwrap_or_default(),
            })
            .collect()
    } else {
        vec![]
    };
    PageCtx {
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
        updated: p.meta.updated.as_deref(),
        content: fill_body(site, i),
        toc: p
            .body
            .headings
            .iter()
            .filter(|h| (2..=3).contains(&h.level))
            .collect(),
        references,
        backlinks: site.backlinks[i].iter().map(|&b| link(site, b)).collect(),
        pages: if p.is_index {
            site.sections
                .get(&p.section)
                .map(|l| l.iter().map(|&x| link(site, x)).collect())
                .unwrap_or_default()
        } else {
            vec![]
        },
        breadcrumbs,
        previous: neighbour(-1),
        next: neighbour(1),
        meta: &p.meta,
        paragraphs,
        cited_whole: site.cited_by[i]
            .get(&0)
            .map(|l| citers(site, l))
            .unwrap_or_default(),
    }
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

/// A minijinja environment with the theme's templates, helpers and site-wide values.
pub fn environment<'s>(
    site: &Site,
    theme: &'s Theme,
    assets: &BTreeMap<String, String>,
) -> Result<Environment<'s>, Vec<Diagnostic>> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_formatter(html_formatter);
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
    let cfg = &site.config;
    let nav: Vec<PageLink> = ["concerns", "articles", "sources", "context"]
        .iter()
        .filter_map(|s| site.section_index(s))
        .map(|i| link(site, i))
        .collect();
    let sections: BTreeMap<&str, Vec<PageLink>> = site
        .sections
        .iter()
        .map(|(k, v)| (k.as_str(), v.iter().map(|&i| link(site, i)).collect()))
        .collect();
    let all: BTreeMap<&str, Value> = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let l = link(site, i);
            let headings: Vec<Value> = p
                .body
                .headings
                .iter()
                .map(|h| {
                    context! { level => h.level, text => h.text.clone(), id => h.id.clone(), url => format!("{}#{}", l.url, h.id) }
                })
                .collect();
            (p.rel.as_str(), context! { ..Value::from(Serde(&l)), ..context! { headings => headings } })
        })
        .collect();
    env.add_global(
        "site",
        context! {
            title => cfg.title.clone(),
            description => cfg.description.clone(),
            base_url => cfg.base_url.clone(),
            base_path => cfg.base_path(),
            language => cfg.language.clone(),
            search => cfg.search,
            nav => Value::from(Serde(&nav)),
            home => cfg.base_path(),
            matrix => Value::from(Serde(matrix(site))),
            // A map, so that `rel in site.files` is a lookup, not a scan of every page.
            files => Value::from(Serde(site.pages.iter().map(|p| (p.rel.as_str(), true)).collect::<BTreeMap<_, _>>())),
        },
    );
    env.add_global("sections", Value::from(Serde(&sections)));
    env.add_filter("date_format", date_format);
    env.add_global("assets", Value::from(Serde(assets)));
    let pages = Value::from(all);
    env.add_function(
        "get_page",
        move |rel: &str| -> Result<Value, minijinja::Error> {
            let v = pages
                .get_item(&Value::from(rel))
                .unwrap_or(Value::UNDEFINED);
            if v.is_undefined() {
                Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("get_page: no content file `{rel}`"),
                ))
            } else {
                Ok(v)
            }
        },
    );
    if errors.is_empty() {
        Ok(env)
    } else {
        Err(errors)
    }
}

/// `{{ date|date_format }}` → `29 October 2024`; `date_format("us")` → `October 29, 2024`.
fn date_format(value: &str, style: Option<&str>) -> Result<String, minijinja::Error> {
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

/// Renders every page, and `404.html`, in parallel.
pub fn render_pages(
    site: &Site,
    theme: &Theme,
    env: &Environment<'_>,
) -> Result<Vec<Output>, Vec<Diagnostic>> {
    let results: Vec<Result<Output, Diagnostic>> = (0..site.pages.len())
        .into_par_iter()
        .map(|i| {
            let name = template_for(site, i, theme);
            let tmpl = env.get_template(&name).map_err(|e| {
                let p = &site.pages[i];
                if p.meta.layout.is_some() {
                    Diagnostic::error(&p.file, crate::frontmatter::key_position(&p.text, "layout"), format!("the layout `{name}` does not exist"))
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
            let html = tmpl
                .render(context! { page => Value::from(Serde(page_context(site, i))) })
                .map_err(|e| {
                    while_rendering(
                        template_error(theme, &e),
                        &site.pages[i].file.display().to_string(),
                    )
                })?;
            if html.trim().is_empty() {
                let p = &site.pages[i];
                return Err(Diagnostic::error(
                    &p.file,
                    crate::frontmatter::key_position(&p.text, "layout"),
                    format!("the layout `{name}` rendered nothing for this page"),
                )
                .with_help(format!("a page's layout must make a whole page: use one that extends base.html, such as `page`, or fill in layouts/{name}"))
                .with_source(&p.text));
            }
            let url = &site.pages[i].url;
            Ok(Output {
                path: format!("{}index.html", url.trim_start_matches('/')),
                bytes: html.into_bytes(),
            })
        })
        .collect();
    let mut outputs = vec![];
    let mut errors = vec![];
    for r in results {
        match r {
            Ok(o) => outputs.push(o),
            Err(e) => errors.push(e),
        }
    }
    if theme.has_template("404.html") {
        let cfg = &site.config;
        let page = context! {
            title => "Page not found",
            description => cfg.description.clone(),
            url => format!("{}404.html", cfg.base_path()),
            permalink => cfg.absolute_url("/404.html"),
            is_home => false,
            content => "",
        };
        match env
            .get_template("404.html")
            .and_then(|t| t.render(context! { page }))
        {
            Ok(html) => outputs.push(Output {
                path: "404.html".into(),
                bytes: html.into_bytes(),
            }),
            Err(e) => errors.push(while_rendering(template_error(theme, &e), "404.html")),
        }
    }
    if errors.is_empty() {
        Ok(outputs)
    } else {
        Err(errors)
    }
}

/// Says which page was being rendered when a template failed.
fn while_rendering(mut d: Diagnostic, what: &str) -> Diagnostic {
    d.message = format!("{} (while rendering {what})", d.message);
    d
}
