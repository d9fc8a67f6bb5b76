//! Completion: after `[@` every source and bibliography id with its title; after
//! `[@id#p` the paragraph numbers with their opening words; inside a quote the passages
//! of that source (or paragraph) that begin with or contain the typed words, in the
//! source's exact words, closing quote included; after `](` the content files and their
//! headings' anchors, relative to the buffer's file; in front matter the known keys.

use super::context::{self, Context};
use super::documents::{self, Doc, Encoding};
use crate::resolve::Site;
use lsp_types as lsp;

/// At most this many quote passages are offered.
const MAX_PASSAGES: usize = 30;

/// The completion items at `pos` in `doc`.
pub fn complete(
    site: &Site,
    doc: &Doc,
    pos: lsp::Position,
    enc: Encoding,
) -> Vec<lsp::CompletionItem> {
    let (row, at) = doc.line_and_byte(pos, enc);
    let line = doc.line(row);
    let fm = context::in_front_matter(&doc.text, row);
    let range = |start: usize, end: usize| {
        lsp::Range::new(
            lsp::Position::new(row as u32, documents::units(line, start, enc)),
            lsp::Position::new(row as u32, documents::units(line, end, enc)),
        )
    };
    match context::at(line, at, fm) {
        Context::Id { start } => ids(site, range(start, at)),
        Context::Paragraph { id, start } => paragraphs(site, &id, range(start, at)),
        Context::Quote {
            id,
            paragraph,
            start,
            close,
        } => {
            let typed = &line[start..at];
            let closed = line[at..].starts_with(close);
            let end = at + if closed { close.len_utf8() } else { 0 };
            quotes(site, &id, paragraph, typed, close, range(start, end))
        }
        Context::Link { start } => links(site, &doc.rel, &line[start..at], range(start, at)),
        Context::FrontMatterKey { start } => keys(site, &doc.rel, range(start, at)),
        Context::None => vec![],
    }
}

/// A completion item that replaces `range` with `text`. It carries no `filterText`: a
/// client then filters by the text in the edit's range against the label, as the protocol
/// says; with one, Neovim 0.7 filtered by the word before the cursor instead, and showed
/// nothing after `[@senators-20`, `#p`, or inside a quote of more than one word.
fn item(
    label: String,
    detail: String,
    kind: lsp::CompletionItemKind,
    range: lsp::Range,
    text: String,
) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label,
        detail: Some(detail),
        kind: Some(kind),
        text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit::new(
            range, text,
        ))),
        ..Default::default()
    }
}

/// Every source and bibliography id, with its title.
fn ids(site: &Site, range: lsp::Range) -> Vec<lsp::CompletionItem> {
    let sources = crate::passages::source_pages(site).map(|i| {
        let p = &site.pages[i];
        item(
            p.slug.clone(),
            p.meta.title.clone(),
            lsp::CompletionItemKind::FILE,
            range,
            p.slug.clone(),
        )
    });
    let entries = site.bibliography.entries.iter().map(|e| {
        let detail = format!("{} ({})", e.title, e.publisher);
        item(
            e.id.clone(),
            detail,
            lsp::CompletionItemKind::REFERENCE,
            range,
            e.id.clone(),
        )
    });
    sources.chain(entries).collect()
}

/// The paragraph numbers of a source, each with its opening words.
fn paragraphs(site: &Site, id: &str, range: lsp::Range) -> Vec<lsp::CompletionItem> {
    let Some(page) = crate::passages::source_page(site, id) else {
        return vec![];
    };
    site.pages[page]
        .body
        .paragraphs
        .iter()
        .map(|p| {
            let opening: String = p
                .text
                .split_whitespace()
                .take(12)
                .collect::<Vec<_>>()
                .join(" ");
            let mut it = item(
                p.number.to_string(),
                opening,
                lsp::CompletionItemKind::VALUE,
                range,
                p.number.to_string(),
            );
            it.sort_text = Some(format!("{:06}", p.number));
            it.documentation = Some(lsp::Documentation::String(p.text.clone()));
            it
        })
        .collect()
}

/// The passages that begin with or contain the typed words.
fn quotes(
    site: &Site,
    id: &str,
    paragraph: Option<usize>,
    typed: &str,
    close: char,
    range: lsp::Range,
) -> Vec<lsp::CompletionItem> {
    let Some(page) = crate::passages::source_page(site, id) else {
        return vec![];
    };
    let found = crate::passages::completions(site, page, paragraph, typed, MAX_PASSAGES);
    found
        .into_iter()
        .enumerate()
        .map(|(k, p)| {
            let mut it = item(
                p.words.clone(),
                format!("¶{} of {id}", p.paragraph),
                lsp::CompletionItemKind::TEXT,
                range,
                format!("{}{close}", p.words),
            );
            it.sort_text = Some(format!("{k:04}"));
            it
        })
        .collect()
}

/// At most this many link targets are offered; the list says it is incomplete, so the
/// client asks again as more is typed.
const MAX_LINKS: usize = 200;

/// The content files, relative to `from`, and their headings' anchors, that hold what was
/// `typed` (without regard to case), the first [`MAX_LINKS`] in page order.
fn links(site: &Site, from: &str, typed: &str, range: lsp::Range) -> Vec<lsp::CompletionItem> {
    let typed = typed.to_lowercase();
    let holds = |label: &str| label.to_lowercase().contains(&typed);
    let mut out = vec![];
    for page in &site.pages {
        if out.len() >= MAX_LINKS {
            break;
        }
        let path = relative(from, &page.rel);
        if holds(&path) {
            out.push(item(
                path.clone(),
                page.meta.title.clone(),
                lsp::CompletionItemKind::FILE,
                range,
                path.clone(),
            ));
        }
        for h in &page.body.headings {
            let with = format!("{path}#{}", h.id);
            if !holds(&with) {
                continue;
            }
            let detail = format!("{} › {}", page.meta.title, h.text);
            out.push(item(
                with.clone(),
                detail,
                lsp::CompletionItemKind::REFERENCE,
                range,
                with,
            ));
        }
    }
    out.truncate(MAX_LINKS);
    out
}

/// The front-matter keys (the source-only ones for a file in a sources folder too).
fn keys(site: &Site, rel: &str, range: lsp::Range) -> Vec<lsp::CompletionItem> {
    let section = crate::url::section_of(rel);
    let source = site.config.sections.role_of(&section) == Some(crate::config::Role::Source);
    crate::frontmatter::FRONT_MATTER_KEYS
        .iter()
        .filter(|k| source || !crate::frontmatter::SOURCE_ONLY_KEYS.contains(k))
        .map(|k| {
            item(
                k.to_string(),
                "front matter".into(),
                lsp::CompletionItemKind::PROPERTY,
                range,
                format!("{k}: "),
            )
        })
        .collect()
}

/// The path of content file `to` relative to the folder of content file `from`.
pub fn relative(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = from.split('/').collect();
    let from_dir = &from_dir[..from_dir.len().saturating_sub(1)];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<&str> = vec![".."; from_dir.len() - common];
    parts.extend(&to_parts[common..]);
    parts.join("/")
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_paths() {
        assert_eq!(super::relative("concerns/a.md", "concerns/b.md"), "b.md");
        assert_eq!(
            super::relative("concerns/a.md", "sources/b.md"),
            "../sources/b.md"
        );
        assert_eq!(super::relative("a.md", "sources/b.md"), "sources/b.md");
    }
}
