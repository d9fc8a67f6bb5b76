//! The citation graph: which page links to which, and which page cites which work, where.
//!
//! Nodes are the pages, the full-text sources and their paragraphs, and the bibliography's
//! entries; edges are links (page → page) and citations (page → a [`Target`]: a work and
//! a [`Pinpoint`] in it). Everything the site shows about relations is derived here and
//! nowhere else: each page's numbered References, the "Cited by" list of every source
//! paragraph and bibliography entry, backlinks, the topic × source and topic × subject
//! [`Matrix`], and the audit export `citations.json`.

use crate::config::Role;
use crate::ids::{EntryId, PageId, ParaNo};
use crate::page::{Page, PageRef};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};

/// Which work a citation points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Work {
    /// A full-text source page, whose paragraphs can be cited and quoted.
    Source(PageId),
    /// A bibliography entry.
    Entry(EntryId),
}

/// Where in a full-text source a citation points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceAt {
    /// The whole source.
    Whole,
    /// One of its numbered paragraphs.
    Paragraph(ParaNo),
}

/// What one reference in a page's References list stands for: a place in a full-text
/// source, or a bibliography entry with an optional locator. Nothing else can be built:
/// an entry has no paragraphs, and a source takes no locator.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A source page, whole or at a paragraph.
    Source(PageId, SourceAt),
    /// A bibliography entry, at a place as the editor wrote it (`art. 7(2)`).
    Entry(EntryId, Option<String>),
}

impl Target {
    /// The work, without the place in it.
    pub fn work(&self) -> Work {
        match self {
            Target::Source(s, _) => Work::Source(*s),
            Target::Entry(e, _) => Work::Entry(*e),
        }
    }

    /// The paragraph number, for a paragraph of a source.
    pub fn paragraph(&self) -> Option<ParaNo> {
        match self {
            Target::Source(_, SourceAt::Paragraph(n)) => Some(*n),
            _ => None,
        }
    }

    /// The locator, for a place in a bibliography entry.
    pub fn locator(&self) -> Option<&str> {
        match self {
            Target::Entry(_, Some(l)) => Some(l),
            _ => None,
        }
    }
}

/// One page's citation brackets after resolution: per bracket, per item, the resolved
/// item or `None` where it did not resolve.
pub type PageBrackets = Vec<Vec<Option<ResolvedItem>>>;

/// One citation item after resolution, before it is numbered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedItem {
    /// What it cites.
    pub target: Target,
    /// The quoted words, as written, if any.
    pub quote: Option<String>,
}

/// A citation edge: a mark in a page that points to a target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Citation {
    /// The citing page.
    pub page: PageId,
    /// The mark's `id` in the citing page (`cite-3`).
    pub anchor: String,
    /// What it cites.
    pub target: Target,
    /// The quoted words, as written, if any.
    pub quote: Option<String>,
    /// Its reference: an index into the citing page's References list.
    pub reference: usize,
}

/// One entry of a page's References list: one target, however often it is cited.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    /// 1-based, in order of first citation.
    pub number: usize,
    /// What it stands for.
    pub target: Target,
    /// The distinct quotes cited from it, as written.
    pub quotes: Vec<String>,
    /// The anchors of the citation marks that point here, in order.
    pub uses: Vec<String>,
}

/// The relations of the whole site.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Every citation, by page, then in the order written.
    pub citations: Vec<Citation>,
    /// For each page, each citation bracket: the citations it shows (indexes into
    /// `citations`; an item that did not resolve, or repeats the bracket's target, has none).
    pub brackets: Vec<Vec<Vec<usize>>>,
    /// Each page's References list.
    pub references: Vec<Vec<Reference>>,
    /// For each page that is a source: the place cited (the whole, or a paragraph) → its
    /// citations.
    pub cited_by: Vec<BTreeMap<SourceAt, Vec<usize>>>,
    /// For each bibliography entry: its citations.
    pub entry_cited_by: Vec<Vec<usize>>,
    /// For each page: the pages it links to (not counting citations).
    pub links_to: Vec<BTreeSet<PageId>>,
    /// For each page: the pages that link to it or cite it, by title.
    pub backlinks: Vec<Vec<PageId>>,
}

impl Graph {
    /// Derives every relation from the links (from, to) and each page's resolved citation
    /// brackets (per page, per bracket, per item; `None` where an item did not resolve).
    /// Each page's References and marks are worked out on their own, in parallel, then
    /// put one after the other.
    pub fn build(
        pages: &[PageRef],
        entries: usize,
        links: &[(PageId, PageId)],
        brackets: &[&PageBrackets],
    ) -> Graph {
        let mut g = Graph {
            cited_by: vec![BTreeMap::new(); pages.len()],
            entry_cited_by: vec![vec![]; entries],
            links_to: vec![BTreeSet::new(); pages.len()],
            ..Graph::default()
        };
        for &(from, to) in links {
            if from != to {
                g.links_to[from.index()].insert(to);
            }
        }
        let each: Vec<PageGraph> = brackets
            .par_iter()
            .enumerate()
            .map(|(page, b)| PageGraph::of(PageId::new(page), b))
            .collect();
        g.brackets.reserve(each.len());
        g.references.reserve(each.len());
        for page in each {
            let offset = g.citations.len();
            let shifted = page.brackets.into_iter();
            g.brackets.push(
                shifted
                    .map(|b| b.into_iter().map(|k| k + offset).collect())
                    .collect(),
            );
            g.citations.extend(page.citations);
            g.references.push(page.references);
        }
        for (k, c) in g.citations.iter().enumerate() {
            match c.target {
                Target::Source(s, at) => g.cited_by[s.index()].entry(at).or_default().push(k),
                Target::Entry(e, _) => g.entry_cited_by[e.index()].push(k),
            }
        }
        g.backlinks = g.derive_backlinks(pages);
        g
    }

    /// Backlinks: the pages that link to a page, and the pages that cite a source.
    fn derive_backlinks(&self, pages: &[PageRef]) -> Vec<Vec<PageId>> {
        let mut back: Vec<BTreeSet<PageId>> = vec![BTreeSet::new(); pages.len()];
        for (from, targets) in self.links_to.iter().enumerate() {
            for &t in targets {
                back[t.index()].insert(PageId::new(from));
            }
        }
        for c in &self.citations {
            if let Target::Source(s, _) = c.target
                && s != c.page
            {
                back[s.index()].insert(c.page);
            }
        }
        back.into_par_iter()
            .map(|set| {
                let mut v: Vec<PageId> = set.into_iter().collect();
                v.sort_by(|&a, &b| {
                    pages[a.index()]
                        .meta
                        .title
                        .cmp(&pages[b.index()].meta.title)
                        .then(a.cmp(&b))
                });
                v
            })
            .collect()
    }

    /// The citations of a place in a source: the whole, or a paragraph.
    pub fn citations_of(&self, source: PageId, at: SourceAt) -> &[usize] {
        self.cited_by
            .get(source.index())
            .and_then(|m| m.get(&at))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The topic × source and topic × subject matrix. `sections` lists each section's
    /// pages in order; `order` names the sections with their roles, in navigation order.
    pub fn matrix(
        &self,
        pages: &[PageRef],
        sections: &BTreeMap<String, Vec<PageId>>,
        order: &crate::config::Sections,
    ) -> Matrix {
        let with_role = |role: Role| -> Vec<PageId> {
            order
                .with_role(role)
                .filter_map(|s| sections.get(s))
                .flatten()
                .copied()
                .filter(|&p| pages[p.index()].plays(role))
                .collect()
        };
        let topics = with_role(Role::Topic);
        let sources = with_role(Role::Source);
        let subjects: Vec<PageId> = with_role(Role::Subject)
            .into_iter()
            .filter(|s| topics.iter().any(|t| self.links_to[t.index()].contains(s)))
            .collect();
        let by_source = topics
            .iter()
            .map(|&t| {
                sources
                    .iter()
                    .map(|&s| self.source_cell(pages, t, s))
                    .collect()
            })
            .collect();
        let by_subject = topics
            .iter()
            .map(|&t| {
                subjects
                    .iter()
                    .map(|s| self.links_to[t.index()].contains(s))
                    .collect()
            })
            .collect();
        Matrix {
            topics,
            sources,
            subjects,
            by_source,
            by_subject,
        }
    }
}

impl Graph {
    /// How topic page `t` cites source `s`: every citation mark, and the paragraphs that
    /// show the source raising the topic. A source that names its own section
    /// (`own_section`, such as "What the senators say") raises a topic by the paragraphs
    /// cited under that heading of the topic's page (to the next heading of its level or
    /// higher), and not at all when the page has no such heading; a source that names
    /// none, by every paragraph the page cites.
    fn source_cell(&self, pages: &[PageRef], t: PageId, s: PageId) -> SourceCell {
        let page = &pages[t.index()];
        let own = pages[s.index()].meta.own_section.as_deref().map(|name| {
            let headings = &page.body.headings;
            let at = headings
                .iter()
                .position(|h| h.text.trim().eq_ignore_ascii_case(name.trim()));
            at.map(|i| {
                let level = headings[i].level;
                let end = headings[i + 1..]
                    .iter()
                    .find(|h| h.level <= level)
                    .map_or(usize::MAX, |h| h.line);
                headings[i].line..end
            })
        });
        let mut cell = SourceCell::default();
        let brackets = self.brackets.get(t.index()).map(Vec::as_slice);
        for (b, shown) in brackets.unwrap_or_default().iter().enumerate() {
            let line = page.body.citations.get(b).and_then(|items| items.first());
            let line = line.map_or(0, |u| u.position.line);
            for c in shown.iter().map(|&c| &self.citations[c]) {
                if c.target.work() != Work::Source(s) {
                    continue;
                }
                cell.citations += 1;
                let raises = match &own {
                    None => true,
                    Some(section) => section.as_ref().is_some_and(|r| r.contains(&line)),
                };
                if raises {
                    cell.raises = true;
                    cell.paragraphs.extend(c.target.paragraph());
                }
            }
        }
        cell
    }
}

/// One page's part of the graph, worked out from its brackets alone: its References,
/// numbered by first use (one per target), its citation marks with their anchors, and
/// each bracket's marks (indexes into `citations`, counted from the page's first).
struct PageGraph {
    references: Vec<Reference>,
    citations: Vec<Citation>,
    brackets: Vec<Vec<usize>>,
}

impl PageGraph {
    fn of(page: PageId, brackets: &PageBrackets) -> PageGraph {
        let mut out = PageGraph {
            references: vec![],
            citations: vec![],
            brackets: Vec::with_capacity(brackets.len()),
        };
        let refs = &mut out.references;
        let mut ref_of: HashMap<&Target, usize> = HashMap::default();
        for bracket in brackets {
            let mut shown: Vec<usize> = vec![];
            for item in bracket.iter().flatten() {
                let r = *ref_of.entry(&item.target).or_insert_with(|| {
                    refs.push(Reference {
                        number: refs.len() + 1,
                        target: item.target.clone(),
                        quotes: vec![],
                        uses: vec![],
                    });
                    refs.len() - 1
                });
                if let Some(q) = &item.quote
                    && !refs[r].quotes.contains(q)
                {
                    refs[r].quotes.push(q.clone());
                }
                // One bracket citing the same target twice shows it once.
                if shown.iter().any(|&k| out.citations[k].reference == r) {
                    continue;
                }
                let anchor = format!("cite-{}", out.citations.len() + 1);
                refs[r].uses.push(anchor.clone());
                shown.push(out.citations.len());
                out.citations.push(Citation {
                    page,
                    anchor,
                    target: item.target.clone(),
                    quote: item.quote.clone(),
                    reference: r,
                });
            }
            out.brackets.push(shown);
        }
        out
    }
}

/// How one topic page cites one source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceCell {
    /// How many citation marks point into the source.
    pub citations: usize,
    /// Whether the topic's page shows the source raising the topic (see
    /// [`Graph::matrix`]: by its own section, when the source names one).
    pub raises: bool,
    /// The paragraphs cited as raising it.
    pub paragraphs: BTreeSet<ParaNo>,
}

/// Topics × sources (how each topic cites each source) and topics × subjects (which
/// subject pages each topic links to), all as page indexes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matrix {
    /// The topic pages (rows), in navigation order.
    pub topics: Vec<PageId>,
    /// The source pages (columns of the first table).
    pub sources: Vec<PageId>,
    /// The subject pages some topic links to (columns of the second table).
    pub subjects: Vec<PageId>,
    /// `by_source[topic][source]`.
    pub by_source: Vec<Vec<SourceCell>>,
    /// `by_subject[topic][subject]`: whether the topic links to the subject.
    pub by_subject: Vec<Vec<bool>>,
}

/// The audit export, `citations.json`: every full-text source with its paragraphs, every
/// bibliography entry, and every citation with the page, the work, the paragraph or
/// locator and the quote. Sorted (maps by id, citations by page URL then position), so two
/// builds of the same site write the same bytes.
#[derive(serde::Serialize)]
pub struct Export<'a> {
    sources: BTreeMap<&'a str, ExportSource<'a>>,
    references: BTreeMap<&'a str, &'a crate::bibliography::Entry>,
    citations: Vec<ExportCitation<'a>>,
}

#[derive(serde::Serialize)]
struct ExportSource<'a> {
    title: &'a str,
    url: String,
    original_url: Option<&'a str>,
    paragraphs: Vec<&'a str>,
}

#[derive(serde::Serialize)]
struct ExportCitation<'a> {
    page: String,
    source: &'a str,
    paragraph: Option<ParaNo>,
    locator: Option<&'a str>,
    quote: Option<&'a str>,
}

impl Graph {
    /// The audit export of this graph (see [`Export`]); `url` makes a page's public URL.
    pub fn export<'a>(
        &'a self,
        pages: &'a [PageRef],
        bibliography: &'a crate::bibliography::Bibliography,
        url: impl Fn(&Page) -> String,
    ) -> Export<'a> {
        let sources = pages
            .iter()
            .filter(|p| p.is_source())
            .map(|p| {
                let source = ExportSource {
                    title: &p.meta.title,
                    url: url(p),
                    original_url: p.meta.original_url.as_deref(),
                    paragraphs: p.body.paragraphs.iter().map(|x| x.text.as_str()).collect(),
                };
                (p.slug.as_str(), source)
            })
            .collect();
        let references = bibliography
            .entries
            .iter()
            .map(|e| (e.id.as_str(), e))
            .collect();
        let mut citations: Vec<(String, usize, ExportCitation)> = self
            .citations
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let source = match c.target {
                    Target::Source(s, _) => pages[s.index()].slug.as_str(),
                    Target::Entry(e, _) => bibliography.entries[e.index()].id.as_str(),
                };
                let page = url(&pages[c.page.index()]);
                let item = ExportCitation {
                    page: page.clone(),
                    source,
                    paragraph: c.target.paragraph(),
                    locator: c.target.locator(),
                    quote: c.quote.as_deref(),
                };
                (page, k, item)
            })
            .collect();
        citations.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        Export {
            sources,
            references,
            citations: citations.into_iter().map(|(_, _, c)| c).collect(),
        }
    }
}
