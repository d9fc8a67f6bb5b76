//! `explainer lsp`: the language server, behind the `lsp` cargo feature (on by default).
//!
//! This file is the lifecycle and the dispatch: initialize (the position encoding, file
//! watching), then one loop over the client's messages. Every check is the build's own:
//! after an edit the server runs the same pipeline ([`crate::build::check_in`]) in a warm
//! [`Session`] with the open buffers' unsaved texts ([`Session::set_unsaved`]) and the
//! `Discard` sink, so nothing is written, and publishes the diagnostics it finds. The
//! site that check resolved answers completion, hover, definition, references and code
//! actions until the next one. A request that cannot be read gets an error response; a
//! panic in a handler is caught and answered as one; the server keeps serving.

mod actions;
mod completion;
mod context;
mod diagnostics;
mod documents;
mod handlers;
mod hover;
mod navigation;
mod transport;

use crate::build::{self, BuildOptions};
use crate::resolve::Site;
use crate::session::Session;
use documents::{Documents, Encoding, Paths};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types as lsp;
use std::collections::BTreeMap;
use std::path::Path;

/// The server's state between messages.
struct Server {
    opts: BuildOptions,
    paths: Paths,
    session: Session,
    docs: Documents,
    /// The site the last check resolved (kept from an earlier one if the last had none).
    site: Option<Site>,
    /// What each file's diagnostics were when last published: only changes are sent,
    /// and a file that has none any more is cleared.
    published: BTreeMap<lsp::Url, Vec<lsp::Diagnostic>>,
    enc: Encoding,
    /// Whether the client tells the server of changes on disk (else every check reads
    /// every file, which finds them too).
    watched: bool,
    /// Whether something changed since the last check.
    dirty: bool,
    /// Whether the client was told the folder is not a site (it is told once).
    told_not_a_site: bool,
}

/// Runs the language server for the site at `site_dir` (or the editor's workspace
/// folder) over stdin and stdout, until the client says `exit`.
pub fn run(site_dir: Option<&Path>) -> Result<(), String> {
    let (conn, threads) = transport::stdio().map_err(|e| format!("cannot start: {e}"))?;
    let (id, params) = conn
        .initialize_start()
        .map_err(|e| format!("initialize failed: {e}"))?;
    let params: lsp::InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let named = site_dir.map_or_else(|| workspace(&params), Path::to_path_buf);
    // The build and the session name files by their real paths; the editor may name the
    // site through a symbolic link, and `Paths` answers it by that name.
    let site_dir = &named.canonicalize().unwrap_or_else(|_| named.clone());
    let enc = negotiate(&params);
    let result = serde_json::json!({
        "capabilities": capabilities(enc),
        "serverInfo": { "name": "explainer", "version": env!("CARGO_PKG_VERSION") },
    });
    conn.initialize_finish(id, result)
        .map_err(|e| format!("initialize failed: {e}"))?;
    let watched = watch(&conn, &params, site_dir);
    let mut server = Server {
        opts: BuildOptions::new(site_dir),
        paths: Paths::new(site_dir, &named),
        session: Session::warm(),
        docs: Documents::default(),
        site: None,
        published: BTreeMap::new(),
        enc,
        watched,
        dirty: true,
        told_not_a_site: false,
    };
    server.check(&conn);
    server.serve(&conn)?;
    drop(conn);
    threads.join();
    Ok(())
}

/// The site folder when none is named: the client's first workspace folder (or root)
/// that has an `explainer.toml`, else the current folder.
#[allow(deprecated)] // `root_uri`: older clients send only it.
fn workspace(params: &lsp::InitializeParams) -> std::path::PathBuf {
    let folders = params.workspace_folders.iter().flatten().map(|f| &f.uri);
    folders
        .chain(params.root_uri.as_ref())
        .filter_map(|u| u.to_file_path().ok())
        .find(|p| p.join("explainer.toml").is_file())
        .unwrap_or_else(|| ".".into())
}

/// UTF-8 if the client offers it, else UTF-16 (the protocol's default).
fn negotiate(params: &lsp::InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&lsp::PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

fn capabilities(enc: Encoding) -> lsp::ServerCapabilities {
    let triggers = ["@", "#", "\"", "\u{201c}", "(", "/", " "];
    lsp::ServerCapabilities {
        position_encoding: Some(match enc {
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::INCREMENTAL,
        )),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(triggers.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// Asks the client to tell of every change to the site's files, if it can; whether it
/// was asked.
fn watch(conn: &Connection, params: &lsp::InitializeParams, site_dir: &Path) -> bool {
    let can = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    if !can {
        return false;
    }
    let site = std::path::absolute(site_dir).unwrap_or_else(|_| site_dir.to_path_buf());
    let options = lsp::DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![lsp::FileSystemWatcher {
            glob_pattern: lsp::GlobPattern::String(format!("{}/**/*", site.display())),
            kind: None,
        }],
    };
    let registration = lsp::Registration {
        id: "explainer-watch".into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: serde_json::to_value(options).ok(),
    };
    let params = lsp::RegistrationParams {
        registrations: vec![registration],
    };
    let req = Request::new(
        "explainer-watch".to_string().into(),
        "client/registerCapability".into(),
        params,
    );
    conn.sender.send(req.into()).is_ok()
}

impl Server {
    /// The message loop, until `exit`: `Ok` after a `shutdown`, an error (exit status 1,
    /// as the protocol asks) for an `exit` without one. After `shutdown`, a request is
    /// answered with `InvalidRequest` and a notification is ignored.
    fn serve(&mut self, conn: &Connection) -> Result<(), String> {
        let mut shut_down = false;
        while let Ok(msg) = conn.receiver.recv() {
            match msg {
                Message::Request(req) if shut_down => {
                    let code = lsp_server::ErrorCode::InvalidRequest as i32;
                    let why = "the server is shutting down: only `exit` is expected".into();
                    if conn
                        .sender
                        .send(Response::new_err(req.id, code, why).into())
                        .is_err()
                    {
                        return Ok(());
                    }
                }
                Message::Request(req) if req.method == "shutdown" => {
                    shut_down = true;
                    let resp = Response::new_ok(req.id, serde_json::Value::Null);
                    if conn.sender.send(resp.into()).is_err() {
                        return Ok(());
                    }
                }
                Message::Request(req) => {
                    if self.dirty {
                        self.check(conn);
                    }
                    let resp = self.answer(req);
                    if conn.sender.send(resp.into()).is_err() {
                        return Ok(());
                    }
                }
                Message::Notification(n) if n.method == "exit" => {
                    return match shut_down {
                        true => Ok(()),
                        false => Err("the client sent `exit` without `shutdown`".into()),
                    };
                }
                Message::Notification(_) if shut_down => {}
                Message::Notification(n) => {
                    self.notified(n);
                    // A burst of edits is checked once, after its last.
                    if self.dirty && conn.receiver.is_empty() {
                        self.check(conn);
                    }
                }
                // The client's answer to a request of the server's (the watch
                // registration) can be the last message of a burst: a check deferred
                // behind it runs now, not when the next request comes.
                Message::Response(_) => {
                    if self.dirty && conn.receiver.is_empty() && !shut_down {
                        self.check(conn);
                    }
                }
            }
        }
        Ok(())
    }

    /// The response to a request; a handler's panic is answered as an error.
    fn answer(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle(req)));
        answered.unwrap_or_else(|_| {
            let code = lsp_server::ErrorCode::InternalError as i32;
            Response::new_err(id, code, "explainer lsp: the request failed".into())
        })
    }

    /// Runs the check and publishes what it found. A panic in it is caught: the session
    /// starts afresh and the server keeps serving.
    fn check(&mut self, conn: &Connection) {
        self.dirty = false;
        // Outside a site (an editor started the server for any Markdown file) there is
        // nothing to check: no file gets an error about a missing explainer.toml; the
        // client is told once, in a message, and the server stays quiet.
        let settings = self.opts.site_dir.join(crate::config::CONFIG_FILE);
        if !settings.is_file() {
            if !self.told_not_a_site {
                self.told_not_a_site = true;
                let text = format!(
                    "explainer: {} has no explainer.toml, so it is not a site: nothing is checked here. Start the server in a site's folder (`explainer new DIR` makes one).",
                    self.opts.site_dir.display()
                );
                let params = lsp::ShowMessageParams {
                    typ: lsp::MessageType::INFO,
                    message: text,
                };
                let note = lsp_server::Notification::new("window/showMessage".into(), params);
                let _ = conn.sender.send(note.into());
            }
            self.publish(conn, &crate::Diagnostics::new());
            return;
        }
        if !self.watched {
            self.session.forget_changes();
        } else {
            self.session.note_changed(std::iter::empty());
        }
        let started = std::time::Instant::now();
        let (opts, session) = (&self.opts, &mut self.session);
        let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            build::check_in(opts, session)
        }));
        let (site, diags) = match checked {
            Ok(done) => done,
            Err(_) => {
                self.session = Session::warm();
                self.resync();
                let d = crate::Diagnostic::error(
                    "explainer.toml",
                    None,
                    "the check failed unexpectedly",
                )
                .with_help("this is a bug in explainer; the server goes on serving");
                (None, crate::Diagnostics::from(d))
            }
        };
        if site.is_some() {
            self.site = site;
        }
        let checked = started.elapsed();
        self.publish(conn, &diags);
        if std::env::var_os("EXPLAINER_TIMINGS").is_some() {
            let (all, published) = (checked.as_secs_f64(), started.elapsed().as_secs_f64());
            eprintln!(
                "lsp: checked in {:.1} ms, published {} diagnostic(s) by {:.1} ms",
                all * 1000.0,
                diags.iter().count(),
                published * 1000.0
            );
        }
    }

    /// Hands every open buffer to a fresh session again.
    fn resync(&mut self) {
        for (rel, text) in self.docs.texts() {
            self.session.set_unsaved(&rel, Some(text));
        }
    }

    /// Publishes the diagnostics of every file whose diagnostics changed, and clears those
    /// of the files that have none now.
    fn publish(&mut self, conn: &Connection, diags: &crate::Diagnostics) {
        let line = |file: &Path, n: usize| self.line_of_file(file, n);
        let found = diagnostics::by_uri(diags, &self.paths, self.enc, &line);
        for (uri, list) in &found {
            if self.published.get(uri) != Some(list) {
                send_diagnostics(conn, uri.clone(), list.clone());
            }
        }
        for uri in self.published.keys().filter(|u| !found.contains_key(*u)) {
            send_diagnostics(conn, uri.clone(), vec![]);
        }
        self.published = found;
    }

    /// 0-based line `n` of a file as diagnostics name it: from its open buffer, the
    /// site's copy, or the disk (inside the site folder only).
    fn line_of_file(&self, file: &Path, n: usize) -> Option<String> {
        let rel = file
            .strip_prefix("content")
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"));
        if let Some(rel) = &rel {
            if let Some((_, doc)) = self.docs.by_rel(rel) {
                return Some(doc.line(n).to_string());
            }
            if let Some(page) = self
                .site
                .as_ref()
                .and_then(|s| s.page(rel).map(|i| &s.pages[i.index()]))
            {
                return page.text.lines().nth(n).map(str::to_string);
            }
        }
        if file.is_absolute()
            || file
                .components()
                .any(|c| c == std::path::Component::ParentDir)
        {
            return None;
        }
        let text = std::fs::read_to_string(self.paths.site.join(file)).ok()?;
        text.lines().nth(n).map(str::to_string)
    }
}

fn send_diagnostics(conn: &Connection, uri: lsp::Url, diagnostics: Vec<lsp::Diagnostic>) {
    let params = lsp::PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    let n = Notification::new("textDocument/publishDiagnostics".into(), params);
    let _ = conn.sender.send(n.into());
}
