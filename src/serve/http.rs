//! HTTP: turns a request into a file of the output folder (with the reload script and the
//! overlay added to HTML), streams the live-reload events, and runs the accept loop with
//! its header timeout and connection limit. Only requests addressed to the server itself
//! are answered (see [`Hosts`]).

use super::overlay::inject;
use super::{LIVERELOAD_PATH, Shared, Signal};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// The routes: the event stream, and every other path as a file of the output folder;
/// all of them only for requests addressed to `hosts`.
pub(super) fn app(shared: Arc<Shared>, hosts: Hosts) -> Router {
    Router::new()
        .route(LIVERELOAD_PATH, get(livereload))
        .fallback(serve_file)
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(hosts),
            only_for_us,
        ))
        .with_state(shared)
}

/// The names a request may address the server by. A page on another site can make a
/// browser send requests here through a name of its own that it points at 127.0.0.1
/// (DNS rebinding), and read the drafts and the event stream as its own; such a request
/// says that name in its Host header. So only these are answered: `localhost`,
/// `127.0.0.1`, `[::1]` and the bind address, each with the server's port (or with no
/// port if that is 80). When bound to every interface (`0.0.0.0`, `::`), any IP address
/// is one of the server's own: an address, unlike a name, cannot be rebound.
#[derive(Clone, Debug)]
pub(super) struct Hosts {
    pub(super) bind: IpAddr,
    pub(super) port: u16,
}

/// The host part of a Host header.
#[derive(Debug, PartialEq)]
enum HostName<'a> {
    Name(&'a str),
    Ip(IpAddr),
}

impl Hosts {
    /// Whether `host`, a Host header's value (or an absolute URI's authority), names this
    /// server.
    fn allow(&self, host: &str) -> bool {
        let Some((name, port)) = split_host(host) else {
            return false;
        };
        let port_ok = port.map_or(self.port == 80, |p| p == self.port);
        port_ok
            && match name {
                HostName::Name(n) => n.eq_ignore_ascii_case("localhost"),
                HostName::Ip(ip) => {
                    ip == IpAddr::V4(Ipv4Addr::LOCALHOST)
                        || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
                        || ip == self.bind
                        || self.bind.is_unspecified()
                }
            }
    }

    /// The answer to a request addressed to another name: 403, with a short reason.
    fn refuse(&self, host: Option<&str>) -> Response {
        let port = self.port;
        let mut names = format!("localhost:{port}, 127.0.0.1:{port}, [::1]:{port}");
        if self.bind.is_unspecified() {
            names.push_str(&format!(" or any IP address of this machine, with :{port}"));
        } else if !self.bind.is_loopback() {
            names.push_str(&format!(
                " or {}",
                std::net::SocketAddr::new(self.bind, port)
            ));
        }
        let asked = match host {
            Some(h) => format!(
                "it was addressed to {:?}",
                h.chars().take(100).collect::<String>()
            ),
            None => "it named no host".to_string(),
        };
        let body = format!(
            "403 Forbidden: explainer serve answers only requests addressed to {names}; {asked}. \
             (This guards the preview against DNS rebinding: no other site may read it.)\n"
        );
        (
            StatusCode::FORBIDDEN,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response()
    }
}

/// `host[:port]`, `ipv4[:port]` or `[ipv6][:port]`; `None` if it is none of these.
fn split_host(value: &str) -> Option<(HostName<'_>, Option<u16>)> {
    let (name, rest) = if let Some(bracketed) = value.strip_prefix('[') {
        let (ip, rest) = bracketed.split_once(']')?;
        (HostName::Ip(IpAddr::V6(ip.parse().ok()?)), rest)
    } else {
        let (host, rest) = value.split_at(value.find(':').unwrap_or(value.len()));
        match host.parse::<Ipv4Addr>() {
            Ok(ip) => (HostName::Ip(IpAddr::V4(ip)), rest),
            Err(_) => (HostName::Name(host), rest),
        }
    };
    let port = match rest {
        "" => None,
        _ => {
            let digits = rest.strip_prefix(':')?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(digits.parse().ok()?)
        }
    };
    Some((name, port))
}

/// Passes on a request addressed to this server (by an absolute URI's authority if it
/// has one, else by its Host header); refuses any other.
async fn only_for_us(State(hosts): State<Arc<Hosts>>, req: Request<Body>, next: Next) -> Response {
    let host = match req.uri().authority() {
        Some(authority) => Some(authority.as_str()),
        None => req
            .headers()
            .get(header::HOST)
            .map(|v| v.to_str().unwrap_or("(not readable)")),
    };
    match host {
        Some(h) if hosts.allow(h) => next.run(req).await,
        _ => hosts.refuse(host),
    }
}

/// The content type to send a file with: mime_guess's for its extension, except where
/// the site's own files need another (`.js` and `.mjs` as `text/javascript`, `.xml` as
/// `application/xml`, source maps as JSON, `.woff` as `font/woff`), with `charset=utf-8`
/// on every text type; `application/octet-stream` for what is not known.
fn content_type(path: &Path) -> String {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mime = match ext.as_str() {
        "js" | "mjs" => "text/javascript",
        "xml" => "application/xml",
        "map" => "application/json",
        "woff" => "font/woff",
        _ => mime_guess::from_ext(&ext)
            .first_raw()
            .unwrap_or("application/octet-stream"),
    };
    if mime.starts_with("text/") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
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

/// What a page should show over itself: the last failed build's overlay, else the
/// watcher's failure; and the notice of the last good build's warnings, if any.
fn current_overlay(shared: &Shared) -> Option<String> {
    let read = |lock: &std::sync::RwLock<Option<String>>| {
        lock.read().unwrap_or_else(|e| e.into_inner()).clone()
    };
    let failure = read(&shared.error).or_else(|| read(&shared.watch_error));
    match (failure, read(&shared.warnings)) {
        (None, None) => None,
        (a, b) => Some(format!(
            "{}{}",
            a.unwrap_or_default(),
            b.unwrap_or_default()
        )),
    }
}

async fn serve_file(State(shared): State<Arc<Shared>>, req: Request<Body>) -> Response {
    let overlay = current_overlay(&shared);
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
    let ctype = HeaderValue::from_str(&ctype)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    res.headers_mut().insert(header::CONTENT_TYPE, ctype);
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

/// Accepts connections and serves HTTP/1.1 on each, until `stop` turns true. A client
/// has `header_timeout` to send each request's headers, and at most `max` connections are
/// served at once: further ones wait in the listen queue until one closes. Hand-written
/// rather than tower-http's ServeDir and layers: the handler must add the reload script
/// and the overlay to HTML in memory, and hyper's own header timeout covers a client that
/// sends nothing at all.
pub(super) async fn accept_loop(
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
        let stop_connection = stop.clone();
        connections.spawn(async move {
            let _slot = slot;
            serve_connection(stream, service, header_timeout, stop_connection).await;
        });
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

/// Serves one connection until it closes, or until `stop` turns true: then it gets a
/// moment to finish what it is sending.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    service: hyper_util::service::TowerToHyperService<Router>,
    header_timeout: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout);
    let connection = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stop.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_millis(500), connection).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_own_names_are_allowed() {
        let local = Hosts {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 1111,
        };
        for ok in [
            "localhost:1111",
            "LocalHost:1111",
            "127.0.0.1:1111",
            "[::1]:1111",
            "localhost:01111",
        ] {
            assert!(local.allow(ok), "{ok}");
        }
        for bad in [
            "attacker.example",
            "attacker.example:1111",
            "localhost.attacker.example:1111",
            "localhost",
            "127.0.0.1",
            "localhost:80",
            "localhost:1112",
            "localhost:",
            "localhost:+1111",
            "localhost:1111:1111",
            "::1:1111",
            "[::1]",
            "[::1]x1111",
            "[::2]:1111",
            "127.0.0.2:1111",
            "10.0.0.1:1111",
            "user@localhost:1111",
            "",
        ] {
            assert!(!local.allow(bad), "{bad}");
        }
        let on_80 = Hosts { port: 80, ..local };
        assert!(on_80.allow("localhost") && on_80.allow("[::1]") && on_80.allow("127.0.0.1:80"));
        let lan = Hosts {
            bind: "192.168.1.5".parse().unwrap(),
            port: 1111,
        };
        assert!(lan.allow("192.168.1.5:1111") && lan.allow("localhost:1111"));
        assert!(!lan.allow("192.168.1.6:1111") && !lan.allow("myhost.local:1111"));
        let every = Hosts {
            bind: "0.0.0.0".parse().unwrap(),
            port: 1111,
        };
        assert!(every.allow("192.168.1.6:1111") && every.allow("[fe80::1]:1111"));
        assert!(!every.allow("myhost.local:1111") && !every.allow("attacker.example:1111"));
    }

    /// Review 2026-12-01, §4: fonts, video, AVIF, CSV, web manifests and source maps were
    /// sent as application/octet-stream; the types of the site's own files are unchanged.
    #[test]
    fn content_types() {
        for (file, expected) in [
            ("index.html", "text/html; charset=utf-8"),
            ("INDEX.HTML", "text/html; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
            ("app.mjs", "text/javascript; charset=utf-8"),
            ("citations.json", "application/json"),
            ("sitemap.xml", "application/xml"),
            ("atom.xml", "application/xml"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("logo.svg", "image/svg+xml"),
            ("a.png", "image/png"),
            ("a.jpg", "image/jpeg"),
            ("a.jpeg", "image/jpeg"),
            ("a.gif", "image/gif"),
            ("a.webp", "image/webp"),
            ("favicon.ico", "image/x-icon"),
            ("paper.pdf", "application/pdf"),
            ("pagefind.wasm", "application/wasm"),
            ("font.woff2", "font/woff2"),
            ("font.woff", "font/woff"),
            ("clip.mp4", "video/mp4"),
            ("photo.avif", "image/avif"),
            ("data.csv", "text/csv; charset=utf-8"),
            ("site.webmanifest", "application/manifest+json"),
            ("app.js.map", "application/json"),
            ("pagefind.pf_meta", "application/octet-stream"),
            ("no-extension", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(file)), expected, "{file}");
        }
    }

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
}
