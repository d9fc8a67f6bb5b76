//! The dev server, in process: pages served, saves rebuilt and announced over SSE,
//! errors shown as an overlay while the last good site stays served, traversal refused.

use explainer::serve::{ServeOptions, ServerHandle, start};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long to wait for the server to react before a test gives up. This is a limit on
/// waiting, not a speed target: the speed targets live in the benchmarks.
const PATIENCE: Duration = Duration::from_secs(30);

struct Reply {
    status: u16,
    /// The status line and headers.
    head: String,
    body: String,
}

/// A plain HTTP/1.1 GET, with the path sent exactly as given (no normalisation), to the
/// server's own address (as a browser sends it in the Host header).
async fn get(addr: std::net::SocketAddr, path: &str) -> Reply {
    request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .await
}

/// Sends `raw` as it is and reads the whole reply.
async fn request(addr: std::net::SocketAddr, raw: &str) -> Reply {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// An open `/__livereload` stream.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    async fn open(addr: std::net::SocketAddr) -> Events {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(
            format!(
                "GET /__livereload HTTP/1.1\r\nHost: localhost:{}\r\nAccept: text/event-stream\r\n\r\n",
                addr.port()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        let mut ev = Events {
            reader: BufReader::new(s),
        };
        assert_eq!(ev.next().await.0, "hello");
        ev
    }

    /// The next event's name and data.
    async fn next(&mut self) -> (String, String) {
        let (mut name, mut data) = (String::new(), String::new());
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut line = String::new();
            let left = deadline.saturating_duration_since(Instant::now());
            let n = tokio::time::timeout(left, self.reader.read_line(&mut line))
                .await
                .expect("no event from the server in time")
                .unwrap();
            assert!(n > 0, "the event stream closed");
            let line = line.trim_end();
            if let Some(v) = line
                .strip_prefix("event: ")
                .or_else(|| line.strip_prefix("event:"))
            {
                name = v.trim().to_string();
            } else if let Some(v) = line
                .strip_prefix("data: ")
                .or_else(|| line.strip_prefix("data:"))
            {
                data.push_str(v);
            } else if line.is_empty() && !name.is_empty() {
                return (name, data);
            }
        }
    }

    /// Waits, reload by reload, until the page at `path` shows `needle`. One change on
    /// disk may reach the watcher as several events and so as several rebuilds, so the
    /// next reload need not be the one that carries the change.
    async fn until_shown(&mut self, addr: std::net::SocketAddr, path: &str, needle: &str) {
        while !get(addr, path).await.body.contains(needle) {
            let (name, data) = self.outcome().await;
            assert_ne!(name, "failed", "{data}");
        }
    }

    /// Waits for the next `reload` or `failed` event (skipping keep-alives).
    async fn outcome(&mut self) -> (String, String) {
        loop {
            let (name, data) = self.next().await;
            if name == "reload" || name == "failed" {
                return (name, data);
            }
        }
    }
}

async fn serve(site: &Path) -> (ServerHandle, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let handle = start(ServeOptions {
        site_dir: site.to_path_buf(),
        bind: "127.0.0.1".parse().unwrap(),
        port: 0,
        out_dir: Some(out.path().join("public")),
        ..ServeOptions::new(site)
    })
    .await
    .expect("server starts");
    (handle, out)
}

fn new_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    explainer::scaffold::new_site(&site).unwrap();
    dir
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_rebuilds_and_reloads() {
    let dir = new_site();
    let site = dir.path().join("site");
    let (server, _out) = serve(&site).await;
    let page = get(server.addr, "/concerns/example/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("too broad"));
    assert!(
        page.body.contains("/__livereload"),
        "the reload script is injected"
    );

    let mut events = Events::open(server.addr).await;
    let concern = site.join("content/concerns/example.md");
    edit(&concern, "The writers worry", "The authors fear");
    assert_eq!(events.outcome().await.0, "reload");
    let page = get(server.addr, "/concerns/example/").await;
    assert!(page.body.contains("The authors fear"), "{}", page.body);

    // Nothing of the reload script is written to the output folder.
    let written =
        std::fs::read_to_string(server.out_dir.join("concerns/example/index.html")).unwrap();
    assert!(!written.contains("__livereload"));
    server.stop().await;
}

/// Content 3: a page whose review date has passed is named in the preview's warnings
/// notice (as `check` names it), and the notice goes once the date is moved on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_due_for_review_is_named_in_the_preview() {
    let dir = new_site();
    let site = dir.path().join("site");
    let concern = site.join("content/concerns/example.md");
    edit(&concern, "\n---\n", "\nreview_by: 2000-01-01\n---\n");
    let (server, _out) = serve(&site).await;
    let page = get(server.addr, "/concerns/example/").await;
    assert!(
        page.body.contains("id=\"explainer-warnings\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("content/concerns/example.md:"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("this page was due for review on 1 January 2000"),
        "{}",
        page.body
    );

    let mut events = Events::open(server.addr).await;
    edit(&concern, "review_by: 2000-01-01", "review_by: 9999-12-31");
    assert_eq!(events.outcome().await.0, "reload");
    let page = get(server.addr, "/concerns/example/").await;
    // The editor's notice goes; the reader's (hidden until the day passes) stays.
    assert!(
        !page.body.contains("id=\"explainer-warnings\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("this page was due for review"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("data-review-by=\"9999-12-31\""),
        "{}",
        page.body
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_build_shows_overlay_and_keeps_last_good_site() {
    let dir = new_site();
    let site = dir.path().join("site");
    let (server, _out) = serve(&site).await;
    let mut events = Events::open(server.addr).await;
    let concern = site.join("content/concerns/example.md");

    edit(
        &concern,
        "\"the rules are too broad\"",
        "\"the rules are too narrow < wide\"",
    );
    let (name, overlay) = events.outcome().await;
    assert_eq!(name, "failed");
    assert!(
        overlay.contains("content/concerns/example.md:7:"),
        "{overlay}"
    );
    assert!(
        overlay.contains("narrow &lt; wide"),
        "the overlay is escaped: {overlay}"
    );

    let page = get(server.addr, "/concerns/example/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("too broad"),
        "the last good page is still served"
    );
    assert!(
        page.body.contains("id=\"explainer-error-overlay\""),
        "a reloaded page shows the overlay too"
    );

    edit(
        &concern,
        "\"the rules are too narrow < wide\"",
        "\"the rules are too broad\"",
    );
    assert_eq!(events.outcome().await.0, "reload");
    let page = get(server.addr, "/concerns/example/").await;
    assert!(
        !page.body.contains("id=\"explainer-error-overlay\""),
        "the overlay goes away on a good build"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_created_deleted_renamed_and_layouts_and_config_take_effect() {
    let dir = new_site();
    let site = dir.path().join("site");
    let (server, _out) = serve(&site).await;
    let mut events = Events::open(server.addr).await;

    std::fs::write(
        site.join("content/concerns/second.md"),
        "---\ntitle: A second concern\n---\n\nSee [the first](example.md).\n",
    )
    .unwrap();
    assert_eq!(events.outcome().await.0, "reload");
    assert_eq!(get(server.addr, "/concerns/second/").await.status, 200);

    std::fs::rename(
        site.join("content/concerns/second.md"),
        site.join("content/concerns/third.md"),
    )
    .unwrap();
    assert_eq!(events.outcome().await.0, "reload");
    assert_eq!(get(server.addr, "/concerns/second/").await.status, 404);
    assert_eq!(get(server.addr, "/concerns/third/").await.status, 200);

    std::fs::remove_file(site.join("content/concerns/third.md")).unwrap();
    assert_eq!(events.outcome().await.0, "reload");
    assert_eq!(get(server.addr, "/concerns/third/").await.status, 404);

    std::fs::create_dir_all(site.join("layouts")).unwrap();
    std::fs::write(
        site.join("layouts/page.html"),
        "<html><body><p>custom layout: {{ page.title }}</p></body></html>",
    )
    .unwrap();
    assert_eq!(events.outcome().await.0, "reload");
    assert!(
        get(server.addr, "/concerns/example/")
            .await
            .body
            .contains("custom layout: An example concern")
    );

    edit(
        &site.join("explainer.toml"),
        "My explainer",
        "Renamed explainer",
    );
    assert_eq!(events.outcome().await.0, "reload");
    assert!(
        get(server.addr, "/")
            .await
            .body
            .contains("Renamed explainer")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_files_inside_the_output_are_served() {
    let dir = new_site();
    let site = dir.path().join("site");
    let (server, out) = serve(&site).await;
    std::fs::write(out.path().join("secret.txt"), "top secret").unwrap();
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/concerns/../../secret.txt",
        "/..%5csecret.txt",
        "//etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    ] {
        let r = get(server.addr, path).await;
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(
            !r.body.contains("top secret") && !r.body.contains("root:"),
            "{path} leaked a file"
        );
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            out.path().join("secret.txt"),
            server.out_dir.join("link.txt"),
        )
        .unwrap();
        assert_eq!(get(server.addr, "/link.txt").await.status, 404);
    }
    let missing = get(server.addr, "/no/such/page/").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("Page not found"),
        "the site's 404 page is served"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_saves_ends_on_the_last_content() {
    let dir = new_site();
    let site = dir.path().join("site");
    let (server, _out) = serve(&site).await;
    let concern = site.join("content/concerns/example.md");
    let original = std::fs::read_to_string(&concern).unwrap();
    for i in 0..200 {
        std::fs::write(
            &concern,
            original.replace("An example concern", &format!("Save number {i}")),
        )
        .unwrap();
    }
    let deadline = Instant::now() + PATIENCE;
    loop {
        let page = get(server.addr, "/concerns/example/").await;
        assert_eq!(page.status, 200, "the server stays up");
        if page.body.contains("Save number 199") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the page never showed the last save"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

/// Puts the word "Zebraquagga" into the scaffold's example concern and waits for the
/// reload.
async fn save_zebra_edit(server: &ServerHandle, site: &Path) {
    let mut events = Events::open(server.addr).await;
    edit(
        &site.join("content/concerns/example.md"),
        "They ask for",
        "Zebraquagga: they ask for",
    );
    assert_eq!(events.outcome().await.0, "reload");
}

/// Whether any search fragment in the output, in any shard, mentions `word` (fragments
/// are gzipped JSON).
fn index_mentions(out_dir: &Path, word: &str) -> bool {
    use std::io::Read;
    index_files(out_dir)
        .iter()
        .filter(|(path, _)| path.contains("/fragment/"))
        .any(|(_, bytes)| {
            let mut text = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .is_ok()
                && text.contains(word)
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_index_catches_up_after_the_reload() {
    let dir = new_site();
    let site = dir.path().join("site");
    let (server, _out) = serve(&site).await;
    assert!(!index_mentions(&server.out_dir, "Zebraquagga"));
    save_zebra_edit(&server, &site).await;
    let deadline = Instant::now() + PATIENCE;
    while !index_mentions(&server.out_dir, "Zebraquagga") {
        assert!(
            Instant::now() < deadline,
            "the search index never included the edit"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

/// Every file of the search index under `out_dir`, by path.
fn index_files(out_dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    files_under(out_dir, "pagefind")
}

/// Issue 13: serve's background indexer refreshes only the shards a save changed, and
/// leaves the index folder as a clean build writes it: no file of an old shard is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refreshed_index_is_what_a_clean_build_writes() {
    let dir = new_site();
    let site = dir.path().join("site");
    let config = site.join("explainer.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("search_shard_pages = 2\n{text}")).unwrap();
    let (server, _out) = serve(&site).await;
    // An edit, a new page, then that page deleted: after each, the index catches up.
    save_zebra_edit(&server, &site).await;
    becomes_a_clean_builds(&server, &site, "pagefind", "the index").await;
    let shards = index_files(&server.out_dir);
    assert!(
        shards.keys().any(|k| k.contains("shard-")),
        "{:?}",
        shards.keys()
    );
    let extra = site.join("content/concerns/second.md");
    let mut events = Events::open(server.addr).await;
    std::fs::write(&extra, "---\ntitle: Second\n---\nOkapiwombat lives here.\n").unwrap();
    assert_eq!(events.outcome().await.0, "reload");
    becomes_a_clean_builds(&server, &site, "pagefind", "the index").await;
    assert!(index_mentions(&server.out_dir, "Okapiwombat"));
    std::fs::remove_file(&extra).unwrap();
    assert_eq!(events.outcome().await.0, "reload");
    becomes_a_clean_builds(&server, &site, "pagefind", "the index").await;
    assert!(!index_mentions(&server.out_dir, "Okapiwombat"));
    server.stop().await;
}

/// Issue 10, item 5: the body that crashed the build (a lone CR, inline HTML, a citation
/// and multibyte text) killed the rebuild thread: no overlay, later saves never built.
/// Now it builds, and the next save is rebuilt too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_crashed_the_build_does_not_stop_rebuilds() {
    let dir = new_site();
    let site = dir.path().join("site");
    let (handle, _out) = serve(&site).await;
    let mut events = Events::open(handle.addr).await;
    std::fs::write(
        site.join("content/crash.md"),
        "---\ntitle: Crash\n---\na\rb\n-<b>[@example-letter]\n中文\n",
    )
    .unwrap();
    let (name, data) = events.outcome().await;
    assert_eq!(name, "reload", "{data}");
    std::fs::write(
        site.join("content/crash.md"),
        "---\ntitle: Crash fixed\n---\nText.\n",
    )
    .unwrap();
    let (name, data) = events.outcome().await;
    assert_eq!(name, "reload", "{data}");
    assert!(
        get(handle.addr, "/crash/")
            .await
            .body
            .contains("Crash fixed")
    );
    handle.stop().await;
}

/// Issue 10, item 9: a file deleted from content/ is deleted from the served site, as a
/// page is (it used to stay served, 200, until serve was restarted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_file_is_no_longer_served() {
    let dir = new_site();
    let site = dir.path().join("site");
    std::fs::write(site.join("content/concerns/stale.txt"), "old notes\n").unwrap();
    let (handle, _out) = serve(&site).await;
    assert_eq!(get(handle.addr, "/concerns/stale.txt").await.status, 200);
    let mut events = Events::open(handle.addr).await;
    std::fs::remove_file(site.join("content/concerns/stale.txt")).unwrap();
    let (name, data) = events.outcome().await;
    assert_eq!(name, "reload", "{data}");
    assert_eq!(get(handle.addr, "/concerns/stale.txt").await.status, 404);
    assert!(!handle.out_dir.join("concerns/stale.txt").exists());
    handle.stop().await;
}

/// Issue 10, item 17: at most `max_connections` are served at once; idle ones are closed
/// after the header timeout, and a waiting client is served then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_limited_and_idle_ones_time_out() {
    let dir = new_site();
    let site = dir.path().join("site");
    let out = tempfile::tempdir().unwrap();
    let handle = start(ServeOptions {
        port: 0,
        out_dir: Some(out.path().join("public")),
        header_timeout: Duration::from_secs(2),
        max_connections: 4,
        ..ServeOptions::new(&site)
    })
    .await
    .expect("server starts");
    let addr = handle.addr;
    let mut idle = vec![];
    for _ in 0..4 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        idle.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let waiting = tokio::spawn(async move { get(addr, "/").await });
    let reply = tokio::time::timeout(PATIENCE, waiting)
        .await
        .expect("the waiting client was never served")
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(reply.status, 200);
    assert!(
        waited >= Duration::from_millis(1200),
        "served after {waited:?}: the 4 idle connections did not hold the 4 slots"
    );
    for mut s in idle {
        let mut buf = [0u8; 256];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("an idle connection was not closed");
        // Closed (0 bytes), or answered 408 and closed.
        assert!(
            n.map(|n| n == 0 || buf.starts_with(b"HTTP/1.1 408"))
                .unwrap_or(true)
        );
    }
    handle.stop().await;
}

/// Review 2026-12-01, §4: without `--out`, serve builds in a folder it makes itself, with
/// a name no one can guess and make first, readable by its owner only. The predictable
/// `explainer-serve-<pid>` of old, made by someone else, is neither used nor removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_builds_in_a_private_folder_it_made_and_removes_only_that() {
    let dir = new_site();
    let site = dir.path().join("site");
    let planted = std::env::temp_dir().join(format!("explainer-serve-{}", std::process::id()));
    std::fs::create_dir_all(planted.join("public")).unwrap();
    std::fs::write(planted.join("public/planted.txt"), "not serve's").unwrap();
    let handle = start(ServeOptions {
        port: 0,
        ..ServeOptions::new(&site)
    })
    .await
    .expect("server starts");
    let folder = handle.out_dir.parent().unwrap().to_path_buf();
    let planted_real = planted.canonicalize().unwrap();
    assert!(
        !handle.out_dir.starts_with(&planted_real),
        "serve built into the folder someone else made: {}",
        handle.out_dir.display()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{}", folder.display());
    }
    assert_eq!(get(handle.addr, "/planted.txt").await.status, 404);
    assert!(handle.out_dir.join("index.html").is_file());
    handle.stop().await;
    assert!(!folder.exists(), "serve left its own folder behind");
    let kept = std::fs::read_to_string(planted.join("public/planted.txt"));
    std::fs::remove_dir_all(&planted).unwrap();
    assert_eq!(
        kept.unwrap(),
        "not serve's",
        "serve removed what it did not make"
    );
}

/// Makes a named pipe at `path`.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    use rustix::fs::{CWD, FileType, Mode, mknodat};
    mknodat(CWD, path, FileType::Fifo, Mode::from_raw_mode(0o644), 0).unwrap();
}

/// Review 2026-12-01, §1.5 and §3.5: serve's own walk, before the first build and for
/// every folder that appears, followed links with no loop check and read every file it
/// found. Two links to `.` made it exponential, and a named pipe (even one the build
/// leaves out, as an editor's backup) made it wait for ever. Now serve starts, the build
/// reports the loops, and later saves, folders moved in with a pipe inside, still rebuild.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looping_links_and_named_pipes_never_stop_serve() {
    let dir = new_site();
    let site = dir.path().join("site");
    std::os::unix::fs::symlink(".", site.join("content/a")).unwrap();
    std::os::unix::fs::symlink(".", site.join("content/b")).unwrap();
    mkfifo(&site.join("content/notes.md~"));
    let (server, _out) = tokio::time::timeout(PATIENCE, serve(&site))
        .await
        .expect("serve did not start: its walk went round the links or opened the pipe");
    let home = get(server.addr, "/").await;
    assert!(home.body.contains("content/a"), "{}", home.body);
    assert!(home.body.contains("id=\"explainer-error-overlay\""));

    let mut events = Events::open(server.addr).await;
    std::fs::remove_file(site.join("content/a")).unwrap();
    std::fs::remove_file(site.join("content/b")).unwrap();
    while get(server.addr, "/")
        .await
        .body
        .contains("id=\"explainer-error-overlay\"")
    {
        events.outcome().await;
    }

    // A folder moved in whole: serve walks it, and must not open the pipe in it.
    let incoming = dir.path().join("incoming");
    std::fs::create_dir_all(&incoming).unwrap();
    mkfifo(&incoming.join("draft.md~"));
    std::fs::write(
        incoming.join("moved.md"),
        "---\ntitle: Moved in\n---\nText.\n",
    )
    .unwrap();
    std::fs::rename(&incoming, site.join("content/incoming")).unwrap();
    events
        .until_shown(server.addr, "/incoming/moved/", "Moved in")
        .await;
    edit(
        &site.join("content/concerns/example.md"),
        "The writers worry",
        "The authors fear",
    );
    events
        .until_shown(server.addr, "/concerns/example/", "The authors fear")
        .await;
    server.stop().await;
}

/// Review 2026-12-01, DNS rebinding: a page on attacker.example that points its name at
/// 127.0.0.1 got every page, drafts included, and the live-reload stream. Now a request
/// whose Host (or absolute URI) is not one of the server's own names gets 403, on every
/// path; the server's names still get the site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_requests_addressed_to_the_server_are_answered() {
    let dir = new_site();
    let site = dir.path().join("site");
    let (server, _out) = serve(&site).await;
    let (addr, port) = (server.addr, server.addr.port());
    // Header lines; the last request has no Host header at all.
    let refused = [
        "Host: attacker.example\r\n".to_string(),
        format!("Host: attacker.example:{port}\r\n"),
        format!("Host: localhost.attacker.example:{port}\r\n"),
        "Host: localhost\r\n".to_string(),
        format!("Host: 127.0.0.1:{}\r\n", port.wrapping_add(1)),
        format!("Host: 10.0.0.1:{port}\r\n"),
        String::new(),
    ];
    for host in &refused {
        for path in ["/", "/concerns/example/", "/__livereload", "/no/such/page/"] {
            let r = request(
                addr,
                &format!("GET {path} HTTP/1.1\r\n{host}Connection: close\r\n\r\n"),
            )
            .await;
            assert_eq!(r.status, 403, "{host} {path}: {}", r.head);
            assert!(r.head.contains("text/plain"), "{host} {path}: {}", r.head);
            assert!(r.body.contains("DNS rebinding"), "{}", r.body);
            assert!(!r.body.contains("too broad") && !r.body.contains("__livereload"));
        }
    }
    // An absolute URI names the host the request is for, whatever the Host header says.
    let r = request(
        addr,
        &format!(
            "GET http://attacker.example/concerns/example/ HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.head);
    for host in [
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("127.0.0.1:{port}"),
    ] {
        let r = request(
            addr,
            &format!(
                "GET /concerns/example/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            ),
        )
        .await;
        assert_eq!(r.status, 200, "{host}: {}", r.head);
        assert!(r.body.contains("too broad"));
    }
    server.stop().await;
}

/// Every file in folder `under` of `out_dir` (`""`: all of it), by path from `out_dir`.
/// A file that cannot be read (the indexer may be replacing it) is left out.
fn files_under(out_dir: &Path, under: &str) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![out_dir.join(under)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                let rel = p.strip_prefix(out_dir).unwrap().to_string_lossy();
                out.insert(rel.into_owned(), bytes);
            }
        }
    }
    out
}

/// Waits until folder `under` of the output `server` serves from equals that of a clean
/// build of `site`, file for file; `what` names it in the failure.
async fn becomes_a_clean_builds(server: &ServerHandle, site: &Path, under: &str, what: &str) {
    let clean = tempfile::tempdir().unwrap();
    explainer::build(&explainer::BuildOptions {
        out_dir: Some(clean.path().join("public")),
        drafts: true,
        ..explainer::BuildOptions::new(site)
    })
    .unwrap();
    let expected = files_under(&clean.path().join("public"), under);
    assert!(!expected.is_empty(), "{what}: a clean build wrote nothing");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let now = files_under(&server.out_dir, under);
        if now == expected {
            return;
        }
        if Instant::now() > deadline {
            let differ: Vec<_> = now
                .keys()
                .chain(expected.keys())
                .filter(|k| now.get(*k) != expected.get(*k))
                .collect();
            panic!("{what}: never became a clean build's; these differ: {differ:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Hardening 3, item 22: turning search off left the old index served, and turning it on
/// again left the index key and the shard list missing. After a settings change, what
/// serve serves must equal a clean build, whatever the search index did in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settings_change_leaves_what_a_clean_build_writes() {
    let dir = new_site();
    let site = dir.path().join("site");
    let config = site.join("explainer.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let (server, _out) = serve(&site).await;
    // An edit first, so that the background indexer has written an index of its own.
    save_zebra_edit(&server, &site).await;
    becomes_a_clean_builds(&server, &site, "", "after an edit").await;
    let mut events = Events::open(server.addr).await;
    std::fs::write(&config, format!("search = false\n{text}")).unwrap();
    assert_eq!(events.outcome().await.0, "reload");
    becomes_a_clean_builds(&server, &site, "", "with search off").await;
    assert!(index_files(&server.out_dir).is_empty());
    // Off, an edit; then on again.
    edit(
        &site.join("content/concerns/example.md"),
        "Zebraquagga",
        "Okapiwombat",
    );
    assert_eq!(events.outcome().await.0, "reload");
    std::fs::write(&config, &text).unwrap();
    assert_eq!(events.outcome().await.0, "reload");
    becomes_a_clean_builds(&server, &site, "", "with search on again").await;
    assert!(index_mentions(&server.out_dir, "Okapiwombat"));
    assert!(!index_mentions(&server.out_dir, "Zebraquagga"));
    let key = get(server.addr, "/pagefind/explainer-index-key.txt").await;
    assert_eq!(key.status, 200, "{}", key.head);
    server.stop().await;
}
