//! The pages made from the whole site rather than from one content file: `/updates/`,
//! every change note of every page, newest first, and `/print/`, the print edition: the
//! explainer in reading order with one numbered References list. Each is rendered beside
//! the pages ([`render::Extra`]) and reaches the site only through [`Tracked`], so a
//! rebuild re-renders it exactly when something it read changed: the updates page reads
//! each page's change notes ([`Tracked::changes`]), the print edition each page whole.

use crate::config::Role;
use crate::feeds;
use crate::graph::Target;
use crate::ids::PageId;
use crate::output::Output;
use crate::render::{self, Extra, Failure, ReferenceCtx};
use crate::reuse::Tracked;
use crate::theme::Theme;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One page made from the whole site.
pub struct Made {
    /// Its name in the render memo.
    pub key: &'static str,
    /// The theme's template for it; without one, the page is not made.
    pub template: &'static str,
    /// Its site path.
    pub url: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What it is, for errors (`the generated updates page`).
    pub what: &'static str,
}

/// The updates page.
pub const UPDATES: Made = Made {
    key: "#updates",
    template: "updates.html",
    url: feeds::UPDATES_PAGE,
    title: "Updates",
    what: "the generated updates page",
};

/// The print edition.
pub const PRINT: Made = Made {
    key: "#print",
    template: "print.html",
    url: "/print/",
    title: "The whole explainer, for printing",
    what: "the generated print edition",
};

/// The pages this theme makes from the whole site, with their output paths.
pub fn made(theme: &Theme) -> Vec<(&'static Made, String)> {
    [&UPDATES, &PRINT]
        .into_iter()
        .filter(|m| theme.has_template(m.template))
        .map(|m| (m, render::output_path(m.url)))
        .collect()
}

/// The extras for the render stage: one for each page of [`made`].
pub fn extras<'a>(theme: &'a Theme, env: &'a Environment<'a>) -> Vec<Extra<'a>> {
    made(theme)
        .into_iter()
        .map(|(m, path)| Extra {
            key: m.key,
            render: Box::new(move |t: &Tracked| {
                let page = match m.key {
                    "#updates" => updates_context(t, m).map_err(Failure::from),
                    _ => print_context(t, m, env, theme),
                };
                let html = page.and_then(|page| {
                    let template = env.get_template(m.template)?;
                    Ok(template.render(context! { page => page })?)
                });
                html.map(|h| Output {
                    path: path.clone(),
                    bytes: h.into_bytes(),
                })
                .map_err(|e| e.into_diagnostic(theme, m.what))
            }),
        })
        .collect()
}

/// What every page context has for base.html.
fn base_context(t: &Tracked, m: &Made, content: String) -> Value {
    let cfg = t.config();
    context! {
        title => m.title,
        url => cfg.prefixed(m.url),
        permalink => cfg.absolute_url(m.url),
        description => cfg.description.clone(),
        is_home => false,
        is_generated => true,
        content => content,
        breadcrumbs => Vec::<()>::new(),
    }
}

/// One change note on the updates page.
#[derive(Serialize)]
struct NoteCtx<'a> {
    date: &'a str,
    note: &'a str,
    page_title: String,
    page_url: String,
}

/// The updates page's context: `page.notes`, every change note, newest first.
fn updates_context(t: &Tracked, m: &Made) -> Result<Value, minijinja::Error> {
    let pages: Vec<_> = (0..t.page_count())
        .map(|i| (i, t.changes(PageId::new(i))))
        .collect();
    let notes: Vec<NoteCtx> =
        feeds::notes(pages.iter().map(|(i, (c, l))| (*i, l.url.as_str(), *c)))
            .into_iter()
            .map(|n| {
                let link = &pages[n.page].1.1;
                NoteCtx {
                    date: n.change.date(),
                    note: n.change.note(),
                    page_title: link.title.clone(),
                    page_url: link.url.clone(),
                }
            })
            .collect();
    Ok(context! {
        ..base_context(t, m, String::new()),
        ..context! { notes => Value::from(Serde(notes)) }
    })
}

/// One page of the print edition.
#[derive(Serialize)]
struct PrintPageCtx<'a> {
    /// Its id on the print page (`s3`); each id of its content is prefixed with it.
    id: String,
    title: &'a str,
    permalink: String,
    updated: Option<&'a str>,
    content: String,
}

/// The pages of the print edition, in reading order: the home page, then each section
/// the navigation lists that is not the sources' (the sources are what the References
/// cite), its index page first, then its pages in order.
fn reading_order(t: &Tracked) -> Vec<PageId> {
    let cfg = t.config();
    let mut order: Vec<PageId> = t.section_index("").into_iter().collect();
    for name in cfg.sections.names() {
        if cfg.sections.role_of(name) == Some(Role::Source) {
            continue;
        }
        order.extend(t.section_index(name));
        order.extend(t.section(name).iter().copied());
    }
    let mut seen = HashSet::new();
    order.retain(|i| seen.insert(*i));
    order
}

/// The References of the print edition: each target cited on any page once, numbered in
/// the order of first citation, with the quotes and uses of every page that cites it.
#[derive(Default)]
struct Merged<'s> {
    list: Vec<ReferenceCtx<'s>>,
    quotes: Vec<Vec<String>>,
    uses: Vec<Vec<String>>,
    by_target: HashMap<Target, usize>,
}

impl<'s> Merged<'s> {
    /// Takes in page `i`'s references; gives the number each has in the merged list.
    fn add(&mut self, t: &Tracked<'s>, i: PageId, prefix: &str) -> Vec<usize> {
        let targets = t.references(i).iter().map(|r| r.target.clone());
        let mut numbers = vec![];
        for (r, target) in render::references(t, i).into_iter().zip(targets) {
            let k = *self.by_target.entry(target).or_insert_with(|| {
                self.list.push(r.clone());
                self.quotes.push(vec![]);
                self.uses.push(vec![]);
                self.list.len() - 1
            });
            for q in r.quotes {
                if !self.quotes[k].contains(q) {
                    self.quotes[k].push(q.clone());
                }
            }
            self.uses[k].extend(r.uses.iter().map(|u| format!("{prefix}-{u}")));
            numbers.push(k + 1);
        }
        numbers
    }

    /// The merged list as templates see it: each reference with its number in the list.
    fn into_value(self) -> Value {
        let list: Vec<Value> = self
            .list
            .into_iter()
            .zip(self.quotes.into_iter().zip(self.uses))
            .enumerate()
            .map(|(k, (mut r, (quotes, uses)))| {
                r.number = k + 1;
                context! { ..context! { quotes => quotes, uses => uses }, ..Value::from(Serde(&r)) }
            })
            .collect();
        Value::from(list)
    }
}

/// The print edition's context: `page.parts`, each page in reading order with its ids
/// prefixed so that they stay unique, and `page.references`, the one References list.
fn print_context(
    t: &Tracked,
    m: &Made,
    env: &Environment<'_>,
    theme: &Theme,
) -> Result<Value, Failure> {
    let cfg = t.config();
    let order = reading_order(t);
    let mut merged = Merged::default();
    let mut bodies = vec![];
    for (n, &i) in order.iter().enumerate() {
        let prefix = format!("s{}", n + 1);
        let numbers = merged.add(t, i, &prefix);
        bodies.push((
            i,
            prefix,
            render::fill_body_numbered(t, i, env, theme, numbers)?,
        ));
    }
    // Links to a gathered page (and to a heading on it) go to its part of this page.
    let targets: HashMap<String, (String, HashSet<String>)> = bodies
        .iter()
        .map(|(i, prefix, html)| {
            let url = cfg.prefixed(&t.page(*i).url);
            (url, (prefix.clone(), ids_in(html)))
        })
        .collect();
    let parts: Vec<PrintPageCtx> = bodies
        .iter()
        .map(|(i, prefix, html)| {
            let p = t.page(*i);
            let own = &targets[&cfg.prefixed(&p.url)].1;
            PrintPageCtx {
                id: prefix.clone(),
                title: &p.meta.title,
                permalink: cfg.absolute_url(&p.url),
                updated: p.meta.last_updated().or(p.meta.date.as_deref()),
                content: prefix_ids(html, prefix, own, &targets, &p.meta.title),
            }
        })
        .collect();
    let content: String = parts.iter().map(|p| p.content.as_str()).collect();
    Ok(context! {
        ..base_context(t, m, content),
        ..context! {
            parts => Value::from(Serde(parts)),
            references => merged.into_value(),
        }
    })
}

/// The attributes whose value is an id of the same document.
const ID_REFS: [&str; 4] = [
    "aria-labelledby",
    "aria-describedby",
    "for",
    "aria-controls",
];

/// Every value of an `id="…"` attribute in `html` (HTML this build made, which quotes
/// every attribute with `"` and escapes `"` inside one).
fn ids_in(html: &str) -> HashSet<String> {
    attributes(html)
        .filter(|(name, _, _)| *name == "id")
        .map(|(_, _, value)| value.to_string())
        .collect()
}

/// Each attribute of `html`: its name, where its value starts, and its value.
fn attributes(html: &str) -> impl Iterator<Item = (&str, usize, &str)> {
    html.match_indices("=\"").filter_map(move |(eq, _)| {
        let before = &html[..eq];
        let name_start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))? + 1;
        if !before[..name_start].ends_with([' ', '\n', '\t']) {
            return None;
        }
        let start = eq + 2;
        let len = html[start..].find('"')?;
        Some((&html[name_start..eq], start, &html[start..start + len]))
    })
}

/// `html` with each id prefixed (`id="scope"` → `id="s3-scope"`), each link to one of
/// the page's own ids (`href="#scope"`) and each reference to one by id changed to
/// match, each link to a gathered page (`href="/concerns/a/#scope"`) led to that page's
/// part of the print edition (`href="#s5-scope"`), and each table's name given the
/// page's `title` (`Table 1, Article 7`).
fn prefix_ids(
    html: &str,
    prefix: &str,
    own: &HashSet<String>,
    pages: &HashMap<String, (String, HashSet<String>)>,
    title: &str,
) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut at = 0;
    for (name, start, value) in attributes(html) {
        let new = match name {
            "id" => Some(format!("{prefix}-{value}")),
            "href" => link_in_print(value, prefix, own, pages),
            // A table's name ("Table 1") is unique on its page; here it names the page too.
            "aria-label" if value.starts_with("Table ") => {
                Some(format!("{value}, {}", crate::html::escape(title)))
            }
            _ if ID_REFS.contains(&name) => Some(
                value
                    .split(' ')
                    .map(|id| match own.contains(id) {
                        true => format!("{prefix}-{id}"),
                        false => id.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        };
        if let Some(new) = new {
            out.push_str(&html[at..start]);
            out.push_str(&new);
            at = start + value.len();
        }
    }
    out.push_str(&html[at..]);
    out
}

/// Where a link of a gathered page goes in the print edition, if it changes.
fn link_in_print(
    href: &str,
    prefix: &str,
    own: &HashSet<String>,
    pages: &HashMap<String, (String, HashSet<String>)>,
) -> Option<String> {
    if let Some(id) = href.strip_prefix('#') {
        return own.contains(id).then(|| format!("#{prefix}-{id}"));
    }
    let (path, fragment) = href.split_once('#').unwrap_or((href, ""));
    let (other, ids) = pages.get(path)?;
    Some(match fragment.is_empty() || !ids.contains(fragment) {
        true => format!("#{other}"),
        false => format!("#{other}-{fragment}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_links_follow_them() {
        let own: HashSet<String> = ["scope", "cite-1"].map(String::from).into();
        let mut pages = HashMap::new();
        pages.insert("/a/".to_string(), ("s1".to_string(), own.clone()));
        pages.insert(
            "/b/".to_string(),
            ("s2".to_string(), ["why"].map(String::from).into()),
        );
        let html = "<h2 id=\"scope\"><a class=\"anchor\" href=\"#scope\">x</a></h2>\n<p>id=\"no\" <a href=\"/b/#why\">b</a> <a href=\"/b/#gone\">b</a> <a href=\"/c/\">c</a> <a id=\"cite-1\" href=\"#ref-3\">3</a> <a href=\"https://e.org/#x\">e</a> <label for=\"scope\">l</label></p>";
        assert_eq!(
            prefix_ids(html, "s1", &own, &pages, "A"),
            "<h2 id=\"s1-scope\"><a class=\"anchor\" href=\"#s1-scope\">x</a></h2>\n<p>id=\"no\" <a href=\"#s2-why\">b</a> <a href=\"#s2\">b</a> <a href=\"/c/\">c</a> <a id=\"s1-cite-1\" href=\"#ref-3\">3</a> <a href=\"https://e.org/#x\">e</a> <label for=\"s1-scope\">l</label></p>"
        );
        assert_eq!(ids_in(html), own);
        let table = "<section class=\"table-scroll\" tabindex=\"0\" aria-label=\"Table 1\">";
        assert_eq!(
            prefix_ids(table, "s2", &own, &pages, "B & C"),
            "<section class=\"table-scroll\" tabindex=\"0\" aria-label=\"Table 1, B &amp; C\">"
        );
    }
}
