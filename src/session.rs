//! A build session: what one build leaves for the next, so that a rebuild (`serve`, and
//! later the editor server) redoes only what changed. It holds which files changed since
//! the last build, and one memo per stage, each owned and documented by its stage's
//! module. A one-off build or a check uses [`Session::one_off`], which keeps nothing; the
//! pipeline is the same either way ([`crate::build`]).

use crate::{db, reuse, search};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Which files changed since the last build of a session.
#[derive(Debug, Default)]
pub enum Changes {
    /// Nobody said: any file may have changed, so every file is read.
    #[default]
    Unnoted,
    /// Only these (absolute paths) changed.
    Known(HashSet<PathBuf>),
    /// The caller lost track (a watcher that missed events): every file is read, whatever
    /// is noted until the next build.
    Unknown,
}

/// The memos of a session that keeps what each build learned, besides its engine's.
#[derive(Debug, Default)]
pub struct Memos {
    /// What each page's last render depended on.
    pub render: reuse::RenderMemo,
    /// The fingerprint of each file the last build wrote, by output path; `None` until a
    /// build has written the output folder.
    pub written: Option<crate::output::Fingerprints>,
    /// The HTML pages the last build wrote, with the digest the search index holds of each.
    pub indexed: search::IndexMemo,
}

/// What one build hands to the next.
#[derive(Debug, Default)]
pub struct Session {
    /// Which files changed since the last build.
    pub(crate) changes: Changes,
    /// `None` for a one-off build, which keeps nothing.
    pub(crate) memos: Option<Memos>,
    /// The incremental engine: its inputs and what its queries found. A one-off build's
    /// is fresh, and goes with it.
    pub(crate) engine: db::Engine,
    /// Unsaved texts (an editor's open buffers), by path relative to `content/`: the load
    /// stage takes each instead of the file on disk ([`Session::set_unsaved`]).
    pub(crate) unsaved: BTreeMap<String, String>,
}

impl Session {
    /// A session for one build that keeps nothing for a next one.
    pub fn one_off() -> Self {
        Session::default()
    }

    /// A session that keeps what each build learns, for the next.
    pub fn warm() -> Self {
        Session {
            changes: Changes::Unnoted,
            memos: Some(Memos::default()),
            engine: db::Engine::default(),
            unsaved: BTreeMap::new(),
        }
    }

    /// The one seam for an editor's unsaved buffers: from the next build on, the content
    /// file at `rel` (relative to `content/`, `/`-separated) is read as `text` instead of
    /// from disk (a Markdown file that is not on disk yet joins the site); `None` goes
    /// back to the disk. Everything else about the build is unchanged.
    pub fn set_unsaved(&mut self, rel: &str, text: Option<String>) {
        match text {
            Some(t) => self.unsaved.insert(rel.to_string(), t),
            None => self.unsaved.remove(rel),
        };
    }

    /// Tells the next build which files changed since the last one (by path), so that
    /// it need not read the others again. A build with no such note reads every file, as
    /// does one after [`Session::forget_changes`].
    pub fn note_changed(&mut self, paths: impl IntoIterator<Item = PathBuf>) {
        let paths = paths
            .into_iter()
            .map(|p| std::path::absolute(&p).unwrap_or(p));
        match &mut self.changes {
            Changes::Known(set) => set.extend(paths),
            Changes::Unnoted => self.changes = Changes::Known(paths.collect()),
            Changes::Unknown => {}
        }
    }

    /// Tells the next build that any file may have changed (a watcher that missed events).
    pub fn forget_changes(&mut self) {
        self.changes = Changes::Unknown;
    }

    /// The pages the search index of the last build's output holds, in path order (empty
    /// without search), so that `serve` can refresh the index reading back only the pages
    /// of the shards that changed.
    pub fn indexed_pages(&self) -> Vec<search::IndexedPage> {
        self.memos
            .as_ref()
            .map(|m| m.indexed.pages())
            .unwrap_or_default()
    }

    /// Tells the session that these files were put into its output folder by someone other
    /// than a build (serve's search indexer), so that the next build knows the folder holds
    /// them and replaces or removes them like its own files.
    pub fn note_written(&mut self, files: &[crate::output::Output]) {
        if let Some(written) = self.memos.as_mut().and_then(|m| m.written.as_mut()) {
            written.extend(crate::output::fingerprints(files, &[]));
        }
    }

    /// The incremental engine under this session's builds: tests and benchmarks ask it
    /// which queries a build ran ([`db::Engine::record_queries`]).
    pub fn engine(&self) -> &db::Engine {
        &self.engine
    }

    /// Whether the session keeps what each build learns.
    pub fn is_warm(&self) -> bool {
        self.memos.is_some()
    }

    /// What the output folder holds, as the last build wrote it (the fingerprint of each
    /// file), if the session knows; taken, so that only one build writes on it.
    pub(crate) fn take_written(&mut self) -> Option<crate::output::Fingerprints> {
        self.memos.as_mut().and_then(|m| m.written.take())
    }

    /// The content files that changed, by path relative to `content_dir`, when the session
    /// knows which did (`None`: any may have). Taken: from here on, changes are noted anew.
    pub(crate) fn take_content_changes(&mut self, content_dir: &Path) -> Option<HashSet<String>> {
        let Changes::Known(changed) = std::mem::take(&mut self.changes) else {
            return None;
        };
        let content = std::path::absolute(content_dir).unwrap_or_else(|_| content_dir.into());
        Some(
            changed
                .iter()
                .filter_map(|p| p.strip_prefix(&content).ok())
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .collect(),
        )
    }
}
