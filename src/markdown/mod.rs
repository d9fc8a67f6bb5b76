//! Parse: one page's Markdown body to HTML with holes, plus everything the resolver needs
//! to know about it — headings and their ids, links to other content files, citations,
//! and (for sources) the numbered paragraphs.
//!
//! comrak parses the body; a walk over its AST finds citation brackets in text runs (never
//! in code), rewrites links to content files into page URLs, and, for sources, wraps each
//! paragraph and list item in a numbered anchor. What depends on the whole site (citation
//! numbers, "Cited by" lists) is left as a [`Part`] hole for the render stage to fill.

use crate::cite;
use crate::diagnostic::{Diagnostic, LineIndex, Position};
use crate::highlight::Highlighter;
use crate::page::{
    AssetLink, CitationUse, ContentLink, Heading, ParsedBody, Part, SourceParagraph,
};
use comrak::nodes::{AstNode, NodeValue};
use comrak::{Anchorizer, Arena, Options};
use std::path::Path;

mod shortcodes;

/// A hole is a `Raw` node of the AST whose text starts with this character and goes on
/// with the hole's [`Part`] tag (`c3`, `b12`). comrak's parser never makes `Raw` nodes (only
/// this module does), so no text an editor writes, entities included, can make one; and
/// the HTML never carries the tag: [`format_with_holes`] records where each hole falls in
/// the output as it writes it, and writes nothing for it.
const HOLE: char = '\0';

/// A `Raw` node that is the hole `tag`.
fn hole(tag: String) -> NodeValue {
    NodeValue::Raw(format!("{HOLE}{tag}"))
}

/// What the parser needs to know about the page it parses.
#[derive(Clone, Copy, Debug)]
pub struct ParseInput<'a> {
    /// The file, as shown in diagnostics.
    pub file: &'a Path,
    /// The file's path relative to `content/`.
    pub rel: &'a str,
    /// The whole file's text (front matter included), for positions.
    pub text: &'a str,
    /// Where the body starts in `text`.
    pub body_offset: usize,
    /// Number paragraphs and list items (sources).
    pub number_paragraphs: bool,
    /// Pass raw HTML through.
    pub allow_html: bool,
    /// The path part of the site's base URL (`/` or `/sub/`).
    pub base_path: &'a str,
}

/// comrak's options for every page.
fn options(allow_html: bool) -> Options<'static> {
    let mut o = Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    o.parse.smart = true;
    o.render.r#unsafe = allow_html;
    o.render.tasklist_classes = true;
    o
}

/// Positions in one file: comrak's body-relative (line, byte column) to file positions.
struct Locator<'a> {
    text: &'a str,
    lines: LineIndex,
    first_body_line: usize,
    /// The last offset turned into a position, so that positions asked for in order
    /// along one long line cost only the distance between them.
    last: std::cell::Cell<(usize, Position)>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str, body_offset: usize) -> Self {
        let lines = LineIndex::new(text);
        let first_body_line = lines.position(text, body_offset).line;
        Locator {
            text,
            lines,
            first_body_line,
            last: std::cell::Cell::new((0, Position { line: 1, col: 1 })),
        }
    }

    /// Byte offset in the file of a comrak line/column (1-based, bytes).
    fn offset(&self, line: usize, col: usize) -> usize {
        let start = self
            .lines
            .line_start(self.first_body_line + line.max(1) - 1)
            .unwrap_or(self.text.len());
        (start + col.max(1) - 1).min(self.text.len())
    }

    fn position_of_offset(&self, offset: usize) -> Position {
        let (last, at) = self.last.get();
        let position = match self.text.get(last..offset) {
            Some(between) if !between.contains('\n') => Position {
                line: at.line,
                col: at.col + between.chars().count(),
            },
            _ => self.lines.position(self.text, offset),
        };
        if self.text.is_char_boundary(offset) {
            self.last.set((offset, position));
        }
        position
    }

    fn node_start(&self, node: &AstNode<'_>) -> (usize, Position) {
        let sp = node.data().sourcepos;
        let off = self.offset(sp.start.line, sp.start.column);
        (off, self.position_of_offset(off))
    }

    /// The raw source text of a node (empty if unknown).
    fn node_source(&self, node: &AstNode<'_>) -> (usize, &'a str) {
        let sp = node.data().sourcepos;
        let start = self.offset(sp.start.line, sp.start.column);
        let mut end = (self.offset(sp.end.line, sp.end.column) + 1).min(self.text.len());
        while end < self.text.len() && !self.text.is_char_boundary(end) {
            end += 1;
        }
        let start = (0..=start)
            .rev()
            .find(|&i| self.text.is_char_boundary(i))
            .unwrap_or(0);
        (start, self.text.get(start..end.max(start)).unwrap_or(""))
    }
}

/// Parses one page body.
pub fn parse_body(input: &ParseInput<'_>) -> ParsedBody {
    let arena = Arena::new();
    let opts = options(input.allow_html);
    let written = &input.text[input.body_offset..];
    let loc = Locator::new(input.text, input.body_offset);
    let mut out = ParsedBody::default();
    let plan = shortcodes::plan(written, &opts, &loc, input, &mut out);
    let body = plan.as_ref().map_or(written, |p| p.text.as_str());
    let root = comrak::parse_document(&arena, body, &opts);

    if let Some(plan) = &plan {
        shortcodes::place(&arena, root, plan, &loc, input, &mut out);
    }
    citations_in_links(root, &loc, input, &mut out);
    extract_citations(&arena, root, &loc, input, &mut out);
    rewrite_links(root, &loc, input, &mut out);

    // Headings get GitHub-style ids, unique in the page and never one the theme uses.
    let mut anchorizer = Anchorizer::new();
    for id in RESERVED_IDS {
        anchorizer.anchorize(id);
    }
    for node in root.descendants() {
        if let NodeValue::Heading(h) = node.data().value {
            let text = node.collect_text();
            let id = heading_id(&mut anchorizer, &text);
            out.headings.push(Heading {
                level: h.level,
                id,
                text: text.trim().to_string(),
                line: loc.first_body_line + node.data().sourcepos.start.line.max(1) - 1,
            });
        }
    }

    for node in root.children() {
        if matches!(node.data().value, NodeValue::Paragraph) {
            let text = node.collect_text();
            if out.first_paragraph.is_none() && !text.trim().is_empty() {
                out.first_paragraph = Some(text.split_whitespace().collect::<Vec<_>>().join(" "));
            }
            let anchored = node.descendants().any(|d| match &d.data().value {
                NodeValue::Link(_) => true,
                NodeValue::Raw(r) => r.starts_with(HOLE),
                _ => false,
            });
            if !anchored {
                out.bare_prose.push(loc.node_start(node).1);
            }
        }
    }

    if input.number_paragraphs {
        number_paragraphs(&arena, root, &mut out);
    }
    wrap_tables(&arena, root);

    let heading_ids = HeadingIds::new(out.headings.iter().map(|h| h.id.clone()).collect());
    let mut plugins = comrak::options::Plugins::default();
    plugins.render.codefence_syntax_highlighter = Some(&Highlighter);
    plugins.render.heading_adapter = Some(&heading_ids);
    match format_with_holes(root, &opts, &plugins, body.len() * 2, &mut out) {
        Some(parts) => out.parts = parts,
        None => out.diagnostics.push(
            Diagnostic::error(input.file, None, "the page could not be turned into HTML")
                .with_help("this is a bug in explainer; please report it with the file"),
        ),
    }
    out
}

/// The id of a heading with this text: GitHub's (the text in lower case, spaces as
/// hyphens, punctuation dropped), made unique by the anchorizer, which has seen every id
/// before it. It is never empty: a heading of emoji or punctuation alone, which leaves
/// no letter or digit, is `section` (then `section-1`, …). It never has the form of an
/// id the generator makes (`p3`, `ref-2`, `cite-5`, `fn-x`): that one gets `-section`
/// (`p3-section`), or, where the form is a prefix (`fn-…`), `section-` before it. The
/// anchorizer's own numbering can make such a form (a second `ref` is `ref-1`), so the
/// check comes after it. No id starting `section` has the generator's form, so this ends.
fn heading_id(anchorizer: &mut Anchorizer, text: &str) -> String {
    // The anchorizer would make `""` of such a text, then `-1`, `-2`: look at the text.
    if !text.chars().any(char::is_alphanumeric) {
        return anchorizer.anchorize("section");
    }
    let id = anchorizer.anchorize(text);
    if !is_generated_id(&id) {
        return id;
    }
    let suffixed = format!("{id}-section");
    if is_generated_id(&suffixed) {
        anchorizer.anchorize(&format!("section-{id}"))
    } else {
        anchorizer.anchorize(&suffixed)
    }
}

/// Ids the theme's templates use; a heading never gets one of them.
pub const RESERVED_IDS: &[&str] = &[
    "main",
    "toc",
    "header-search-input",
    "references",
    "toc-title",
    "backlinks-title",
    "cited-whole-title",
    "home-concerns",
    "home-matrix",
    "home-latest",
    "matrix-letters-caption",
    "matrix-articles-caption",
    "search-form",
    "search-input",
    "search-status",
    "search-results",
    "cite-popover",
    "explainer-error-overlay",
];

/// Whether an id has the form of one the generator makes: `p3`, `ref-2`, `cite-5`, `fn-x`.
fn is_generated_id(id: &str) -> bool {
    let numbered = |prefix: &str| {
        id.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    numbered("p")
        || numbered("ref-")
        || numbered("cite-")
        || id.starts_with("fn-")
        || id.starts_with("fnref-")
}

/// Writes each heading with the id computed for it, in document order.
struct HeadingIds {
    ids: Vec<String>,
    next: std::sync::Mutex<(usize, String)>,
}

impl HeadingIds {
    fn new(ids: Vec<String>) -> Self {
        HeadingIds {
            ids,
            next: std::sync::Mutex::new((0, String::new())),
        }
    }
}

impl comrak::adapters::HeadingAdapter for HeadingIds {
    fn enter(
        &self,
        output: &mut dyn std::fmt::Write,
        heading: &comrak::adapters::HeadingMeta,
        _: Option<comrak::nodes::Sourcepos>,
    ) -> std::fmt::Result {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let id = self.ids.get(next.0).cloned().unwrap_or_default();
        next.0 += 1;
        write!(output, "<h{} id=\"{id}\">", heading.level)?;
        next.1 = id;
        Ok(())
    }

    fn exit(
        &self,
        output: &mut dyn std::fmt::Write,
        heading: &comrak::adapters::HeadingMeta,
    ) -> std::fmt::Result {
        let next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        write!(
            output,
            "<a class=\"anchor\" href=\"#{}\"><span class=\"visually-hidden\">Link to this section</span></a></h{}>",
            next.1, heading.level
        )
    }
}

/// Text and soft breaks: the nodes a citation may span.
fn is_run_node(node: &AstNode<'_>) -> bool {
    matches!(node.data().value, NodeValue::Text(_) | NodeValue::SoftBreak)
}

/// Finds citation brackets in every run of text and replaces each by a hole marker.
fn extract_citations<'a>(
    arena: &'a Arena<'a>,
    root: &'a AstNode<'a>,
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
    out: &mut ParsedBody,
) {
    let containers: Vec<&'a AstNode<'a>> = root
        .descendants()
        .filter(|n| {
            matches!(
                n.data().value,
                NodeValue::Paragraph
                    | NodeValue::Heading(_)
                    | NodeValue::TableCell
                    | NodeValue::Emph
                    | NodeValue::Strong
                    | NodeValue::Strikethrough
            )
        })
        .collect();
    for container in containers {
        let children: Vec<&'a AstNode<'a>> = container.children().collect();
        let mut i = 0;
        while i < children.len() {
            if !is_run_node(children[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < children.len() && is_run_node(children[i]) {
                i += 1;
            }
            process_run(arena, &children[start..i], loc, input, out);
        }
    }
}

/// A citation inside a link's text would be a link inside a link: say so.
fn citations_in_links<'a>(
    root: &'a AstNode<'a>,
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
    out: &mut ParsedBody,
) {
    for link in root
        .descendants()
        .filter(|n| matches!(n.data().value, NodeValue::Link(_)))
    {
        for text in link.descendants() {
            if let NodeValue::Text(t) = &text.data().value
                && t.contains("[@")
            {
                out.diagnostics.push(
                    Diagnostic::error(input.file, Some(loc.node_start(text).1), "a citation cannot be inside a link's text")
                        .with_help("put the citation after the link: [the letter](../sources/x.md) [@x \"words\"]")
                        .with_source_in(input.text, &loc.lines),
                );
            }
        }
    }
}

/// Errors for quotes whose marks do not pair as written (`"…”`), found in the file's own
/// text (comrak's smart punctuation has made both curly). Returns how many were left out
/// past the per-file cap.
fn check_quote_marks<'a>(
    items: &[cite::CitationItem],
    marks: &mut WrittenMarks<'_>,
    run: &[&'a AstNode<'a>],
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
    out: &mut ParsedBody,
) -> usize {
    let mut omitted = 0;
    for item in items {
        let Some((open, close)) = item.quote_marks else {
            continue;
        };
        let (Some(o), Some(c)) = (
            marks.written(open, run, loc, input.text),
            marks.written(close, run, loc, input.text),
        ) else {
            continue;
        };
        if cite::marks_pair(o.1, c.1) {
            continue;
        }
        if out.diagnostics.len() >= crate::diagnostic::MAX_ERRORS_PER_FILE {
            omitted += 1;
            continue;
        }
        let (message, help) = cite::unpaired_marks_error(o.1, c.1);
        out.diagnostics.push(
            Diagnostic::error(input.file, Some(loc.position_of_offset(o.0)), message)
                .with_help(help)
                .with_source_in(input.text, &loc.lines),
        );
    }
    omitted
}

fn process_run<'a>(
    arena: &'a Arena<'a>,
    run: &[&'a AstNode<'a>],
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
    out: &mut ParsedBody,
) {
    // The run's text, and where each node's text starts in it.
    let mut text = String::new();
    let mut starts = Vec::with_capacity(run.len());
    for node in run {
        starts.push(text.len());
        match &node.data().value {
            NodeValue::Text(t) => text.push_str(t),
            _ => text.push('\n'),
        }
    }
    if !text.contains("[@") {
        return;
    }
    let mut pieces: Vec<NodeValue> = vec![];
    let mut cursor = 0;
    let mut raw = RawBrackets::new(&text, &starts);
    let mut marks = WrittenMarks::new(&starts);
    let mut omitted = 0;
    for f in cite::find_citations(&text) {
        let (node_index, raw_offset) = raw.locate(f.range.start, run, loc);
        let escaped = raw_offset.is_some_and(|r| r > 0 && input.text.as_bytes()[r - 1] == b'\\');
        if escaped {
            continue;
        }
        let bracket_offset = raw_offset.unwrap_or_else(|| loc.node_start(run[node_index]).0);
        match f.items {
            // Past the cap, count instead of building a diagnostic per bracket.
            Err(_) if out.diagnostics.len() >= crate::diagnostic::MAX_ERRORS_PER_FILE => {
                omitted += 1;
            }
            Err(e) => {
                let bracket_position = loc.position_of_offset(bracket_offset);
                out.diagnostics.push(
                    Diagnostic::error(input.file, Some(bracket_position), e.message)
                        .with_help(e.help)
                        .with_source_in(input.text, &loc.lines),
                );
            }
            Ok(items) => {
                omitted += check_quote_marks(&items, &mut marks, run, loc, input, out);
                let uses = citation_uses(items, bracket_offset, f.range.len(), loc, input);
                push_text(&mut pieces, &text[cursor..f.range.start]);
                pieces.push(hole(format!("c{}", out.citations.len())));
                out.citations.push(uses);
                cursor = f.range.end;
            }
        }
    }
    if omitted > 0 {
        out.diagnostics
            .push(Diagnostic::omitted(input.file, omitted));
    }
    if cursor == 0 {
        return;
    }
    push_text(&mut pieces, &text[cursor..]);
    let first = run[0];
    for value in pieces {
        first.insert_before(arena.alloc(AstNode::from(value)));
    }
    for node in run {
        node.detach();
    }
}

/// Adds `s` to `pieces` as text nodes, its line breaks as soft breaks.
fn push_text(pieces: &mut Vec<NodeValue>, s: &str) {
    for (k, line) in s.split('\n').enumerate() {
        if k > 0 {
            pieces.push(NodeValue::SoftBreak);
        }
        if !line.is_empty() {
            pieces.push(NodeValue::Text(line.to_string().into()));
        }
    }
}

/// Finds where each `[@` of a run's text is in the raw source, so that an escaped one
/// (`\[@`) is told apart and errors point at the bracket. Asked in order along the text,
/// it never scans a node's source from its start again (linear in a long line).
struct RawBrackets<'t> {
    text: &'t str,
    /// Where each node's text starts in `text`.
    starts: &'t [usize],
    /// The node being scanned, and where its source starts in the file.
    node: usize,
    src_start: usize,
    matches: Option<std::vec::IntoIter<usize>>,
    /// How far `text` is counted, how many `[@` it holds so far, and how many of the
    /// node's raw `[@` were taken.
    text_from: usize,
    text_count: usize,
    raw_taken: usize,
    last_raw: Option<usize>,
}

impl<'t> RawBrackets<'t> {
    fn new(text: &'t str, starts: &'t [usize]) -> Self {
        RawBrackets {
            text,
            starts,
            node: usize::MAX,
            src_start: 0,
            matches: None,
            text_from: 0,
            text_count: 0,
            raw_taken: 0,
            last_raw: None,
        }
    }

    /// The node holding the `[@` at `at` in the text, and that `[@`'s offset in the file
    /// if the source shows it.
    fn locate(
        &mut self,
        at: usize,
        run: &[&AstNode<'_>],
        loc: &Locator<'_>,
    ) -> (usize, Option<usize>) {
        let node_index = self.starts.partition_point(|&s| s <= at) - 1;
        if node_index != self.node {
            let (src_start, src) = loc.node_source(run[node_index]);
            self.node = node_index;
            self.src_start = src_start;
            let found: Vec<usize> = src.match_indices("[@").map(|(i, _)| i).collect();
            self.matches = Some(found.into_iter());
            (self.text_from, self.text_count, self.raw_taken) = (self.starts[node_index], 0, 0);
            self.last_raw = None;
        }
        // This is the `text_count`-th (0-based) `[@` of the node's text.
        self.text_count += self
            .text
            .get(self.text_from..at)
            .map_or(0, |t| t.matches("[@").count());
        self.text_from = at;
        while self.raw_taken <= self.text_count {
            self.last_raw = self.matches.as_mut().and_then(Iterator::next);
            if self.last_raw.is_none() {
                break;
            }
            self.raw_taken += 1;
        }
        (node_index, self.last_raw.map(|i| self.src_start + i))
    }
}

/// The double quote marks a citation's quote can open or close with.
fn is_double_mark(c: char) -> bool {
    matches!(c, '"' | '\u{201c}' | '\u{201d}' | '\u{201e}')
}

/// The quote marks of a run's text as they are written in the file: smart punctuation
/// has made each straight `"` a curly one in the text, but the pairing rule is about the
/// marks the editor wrote. The k-th mark of a node's text is the k-th mark of its source
/// (escapes keep their mark; an entity such as `&quot;` has none in the source, and then
/// the node's marks are not matched up at all). Each node is scanned once.
struct WrittenMarks<'t> {
    starts: &'t [usize],
    /// By node: its marks, or `None` where its text and source do not match up.
    nodes: std::collections::HashMap<usize, Option<NodeMarks>>,
}

/// The offsets of a node's quote marks in its text, and of the same marks in the file.
type NodeMarks = (Vec<usize>, Vec<usize>);

impl<'t> WrittenMarks<'t> {
    fn new(starts: &'t [usize]) -> Self {
        WrittenMarks {
            starts,
            nodes: std::collections::HashMap::new(),
        }
    }

    /// The offset in the file, and the mark written there, of the mark at `at` in the
    /// run's text; `None` when the source cannot tell.
    fn written(
        &mut self,
        at: usize,
        run: &[&AstNode<'_>],
        loc: &Locator<'_>,
        file_text: &str,
    ) -> Option<(usize, char)> {
        let k = self.starts.partition_point(|&s| s <= at).checked_sub(1)?;
        let start = self.starts[k];
        let node = *run.get(k)?;
        let entry = self.nodes.entry(k).or_insert_with(|| {
            let data = node.data();
            let NodeValue::Text(t) = &data.value else {
                return None;
            };
            let in_text: Vec<usize> = t
                .char_indices()
                .filter(|&(_, c)| is_double_mark(c))
                .map(|(i, _)| i)
                .collect();
            let (src_start, src) = loc.node_source(node);
            let in_file: Vec<usize> = src
                .char_indices()
                .filter(|&(_, c)| is_double_mark(c))
                .map(|(i, _)| src_start + i)
                .collect();
            (in_text.len() == in_file.len()).then_some((in_text, in_file))
        });
        let (in_text, in_file) = entry.as_ref()?;
        let j = in_text.binary_search(&(at - start)).ok()?;
        let offset = in_file[j];
        Some((offset, file_text[offset..].chars().next()?))
    }
}

/// Each item of a bracket that starts at `bracket_offset` in the file, with the position
/// of its `@id` (looked for only within the bracket's raw text).
fn citation_uses(
    items: Vec<cite::CitationItem>,
    bracket_offset: usize,
    bracket_len: usize,
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
) -> Vec<CitationUse> {
    let mut search_from = bracket_offset;
    let search_end = floor_char_boundary(
        input.text,
        bracket_offset.saturating_add(2 * bracket_len + 64),
    );
    items
        .into_iter()
        .map(|item| {
            let needle = format!("@{}", item.id);
            let at = input
                .text
                .get(search_from..search_end)
                .and_then(|t| t.find(&needle))
                .map(|i| search_from + i);
            if let Some(a) = at {
                search_from = a + needle.len();
            }
            let position = loc.position_of_offset(at.unwrap_or(bracket_offset));
            CitationUse { item, position }
        })
        .collect()
}

/// The largest char boundary of `text` at or before `i`.
fn floor_char_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// What a link's URL points at.
enum Target {
    External,
    Dangerous(String),
    Fragment(String),
    Content {
        rel: String,
        fragment: Option<String>,
    },
    Asset(String),
    RootRelative,
    OutsideContent,
}

fn classify(url: &str, page_rel: &str) -> Target {
    if let Some(frag) = url.strip_prefix('#') {
        return Target::Fragment(frag.to_string());
    }
    let scheme_end = url.find(':');
    let path_start = url.find(['/', '?', '#']);
    if let Some(i) = scheme_end
        && path_start.is_none_or(|p| i < p)
    {
        let scheme = url[..i].to_ascii_lowercase();
        let scheme = scheme.trim();
        return if matches!(scheme, "javascript" | "vbscript" | "data" | "file") {
            Target::Dangerous(scheme.to_string())
        } else {
            Target::External
        };
    }
    if url.starts_with("//") {
        return Target::External;
    }
    if url.starts_with('/') {
        return Target::RootRelative;
    }
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (url, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let path = crate::url::percent_decode(path).unwrap_or_else(|| path.to_string());
    let mut parts: Vec<&str> = page_rel.split('/').collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Target::OutsideContent;
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if path.ends_with('/')
        || path.is_empty()
        || !path.rsplit('/').next().unwrap_or("").contains('.')
    {
        let rel = if joined.is_empty() {
            "_index.md".to_string()
        } else {
            format!("{joined}/_index.md")
        };
        return Target::Content { rel, fragment };
    }
    if joined.ends_with(".md") {
        Target::Content {
            rel: joined,
            fragment,
        }
    } else {
        Target::Asset(joined)
    }
}

/// Rewrites links to content files into page URLs and records them for checking.
fn rewrite_links<'a>(
    root: &'a AstNode<'a>,
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
    out: &mut ParsedBody,
) {
    for node in root.descendants() {
        let position = loc.node_start(node).1;
        let mut data = node.data_mut();
        let (link, is_image) = match &mut data.value {
            NodeValue::Link(l) => (l, false),
            NodeValue::Image(l) => (l, true),
            _ => continue,
        };
        rewrite_link(&mut link.url, is_image, position, loc, input, out);
    }
}

/// Where a link to content file `rel` (and its `#fragment`) leads in the built site.
fn page_href(base_path: &str, rel: &str, fragment: Option<&str>) -> String {
    let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
    let url = crate::url::url_for(rel);
    format!("{}{url}{fragment}", base_path.trim_end_matches('/'))
}

/// Rewrites one link's `href` to where its target is in the built site, and notes the
/// target for the resolver (or the problem with it).
fn rewrite_link(
    href: &mut String,
    is_image: bool,
    position: Position,
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
    out: &mut ParsedBody,
) {
    let written = href.clone();
    match classify(&written, input.rel) {
        Target::External => {}
        Target::Dangerous(scheme) => {
            *href = String::new();
            out.diagnostics.push(
                Diagnostic::error(
                    input.file,
                    Some(position),
                    format!("a `{scheme}:` URL is not allowed"),
                )
                .with_help("link to an http(s) address or to another content file")
                .with_source_in(input.text, &loc.lines),
            );
        }
        Target::Fragment(frag) => out.links.push(ContentLink {
            target: input.rel.to_string(),
            fragment: Some(frag),
            position,
            written,
        }),
        Target::Content { rel, fragment } => {
            *href = page_href(input.base_path, &rel, fragment.as_deref());
            if is_image {
                out.diagnostics.push(
                    Diagnostic::error(
                        input.file,
                        Some(position),
                        "an image cannot show a Markdown file",
                    )
                    .with_help("point the image at a picture file, e.g. ![alt](picture.png)")
                    .with_source_in(input.text, &loc.lines),
                );
            }
            out.links.push(ContentLink {
                target: rel,
                fragment,
                position,
                written,
            });
        }
        Target::Asset(rel) => {
            *href = format!("{}/{}", input.base_path.trim_end_matches('/'), rel);
            out.assets.push(AssetLink {
                target: rel,
                position,
                written,
            });
        }
        Target::RootRelative => {
            *href = format!("{}{}", input.base_path.trim_end_matches('/'), written);
            out.root_links.push(AssetLink {
                target: written.clone(),
                position,
                written,
            });
        }
        Target::OutsideContent => {
            out.diagnostics.push(
                Diagnostic::error(
                    input.file,
                    Some(position),
                    format!("the link `{written}` points outside content/"),
                )
                .with_help("link to a file inside content/, by its path relative to this file")
                .with_source_in(input.text, &loc.lines),
            );
        }
    }
}

/// Wraps every top-level paragraph and list item of a source in a numbered anchor.
fn number_paragraphs<'a>(arena: &'a Arena<'a>, root: &'a AstNode<'a>, out: &mut ParsedBody) {
    let numbered: Vec<&'a AstNode<'a>> = root
        .descendants()
        .filter(|n| {
            let v = &n.data().value;
            let in_item = n
                .ancestors()
                .skip(1)
                .any(|a| matches!(a.data().value, NodeValue::Item(_)));
            (matches!(v, NodeValue::Paragraph) || matches!(v, NodeValue::Item(_)))
                && !in_item
                && !n
                    .ancestors()
                    .any(|a| matches!(a.data().value, NodeValue::FootnoteDefinition(_)))
        })
        .collect();
    for (i, node) in numbered.into_iter().enumerate() {
        let n = i + 1;
        let text = node
            .collect_text()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        out.paragraphs.push(SourceParagraph {
            number: crate::ids::ParaNo::at(i),
            text,
        });
        let open = format!(
            "<div class=\"para\" id=\"p{n}\" data-para=\"{n}\"><a class=\"para-num\" href=\"#p{n}\" aria-label=\"Paragraph {n}\">¶{n}</a><div class=\"para-text\">"
        );
        let open_node = arena.alloc(AstNode::from(NodeValue::Raw(open)));
        let close_nodes = [
            NodeValue::Raw("</div>".into()),
            hole(format!("b{n}")),
            NodeValue::Raw("</div>".into()),
        ]
        .map(|v| arena.alloc(AstNode::from(v)));
        if matches!(node.data().value, NodeValue::Item(_)) {
            node.prepend(open_node);
            for c in close_nodes {
                node.append(c);
            }
        } else {
            node.insert_before(open_node);
            for c in close_nodes.into_iter().rev() {
                node.insert_after(c);
            }
        }
    }
}

/// Puts each table in a box that scrolls sideways on its own, so a wide table never
/// widens the page on a phone; the box can take focus, so keyboards can scroll it too.
fn wrap_tables<'a>(arena: &'a Arena<'a>, root: &'a AstNode<'a>) {
    let tables: Vec<&'a AstNode<'a>> = root
        .descendants()
        .filter(|n| matches!(n.data().value, NodeValue::Table(_)))
        .collect();
    for (i, table) in tables.into_iter().enumerate() {
        let open = format!(
            "<section class=\"table-scroll\" tabindex=\"0\" aria-label=\"Table {}\">",
            i + 1
        );
        table.insert_before(arena.alloc(AstNode::from(NodeValue::Raw(open))));
        table.insert_after(arena.alloc(AstNode::from(NodeValue::Raw("</section>".to_string()))));
    }
}

/// A `fmt::Write` into a string that shares how long the string is with the formatter.
struct Measured<'s> {
    html: &'s mut String,
    len: std::rc::Rc<std::cell::Cell<usize>>,
}

impl std::fmt::Write for Measured<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.html.push_str(s);
        self.len.set(self.html.len());
        Ok(())
    }
}

/// What the formatter learns of the holes as it writes: where each one falls in the
/// HTML (a byte offset), and its part.
#[derive(Default)]
struct Holes {
    len: std::rc::Rc<std::cell::Cell<usize>>,
    at: Vec<(usize, Mark)>,
}

/// A hole as the formatter meets it: a part, or where a block shortcode's body opens
/// (`o3`, with its index) or ends (`e3`).
enum Mark {
    Part(Part),
    Open(usize),
    End,
}

/// comrak's HTML formatter, except that a hole ([`HOLE`]) writes nothing and is noted
/// where it falls.
fn formatter<'a>(
    context: &mut comrak::html::Context<Holes>,
    node: &'a AstNode<'a>,
    entering: bool,
) -> Result<comrak::html::ChildRendering, std::fmt::Error> {
    if let NodeValue::Raw(raw) = &node.data().value
        && let Some(tag) = raw.strip_prefix(HOLE)
    {
        if entering {
            let number = |t: &str| t.parse::<usize>().ok();
            let mark = match tag.split_at_checked(1) {
                Some(("c", n)) => number(n).map(|n| Mark::Part(Part::Citation(n))),
                Some(("b", n)) => number(n)
                    .and_then(crate::ids::ParaNo::new)
                    .map(|n| Mark::Part(Part::CitedBy(n))),
                Some(("s", n)) => number(n).map(|n| Mark::Part(Part::Shortcode(n))),
                Some(("o", n)) => number(n).map(Mark::Open),
                Some(("e", _)) => Some(Mark::End),
                _ => None,
            };
            if let Some(mark) = mark {
                let at = context.user.len.get();
                context.user.at.push((at, mark));
            }
        }
        return Ok(comrak::html::ChildRendering::Skip);
    }
    comrak::html::format_node_default(context, node, entering)
}

/// Formats the AST into HTML cut at its holes: the parts of the page body, in order, each
/// block shortcode's body put into its [`crate::page::ShortcodeUse`]. `None` if comrak
/// fails.
fn format_with_holes<'a>(
    root: &'a AstNode<'a>,
    opts: &Options<'_>,
    plugins: &comrak::options::Plugins<'_>,
    capacity: usize,
    out: &mut ParsedBody,
) -> Option<Vec<Part>> {
    let mut html = String::with_capacity(capacity);
    let holes = Holes::default();
    let mut writer = Measured {
        html: &mut html,
        len: holes.len.clone(),
    };
    let holes = comrak::html::format_document_with_formatter(
        root,
        opts,
        &mut writer,
        plugins,
        formatter,
        holes,
    )
    .ok()?;
    // The parts of the page, and of each block shortcode's body open around them.
    let mut frames: Vec<(Option<usize>, Vec<Part>)> = vec![(None, vec![])];
    let mut from = 0;
    for (at, mark) in holes.at {
        let parts = &mut frames.last_mut()?.1;
        if at > from {
            parts.push(Part::Html(html[from..at].to_string()));
        }
        from = at;
        match mark {
            Mark::Part(part) => parts.push(part),
            Mark::Open(k) => frames.push((Some(k), vec![])),
            Mark::End if frames.len() > 1 => {
                let (k, body) = frames.pop()?;
                let k = k?;
                out.shortcodes.get_mut(k)?.body = Some(body);
                frames.last_mut()?.1.push(Part::Shortcode(k));
            }
            Mark::End => return None,
        }
    }
    if frames.len() != 1 {
        return None;
    }
    let (_, mut parts) = frames.pop()?;
    if from < html.len() {
        parts.push(Part::Html(html[from..].to_string()));
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str, number: bool) -> ParsedBody {
        let text = format!("---\ntitle: T\n---\n{body}");
        parse_body(&ParseInput {
            file: Path::new("content/concerns/a.md"),
            rel: "concerns/a.md",
            text: &text,
            body_offset: 16,
            number_paragraphs: number,
            allow_html: false,
            base_path: "/",
        })
    }

    fn html(p: &ParsedBody) -> String {
        p.parts
            .iter()
            .map(|x| match x {
                Part::Html(h) => h.clone(),
                Part::Citation(i) => format!("[C{i}]"),
                Part::CitedBy(i) => format!("[B{i}]"),
                Part::Shortcode(i) => format!("[S{i}]"),
            })
            .collect()
    }

    #[test]
    fn citation_positions_and_holes() {
        let p = parse(
            "Intro.\n\nA claim [@src \"some words\"] and `[@code]`.\n",
            false,
        );
        assert_eq!(p.citations.len(), 1);
        assert_eq!(p.citations[0][0].position, Position { line: 6, col: 10 });
        assert_eq!(
            html(&p),
            "<p>Intro.</p>\n<p>A claim [C0] and <code>[@code]</code>.</p>\n"
        );
        assert_eq!(p.bare_prose, vec![Position { line: 4, col: 1 }]);
    }

    #[test]
    fn citation_across_soft_break() {
        let p = parse("A [@src \"some\nwords\"; @b#p3] end\n", false);
        assert_eq!(p.citations[0].len(), 2);
        assert_eq!(p.citations[0][0].item.quote.as_deref(), Some("some words"));
        assert_eq!(p.citations[0][1].position, Position { line: 5, col: 9 });
    }

    #[test]
    fn links_rewritten() {
        let p = parse(
            "[x](../articles/b.md#scope) [y](#here) [z](https://e.org) [w](/abs/)\n",
            false,
        );
        assert_eq!(p.links[0].target, "articles/b.md");
        assert_eq!(p.links[0].fragment.as_deref(), Some("scope"));
        assert!(html(&p).contains("href=\"/articles/b/#scope\""));
        assert_eq!(p.links[1].target, "concerns/a.md");
    }

    #[test]
    fn numbered_paragraphs() {
        let p = parse(
            "Dear *X*,\n\n## Head\n\n- one\n- two\n  more\n\nEnd.\n",
            true,
        );
        let texts: Vec<_> = p.paragraphs.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, vec!["Dear X,", "one", "two more", "End."]);
        let h = html(&p);
        assert!(h.contains("id=\"p2\" data-para=\"2\""), "{h}");
        assert!(h.contains("[B4]"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Whatever an editor types, parsing reports problems; it never panics.
        #[test]
        fn parsing_never_panics(body in "([a-z ]|\\[@|\\]|\"|“|”|#p|[0-9]|;|\\*|_|`|\n|\\\\|-|\\||<|>|\\(|\\)|\\.md|\\.\\.\\.|é|\t|&#x[0-9A-Fa-f]{1,6};|&#[0-9]{1,7};|&[a-z]{2,6};|&|#x|\u{FDD0}|\u{FDD1}|\u{FFFE}|\u{10FFFF}|\u{0}|c0|b1){0,80}") {
            let p = parse(&body, true);
            let _ = html(&p);
            // Each bracket and each paragraph's list is one hole, in order: whatever the
            // text, it can add none.
            let cites: Vec<usize> = p.parts.iter().filter_map(|x| match x { Part::Citation(i) => Some(*i), _ => None }).collect();
            let lists: Vec<usize> = p.parts.iter().filter_map(|x| match x { Part::CitedBy(n) => Some(n.get()), _ => None }).collect();
            proptest::prop_assert_eq!(cites, (0..p.citations.len()).collect::<Vec<_>>());
            proptest::prop_assert_eq!(lists, (1..=p.paragraphs.len()).collect::<Vec<_>>());
        }
    }

    /// Entities that decode to the characters earlier versions used as hole markers are
    /// text like any other: no panic, no extra hole, the characters kept in the HTML.
    #[test]
    fn entities_and_noncharacters_are_only_text() {
        for body in [
            "&#xFDD0;&#xFDD1;\n",
            "&#xFDD0;é&#xFDD1;\n",
            "A [@x#p1] and &#xFDD0;c0&#xFDD1; and &#64253;b1&#64254;\n",
            "\u{FDD0}c0\u{FDD1} &#0; &#x0; &#xFFFE; &#x10FFFF; &#x110000;\n",
        ] {
            let p = parse(body, true);
            let h = html(&p);
            let holes = p
                .parts
                .iter()
                .filter(|x| !matches!(x, Part::Html(_)))
                .count();
            assert_eq!(
                holes,
                p.citations.len() + p.paragraphs.len(),
                "{body}: {:?}",
                p.parts
            );
            if body.contains("c0&#xFDD1;") {
                assert!(h.contains('\u{FDD0}'), "{h}");
            }
        }
    }

    #[test]
    fn inline_shortcodes_are_holes_and_code_is_text() {
        let p = parse(
            "A {{ fig(u=\"https://e.org/*x*\", n=2) }} b `{{ code() }}` {{ not one }}.\n\n```\n{{ fenced() }}\n```\n\n{{ alone() }}\n",
            false,
        );
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(p.shortcodes.len(), 2);
        let u = &p.shortcodes[0];
        assert_eq!(
            (u.name.as_str(), u.position),
            ("fig", Position { line: 4, col: 3 })
        );
        assert_eq!(u.name_position, Position { line: 4, col: 6 });
        assert_eq!(u.args[1].1, Position { line: 4, col: 33 });
        assert_eq!(
            u.args[0].0.value,
            crate::shortcode::ArgValue::String("https://e.org/*x*".into())
        );
        assert_eq!(
            html(&p),
            "<p>A [S0] b <code>{{ code() }}</code> {{ not one }}.</p>\n<pre class=\"hl-code\" tabindex=\"0\"><code>{{ fenced() }}\n</code></pre>\n[S1]"
        );
    }

    #[test]
    fn block_shortcode_bodies_are_markdown_with_citations() {
        let p = parse(
            "Intro.\n{% note(kind=\"x\") %}\nBody *one* [@src#p1].\n\n- {{ inner() }}\n{% end %}\nAfter.\n",
            false,
        );
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(html(&p), "<p>Intro.</p>\n[S0]<p>After.</p>\n");
        let body = p.shortcodes[0].body.as_ref().unwrap();
        let body: String = body
            .iter()
            .map(|x| match x {
                Part::Html(h) => h.clone(),
                Part::Citation(i) => format!("[C{i}]"),
                Part::Shortcode(i) => format!("[S{i}]"),
                Part::CitedBy(i) => format!("[B{i}]"),
            })
            .collect();
        assert_eq!(
            body,
            "<p>Body <em>one</em> [C0].</p>\n<ul>\n<li>[S1]</li>\n</ul>\n"
        );
        assert_eq!(p.citations[0][0].position, Position { line: 6, col: 13 });
        assert_eq!(p.shortcodes[1].body, None);
    }

    #[test]
    fn shortcode_errors_are_located() {
        let cases = [
            ("{% note() %}\nBody.\n", 4, 1, "never closed"),
            ("Body.\n\n{% end %}\n", 6, 1, "closes no shortcode"),
            ("A {% note() %}\n", 4, 3, "line of its own"),
            ("A {{ fig(n=[1, 2) }}\n", 4, 17, "in an array"),
            (
                "- item\n  {% note() %}\n- more\n  {% end %}\n",
                5,
                1,
                "outside lists",
            ),
            (
                "{% note() %}\n    {{ fig() }}\n{% end %}\n",
                5,
                5,
                "cannot stand here",
            ),
        ];
        for (body, line, col, words) in cases {
            let p = parse(body, false);
            assert_eq!(p.diagnostics.len(), 1, "{body}: {:?}", p.diagnostics);
            let d = &p.diagnostics[0];
            assert_eq!(
                d.position,
                Some(Position { line, col }),
                "{body}: {}",
                d.message
            );
            assert!(d.message.contains(words), "{body}: {}", d.message);
        }
    }

    #[test]
    fn escaped_shortcodes_are_text() {
        let p = parse("Write \\{{ fig() }} to show one.\n", false);
        assert!(p.shortcodes.is_empty());
        assert_eq!(html(&p), "<p>Write {{ fig() }} to show one.</p>\n");
    }

    #[test]
    fn tables_scroll_in_their_own_box() {
        let h = html(&parse(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n| c |\n|---|\n| 3 |\n",
            false,
        ));
        assert!(
            h.contains("<section class=\"table-scroll\" tabindex=\"0\" aria-label=\"Table 1\">"),
            "{h}"
        );
        assert!(h.contains("aria-label=\"Table 2\""), "{h}");
        assert_eq!(h.matches("</section>").count(), 2);
    }

    #[test]
    fn raw_html_dropped_and_js_urls_refused() {
        let p = parse(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1))\n",
            false,
        );
        assert!(!html(&p).contains("<script"));
        assert!(
            p.diagnostics
                .iter()
                .any(|d| d.message.contains("javascript"))
        );
    }
}
