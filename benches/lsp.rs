//! Language-server latency, over stdio as an editor talks to it: the real binary
//! (`explainer lsp`) on the real site (a copy of this repository's content) and on a
//! generated site of 10,000 pages, with the machine's core count.
//!
//! ```text
//! cargo bench --bench lsp
//! cargo bench --bench lsp -- 1000 5000     # other generated sizes
//! ```
//!
//! - **Diagnostics after a keystroke**: one character typed into an open page
//!   (`textDocument/didChange`), until the server has checked the site with it and
//!   published what it found. The server checks before it answers a request, and
//!   publishes before it answers, so the time is taken to the answer of a request sent
//!   right after the keystroke. Median and slowest of 20 keystrokes, after 2 to warm up.
//! - **Completion**: a quote completion (`[@id "words`) and an id completion (`[@`),
//!   median of 20 each, with nothing left to check.
//! - The client offers file watching (as VS Code and Neovim do), so a check reads from
//!   disk only the files the client says changed.
//! - **Memory**: the warm server's resident set (VmRSS) and its peak (VmHWM), from
//!   `/proc`, after the keystrokes.

/// The allocator the `explainer` binary uses (see src/main.rs), so that the benchmark
/// measures what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod site;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const KEYSTROKES: usize = 20;
const WARM_UP: usize = 2;

struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    next: i64,
}

impl Server {
    fn start(site: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_explainer"))
            .arg("lsp")
            .arg(site)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // EXPLAINER_TIMINGS=1 shows each check's stages.
            .stderr(match std::env::var_os("EXPLAINER_TIMINGS") {
                Some(_) => Stdio::inherit(),
                None => Stdio::null(),
            })
            .spawn()
            .expect("start explainer lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let Ok(v) = serde_json::from_slice(&body) else {
                    return;
                };
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut s = Server {
            child,
            stdin,
            incoming,
            next: 1,
        };
        // As VS Code and Neovim do, the client watches the files for the server.
        let watching =
            json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
        s.request("initialize", json!({ "capabilities": watching }));
        s.notify("initialized", json!({}));
        s
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        let _ = write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len());
        let _ = self.stdin.flush();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let msg = self
                .incoming
                .recv_timeout(Duration::from_secs(600))
                .expect("the server answers");
            if msg["id"] == id && msg.get("method").is_none() {
                return msg;
            }
            if msg.get("method").is_some() && msg.get("id").is_some() {
                // The server's own request (to register the file watching).
                self.send(json!({"jsonrpc": "2.0", "id": msg["id"], "result": null}));
            }
        }
    }

    fn memory(&self) -> String {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .map(|l| l[name.len()..].trim().to_string())
                .unwrap_or_else(|| "?".into())
        };
        format!("VmRSS {}, VmHWM {}", field("VmRSS:"), field("VmHWM:"))
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let _ = self.child.wait();
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    format!(
        "median {:>7.1} ms  slowest {:>7.1} ms",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    )
}

/// Opens `rel`, types into it, completes in it; prints the times.
fn measure(label: &str, site: &Path, rel: &str, source: &str, words: &str) {
    let started = Instant::now();
    let mut s = Server::start(site);
    let path = site.join("content").join(rel);
    let uri = format!(
        "file://{}",
        path.canonicalize().expect("the page").display()
    );
    let text = std::fs::read_to_string(&path).expect("the page");
    let lines = text.lines().count() as u32;
    let typed = format!("New claim [@{source} \"{words}");
    let text = format!("{text}\n{typed}\n");
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
    );
    let hover = json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}});
    s.request("textDocument/hover", hover.clone());
    let first = started.elapsed();
    let mut keys = vec![];
    for k in 0..WARM_UP + KEYSTROKES {
        let at = json!({"line": lines + 1, "character": 0});
        let change = json!({
            "textDocument": {"uri": uri, "version": 2 + k},
            "contentChanges": [{"range": {"start": at, "end": at}, "text": "x"}]
        });
        let t = Instant::now();
        s.notify("textDocument/didChange", change);
        s.request("textDocument/hover", hover.clone());
        if k >= WARM_UP {
            keys.push(t.elapsed());
        }
    }
    let complete = |s: &mut Server, character: usize| {
        let p = json!({"textDocument": {"uri": uri},
            "position": {"line": lines + 1, "character": character}});
        let mut times = vec![];
        let mut n = 0;
        for _ in 0..KEYSTROKES {
            let t = Instant::now();
            let r = s.request("textDocument/completion", p.clone());
            times.push(t.elapsed());
            n = r["result"]["items"].as_array().map_or(0, Vec::len);
        }
        (times, n)
    };
    // The typed line now starts with the keystrokes' x's.
    let x = WARM_UP + KEYSTROKES;
    let (mut quote, nq) = complete(&mut s, x + typed.chars().count());
    let (mut ids, ni) = complete(&mut s, x + "New claim [@".len());
    println!("{label}: first check {:.0} ms; {}", ms(first), s.memory());
    println!("  diagnostics after a keystroke  {}", summary(&mut keys));
    println!(
        "  quote completion ({nq:>3} items)  {}",
        summary(&mut quote)
    );
    println!("  id completion ({ni:>4} items)   {}", summary(&mut ids));
    s.stop();
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000]
    } else {
        sizes
    };
    println!(
        "explainer lsp over stdio, {} CPU(s)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let real = dir.path().join("real");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for part in ["content", "layouts"] {
        if repo.join(part).is_dir() {
            copy_dir(&repo.join(part), &real.join(part)).expect("copy the site");
        }
    }
    std::fs::copy(repo.join("explainer.toml"), real.join("explainer.toml")).expect("copy");
    measure(
        "real site",
        &real,
        "concerns/encryption.md",
        "senators-2024-10-29",
        "Encryption provides a",
    );
    for n in sizes {
        let generated = dir.path().join(format!("gen-{n}"));
        let variant = site::Variant {
            code: true,
            search: false,
        };
        site::generate_site(&generated, n, variant).expect("generate the site");
        let rel = format!("{}/{}.md", site::section_of(n / 2), site::slug(n / 2));
        measure(
            &format!("{n} pages"),
            &generated,
            &rel,
            site::SOURCE_ID,
            "the",
        );
    }
}
