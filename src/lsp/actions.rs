//! Code actions, one per fix the site can name exactly: a near-miss quote gets "replace
//! with the source's words" (the closest passage, as the source writes it); an unknown
//! id gets the closest ids; a link to a file that does not exist gets the closest file.

use super::context;
use super::documents::{self, Doc, Encoding};
use super::navigation;
use crate::resolve::Site;
use lsp_types as lsp;
use std::ops::Range;

/// A fix: its title, and the byte range of the line it replaces with the new text.
struct Fix {
    title: String,
    line: usize,
    range: Range<usize>,
    new: String,
}

/// The code actions for the lines `range` covers in `doc`.
pub fn actions(
    site: &Site,
    doc: &Doc,
    uri: &lsp::Url,
    range: lsp::Range,
    enc: Encoding,
) -> Vec<lsp::CodeAction> {
    let first = range.start.line as usize;
    let last = (range.end.line as usize).min(doc.line_count().saturating_sub(1));
    let mut fixes = vec![];
    for row in first..=last.max(first) {
        let line = doc.line(row);
        for (item, _) in context::items_in(line) {
            fixes.extend(citation_fixes(site, row, line, &item));
        }
        for target in context::links_in(line) {
            fixes.extend(link_fix(site, &doc.rel, row, line, target));
        }
    }
    fixes
        .into_iter()
        .map(|f| {
            let text = doc.line(f.line);
            let at = |b| lsp::Position::new(f.line as u32, documents::units(text, b, enc));
            let edit =
                lsp::TextEdit::new(lsp::Range::new(at(f.range.start), at(f.range.end)), f.new);
            let changes = std::collections::HashMap::from([(uri.clone(), vec![edit])]);
            lsp::CodeAction {
                title: f.title,
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                edit: Some(lsp::WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect()
}

/// The fixes for one citation item: the closest ids for an unknown one, the source's
/// words for a quote not found.
fn citation_fixes(
    site: &Site,
    row: usize,
    line: &str,
    item: &crate::cite::CitationItem,
) -> Vec<Fix> {
    let Some(page) = crate::passages::source_page(site, &item.id) else {
        if site.bibliography.find(&item.id).is_some() {
            return vec![];
        }
        return closest_ids(site, &item.id)
            .into_iter()
            .map(|id| Fix {
                title: format!("Replace `{}` with `{id}`", item.id),
                line: row,
                range: context::id_range(item),
                new: id,
            })
            .collect();
    };
    let (Some(quote), Some((open, close))) = (&item.quote, item.quote_marks) else {
        return vec![];
    };
    let p = &site.pages[page];
    let texts: Vec<&str> = p.body.paragraphs.iter().map(|x| x.text.as_str()).collect();
    let index = crate::cite::QuoteIndex::new(&texts);
    let holds = match item.paragraph {
        Some(n) => index.paragraph_contains(n.index(), quote),
        None => !matches!(index.find(quote), crate::cite::QuoteMatch::NotFound(_)),
    };
    if holds {
        return vec![];
    }
    let Some(passage) = crate::passages::closest(site, page, quote) else {
        return vec![];
    };
    let title = format!(
        "Replace with the source's words (¶{}): “{}”",
        passage.paragraph, passage.words
    );
    let close_len = line[close..].chars().next().map_or(1, char::len_utf8);
    let open_len = line[open..].chars().next().map_or(1, char::len_utf8);
    let fix = match item.paragraph {
        // The words are in another paragraph: the paragraph number changes too.
        Some(n) if n.get() != passage.paragraph => Fix {
            title,
            line: row,
            range: item.offset..close + close_len,
            new: format!(
                "@{}#p{} {}{}{}",
                item.id,
                passage.paragraph,
                &line[open..open + open_len],
                passage.words,
                &line[close..close + close_len]
            ),
        },
        _ => Fix {
            title,
            line: row,
            range: open + open_len..close,
            new: passage.words,
        },
    };
    vec![fix]
}

/// The three known ids closest to `id`.
fn closest_ids(site: &Site, id: &str) -> Vec<String> {
    let mut known: Vec<(usize, &str)> = crate::passages::source_pages(site)
        .map(|i| site.pages[i].slug.as_str())
        .chain(site.bibliography.entries.iter().map(|e| e.id.as_str()))
        .map(|k| (distance(id, k), k))
        .collect();
    known.sort();
    known
        .into_iter()
        .take(3)
        .map(|(_, k)| k.to_string())
        .collect()
}

/// How far an id typed is from a known one: the edits between them, or between it and
/// the known id's start of the same length (and one more), so that `senator` is close to
/// `senators-2024-10-29`.
fn distance(typed: &str, known: &str) -> usize {
    let whole = strsim::levenshtein(typed, known);
    let head: String = known.chars().take(typed.chars().count()).collect();
    whole.min(strsim::levenshtein(typed, &head) + 1)
}

/// The fix for a link to a content file that does not exist: the closest file.
fn link_fix(site: &Site, from: &str, row: usize, line: &str, target: Range<usize>) -> Option<Fix> {
    let written = &line[target.clone()];
    if written.contains("://") || written.starts_with('/') || written.starts_with('#') {
        return None;
    }
    let (path, frag) = match written.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (written, None),
    };
    if !path.ends_with(".md") {
        return None;
    }
    let rel = navigation::join(from, path)?;
    if site.page(&rel).is_some() {
        return None;
    }
    let best = site
        .pages
        .iter()
        .map(|p| (strsim::levenshtein(&rel, &p.rel), &p.rel))
        .min()?
        .1;
    let mut new = super::completion::relative(from, best);
    if let Some(f) = frag {
        new.push('#');
        new.push_str(f);
    }
    Some(Fix {
        title: format!("Link to `{new}`"),
        line: row,
        range: target,
        new,
    })
}
