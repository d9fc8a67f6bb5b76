//! Shortcodes in a page body: found in the text the editor wrote (never in code), and
//! put into the AST as holes.
//!
//! The syntax is [`crate::shortcode`]'s. Where a shortcode is, is known before comrak
//! parses the body: a first parse finds the code spans, code blocks and raw HTML, where
//! nothing is a shortcode, and [`crate::shortcode::scan`] reads the rest. The body comrak
//! then parses has each inline shortcode replaced by an autolink of the same length
//! (`<sc:xxxx>`), and each block shortcode's `{% … %}` and `{% end %}` lines by spaces, so
//! that every other position stays what it was. After the parse, the autolink that starts
//! at exactly an inline shortcode's position becomes its hole, and each block's body is
//! the top-level blocks between its two lines, fenced by two holes. Holes are found by
//! position, never by text: an editor who types `<sc:x>` gets a link, as anywhere else.

use super::{Locator, ParseInput, hole};
use crate::diagnostic::Diagnostic;
use crate::page::{ParsedBody, ShortcodeUse};
use crate::shortcode::{Tag, TagKind};
use comrak::nodes::{AstNode, NodeValue};
use comrak::{Arena, Options};
use std::ops::Range;

/// The body to parse, and where its shortcodes are (offsets in the body).
pub(super) struct Plan {
    /// The body with each shortcode's text replaced (see the module's comment).
    pub text: String,
    /// Each inline shortcode: where its autolink starts, and its index.
    inline: Vec<(usize, usize)>,
    /// Each block shortcode's lines, in text order: the line's range, and the hole that
    /// goes there (`o3` or `e3`).
    lines: Vec<(Range<usize>, String)>,
}

/// The byte ranges of `body` that are code or raw HTML, in order.
fn code_ranges(
    body: &str,
    opts: &Options<'_>,
    loc: &Locator<'_>,
    base: usize,
) -> Vec<Range<usize>> {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, body, opts);
    let mut ranges: Vec<Range<usize>> = root
        .descendants()
        .filter(|n| {
            matches!(
                n.data().value,
                NodeValue::Code(_)
                    | NodeValue::CodeBlock(_)
                    | NodeValue::HtmlInline(_)
                    | NodeValue::HtmlBlock(_)
            )
        })
        .map(|n| {
            let (start, src) = loc.node_source(n);
            let start = start.saturating_sub(base);
            start..start + src.len()
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    ranges
}

/// Finds the shortcodes of a body (its text as written), records each in `out`, and
/// returns the text comrak is to parse; `None` when the body has none.
pub(super) fn plan(
    body: &str,
    opts: &Options<'_>,
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
    out: &mut ParsedBody,
) -> Option<Plan> {
    if !body.contains("{{") && !body.contains("{%") {
        return None;
    }
    let base = input.body_offset;
    let scan = crate::shortcode::scan(body, &code_ranges(body, opts, loc, base));
    let error = |at: usize, message: String, help: String| {
        Diagnostic::error(input.file, Some(loc.position_of_offset(base + at)), message)
            .with_help(help)
            .with_source_in(input.text, &loc.lines)
    };
    for e in scan.errors {
        out.diagnostics.push(error(e.offset, e.message, e.help));
    }
    let (tags, unpaired) = pair(scan.tags);
    for (tag, message, help) in unpaired {
        out.diagnostics
            .push(error(tag.range.start, message, help.to_string()));
    }
    if let Some(tag) = too_deep(&tags) {
        const MAX: usize = crate::shortcode::MAX_BLOCK_DEPTH;
        out.diagnostics.push(error(
            tag.range.start,
            format!("block shortcodes are nested more than {MAX} deep here"),
            format!("close some blocks with `{{% end %}}` before opening `{}`: a page may nest at most {MAX} block shortcodes", tag.name),
        ));
        return None;
    }
    if tags.is_empty() {
        return None;
    }
    let mut plan = Plan {
        text: body.to_string(),
        inline: vec![],
        lines: vec![],
    };
    let mut open: Vec<usize> = vec![];
    for tag in tags {
        let k = out.shortcodes.len();
        match tag.kind {
            TagKind::End => {
                let k = open.pop().unwrap_or_default();
                plan.lines.push((tag.line.clone(), format!("e{k}")));
                plan.text
                    .replace_range(tag.line.clone(), &" ".repeat(tag.line.len()));
                continue;
            }
            TagKind::Open => {
                open.push(k);
                plan.lines.push((tag.line.clone(), format!("o{k}")));
                plan.text
                    .replace_range(tag.line.clone(), &" ".repeat(tag.line.len()));
            }
            TagKind::Inline => {
                let fill = "x".repeat(tag.range.len().saturating_sub(5));
                plan.text
                    .replace_range(tag.range.clone(), &format!("<sc:{fill}>"));
                plan.inline.push((tag.range.start, k));
            }
        }
        out.shortcodes.push(use_of(&tag, loc, base));
    }
    Some(plan)
}

/// The first block tag that opens deeper than [`crate::shortcode::MAX_BLOCK_DEPTH`], if any (`tags` are paired).
fn too_deep(tags: &[Tag]) -> Option<&Tag> {
    let mut depth = 0usize;
    for tag in tags {
        match tag.kind {
            TagKind::Open => {
                depth += 1;
                if depth > crate::shortcode::MAX_BLOCK_DEPTH {
                    return Some(tag);
                }
            }
            TagKind::End => depth = depth.saturating_sub(1),
            TagKind::Inline => {}
        }
    }
    None
}

/// A shortcode's tag as the page model keeps it.
fn use_of(tag: &Tag, loc: &Locator<'_>, base: usize) -> ShortcodeUse {
    ShortcodeUse {
        name: tag.name.clone(),
        position: loc.position_of_offset(base + tag.range.start),
        name_position: loc.position_of_offset(base + tag.name_offset),
        args: tag
            .args
            .iter()
            .map(|a| (a.clone(), loc.position_of_offset(base + a.offset)))
            .collect(),
        body: None,
    }
}

/// The tags whose blocks open and close, in order, and the ones that do not, each with
/// what is wrong and how to fix it.
type Unpaired = Vec<(Tag, String, &'static str)>;

fn pair(tags: Vec<Tag>) -> (Vec<Tag>, Unpaired) {
    let mut keep = vec![true; tags.len()];
    let mut unpaired = vec![];
    let mut open: Vec<usize> = vec![];
    for (i, tag) in tags.iter().enumerate() {
        match tag.kind {
            TagKind::Open => open.push(i),
            TagKind::End if open.pop().is_none() => {
                keep[i] = false;
                unpaired.push((
                    tag.clone(),
                    "this `{% end %}` closes no shortcode".to_string(),
                    "remove it, or open the block above it with `{% name(…) %}` on a line of its own",
                ));
            }
            _ => {}
        }
    }
    for i in open {
        keep[i] = false;
        unpaired.push((
            tags[i].clone(),
            format!("the block shortcode `{}` is never closed", tags[i].name),
            "end its body with `{% end %}` on a line of its own",
        ));
    }
    unpaired.sort_by_key(|u| u.0.range.start);
    let tags = tags
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(t, _)| t)
        .collect();
    (tags, unpaired)
}

/// Puts the holes of the planned shortcodes into the AST comrak made of the plan's text.
pub(super) fn place<'a>(
    arena: &'a Arena<'a>,
    root: &'a AstNode<'a>,
    plan: &Plan,
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
    out: &mut ParsedBody,
) {
    let base = input.body_offset;
    let mut placed = vec![false; plan.inline.len()];
    let links: Vec<&'a AstNode<'a>> = root
        .descendants()
        .filter(|n| matches!(n.data().value, NodeValue::Link(_)))
        .collect();
    for link in links {
        let at = loc.node_start(link).0.saturating_sub(base);
        if let Ok(j) = plan.inline.binary_search_by_key(&at, |&(a, _)| a) {
            let k = plan.inline[j].1;
            let node = arena.alloc(AstNode::from(hole(format!("s{k}"))));
            // Alone in its paragraph, the shortcode stands for the paragraph (a figure
            // cannot be inside a <p>); else it is inline.
            match link.parent().filter(|p| alone_in(p, link)) {
                Some(paragraph) => {
                    paragraph.insert_before(node);
                    paragraph.detach();
                }
                None => {
                    link.insert_before(node);
                    link.detach();
                }
            }
            placed[j] = true;
        }
    }
    for (_, &(_, k)) in plan.inline.iter().enumerate().filter(|(j, _)| !placed[*j]) {
        let name = &out.shortcodes[k].name;
        out.diagnostics.push(
            Diagnostic::error(input.file, Some(out.shortcodes[k].position), format!("the shortcode `{name}` cannot stand here"))
                .with_help("put an inline shortcode in a paragraph, heading, list item or table cell, not inside a link's text or an indented code block")
                .with_source_in(input.text, &loc.lines),
        );
    }
    place_blocks(arena, root, plan, loc, input, out);
}

/// Whether `node` is all its paragraph holds (spaces aside).
fn alone_in<'a>(paragraph: &'a AstNode<'a>, node: &'a AstNode<'a>) -> bool {
    matches!(paragraph.data().value, NodeValue::Paragraph)
        && paragraph.children().all(|c| {
            std::ptr::eq(c, node)
                || matches!(&c.data().value, NodeValue::Text(t) if t.trim().is_empty())
                || matches!(c.data().value, NodeValue::SoftBreak)
        })
}

/// Fences each block shortcode's body, the top-level blocks between its lines, with its
/// two holes.
fn place_blocks<'a>(
    arena: &'a Arena<'a>,
    root: &'a AstNode<'a>,
    plan: &Plan,
    loc: &Locator<'_>,
    input: &ParseInput<'_>,
    out: &mut ParsedBody,
) {
    let base = input.body_offset;
    let children: Vec<(&'a AstNode<'a>, usize, usize)> = root
        .children()
        .map(|c| {
            let sp = c.data().sourcepos;
            let start = loc.node_start(c).0.saturating_sub(base);
            let end = loc.offset(sp.end.line, sp.end.column).saturating_sub(base);
            (c, start, end)
        })
        .collect();
    let mut reported = std::collections::HashSet::new();
    for (line, tag) in &plan.lines {
        let node = arena.alloc(AstNode::from(hole(tag.clone())));
        let k: usize = tag[1..].parse().unwrap_or_default();
        // The top-level blocks are in order and do not overlap: the one that could hold
        // the tag's line is the last to start before it (a binary search, not a scan:
        // thousands of blocks in a row must not cost their number squared).
        let before = children.partition_point(|&(_, s, _)| s < line.start);
        let holder = before
            .checked_sub(1)
            .map(|j| &children[j])
            .filter(|&&(_, _, e)| e >= line.end);
        if let Some(&(_, start, _)) = holder
            && reported.insert(k)
        {
            let name = out.shortcodes.get(k).map_or("?", |s| s.name.as_str());
            out.diagnostics.push(
                Diagnostic::error(input.file, Some(loc.position_of_offset(base + line.start)), format!("the block shortcode `{name}` must stand outside lists, quotes and other blocks"))
                    .with_help(format!("leave a blank line before and after its `{{% … %}}` lines, at the start of the line (the block above it starts on line {})", loc.position_of_offset(base + start).line))
                    .with_source_in(input.text, &loc.lines),
            );
        }
        match children.get(children.partition_point(|&(_, s, _)| s < line.end)) {
            Some(&(next, _, _)) => next.insert_before(node),
            None => root.append(node),
        }
    }
}
