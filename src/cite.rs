//! Citations: the `[@source "quoted words"]` syntax, and the quote matcher that proves
//! every quoted word is really in the source.
//!
//! This module is pure text work, free of Markdown and of the site model:
//! [`find_citations`] finds citation brackets in a run of text, [`parse_items`] reads the
//! items inside one, and [`QuoteIndex`] finds the one paragraph of a source that holds a
//! quote, or explains why none (or several) do.

use std::ops::Range;

/// One item of a citation bracket: `@id`, `@id#p5` or `@id "words"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitationItem {
    /// The cited source's id: its file name without `.md`.
    pub source: String,
    /// `#pN`: the paragraph number, if given.
    pub paragraph: Option<usize>,
    /// The quoted words as the editor wrote them (without the quote marks), if given.
    pub quote: Option<String>,
    /// Byte offset of the item's `@` inside the bracket's text.
    pub offset: usize,
}

/// A problem with a citation's syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset inside the bracket's text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// A citation bracket found in text: its byte range (from `[@` to `]` inclusive) and items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundCitation {
    /// Where the bracket is in the searched text.
    pub range: Range<usize>,
    /// Its items, or what is wrong with it.
    pub items: Result<Vec<CitationItem>, SyntaxError>,
}

const OPEN_QUOTES: &[char] = &['"', '\u{201c}', '\u{201e}'];
const CLOSE_QUOTES: &[char] = &['"', '\u{201d}', '\u{201c}'];

/// Finds every `[@…]` bracket in `text`. A quote inside a bracket may contain `]` and `;`.
///
/// The scan is linear in the length of `text`: a bracket that is never closed is
/// reported once, and the search goes on where its scan stopped (at the next `[`, or at
/// the end of a quote that never closes), so no character is scanned twice.
pub fn find_citations(text: &str) -> Vec<FoundCitation> {
    let mut found = vec![];
    let mut from = 0;
    // The end of the line the last unclosed bracket was on, and where that search began.
    let mut newline: Option<(usize, usize)> = None;
    while let Some(rel) = text[from..].find("[@") {
        let start = from + rel;
        let mut in_quote = false;
        let mut end = None;
        let mut stop = text.len();
        for (i, c) in text[start + 1..].char_indices() {
            let i = start + 1 + i;
            if in_quote {
                if CLOSE_QUOTES.contains(&c) {
                    in_quote = false;
                }
            } else if OPEN_QUOTES.contains(&c) {
                in_quote = true;
            } else if c == ']' {
                end = Some(i + 1);
                break;
            } else if c == '[' {
                stop = i;
                break;
            }
        }
        match end {
            Some(end) => {
                let inner = &text[start + 1..end - 1];
                let items = parse_items(inner).map_err(|mut e| {
                    e.offset += 1;
                    e
                });
                let items = items.map(|v| {
                    v.into_iter()
                        .map(|mut it| {
                            it.offset += 1;
                            it
                        })
                        .collect()
                });
                found.push(FoundCitation {
                    range: start..end,
                    items,
                });
                from = end;
            }
            None => {
                let line_end = match newline {
                    Some((searched, at)) if searched <= start && start <= at => at,
                    _ => text[start..]
                        .find('\n')
                        .map(|i| start + i)
                        .unwrap_or(text.len()),
                };
                newline = Some((start, line_end));
                found.push(FoundCitation {
                    range: start..line_end,
                    items: Err(SyntaxError {
                        offset: 0,
                        message: if in_quote {
                            "this citation's quote is never closed".into()
                        } else {
                            "this citation is never closed with `]`".into()
                        },
                        help: "write a citation as [@source-id \"exact words\"], [@source-id#p3] or [@source-id]".into(),
                    }),
                });
                from = stop.max(start + 2);
            }
        }
    }
    found
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// Reads the items of one bracket, given its text without the brackets: `@a "x"; @b#p2`.
pub fn parse_items(inner: &str) -> Result<Vec<CitationItem>, SyntaxError> {
    let syntax_help = "write a citation as [@source-id \"exact words\"], [@source-id#p3] or [@source-id]; separate several with `;`";
    let err = |offset: usize, message: String| SyntaxError {
        offset,
        message,
        help: syntax_help.into(),
    };
    let mut items = vec![];
    let chars: Vec<(usize, char)> = inner.char_indices().collect();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].1.is_whitespace() {
            *i += 1;
        }
    };
    let at = |i: usize| chars.get(i).map(|c| c.0).unwrap_or(inner.len());
    loop {
        skip_ws(&mut i);
        if i >= chars.len() || chars[i].1 != '@' {
            return Err(err(at(i), "expected `@` and a source id here".into()));
        }
        let item_offset = at(i);
        i += 1;
        let id_start = i;
        while i < chars.len() && is_id_char(chars[i].1) {
            i += 1;
        }
        let source: String = inner[at(id_start)..at(i)].to_string();
        if source.is_empty() {
            return Err(err(
                item_offset,
                "a citation needs a source id after `@`".into(),
            ));
        }
        let mut paragraph = None;
        if i < chars.len() && chars[i].1 == '#' {
            let hash = at(i);
            i += 1;
            if i < chars.len() && chars[i].1 == 'p' {
                i += 1;
            }
            let n_start = i;
            while i < chars.len() && chars[i].1.is_ascii_digit() {
                i += 1;
            }
            match inner[at(n_start)..at(i)].parse::<usize>() {
                Ok(n) if n > 0 => paragraph = Some(n),
                _ => {
                    return Err(SyntaxError {
                        offset: hash,
                        message: format!(
                            "`{}` is not a paragraph reference",
                            &inner[hash..at(i).max(hash + 1)]
                        ),
                        help: "refer to a paragraph as #p and its number, e.g. [@source-id#p3]"
                            .into(),
                    });
                }
            }
        }
        skip_ws(&mut i);
        let mut quote = None;
        if i < chars.len() && OPEN_QUOTES.contains(&chars[i].1) {
            let q_open = at(i);
            i += 1;
            let q_start = i;
            while i < chars.len() && !CLOSE_QUOTES.contains(&chars[i].1) {
                i += 1;
            }
            if i >= chars.len() {
                return Err(SyntaxError {
                    offset: q_open,
                    message: "this quote is never closed".into(),
                    help: "close the quoted words with `\"`".into(),
                });
            }
            let words = inner[at(q_start)..at(i)]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if words.is_empty() {
                return Err(SyntaxError {
                    offset: q_open,
                    message: "the quote is empty".into(),
                    help: "put the exact words from the source between the quote marks, or remove the quote marks".into(),
                });
            }
            quote = Some(words);
            i += 1;
            skip_ws(&mut i);
        }
        items.push(CitationItem {
            source,
            paragraph,
            quote,
            offset: item_offset,
        });
        if i >= chars.len() {
            return Ok(items);
        }
        if chars[i].1 == ';' {
            i += 1;
            continue;
        }
        return Err(err(
            at(i),
            format!("unexpected `{}` in a citation", chars[i].1),
        ));
    }
}

/// Text normalised for quote matching: whitespace collapsed, curly quotes made straight,
/// every kind of dash made `-`. Everything else, case included, is kept exactly.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' | '`' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' => '"',
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
            | '\u{2212}' => '-',
            c if c.is_whitespace() => {
                pending_space = !out.is_empty();
                continue;
            }
            c => c,
        };
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        // A run of dashes (`--`, `---`) is one dash.
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out
}

/// Splits a quote at its ellipses (`...` or `…`) into normalised parts.
fn quote_parts(quote: &str) -> Vec<String> {
    quote
        .replace('\u{2026}', "...")
        .split("...")
        .map(normalise)
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Whether the parts occur in `text`, in order, without overlapping.
fn contains_in_order(text: &str, parts: &[String]) -> bool {
    let mut from = 0;
    for p in parts {
        match text[from..].find(p.as_str()) {
            Some(i) => from += i + p.len(),
            None => return false,
        }
    }
    true
}

/// The outcome of looking for a quote in a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuoteMatch {
    /// Exactly one paragraph holds the quote (0-based index).
    Unique(usize),
    /// Several paragraphs hold it (0-based indexes).
    Ambiguous(Vec<usize>),
    /// No paragraph holds it; the closest passage, if any word matched.
    NotFound(Option<Closest>),
}

/// The passage of a source closest to a quote that was not found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closest {
    /// 0-based paragraph index.
    pub paragraph: usize,
    /// The passage's words, as normalised.
    pub passage: String,
    /// Where it first differs: (what the source has, what the quote has).
    pub difference: Option<(String, String)>,
    /// Whether the quote matches if case is ignored.
    pub case_only: bool,
}

/// The paragraphs of one source, normalised once for many lookups.
#[derive(Clone, Debug, Default)]
pub struct QuoteIndex {
    paragraphs: Vec<String>,
}

impl QuoteIndex {
    /// Indexes a source's paragraphs (their plain text, in order).
    pub fn new<S: AsRef<str>>(paragraphs: &[S]) -> Self {
        QuoteIndex {
            paragraphs: paragraphs.iter().map(|p| normalise(p.as_ref())).collect(),
        }
    }

    /// How many paragraphs the source has.
    pub fn len(&self) -> usize {
        self.paragraphs.len()
    }

    /// Whether the source has no paragraphs.
    pub fn is_empty(&self) -> bool {
        self.paragraphs.is_empty()
    }

    /// Whether paragraph `index` (0-based) holds the quote.
    pub fn paragraph_contains(&self, index: usize, quote: &str) -> bool {
        let parts = quote_parts(quote);
        !parts.is_empty()
            && self
                .paragraphs
                .get(index)
                .is_some_and(|p| contains_in_order(p, &parts))
    }

    /// Finds the paragraphs that hold `quote`.
    pub fn find(&self, quote: &str) -> QuoteMatch {
        let parts = quote_parts(quote);
        if parts.is_empty() {
            return QuoteMatch::NotFound(None);
        }
        let hits: Vec<usize> = (0..self.paragraphs.len())
            .filter(|&i| contains_in_order(&self.paragraphs[i], &parts))
            .collect();
        match hits.len() {
            1 => QuoteMatch::Unique(hits[0]),
            0 => QuoteMatch::NotFound(self.closest(&parts)),
            _ => QuoteMatch::Ambiguous(hits),
        }
    }

    /// The passage that best lines up, word by word, with the quote.
    fn closest(&self, parts: &[String]) -> Option<Closest> {
        let lower_parts: Vec<String> = parts.iter().map(|p| p.to_lowercase()).collect();
        for (i, p) in self.paragraphs.iter().enumerate() {
            if contains_in_order(&p.to_lowercase(), &lower_parts) {
                let start = p.to_lowercase().find(&lower_parts[0]).unwrap_or(0);
                let passage = p
                    .get(start..start + lower_parts[0].len())
                    .unwrap_or(&lower_parts[0])
                    .to_string();
                return Some(Closest {
                    paragraph: i,
                    passage,
                    difference: None,
                    case_only: true,
                });
            }
        }
        let quote_words: Vec<&str> = parts.iter().flat_map(|p| p.split(' ')).collect();
        let mut best: Option<(usize, usize, usize)> = None; // (score, paragraph, start)
        for (pi, p) in self.paragraphs.iter().enumerate() {
            let words: Vec<&str> = p.split(' ').collect();
            for start in 0..words.len() {
                let score = quote_words
                    .iter()
                    .enumerate()
                    .filter(|(k, w)| {
                        words
                            .get(start + k)
                            .is_some_and(|x| strip_punct(x) == strip_punct(w))
                    })
                    .count();
                if score > 0 && best.is_none_or(|(s, _, _)| score > s) {
                    best = Some((score, pi, start));
                }
            }
        }
        let (_, pi, start) = best?;
        let words: Vec<&str> = self.paragraphs[pi].split(' ').collect();
        let end = (start + quote_words.len()).min(words.len());
        let difference =
            quote_words
                .iter()
                .enumerate()
                .find_map(|(k, q)| match words.get(start + k) {
                    Some(w) if w == q => None,
                    Some(w) => Some(((*w).to_string(), (*q).to_string())),
                    None => Some(("(end of paragraph)".to_string(), (*q).to_string())),
                });
        Some(Closest {
            paragraph: pi,
            passage: words[start..end].join(" "),
            difference,
            case_only: false,
        })
    }
}

fn strip_punct(w: &str) -> &str {
    w.trim_matches(|c: char| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_brackets_with_quotes_containing_brackets() {
        let t = "a [@x \"b ] c\"] d [@y#p2; @z] e";
        let f = find_citations(t);
        assert_eq!(f.len(), 2);
        assert_eq!(&t[f[0].range.clone()], "[@x \"b ] c\"]");
        let items = f[1].items.as_ref().unwrap();
        assert_eq!(items[0].paragraph, Some(2));
        assert_eq!(items[1].source, "z");
        assert_eq!(&t[f[1].range.start + items[1].offset..][..2], "@z");
    }

    #[test]
    fn syntax_errors() {
        assert!(parse_items("@").is_err());
        assert!(
            parse_items("@a#px")
                .unwrap_err()
                .message
                .contains("paragraph")
        );
        assert!(
            parse_items("@a \"open")
                .unwrap_err()
                .message
                .contains("never closed")
        );
        assert!(
            parse_items("@a b")
                .unwrap_err()
                .message
                .contains("unexpected")
        );
        assert!(find_citations("x [@a \"y").pop().unwrap().items.is_err());
    }

    #[test]
    fn curly_quotes_from_smart_punctuation() {
        let items = parse_items("@a \u{201c}it\u{2019}s here\u{201d}").unwrap();
        assert_eq!(items[0].quote.as_deref(), Some("it\u{2019}s here"));
    }

    #[test]
    fn normalises_quotes_dashes_space() {
        assert_eq!(
            normalise("  a \u{201c}b\u{201d}\n c\u{2013}d -- e "),
            "a \"b\" c-d - e"
        );
    }

    #[test]
    fn matching() {
        let idx = QuoteIndex::new(&[
            "The cat sat on the mat.",
            "A dog \u{2014} barked at the cat.",
        ]);
        assert_eq!(idx.find("cat sat"), QuoteMatch::Unique(0));
        assert_eq!(idx.find("dog - barked"), QuoteMatch::Unique(1));
        assert_eq!(idx.find("cat"), QuoteMatch::Ambiguous(vec![0, 1]));
        assert_eq!(idx.find("The cat ... mat"), QuoteMatch::Unique(0));
        assert_eq!(
            idx.find("mat ... The cat"),
            QuoteMatch::NotFound(idx.closest(&quote_parts("mat ... The cat")))
        );
        match idx.find("cat sat on the rug") {
            QuoteMatch::NotFound(Some(c)) => {
                assert_eq!(c.paragraph, 0);
                assert_eq!(c.difference, Some(("mat.".into(), "rug".into())));
            }
            other => panic!("{other:?}"),
        }
        match idx.find("CAT SAT") {
            QuoteMatch::NotFound(Some(c)) => assert!(c.case_only),
            other => panic!("{other:?}"),
        }
    }
}
