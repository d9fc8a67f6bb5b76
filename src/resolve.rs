//! Resolve: turn the parsed pages into the immutable [`Site`] — every link checked
//! against a real file and heading, every citation matched to its source paragraph, and
//! the relations derived from them: references, "Cited by" lists, backlinks and the
//! concern × letter and concern × article matrix.
//!
//! Nothing here is declared by hand: all relations come from the text of the pages.

use crate::cite::{QuoteIndex, QuoteMatch};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::load::Asset;
use crate::page::Page;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// One resolved item of a citation bracket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedCitation {
    /// Index into the citing page's references.
    pub reference: usize,
    /// The cited source page.
    pub source: usize,
    /// The cited paragraph, or `None` for the whole source.
    pub paragraph: Option<usize>,
    /// The `id` of this citation's link in the citing page (`cite-3`).
    pub anchor: String,
}

/// One entry of a page's References list: one passage, however often it is cited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// 1-based, in order of first citation.
    pub number: usize,
    /// The source page.
    pub source: usize,
    /// The paragraph, or `None` for the whole source.
    pub paragraph: Option<usize>,
    /// The distinct quotes cited from this passage, as written.
    pub quotes: Vec<String>,
    /// The anchors of the citations that point here, in order.
    pub uses: Vec<String>,
}

/// A place that cites a source paragraph.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Citer {
    /// The citing page.
    pub page: usize,
    /// The citation's anchor in that page.
    pub anchor: String,
}

/// The whole site after resolution. Built once per build; never changed afterwards.
#[derive(Debug)]
pub struct Site {
    /// Site settings.
    pub config: Config,
    /// Every page, sorted by path.
    pub pages: Vec<Page>,
    /// Page index by path relative to `content/`.
    pub by_rel: HashMap<String, usize>,
    /// Each section's pages (not its index), ordered by weight, then title.
    pub sections: BTreeMap<String, Vec<usize>>,
    /// Each page's citations: per bracket, per item; `None` where it did not resolve.
    /// Items of one bracket that cite the same passage are merged into the first.
    pub citations: Vec<Vec<Vec<Option<ResolvedCitation>>>>,
    /// Each page's References list.
    pub references: Vec<Vec<Reference>>,
    /// For each source page: paragraph number (0 for the whole source) → who cites it.
    pub cited_by: Vec<BTreeMap<usize, Vec<Citer>>>,
    /// For each page: the pages that link to it or cite it, by title.
    pub backlinks: Vec<Vec<usize>>,
    /// For each page: the pages it links to (not counting citations).
    pub links_to: Vec<BTreeSet<usize>>,
    /// Files copied as they are.
    pub assets: Vec<Asset>,
}

impl Site {
    /// The index of the page at `rel`, if there is one.
    pub fn page(&self, rel: &str) -> Option<usize> {
        self.by_rel.get(rel).copied()
    }

    /// The section index page (`<section>/_index.md`) of a section.
    pub fn section_index(&self, section: &str) -> Option<usize> {
        if section.is_empty() {
            self.page("_index.md")
        } else {
            self.page(&format!("{section}/_index.md"))
        }
    }

    /// The source pages, in section order.
    pub fn sources(&self) -> Vec<usize> {
        self.sections
            .get(crate::page::SOURCES_SECTION)
            .cloned()
            .unwrap_or_default()
    }
}

/// Why a content file that exists is not among the pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absence {
    /// A draft, left out of this build.
    Draft,
    /// It failed to parse (its errors are reported).
    Broken,
}

/// What `resolve` produces: the site, plus the problems it found.
pub struct Resolved {
    /// The site (usable for rendering only if there are no errors).
    pub site: Site,
    /// Errors, warnings and information.
    pub diagnostics: Vec<Diagnostic>,
}

/// Builds the [`Site`] from parsed pages: checks links and citations, derives relations.
/// `absent` names the content files that exist but are not in `pages` (drafts left out,
/// files that failed to parse), so that links to them get the right message, or none.
pub fn resolve(
    config: Config,
    mut pages: Vec<Page>,
    assets: Vec<Asset>,
    absent: &HashMap<String, Absence>,
) -> Resolved {
    pages.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut diags = vec![];
    let by_rel: HashMap<String, usize> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.rel.clone(), i))
        .collect();

    // Two files, one URL (`a.md` and `a/_index.md`).
    let mut by_url: HashMap<&str, usize> = HashMap::new();
    for (i, p) in pages.iter().enumerate() {
        if let Some(&other) = by_url.get(p.url.as_str()) {
            diags.push(
                Diagnostic::error(
                    &p.file,
                    Some(crate::diagnostic::Position { line: 1, col: 1 }),
                    format!(
                        "this page has the same URL, {}, as {}",
                        p.url,
                        pages[other].file.display()
                    ),
                )
                .with_help("rename one of the two files")
                .with_source(&p.text),
            );
        } else {
            by_url.insert(&p.url, i);
        }
    }

    let sections = order_sections(&pages);
    let asset_set: HashSet<&str> = assets.iter().map(|a| a.rel.as_str()).collect();

    // Links.
    let mut links_to = vec![BTreeSet::new(); pages.len()];
    for (i, page) in pages.iter().enumerate() {
        let before = diags.len();
        for link in &page.body.links {
            // Past the per-file cap the diagnostic is dropped later: skip copying its line.
            let cheap = diags.len() - before >= crate::diagnostic::MAX_ERRORS_PER_FILE;
            let at = |msg: String| {
                let d = Diagnostic::error(&page.file, Some(link.position), msg);
                if cheap { d } else { d.with_source(&page.text) }
            };
            let Some(&target) = by_rel.get(&link.target) else {
                let d = match absent.get(&link.target) {
                    // Its own error is reported already; a second one here would only mislead.
                    Some(Absence::Broken) => continue,
                    Some(Absence::Draft) => at(format!("`{}` links to a draft, which this build leaves out", link.written))
                        .with_help("publish the target (remove `draft: true`), build with --drafts, or remove the link"),
                    None => {
                    at(format!(
                        "`{}` links to content/{}, which does not exist",
                        link.written, link.target
                    ))
                    .with_help(suggest_files(&link.target, &by_rel))
                    }
                };
                diags.push(d);
                continue;
            };
            if target != i {
                links_to[i].insert(target);
            }
            if let Some(frag) = &link.fragment
                && !frag.is_empty()
                && !has_anchor(&pages[target], frag)
            {
                let shown = anchor_list(&pages[target]);
                diags.push(
                    at(format!(
                        "`{}`: {} has no heading or anchor `#{frag}`",
                        link.written,
                        pages[target].file.display()
                    ))
                    .with_help(if shown.is_empty() {
                        "that page has no headings; link to the page without `#…`".to_string()
                    } else {
                        format!("link to one of its anchors: {}", shown.join(", "))
                    }),
                );
            }
        }
        for asset in &page.body.assets {
            if !asset_set.contains(asset.target.as_str()) {
                diags.push(
                    Diagnostic::error(
                        &page.file,
                        Some(asset.position),
                        format!(
                            "`{}` points to content/{}, which does not exist",
                            asset.written, asset.target
                        ),
                    )
                    .with_help(
                        "put the file in content/ and link to it by its path relative to this page",
                    )
                    .with_source(&page.text),
                );
            }
        }
    }

    // Citations.
    let source_ids: BTreeMap<&str, usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_source())
        .map(|(i, p)| (p.slug.as_str(), i))
        .collect();
    let indexes: HashMap<usize, QuoteIndex> = source_ids
        .values()
        .map(|&i| {
            let texts: Vec<&str> = pages[i]
                .body
                .paragraphs
                .iter()
                .map(|p| p.text.as_str())
                .collect();
            (i, QuoteIndex::new(&texts))
        })
        .collect();
    let cited: Vec<PageCitations> = pages
        .par_iter()
        .enumerate()
        .map(|(i, page)| page_citations(i, page, &source_ids, &indexes))
        .collect();
    let mut citations = Vec::with_capacity(pages.len());
    let mut references = Vec::with_capacity(pages.len());
    let mut cited_by: Vec<BTreeMap<usize, Vec<Citer>>> = vec![BTreeMap::new(); pages.len()];
    for c in cited {
        diags.extend(c.diagnostics);
        for (source, paragraph, citer) in c.citers {
            cited_by[source].entry(paragraph).or_default().push(citer);
        }
        citations.push(c.brackets);
        references.push(c.references);
    }

    // Backlinks: links and citations from other pages.
    let mut back: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); pages.len()];
    for (i, targets) in links_to.iter().enumerate() {
        for &t in targets {
            back[t].insert(i);
        }
    }
    for (i, refs) in references.iter().enumerate() {
        for r in refs {
            if r.source != i {
                back[r.source].insert(i);
            }
        }
    }
    let backlinks: Vec<Vec<usize>> = back
        .into_iter()
        .map(|set| {
            let mut v: Vec<usize> = set.into_iter().collect();
            v.sort_by(|&a, &b| {
                pages[a]
                    .meta
                    .title
                    .cmp(&pages[b].meta.title)
                    .then(a.cmp(&b))
            });
            v
        })
        .collect();

    // Warnings for `check --strict`, and information.
    for (i, page) in pages.iter().enumerate() {
        if !page.is_index && matches!(page.section.as_str(), "concerns" | "articles") {
            for pos in &page.body.bare_prose {
                diags.push(
                    Diagnostic::warning(&page.file, Some(*pos), "this paragraph has no citation and no link")
                        .with_help("cite the passage it rests on, [@source-id \"exact words\"], or link the page it draws on")
                        .with_source(&page.text),
                );
            }
        }
        if !page.is_index && backlinks[i].is_empty() {
            diags.push(
                Diagnostic::warning(&page.file, None, "no other page links to this page")
                    .with_help("link to it from a related page, so that readers can find it"),
            );
        }
        if page.is_source() {
            let uncited: Vec<String> = page
                .body
                .paragraphs
                .iter()
                .filter(|p| !cited_by[i].contains_key(&p.number))
                .map(|p| format!("¶{}", p.number))
                .collect();
            if !uncited.is_empty() {
                diags.push(Diagnostic::info(
                    &page.file,
                    None,
                    format!("paragraphs no page cites: {}", uncited.join(", ")),
                ));
            }
        }
    }

    Resolved {
        site: Site {
            config,
            by_rel,
            sections,
            citations,
            references,
            cited_by,
            backlinks,
            links_to,
            assets,
            pages,
        },
        diagnostics: diags,
    }
}

/// One page's citations, resolved.
struct PageCitations {
    brackets: Vec<Vec<Option<ResolvedCitation>>>,
    references: Vec<Reference>,
    /// (source page, paragraph or 0 for the whole source, who cites it).
    citers: Vec<(usize, usize, Citer)>,
    diagnostics: Vec<Diagnostic>,
}

/// Finds the source page and paragraph one citation item points to, or says why not
/// (message, help).
fn locate(
    item: &crate::cite::CitationItem,
    source_ids: &BTreeMap<&str, usize>,
    indexes: &HashMap<usize, QuoteIndex>,
) -> Result<(usize, Option<usize>), (String, String)> {
    let id = &item.source;
    let Some(&source) = source_ids.get(id.as_str()) else {
        let known: Vec<&str> = source_ids.keys().copied().collect();
        let help = if known.is_empty() {
            format!("there are no sources yet: add content/sources/{id}.md")
        } else {
            format!("known sources: {}", known.join(", "))
        };
        return Err((format!("unknown source `{id}`"), help));
    };
    let index = &indexes[&source];
    let count = index.len();
    let paragraph = match (item.paragraph, &item.quote) {
        (Some(n), _) if n > count => {
            return Err((
                format!("`{id}` has {count} paragraphs, so there is no ¶{n}"),
                format!(
                    "cite a paragraph from #p1 to #p{count}, or quote its words: [@{id} \"…\"]"
                ),
            ));
        }
        (Some(n), Some(q)) if !index.paragraph_contains(n - 1, q) => {
            let help = match index.find(q) {
                QuoteMatch::Unique(k) => format!(
                    "the words are in ¶{}: write [@{id}#p{} \"{q}\"] or drop `#p{n}`",
                    k + 1,
                    k + 1
                ),
                _ => format!("quote words that ¶{n} contains, exactly as the source writes them"),
            };
            return Err((format!("¶{n} of `{id}` does not contain “{q}”"), help));
        }
        (Some(n), _) => Some(n),
        (None, Some(q)) => match index.find(q) {
            QuoteMatch::Unique(k) => Some(k + 1),
            QuoteMatch::Ambiguous(hits) => {
                let list: Vec<String> = hits.iter().map(|h| format!("¶{}", h + 1)).collect();
                return Err((
                    format!(
                        "the quote “{q}” is in {} paragraphs of `{id}`: {}",
                        hits.len(),
                        list.join(", ")
                    ),
                    format!(
                        "quote more words, so that only one paragraph holds them, or name the paragraph: [@{id}#p{} \"{q}\"]",
                        hits[0] + 1
                    ),
                ));
            }
            QuoteMatch::NotFound(closest) => {
                let help = match closest {
                    Some(c) if c.case_only => format!(
                        "¶{} has these words with other capitals: “{}”; quotes are case-sensitive",
                        c.paragraph + 1,
                        c.passage
                    ),
                    Some(c) => {
                        let mut h = format!("the closest passage is ¶{}: “{}”", c.paragraph + 1, c.passage);
                        if let Some((has, wrote)) = c.difference {
                            h.push_str(&format!("\nthe source has “{has}” where the quote has “{wrote}”"));
                        }
                        h
                    }
                    None => "copy the words exactly from the source page; `...` stands for any words within one paragraph".into(),
                };
                return Err((format!("the quote “{q}” is not in `{id}`"), help));
            }
        },
        (None, None) => None,
    };
    Ok((source, paragraph))
}

/// Resolves the citations of page `i`: numbers its references by first use (one per
/// passage, however often cited), and gives each citation link its anchor.
fn page_citations(
    i: usize,
    page: &Page,
    source_ids: &BTreeMap<&str, usize>,
    indexes: &HashMap<usize, QuoteIndex>,
) -> PageCitations {
    let mut out = PageCitations {
        brackets: vec![],
        references: vec![],
        citers: vec![],
        diagnostics: vec![],
    };
    let mut ref_of: HashMap<(usize, Option<usize>), usize> = HashMap::new();
    let mut counter = 0;
    for bracket in &page.body.citations {
        let mut resolved: Vec<Option<ResolvedCitation>> = vec![];
        for cite in bracket {
            let item = &cite.item;
            let (source, paragraph) = match locate(item, source_ids, indexes) {
                Ok(found) => found,
                Err((message, help)) => {
                    let d =
                        Diagnostic::error(&page.file, Some(cite.position), message).with_help(help);
                    // Past the per-file cap the diagnostic is dropped later: skip its line.
                    out.diagnostics.push(
                        if out.diagnostics.len() < crate::diagnostic::MAX_ERRORS_PER_FILE {
                            d.with_source(&page.text)
                        } else {
                            d
                        },
                    );
                    resolved.push(None);
                    continue;
                }
            };
            let refs = &mut out.references;
            let r = *ref_of.entry((source, paragraph)).or_insert_with(|| {
                refs.push(Reference {
                    number: refs.len() + 1,
                    source,
                    paragraph,
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
            // One bracket citing the same passage twice shows it once.
            if resolved.iter().flatten().any(|c| c.reference == r) {
                continue;
            }
            counter += 1;
            let anchor = format!("cite-{counter}");
            refs[r].uses.push(anchor.clone());
            out.citers.push((
                source,
                paragraph.unwrap_or(0),
                Citer {
                    page: i,
                    anchor: anchor.clone(),
                },
            ));
            resolved.push(Some(ResolvedCitation {
                reference: r,
                source,
                paragraph,
                anchor,
            }));
        }
        out.brackets.push(resolved);
    }
    out
}

/// Whether a link may point at `#frag` on `page`: a heading's id, a source paragraph's
/// `pN`, or `references` on a page that has them.
pub fn has_anchor(page: &Page, frag: &str) -> bool {
    let paragraph = frag
        .strip_prefix('p')
        .and_then(|n| n.parse::<usize>().ok().filter(|k| k.to_string() == n));
    page.body.headings.iter().any(|h| h.id == frag)
        || paragraph.is_some_and(|n| (1..=page.body.paragraphs.len()).contains(&n))
        || (frag == "references" && !page.body.citations.is_empty())
}

/// The anchors of a page, in page order, for a help line.
fn anchor_list(page: &Page) -> Vec<String> {
    let mut list: Vec<String> = page
        .body
        .headings
        .iter()
        .map(|h| format!("#{}", h.id))
        .collect();
    match page.body.paragraphs.len() {
        0 => {}
        1 => list.push("#p1".into()),
        n => list.push(format!("#p1 to #p{n}")),
    }
    if !page.body.citations.is_empty() {
        list.push("#references".into());
    }
    list
}

/// Each section's non-index pages, ordered by weight (unweighted last), then title.
fn order_sections(pages: &[Page]) -> BTreeMap<String, Vec<usize>> {
    let mut sections: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in pages.iter().enumerate() {
        if !p.is_index {
            sections.entry(p.section.clone()).or_default().push(i);
        }
    }
    for list in sections.values_mut() {
        list.sort_by(|&a, &b| {
            let (pa, pb) = (&pages[a], &pages[b]);
            (
                pa.meta.weight.is_none(),
                pa.meta.weight,
                &pa.meta.title,
                &pa.rel,
            )
                .cmp(&(
                    pb.meta.weight.is_none(),
                    pb.meta.weight,
                    &pb.meta.title,
                    &pb.rel,
                ))
        });
    }
    sections
}

/// A help line naming the files near a missing link target.
fn suggest_files(target: &str, by_rel: &HashMap<String, usize>) -> String {
    let dir = crate::page::section_of(target);
    let mut near: Vec<&str> = by_rel
        .keys()
        .filter(|k| crate::page::section_of(k) == dir)
        .map(String::as_str)
        .collect();
    near.sort_unstable();
    if near.is_empty() {
        "link to an existing file, by its path relative to this file".to_string()
    } else {
        let names: Vec<&str> = near
            .iter()
            .take(20)
            .map(|r| r.rsplit('/').next().unwrap_or(r))
            .collect();
        format!(
            "link to an existing file, by its path relative to this file; content/{dir} has: {}",
            names.join(", ")
        )
    }
}
