//! Go to definition and find references. A citation leads to its paragraph's line in
//! the source file, or to its entry in the bibliography file; a link to its target file
//! and heading. References of a source paragraph, a heading or a bibliography entry are
//! the citations and links the resolved site holds of it (`site.graph`, the pages'
//! citation uses and links).

use super::context;
use crate::cite::QuoteIndex;
use crate::graph::{SourceAt, Target};
use crate::page::Page;
use crate::resolve::Site;

/// A place in a content file: its path relative to `content/`, a 0-based line and a
/// column in characters (0-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The file, relative to `content/` (`sources/letter.md`).
    pub rel: String,
    /// 0-based line.
    pub line: usize,
    /// 0-based column, in characters.
    pub col: usize,
}

/// What a citation item points at in the site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cited {
    /// A full-text source page, at a paragraph (1-based) or whole.
    Source(usize, Option<usize>),
    /// A bibliography entry.
    Entry(usize),
}

/// What `item` cites, as the site resolves it (the paragraph a quote is in, if one is).
pub fn cited(site: &Site, item: &crate::cite::CitationItem) -> Option<Cited> {
    if let Some(page) = crate::passages::source_page(site, &item.id) {
        let p = &site.pages[page];
        let para = item.paragraph.map(crate::ids::ParaNo::get).or_else(|| {
            let q = item.quote.as_deref()?;
            let texts: Vec<&str> = p.body.paragraphs.iter().map(|x| x.text.as_str()).collect();
            match QuoteIndex::new(&texts).find(q) {
                crate::cite::QuoteMatch::Unique(k) => Some(k + 1),
                _ => None,
            }
        });
        return Some(Cited::Source(page, para));
    }
    site.bibliography.find(&item.id).map(Cited::Entry)
}

/// The letters and digits of `s`, lower-cased, at most `n` of them.
fn key(s: &str, n: usize) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .take(n)
        .collect()
}

/// The 0-based line of each numbered paragraph of `page` in `text` (its file): the first
/// line after the last one found whose words begin as the paragraph's do.
pub fn paragraph_lines(page: &Page, text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let body_start = body_start(&lines);
    let mut at = body_start;
    let mut out = vec![];
    for p in &page.body.paragraphs {
        let want = key(&p.text, 24);
        let found = (at..lines.len()).find(|&i| {
            let l = lines[i].trim_start();
            let l = l.trim_start_matches(|c: char| c.is_ascii_digit() || "-*+.) >".contains(c));
            !want.is_empty() && key(l, want.chars().count()) == want
        });
        if let Some(i) = found {
            at = i + 1;
        }
        out.push(found.unwrap_or(at.saturating_sub(1).max(body_start)));
    }
    out
}

/// The first line after the front matter.
fn body_start(lines: &[&str]) -> usize {
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return 0;
    }
    lines
        .iter()
        .skip(1)
        .position(|l| l.trim_end() == "---" || l.trim_end() == "...")
        .map_or(0, |i| i + 2)
}

/// The 0-based line of the heading with anchor `id` in `text`, found by its text.
pub fn heading_line(page: &Page, text: &str, id: &str) -> Option<usize> {
    let heading = page.body.headings.iter().find(|h| h.id == id)?;
    let want = key(&heading.text, 200);
    text.lines().position(|l| {
        let t = l.trim_start();
        t.starts_with('#') && key(t.trim_start_matches('#'), 200) == want
    })
}

/// The heading of `page` whose line is `line` in `text`, if that line is one.
pub fn heading_at(page: &Page, text: &str, line: usize) -> Option<String> {
    page.body
        .headings
        .iter()
        .find(|h| heading_line(page, text, &h.id) == Some(line))
        .map(|h| h.id.clone())
}

/// The paragraph (1-based) of source `page` that 0-based line `line` of `text` is in.
pub fn paragraph_at(page: &Page, text: &str, line: usize) -> Option<usize> {
    let lines = paragraph_lines(page, text);
    lines.iter().rposition(|&l| l <= line).map(|i| i + 1)
}

/// Where a citation's target is defined: the source's paragraph, or the entry.
pub fn definition_of(site: &Site, cited: &Cited) -> Option<Place> {
    match *cited {
        Cited::Source(page, para) => {
            let p = &site.pages[page];
            let line = para
                .and_then(|n| paragraph_lines(p, &p.text).get(n - 1).copied())
                .unwrap_or(0);
            Some(Place {
                rel: p.rel.clone(),
                line,
                col: 0,
            })
        }
        Cited::Entry(e) => {
            let d = site.bibliography.entries[e].defined.as_ref()?;
            let rel = d
                .file
                .strip_prefix("content")
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some(Place {
                rel,
                line: d.position.line.saturating_sub(1),
                col: d.position.col.saturating_sub(1),
            })
        }
    }
}

/// Where a link target (as written, `../a/b.md#x`, in the page at `from`) leads.
pub fn link_target(site: &Site, from: &str, written: &str) -> Option<Place> {
    let (path, frag) = match written.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (written, None),
    };
    let rel = if path.is_empty() {
        from.to_string()
    } else {
        join(from, path)?
    };
    let page = &site.pages[site.page(&rel)?.index()];
    // A heading's anchor, or a source paragraph's (`#p3`).
    let paragraph = |f: &str| {
        let n: usize = f.strip_prefix('p')?.parse().ok()?;
        paragraph_lines(page, &page.text)
            .get(n.checked_sub(1)?)
            .copied()
    };
    let line = frag
        .and_then(|f| heading_line(page, &page.text, f).or_else(|| paragraph(f)))
        .unwrap_or(0);
    Some(Place { rel, line, col: 0 })
}

/// `path` (relative, `/`-separated) from the folder of the content file `from`; `None`
/// if it climbs out of `content/`.
pub fn join(from: &str, path: &str) -> Option<String> {
    let path = crate::url::percent_decode(path).unwrap_or_else(|| path.to_string());
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Every citation in the site of the place `at` in source `page` (or of a bibliography
/// entry), as places in the citing files.
pub fn citations_of(site: &Site, target: &Cited) -> Vec<Place> {
    let matches = |t: &Target| match (*target, t) {
        (Cited::Source(s, None), Target::Source(ts, _)) => ts.index() == s,
        (Cited::Source(s, Some(n)), Target::Source(ts, at)) => {
            ts.index() == s && matches!(at, SourceAt::Paragraph(p) if p.get() == n)
        }
        (Cited::Entry(e), Target::Entry(te, _)) => te.index() == e,
        _ => false,
    };
    let mut out = vec![];
    for (pi, brackets) in site.graph.brackets.iter().enumerate() {
        let page = &site.pages[pi];
        for (b, shown) in brackets.iter().enumerate() {
            let hit = shown
                .iter()
                .any(|&k| matches(&site.graph.citations[k].target));
            let Some(uses) = page.body.citations.get(b).filter(|_| hit) else {
                continue;
            };
            for u in uses {
                let same = match cited(site, &u.item) {
                    Some(c) => match (&c, target) {
                        (Cited::Source(a, pa), Cited::Source(b, pb)) => {
                            a == b && (pb.is_none() || pa == pb)
                        }
                        (Cited::Entry(a), Cited::Entry(b)) => a == b,
                        _ => false,
                    },
                    None => false,
                };
                if same {
                    out.push(Place {
                        rel: page.rel.clone(),
                        line: u.position.line.saturating_sub(1),
                        col: u.position.col.saturating_sub(1),
                    });
                }
            }
        }
    }
    out
}

/// Every link in the site to the heading `id` of the page at `rel`.
pub fn links_to(site: &Site, rel: &str, id: &str) -> Vec<Place> {
    let mut out = vec![];
    for page in &site.pages {
        for l in &page.body.links {
            if l.target == rel && l.fragment.as_deref() == Some(id) {
                out.push(Place {
                    rel: page.rel.clone(),
                    line: l.position.line.saturating_sub(1),
                    col: l.position.col.saturating_sub(1),
                });
            }
        }
    }
    out
}

/// The bibliography entry whose id is defined on 0-based line `line` of `rel`.
pub fn entry_at(site: &Site, rel: &str, line: usize) -> Option<usize> {
    site.bibliography.entries.iter().position(|e| {
        e.defined
            .as_ref()
            .is_some_and(|d| d.file.ends_with(rel) && d.position.line == line + 1)
    })
}

/// The citation item under byte `at` of `line`, with what it cites.
pub fn cited_at(site: &Site, line: &str, at: usize) -> Option<Cited> {
    let (item, _) = context::item_at(line, at)?;
    cited(site, &item)
}
