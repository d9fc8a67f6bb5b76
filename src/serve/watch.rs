//! The file watcher: which paths matter, a fingerprint of each watched file, and the loop
//! that turns the watcher's event batches into the set of files that really changed and
//! rebuilds once for them.

use super::overlay::overlay_titled;
use super::{Shared, Signal, rebuild};
use crate::Diagnostics;
use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The folders watched recursively (explainer.toml is watched through the site folder).
const WATCHED_DIRS: [&str; 2] = ["content", "layouts"];

/// How long the watcher waits for a burst of saves to settle.
const DEBOUNCE: Duration = Duration::from_millis(15);

/// The fingerprint of each watched file as last seen; `None` for one that is gone (or is
/// not a file).
pub(super) type Hashes = HashMap<PathBuf, Option<String>>;

/// The file watcher, with its debouncing.
pub(super) type Watcher = notify_debouncer_full::Debouncer<
    notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// Where the watched files are: the site folder, and the output folder inside it (if it
/// is there), whose files never count.
pub(super) struct Scope<'a> {
    pub(super) site_dir: &'a Path,
    pub(super) out_dir: &'a Path,
}

impl Scope<'_> {
    /// Whether a changed path matters: inside content/ or layouts/, or explainer.toml
    /// itself, and not an editor's temporary file or the output.
    fn is_watched(&self, path: &Path) -> bool {
        if path.starts_with(self.out_dir) {
            return false;
        }
        let Ok(rel) = path.strip_prefix(self.site_dir) else {
            return false;
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if crate::load::is_ignored_name(&name)
            || rel
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        {
            return false;
        }
        rel == Path::new(crate::config::CONFIG_FILE)
            || rel.starts_with("content")
            || rel.starts_with("layouts")
    }

    /// Whether `path` is `content/` or `layouts/` itself.
    fn is_watched_root(&self, path: &Path) -> bool {
        path.parent() == Some(self.site_dir) && WATCHED_DIRS.iter().any(|d| path.ends_with(d))
    }
}

/// What one or more batches of watcher events amount to.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Changes {
    /// The files that appeared, went away or whose contents changed.
    files: Vec<PathBuf>,
    /// Events were lost: any file may have changed.
    unknown: bool,
    /// What the watcher said went wrong.
    failures: Vec<String>,
    /// `content/` or `layouts/`, created after the start: to be watched too.
    new_roots: Vec<PathBuf>,
}

impl Changes {
    /// Whether anything may have changed, so that a build is due.
    fn any(&self) -> bool {
        self.unknown || !self.files.is_empty()
    }

    /// Adds `other`'s changes to these.
    fn merge(&mut self, other: Changes) {
        self.files.extend(other.files);
        self.unknown |= other.unknown;
        self.failures.extend(other.failures);
        self.new_roots.extend(other.new_roots);
    }

    /// Notes `file` as changed if its fingerprint differs from the last one seen.
    fn compare(&mut self, file: PathBuf, hashes: &mut Hashes) {
        let h = file_hash(&file);
        if hashes.get(&file) != Some(&h) {
            hashes.insert(file.clone(), h);
            self.files.push(file);
        }
    }

    /// A path an event named, which is watched: a file is compared; a folder that
    /// appeared, vanished or was renamed has each of its files compared.
    fn saw(&mut self, path: &Path, hashes: &mut Hashes, scope: &Scope) {
        if !path.is_dir() {
            return self.compare(path.to_path_buf(), hashes);
        }
        if scope.is_watched_root(path) {
            self.new_roots.push(path.to_path_buf());
        }
        for f in walk(path, scope.site_dir) {
            self.compare(f, hashes);
        }
    }

    /// A path an event named, which no longer exists: if it was a folder, the files that
    /// were in it are gone.
    fn gone(&mut self, path: &Path, hashes: &mut Hashes) {
        let gone: Vec<PathBuf> = hashes
            .keys()
            .filter(|k| k.starts_with(path) && *k != path && !k.exists())
            .cloned()
            .collect();
        for g in gone {
            hashes.insert(g.clone(), None);
            self.files.push(g);
        }
    }
}

/// What one batch from the watcher changed, comparing each named file with its last
/// fingerprint in `hashes` (which it updates). A batch of errors means events may have
/// been lost.
pub(super) fn changes(batch: DebounceEventResult, hashes: &mut Hashes, scope: &Scope) -> Changes {
    let mut changes = Changes::default();
    let events = match batch {
        Ok(events) => events,
        Err(errors) => {
            changes.failures = errors.iter().map(|e| e.to_string()).collect();
            changes.unknown = true;
            return changes;
        }
    };
    for event in events {
        if matches!(event.kind, notify::EventKind::Access(_)) {
            continue;
        }
        for path in event.paths.iter().filter(|p| scope.is_watched(p)) {
            changes.saw(path, hashes, scope);
        }
        for path in event.paths.iter().filter(|p| !p.exists()) {
            changes.gone(path, hashes);
        }
    }
    changes
}

/// Watches the site's settings and folders, and rebuilds on a thread of its own whenever
/// a watched file really changed (its hash, from `hashes` on). The watch stops when the
/// returned debouncer is dropped.
pub(super) fn start_watching(
    site_dir: &Path,
    shared: &Arc<Shared>,
    hashes: Hashes,
    cache: crate::Session,
) -> Result<Arc<Mutex<Watcher>>, String> {
    let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
    let mut debouncer =
        new_debouncer(DEBOUNCE, None, tx).map_err(|e| format!("cannot watch files: {e}"))?;
    debouncer
        .watch(site_dir, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", site_dir.display()))?;
    for dir in WATCHED_DIRS {
        let d = site_dir.join(dir);
        if d.is_dir() {
            debouncer
                .watch(&d, RecursiveMode::Recursive)
                .map_err(|e| format!("cannot watch {}: {e}", d.display()))?;
        }
    }
    let debouncer = Arc::new(Mutex::new(debouncer));
    // A weak handle: the watcher stops when the server drops the debouncer.
    let (site, sh, deb) = (
        site_dir.to_path_buf(),
        shared.clone(),
        Arc::downgrade(&debouncer),
    );
    std::thread::spawn(move || {
        let watch_new_dir = |dir: &Path| -> Result<(), String> {
            match deb.upgrade() {
                Some(d) => d
                    .lock()
                    .map_err(|e| e.to_string())?
                    .watch(dir, RecursiveMode::Recursive)
                    .map_err(|e| e.to_string()),
                None => Ok(()),
            }
        };
        watch_loop(&site, &sh, rx, hashes, cache, &watch_new_dir)
    });
    Ok(debouncer)
}

/// Until the watcher goes away: takes every batch of events that is waiting, works out
/// which files really changed, and rebuilds once for all of them.
pub(super) fn watch_loop(
    site_dir: &Path,
    shared: &Shared,
    rx: std::sync::mpsc::Receiver<DebounceEventResult>,
    mut hashes: Hashes,
    mut cache: crate::Session,
    watch_new_dir: &dyn Fn(&Path) -> Result<(), String>,
) {
    let scope = Scope {
        site_dir,
        out_dir: &shared.out_dir,
    };
    while let Ok(first) = rx.recv() {
        // Every batch that is already waiting: one rebuild for all of them.
        let mut all = Changes::default();
        for batch in std::iter::once(first).chain(rx.try_iter()) {
            all.merge(changes(batch, &mut hashes, &scope));
        }
        for failure in &all.failures {
            watch_failed(shared, failure);
        }
        for dir in &all.new_roots {
            if let Err(e) = watch_new_dir(dir) {
                watch_failed(shared, &format!("cannot watch {}: {e}", dir.display()));
            }
        }
        if all.unknown {
            // Events may have been lost: the next build reads every file.
            cache.forget_changes();
        }
        if all.any() {
            cache.note_changed(all.files);
            rebuild(site_dir, &shared.out_dir, shared, &mut cache);
        }
    }
}

/// Says on the terminal and in the browser that the file watcher failed: until serve is
/// restarted, saves may go unseen (on Linux, most often the inotify watch limit).
fn watch_failed(shared: &Shared, what: &str) {
    eprintln!("error: watching files failed: {what}; saves may be missed until serve is restarted");
    let mut diags = Diagnostics::new();
    diags.push(
        crate::Diagnostic::error("content", None, format!("watching files failed: {what}"))
            .with_help("restart `explainer serve`; on Linux, if it says no space is left or too many files are open, raise the inotify limits: sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=1024"),
    );
    let overlay = overlay_titled(
        &diags,
        "Saves may be missed",
        "The file watcher failed, so changes may not be rebuilt:",
    );
    *shared
        .watch_error
        .write()
        .unwrap_or_else(|e| e.into_inner()) = Some(overlay.clone());
    let _ = shared.signals.send(Signal::Failed(overlay));
}

/// A cheap fingerprint of a file's contents; `None` if it is gone, or is not a regular
/// file. A folder, a named pipe, a socket or a device is never opened: opening a named
/// pipe waits for a writer, which would stop serve, and a device can have no end.
fn file_hash(path: &Path) -> Option<String> {
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut file = open_without_waiting(path).ok()?;
    // Asked again of what was opened: the path may have been replaced in the meantime.
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut bytes = vec![];
    std::io::Read::read_to_end(&mut file, &mut bytes).ok()?;
    Some(crate::fingerprint::stable(&bytes))
}

/// Opens `path` for reading; on Unix without waiting, should it be a named pipe after all.
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    options.open(path)
}

/// The fingerprint of every watched file.
pub(super) fn watched_hashes(site_dir: &Path) -> Hashes {
    let mut hashes = HashMap::new();
    for dir in WATCHED_DIRS {
        for file in walk(&site_dir.join(dir), site_dir) {
            let h = file_hash(&file);
            hashes.insert(file, h);
        }
    }
    let config = site_dir.join(crate::config::CONFIG_FILE);
    let h = file_hash(&config);
    hashes.insert(config, h);
    hashes
}

/// Every regular file below `dir` (none if it does not exist), leaving out what the
/// build leaves out (hidden files and folders, editors' temporary files). Links are
/// followed while they lead to a place inside `site_real` (the site folder's real path).
/// A link back into a folder that holds it is skipped, so a looping link costs nothing
/// here; the build reports it. (A walk that followed such links went round until the
/// system said the path was too long, and two of them made it exponential.)
fn walk(dir: &Path, site_real: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || (!ignored(e) && stays_inside(e, site_real)))
        // Loops, links that lead nowhere, and folders that cannot be read.
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// Whether the build leaves this file or folder out, by its name.
fn ignored(entry: &walkdir::DirEntry) -> bool {
    crate::load::is_ignored_name(&entry.file_name().to_string_lossy())
}

/// Whether `entry` is not a link, or a link to a place inside `site_real`.
fn stays_inside(entry: &walkdir::DirEntry, site_real: &Path) -> bool {
    !entry.path_is_symlink()
        || entry
            .path()
            .canonicalize()
            .is_ok_and(|real| real.starts_with(site_real))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::broadcast;

    /// Issue 10, item 18: a watcher error (such as the inotify limit) is shown on the
    /// terminal and as an overlay, instead of being dropped.
    #[test]
    fn watcher_errors_are_shown() {
        let dir = tempfile::tempdir().unwrap();
        let (signals, mut seen) = broadcast::channel(8);
        let (indexer, _requests) = std::sync::mpsc::sync_channel(1);
        let shared = Shared::new(
            dir.path().join("public"),
            indexer,
            signals,
            Default::default(),
        );
        let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
        tx.send(Err(vec![notify::Error::generic(
            "inotify watch limit reached",
        )]))
        .unwrap();
        drop(tx);
        watch_loop(
            dir.path(),
            &shared,
            rx,
            HashMap::new(),
            crate::Session::warm(),
            &|_| Ok(()),
        );
        let overlay = shared.watch_error.read().unwrap().clone().unwrap();
        assert!(overlay.contains("inotify watch limit reached"), "{overlay}");
        assert!(overlay.contains("max_user_watches"), "{overlay}");
        match seen.try_recv() {
            Ok(Signal::Failed(html)) => assert_eq!(html, overlay),
            other => panic!("no overlay sent: {other:?}"),
        }
    }

    /// Makes a named pipe at `path`.
    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        use rustix::fs::{CWD, FileType, Mode, mknodat};
        mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o644), 0).unwrap();
    }

    /// Runs `f` on a thread of its own; `None` if it has not returned within 30 seconds
    /// (it blocks, or takes for ever).
    fn within_patience<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(30)).ok()
    }

    /// Review 2026-12-01, §3.5: only regular files are hashed. A named pipe is never
    /// opened (that waits for a writer and stopped serve), nor is a folder read as one.
    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let (file, pipe) = (dir.path().join("a.md"), dir.path().join("pipe.md"));
        std::fs::write(&file, "text").unwrap();
        mkfifo(&pipe);
        let folder = dir.path().to_path_buf();
        let hashes =
            within_patience(move || (file_hash(&file), file_hash(&pipe), file_hash(&folder)))
                .expect("hashing a named pipe blocked");
        assert_eq!(
            hashes,
            (Some(crate::fingerprint::stable(b"text")), None, None)
        );
    }

    /// Review 2026-12-01, §1.5 and §3.5: serve's own walk followed every symlinked folder
    /// with no loop check, so `content/a -> .` and `content/b -> .` made it exponential
    /// before the first build. Now loops, links out of the site, hidden and temporary
    /// files, and anything that is not a regular file are left out.
    #[cfg(unix)]
    #[test]
    fn the_walk_is_safe_from_looping_links_and_lists_only_regular_files() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "s").unwrap();
        let site = tempfile::tempdir().unwrap();
        let site_real = site.path().canonicalize().unwrap();
        let content = site_real.join("content");
        std::fs::create_dir_all(content.join("sub/.git")).unwrap();
        std::fs::create_dir_all(site_real.join("shared")).unwrap();
        for f in ["x.md", "sub/y.md", "sub/.git/HEAD", "sub/y.md~", "sub/4913"] {
            std::fs::write(content.join(f), "t").unwrap();
        }
        std::fs::write(site_real.join("shared/z.md"), "t").unwrap();
        use std::os::unix::fs::symlink;
        symlink(".", content.join("a")).unwrap();
        symlink(".", content.join("b")).unwrap();
        symlink("..", content.join("sub/up")).unwrap();
        symlink("../shared", content.join("shared")).unwrap();
        symlink(outside.path(), content.join("outside")).unwrap();
        symlink("x.md", content.join("linked.md")).unwrap();
        mkfifo(&content.join("pipe.md"));
        let root = site_real.clone();
        let mut found =
            within_patience(move || walk(&content, &root)).expect("the walk did not end");
        found.sort();
        let rel: Vec<String> = found
            .iter()
            .map(|p| p.strip_prefix(&site_real).unwrap().display().to_string())
            .collect();
        assert_eq!(
            rel,
            [
                "content/linked.md",
                "content/shared/z.md",
                "content/sub/y.md",
                "content/x.md"
            ]
        );
    }

    #[test]
    fn watched_paths() {
        let scope = Scope {
            site_dir: Path::new("/s"),
            out_dir: Path::new("/s/public"),
        };
        assert!(scope.is_watched(Path::new("/s/content/a.md")));
        assert!(scope.is_watched(Path::new("/s/explainer.toml")));
        assert!(!scope.is_watched(Path::new("/s/public/index.html")));
        assert!(!scope.is_watched(Path::new("/s/content/.a.md.swp")));
        assert!(!scope.is_watched(Path::new("/s/content/4913")));
        assert!(!scope.is_watched(Path::new("/s/target/x")));
    }
}
