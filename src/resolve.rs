//! Resolve: turn the parsed pages into the immutable [`Site`] — every link checked
//! against a real file and heading, every citation matched to its source paragraph, and
//! the relations derived from them: references, "Cited by" lists, backlinks and the
//! concern × letter and concern × article matrix.
//!
//! Nothing here is declared by hand: all relations come from the text of the pages.

use crate::bibliography::Bibliography;
use crate::cite::{CitationItem, QuoteIndex, QuoteMatch};
use crate::cite_error::CiteError;
use crate::config::{Config, Role};
use crate::db;
use crate::diagnostic::Diagnostic;
use crate::graph::{Graph, PageBrackets, ResolvedItem, SourceAt, Target};
use crate::ids::{EntryId, PageId, ParaNo};
use crate::load::Asset;
use crate::page::{CitationUse, Page, PageRef};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Page index by path relative to `content/`. Looked up for every link, citation and
/// recorded read, so it hashes with Fx (the keys are the site's own paths, not an
/// attacker's: a slow, DoS-resistant hash buys nothing here).
pub type PageIndex = rustc_hash::FxHashMap<String, PageId>;

/// The whole site after resolution. Built once per build; never changed afterwards.
#[derive(Debug)]
pub struct Site {
    /// Site settings.
    pub config: Config,
    /// Every page, sorted by path.
    pub pages: Vec<PageRef>,
    /// Page index by path relative to `content/`.
    pub by_rel: Arc<PageIndex>,
    /// Each section's pages (not its index), ordered by weight, then title.
    pub sections: BTreeMap<String, Vec<PageId>>,
    /// Each page's place in its section's list (`None` for an index page).
    pub section_place: Vec<Option<usize>>,
    /// The works cited without full text.
    pub bibliography: Bibliography,
    /// Links, citations and every relation derived from them.
    pub graph: Graph,
    /// Files copied as they are (a data file only if a page links to it).
    pub assets: Vec<Asset>,
    /// The data files, parsed, for `load_data`.
    pub data: Arc<crate::data::DataFiles>,
}

impl Site {
    /// The page at `rel`, if there is one.
    pub fn page(&self, rel: &str) -> Option<PageId> {
        self.by_rel.get(rel).copied()
    }

    /// The section index page (`<section>/_index.md`) of a section.
    pub fn section_index(&self, section: &str) -> Option<PageId> {
        self.page(&crate::url::index_rel(section))
    }

    /// The pages that play `role`, in navigation order.
    pub fn pages_with_role(&self, role: Role) -> Vec<PageId> {
        self.config
            .sections
            .with_role(role)
            .filter_map(|s| self.sections.get(s))
            .flatten()
            .copied()
            .filter(|&p| self.pages[p.index()].plays(role))
            .collect()
    }

    /// The full-text source pages, in section order.
    pub fn sources(&self) -> Vec<PageId> {
        self.pages_with_role(Role::Source)
    }

    /// The topic × source and topic × subject matrix.
    pub fn matrix(&self) -> crate::graph::Matrix {
        self.graph
            .matrix(&self.pages, &self.sections, &self.config.sections)
    }
}

pub use crate::db::Absence;

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
/// Each page's links and citations are queries of `engine` ([`page_links`],
/// [`page_citations`]).
pub fn resolve_with(
    config: Config,
    mut pages: Vec<PageRef>,
    (mut assets, data): (Vec<Asset>, crate::data::DataFiles),
    bibliography: Bibliography,
    absent: &HashMap<String, Absence>,
    engine: &mut db::Engine,
) -> Resolved {
    pages.sort_by(|a, b| a.rel.cmp(&b.rel));
    let mut diags = vec![];
    let by_rel: PageIndex = pages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.rel.clone(), PageId::new(i)))
        .collect();
    check_urls(&pages, &mut diags);
    let sections = order_sections(&pages);
    // The inputs every page's queries read, set once for both passes.
    let settings = engine.sync_settings(&config);
    let site = engine.sync_site_pages(pages.iter().map(|p| p.rel.as_str()));
    let links = check_links(engine, (site, settings), &assets, absent, &mut diags);
    // A data file is published only if a page links to it.
    let linked: HashSet<&str> = pages
        .iter()
        .flat_map(|p| p.body.assets.iter().map(|a| a.target.as_str()))
        .collect();
    assets.retain(|a| !crate::data::is_data_file(&a.rel) || linked.contains(a.rel.as_str()));
    let brackets = citations(engine, (site, settings), &pages, &bibliography, &mut diags);
    for r in &brackets {
        diags.extend(r.1.iter().cloned());
    }
    let brackets: Vec<&PageBrackets> = brackets.iter().map(|r| &r.0).collect();
    let graph = Graph::build(&pages, bibliography.entries.len(), &links, &brackets);
    strict_warnings(&pages, &bibliography, &graph, &mut diags);
    Resolved {
        site: Site {
            section_place: section_places(pages.len(), &sections),
            config,
            by_rel: Arc::new(by_rel),
            sections,
            bibliography,
            graph,
            assets,
            data: Arc::new(data),
            pages,
        },
        diagnostics: diags,
    }
}

/// Two files, one URL (`a.md` and `a/_index.md`).
fn check_urls(pages: &[PageRef], diags: &mut Vec<Diagnostic>) {
    let mut by_url: HashMap<&str, usize> = HashMap::default();
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
}

/// Every page's links (to content files, their anchors, and assets), checked through the
/// engine, each page's on a thread of its own: the (from, to) pairs between pages, and
/// the problems found.
fn check_links(
    engine: &mut db::Engine,
    (site, settings): (db::SitePages, db::Settings),
    assets: &[Asset],
    absent: &HashMap<String, Absence>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(PageId, PageId)> {
    let mut gone: Vec<(String, Absence)> = absent.iter().map(|(k, v)| (k.clone(), *v)).collect();
    gone.sort_by(|a, b| a.0.cmp(&b.0));
    let others = engine.sync_other_files(assets.iter().map(|a| a.rel.clone()).collect(), gone);
    let files = site.files(&engine.db).clone();
    let results: Vec<PageLinks> = engine.par_map(&files, |db, f| {
        page_links(db, f, site, others, settings).clone()
    });
    let mut links = vec![];
    for (i, r) in results.iter().enumerate() {
        links.extend(r.0.iter().map(|&t| (PageId::new(i), t)));
        diags.extend(r.1.iter().cloned());
    }
    links
}

/// One page's citations, resolved, and the problems with them.
type PageCitations = Arc<(PageBrackets, Vec<Diagnostic>)>;

/// One page's links: the pages it links to, and the problems with its links.
type PageLinks = Arc<(Vec<PageId>, Vec<Diagnostic>)>;

/// The places on a page a link can point at, owned: what a link check reads of the
/// pages it links to, and no more.
#[derive(Clone, Debug, PartialEq)]
pub struct PageAnchors {
    headings: Vec<String>,
    paragraphs: usize,
    references: bool,
}

impl PageAnchors {
    fn view(&self) -> crate::page::Anchors<'_> {
        crate::page::Anchors {
            headings: self.headings.iter().map(String::as_str).collect(),
            paragraphs: self.paragraphs,
            references: self.references,
        }
    }
}

/// The query: a page's anchors (`None` for a file that did not parse). It comes out equal
/// when an edit leaves them as they were, so the pages that link to it are not checked
/// again.
#[salsa::tracked(returns(ref))]
pub fn anchors_of(
    db: &dyn salsa::Database,
    file: db::ContentFile,
    settings: db::Settings,
) -> Option<PageAnchors> {
    let page = crate::parse::parse_file(db, file, settings).as_ref().ok()?;
    let a = page.anchors();
    Some(PageAnchors {
        headings: a.headings.iter().map(|h| h.to_string()).collect(),
        paragraphs: a.paragraphs,
        references: a.references,
    })
}

/// The query: each page's place among the site's pages, by path.
#[salsa::tracked(returns(ref))]
pub fn page_index(db: &dyn salsa::Database, site: db::SitePages) -> Arc<PageIndex> {
    let index = site.files(db).iter().enumerate();
    Arc::new(
        index
            .map(|(i, f)| (f.rel(db).clone(), PageId::new(i)))
            .collect(),
    )
}

/// The query: the files a link may name besides the pages, as sets for lookups.
#[salsa::tracked(returns(ref))]
fn other_files_index(
    db: &dyn salsa::Database,
    others: db::OtherFiles,
) -> Arc<(HashSet<String>, HashMap<String, Absence>)> {
    let assets = others.assets(db).iter().cloned().collect();
    let absent = others.absent(db).iter().cloned().collect();
    Arc::new((assets, absent))
}

/// The query: one page's links, checked. It reads the page's parse, where the site's
/// pages are, the other files, and the anchors of the pages it links to with `#…`.
#[salsa::tracked(returns(ref))]
pub fn page_links(
    db: &dyn salsa::Database,
    file: db::ContentFile,
    site: db::SitePages,
    others: db::OtherFiles,
    settings: db::Settings,
) -> PageLinks {
    let Ok(page) = crate::parse::parse_file(db, file, settings) else {
        return Arc::default();
    };
    let by_rel = page_index(db, site);
    let (asset_set, absent) = &**other_files_index(db, others);
    let files = site.files(db);
    let mut targets = vec![];
    let mut diags: Vec<Diagnostic> = vec![];
    for link in &page.body.links {
        // Past the per-file cap the diagnostic is dropped later: skip copying its line.
        let cheap = diags.len() >= crate::diagnostic::MAX_ERRORS_PER_FILE;
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
                None => at(format!(
                    "`{}` links to content/{}, which does not exist",
                    link.written, link.target
                ))
                .with_help(suggest_files(&link.target, by_rel)),
            };
            diags.push(d);
            continue;
        };
        targets.push(target);
        let Some(frag) = link.fragment.as_deref().filter(|f| !f.is_empty()) else {
            continue;
        };
        let target_file = files[target.index()];
        let Some(anchors) = anchors_of(db, target_file, settings) else {
            continue;
        };
        let anchors = anchors.view();
        if !anchors.has(frag) {
            let shown = anchors.list();
            diags.push(
                at(format!(
                    "`{}`: {} has no heading or anchor `#{frag}`",
                    link.written,
                    target_file.display(db).display()
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
            // Past the per-file cap the diagnostic is dropped later: skip copying its line.
            let cheap = diags.len() >= crate::diagnostic::MAX_ERRORS_PER_FILE;
            let d = Diagnostic::error(
                &page.file,
                Some(asset.position),
                format!(
                    "`{}` points to content/{}, which does not exist",
                    asset.written, asset.target
                ),
            )
            .with_help("put the file in content/ and link to it by its path relative to this page");
            diags.push(if cheap { d } else { d.with_source(&page.text) });
        }
    }
    Arc::new((targets, diags))
}

/// Warnings for `check --strict` (uncited prose, orphan pages, uncited bibliography
/// entries), and information (source paragraphs nobody cites).
fn strict_warnings(
    pages: &[PageRef],
    bibliography: &Bibliography,
    graph: &Graph,
    diags: &mut Vec<Diagnostic>,
) {
    for (i, page) in pages.iter().enumerate() {
        if page.plays(Role::Topic) || page.plays(Role::Subject) {
            // As many as are shown (the rest are counted), each at a cost of its line.
            let max = crate::diagnostic::MAX_ERRORS_PER_FILE;
            let bare = &page.body.bare_prose;
            if !bare.is_empty() {
                let lines = crate::diagnostic::LineIndex::new(&page.text);
                for pos in bare.iter().take(max) {
                    diags.push(
                        Diagnostic::warning(&page.file, Some(*pos), "this paragraph has no citation and no link")
                            .with_help("cite the passage it rests on, [@source-id \"exact words\"] or [@reference-id], or link the page it draws on")
                            .with_source_in(&page.text, &lines),
                    );
                }
            }
            if bare.len() > max {
                diags.push(Diagnostic::omitted_warnings(&page.file, bare.len() - max));
            }
        }
        if !page.is_index && graph.backlinks[i].is_empty() {
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
                .filter(|p| !graph.cited_by[i].contains_key(&SourceAt::Paragraph(p.number)))
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
    let sources: HashSet<&str> = pages
        .iter()
        .filter(|p| p.is_source())
        .map(|p| p.slug.as_str())
        .collect();
    for (e, entry) in bibliography.entries.iter().enumerate() {
        let is_source = sources.contains(entry.id.as_str());
        if graph.entry_cited_by[e].is_empty() && !is_source {
            let (file, position) = match &entry.defined {
                Some(d) => (d.file.clone(), Some(d.position)),
                None => (Default::default(), None),
            };
            diags.push(
                Diagnostic::warning(file, position, format!("no page cites `{}`", entry.id))
                    .with_help(format!(
                        "cite it where a claim rests on it, [@{}], or remove the entry",
                        entry.id
                    )),
            );
        }
    }
}

/// Everything a citation can point to: the full-text sources (with their quote indexes)
/// and the bibliography. Made by the [`citable_works`] query; equal to the last build's
/// when the sources' places and paragraphs and the entries are (the quote indexes are
/// made from the paragraphs), so that the pages' citations are not resolved again.
#[derive(Debug)]
pub struct Works {
    /// Each source's id and its place among the site's pages.
    sources: BTreeMap<String, usize>,
    /// Each source's paragraphs, by its place.
    texts: BTreeMap<usize, Vec<String>>,
    indexes: HashMap<usize, QuoteIndex>,
    bibliography: Bibliography,
    /// The folder of the full-text sources, for help lines.
    source_folder: String,
}

impl PartialEq for Works {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.sources,
            &self.texts,
            &self.bibliography,
            &self.source_folder,
        ) == (
            &other.sources,
            &other.texts,
            &other.bibliography,
            &other.source_folder,
        )
    }
}

/// The query: what the site's citations resolve against. It reads the list of the site's
/// pages, the pages of the full-text sources (and no other page), the bibliography, and
/// the sections' roles.
#[salsa::tracked(returns(ref))]
pub fn citable_works(
    db: &dyn salsa::Database,
    site: db::SitePages,
    bibliography: db::References,
    settings: db::Settings,
) -> Arc<Works> {
    let sections = crate::parse::sections(db, settings);
    let mut sources = BTreeMap::new();
    let mut texts = BTreeMap::new();
    for (i, &file) in site.files(db).iter().enumerate() {
        let rel = file.rel(db);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let role = sections.role_of(&crate::url::section_of(rel));
        if name == "_index.md" || role != Some(Role::Source) {
            continue;
        }
        let Ok(page) = crate::parse::parse_file(db, file, settings) else {
            continue;
        };
        sources.insert(page.slug.clone(), i);
        let paragraphs = page.body.paragraphs.iter().map(|p| p.text.clone());
        texts.insert(i, paragraphs.collect::<Vec<String>>());
    }
    let indexes = texts
        .iter()
        .map(|(&i, t)| {
            let t: Vec<&str> = t.iter().map(String::as_str).collect();
            (i, QuoteIndex::new(&t))
        })
        .collect();
    let source_folder = sections
        .with_role(Role::Source)
        .next()
        .unwrap_or("sources")
        .to_string();
    Arc::new(Works {
        sources,
        texts,
        indexes,
        bibliography: bibliography.bibliography(db).clone(),
        source_folder,
    })
}

/// The query: one page's citations resolved, with their errors and warnings. It reads the
/// page's parse and [`citable_works`], so it runs again only when the page's text or what
/// citations resolve against changed.
#[salsa::tracked(returns(ref))]
pub fn page_citations(
    db: &dyn salsa::Database,
    file: db::ContentFile,
    site: db::SitePages,
    bibliography: db::References,
    settings: db::Settings,
) -> PageCitations {
    let works = citable_works(db, site, bibliography, settings);
    match crate::parse::parse_file(db, file, settings) {
        Ok(page) => Arc::new(works.resolve_page(page)),
        Err(_) => Arc::default(),
    }
}

/// Every page's citations, through the engine (each page's on a thread of its own), and
/// the errors of ids that name both a source and a bibliography entry.
fn citations(
    engine: &mut db::Engine,
    (site, settings): (db::SitePages, db::Settings),
    pages: &[PageRef],
    bibliography: &Bibliography,
    diags: &mut Vec<Diagnostic>,
) -> Vec<PageCitations> {
    let works = engine.sync_references(bibliography);
    let files = site.files(&engine.db).clone();
    let brackets = engine.par_map(&files, |db, f| {
        page_citations(db, f, site, works, settings).clone()
    });
    citable_works(&engine.db, site, works, settings).id_conflicts(pages, diags);
    brackets
}

impl Works {
    /// The error for each bibliography id that is also a full-text source's.
    fn id_conflicts(&self, pages: &[PageRef], diags: &mut Vec<Diagnostic>) {
        for entry in &self.bibliography.entries {
            if let Some(&page) = self.sources.get(entry.id.as_str()) {
                let (file, position) = match &entry.defined {
                    Some(d) => (d.file.clone(), Some(d.position)),
                    None => (Default::default(), None),
                };
                diags.push(
                    Diagnostic::error(
                        file,
                        position,
                        format!(
                            "the id `{}` is also a full-text source, {}",
                            entry.id,
                            pages[page].file.display()
                        ),
                    )
                    .with_help("give the bibliography entry another id: an id must name one work"),
                );
            }
        }
    }

    /// Resolves every citation item of a page; `None` (with a diagnostic) where one fails.
    fn resolve_page(&self, page: &Page) -> (PageBrackets, Vec<Diagnostic>) {
        let mut diags = vec![];
        let brackets = page
            .body
            .citations
            .iter()
            .map(|bracket| {
                bracket
                    .iter()
                    .map(|cite| {
                        // Past the per-file cap the diagnostic is dropped later: skip
                        // copying its line, and the search for a closest passage or id.
                        let shown = diags.len() < crate::diagnostic::MAX_ERRORS_PER_FILE;
                        match self.locate(&cite.item, shown) {
                            Ok(target) => {
                                diags.extend(self.beyond_the_check(page, cite, &target));
                                Some(ResolvedItem {
                                    target,
                                    quote: cite.item.quote.clone(),
                                })
                            }
                            Err(e) => {
                                let d =
                                    Diagnostic::error(&page.file, Some(cite.position), e.message())
                                        .with_help(e.help());
                                diags.push(if shown { d.with_source(&page.text) } else { d });
                                None
                            }
                        }
                    })
                    .collect()
            })
            .collect();
        (brackets, diags)
    }

    /// The warning for a citation of a bibliography entry at a place its check did not
    /// cover (the entry's `checked_locators`): such a citation promises more than was
    /// checked, as is one whose place cannot be told. `None` when the entry does not say
    /// what was checked, or the place is in it.
    fn beyond_the_check(
        &self,
        page: &Page,
        cite: &CitationUse,
        target: &Target,
    ) -> Option<Diagnostic> {
        let Target::Entry(e, Some(locator)) = target else {
            return None;
        };
        let entry = &self.bibliography.entries[e.index()];
        if entry.checked_locators.is_empty() {
            return None;
        }
        let covered: Vec<String> = entry
            .checked_locators
            .iter()
            .map(|r| r.to_string())
            .collect();
        let covered = covered.join(", ");
        let message = match crate::verification::covers(&entry.checked_locators, locator) {
            Some(true) => return None,
            Some(false) => format!(
                "`{}, {locator}` cites a place the entry's check did not cover (it covered {covered})",
                entry.id
            ),
            None => format!(
                "`{}, {locator}` names no numbered place, so whether the entry's check covered it cannot be told (it covered {covered})",
                entry.id
            ),
        };
        let help = format!(
            "cite the work this claim was checked in instead, or, once {locator} has been read, add it to `checked_locators` of `{}`",
            entry.id
        );
        Some(
            Diagnostic::warning(&page.file, Some(cite.position), message)
                .with_help(help)
                .with_source(&page.text),
        )
    }

    /// The target of one citation item, or why it has none. With `explain` false the
    /// help is left unworked where it would cost the whole source or bibliography (the
    /// closest passage, the closest ids).
    fn locate(&self, item: &CitationItem, explain: bool) -> Result<Target, CiteError> {
        let id = item.id.as_str();
        if let Some(&source) = self.sources.get(id) {
            if item.locator.is_some() {
                return Err(CiteError::LocatorOnSource { id: id.into() });
            }
            let at = match self.locate_paragraph(source, item, explain)? {
                Some(n) => SourceAt::Paragraph(n),
                None => SourceAt::Whole,
            };
            return Ok(Target::Source(PageId::new(source), at));
        }
        let Some(entry) = self.bibliography.find(id) else {
            return Err(CiteError::UnknownId {
                id: id.into(),
                closest: explain.then(|| self.closest_ids(id)),
                any_known: !self.sources.is_empty() || !self.bibliography.entries.is_empty(),
                source_folder: self.source_folder.clone(),
            });
        };
        if item.quote.is_some() {
            return Err(CiteError::QuoteOfEntry {
                id: id.into(),
                source_folder: self.source_folder.clone(),
            });
        }
        if item.paragraph.is_some() {
            return Err(CiteError::ParagraphOfEntry { id: id.into() });
        }
        Ok(Target::Entry(EntryId::new(entry), item.locator.clone()))
    }

    /// Up to three known ids close to an unknown one (a typo away: at most a third of
    /// its characters to change, and at least two), nearest first; none when none is.
    fn closest_ids(&self, id: &str) -> Vec<String> {
        let near = (id.chars().count() / 3).max(2);
        let mut known: Vec<(usize, &str)> = self
            .sources
            .keys()
            .map(String::as_str)
            .chain(self.bibliography.entries.iter().map(|e| e.id.as_str()))
            .map(|k| (strsim::levenshtein(id, k), k))
            .filter(|&(d, _)| d <= near)
            .collect();
        known.sort();
        known.iter().take(3).map(|(_, k)| k.to_string()).collect()
    }

    /// The paragraph a citation of a full-text source points to (`None`: the whole source).
    fn locate_paragraph(
        &self,
        source: usize,
        item: &CitationItem,
        explain: bool,
    ) -> Result<Option<ParaNo>, CiteError> {
        let id = || item.id.clone();
        let index = &self.indexes[&source];
        let count = index.len();
        match (item.paragraph, &item.quote) {
            (Some(n), _) if n.get() > count => Err(CiteError::NoSuchParagraph {
                id: id(),
                n: n.get(),
                count,
            }),
            (Some(n), Some(q)) if !index.paragraph_contains(n.index(), q) => {
                let found_in = match index.find_explained(q, explain) {
                    QuoteMatch::Unique(k) => Some(k + 1),
                    _ => None,
                };
                Err(CiteError::NotInParagraph {
                    id: id(),
                    n: n.get(),
                    quote: q.clone(),
                    found_in,
                })
            }
            (Some(n), _) => Ok(Some(n)),
            (None, Some(q)) => match index.find_explained(q, explain) {
                QuoteMatch::Unique(k) => Ok(Some(ParaNo::at(k))),
                QuoteMatch::Ambiguous(hits) => Err(CiteError::Ambiguous {
                    id: id(),
                    quote: q.clone(),
                    hits,
                }),
                QuoteMatch::NotFound(closest) => Err(CiteError::NotFound {
                    id: id(),
                    quote: q.clone(),
                    closest,
                }),
            },
            (None, None) => Ok(None),
        }
    }
}

/// Whether a link may point at `#frag` on `page` (see [`crate::page::Anchors`]).
pub fn has_anchor(page: &Page, frag: &str) -> bool {
    page.anchors().has(frag)
}

/// Each section's non-index pages, ordered by weight (unweighted last), then title.
fn order_sections(pages: &[PageRef]) -> BTreeMap<String, Vec<PageId>> {
    let mut sections: BTreeMap<String, Vec<PageId>> = BTreeMap::new();
    for (i, p) in pages.iter().enumerate() {
        if !p.is_index {
            sections
                .entry(p.section.clone())
                .or_default()
                .push(PageId::new(i));
        }
    }
    for list in sections.values_mut() {
        list.sort_by(|&a, &b| {
            let (pa, pb) = (&pages[a.index()], &pages[b.index()]);
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

/// Each page's place in its section's list, from the lists.
fn section_places(pages: usize, sections: &BTreeMap<String, Vec<PageId>>) -> Vec<Option<usize>> {
    let mut places = vec![None; pages];
    for list in sections.values() {
        for (k, &i) in list.iter().enumerate() {
            places[i.index()] = Some(k);
        }
    }
    places
}

/// A help line naming the files near a missing link target.
fn suggest_files(target: &str, by_rel: &PageIndex) -> String {
    let dir = crate::url::section_of(target);
    let mut near: Vec<&str> = by_rel
        .keys()
        .filter(|k| crate::url::section_of(k) == dir)
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
