//! The background search indexer: after a rebuild's reload went out, it indexes the pages
//! that build wrote and puts the new index in place, so that a save never waits for
//! Pagefind. The next build reuses the index it stored.

use super::Shared;
use crate::output::Output;
use std::path::Path;
use std::sync::Arc;

/// The search index files in the output folder, as outputs.
pub(super) fn read_index(out_dir: &Path) -> Vec<Output> {
    crate::search::read_index(out_dir).unwrap_or_default()
}

/// The indexer thread: on each request, indexes the pages last written and puts the new
/// index in place. It runs beside the rebuilds, after their reloads were sent, so that a
/// save never waits for indexing; the next build reuses the index it stored. It stops when
/// the server is gone.
pub(super) fn indexer_loop(
    site_dir: &Path,
    shared: std::sync::Weak<Shared>,
    requests: std::sync::mpsc::Receiver<()>,
) {
    while requests.recv().is_ok() {
        while requests.try_recv().is_ok() {}
        let Some(shared) = shared.upgrade() else {
            return;
        };
        refresh_search_index(site_dir, &shared);
    }
}

fn refresh_search_index(site_dir: &Path, shared: &Shared) {
    let Ok(config) = crate::config::Config::load(site_dir) else {
        return;
    };
    if !config.search {
        return;
    }
    let out_dir = &shared.out_dir;
    let pages = shared
        .indexed
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let old = shared
        .search_index
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_default();
    // Only the pages of the shards that changed are read back, each while no build is
    // writing. A build that lands meanwhile asks for another refresh, which sets right
    // anything read half-way through.
    let read = |path: &str| {
        let _writing = shared.writing.begin().ok_or_else(|| {
            crate::Diagnostic::error(out_dir, None, "serve is stopping: nothing more is indexed")
        })?;
        let file = out_dir.join(path);
        std::fs::read(&file).map_err(|e| {
            crate::Diagnostic::error(
                &file,
                None,
                format!("cannot read the page to index it: {e}"),
            )
        })
    };
    let settings = crate::search::Settings::of(&config);
    match crate::search::index(&pages, &settings, &read, &old) {
        Ok(index) => {
            let Some(_writing) = shared.writing.begin() else {
                return;
            };
            if let Err(d) = crate::output::replace_files(out_dir, &old, &index.files) {
                // The old index stays the one on record: the next refresh tries again.
                eprint!("{d}");
                return;
            }
            *shared
                .search_index
                .write()
                .unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(index.files));
        }
        // A page went away under a newer build, whose own refresh comes next.
        Err(_)
            if !Arc::ptr_eq(
                &pages,
                &shared.indexed.read().unwrap_or_else(|e| e.into_inner()),
            ) => {}
        Err(d) => eprint!("{d}"),
    }
}
