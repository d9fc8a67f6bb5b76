//! Reuse: which pages a rebuild must render again, and which it can keep as they are.
//!
//! A page's HTML is a pure function of the site-wide setup (settings, theme, asset URLs)
//! and of what its render read of the site. Nobody lists what that is: the render reaches
//! the site only through a [`Tracked`] view, and the templates only through values that
//! record themselves (`site.nav`, `sections.x`, `get_page(…)`), so every read is recorded
//! as it happens ([`recording`]). What a read names (a page, its backlinks, a section's
//! list…) is a [`Read`]; what it saw is hashed by [`ReadValues::value`], the same function
//! on this build and the next. On the next build, a page whose setup and every recorded
//! read hash the same is not rendered again: it would come out byte for byte the same.
//!
//! A page is read whole: its value is the hash of its file's text. Everything of a page
//! (front matter, headings, paragraphs, URL) is made from its path, its text and the
//! settings, and the settings are part of the setup, so no field can be left out.

use crate::bibliography::Entry;
use crate::fingerprint::{InRunHasher, hash_json, hash_of};
use crate::graph::{Citation, Matrix, Reference, SourceAt};
use crate::ids::{EntryId, PageId};
use crate::page::{Page, PageLink};
use crate::resolve::Site;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

/// Something of the site a page's render read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Read {
    /// `site.nav`: the sections' index pages.
    Nav,
    /// `site.files`: which content files exist.
    Files,
    /// `site.matrix`.
    Matrix,
    /// `sections.<name>`, or a section's list: its pages, in order, as lists show them.
    Section(String),
    /// The list of sections itself (iterating over `sections`).
    AllSections,
    /// A page (by path), read whole; also whether there is one.
    Page(String),
    /// A page as lists show it ([`Page::link`]); also whether there is one.
    Link(String),
    /// The pages that link to or cite a page.
    Backlinks(String),
    /// A page's own citations and References list, as resolved.
    Citations(String),
    /// Who cites a source page, and where: each cited place with its citations.
    CitedBy(String),
    /// A page's previous and next page in its section.
    Neighbours(String),
    /// A bibliography entry, by id.
    Entry(String),
    /// A data file (`load_data`), by path relative to `content/`; also whether there is one.
    Data(String),
    /// A page's change notes (front matter `changes:`) and the page as lists show it:
    /// what the updates page reads of every page.
    Changes(String),
}

thread_local! {
    static READS: RefCell<Option<BTreeSet<Read>>> = const { RefCell::new(None) };
}

/// Notes that the page being rendered on this thread read `r`.
pub fn record(r: Read) {
    READS.with(|cell| {
        if let Some(set) = cell.borrow_mut().as_mut() {
            set.insert(r);
        }
    });
}

/// The data files the page being rendered on this thread has read so far, by path
/// relative to `content/` (what it read is recorded either way, so this costs no read).
pub fn data_read_so_far() -> Vec<String> {
    READS.with(|cell| {
        cell.borrow()
            .iter()
            .flatten()
            .filter_map(|r| match r {
                Read::Data(rel) => Some(rel.clone()),
                _ => None,
            })
            .collect()
    })
}

/// Runs `render` while recording what it reads of the site.
pub fn recording<T>(render: impl FnOnce() -> T) -> (T, BTreeSet<Read>) {
    READS.with(|cell| *cell.borrow_mut() = Some(BTreeSet::new()));
    let out = render();
    let reads = READS
        .with(|cell| cell.borrow_mut().take())
        .unwrap_or_default();
    (out, reads)
}

/// The site as a page's render sees it: every way in records what it reads. The render
/// stage holds no other handle on the pages, the graph or the bibliography.
#[derive(Clone, Copy)]
pub struct Tracked<'s> {
    site: &'s Site,
}

impl<'s> Tracked<'s> {
    /// A view of `site` that records what is read through it.
    pub fn new(site: &'s Site) -> Self {
        Tracked { site }
    }

    /// The settings (part of every page's setup, so not recorded).
    pub fn config(&self) -> &'s crate::config::Config {
        &self.site.config
    }

    /// Page `id`, whole.
    pub fn page(&self, id: PageId) -> &'s Page {
        let p = &self.site.pages[id.index()];
        record(Read::Page(p.rel.clone()));
        p
    }

    /// How many pages the site has: reading it is reading which pages there are.
    pub fn page_count(&self) -> usize {
        record(Read::Files);
        self.site.pages.len()
    }

    /// Page `id`'s change notes, as written, and the page as lists show it.
    pub fn changes(&self, id: PageId) -> (&'s [crate::frontmatter::Change], PageLink) {
        let p = &self.site.pages[id.index()];
        record(Read::Changes(p.rel.clone()));
        (&p.meta.changes, p.link(&self.site.config.base_path()))
    }

    /// Page `id` as lists show it.
    pub fn link(&self, id: PageId) -> PageLink {
        let p = &self.site.pages[id.index()];
        record(Read::Link(p.rel.clone()));
        p.link(&self.site.config.base_path())
    }

    /// The index page of `section` (`""`: the home page), if there is one.
    pub fn section_index(&self, section: &str) -> Option<PageId> {
        record(Read::Link(crate::url::index_rel(section)));
        self.site.section_index(section)
    }

    /// The pages of a section, in order.
    pub fn section(&self, name: &str) -> &'s [PageId] {
        record(Read::Section(name.to_string()));
        self.site.sections.get(name).map_or(&[], Vec::as_slice)
    }

    /// The page before and the page after page `id` in its section.
    pub fn neighbours(&self, id: PageId) -> (Option<PageId>, Option<PageId>) {
        record(Read::Neighbours(self.site.pages[id.index()].rel.clone()));
        neighbours(self.site, id)
    }

    /// The pages that link to or cite page `id`.
    pub fn backlinks(&self, id: PageId) -> &'s [PageId] {
        record(Read::Backlinks(self.site.pages[id.index()].rel.clone()));
        &self.site.graph.backlinks[id.index()]
    }

    /// Page `id`'s References list.
    pub fn references(&self, id: PageId) -> &'s [Reference] {
        record(Read::Citations(self.site.pages[id.index()].rel.clone()));
        &self.site.graph.references[id.index()]
    }

    /// The citations that bracket `b` of page `id` shows.
    pub fn bracket(&self, id: PageId, b: usize) -> impl Iterator<Item = &'s Citation> + 's {
        record(Read::Citations(self.site.pages[id.index()].rel.clone()));
        let g = &self.site.graph;
        let list = g.brackets[id.index()].get(b).map_or(&[][..], Vec::as_slice);
        list.iter().map(|&k| &g.citations[k])
    }

    /// The citations of source page `id` at `at`.
    pub fn citations_of(
        &self,
        id: PageId,
        at: SourceAt,
    ) -> impl Iterator<Item = &'s Citation> + 's {
        record(Read::CitedBy(self.site.pages[id.index()].rel.clone()));
        let g = &self.site.graph;
        g.citations_of(id, at).iter().map(|&k| &g.citations[k])
    }

    /// Bibliography entry `id`.
    pub fn entry(&self, id: EntryId) -> &'s Entry {
        let entry = &self.site.bibliography.entries[id.index()];
        record(Read::Entry(entry.id.clone()));
        entry
    }

    /// The topic × source and topic × subject matrix.
    pub fn matrix(&self) -> Matrix {
        record(Read::Matrix);
        self.site.matrix()
    }
}

/// The page before and the page after page `i` in its section (none for an index page).
fn neighbours(site: &Site, id: PageId) -> (Option<PageId>, Option<PageId>) {
    let p = &site.pages[id.index()];
    let list = site.sections.get(&p.section).map_or(&[][..], Vec::as_slice);
    match site.section_place[id.index()] {
        Some(k) if !p.is_index => (k.checked_sub(1).map(|b| list[b]), list.get(k + 1).copied()),
        _ => (None, None),
    }
}

/// The current value of everything a render can read, hashed, so that a recorded read
/// can be checked without rendering. Site-wide values are hashed once; a page's reads are
/// hashed when asked for.
pub struct ReadValues<'s> {
    site: &'s Site,
    /// The reads the last build's pages list, and each one's value, hashed on first use.
    known: &'s [Read],
    cache: Vec<OnceLock<u64>>,
    base_path: String,
    nav: u64,
    files: u64,
    matrix: u64,
    /// Each page's [`Page::link`], hashed on first use.
    links: Vec<OnceLock<u64>>,
    /// Each section's list, hashed on first use.
    sections: HashMap<&'s str, OnceLock<u64>>,
    all_sections: u64,
    entries: HashMap<&'s str, u64>,
}

impl<'s> ReadValues<'s> {
    /// Hashes the site-wide values; `nav` and `matrix` are the hashes of those values as
    /// the environment offers them (see `render::environment`).
    pub fn new(site: &'s Site, nav: u64, matrix: u64, known: &'s [Read]) -> Self {
        ReadValues {
            site,
            known,
            cache: (0..known.len()).map(|_| OnceLock::new()).collect(),
            base_path: site.config.base_path(),
            nav,
            links: (0..site.pages.len()).map(|_| OnceLock::new()).collect(),
            sections: site
                .sections
                .keys()
                .map(|name| (name.as_str(), OnceLock::new()))
                .collect(),
            files: hash_of(&site.pages.iter().map(|p| &p.rel).collect::<Vec<_>>()),
            matrix,
            all_sections: hash_of(&site.sections.keys().collect::<Vec<_>>()),
            entries: site
                .bibliography
                .entries
                .iter()
                .map(|e| (e.id.as_str(), hash_json(e)))
                .collect(),
        }
    }

    /// The hash of a read's current value (0 for something that is not there).
    pub fn value(&self, r: &Read) -> u64 {
        let site = self.site;
        let page = |rel: &str| site.page(rel).map(PageId::index);
        let g = &site.graph;
        let hashed = |f: &dyn Fn(&mut InRunHasher)| {
            let mut h = crate::fingerprint::in_run();
            f(&mut h);
            h.finish()
        };
        let rel_of = |i: PageId| site.pages[i.index()].rel.as_str();
        match r {
            Read::Nav => self.nav,
            Read::Files => self.files,
            Read::Matrix => self.matrix,
            Read::AllSections => self.all_sections,
            Read::Section(s) => self.sections.get(s.as_str()).map_or(0, |once| {
                *once.get_or_init(|| {
                    let list = &site.sections[s.as_str()];
                    hash_of(
                        &list
                            .iter()
                            .map(|&x| self.link_hash(x.index()))
                            .collect::<Vec<_>>(),
                    )
                })
            }),
            Read::Link(rel) => page(rel).map_or(0, |i| self.link_hash(i)),
            Read::Entry(id) => self.entries.get(id.as_str()).copied().unwrap_or(0),
            Read::Data(rel) => site.data.hash(rel),
            Read::Page(rel) => page(rel).map_or(0, |i| site.pages[i].text_hash),
            Read::Changes(rel) => page(rel).map_or(0, |i| {
                hash_of(&(&site.pages[i].meta.changes, self.link_hash(i)))
            }),
            Read::Backlinks(rel) => page(rel).map_or(0, |i| {
                hash_of(
                    &g.backlinks[i]
                        .iter()
                        .map(|&b| rel_of(b))
                        .collect::<Vec<_>>(),
                )
            }),
            Read::Neighbours(rel) => page(rel).map_or(0, |i| {
                let (before, after) = neighbours(site, PageId::new(i));
                hash_of(&(before.map(rel_of), after.map(rel_of)))
            }),
            Read::Citations(rel) => page(rel).map_or(0, |i| {
                hashed(&|h| {
                    g.references[i].hash(h);
                    for b in &g.brackets[i] {
                        b.iter().for_each(|&k| g.citations[k].hash(h));
                        0xff_u8.hash(h);
                    }
                })
            }),
            Read::CitedBy(rel) => page(rel).map_or(0, |i| {
                hashed(&|h| {
                    for (at, list) in &g.cited_by[i] {
                        at.hash(h);
                        list.iter().for_each(|&k| g.citations[k].hash(h));
                    }
                })
            }),
        }
    }
}

impl ReadValues<'_> {
    /// [`ReadValues::value`] of a read the memo knows by number, worked out once.
    fn value_of(&self, id: ReadId) -> u64 {
        let i = id.0 as usize;
        *self.cache[i].get_or_init(|| self.value(&self.known[i]))
    }

    /// The hash of page `i` as lists show it.
    fn link_hash(&self, i: usize) -> u64 {
        *self.links[i].get_or_init(|| hash_of(&(&self.base_path, self.site.pages[i].list_hash)))
    }
}

/// How many of the memo's pages are extras (`#print`), not content files.
fn extra_count(pages: &rustc_hash::FxHashMap<String, Rendered>) -> usize {
    pages.keys().filter(|k| k.starts_with('#')).count()
}

/// A [`Read`], by number: the memo keeps each distinct read once, and pages list the
/// numbers of theirs, so that checking a page touches no strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReadId(u32);

/// What one page's render read, as the render stage hands it to the memo.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The output file it wrote.
    pub path: String,
    /// What its render read, with the value each had.
    pub reads: Vec<(Read, u64)>,
}

/// What the last build knew about one rendered page.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The output file it wrote.
    pub path: String,
    /// What its render read, with the value each had.
    pub reads: Vec<(ReadId, u64)>,
}

/// What a build hands to the next about rendering.
#[derive(Clone, Debug, Default)]
pub struct RenderMemo {
    /// The hash of the site-wide setup: settings, theme files, asset URLs.
    pub setup: u64,
    /// Each page rendered last time, by path relative to `content/`.
    pub pages: rustc_hash::FxHashMap<String, Rendered>,
    /// Every distinct read the pages list, by [`ReadId`].
    reads: Vec<Read>,
    ids: rustc_hash::FxHashMap<Read, ReadId>,
}

impl RenderMemo {
    /// Takes in what a build's render recorded: a different setup forgets every page;
    /// the pages rendered replace what was known of them; pages the site no longer has
    /// are forgotten. Pages kept stay as they were, unmoved and uncopied.
    pub fn update(&mut self, (setup, records): (u64, Vec<(String, Recorded)>), site: &Site) {
        if setup != self.setup {
            *self = RenderMemo {
                setup,
                ..RenderMemo::default()
            };
        }
        for (rel, r) in records {
            let reads = r
                .reads
                .into_iter()
                .map(|(read, v)| (self.intern(read), v))
                .collect();
            self.pages.insert(
                rel,
                Rendered {
                    path: r.path,
                    reads,
                },
            );
        }
        if self.pages.len() != site.pages.len() + extra_count(&self.pages) {
            // An extra page (`#print`) stays: whether the theme makes it is part of the setup.
            self.pages
                .retain(|rel, _| rel.starts_with('#') || site.page(rel).is_some());
        }
    }

    fn intern(&mut self, read: Read) -> ReadId {
        if let Some(&id) = self.ids.get(&read) {
            return id;
        }
        let id = ReadId(self.reads.len() as u32);
        self.reads.push(read.clone());
        self.ids.insert(read, id);
        id
    }

    /// Every distinct read the pages list, for [`ReadValues::new`].
    pub fn reads(&self) -> &[Read] {
        &self.reads
    }

    /// Whether page `rel` can be kept as the last build rendered it: the setup is the
    /// same, and so is everything its render read.
    pub fn unchanged(&self, setup: u64, rel: &str, values: &ReadValues) -> Option<&Rendered> {
        if setup != self.setup {
            return None;
        }
        let r = self.pages.get(rel)?;
        r.reads
            .iter()
            .all(|&(id, v)| values.value_of(id) == v)
            .then_some(r)
    }
}
