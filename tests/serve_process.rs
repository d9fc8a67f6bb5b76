//! Issue 10, items 16 and 17: `explainer serve` as a process. It stops on the first
//! Ctrl-C or SIGTERM even while a client holds a half-sent request, takes its port before
//! building, removes its temporary folder on every way out, and closes connections that
//! never finish their request headers. Loopback only; every wait is bounded.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn starter_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    explainer::scaffold::new_site(&dir.path().join("site")).unwrap();
    dir
}

/// `explainer serve SITE --port PORT` with its temporary folder under `tmp`.
fn spawn_serve(site: &Path, port: u16, tmp: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_explainer"))
        .args(["serve", "--port", &port.to_string()])
        .arg(site)
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start explainer serve")
}

/// Reads stderr until the "serving http://…/" line; returns the address, and a thread
/// that collects the rest.
fn wait_for_address(child: &mut Child) -> (String, std::thread::JoinHandle<String>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let rest = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("serving http://") {
                let _ = tx.send(url.split('/').next().unwrap_or("").to_string());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("serve printed no address");
    (addr, rest)
}

/// Everything the child wrote to stderr (it has exited, or this waits until it does).
fn stderr_of(child: &mut Child) -> String {
    let mut err = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        stderr.read_to_string(&mut err).unwrap();
    }
    err
}

/// Waits at most `limit` for the child to exit.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn send_signal(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {signal} failed");
}

fn leftovers(tmp: &Path) -> Vec<String> {
    common::entries(tmp)
        .into_iter()
        .filter(|e| e.starts_with("explainer-serve"))
        .collect()
}

/// Item 16: the first SIGINT or SIGTERM stops serve within seconds although a client
/// holds a half-sent request, and the temporary folder is gone.
#[test]
fn the_first_signal_stops_serve_and_removes_its_folder() {
    for signal in ["-INT", "-TERM"] {
        let dir = starter_site();
        let tmp = tempfile::tempdir().unwrap();
        let mut child = spawn_serve(&dir.path().join("site"), 0, tmp.path());
        let (addr, rest) = wait_for_address(&mut child);
        assert_eq!(
            leftovers(tmp.path()).len(),
            1,
            "no temporary folder while serving"
        );
        let mut half = TcpStream::connect(&addr).unwrap();
        half.write_all(b"GET / HTTP/1.1\r\nHost: loc").unwrap();
        std::thread::sleep(Duration::from_millis(200));
        send_signal(&child, signal);
        let status = wait_exit(&mut child, Duration::from_secs(5));
        assert!(status.is_some(), "{signal}: serve did not stop within 5 s");
        let err = rest.join().unwrap();
        assert!(
            leftovers(tmp.path()).is_empty(),
            "{signal}: the temporary folder was left behind:\n{err}"
        );
        drop(half);
    }
}

/// Item 16: a port in use fails at once, before building, and leaves no folder.
#[test]
fn a_port_in_use_fails_before_building_and_leaves_nothing() {
    let dir = starter_site();
    let tmp = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut child = spawn_serve(&dir.path().join("site"), port, tmp.path());
    let status = wait_exit(&mut child, Duration::from_secs(30)).expect("serve did not exit");
    let err = stderr_of(&mut child);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("cannot listen on 127.0.0.1"), "{err}");
    assert!(!err.contains("built"), "it built before failing:\n{err}");
    assert!(
        leftovers(tmp.path()).is_empty(),
        "left: {:?}",
        leftovers(tmp.path())
    );
}

/// Item 17: connections that never finish their headers (slowloris) are closed after the
/// header timeout (10 s), while the site keeps being served.
#[test]
fn connections_that_never_finish_their_headers_are_closed() {
    let dir = starter_site();
    let tmp = tempfile::tempdir().unwrap();
    let mut child = spawn_serve(&dir.path().join("site"), 0, tmp.path());
    let (addr, _rest) = wait_for_address(&mut child);
    let mut slow: Vec<TcpStream> = (0..50)
        .map(|k| {
            let mut s = TcpStream::connect(&addr).unwrap();
            if k % 2 == 0 {
                s.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").unwrap();
            }
            s
        })
        .collect();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(15);
    let mut closed = 0;
    for s in &mut slow {
        let left = deadline.saturating_duration_since(Instant::now());
        s.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        let mut buf = [0u8; 512];
        // The server closes the connection: a read returns 0 (or a reset), not a timeout.
        match s.read(&mut buf) {
            Ok(_) => closed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => closed += 1,
            Err(_) => {}
        }
    }
    let took = started.elapsed();
    send_signal(&child, "-TERM");
    let _ = wait_exit(&mut child, Duration::from_secs(5));
    assert_eq!(
        closed, 50,
        "only {closed} of 50 slow connections were closed"
    );
    assert!(took < Duration::from_secs(15), "closing them took {took:?}");
}

/// Item 16: a signal while the first build runs stops serve too, and leaves nothing.
#[test]
fn a_signal_during_the_first_build_stops_serve_and_leaves_nothing() {
    let dir = starter_site();
    let site = dir.path().join("site");
    for k in 0..3000 {
        std::fs::write(
            site.join(format!("content/concerns/page-{k}.md")),
            format!("---\ntitle: Page {k}\n---\nSome text for page {k}, with a [link](example.md).\n\n## A heading\n\nMore text.\n"),
        )
        .unwrap();
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut child = spawn_serve(&site, 0, tmp.path());
    let started = Instant::now();
    while leftovers(tmp.path()).is_empty() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(100));
    send_signal(&child, "-TERM");
    let status = wait_exit(&mut child, Duration::from_secs(10));
    let err = stderr_of(&mut child);
    assert!(status.is_some(), "serve did not stop within 10 s:\n{err}");
    assert!(leftovers(tmp.path()).is_empty(), "left behind:\n{err}");
}

/// Review 2026-12-01, §4: `--open` goes through the `opener` crate, which honours
/// `$BROWSER` and needs no `xdg-open` (the hand-written opener ran `xdg-open` or `open`
/// from PATH, and nothing else).
#[cfg(unix)]
#[test]
fn open_starts_the_browser_named_by_browser() {
    use std::os::unix::fs::PermissionsExt;
    let dir = starter_site();
    let tmp = tempfile::tempdir().unwrap();
    let browser = tmp.path().join("browser");
    let opened = tmp.path().join("opened.txt");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let empty = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_explainer"))
        .args(["serve", "--port", "0", "--open"])
        .arg(dir.path().join("site"))
        .env("TMPDIR", tmp.path())
        .env("BROWSER", &browser)
        // No xdg-open, open or anything else to find: only $BROWSER can open the page.
        .env("PATH", empty.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start explainer serve");
    let (addr, rest) = wait_for_address(&mut child);
    let deadline = Instant::now() + Duration::from_secs(30);
    let seen = loop {
        match std::fs::read_to_string(&opened) {
            Ok(url) if !url.is_empty() => break Some(url),
            _ if Instant::now() > deadline => break None,
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    send_signal(&child, "-TERM");
    let _ = wait_exit(&mut child, Duration::from_secs(5));
    let err = rest.join().unwrap();
    assert_eq!(
        seen.as_deref(),
        Some(format!("http://{addr}/").as_str()),
        "the browser was not started:\n{err}"
    );
}

/// serve's stderr, line by line as it comes.
struct Terminal {
    lines: std::sync::mpsc::Receiver<String>,
}

impl Terminal {
    fn of(child: &mut Child) -> Terminal {
        let (tx, lines) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Terminal { lines }
    }

    /// Everything up to and including the next line that starts with one of `ends`.
    fn until(&self, ends: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = String::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = self.lines.recv_timeout(left) else {
                panic!("serve never printed a line starting with {ends:?}; it printed:\n{seen}");
            };
            seen.push_str(&line);
            seen.push('\n');
            if ends.iter().any(|e| line.starts_with(e)) {
                return seen;
            }
        }
    }

    /// What the next build printed, up to its last line.
    fn next_build(&self) -> String {
        self.until(&["rebuilt:", "built:", "build failed"])
    }
}

/// Saves `text` as `rel` in one step (written beside, then renamed), as editors do, so
/// that the watcher never sees it half written.
fn save(site: &Path, rel: &str, text: &str) {
    let beside = site.join(".save.tmp");
    std::fs::write(&beside, text).unwrap();
    std::fs::rename(&beside, site.join(rel)).unwrap();
}

const ORPHAN_WARNING: &str = "content/orphan.md: warning: no other page links to this page";

/// Review 2026-12-01: every rebuild printed every warning of the site again. Now each
/// build prints the problems that are new since the one before, and a line for those
/// fixed; the first build prints them all.
#[test]
fn each_build_prints_only_what_changed() {
    let dir = starter_site();
    let site = dir.path().join("site");
    let orphan = "---\ntitle: Orphan\n---\nNothing links here.\n";
    std::fs::write(site.join("content/orphan.md"), orphan).unwrap();
    let concern = std::fs::read_to_string(site.join("content/concerns/example.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut child = spawn_serve(&site, 0, tmp.path());
    let terminal = Terminal::of(&mut child);
    let first = terminal.until(&["serving http://"]);
    let step = |rel: &str, text: &str| {
        save(&site, rel, text);
        terminal.next_build()
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert!(first.contains(ORPHAN_WARNING), "{first}");
        // A save that changes no problem prints none.
        let edited = concern.replace("The writers worry", "The authors fear");
        let out = step("content/concerns/example.md", &edited);
        assert!(!out.contains("warning:") && !out.contains("fixed"), "{out}");
        // A new warning is printed, the old one is not printed again.
        let out = step("content/orphan2.md", "---\ntitle: Two\n---\nAlone too.\n");
        assert!(
            out.contains("content/orphan2.md: warning: no other page"),
            "{out}"
        );
        assert!(
            !out.contains(ORPHAN_WARNING) && !out.contains("fixed"),
            "{out}"
        );
        // A failed build prints its error, and calls nothing fixed.
        let broken = edited.replace("\"the rules are too broad\"", "\"too narrow\"");
        let out = step("content/concerns/example.md", &broken);
        assert!(out.contains("content/concerns/example.md:7:"), "{out}");
        assert!(out.contains("build failed: 1 error(s)"), "{out}");
        assert!(
            !out.contains("fixed") && !out.contains(ORPHAN_WARNING),
            "{out}"
        );
        // Fixed, with a link to the orphan: both fixes are said, in a line each.
        let fixed = format!("{edited}\nSee [the orphan](../orphan.md).\n");
        let out = step("content/concerns/example.md", &fixed);
        assert!(
            out.contains("fixed: 1 error(s) in content/concerns/example.md"),
            "{out}"
        );
        assert!(
            out.contains("fixed: 1 warning(s) in content/orphan.md"),
            "{out}"
        );
        assert!(!out.contains("warning: no other page"), "{out}");
    }));
    send_signal(&child, "-TERM");
    let _ = wait_exit(&mut child, Duration::from_secs(5));
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
