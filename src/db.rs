//! The incremental engine: salsa's database and the inputs a build reads, so that what a
//! result depends on is recorded by the engine as the query reads it, never keyed by hand.
//!
//! Inputs are the roots: each content file's text ([`ContentFile`]; an editor's unsaved
//! buffer replaces the disk's), and the settings ([`Settings`]). Queries are salsa's
//! tracked functions, each defined by the stage it belongs to (parse's is
//! [`crate::parse::parse_file`]); they read inputs and other queries only through the
//! database, so salsa knows what each result was made from, re-runs a query only when
//! something it read changed, and keeps a result that comes out equal (backdating), so
//! what depends on it is not re-run either.
//!
//! Durability: the settings, the site's page list, the bibliography and every content
//! file start high; a file whose text changes becomes low. A revision that changes only
//! low inputs (a keystroke in one page) lets salsa pass over, in constant time each, the
//! queries that read only high ones (the thousands of pages nobody is editing). Salsa
//! keeps a result that comes out equal only at the same durability or higher, so the
//! first edit of a file re-runs what read it even where nothing changed; later ones do
//! not.
//!
//! A session owns one [`Engine`]: a one-off build a fresh one, `serve` and the language
//! server one that lives from build to build. [`Engine::sync`] makes the inputs what the
//! load stage found, setting only what differs, so a rebuild re-runs exactly the
//! queries that read something that changed.

use crate::bibliography::Bibliography;
use crate::config::Config;
use crate::load::SourceFile;
use rustc_hash::FxHashMap;
use salsa::{Durability, Setter};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The salsa database. Cheap to clone: a clone shares the stored results, and each
/// thread of a parallel stage queries through its own.
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    /// The queries run (not reused), by name and key, while recording is on
    /// ([`Engine::record_queries`]): what tests and benchmarks see of the engine's work.
    ran: Arc<Mutex<Option<Vec<String>>>>,
}

impl Default for Database {
    fn default() -> Self {
        let ran: Arc<Mutex<Option<Vec<String>>>> = Arc::default();
        let log = Arc::clone(&ran);
        let on_event = move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Ok(mut log) = log.lock()
                && let Some(list) = log.as_mut()
            {
                list.push(format!("{database_key:?}"));
            }
        };
        Database {
            storage: salsa::Storage::new(Some(Box::new(on_event))),
            ran,
        }
    }
}

#[salsa::db]
impl salsa::Database for Database {}

/// The site's settings (`explainer.toml`), as one input: a query that needs one setting
/// reads it through a small query of its own, so that a change to another setting leaves
/// it as it was (the small query's result comes out equal).
#[salsa::input]
pub struct Settings {
    /// The settings.
    #[returns(ref)]
    pub config: Config,
}

/// One Markdown file of `content/`: its path and its text as the build reads it.
#[salsa::input]
pub struct ContentFile {
    /// Its path relative to `content/` (`concerns/privacy.md`).
    #[returns(ref)]
    pub rel: String,
    /// Its path as diagnostics show it (`content/concerns/privacy.md`).
    #[returns(ref)]
    pub display: PathBuf,
    /// Its text: the file's, or an editor's unsaved buffer.
    #[returns(ref)]
    pub text: String,
}

/// The pages of the site, in path order: the content files that parsed and are built
/// (drafts only when asked for). A page's place in this list is its `PageId`.
#[salsa::input]
pub struct SitePages {
    /// The files.
    #[returns(ref)]
    pub files: Vec<ContentFile>,
}

/// Why a content file that exists is not among the pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absence {
    /// A draft, left out of this build.
    Draft,
    /// It failed to parse (its errors are reported).
    Broken,
}

/// The files besides the pages that a link may name: the assets (paths from `content/`),
/// and the content files that are not pages of this build (drafts left out, files that
/// failed to parse), sorted by path.
#[salsa::input]
pub struct OtherFiles {
    /// The assets' paths.
    #[returns(ref)]
    pub assets: Vec<String>,
    /// The content files that are not pages, and why.
    #[returns(ref)]
    pub absent: Vec<(String, Absence)>,
}

/// The bibliography (`references.yaml`, `references.json`), parsed, as one input: every
/// citation of an entry reads it.
#[salsa::input]
pub struct References {
    /// The entries.
    #[returns(ref)]
    pub bibliography: Bibliography,
}

/// The database with the handles of its inputs: the one of each content file, by path,
/// and the settings'.
#[derive(Default)]
pub struct Engine {
    /// The database.
    pub db: Database,
    files: FxHashMap<String, (ContentFile, bool)>,
    settings: Option<Settings>,
    site: Option<SitePages>,
    references: Option<References>,
    others: Option<OtherFiles>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// From now on, notes each query the engine runs rather than reuses (as
    /// `parse_file(Id(3))`), until [`Engine::queries_run`] takes them.
    pub fn record_queries(&self) {
        if let Ok(mut log) = self.db.ran.lock() {
            log.get_or_insert_with(Vec::new);
        }
    }

    /// The queries run since the last call (or since recording began), in order.
    pub fn queries_run(&self) -> Vec<String> {
        match self.db.ran.lock() {
            Ok(mut log) => log.as_mut().map(std::mem::take).unwrap_or_default(),
            Err(_) => vec![],
        }
    }

    /// Whether the engine holds the text of the file at `rel` as it is on disk, so that
    /// the load stage need not read it again if it has not changed.
    pub fn holds_from_disk(&self, rel: &str) -> bool {
        self.files.get(rel).is_some_and(|(_, disk)| *disk)
    }

    /// `query` over every file of `files` in parallel, in order. Each thread queries
    /// through a handle of its own on the database (a handle is not `Sync`); a handle
    /// shares what the queries store, so a clone per thread costs nothing more.
    pub fn par_map<T: Send>(
        &self,
        files: &[ContentFile],
        query: impl Fn(&Database, ContentFile) -> T + Sync + Send,
    ) -> Vec<T> {
        use rayon::prelude::*;
        let shared = Mutex::new(self.db.clone());
        let handle = || match shared.lock() {
            Ok(db) => db.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        files
            .par_iter()
            .map_init(handle, |db, &f| query(db, f))
            .collect()
    }

    /// The settings input, set to `config` (only if it differs, so that nothing that
    /// read the settings is re-run for nothing).
    pub fn sync_settings(&mut self, config: &Config) -> Settings {
        match self.settings {
            Some(s) if s.config(&self.db) == config => s,
            Some(s) => {
                s.set_config(&mut self.db)
                    .with_durability(Durability::HIGH)
                    .to(config.clone());
                s
            }
            None => *self.settings.insert(
                Settings::builder(config.clone())
                    .durability(Durability::HIGH)
                    .new(&self.db),
            ),
        }
    }

    /// The site's pages input, set to the files at `rels` (content files the engine holds),
    /// in that order, if they differ from the last build's.
    pub fn sync_site_pages<'r>(&mut self, rels: impl Iterator<Item = &'r str>) -> SitePages {
        let files: Vec<ContentFile> = rels
            .filter_map(|rel| self.files.get(rel).map(|(f, _)| *f))
            .collect();
        match self.site {
            Some(s) if s.files(&self.db) == &files => s,
            Some(s) => {
                s.set_files(&mut self.db)
                    .with_durability(Durability::HIGH)
                    .to(files);
                s
            }
            None => *self.site.insert(
                SitePages::builder(files)
                    .durability(Durability::HIGH)
                    .new(&self.db),
            ),
        }
    }

    /// The other files' input, set to `assets` and `absent` if they differ from the last
    /// build's.
    pub fn sync_other_files(
        &mut self,
        assets: Vec<String>,
        absent: Vec<(String, Absence)>,
    ) -> OtherFiles {
        let Some(o) = self.others else {
            let new = OtherFiles::builder(assets, absent)
                .durability(Durability::HIGH)
                .new(&self.db);
            return *self.others.insert(new);
        };
        if o.assets(&self.db) != &assets {
            o.set_assets(&mut self.db)
                .with_durability(Durability::HIGH)
                .to(assets);
        }
        if o.absent(&self.db) != &absent {
            o.set_absent(&mut self.db)
                .with_durability(Durability::HIGH)
                .to(absent);
        }
        o
    }

    /// The bibliography input, set to `bibliography` if it differs from the last build's.
    pub fn sync_references(&mut self, bibliography: &Bibliography) -> References {
        match self.references {
            Some(r) if r.bibliography(&self.db) == bibliography => r,
            Some(r) => {
                r.set_bibliography(&mut self.db)
                    .with_durability(Durability::HIGH)
                    .to(bibliography.clone());
                r
            }
            None => *self.references.insert(
                References::builder(bibliography.clone())
                    .durability(Durability::HIGH)
                    .new(&self.db),
            ),
        }
    }

    /// The content files: those `loaded` (each set to its text, only where it differs)
    /// and those `kept` (not read again: unchanged since the engine took their text), in
    /// path order. Files in neither are gone from the site and forgotten.
    /// Each loaded file comes with whether its text is the file's on disk (not an
    /// editor's buffer).
    pub fn sync_files(
        &mut self,
        loaded: Vec<(SourceFile, bool)>,
        kept: &[String],
    ) -> Vec<ContentFile> {
        let mut present: FxHashMap<String, (ContentFile, bool)> = FxHashMap::default();
        for (f, from_disk) in loaded {
            let file = match self.files.remove(&f.rel) {
                Some((file, _)) => {
                    // A file once edited is one that changes: low durability. Every
                    // other stays high, so that a keystroke's revision spares salsa
                    // checking the queries that read only files nobody edits.
                    if file.text(&self.db) != &f.text {
                        file.set_text(&mut self.db)
                            .with_durability(Durability::LOW)
                            .to(f.text);
                    }
                    if file.display(&self.db) != &f.display {
                        file.set_display(&mut self.db).to(f.display);
                    }
                    file
                }
                None => ContentFile::builder(f.rel.clone(), f.display, f.text)
                    .durability(Durability::HIGH)
                    .new(&self.db),
            };
            present.insert(f.rel, (file, from_disk));
        }
        for rel in kept {
            if let Some(held) = self.files.remove(rel) {
                present.insert(rel.clone(), held);
            }
        }
        self.files = present;
        let mut files: Vec<(&String, ContentFile)> =
            self.files.iter().map(|(rel, (f, _))| (rel, *f)).collect();
        files.sort_unstable_by(|a, b| a.0.cmp(b.0));
        files.into_iter().map(|(_, f)| f).collect()
    }
}
