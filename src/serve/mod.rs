//! `explainer serve`: the editors' preview. Builds the site (drafts included) into a
//! private folder, serves it on 127.0.0.1, watches `content/`, `layouts/` and
//! `explainer.toml`, rebuilds with the same [`crate::build`] on every real change, and
//! tells open pages to reload over Server-Sent Events once the new output is in place.
//!
//! A failed rebuild keeps the last good site and shows its errors on the terminal and as
//! an overlay in the browser. The reload script and the overlay are added to HTML responses
//! in memory only; nothing of them is ever written to the output folder.
//!
//! This module is serve's lifecycle: its options, [`start`] and [`run`], and the rebuild
//! with its panic guard. The other jobs have a file each: `http` answers requests,
//! `watch` turns saves into rebuilds, `indexer` refreshes the search index in the
//! background, `overlay` makes the error overlay and the reload script, and `terminal`
//! says what each build's problems are.

mod http;
mod indexer;
mod overlay;
mod terminal;
mod watch;

pub use http::resolve_request_path;
pub use overlay::overlay_html;

use crate::{BuildOptions, Diagnostics};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// The path of the live-reload event stream.
pub const LIVERELOAD_PATH: &str = "/__livereload";

/// How `serve` runs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The site folder.
    pub site_dir: PathBuf,
    /// The address to listen on.
    pub bind: IpAddr,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// Where to build; a fresh folder in the system's temporary folder if `None`.
    pub out_dir: Option<PathBuf>,
    /// How long a client may take to send a request's headers before its connection is
    /// closed (a client that opens connections and never finishes a request would
    /// otherwise hold them forever).
    pub header_timeout: Duration,
    /// At most this many connections are served at once; more wait to be accepted.
    pub max_connections: usize,
}

impl ServeOptions {
    /// Serving `site_dir` on 127.0.0.1:1111, into a temporary folder, with the default
    /// limits: 10 seconds to send a request's headers, 128 connections at once.
    pub fn new(site_dir: impl Into<PathBuf>) -> Self {
        ServeOptions {
            site_dir: site_dir.into(),
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 1111,
            out_dir: None,
            header_timeout: Duration::from_secs(10),
            max_connections: 128,
        }
    }
}

/// What the browser is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A new build is in place: reload.
    Reload,
    /// The last rebuild failed: show this overlay HTML.
    Failed(String),
    /// The server is stopping: end the stream.
    Shutdown,
}

/// The state shared by the server, the watcher and the builder.
struct Shared {
    out_dir: PathBuf,
    /// The overlay HTML of the last failed build, if the last build failed.
    error: RwLock<Option<String>>,
    /// The overlay HTML for the file watcher's last error, if it had one: saves may be
    /// missed until serve is restarted.
    watch_error: RwLock<Option<String>>,
    /// The notice of the last good build's warnings, if it had any.
    warnings: RwLock<Option<String>>,
    /// The last search index, reused by the next build and refreshed after it.
    search_index: RwLock<Option<Arc<Vec<crate::output::Output>>>>,
    /// The pages the last good build wrote that the search index holds, with the hash of
    /// each: what the indexer refreshes the index from.
    indexed: RwLock<Arc<Vec<crate::search::IndexedPage>>>,
    /// Held while anything writes into the output folder.
    writing: Arc<Writer>,
    /// Asks the indexer thread to refresh the search index (a full queue means a request
    /// is already waiting).
    indexer: std::sync::mpsc::SyncSender<()>,
    signals: broadcast::Sender<Signal>,
    /// The problems the terminal has shown, so that each build says only what changed.
    shown: Mutex<terminal::Shown>,
}

/// The right to write into the output folder: held while a build or the indexer writes,
/// and taken for good when serve stops, so that its private folder is removed after the
/// last write, and nothing writes into it (making it again) after that.
#[derive(Default)]
pub(super) struct Writer {
    lock: Mutex<()>,
    stopped: std::sync::atomic::AtomicBool,
}

impl Writer {
    /// The right to write, until the guard is dropped; `None` once serve is stopping.
    pub(super) fn begin(&self) -> Option<std::sync::MutexGuard<'_, ()>> {
        let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let stopped = self.stopped.load(std::sync::atomic::Ordering::SeqCst);
        (!stopped).then_some(guard)
    }

    /// Refuses every later write (one in progress goes on, and fails once its folder is
    /// gone: a build's staging folder is never made again, see `output::Staging`).
    fn stop(&self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Shared {
    /// The state of a server that builds into `out_dir` and has built nothing yet.
    fn new(
        out_dir: PathBuf,
        indexer: std::sync::mpsc::SyncSender<()>,
        signals: broadcast::Sender<Signal>,
        writing: Arc<Writer>,
    ) -> Self {
        Shared {
            out_dir,
            error: RwLock::new(None),
            watch_error: RwLock::new(None),
            warnings: RwLock::new(None),
            search_index: RwLock::new(None),
            indexed: RwLock::default(),
            writing,
            indexer,
            signals,
            shown: Mutex::default(),
        }
    }
}

/// A running server.
pub struct ServerHandle {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Where it builds the site.
    pub out_dir: PathBuf,
    shared: Arc<Shared>,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    _watcher: Box<dyn std::any::Any + Send>,
    /// Dropped last: the private folder serve made to build in, if it made one (removed
    /// when dropped: on a normal stop, on an error, and while unwinding from a panic).
    _folder: Option<tempfile::TempDir>,
}

impl ServerHandle {
    /// Subscribes to what the browser is told (for tests and tools).
    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.shared.signals.subscribe()
    }

    /// Stops the server: open connections get a moment to finish, then are dropped, so
    /// that a client holding a half-sent request never holds up the stop. A temporary
    /// output folder is removed.
    pub async fn stop(mut self) {
        let _ = self.shared.signals.send(Signal::Shutdown);
        let _ = self.shutdown.send(true);
        if tokio::time::timeout(Duration::from_secs(2), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

/// One build, with its outcome printed on the terminal.
fn rebuild(site_dir: &Path, out_dir: &Path, shared: &Shared, cache: &mut crate::Session) {
    let started = Instant::now();
    let reused = shared
        .search_index
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let opts = BuildOptions {
        out_dir: Some(out_dir.to_path_buf()),
        drafts: true,
        search: reused
            .clone()
            .map(crate::SearchIndex::Reuse)
            .unwrap_or_default(),
        ..BuildOptions::new(site_dir)
    };
    let built = {
        // Serve is stopping: its folder is about to go, so nothing is built into it.
        let Some(_writing) = shared.writing.begin() else {
            return;
        };
        // The indexer wrote the index beside the last build: the output folder holds it.
        if let Some(index) = &reused {
            cache.note_written(index);
        }
        let built = guarded(|| crate::build_in(&opts, cache));
        if built.is_err() {
            // A crash may have left the cache half updated: start afresh next time.
            *cache = crate::Session::warm();
        }
        built
    };
    match built {
        Ok(report) => {
            let indexed = report.search_index;
            if !indexed || reused.is_none() {
                // Without search there is no index to reuse: when search comes back on,
                // the next build indexes inline again. The first build with search
                // indexed inline: keep its index for the next builds.
                *shared
                    .search_index
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) =
                    indexed.then(|| Arc::new(indexer::read_index(out_dir)));
            }
            print_problems(shared, &report.diagnostics, true);
            *shared.error.write().unwrap_or_else(|e| e.into_inner()) = None;
            *shared.warnings.write().unwrap_or_else(|e| e.into_inner()) =
                overlay::warnings_html(&report.diagnostics);
            let _ = shared.signals.send(Signal::Reload);
            eprintln!(
                "{}: {} ({:.0} ms to reload)",
                if reused.is_some() { "rebuilt" } else { "built" },
                report.summary(),
                started.elapsed().as_secs_f64() * 1000.0
            );
            // After the reload: the indexer's list of pages is not needed to serve them.
            *shared.indexed.write().unwrap_or_else(|e| e.into_inner()) =
                Arc::new(cache.indexed_pages());
            if reused.is_some() && indexed {
                let _ = shared.indexer.try_send(());
            }
        }
        Err(diags) => {
            print_problems(shared, &diags, false);
            eprintln!(
                "build failed: {} error(s), {} warning(s); still serving the last good site",
                diags.count(crate::Severity::Error),
                diags.count(crate::Severity::Warning)
            );
            let overlay = overlay_html(&diags);
            *shared.error.write().unwrap_or_else(|e| e.into_inner()) = Some(overlay.clone());
            let _ = shared.signals.send(Signal::Failed(overlay));
        }
    }
}

/// Prints the problems of a build that are new since the last, and those fixed.
fn print_problems(shared: &Shared, diags: &Diagnostics, succeeded: bool) {
    let mut shown = shared.shown.lock().unwrap_or_else(|e| e.into_inner());
    eprint!("{}", shown.after(diags, succeeded));
}

/// Runs one build, turning a panic into an error, so that a bug in the build never stops
/// `serve` from watching: the overlay shows it and the next save builds again.
fn guarded<T>(build: impl FnOnce() -> Result<T, Diagnostics>) -> Result<T, Diagnostics> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(build)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        let mut diags = Diagnostics::new();
        diags.push(
            crate::Diagnostic::error("content", None, format!("the build crashed: {what}"))
                .with_help("this is a bug in explainer; please report it with the file you last saved. Saving again rebuilds"),
        );
        Err(diags)
    })
}

/// Removes serve's private folder. A build still running may be writing a file into it as
/// it goes (and the removal then fails: a folder is not empty any more); it makes no
/// folder again, so trying again for a moment removes it all.
fn remove_until_gone(folder: tempfile::TempDir) {
    let path = folder.path().to_path_buf();
    let mut removed = folder.close();
    for _ in 0..200 {
        if removed.is_ok() || !path.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
        removed = std::fs::remove_dir_all(&path);
    }
    eprintln!("could not remove {}: remove it yourself", path.display());
}

/// Builds once, starts serving, and rebuilds on every change until stopped. The port is
/// taken first, so that a port in use fails at once, before any build or folder. Without
/// an `out_dir`, it builds in a private folder of its own, removed when the server stops.
pub async fn start(opts: ServeOptions) -> Result<ServerHandle, String> {
    let mut folder = None;
    let mut handle = launch(opts, &mut folder, Arc::default()).await?;
    handle._folder = folder;
    Ok(handle)
}

/// [`start`], with the private folder it makes (if `opts` names none) put into `folder`
/// as soon as it exists: whoever owns `folder` decides when it is removed.
async fn launch(
    opts: ServeOptions,
    folder: &mut Option<tempfile::TempDir>,
    writing: Arc<Writer>,
) -> Result<ServerHandle, String> {
    let site_dir = opts.site_dir.canonicalize().map_err(|e| {
        format!(
            "cannot open the site folder {}: {e}",
            opts.site_dir.display()
        )
    })?;
    if let Some(out) = &opts.out_dir {
        crate::output::check_out_dir(&site_dir, out).map_err(|d| {
            format!(
                "{}: {}{}",
                d.location(),
                d.message,
                d.help.map(|h| format!("\n  help: {h}")).unwrap_or_default()
            )
        })?;
    }
    let listener = tokio::net::TcpListener::bind((opts.bind, opts.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", opts.bind, opts.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let out_dir = output_folder(&opts, folder)?;
    let (signals, _) = broadcast::channel(64);
    let (indexer, index_requests) = std::sync::mpsc::sync_channel(1);
    let shared = Arc::new(Shared::new(out_dir.clone(), indexer, signals, writing));
    {
        let (site, weak) = (site_dir.clone(), Arc::downgrade(&shared));
        std::thread::spawn(move || indexer::indexer_loop(&site, weak, index_requests));
    }

    // Fingerprint the watched files before the first build, so that a save made while it
    // runs is seen as a change.
    let hashes = watch::watched_hashes(&site_dir);
    let cache = {
        let (site, out, sh) = (site_dir.clone(), out_dir.clone(), shared.clone());
        tokio::task::spawn_blocking(move || {
            let mut cache = crate::Session::warm();
            rebuild(&site, &out, &sh, &mut cache);
            cache
        })
        .await
        .map_err(|e| e.to_string())?
    };

    let debouncer = watch::start_watching(&site_dir, &shared, hashes, cache)?;
    let hosts = http::Hosts {
        bind: opts.bind,
        port: addr.port(),
    };
    let app = http::app(shared.clone(), hosts);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(http::accept_loop(
        listener,
        app,
        stop_rx,
        opts.header_timeout,
        opts.max_connections.max(1),
    ));
    Ok(ServerHandle {
        addr,
        out_dir,
        shared,
        shutdown: stop_tx,
        task,
        _watcher: Box::new(debouncer),
        _folder: None,
    })
}

/// The folder to build into: `--out`, or `public/` in a new private folder (kept in
/// `folder`). Created, and named by its canonical path.
fn output_folder(
    opts: &ServeOptions,
    folder: &mut Option<tempfile::TempDir>,
) -> Result<PathBuf, String> {
    let out_dir = match &opts.out_dir {
        Some(d) => d.clone(),
        None => folder.insert(private_folder()?).path().join("public"),
    };
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    out_dir
        .canonicalize()
        .map_err(|e| format!("cannot open {}: {e}", out_dir.display()))
}

/// A new folder in the system's temporary folder, with a name no one can know in advance
/// (so that no one can make it first and have drafts built into it), readable by its
/// owner only.
fn private_folder() -> Result<tempfile::TempDir, String> {
    let made = tempfile::Builder::new()
        .prefix("explainer-serve-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder to build in: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(made.path(), std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("cannot make {} private: {e}", made.path().display()))?;
    }
    Ok(made)
}

/// Opens `url` in `$BROWSER` if it is set, else in the system's browser; says so on the
/// terminal if that fails.
fn open_browser(url: &str) {
    if let Err(e) = opener::open_browser(url) {
        eprintln!("could not open a browser ({e}); open {url} yourself");
    }
}

/// Waits for Ctrl-C, or on Unix for SIGTERM (what `kill` and service managers send).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs `serve` until Ctrl-C or SIGTERM; stops on the first one, whatever the clients
/// are doing, and removes its private folder on every way out.
pub fn run(opts: ServeOptions, open: bool) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    // Owned here, not by the server, so that it is removed last: after the runtime has
    // stopped, since a build that was still writing into it could make it again.
    let mut folder = None;
    let writing = Arc::new(Writer::default());
    let result = runtime.block_on(async {
        // A signal during the first build stops it too.
        let handle = tokio::select! {
            started = launch(opts, &mut folder, writing.clone()) => started?,
            _ = stop_signal() => {
                eprintln!("stopping");
                return Ok(());
            }
        };
        let url = format!("http://{}/", handle.addr);
        eprintln!(
            "serving {url} (drafts included; built in {}); press Ctrl-C to stop",
            handle.out_dir.display()
        );
        if open {
            tokio::task::spawn_blocking(move || open_browser(&url));
        }
        stop_signal().await;
        eprintln!("stopping");
        handle.stop().await;
        Ok(())
    });
    // Do not wait for a build or a client in progress. No write starts from here on; one
    // in progress (the first build, when a signal came while it ran) fails as its folder
    // goes, and never makes it again, so the folder is removed until it stays removed.
    runtime.shutdown_timeout(Duration::from_millis(500));
    writing.stop();
    if let Some(folder) = folder {
        remove_until_gone(folder);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_build_becomes_an_error() {
        let r: Result<(), Diagnostics> = guarded(|| panic!("boom at {}", 473));
        let d = r.unwrap_err();
        let first = d.iter().next().unwrap();
        assert_eq!(first.message, "the build crashed: boom at 473");
        assert!(overlay_html(&d).contains("the build crashed"));
        let r: Result<u8, Diagnostics> = guarded(|| Ok(1));
        assert_eq!(r.unwrap(), 1);
    }
}
