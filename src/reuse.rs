//! Reuse: which pages a rebuild must render again, and which it can keep as they are.
//!
//! A page's HTML is a pure function of three things: the site-wide setup (settings, theme,
//! asset URLs), the page's own context (its parse and its slice of the citation graph,
//! with the public face of every page that context shows: reference targets, backlinks,
//! neighbours, section lists), and whatever site-wide values its templates read
//! (`site.nav`, `site.matrix`, `sections.x`, `get_page(…)`). The first two are hashed
//! directly from the site model, without rendering; the third is recorded while the page
//! renders ([`record`]). On the next build a page whose setup, context and recorded reads
//! all hash the same is not rendered again: it would come out byte for byte the same.

use crate::fingerprint::{hash_json, hash_of};
use crate::graph::{Graph, Target};
use crate::resolve::Site;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

/// A site-wide value a template read while rendering a page.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Read {
    /// `site.nav`: the sections' index pages.
    Nav,
    /// `site.files`: which content files exist.
    Files,
    /// `site.matrix`.
    Matrix,
    /// `sections.<name>`: one section's page list.
    Section(String),
    /// The list of sections itself (iterating over `sections`).
    AllSections,
    /// `get_page(rel)`: one page's public face.
    Page(String),
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

/// Runs `render` while recording what it reads of the site-wide values.
pub fn recording<T>(render: impl FnOnce() -> T) -> (T, BTreeSet<Read>) {
    READS.with(|cell| *cell.borrow_mut() = Some(BTreeSet::new()));
    let out = render();
    let reads = READS
        .with(|cell| cell.borrow_mut().take())
        .unwrap_or_default();
    (out, reads)
}

/// What one page's context depends on, hashed: its own text and settings, its slice of
/// the graph, and the faces of the pages it shows. `faces` holds [`Page::shown`] of every page.
pub fn context_key(site: &Site, i: usize, faces: &[u64]) -> u64 {
    let p = &site.pages[i];
    let g: &Graph = &site.graph;
    let mut h = DefaultHasher::new();
    (p.text_hash, &p.url, p.is_index, &p.section, p.role).hash(&mut h);
    for r in &g.references[i] {
        (r.number, &r.target, &r.quotes, &r.uses).hash(&mut h);
        match r.target {
            Target::Source(s, _) => faces[s].hash(&mut h),
            Target::Entry(e, _) => hash_json(&site.bibliography.entries[e]).hash(&mut h),
        }
    }
    for bracket in &g.brackets[i] {
        for &k in bracket {
            (&g.citations[k].anchor, g.citations[k].reference).hash(&mut h);
        }
    }
    for &b in &g.backlinks[i] {
        faces[b].hash(&mut h);
    }
    // Cited-by lists of a source: who cites which paragraph, and where.
    for (n, list) in &g.cited_by[i] {
        n.hash(&mut h);
        for &k in list {
            let c = &g.citations[k];
            (faces[c.page], &c.anchor).hash(&mut h);
        }
    }
    // Section neighbours (previous, next), the section's list on an index page, and the
    // breadcrumbs (home and section index).
    if let Some(list) = site.sections.get(&p.section) {
        let at = list.iter().position(|&x| x == i);
        match (p.is_index, at) {
            (true, _) => list.iter().for_each(|&x| faces[x].hash(&mut h)),
            (false, Some(k)) => {
                k.hash(&mut h);
                let before = k.checked_sub(1).and_then(|b| list.get(b));
                (
                    before.map(|&x| faces[x]),
                    list.get(k + 1).map(|&x| faces[x]),
                )
                    .hash(&mut h);
            }
            (false, None) => {}
        }
    }
    for crumb in [site.section_index(""), site.section_index(&p.section)] {
        crumb.map(|c| faces[c]).hash(&mut h);
    }
    h.finish()
}

/// The current value of everything templates can read, hashed, so that a recorded read
/// can be checked without rendering.
pub struct ReadValues {
    nav: u64,
    files: u64,
    matrix: u64,
    sections: HashMap<String, u64>,
    all_sections: u64,
    pages: HashMap<String, u64>,
}

impl ReadValues {
    /// Hashes the values the environment offers (see `render::environment`).
    pub fn new(site: &Site, nav: u64, matrix: u64, faces: &[u64]) -> Self {
        let sections: HashMap<String, u64> = site
            .sections
            .iter()
            .map(|(name, list)| {
                (
                    name.clone(),
                    hash_of(&list.iter().map(|&x| faces[x]).collect::<Vec<_>>()),
                )
            })
            .collect();
        let mut names: Vec<(&String, &u64)> = sections.iter().collect();
        names.sort();
        ReadValues {
            nav,
            files: hash_of(&site.pages.iter().map(|p| &p.rel).collect::<Vec<_>>()),
            matrix,
            all_sections: hash_of(&names),
            sections,
            pages: site
                .pages
                .iter()
                .zip(faces)
                .map(|(p, f)| (p.rel.clone(), *f))
                .collect(),
        }
    }

    /// The hash of a read's current value (`None` when it no longer exists).
    pub fn value(&self, r: &Read) -> Option<u64> {
        match r {
            Read::Nav => Some(self.nav),
            Read::Files => Some(self.files),
            Read::Matrix => Some(self.matrix),
            Read::AllSections => Some(self.all_sections),
            Read::Section(s) => Some(self.sections.get(s).copied().unwrap_or(0)),
            Read::Page(rel) => Some(self.pages.get(rel).copied().unwrap_or(0)),
        }
    }
}

/// What the last build knew about one rendered page.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The hash of the page's context ([`context_key`]).
    pub context: u64,
    /// The template it used.
    pub template: String,
    /// The output file it wrote.
    pub path: String,
    /// What its templates read, with the value each had.
    pub reads: Vec<(Read, u64)>,
}

/// What a build hands to the next about rendering.
#[derive(Clone, Debug, Default)]
pub struct RenderMemo {
    /// The hash of the site-wide setup: settings, theme files, asset URLs.
    pub setup: u64,
    /// Each page rendered last time, by path relative to `content/`.
    pub pages: HashMap<String, Rendered>,
}

impl RenderMemo {
    /// Whether page `rel`, with this context key and template, can be kept as it is.
    pub fn unchanged(
        &self,
        setup: u64,
        rel: &str,
        context: u64,
        template: &str,
        values: &ReadValues,
    ) -> Option<&Rendered> {
        if setup != self.setup {
            return None;
        }
        let r = self.pages.get(rel)?;
        (r.context == context
            && r.template == template
            && r.reads
                .iter()
                .all(|(read, v)| values.value(read) == Some(*v)))
        .then_some(r)
    }
}
