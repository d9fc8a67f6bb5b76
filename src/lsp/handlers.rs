//! The handler of each request and notification the server takes: the buffers' life
//! (open, change, close, save), the client's news of files changed on disk, and the
//! requests, each read into its parameters (or answered `InvalidParams`) and passed to
//! its feature's module.

use super::documents::Doc;
use super::navigation::{self, Cited, Place};
use super::{Server, actions, completion, hover};
use crate::resolve::Site;
use lsp_server::{ErrorCode, Notification, Request, Response};
use lsp_types as lsp;
use serde::de::DeserializeOwned;

fn params<P: DeserializeOwned>(value: serde_json::Value) -> Result<P, String> {
    serde_json::from_value(value).map_err(|e| format!("invalid parameters: {e}"))
}

impl Server {
    /// Takes one notification (unknown ones are ignored, as the protocol says).
    pub(super) fn notified(&mut self, n: Notification) {
        let done = match n.method.as_str() {
            "textDocument/didOpen" => params(n.params).map(|p| self.opened(p)),
            "textDocument/didChange" => params(n.params).map(|p| self.changed(p)),
            "textDocument/didClose" => {
                params(n.params).map(|p: lsp::DidCloseTextDocumentParams| {
                    if let Some(rel) = self.docs.close(&p.text_document.uri) {
                        self.session.set_unsaved(&rel, None);
                        self.note(&rel);
                    }
                })
            }
            "textDocument/didSave" => params(n.params).map(|p: lsp::DidSaveTextDocumentParams| {
                if let Some(rel) = self.paths.rel_of(&p.text_document.uri) {
                    self.note(&rel);
                }
            }),
            "workspace/didChangeWatchedFiles" => {
                params(n.params).map(|p: lsp::DidChangeWatchedFilesParams| {
                    for change in p.changes {
                        if let Ok(path) = change.uri.to_file_path() {
                            self.session.note_changed([path]);
                            self.dirty = true;
                        }
                    }
                })
            }
            _ => Ok(()),
        };
        if let Err(e) = done {
            eprintln!("explainer lsp: {}: {e}", n.method);
        }
    }

    /// The next check is to read `rel` again.
    fn note(&mut self, rel: &str) {
        self.session.note_changed([self.paths.content.join(rel)]);
        self.dirty = true;
    }

    fn opened(&mut self, p: lsp::DidOpenTextDocumentParams) {
        let uri = p.text_document.uri;
        let Some(rel) = self.paths.rel_of(&uri) else {
            return;
        };
        self.session
            .set_unsaved(&rel, Some(p.text_document.text.clone()));
        self.docs.open(uri, Doc::new(rel, p.text_document.text));
        self.dirty = true;
    }

    fn changed(&mut self, p: lsp::DidChangeTextDocumentParams) {
        let enc = self.enc;
        let Some(doc) = self.docs.get_mut(&p.text_document.uri) else {
            return;
        };
        for change in p.content_changes {
            doc.apply(change.range, &change.text, enc);
        }
        let (rel, text) = (doc.rel.clone(), doc.text.clone());
        self.session.set_unsaved(&rel, Some(text));
        self.dirty = true;
    }

    /// The response to a request.
    pub(super) fn handle(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            "textDocument/completion" => params(req.params).map(|p| self.completion(p)),
            "textDocument/hover" => params(req.params).map(|p| self.hover(p)),
            "textDocument/definition" => params(req.params).map(|p| self.definition(p)),
            "textDocument/references" => params(req.params).map(|p| self.references(p)),
            "textDocument/codeAction" => params(req.params).map(|p| self.code_actions(p)),
            _ => {
                let code = ErrorCode::MethodNotFound as i32;
                return Response::new_err(id, code, format!("unknown method {}", req.method));
            }
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, e),
        }
    }

    /// The open buffer and the site, for a request at `uri`.
    fn doc_and_site(&self, uri: &lsp::Url) -> Option<(&Doc, &Site)> {
        Some((self.docs.get(uri)?, self.site.as_ref()?))
    }

    fn completion(&self, p: lsp::CompletionParams) -> serde_json::Value {
        let at = p.text_document_position;
        let Some((doc, site)) = self.doc_and_site(&at.text_document.uri) else {
            return serde_json::Value::Null;
        };
        let items = completion::complete(site, doc, at.position, self.enc);
        serde_json::to_value(lsp::CompletionResponse::List(lsp::CompletionList {
            is_incomplete: true,
            items,
        }))
        .unwrap_or_default()
    }

    fn hover(&self, p: lsp::HoverParams) -> serde_json::Value {
        let at = p.text_document_position_params;
        let Some((doc, site)) = self.doc_and_site(&at.text_document.uri) else {
            return serde_json::Value::Null;
        };
        let (row, byte) = doc.line_and_byte(at.position, self.enc);
        let Some(text) = hover::hover(site, &doc.rel, doc.line(row), byte) else {
            return serde_json::Value::Null;
        };
        let hover = lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: text,
            }),
            range: None,
        };
        serde_json::to_value(hover).unwrap_or_default()
    }

    fn definition(&self, p: lsp::GotoDefinitionParams) -> serde_json::Value {
        let at = p.text_document_position_params;
        let Some((doc, site)) = self.doc_and_site(&at.text_document.uri) else {
            return serde_json::Value::Null;
        };
        let (row, byte) = doc.line_and_byte(at.position, self.enc);
        let line = doc.line(row);
        let place = match navigation::cited_at(site, line, byte) {
            Some(cited) => navigation::definition_of(site, &cited),
            None => super::context::link_at(line, byte)
                .and_then(|r| navigation::link_target(site, &doc.rel, &line[r])),
        };
        match place.and_then(|p| self.location(site, &p)) {
            Some(loc) => serde_json::to_value(loc).unwrap_or_default(),
            None => serde_json::Value::Null,
        }
    }

    fn references(&self, p: lsp::ReferenceParams) -> serde_json::Value {
        let at = p.text_document_position;
        let Some((doc, site)) = self.doc_and_site(&at.text_document.uri) else {
            return serde_json::Value::Null;
        };
        let (row, byte) = doc.line_and_byte(at.position, self.enc);
        let places = references_at(site, doc, row, byte);
        let locations: Vec<lsp::Location> = places
            .iter()
            .filter_map(|p| self.location(site, p))
            .collect();
        serde_json::to_value(locations).unwrap_or_default()
    }

    fn code_actions(&self, p: lsp::CodeActionParams) -> serde_json::Value {
        let Some((doc, site)) = self.doc_and_site(&p.text_document.uri) else {
            return serde_json::Value::Null;
        };
        let list = actions::actions(site, doc, &p.text_document.uri, p.range, self.enc);
        let list: Vec<lsp::CodeActionOrCommand> = list
            .into_iter()
            .map(lsp::CodeActionOrCommand::CodeAction)
            .collect();
        serde_json::to_value(list).unwrap_or_default()
    }

    /// A place as a location, its column in the client's units (from the open buffer's
    /// text, or the site's).
    fn location(&self, site: &Site, place: &Place) -> Option<lsp::Location> {
        let uri = self.paths.uri_of_rel(&place.rel)?;
        let line = match self.docs.get(&uri) {
            Some(d) => d.line(place.line).to_string(),
            None => match site.page(&place.rel) {
                Some(i) => site.pages[i.index()]
                    .text
                    .lines()
                    .nth(place.line)
                    .unwrap_or("")
                    .to_string(),
                None => String::new(),
            },
        };
        let byte = super::documents::byte_of_char_col(&line, place.col + 1);
        let col = super::documents::units(&line, byte, self.enc);
        let pos = lsp::Position::new(place.line as u32, col);
        Some(lsp::Location::new(uri, lsp::Range::new(pos, pos)))
    }
}

/// The references of what is at byte `byte` of line `row` of `doc`: the citation under
/// the cursor's target, else the source paragraph, heading or bibliography entry there.
fn references_at(site: &Site, doc: &Doc, row: usize, byte: usize) -> Vec<Place> {
    let line = doc.line(row);
    if let Some(cited) = navigation::cited_at(site, line, byte) {
        return navigation::citations_of(site, &cited);
    }
    if let Some(i) = site.page(&doc.rel).map(crate::ids::PageId::index) {
        let page = &site.pages[i];
        if let Some(id) = navigation::heading_at(page, &doc.text, row) {
            return navigation::links_to(site, &doc.rel, &id);
        }
        if page.is_source()
            && !super::context::in_front_matter(&doc.text, row)
            && let Some(n) = navigation::paragraph_at(page, &doc.text, row)
        {
            return navigation::citations_of(site, &Cited::Source(i, Some(n)));
        }
        return vec![];
    }
    match navigation::entry_at(site, &doc.rel, row) {
        Some(e) => navigation::citations_of(site, &Cited::Entry(e)),
        None => vec![],
    }
}
