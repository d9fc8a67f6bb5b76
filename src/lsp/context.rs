//! What the cursor is in, read from the buffer's text alone: a citation's id, its
//! paragraph number or its quote; a link's target; a front-matter key; or a whole
//! citation item or link under the cursor (for hover, definition and code actions).
//! Pure text work; the site is not consulted here.

use crate::cite;

/// Where the cursor is, for completion. Byte offsets are into the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// After `[@` (or `; @`): the id typed so far starts at `start`.
    Id { start: usize },
    /// After `[@id#p`: the digits typed so far start at `start`.
    Paragraph { id: String, start: usize },
    /// Inside a quote, `[@id "the words so far`: the words start at `start`.
    Quote {
        id: String,
        paragraph: Option<usize>,
        start: usize,
        close: char,
    },
    /// After `](`: the target typed so far starts at `start`.
    Link { start: usize },
    /// At the start of a line in the front matter: the key typed so far.
    FrontMatterKey { start: usize },
    /// Nothing to complete.
    None,
}

/// The states of the scan of one citation bracket up to the cursor.
enum Scan {
    Start,
    Id(usize),
    Para(usize, usize),
    AfterId,
    Quote(usize, char),
    AfterQuote,
    Locator,
}

/// The completion context at byte `at` of `line`; `in_front_matter` says whether the
/// line is inside the front matter block.
pub fn at(line: &str, at: usize, in_front_matter: bool) -> Context {
    let at = floor(line, at);
    let before = &line[..at];
    if in_front_matter {
        let key = before.trim_start();
        let is_key = key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if before.len() == key.len() && is_key {
            return Context::FrontMatterKey { start: 0 };
        }
        return Context::None;
    }
    if let Some(ctx) = citation(before) {
        return ctx;
    }
    if let Some(i) = before.rfind("](") {
        let target = &before[i + 2..];
        if !target.contains([')', ' ', '\t']) {
            return Context::Link { start: i + 2 };
        }
    }
    Context::None
}

/// The citation context of the text before the cursor, if it is inside a bracket.
fn citation(before: &str) -> Option<Context> {
    let b = before.rfind("[@")?;
    let mut state = Scan::Start;
    let mut id = (0, 0);
    for (k, c) in before[b + 1..].char_indices() {
        let i = b + 1 + k;
        state = match state {
            Scan::Start if c == '@' => Scan::Id(i + 1),
            Scan::Start if c.is_whitespace() => Scan::Start,
            Scan::Start => return None,
            Scan::Id(s) if is_id_char(c) => Scan::Id(s),
            Scan::Id(s) => {
                id = (s, i);
                after_id(c, i)?
            }
            Scan::Para(s, d) if c.is_ascii_digit() || (c == 'p' && i == d) => Scan::Para(s, d),
            Scan::Para(..) => after_id(c, i)?,
            Scan::AfterId | Scan::AfterQuote => after_id(c, i)?,
            Scan::Quote(s, close) if c == close => {
                let rest = &before[i + c.len_utf8()..];
                match rest.trim_start().chars().next() {
                    None | Some(']' | ';' | ',') => Scan::AfterQuote,
                    _ => Scan::Quote(s, close),
                }
            }
            Scan::Quote(s, close) => Scan::Quote(s, close),
            Scan::Locator if c == ';' => Scan::Start,
            Scan::Locator if c == ']' => return None,
            Scan::Locator => Scan::Locator,
        };
    }
    let id_text = |r: (usize, usize)| before[r.0..r.1].to_string();
    Some(match state {
        Scan::Id(s) => Context::Id { start: s },
        Scan::Para(_, d) => Context::Paragraph {
            id: id_text(id),
            start: d + usize::from(before[d..].starts_with('p')),
        },
        Scan::Quote(s, close) => {
            let head = &before[id.0..s];
            Context::Quote {
                id: id_text(id),
                paragraph: paragraph_of(head),
                start: s,
                close,
            }
        }
        _ => return None,
    })
}

/// The state after an id (or a paragraph number), at character `c` at byte `i`.
fn after_id(c: char, i: usize) -> Option<Scan> {
    Some(match c {
        '#' => Scan::Para(i, i + 1),
        ';' => Scan::Start,
        ',' => Scan::Locator,
        ']' => return None,
        c if c.is_whitespace() => Scan::AfterId,
        '"' => Scan::Quote(i + 1, '"'),
        '\u{201c}' => Scan::Quote(i + '\u{201c}'.len_utf8(), '\u{201d}'),
        '\u{201e}' => Scan::Quote(i + '\u{201e}'.len_utf8(), '\u{201c}'),
        _ => return None,
    })
}

/// `#p5` in the head of an item (`@id#p5 "`), if there.
fn paragraph_of(head: &str) -> Option<usize> {
    let rest = head.split('#').nth(1)?;
    let digits: String = rest
        .trim_start_matches('p')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// `at`, moved down onto a character boundary of `s`.
fn floor(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A citation item under the cursor: the item and the bracket's byte range in the line.
pub fn item_at(line: &str, at: usize) -> Option<(cite::CitationItem, std::ops::Range<usize>)> {
    let found = cite::find_citations(line);
    let bracket = found
        .into_iter()
        .find(|f| f.range.start <= at && at <= f.range.end)?;
    let items = bracket.items.ok()?;
    let item = items
        .iter()
        .rev()
        .find(|it| it.offset <= at)
        .or(items.first())?;
    Some((item.clone(), bracket.range))
}

/// Every citation item in `line`, with its bracket's range.
pub fn items_in(line: &str) -> Vec<(cite::CitationItem, std::ops::Range<usize>)> {
    cite::find_citations(line)
        .into_iter()
        .filter_map(|f| Some((f.items.ok()?, f.range)))
        .flat_map(|(items, range)| items.into_iter().map(move |it| (it, range.clone())))
        .collect()
}

/// The byte range of the id of an item (just after its `@`).
pub fn id_range(item: &cite::CitationItem) -> std::ops::Range<usize> {
    item.offset + 1..item.offset + 1 + item.id.len()
}

/// A Markdown link target `](target)` in `line`: the target's byte range.
pub fn links_in(line: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = vec![];
    let mut from = 0;
    while let Some(i) = line[from..].find("](") {
        let start = from + i + 2;
        let len = line[start..]
            .find([')', ' ', '\t'])
            .unwrap_or(line.len() - start);
        out.push(start..start + len);
        from = start;
    }
    out
}

/// The link target under byte `at`, if any.
pub fn link_at(line: &str, at: usize) -> Option<std::ops::Range<usize>> {
    links_in(line)
        .into_iter()
        .find(|r| r.start.saturating_sub(2) <= at && at <= r.end)
}

/// Whether 0-based line `line` of `text` is inside the front matter (between the
/// opening `---` on the first line and the closing one).
pub fn in_front_matter(text: &str, line: usize) -> bool {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") || line == 0 {
        return false;
    }
    for (i, l) in lines.enumerate() {
        if l.trim_end() == "---" || l.trim_end() == "..." {
            return line < i + 1;
        }
        if i + 1 >= line {
            return true;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(line: &str) -> Context {
        at(line, line.len(), false)
    }

    #[test]
    fn reads_where_the_cursor_is() {
        assert_eq!(ctx("x [@sen"), Context::Id { start: 4 });
        assert_eq!(ctx("x [@a; @"), Context::Id { start: 8 });
        assert_eq!(
            ctx("x [@abc#p1"),
            Context::Paragraph {
                id: "abc".into(),
                start: 9
            }
        );
        assert_eq!(
            ctx("x [@abc#p2 \"the wor"),
            Context::Quote {
                id: "abc".into(),
                paragraph: Some(2),
                start: 12,
                close: '"'
            }
        );
        assert_eq!(ctx("x [@abc \"done\"] and"), Context::None);
        assert_eq!(ctx("see [a](../con"), Context::Link { start: 8 });
        assert_eq!(ctx("see [a](b.md) x"), Context::None);
        assert_eq!(at("tit", 3, true), Context::FrontMatterKey { start: 0 });
    }

    #[test]
    fn front_matter_lines() {
        let t = "---\ntitle: x\n---\nbody\n";
        assert!(!in_front_matter(t, 0));
        assert!(in_front_matter(t, 1));
        assert!(!in_front_matter(t, 2));
        assert!(!in_front_matter(t, 3));
    }
}
