//! Search: a full-text index of the rendered pages, built in process by Pagefind at build
//! time. The index is a set of static files (`/pagefind/…`) that the search page loads on
//! demand, so search works offline on any static host, with no server and no third party.
//!
//! A large site's index is split into shards of about `search_shard_pages` pages each
//! (explainer.toml). A page's shard is fixed by its path, and each shard records the key
//! of what it was built from, so a build re-indexes only the shards whose pages changed
//! and keeps the others as the last build wrote them. The search page merges the shards
//! (Pagefind's `mergeIndex`); a site small enough for one shard has one plain index.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::output::{Finished, Output, Sink, WriteFailure};
use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The folder the index is written to, under the output folder. It holds the first
/// shard, which loads the others.
pub const BUNDLE_DIR: &str = "pagefind";

/// The version of Pagefind that builds the index, as Cargo.lock pins it (see build.rs).
pub const PAGEFIND_VERSION: &str = env!("EXPLAINER_PAGEFIND_VERSION");

/// The file in each shard's folder that records what the shard was built from (see
/// [`IndexPlan`]), so that the next build can keep it when nothing it reads changed.
pub const KEY_FILE: &str = "explainer-index-key.txt";

/// The file in [`BUNDLE_DIR`] that lists the other shards' folders for the search page,
/// as a JSON array of paths relative to [`BUNDLE_DIR`].
pub const SHARDS_FILE: &str = "explainer-shards.json";

/// Markup that is not the page's text, kept out of the index and so out of the excerpts:
/// heading anchors ("Link to this section"), paragraph numbers, citation marks, reference
/// lists, "Cited by" asides and labels. Themes can mark more with `data-pagefind-ignore`.
const NOISE: &[&str] = &[
    ".anchor",
    ".para-num",
    "sup.cites",
    ".references",
    ".cited-by",
    ".source-meta",
    ".visually-hidden",
];

/// What the index is built with, from explainer.toml.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The path part of the base URL (`/` or `/sub/`), put before each page's URL.
    pub base_path: String,
    /// The site's language; its primary subtag picks the stemmer.
    pub language: String,
    /// About how many pages a shard holds.
    pub shard_pages: usize,
}

impl Settings {
    /// The settings `config` gives.
    pub fn of(config: &Config) -> Settings {
        Settings {
            base_path: config.base_path(),
            language: config.language.clone(),
            shard_pages: config.search_shard_pages,
        }
    }

    /// The language Pagefind is told to use: `en` for `en-GB`.
    fn stemmer(&self) -> String {
        self.language
            .split(['-', '_'])
            .next()
            .unwrap_or("en")
            .to_ascii_lowercase()
    }
}

/// A rendered page the index holds: its output path and a hash of its bytes, which is
/// all the index needs to know of a page until its shard must be built again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedPage {
    /// Path in the output folder (`concerns/privacy/index.html`).
    pub path: String,
    /// A hash of the page's bytes.
    pub hash: u64,
}

impl IndexedPage {
    /// `output` as the index sees it, if it is a page marked for indexing
    /// (`data-pagefind-body`).
    pub fn of(output: &Output) -> Option<IndexedPage> {
        let html = output.path.ends_with(".html")
            && memchr::memmem::find(&output.bytes, b"data-pagefind-body").is_some();
        html.then(|| IndexedPage {
            path: output.path.clone(),
            hash: crate::fingerprint::hash_of(&output.bytes),
        })
    }
}

/// Reads a page's bytes back, by its output path, when its shard is built.
pub type PageReader<'a> = &'a (dyn Fn(&str) -> Result<Vec<u8>, Diagnostic> + Sync);

/// The search index of a build.
#[derive(Debug, Default)]
pub struct BuiltIndex {
    /// Every file of the index, under [`BUNDLE_DIR`].
    pub files: Vec<Output>,
    /// How many shards it has.
    pub shards: usize,
    /// How many of them were built afresh (the others were kept).
    pub rebuilt: usize,
}

/// How the pages are split into shards, and what each shard is built from.
struct IndexPlan<'a> {
    /// Each shard's pages, in path order.
    shards: Vec<Vec<&'a IndexedPage>>,
}

impl<'a> IndexPlan<'a> {
    fn new(pages: &'a [IndexedPage], per_shard: usize) -> IndexPlan<'a> {
        let count = shard_count(pages.len(), per_shard);
        let mut shards = vec![vec![]; count];
        for p in pages {
            shards[shard_of(&p.path, count)].push(p);
        }
        for s in &mut shards {
            s.sort_by(|a, b| a.path.cmp(&b.path));
        }
        IndexPlan { shards }
    }

    /// The key of shard `i`: it changes whenever anything its index is built from
    /// changes (its pages, the settings, how the site is split, the versions of this
    /// program and of Pagefind). It is an in-run hash, as its pages' hashes are: it is
    /// compared only within one run, with the session's last index (which serve reads
    /// back from the output folder this same run wrote); a one-off build reuses none.
    fn key(&self, i: usize, settings: &Settings) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = crate::fingerprint::in_run();
        let versions = (PAGEFIND_VERSION, env!("CARGO_PKG_VERSION"));
        (versions, NOISE, &settings.base_path, &settings.language).hash(&mut h);
        let count = self.shards.len();
        (i, count).hash(&mut h);
        for p in &self.shards[i] {
            (&p.path, p.hash).hash(&mut h);
        }
        format!("{:016x}-{}", h.finish(), self.shards[i].len())
    }

    /// The shards the search page loads besides the first: those with pages.
    fn merged(&self) -> Vec<usize> {
        (1..self.shards.len())
            .filter(|&i| !self.shards[i].is_empty())
            .collect()
    }
}

/// The most shards an index has, whatever `search_shard_pages` says: the search page
/// loads every shard, so their number must stay small.
pub const MAX_SHARDS: usize = 64;

/// How many shards `pages` pages make: a power of two, so that a page moves only when the
/// site doubles or halves in size, and at most [`MAX_SHARDS`].
pub fn shard_count(pages: usize, per_shard: usize) -> usize {
    pages
        .div_ceil(per_shard.max(1))
        .clamp(1, MAX_SHARDS)
        .next_power_of_two()
}

/// The shard a page's output path puts it in, out of `count`.
fn shard_of(path: &str, count: usize) -> usize {
    (crate::fingerprint::fnv1a(path.as_bytes()) % count as u64) as usize
}

/// The folder of shard `i`, under the output folder: the first is [`BUNDLE_DIR`] itself.
fn shard_dir(i: usize) -> String {
    match i {
        0 => BUNDLE_DIR.to_string(),
        _ => format!("{BUNDLE_DIR}/shard-{i}"),
    }
}

/// Builds the index of `pages` (as [`IndexedPage::of`] gives them): each shard is kept
/// from `previous` (the files of the last index) when its key is unchanged, and built
/// from the pages `read` gives otherwise, several at once.
pub fn index(
    pages: &[IndexedPage],
    settings: &Settings,
    read: PageReader<'_>,
    previous: &[Output],
) -> Result<BuiltIndex, Diagnostic> {
    let plan = IndexPlan::new(pages, settings.shard_pages);
    let wanted: Vec<usize> = std::iter::once(0).chain(plan.merged()).collect();
    let mut done: Vec<Option<Vec<Output>>> = vec![None; plan.shards.len()];
    let mut stale = vec![];
    for &i in &wanted {
        let key = plan.key(i, settings);
        match shard_in(previous, &shard_dir(i), &key) {
            Some(files) => done[i] = Some(files),
            None => stale.push((i, key)),
        }
    }
    let rebuilt = stale.len();
    for (i, files) in build_shards(&plan, &stale, settings, read)? {
        done[i] = Some(files);
    }
    let mut files: Vec<Output> = done.into_iter().flatten().flatten().collect();
    let merged: Vec<String> = plan
        .merged()
        .into_iter()
        .map(|i| format!("shard-{i}/"))
        .collect();
    files.push(Output {
        path: format!("{BUNDLE_DIR}/{SHARDS_FILE}"),
        bytes: serde_json::to_vec(&merged).unwrap_or_default(),
    });
    Ok(BuiltIndex {
        files,
        shards: wanted.len(),
        rebuilt,
    })
}

/// Builds the `stale` shards (index and key), as many at once as there are cores; each
/// holds only its own pages in memory.
fn build_shards(
    plan: &IndexPlan<'_>,
    stale: &[(usize, String)],
    settings: &Settings,
    read: PageReader<'_>,
) -> Result<Vec<(usize, Vec<Output>)>, Diagnostic> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(stale.len());
    let work = || {
        let mut built = vec![];
        loop {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((i, key)) = stale.get(n) else {
                return Ok(built);
            };
            let pages = plan.shards[*i]
                .iter()
                .map(|p| Ok((p.path.as_str(), read(&p.path)?)))
                .collect::<Result<Vec<_>, Diagnostic>>()?;
            let mut files = index_shard(&pages, settings, &shard_dir(*i), *i == 0)?;
            files.push(Output {
                path: format!("{}/{KEY_FILE}", shard_dir(*i)),
                bytes: format!("{key}\n").into_bytes(),
            });
            built.push((*i, files));
        }
    };
    // Each worker is a thread of its own, also when there is one: Pagefind runs on a Tokio
    // runtime, which cannot start on a thread that already drives one (a caller's).
    let results: Vec<Result<Vec<_>, Diagnostic>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers).map(|_| s.spawn(work)).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(failure("the indexer stopped unexpectedly".to_string()))
                })
            })
            .collect()
    });
    let mut built = vec![];
    for r in results {
        built.extend(r?);
    }
    Ok(built)
}

fn failure(what: String) -> Diagnostic {
    Diagnostic::error(
        "content",
        None,
        format!("the search index could not be built: {what}"),
    )
    .with_help(
        "set `search = false` in explainer.toml to build without search, and report this problem",
    )
}

/// Indexes `pages` (output path, bytes) into one Pagefind bundle under `dir`. Only the
/// first shard (`primary`) carries the search code; the others are merged into it.
fn index_shard(
    pages: &[(&str, Vec<u8>)],
    settings: &Settings,
    dir: &str,
    primary: bool,
) -> Result<Vec<Output>, Diagnostic> {
    let fail = |e: &dyn std::fmt::Display| failure(e.to_string());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(&e))?;
    runtime.block_on(async {
        let config = PagefindServiceConfig::builder()
            .force_language(settings.stemmer())
            .exclude_selectors(NOISE.iter().map(|s| s.to_string()).collect())
            .build();
        let mut idx = PagefindIndex::new(Some(config)).map_err(|e| fail(&e))?;
        for (path, bytes) in pages {
            let url = format!(
                "{}{}",
                settings.base_path,
                path.strip_suffix("index.html").unwrap_or(path)
            );
            let html = String::from_utf8_lossy(bytes).into_owned();
            idx.add_html_file(None, Some(url), html)
                .await
                .map_err(|e| fail(&format!("{path}: {e}")))?;
        }
        let files = idx.get_files().await.map_err(|e| fail(&e))?;
        Ok(files
            .into_iter()
            .map(|f| (f.filename.to_string_lossy().replace('\\', "/"), f.contents))
            .filter(|(name, _)| is_needed(name, primary))
            .map(|(name, bytes)| Output {
                path: format!("{dir}/{name}"),
                bytes,
            })
            .collect())
    })
}

/// The files of the shard in `dir` among `files` (an index's), if that shard was built
/// from `key`; its key file included.
fn shard_in(files: &[Output], dir: &str, key: &str) -> Option<Vec<Output>> {
    let key_file = format!("{dir}/{KEY_FILE}");
    let recorded = files.iter().find(|f| f.path == key_file)?;
    if String::from_utf8_lossy(&recorded.bytes).trim() != key {
        return None;
    }
    let prefix = format!("{dir}/");
    let own =
        |rest: &str| dir != BUNDLE_DIR || !(rest == SHARDS_FILE || rest.starts_with("shard-"));
    Some(
        files
            .iter()
            .filter(|f| f.path.strip_prefix(&prefix).is_some_and(own))
            .cloned()
            .collect(),
    )
}

/// Every file of the index in `out_dir`, sorted by path; none if there is no index.
/// Only regular files are read: a link (which could lead anywhere on the disk) means
/// there is no index to reuse.
pub fn read_index(out_dir: &Path) -> Option<Vec<Output>> {
    let mut files = vec![];
    let mut stack = vec![out_dir.join(BUNDLE_DIR)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()? {
            let path = entry.ok()?.path();
            let kind = std::fs::symlink_metadata(&path).ok()?.file_type();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(out_dir)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push(Output {
                    bytes: std::fs::read(&path).ok()?,
                    path: rel,
                });
            } else {
                return None;
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Some(files)
}

/// Whether a file of Pagefind's bundle is needed by our search page: the index and, in
/// the first shard, its loader; not Pagefind's own UI kits or playground.
fn is_needed(name: &str, primary: bool) -> bool {
    let ui = name.contains("-ui.")
        || name.starts_with("pagefind-highlight")
        || name.starts_with("playground");
    let code = name.ends_with(".js") || name.starts_with("wasm.");
    !ui && (primary || !code)
}

/// How a build produces its search index.
#[derive(Clone, Debug, Default)]
pub enum SearchIndex {
    /// Index the rendered pages (the default).
    #[default]
    Build,
    /// Write these index files as they are: `serve` reuses the last index so that a save
    /// is not held up by indexing, and refreshes it after the reload.
    Reuse(Arc<Vec<Output>>),
}

/// What a warm session keeps of the index: the HTML pages the last build wrote, by output
/// path, with the digest of each that the index holds (`None` for a page it leaves out).
#[derive(Debug, Default)]
pub struct IndexMemo {
    pages: HashMap<String, Option<u64>>,
}

impl IndexMemo {
    /// The pages the index holds, as it sees them, in path order.
    pub fn pages(&self) -> Vec<IndexedPage> {
        in_the_index(self.pages.iter())
    }
}

/// The pages of (output path, digest if the index holds it) that the index holds, as it
/// sees them, in path order.
fn in_the_index<'a>(
    pages: impl Iterator<Item = (&'a String, &'a Option<u64>)>,
) -> Vec<IndexedPage> {
    let mut held: Vec<IndexedPage> = pages
        .filter_map(|(path, hash)| {
            hash.map(|hash| IndexedPage {
                path: path.clone(),
                hash,
            })
        })
        .collect();
    held.sort_by(|a, b| a.path.cmp(&b.path));
    held
}

/// A sink in front of the build's own, noting as each HTML page passes how the index
/// sees it, so that the index never needs the pages held in memory.
pub struct Noting<'a> {
    sink: &'a dyn Sink,
    pages: Mutex<Vec<(String, Option<u64>)>>,
}

impl<'a> Noting<'a> {
    /// Notes the pages put into `sink`.
    pub fn new(sink: &'a dyn Sink) -> Self {
        Noting {
            sink,
            pages: Mutex::default(),
        }
    }
}

impl Sink for Noting<'_> {
    fn put(&self, o: Output) -> Result<(), Diagnostic> {
        if o.path.ends_with(".html") {
            let hash = IndexedPage::of(&o).map(|p| p.hash);
            let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
            pages.push((o.path.clone(), hash));
        }
        self.sink.put(o)
    }

    fn can_keep(&self) -> bool {
        self.sink.can_keep()
    }

    fn keep(&self, path: &str) {
        self.sink.keep(path)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        self.sink.read(path)
    }

    fn written_under(&self, dir: &str) -> Vec<Output> {
        self.sink.written_under(dir)
    }

    fn finish(
        self: Box<Self>,
        _copies: &[(String, std::path::PathBuf)],
    ) -> Result<Finished, WriteFailure> {
        Ok(Finished::default())
    }
}

/// What the search stage made.
pub enum Index {
    /// No index (search is off, or a check).
    None,
    /// Built from the pages, each shard kept from the last build's output if nothing it
    /// reads changed.
    Built(BuiltIndex),
    /// `serve`'s index, already in the output folder.
    Reused(Arc<Vec<Output>>),
}

impl Index {
    /// How many shards the index has, and how many were built afresh.
    pub fn shards(&self) -> (usize, usize) {
        match self {
            Index::Built(index) => (index.shards, index.rebuilt),
            Index::Reused(_) | Index::None => (0, 0),
        }
    }

    /// Puts the index files into `sink`: `serve`'s reused index is kept where it is when
    /// the sink can keep files, and written again otherwise.
    pub fn put(self, sink: &dyn Sink) -> Result<(), Diagnostic> {
        match self {
            Index::None => Ok(()),
            Index::Built(index) => index.files.into_iter().try_for_each(|o| sink.put(o)),
            Index::Reused(files) if sink.can_keep() => {
                files.iter().for_each(|o| sink.keep(&o.path));
                Ok(())
            }
            Index::Reused(files) => files.iter().try_for_each(|o| sink.put(o.clone())),
        }
    }
}

/// The search stage: each shard of the index the last build wrote is kept if nothing it
/// reads changed and the sink vouches it is still as written ([`Sink::written_under`]),
/// else built afresh from the pages, read back from `sink`.
/// `noted` has the pages this build rendered, `kept` the output paths of those it kept as
/// the last build wrote them. `memo` (a warm session's) knows the kept pages' digests,
/// and learns this build's.
pub fn run(
    config: &Config,
    how: &SearchIndex,
    noted: Noting<'_>,
    kept: &[String],
    memo: Option<&mut IndexMemo>,
) -> Result<Index, Diagnostic> {
    let sink = noted.sink;
    let rendered = noted.pages.into_inner().unwrap_or_else(|e| e.into_inner());
    let before = memo.as_ref().map(|m| &m.pages);
    let mut all: Vec<(String, Option<u64>)> = rendered;
    for path in kept.iter().filter(|p| p.ends_with(".html")) {
        let hash = match before.and_then(|b| b.get(path)) {
            Some(hash) => *hash,
            None => {
                let bytes = sink.read(path)?;
                IndexedPage::of(&Output {
                    path: path.clone(),
                    bytes,
                })
                .map(|p| p.hash)
            }
        };
        all.push((path.clone(), hash));
    }
    let index = match how {
        SearchIndex::Reuse(files) => Index::Reused(files.clone()),
        SearchIndex::Build => {
            let digests = in_the_index(all.iter().map(|(p, h)| (p, h)));
            // Shards are kept only from what the sink vouches the last build wrote.
            let previous = sink.written_under(BUNDLE_DIR);
            let read = |path: &str| sink.read(path);
            Index::Built(index(&digests, &Settings::of(config), &read, &previous)?)
        }
    };
    if let Some(m) = memo {
        m.pages = all.into_iter().collect();
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(shard_pages: usize) -> Settings {
        Settings {
            base_path: "/".into(),
            language: "en".into(),
            shard_pages,
        }
    }

    fn page(path: &str) -> IndexedPage {
        IndexedPage {
            path: path.into(),
            hash: 1,
        }
    }

    #[test]
    fn shard_counts_are_powers_of_two_that_hold_the_pages() {
        assert_eq!(shard_count(0, 2000), 1);
        assert_eq!(shard_count(40, 2000), 1);
        assert_eq!(shard_count(2000, 2000), 1);
        assert_eq!(shard_count(2001, 2000), 2);
        assert_eq!(shard_count(10_013, 2000), 8);
        assert_eq!(shard_count(5, 0), 8, "a shard holds at least one page");
        assert_eq!(shard_count(1_000_000, 1), MAX_SHARDS);
        assert_eq!(shard_count(1_000_000, 2000), MAX_SHARDS);
    }

    #[test]
    fn a_page_stays_in_its_shard_while_the_count_holds() {
        let pages: Vec<IndexedPage> = (0..100)
            .map(|n| page(&format!("p{n}/index.html")))
            .collect();
        let plan = IndexPlan::new(&pages, 30);
        assert_eq!(plan.shards.len(), 4);
        let fewer = IndexPlan::new(&pages[1..], 30);
        for (a, b) in plan.shards.iter().zip(&fewer.shards) {
            let a: Vec<_> = a.iter().filter(|p| p.path != "p0/index.html").collect();
            assert_eq!(a, b.iter().collect::<Vec<_>>());
        }
        assert!(
            plan.shards.iter().all(|s| s.len() > 10),
            "{:?}",
            plan.shards.iter().map(Vec::len).collect::<Vec<_>>()
        );
    }

    #[test]
    fn keys_change_with_a_shards_own_pages_only() {
        let mut pages: Vec<IndexedPage> =
            (0..40).map(|n| page(&format!("p{n}/index.html"))).collect();
        let settings = settings(10);
        let before = IndexPlan::new(&pages, 10);
        let keys: Vec<String> = (0..4).map(|i| before.key(i, &settings)).collect();
        pages[7].hash = 2;
        let changed = shard_of("p7/index.html", 4);
        let after = IndexPlan::new(&pages, 10);
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(after.key(i, &settings) == *key, i != changed, "shard {i}");
        }
    }

    #[test]
    fn a_site_with_nothing_to_index_gets_an_empty_index_that_loads() {
        assert!(PAGEFIND_VERSION.starts_with("1."), "{PAGEFIND_VERSION}");
        let settings = settings(10);
        let read = |p: &str| -> Result<Vec<u8>, Diagnostic> { panic!("read {p}") };
        let built = index(&[], &settings, &read, &[]).unwrap();
        assert_eq!((built.shards, built.rebuilt), (1, 1));
        let paths: Vec<&str> = built.files.iter().map(|f| f.path.as_str()).collect();
        for needed in [
            "pagefind/pagefind.js",
            "pagefind/pagefind-entry.json",
            "pagefind/explainer-shards.json",
        ] {
            assert!(paths.contains(&needed), "{needed} missing from {paths:?}");
        }
        // The entry file names the Pagefind version that the shard keys are made with.
        let entry = &built.files[paths
            .iter()
            .position(|p| p.ends_with("entry.json"))
            .unwrap()];
        let entry = String::from_utf8_lossy(&entry.bytes);
        assert!(
            entry.contains(&format!("\"version\":\"{PAGEFIND_VERSION}\"")),
            "{entry}"
        );
        // Built again from its own files, nothing is indexed anew.
        let again = index(&[], &settings, &read, &built.files).unwrap();
        assert_eq!(again.rebuilt, 0);
        assert_eq!(again.files.len(), built.files.len());
    }

    #[test]
    fn only_the_first_shard_carries_the_search_code() {
        for name in ["pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"] {
            assert!(is_needed(name, true), "{name}");
            assert!(!is_needed(name, false), "{name}");
        }
        for name in [
            "pagefind-entry.json",
            "pagefind.en_1.pf_meta",
            "index/en_1.pf_index",
        ] {
            assert!(is_needed(name, false), "{name}");
        }
        assert!(!is_needed("pagefind-ui.js", true));
    }
}
