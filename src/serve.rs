//! `explainer serve`: the editors' preview. Builds the site (drafts included) into a
//! private folder, serves it on 127.0.0.1, watches `content/`, `layouts/` and
//! `explainer.toml`, rebuilds with the same [`crate::build`] on every real change, and
//! tells open pages to reload over Server-Sent Events once the new output is in place.
//!
//! A failed rebuild keeps the last good site and shows its errors on the terminal and as
//! an overlay in the browser. The reload script and the overlay are added to HTML responses
//! in memory only; nothing of them is ever written to the output folder.

use crate::html::escape;
use crate::{BuildOptions, Diagnostics};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// The path of the live-reload event stream.
pub const LIVERELOAD_PATH: &str = "/__livereload";

/// The folders watched recursively (explainer.toml is watched through the site folder).
const WATCHED_DIRS: [&str; 2] = ["content", "layouts"];

/// How long the watcher waits for a burst of saves to settle.
const DEBOUNCE: Duration = Duration::from_millis(15);

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

/// A folder that `serve` made for itself, removed when dropped: on a normal stop, on an
/// error after it was made, and while unwinding from a panic.
struct OwnedFolder(PathBuf);

impl Drop for OwnedFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
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
    /// The last search index, reused by the next build and refreshed after it.
    search_index: RwLock<Option<Arc<Vec<crate::output::Output>>>>,
    /// The pages the last good build wrote that the search index holds, with the hash of
    /// each: what the indexer refreshes the index from.
    indexed: RwLock<Arc<Vec<crate::search::IndexedPage>>>,
    /// Held while anything writes into the output folder.
    writing: Mutex<()>,
    /// Asks the indexer thread to refresh the search index (a full queue means a request
    /// is already waiting).
    indexer: std::sync::mpsc::SyncSender<()>,
    signals: broadcast::Sender<Signal>,
}

impl Shared {
    /// The state of a server that builds into `out_dir` and has built nothing yet.
    fn new(
        out_dir: PathBuf,
        indexer: std::sync::mpsc::SyncSender<()>,
        signals: broadcast::Sender<Signal>,
    ) -> Self {
        Shared {
            out_dir,
            error: RwLock::new(None),
            watch_error: RwLock::new(None),
            search_index: RwLock::new(None),
            indexed: RwLock::default(),
            writing: Mutex::new(()),
            indexer,
            signals,
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
    /// Dropped last: the temporary output folder, if serve made one.
    _folder: Option<OwnedFolder>,
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
        let _writing = shared.writing.lock().unwrap_or_else(|e| e.into_inner());
        let built = guarded(|| crate::build_in(&opts, cache));
        if built.is_err() {
            // A crash may have left the cache half updated: start afresh next time.
            *cache = crate::Session::warm();
        }
        built
    };
    match built {
        Ok(report) => {
            if reused.is_none() {
                // The first build indexed inline: keep its index for the next builds.
                *shared
                    .search_index
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(read_index(out_dir)));
            }
            if report.diagnostics.count(crate::Severity::Warning) > 0 {
                eprint!("{}", report.diagnostics.report(crate::Severity::Warning));
            }
            *shared.error.write().unwrap_or_else(|e| e.into_inner()) = None;
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
            if reused.is_some() {
                let _ = shared.indexer.try_send(());
            }
        }
        Err(diags) => {
            eprint!("{}", diags.report(crate::Severity::Warning));
            eprintln!("build failed; still serving the last good site");
            let overlay = overlay_html(&diags);
            *shared.error.write().unwrap_or_else(|e| e.into_inner()) = Some(overlay.clone());
            let _ = shared.signals.send(Signal::Failed(overlay));
        }
    }
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

/// The search index files in the output folder, as outputs.
fn read_index(out_dir: &Path) -> Vec<crate::output::Output> {
    crate::search::read_index(out_dir).unwrap_or_default()
}

/// The indexer thread: on each request, indexes the pages last written and puts the new
/// index in place. It runs beside the rebuilds, after their reloads were sent, so that a
/// save never waits for indexing; the next build reuses the index it stored. It stops when
/// the server is gone.
fn indexer_loop(
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
        let _writing = shared.writing.lock().unwrap_or_else(|e| e.into_inner());
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
            let _writing = shared.writing.lock().unwrap_or_else(|e| e.into_inner());
            replace_index(out_dir, &old, &index.files);
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

/// Puts the index `new` in the place of `old` in `out_dir`: writes the files that are new
/// or changed, and removes those that are gone.
fn replace_index(out_dir: &Path, old: &[crate::output::Output], new: &[crate::output::Output]) {
    let before: std::collections::HashMap<&str, &[u8]> = old
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    for f in new {
        if before.get(f.path.as_str()) == Some(&f.bytes.as_slice()) {
            continue;
        }
        let path = out_dir.join(&f.path);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, &f.bytes);
    }
    let now: std::collections::HashSet<&str> = new.iter().map(|f| f.path.as_str()).collect();
    for f in old.iter().filter(|f| !now.contains(f.path.as_str())) {
        let _ = std::fs::remove_file(out_dir.join(&f.path));
    }
}

/// The error overlay: every problem with `file:line:col`, message and help, escaped.
pub fn overlay_html(diags: &Diagnostics) -> String {
    overlay_titled(
        diags,
        "The last change did not build",
        "The page shows the last good build. Fix these and save:",
    )
}

fn overlay_titled(diags: &Diagnostics, title: &str, lead: &str) -> String {
    let mut items = String::new();
    for d in diags
        .sorted()
        .into_iter()
        .filter(|d| d.severity == crate::Severity::Error)
    {
        items.push_str(&format!(
            "<li><code class=\"ex-loc\">{}</code><p class=\"ex-msg\">{}</p>{}</li>",
            escape(&d.location()),
            escape(&d.message),
            d.help
                .as_ref()
                .map(|h| format!("<pre class=\"ex-help\">help: {}</pre>", escape(h)))
                .unwrap_or_default()
        ));
    }
    format!(
        "<div id=\"explainer-error-overlay\" role=\"alert\"><h2>{}</h2><p>{}</p><ol>{items}</ol></div>",
        escape(title),
        escape(lead)
    )
}

/// The script and styles `serve` adds to every HTML page it serves.
fn client_snippet(overlay: Option<&str>) -> String {
    format!(
        r#"<style>#explainer-error-overlay{{position:fixed;inset:1rem;z-index:99999;overflow:auto;background:#fff;color:#0b0c0c;border:5px solid #d4351c;padding:1rem 1.5rem;font:16px/1.5 system-ui,sans-serif;box-shadow:0 0 0 100vmax rgba(0,0,0,.5)}}#explainer-error-overlay h2{{color:#d4351c;margin-top:0}}#explainer-error-overlay code,#explainer-error-overlay pre{{font:14px/1.4 ui-monospace,monospace;white-space:pre-wrap}}</style>{}<script>(function(){{var es=new EventSource("{LIVERELOAD_PATH}");es.addEventListener("reload",function(){{location.reload()}});es.addEventListener("failed",function(e){{var old=document.getElementById("explainer-error-overlay");if(old)old.remove();document.body.insertAdjacentHTML("beforeend",e.data)}});}})();</script>"#,
        overlay.unwrap_or("")
    )
}

/// Adds the live-reload script (and the overlay, if the last build failed) to a page.
fn inject(html: &str, overlay: Option<&str>) -> String {
    let snippet = client_snippet(overlay);
    match html.rfind("</body>") {
        Some(i) => format!("{}{}{}", &html[..i], snippet, &html[i..]),
        None => format!("{html}{snippet}"),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The file inside `root` that a request path names, or `None` if it would leave `root`
/// (`..`, absolute paths, backslashes, symlinks pointing outside) or names nothing.
pub fn resolve_request_path(root: &Path, request_path: &str) -> Option<PathBuf> {
    let decoded = crate::url::percent_decode(request_path.split(['?', '#']).next().unwrap_or(""))?;
    if decoded.contains('\\') {
        return None;
    }
    let mut path = root.to_path_buf();
    for comp in Path::new(decoded.trim_start_matches('/')).components() {
        match comp {
            Component::Normal(c) => path.push(c),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if path.is_dir() {
        path.push("index.html");
    }
    let real = path.canonicalize().ok()?;
    let real_root = root.canonicalize().ok()?;
    (real.starts_with(&real_root) && real.is_file()).then_some(real)
}

async fn serve_file(State(shared): State<Arc<Shared>>, req: Request<Body>) -> Response {
    let overlay = shared
        .error
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .or_else(|| {
            shared
                .watch_error
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
        });
    let found = resolve_request_path(&shared.out_dir, req.uri().path());
    let (status, path) = match found {
        Some(p) => (StatusCode::OK, p),
        None => (StatusCode::NOT_FOUND, shared.out_dir.join("404.html")),
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(_) => {
            let body = inject(
                "<!doctype html><title>Not found</title><body><h1>Not found</h1></body>",
                overlay.as_deref(),
            );
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response();
        }
    };
    let ctype = content_type(&path);
    let body = if ctype.starts_with("text/html") {
        Body::from(inject(&String::from_utf8_lossy(&bytes), overlay.as_deref()))
    } else {
        Body::from(bytes)
    };
    let mut res = Response::new(body);
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn livereload(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(shared.signals.subscribe())
        .take_while(|s| !matches!(s, Ok(Signal::Shutdown)))
        .filter_map(|s| match s {
            Ok(Signal::Reload) => Some(Ok(Event::default().event("reload").data("reload"))),
            Ok(Signal::Failed(html)) => Some(Ok(Event::default()
                .event("failed")
                .data(html.replace('\n', " ")))),
            _ => None,
        });
    let hello = tokio_stream::once(Ok(Event::default().event("hello").data("connected")));
    Sse::new(hello.chain(stream)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Whether a changed path matters: inside content/ or layouts/, or explainer.toml itself,
/// and not an editor's temporary file or the output.
fn is_watched(site_dir: &Path, out_dir: &Path, path: &Path) -> bool {
    if path.starts_with(out_dir) {
        return false;
    }
    let Ok(rel) = path.strip_prefix(site_dir) else {
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

/// A cheap fingerprint of a file's contents; `None` if it is gone or is a folder.
fn file_hash(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|b| crate::fingerprint::stable(&b))
}

/// Builds once, starts serving, and rebuilds on every change until stopped. The port is
/// taken first, so that a port in use fails at once, before any build or folder.
pub async fn start(opts: ServeOptions) -> Result<ServerHandle, String> {
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
    let (out_dir, folder) = output_folder(&opts)?;
    let (signals, _) = broadcast::channel(64);
    let (indexer, index_requests) = std::sync::mpsc::sync_channel(1);
    let shared = Arc::new(Shared::new(out_dir.clone(), indexer, signals));
    {
        let (site, weak) = (site_dir.clone(), Arc::downgrade(&shared));
        std::thread::spawn(move || indexer_loop(&site, weak, index_requests));
    }

    // Fingerprint the watched files before the first build, so that a save made while it
    // runs is seen as a change.
    let hashes = watched_hashes(&site_dir);
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

    let debouncer = start_watching(&site_dir, &shared, hashes, cache)?;
    let app = Router::new()
        .route(LIVERELOAD_PATH, get(livereload))
        .fallback(serve_file)
        .with_state(shared.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(accept_loop(
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
        _folder: folder,
    })
}

/// The file watcher, with its debouncing.
type Watcher = notify_debouncer_full::Debouncer<
    notify::RecommendedWatcher,
    notify_debouncer_full::RecommendedCache,
>;

/// The folder to build into: `--out`, or a fresh temporary one that is removed when the
/// server stops. Created, and named by its canonical path.
fn output_folder(opts: &ServeOptions) -> Result<(PathBuf, Option<OwnedFolder>), String> {
    let (out_dir, folder) = match &opts.out_dir {
        Some(d) => (d.clone(), None),
        None => {
            let folder = temp_folder();
            (folder.join("public"), Some(OwnedFolder(folder)))
        }
    };
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let out_dir = out_dir
        .canonicalize()
        .map_err(|e| format!("cannot open {}: {e}", out_dir.display()))?;
    Ok((out_dir, folder))
}

/// Watches the site's settings and folders, and rebuilds on a thread of its own whenever
/// a watched file really changed (its hash, from `hashes` on). The watch stops when the
/// returned debouncer is dropped.
fn start_watching(
    site_dir: &Path,
    shared: &Arc<Shared>,
    hashes: HashMap<PathBuf, Option<String>>,
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
    {
        // A weak handle: the watcher stops when the server drops the debouncer.
        let (site, out, sh, deb) = (
            site_dir.to_path_buf(),
            shared.out_dir.clone(),
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
            watch_loop(&site, &out, &sh, rx, hashes, cache, &watch_new_dir)
        });
    }

    Ok(debouncer)
}

/// Accepts connections and serves HTTP/1.1 on each, until `stop` turns true. A client
/// has `header_timeout` to send each request's headers, and at most `max` connections are
/// served at once: further ones wait in the listen queue until one closes. Hand-written
/// rather than tower-http's ServeDir and layers: the handler must add the reload script
/// and the overlay to HTML in memory, and hyper's own header timeout covers a client that
/// sends nothing at all.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
    header_timeout: Duration,
    max: usize,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(max));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            _ = stop.changed() => break,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors, or the like: wait a moment and go on.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut stop_connection = stop.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection =
                builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stop_connection.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_millis(500), connection).await;
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

fn watch_loop(
    site_dir: &Path,
    out_dir: &Path,
    shared: &Shared,
    rx: std::sync::mpsc::Receiver<DebounceEventResult>,
    mut hashes: HashMap<PathBuf, Option<String>>,
    mut cache: crate::Session,
    watch_new_dir: &dyn Fn(&Path) -> Result<(), String>,
) {
    while let Ok(result) = rx.recv() {
        // Take every batch that is already waiting: one rebuild for all of them.
        let mut batches = vec![result];
        while let Ok(more) = rx.try_recv() {
            batches.push(more);
        }
        // The files that really changed, so that the build reads only those again.
        let mut changed_files: Vec<PathBuf> = vec![];
        let mut changed = false;
        for batch in batches {
            let events = match batch {
                Ok(events) => events,
                Err(errors) => {
                    for e in errors {
                        watch_failed(shared, &e.to_string());
                    }
                    // Events may have been lost: the next build reads every file.
                    cache.forget_changes();
                    changed = true;
                    continue;
                }
            };
            for event in events {
                if matches!(event.kind, notify::EventKind::Access(_)) {
                    continue;
                }
                for path in &event.paths {
                    if !is_watched(site_dir, out_dir, path) {
                        continue;
                    }
                    if path.is_dir() {
                        // `content/` or `layouts/` created after the start: watch it too.
                        if path.parent() == Some(site_dir)
                            && WATCHED_DIRS.iter().any(|d| path.ends_with(d))
                            && let Err(e) = watch_new_dir(path)
                        {
                            watch_failed(shared, &format!("cannot watch {}: {e}", path.display()));
                        }
                        // A folder appeared, vanished or was renamed: compare what is inside.
                        for f in walk(path) {
                            let h = file_hash(&f);
                            if hashes.get(&f) != Some(&h) {
                                hashes.insert(f.clone(), h);
                                changed_files.push(f);
                                changed = true;
                            }
                        }
                        continue;
                    }
                    let h = file_hash(path);
                    if hashes.get(path) != Some(&h) {
                        hashes.insert(path.clone(), h);
                        changed_files.push(path.clone());
                        changed = true;
                    }
                }
                // A removed or renamed folder: forget the files that were in it.
                for path in &event.paths {
                    if !path.exists() {
                        let gone: Vec<PathBuf> = hashes
                            .keys()
                            .filter(|k| k.starts_with(path) && *k != path && !k.exists())
                            .cloned()
                            .collect();
                        for g in gone {
                            hashes.insert(g.clone(), None);
                            changed_files.push(g);
                            changed = true;
                        }
                    }
                }
            }
        }
        if changed {
            cache.note_changed(changed_files);
            rebuild(site_dir, out_dir, shared, &mut cache);
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

/// The fingerprint of every watched file.
fn watched_hashes(site_dir: &Path) -> HashMap<PathBuf, Option<String>> {
    let mut hashes = HashMap::new();
    for dir in WATCHED_DIRS {
        for file in walk(&site_dir.join(dir)) {
            let h = file_hash(&file);
            hashes.insert(file, h);
        }
    }
    let config = site_dir.join(crate::config::CONFIG_FILE);
    let h = file_hash(&config);
    hashes.insert(config, h);
    hashes
}

/// Every file below `dir` (none if it does not exist).
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
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
/// are doing, and removes its temporary folder on every way out.
pub fn run(opts: ServeOptions, open: bool) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let own_folder = opts.out_dir.is_none().then(temp_folder);
    let result = runtime.block_on(async move {
        // A signal during the first build stops it too (dropping `start` removes the folder).
        let handle = tokio::select! {
            started = start(opts) => started?,
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
            let opener = if cfg!(target_os = "macos") {
                "open"
            } else {
                "xdg-open"
            };
            if std::process::Command::new(opener)
                .arg(&url)
                .spawn()
                .is_err()
            {
                eprintln!("could not open a browser; open {url} yourself");
            }
        }
        stop_signal().await;
        eprintln!("stopping");
        handle.stop().await;
        Ok(())
    });
    // Do not wait for a build or a client in progress.
    runtime.shutdown_timeout(Duration::from_millis(500));
    // A build that was still writing may have made the folder again.
    if let Some(folder) = own_folder {
        let _ = std::fs::remove_dir_all(folder);
    }
    result
}

/// The temporary folder `serve` builds in when not given one.
fn temp_folder() -> PathBuf {
    std::env::temp_dir().join(format!("explainer-serve-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("public");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/index.html"), "a").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "s").unwrap();
        assert!(
            resolve_request_path(&root, "/a/")
                .unwrap()
                .ends_with("a/index.html")
        );
        assert!(resolve_request_path(&root, "/a").is_some());
        for bad in [
            "/../secret.txt",
            "/a/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/a/%00",
            "/..%5csecret.txt",
            "/nope",
        ] {
            assert_eq!(resolve_request_path(&root, bad), None, "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt"))
                .unwrap();
            assert_eq!(resolve_request_path(&root, "/link.txt"), None);
        }
    }

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

    /// Issue 10, item 18: a watcher error (such as the inotify limit) is shown on the
    /// terminal and as an overlay, instead of being dropped.
    #[test]
    fn watcher_errors_are_shown() {
        let dir = tempfile::tempdir().unwrap();
        let (signals, mut seen) = broadcast::channel(8);
        let (indexer, _requests) = std::sync::mpsc::sync_channel(1);
        let shared = Shared::new(dir.path().join("public"), indexer, signals);
        let (tx, rx) = std::sync::mpsc::channel::<DebounceEventResult>();
        tx.send(Err(vec![notify::Error::generic(
            "inotify watch limit reached",
        )]))
        .unwrap();
        drop(tx);
        watch_loop(
            dir.path(),
            &dir.path().join("public"),
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

    #[test]
    fn injection_goes_before_body_end() {
        let html = inject("<html><body><p>x</p></body></html>", None);
        assert!(html.contains("EventSource(\"/__livereload\")"));
        assert!(html.ends_with("</body></html>"));
    }

    #[test]
    fn watched_paths() {
        let site = Path::new("/s");
        let out = Path::new("/s/public");
        assert!(is_watched(site, out, Path::new("/s/content/a.md")));
        assert!(is_watched(site, out, Path::new("/s/explainer.toml")));
        assert!(!is_watched(site, out, Path::new("/s/public/index.html")));
        assert!(!is_watched(site, out, Path::new("/s/content/.a.md.swp")));
        assert!(!is_watched(site, out, Path::new("/s/content/4913")));
        assert!(!is_watched(site, out, Path::new("/s/target/x")));
    }
}
