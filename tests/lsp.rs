//! Issue 20, `explainer lsp`: a test client drives the real binary over stdin and stdout,
//! speaking JSON-RPC in `Content-Length` frames as an editor would. It opens buffers,
//! edits them, and checks the diagnostics published for them (and for other files), and
//! every request: completion, hover, definition, references and code actions; positions
//! on lines with CJK and emoji; and that bad input gets an error and the server goes on.
//!
//! To see every published diagnostic of an edit, the client follows its notifications
//! with a request: the server checks what changed before it answers a request, and
//! publishes before it answers, so once the answer is in, so are the diagnostics.

mod common;

use common::{Site, page};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const LETTER: &str = "---
title: The letter
summary: A letter about the treaty.
kind: letter
date: 2024-10-29
---

Dear Committee,

We write about the “draft convention” — it is too broad.

The treaty’s Articles 7–10 do not require criminal intent.

Encryption provides a lifeline to journalists, and to people living under authoritarian regimes.
";

const A: &str = "---
title: Page A
summary: About A.
---

## Background

It is \"too broad\" [@letter \"it is too broad\"]. See [b](b.md#details).
";

const B: &str = "---
title: Page B
summary: About B.
---

## Details

A claim [@letter#p3] and another [@treaty, art. 7]. Back to [a](a.md#background).
";

const REFERENCES: &str = "treaty:
  title: The Treaty
  publisher: United Nations
  date: 2024-12-24
  url: https://example.org/treaty
  checked: Read in full.
";

fn site() -> Site {
    Site::new(&[
        (
            "content/_index.md",
            &page("Home", "See [a](concerns/a.md) and [b](concerns/b.md).\n"),
        ),
        (
            "content/sources/_index.md",
            &page("Sources", "The letters.\n"),
        ),
        ("content/sources/letter.md", LETTER),
        (
            "content/concerns/_index.md",
            &page("Concerns", "The concerns.\n"),
        ),
        ("content/concerns/a.md", A),
        ("content/concerns/b.md", B),
        ("content/references.yaml", REFERENCES),
    ])
}

/// A client of a running `explainer lsp`.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    next_id: i64,
    /// The last diagnostics published for each URI.
    diagnostics: HashMap<String, Vec<Value>>,
    root: String,
}

impl Client {
    fn start(site: &Site, capabilities: Value) -> Client {
        Client::start_at(&site.path().canonicalize().unwrap(), capabilities)
    }

    /// A client that names the site folder `site` (a path through a symbolic link, say),
    /// and its files by that path.
    fn start_at(site: &std::path::Path, capabilities: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_explainer"))
            .arg("lsp")
            .arg(site)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start explainer lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
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
                        length = v.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                r.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let root = url(&site.join("content"));
        let root = root.trim_end_matches('/').to_string();
        let mut c = Client {
            child,
            stdin,
            incoming,
            next_id: 1,
            diagnostics: HashMap::new(),
            root,
        };
        let init = c.request("initialize", json!({ "capabilities": capabilities }));
        assert!(
            init["result"]["capabilities"]["completionProvider"].is_object(),
            "{init}"
        );
        c.notify("initialized", json!({}));
        c
    }

    fn uri(&self, rel: &str) -> String {
        format!("{}/{rel}", self.root)
    }

    fn send(&mut self, msg: &Value) {
        self.send_raw(msg.to_string().as_bytes());
    }

    fn send_raw(&mut self, body: &[u8]) {
        let head = format!("Content-Length: {}\r\n\r\n", body.len());
        self.stdin.write_all(head.as_bytes()).unwrap();
        self.stdin.write_all(body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response, recording the diagnostics published
    /// on the way (and answering the server's own requests).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(id)
    }

    fn wait_for(&mut self, id: i64) -> Value {
        loop {
            let msg = self
                .incoming
                .recv_timeout(Duration::from_secs(120))
                .expect("the server answers");
            if msg["method"] == "textDocument/publishDiagnostics" {
                let uri = msg["params"]["uri"].as_str().unwrap().to_string();
                let list = msg["params"]["diagnostics"].as_array().unwrap().clone();
                self.diagnostics.insert(uri, list);
            } else if msg.get("method").is_some() && msg.get("id").is_some() {
                let reply = json!({"jsonrpc": "2.0", "id": msg["id"], "result": null});
                self.send(&reply);
            } else if msg["id"] == id {
                return msg;
            }
        }
    }

    /// Waits until everything sent so far has been checked (see the module's comment).
    fn sync(&mut self) {
        let r = self.request(
            "textDocument/hover",
            json!({
                "textDocument": {"uri": self.uri("_index.md")},
                "position": {"line": 0, "character": 0}
            }),
        );
        assert!(r.get("error").is_none(), "{r}");
    }

    fn messages(&mut self, rel: &str) -> Vec<String> {
        self.sync();
        self.diagnostics
            .get(&self.uri(rel))
            .map(|l| {
                l.iter()
                    .map(|d| d["message"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn diagnostic(&mut self, rel: &str, needle: &str) -> Option<Value> {
        self.sync();
        self.diagnostics
            .get(&self.uri(rel))?
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains(needle))
            .cloned()
    }

    fn open(&mut self, rel: &str, text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didOpen",
            json!({
                "textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
            }),
        );
    }

    /// Replaces the whole text of an open buffer.
    fn change(&mut self, rel: &str, text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"text": text}]
            }),
        );
    }

    /// Replaces a range of an open buffer.
    fn edit(&mut self, rel: &str, start: (u32, u32), end: (u32, u32), text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": 3},
                "contentChanges": [{"range": {
                    "start": {"line": start.0, "character": start.1},
                    "end": {"line": end.0, "character": end.1}
                }, "text": text}]
            }),
        );
    }

    fn at(&mut self, method: &str, rel: &str, line: u32, character: u32) -> Value {
        let uri = self.uri(rel);
        let mut params = json!({
            "textDocument": {"uri": uri},
            "position": {"line": line, "character": character}
        });
        if method == "textDocument/references" {
            params["context"] = json!({"includeDeclaration": false});
        }
        let r = self.request(method, params);
        assert!(r.get("error").is_none(), "{r}");
        r["result"].clone()
    }

    fn completion(&mut self, rel: &str, line: u32, character: u32) -> Vec<Value> {
        let r = self.at("textDocument/completion", rel, line, character);
        r["items"].as_array().cloned().unwrap_or_default()
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

fn url(p: &std::path::Path) -> String {
    format!("file://{}", p.display())
}

/// The labels of completion items.
fn labels(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

/// The (line, character) of a UTF-16 position in `text`: of `needle` plus `plus` chars.
fn utf16_pos(text: &str, needle: &str, plus: usize) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {text}"));
    let before = &text[..at];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[start..at].encode_utf16().count()
        + needle
            .chars()
            .take(plus)
            .map(char::len_utf16)
            .sum::<usize>();
    (line as u32, col as u32)
}

#[test]
fn initialize_and_shutdown() {
    let site = site();
    let c = Client::start(&site, json!({}));
    c.shutdown();
}

#[test]
fn diagnostics_follow_each_edit_and_reach_other_files() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    assert_eq!(c.messages("concerns/a.md"), Vec::<String>::new());
    c.open("concerns/a.md", A);
    // A bad quote.
    let bad = A.replace("it is too broad\"]", "it is too braod\"]");
    c.change("concerns/a.md", &bad);
    let d = c
        .diagnostic("concerns/a.md", "is not in `letter`")
        .expect("the bad quote is reported");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("help: the closest passage is ¶2"),
        "{d}"
    );
    let (line, col) = utf16_pos(&bad, "[@letter", 1);
    assert_eq!(
        d["range"]["start"],
        json!({"line": line, "character": col}),
        "{d}"
    );
    assert_eq!(d["severity"], 1);
    // Its fix.
    c.change("concerns/a.md", A);
    assert_eq!(c.messages("concerns/a.md"), Vec::<String>::new());
    // A broken link.
    let broken = A.replace("[b](b.md#details)", "[b](bb.md#details)");
    c.change("concerns/a.md", &broken);
    let d = c.diagnostic(
        "concerns/a.md",
        "links to content/concerns/bb.md, which does not exist",
    );
    assert!(d.is_some(), "{:?}", c.messages("concerns/a.md"));
    c.change("concerns/a.md", A);
    assert_eq!(c.messages("concerns/a.md"), Vec::<String>::new());
    // A renamed heading in b, seen from a, which links to it: a is not open.
    c.open("concerns/b.md", B);
    c.change("concerns/b.md", &B.replace("## Details", "## Particulars"));
    let d = c.diagnostic("concerns/a.md", "has no heading or anchor `#details`");
    assert!(d.is_some(), "{:?}", c.messages("concerns/a.md"));
    // A changed sentence of the letter, seen from the pages that quote it.
    c.change("concerns/b.md", B);
    c.open("sources/letter.md", LETTER);
    c.change(
        "sources/letter.md",
        &LETTER.replace("it is too broad", "it is very broad"),
    );
    assert!(
        c.diagnostic(
            "concerns/a.md",
            "the quote “it is too broad” is not in `letter`"
        )
        .is_some()
    );
    // Closing the buffer goes back to the disk.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": c.uri("sources/letter.md")}}),
    );
    assert_eq!(c.messages("concerns/a.md"), Vec::<String>::new());
    c.shutdown();
}

#[test]
fn edits_by_range_apply_in_utf16_on_a_multibyte_line() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    let text = format!("{A}\n中文 😀 и [@letter \"draft convention\"] x\n");
    c.open("concerns/a.md", &text);
    assert_eq!(c.messages("concerns/a.md"), Vec::<String>::new());
    // Put a typo into the quote by a range edit, after the emoji on the same line.
    let (line, col) = utf16_pos(&text, "draft", 0);
    c.edit("concerns/a.md", (line, col), (line, col + 5), "dratf");
    let d = c
        .diagnostic("concerns/a.md", "“dratf convention” is not in `letter`")
        .expect("the edit applied at the right place");
    let (l, start) = utf16_pos(&text, "[@letter \"draft", 1);
    assert_eq!(d["range"]["start"], json!({"line": l, "character": start}));
    // The range ends at the bracket's end, in UTF-16 units.
    let (_, end) = utf16_pos(&text, "convention\"]", 12);
    assert_eq!(d["range"]["end"]["character"], end);
    c.shutdown();
}

#[test]
fn positions_in_utf8_when_the_client_asks() {
    let site = site();
    let mut c = Client::start(
        &site,
        json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}),
    );
    let text = format!("{A}\n中文 😀 [@letter \"dratf convention\"]\n");
    c.open("concerns/a.md", &text);
    let d = c.diagnostic("concerns/a.md", "dratf").unwrap();
    let line = text[..text.find("中文").unwrap()].matches('\n').count();
    let col = "中文 😀 [".len();
    assert_eq!(d["range"]["start"], json!({"line": line, "character": col}));
    c.shutdown();
}

#[test]
fn completes_ids_paragraphs_quotes_links_and_keys() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    let text = format!("{A}\nNew [@\n");
    c.open("concerns/a.md", &text);
    let line = text.lines().count() as u32 - 1;
    let items = c.completion("concerns/a.md", line, 6);
    assert_eq!(labels(&items), ["letter", "treaty"]);
    assert_eq!(items[0]["detail"], "The letter");
    assert_eq!(items[1]["detail"], "The Treaty (United Nations)");

    c.change("concerns/a.md", &format!("{A}\nNew [@letter#p\n"));
    let items = c.completion("concerns/a.md", line, 14);
    assert_eq!(labels(&items), ["1", "2", "3", "4"]);
    assert!(
        items[2]["detail"]
            .as_str()
            .unwrap()
            .starts_with("The treaty’s Articles 7–10")
    );

    // Quote words: typed in straight marks and dashes, inserted as the source has them.
    let typed = "New [@letter \"The treaty's Articles 7-10 do";
    c.change("concerns/a.md", &format!("{A}\n{typed}\n"));
    let items = c.completion("concerns/a.md", line, typed.len() as u32);
    // No filterText: with one, Neovim 0.7 filtered a quote of several words by the last
    // word alone and showed nothing; the client filters by the edit's range instead.
    assert!(
        items.iter().all(|i| i.get("filterText").is_none()),
        "{items:?}"
    );
    let first = &items[0]["textEdit"];
    assert_eq!(
        first["newText"],
        "The treaty’s Articles 7–10 do not require criminal intent\""
    );
    let start = "New [@letter \"".len() as u32;
    assert_eq!(
        first["range"]["start"],
        json!({"line": line, "character": start})
    );
    // Words from the middle of a paragraph, in one paragraph only.
    let typed = "New [@letter#p4 \"to journalists";
    c.change("concerns/a.md", &format!("{A}\n{typed}\n"));
    let items = c.completion("concerns/a.md", line, typed.len() as u32);
    let texts: Vec<&str> = items
        .iter()
        .map(|i| i["textEdit"]["newText"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "to journalists\"",
            "to journalists, and to people living under authoritarian regimes\""
        ]
    );

    // Links: files relative to this one, and their headings.
    c.change("concerns/a.md", &format!("{A}\nSee [x](\n"));
    let items = labels(&c.completion("concerns/a.md", line, 8));
    for want in [
        "b.md",
        "b.md#details",
        "../sources/letter.md",
        "../_index.md",
    ] {
        assert!(items.contains(&want.to_string()), "{want} in {items:?}");
    }
    // What is typed filters them (it once listed every target, 40,010 on a large site).
    c.change("concerns/a.md", &format!("{A}\nSee [x](../sour\n"));
    let items = labels(&c.completion("concerns/a.md", line, 15));
    assert!(
        items.contains(&"../sources/letter.md".to_string()),
        "{items:?}"
    );
    assert!(items.iter().all(|i| i.contains("../sour")), "{items:?}");
    // Front matter keys.
    c.change("concerns/a.md", &A.replace("summary: About A.", "summ"));
    let items = labels(&c.completion("concerns/a.md", 2, 4));
    assert!(items.contains(&"summary".to_string()), "{items:?}");
    assert!(
        !items.contains(&"recipients".to_string()),
        "a source-only key: {items:?}"
    );
    c.shutdown();
}

#[test]
fn hover_shows_the_paragraph_the_entry_and_the_link_target() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    c.open("concerns/a.md", A);
    c.open("concerns/b.md", B);
    let (l, col) = utf16_pos(A, "[@letter", 3);
    let h = c.at("textDocument/hover", "concerns/a.md", l, col);
    let v = h["contents"]["value"].as_str().unwrap();
    assert!(v.contains("**The letter** ¶2"), "{v}");
    assert!(v.contains("— **it is too broad.**"), "{v}");
    let (l, col) = utf16_pos(B, "[@treaty", 3);
    let h = c.at("textDocument/hover", "concerns/b.md", l, col);
    let v = h["contents"]["value"].as_str().unwrap();
    for want in [
        "The Treaty",
        "United Nations",
        "2024-12-24",
        "https://example.org/treaty",
        "Read in full.",
    ] {
        assert!(v.contains(want), "{want} in {v}");
    }
    let (l, col) = utf16_pos(A, "b.md#details", 1);
    let h = c.at("textDocument/hover", "concerns/a.md", l, col);
    assert_eq!(h["contents"]["value"], "**Page B**\n\nAbout B.");
    c.shutdown();
}

#[test]
fn definition_goes_to_the_paragraph_the_entry_and_the_heading() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    c.open("concerns/a.md", A);
    c.open("concerns/b.md", B);
    let (l, col) = utf16_pos(A, "[@letter", 3);
    let d = c.at("textDocument/definition", "concerns/a.md", l, col);
    assert_eq!(d["uri"], c.uri("sources/letter.md"));
    let (pl, _) = utf16_pos(LETTER, "We write about", 0);
    assert_eq!(d["range"]["start"]["line"], pl);
    let (l, col) = utf16_pos(B, "[@treaty", 3);
    let d = c.at("textDocument/definition", "concerns/b.md", l, col);
    assert_eq!(d["uri"], c.uri("references.yaml"));
    assert_eq!(d["range"]["start"], json!({"line": 0, "character": 0}));
    let (l, col) = utf16_pos(A, "b.md#details", 2);
    let d = c.at("textDocument/definition", "concerns/a.md", l, col);
    assert_eq!(d["uri"], c.uri("concerns/b.md"));
    let (hl, _) = utf16_pos(B, "## Details", 0);
    assert_eq!(d["range"]["start"]["line"], hl);
    // A link to a source paragraph's anchor goes to that paragraph.
    let text = format!("{A}\nSee [¶3](../sources/letter.md#p3).\n");
    c.change("concerns/a.md", &text);
    let (l, col) = utf16_pos(&text, "letter.md#p3", 0);
    let d = c.at("textDocument/definition", "concerns/a.md", l, col);
    assert_eq!(d["uri"], c.uri("sources/letter.md"));
    let (pl, _) = utf16_pos(LETTER, "The treaty’s", 0);
    assert_eq!(d["range"]["start"]["line"], pl);
    c.shutdown();
}

#[test]
fn references_of_a_paragraph_a_heading_and_an_entry() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    c.open("sources/letter.md", LETTER);
    c.open("references.yaml", REFERENCES);
    c.open("concerns/b.md", B);
    let (pl, _) = utf16_pos(LETTER, "The treaty’s", 0);
    let refs = c.at("textDocument/references", "sources/letter.md", pl, 3);
    let (bl, bc) = utf16_pos(B, "@letter#p3", 0);
    assert_eq!(
        refs,
        json!([{"uri": c.uri("concerns/b.md"), "range": {
            "start": {"line": bl, "character": bc}, "end": {"line": bl, "character": bc}}}])
    );
    let (pl, _) = utf16_pos(LETTER, "We write", 0);
    let refs = c.at("textDocument/references", "sources/letter.md", pl, 0);
    assert_eq!(refs.as_array().unwrap().len(), 1);
    assert_eq!(refs[0]["uri"], c.uri("concerns/a.md"));
    let refs = c.at("textDocument/references", "references.yaml", 0, 2);
    assert_eq!(refs[0]["uri"], c.uri("concerns/b.md"));
    let (hl, _) = utf16_pos(B, "## Details", 0);
    let refs = c.at("textDocument/references", "concerns/b.md", hl, 4);
    assert_eq!(refs.as_array().unwrap().len(), 1);
    assert_eq!(refs[0]["uri"], c.uri("concerns/a.md"));
    c.shutdown();
}

/// The code actions for the line of `needle` in `text`, as (title, new text, range).
fn actions(c: &mut Client, rel: &str, text: &str, needle: &str) -> Vec<(String, String, Value)> {
    let (l, _) = utf16_pos(text, needle, 0);
    let uri = c.uri(rel);
    let r = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri},
            "range": {"start": {"line": l, "character": 0}, "end": {"line": l, "character": 0}},
            "context": {"diagnostics": []}
        }),
    );
    r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let edit = &a["edit"]["changes"][&uri][0];
            (
                a["title"].as_str().unwrap().to_string(),
                edit["newText"].as_str().unwrap().to_string(),
                edit["range"].clone(),
            )
        })
        .collect()
}

#[test]
fn code_actions_fix_a_quote_an_id_and_a_link() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    let text = "---\ntitle: C\n---\n\n中文 [@letter \"The treaty's Articles 7-10 do not demand criminal intent\"].\n\nOr [@leter#p2], [@treatie].\n\nSee [b](bee.md#details).\n";
    c.open("concerns/c.md", text);
    let quote = actions(&mut c, "concerns/c.md", text, "中文");
    assert_eq!(quote.len(), 1, "{quote:?}");
    assert!(
        quote[0]
            .0
            .starts_with("Replace with the source's words (¶3)"),
        "{quote:?}"
    );
    assert_eq!(
        quote[0].1,
        "The treaty’s Articles 7–10 do not require criminal intent"
    );
    let (l, start) = utf16_pos(text, "\"The treaty", 1);
    assert_eq!(quote[0].2["start"], json!({"line": l, "character": start}));
    // Words of another paragraph than the one named: the number changes too.
    let moved =
        "---\ntitle: D\n---\n\nIt [@letter#p2 \"Articles 7-10 do not need criminal intent\"].\n";
    c.open("concerns/d.md", moved);
    let fix = actions(&mut c, "concerns/d.md", moved, "It [@");
    assert_eq!(fix.len(), 1, "{fix:?}");
    assert_eq!(
        fix[0].1,
        "@letter#p3 \"Articles 7–10 do not require criminal intent\""
    );
    let ids = actions(&mut c, "concerns/c.md", text, "Or [@leter");
    let new: Vec<&str> = ids.iter().map(|a| a.1.as_str()).collect();
    assert_eq!(new, ["letter", "treaty", "treaty", "letter"]);
    let link = actions(&mut c, "concerns/c.md", text, "See [b]");
    assert_eq!(link.len(), 1);
    assert_eq!(link[0].1, "b.md#details");
    c.shutdown();
}

#[test]
fn bad_input_gets_an_error_and_the_server_keeps_serving() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    // Not JSON at all; JSON but not a message; a request with broken parameters.
    c.send_raw(b"{{{{ not json");
    c.send_raw(b"[1, 2, 3]");
    c.send_raw(&[0xff, 0xfe, b'{', 0x80]);
    let r = c.request("textDocument/hover", json!({"bogus": 1}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = c.request("textDocument/nonsense", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // A request whose id is there but whose shape is not a request's.
    c.send_raw(br#"{"jsonrpc":"2.0","id":99,"method":17,"error":5}"#);
    let r = c.wait_for(99);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    // A 100,000-line buffer, and one with a citation that never closes, and positions
    // far past the end of a buffer.
    let long: String = (0..100_000)
        .map(|i| format!("line {i} [@letter#p{i}\n"))
        .collect();
    c.open(
        "concerns/long.md",
        &format!("---\ntitle: Long\n---\n{long}"),
    );
    assert!(
        c.diagnostic("concerns/long.md", "more error(s) in this file")
            .is_some()
    );
    c.change(
        "concerns/long.md",
        "---\ntitle: Long\n---\n[@letter \"never",
    );
    let items = c.completion("concerns/long.md", 3, 10_000);
    assert!(items.is_empty() || items[0].get("textEdit").is_some());
    let _ = c.at("textDocument/hover", "concerns/long.md", 10_000, 10_000);
    // A buffer outside the content folder is not taken.
    let outside = url(&site.path().canonicalize().unwrap().join("secret.md"));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument":
        {"uri": outside, "languageId": "markdown", "version": 1, "text": "x"}}),
    );
    // The server still answers, and still checks.
    c.open("concerns/a.md", A);
    c.change("concerns/a.md", &A.replace("too broad\"]", "too bread\"]"));
    assert!(c.diagnostic("concerns/a.md", "too bread").is_some());
    c.shutdown();
}

#[test]
fn a_malformed_frame_is_skipped_and_the_next_one_is_answered() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    let body = br#"{"jsonrpc":"2.0","method":"$/ignored"}"#;
    let bad: [&[u8]; 4] = [
        b"Content-Length: abc\r\n\r\n",
        b"Content-Length: -5\r\n\r\n",
        b"Content-Len\r\n\r\n",
        b"Content-Length: 7\r\n\r\n",
    ];
    for head in bad {
        c.stdin.write_all(head).unwrap();
        c.stdin.write_all(body).unwrap();
        c.stdin.flush().unwrap();
        // The server answers the next well-formed request.
        let r = c.request("textDocument/nonsense", json!({}));
        assert_eq!(r["error"]["code"], -32601, "{r}");
    }
    // A header line cut short runs into the next frame's header.
    c.stdin.write_all(b"Content-Length: 1").unwrap();
    let r = c.request("textDocument/nonsense", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.shutdown();
}

#[test]
fn a_site_that_does_not_build_is_a_diagnostic() {
    let site = site();
    site.write("explainer.toml", "title = [broken\n");
    let mut c = Client::start(&site, json!({}));
    c.sync();
    let shown = c
        .diagnostics
        .iter()
        .any(|(uri, list)| uri.ends_with("/explainer.toml") && !list.is_empty());
    assert!(shown, "{:?}", c.diagnostics);
    // Completion has no site to offer, but answers.
    c.open("concerns/a.md", &format!("{A}\n[@"));
    let _ = c.completion("concerns/a.md", 8, 2);
    c.shutdown();
}

#[test]
fn a_file_on_disk_that_is_not_utf8_is_a_diagnostic() {
    let site = site();
    let path = site.path().join("content/concerns/latin.md");
    std::fs::write(&path, b"---\ntitle: Caf\xe9\n---\n").unwrap();
    let mut c = Client::start(&site, json!({}));
    let d = c
        .diagnostic("concerns/latin.md", "not valid UTF-8")
        .expect("reported");
    assert_eq!(d["range"]["start"]["line"], 1);
    // Opened in the editor (which decoded it its own way), the buffer's text is checked.
    c.open("concerns/latin.md", &page("Café", "See [a](a.md).\n"));
    let r = c.completion("concerns/latin.md", 3, 0);
    assert!(r.is_empty());
    c.shutdown();
}

#[test]
fn files_changed_on_disk_are_picked_up_through_the_clients_watching() {
    let site = site();
    let caps = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let mut c = Client::start(&site, caps);
    assert_eq!(c.messages("concerns/a.md"), Vec::<String>::new());
    site.write(
        "content/concerns/b.md",
        &B.replace("## Details", "## Other"),
    );
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [
            {"uri": c.uri("concerns/b.md"), "type": 2}
        ]}),
    );
    assert!(c.diagnostic("concerns/a.md", "#details").is_some());
    c.shutdown();
}

/// The server's request the client has not answered yet, if one comes within a while.
fn next_server_request(c: &mut Client) -> Value {
    loop {
        let msg = c
            .incoming
            .recv_timeout(Duration::from_secs(60))
            .expect("the server asks");
        if msg.get("method").is_some() && msg.get("id").is_some() {
            return msg;
        }
    }
}

/// Waits, sending nothing, for diagnostics of `rel` holding `needle`.
fn published_unasked(c: &mut Client, rel: &str, needle: &str) -> bool {
    let uri = c.uri(rel);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        let Ok(msg) = c.incoming.recv_timeout(left) else {
            return false;
        };
        if msg["method"] == "textDocument/publishDiagnostics"
            && msg["params"]["uri"] == uri.as_str()
            && msg["params"]["diagnostics"].to_string().contains(needle)
        {
            return true;
        }
    }
    false
}

#[test]
fn the_first_opened_file_is_checked_without_waiting_for_a_request() {
    let site = site();
    let caps = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let mut c = Client::start(&site, caps);
    // The server asks to watch files; the editor opens a file, then answers, in one burst.
    let registration = next_server_request(&mut c);
    assert_eq!(registration["method"], "client/registerCapability");
    let uri = c.uri("concerns/a.md");
    let open = json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
        {"uri": uri, "languageId": "markdown", "version": 1, "text": A.replace("too broad\"]", "too bread\"]")}}});
    let answer = json!({"jsonrpc": "2.0", "id": registration["id"], "result": null});
    let mut burst = Vec::new();
    for m in [open, answer] {
        let body = m.to_string();
        burst.extend(format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes());
    }
    c.stdin.write_all(&burst).unwrap();
    c.stdin.flush().unwrap();
    assert!(
        published_unasked(&mut c, "concerns/a.md", "too bread"),
        "the error is published with no request to prompt it"
    );
    c.shutdown();
}

#[test]
fn exit_without_shutdown_is_status_1_and_requests_after_shutdown_are_refused() {
    let site = site();
    let mut c = Client::start(&site, json!({}));
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{status}");

    let mut c = Client::start(&site, json!({}));
    let r = c.request("shutdown", Value::Null);
    assert!(r.get("error").is_none(), "{r}");
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32600, "{r}");
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status}");
}

#[cfg(unix)]
#[test]
fn a_site_opened_through_a_symbolic_link_gets_diagnostics_and_completion() {
    let site = site();
    let links = tempfile::tempdir().unwrap();
    let link = links.path().join("linked-site");
    std::os::unix::fs::symlink(site.path(), &link).unwrap();
    let mut c = Client::start_at(&link, json!({}));
    c.open("concerns/a.md", &A.replace("too broad\"]", "too bread\"]"));
    assert!(
        c.diagnostic("concerns/a.md", "too bread").is_some(),
        "{:?}",
        c.diagnostics.keys()
    );
    let text = format!("{A}\nNew [@\n");
    c.change("concerns/a.md", &text);
    let line = text.lines().count() as u32 - 1;
    assert_eq!(
        labels(&c.completion("concerns/a.md", line, 6)),
        ["letter", "treaty"]
    );
    c.shutdown();
}

#[test]
fn outside_a_site_the_server_says_so_once_and_reports_nothing() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(folder.path().join("content")).unwrap();
    let mut c = Client::start_at(&folder.path().canonicalize().unwrap(), json!({}));
    let told = loop {
        let msg = c
            .incoming
            .recv_timeout(Duration::from_secs(60))
            .expect("the server says something");
        if msg["method"] == "window/showMessage" {
            break msg["params"]["message"].as_str().unwrap().to_string();
        }
    };
    assert!(
        told.contains("has no explainer.toml, so it is not a site"),
        "{told}"
    );
    c.open("notes.md", "# Notes\n\nSome [@text\n");
    c.sync();
    assert!(
        c.diagnostics.values().all(|list| list.is_empty()),
        "{:?}",
        c.diagnostics
    );
    c.shutdown();
}

#[test]
fn cite_prints_a_citation_or_the_closest_passage() {
    let site = site();
    let run = |words: &[&str]| {
        let out = common::explainer()
            .arg("cite")
            .args(words)
            .arg("--site")
            .arg(site.path())
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8(out.stdout).unwrap())
    };
    let (ok, out) = run(&["Articles", "7-10", "do", "not"]);
    assert!(ok, "{out}");
    assert_eq!(out, "¶3  [@letter#p3 \"Articles 7–10 do not\"]\n");
    let (ok, out) = run(&["Articles", "7-10", "do", "demand"]);
    assert!(!ok);
    assert!(
        out.starts_with("no source has the words “Articles 7-10 do demand”"),
        "{out}"
    );
    assert!(out.contains("the closest passage is ¶3 of letter"), "{out}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random range edits (anywhere, in UTF-16 units that may fall inside a character or
    /// past a line's end) never stop the server: after each, it still answers, and the
    /// diagnostics it publishes are for the buffer as the edits made it.
    #[test]
    fn random_edits_never_stop_the_server(edits in prop::collection::vec(
        (0u32..12, 0u32..90, 0u32..3, 0u32..40, prop::sample::select(vec![
            "", "[@", "[@letter \"", "\"]", "中文😀", "](b.md#", "\n", "---\n", "[@treaty, art. 7]", "é",
        ])),
        1..12,
    )) {
        let site = site();
        let mut c = Client::start(&site, json!({}));
        c.open("concerns/a.md", A);
        for (line, col, lines, len, text) in edits {
            c.edit("concerns/a.md", (line, col), (line + lines, col + len), text);
            let _ = c.completion("concerns/a.md", line, col);
            let _ = c.at("textDocument/hover", "concerns/a.md", line, col);
        }
        c.sync();
        c.change("concerns/a.md", A);
        prop_assert_eq!(c.messages("concerns/a.md"), Vec::<String>::new());
        c.shutdown();
    }
}
