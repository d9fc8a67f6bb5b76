//! Citations: the `[@id "quoted words"]` syntax, and the quote matcher that proves every
//! quoted word is really in the source.
//!
//! This module is pure text work, free of Markdown and of the site model:
//! [`find_citations`] finds citation brackets in a run of text, [`parse_items`] reads the
//! items inside one, and [`QuoteIndex`] finds the one paragraph of a source that holds a
//! quote, or explains why none (or several) do.
//!
//! The grammar of one bracket, after Pandoc's:
//!
//! ```text
//! bracket  = "[" item { ";" item } "]"
//! item     = "@" id [ "#p" number ] [ quote ] [ "," locator ]
//! quote    = "\"" words "\""  |  "“" words "”"  |  "„" words "“"
//! locator  = any text up to the next ";" or the end of the bracket
//! ```
//!
//! Quote marks pair: a quote opened with `"` closes only at a `"`, one opened with `“`
//! only at its `”`, so a quote may hold the other kind (and nested curly pairs). The
//! pairing is of the marks as written in the file: Markdown's smart punctuation turns
//! `"words”` into `“words”` before this module sees it, so the parse stage checks the
//! written marks of each quote with [`marks_pair`] (`"words”` and `“words"` are errors). A quote
//! matches a paragraph when its words stand there in order, each part (around `...`)
//! starting and ending on a word boundary: a fragment of a word never matches.

use crate::ids::ParaNo;
use std::ops::Range;

/// One item of a citation bracket: `@id`, `@id#p5`, `@id "words"`, `@id, art. 7(2)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitationItem {
    /// The cited id: a source's file name without `.md`, or a bibliography entry's id.
    pub id: String,
    /// `#pN`: the paragraph, if given.
    pub paragraph: Option<ParaNo>,
    /// The quoted words as the editor wrote them (without the quote marks), if given.
    pub quote: Option<String>,
    /// The locator after a comma (`art. 7(2)`, `p. 4`), if given.
    pub locator: Option<String>,
    /// Byte offsets of the quote's opening and closing marks, if it has a quote (in the
    /// same text as `offset`), so that the marks as written can be checked: see
    /// [`marks_pair`].
    pub quote_marks: Option<(usize, usize)>,
    /// Byte offset of the item's `@` inside the searched text (or the bracket's text, for
    /// [`parse_items`]).
    pub offset: usize,
}

/// A problem with a citation's syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset inside the searched text (or the bracket's text, for [`parse_items`]).
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

const SYNTAX_HELP: &str = "write a citation as [@id \"exact words\"], [@id#p3], [@id, art. 7] or [@id]; separate several with `;`";

/// The closing mark that pairs with an opening quote mark, if `c` opens a quote.
fn closing_mark(c: char) -> Option<char> {
    match c {
        '"' => Some('"'),
        '\u{201c}' => Some('\u{201d}'),
        '\u{201e}' => Some('\u{201c}'),
        _ => None,
    }
}

/// The longest quote, in bytes (the longest paragraph of the letters is about 1,600).
const MAX_QUOTE: usize = 8_000;

/// Where the quote opened at `text[open..]` ends: the byte offset of its closing mark.
///
/// A quote ends at a closing mark of its own kind (`"` for `"`, `”` for `“`) that is
/// followed by the end of the item: `]`, `;`, `,` or the end of the text. Quote marks
/// nest, so when several such marks qualify, the one that closes the outer pair wins
/// (“…“inner”; more…” ends at the last `”`). A quote may therefore hold the other kind of
/// marks, a whole inner quotation, or a part of one that starts or stops inside it.
/// `text` must end before the next `[@`; a quote is at most [`MAX_QUOTE`] bytes long,
/// which keeps the scan of any input linear.
fn quote_end(text: &str, open: usize) -> Option<usize> {
    let first = text[open..].chars().next()?;
    let outer = closing_mark(first)?;
    let from = open + first.len_utf8();
    let mut limit = (from + MAX_QUOTE).min(text.len());
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    let ends_item = |k: usize| {
        matches!(
            text[k..].trim_start().chars().next(),
            None | Some(']' | ';' | ',')
        )
    };
    let mut waiting = vec![outer];
    let mut first_candidate = None;
    let mut balanced = None;
    for (k, c) in text[from..limit].char_indices() {
        let at = from + k;
        let candidate = c == outer && ends_item(at + c.len_utf8());
        if candidate && first_candidate.is_none() {
            first_candidate = Some(at);
        }
        if waiting.is_empty() {
            // The pairs balanced earlier, but not at the end of the item: keep looking
            // for the first mark that ends it.
            if candidate {
                return Some(at);
            }
        } else if waiting.last() == Some(&c) {
            waiting.pop();
            if waiting.is_empty() {
                if candidate {
                    return Some(at);
                }
                balanced = Some(at);
            }
        } else if let Some(close) = closing_mark(c).filter(|_| c != '"' || !waiting.contains(&'"'))
        {
            waiting.push(close);
        }
    }
    // No mark ends the item: end where the pairs balance, so that the parser can name
    // what follows the quote.
    first_candidate.or(balanced)
}

/// Finds every `[@…]` bracket in `text`. A quote inside a bracket may contain `]`, `;`
/// and the other kind of quote marks. Runs in time linear in the text: a bracket that is
/// not closed before the next `[@` ends there.
pub fn find_citations(text: &str) -> Vec<FoundCitation> {
    let mut found = vec![];
    let mut from = 0;
    while let Some(rel) = text[from..].find("[@") {
        let start = from + rel;
        let next_bracket = text[start + 2..]
            .find("[@")
            .map_or(text.len(), |i| start + 2 + i);
        let mut open_quote = false;
        let mut end = None;
        let mut i = start + 1;
        while let Some(c) = text[i..next_bracket].chars().next() {
            if closing_mark(c).is_some() {
                match quote_end(&text[..next_bracket], i) {
                    Some(e) => {
                        let close = text[e..].chars().next().map_or(1, char::len_utf8);
                        i = e + close;
                        continue;
                    }
                    None => {
                        open_quote = true;
                        break;
                    }
                }
            }
            if c == ']' {
                end = Some(i + 1);
                break;
            }
            if c == '[' {
                break;
            }
            i += c.len_utf8();
        }
        match end {
            Some(end) => {
                found.push(FoundCitation {
                    range: start..end,
                    items: items_at(text, start + 1..end - 1),
                });
                from = end;
            }
            None => {
                let stop = if open_quote {
                    next_bracket
                } else {
                    i.max(start + 2)
                };
                let line_end = text[start..stop]
                    .find('\n')
                    .map(|k| start + k)
                    .unwrap_or(stop);
                found.push(FoundCitation {
                    range: start..line_end,
                    items: Err(SyntaxError {
                        offset: start,
                        message: if open_quote {
                            "this citation's quote is never closed".into()
                        } else {
                            "this citation is never closed with `]`".into()
                        },
                        help: SYNTAX_HELP.into(),
                    }),
                });
                from = stop.min(next_bracket).max(start + 2);
            }
        }
    }
    found
}

/// The items of the bracket whose inside is `text[inner]`, with offsets into `text`.
fn items_at(text: &str, inner: std::ops::Range<usize>) -> Result<Vec<CitationItem>, SyntaxError> {
    let shift = inner.start;
    let items = parse_items(&text[inner]).map_err(|mut e| {
        e.offset += shift;
        e
    })?;
    Ok(items
        .into_iter()
        .map(|mut it| {
            it.offset += shift;
            if let Some((open, close)) = &mut it.quote_marks {
                *open += shift;
                *close += shift;
            }
            it
        })
        .collect())
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'
}

/// A cursor over the characters of a bracket's text.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn skip_while(&mut self, f: impl Fn(char) -> bool) -> &str {
        let start = self.at;
        while self.peek().is_some_and(&f) {
            self.bump();
        }
        &self.text[start..self.at]
    }

    fn skip_ws(&mut self) {
        self.skip_while(char::is_whitespace);
    }
}

fn syntax_error(offset: usize, message: impl Into<String>, help: impl Into<String>) -> SyntaxError {
    SyntaxError {
        offset,
        message: message.into(),
        help: help.into(),
    }
}

/// Reads the items of one bracket, given its text without the brackets: `@a "x"; @b#p2`.
pub fn parse_items(inner: &str) -> Result<Vec<CitationItem>, SyntaxError> {
    let mut cur = Cursor { text: inner, at: 0 };
    let mut items = vec![];
    loop {
        items.push(parse_item(&mut cur)?);
        match cur.bump() {
            None => return Ok(items),
            Some(';') => continue,
            Some(c) => {
                return Err(syntax_error(
                    cur.at - c.len_utf8(),
                    format!("unexpected `{c}` in a citation"),
                    SYNTAX_HELP,
                ));
            }
        }
    }
}

/// One item, up to (not including) the `;` or the end that follows it.
fn parse_item(cur: &mut Cursor<'_>) -> Result<CitationItem, SyntaxError> {
    cur.skip_ws();
    let offset = cur.at;
    if cur.bump() != Some('@') {
        return Err(syntax_error(
            offset,
            "expected `@` and an id here",
            SYNTAX_HELP,
        ));
    }
    let id = cur.skip_while(is_id_char).to_string();
    if id.is_empty() {
        return Err(syntax_error(
            offset,
            "a citation needs an id after `@`",
            SYNTAX_HELP,
        ));
    }
    let paragraph = parse_paragraph(cur)?;
    cur.skip_ws();
    let (quote, quote_marks) = match cur.peek() {
        Some(c) if closing_mark(c).is_some() => {
            let (words, open, close) = parse_quote(cur)?;
            (Some(words), Some((open, close)))
        }
        _ => (None, None),
    };
    cur.skip_ws();
    let locator = if cur.peek() == Some(',') {
        let comma = cur.at;
        cur.bump();
        let text = cur.skip_while(|c| c != ';').trim();
        if text.is_empty() {
            return Err(syntax_error(
                comma,
                "a comma in a citation must be followed by a locator",
                "write the place in the work after the comma, e.g. [@id, art. 7(2)], or remove the comma",
            ));
        }
        Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        None
    };
    Ok(CitationItem {
        id,
        paragraph,
        quote,
        locator,
        offset,
        quote_marks,
    })
}

/// `#p5` (or `#5`), if the cursor is at a `#`.
fn parse_paragraph(cur: &mut Cursor<'_>) -> Result<Option<ParaNo>, SyntaxError> {
    if cur.peek() != Some('#') {
        return Ok(None);
    }
    let hash = cur.at;
    cur.bump();
    if cur.peek() == Some('p') {
        cur.bump();
    }
    let digits = cur.skip_while(|c| c.is_ascii_digit());
    match digits.parse::<usize>().ok().and_then(ParaNo::new) {
        Some(n) => Ok(Some(n)),
        None => {
            let end = cur.at.max(hash + 1);
            Err(syntax_error(
                hash,
                format!("`{}` is not a paragraph reference", &cur.text[hash..end]),
                "refer to a paragraph as #p and its number, e.g. [@source-id#p3]",
            ))
        }
    }
}

/// A quote, from its opening mark to the mark that closes it; its words, spacing folded,
/// and the offsets of the two marks.
fn parse_quote(cur: &mut Cursor<'_>) -> Result<(String, usize, usize), SyntaxError> {
    let open_at = cur.at;
    let open = cur.peek().unwrap_or('"');
    let start = open_at + open.len_utf8();
    let Some(end) = quote_end(cur.text, open_at) else {
        let close = closing_mark(open).unwrap_or('"');
        return Err(syntax_error(
            open_at,
            "this quote is never closed",
            format!(
                "close the quoted words with `{close}`; a quote may hold the other kind of quote marks"
            ),
        ));
    };
    cur.at = end + cur.text[end..].chars().next().map_or(1, char::len_utf8);
    let words = cur.text[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if words.is_empty() {
        return Err(syntax_error(
            open_at,
            "the quote is empty",
            "put the exact words from the source between the quote marks, or remove the quote marks",
        ));
    }
    Ok((words, open_at, end))
}

/// Whether a quote written with the marks `open` and `close` keeps the pairing rule: `"`
/// closes with `"`, `“` with `”`, `„` with `“`.
///
/// The Markdown parser turns straight quotes into curly ones (smart punctuation) before
/// citations are read, so `"words”` and `“words"` reach [`find_citations`] as
/// `“words”`: the parse stage looks up the marks as written in the file and asks this.
pub fn marks_pair(open: char, close: char) -> bool {
    closing_mark(open) == Some(close)
}

/// The message and help for a quote whose marks, as written, do not pair.
pub fn unpaired_marks_error(open: char, close: char) -> (String, String) {
    let wanted = closing_mark(open).unwrap_or('"');
    (
        format!("this quote opens with `{open}` but closes with `{close}`"),
        format!(
            "quote marks pair: a quote opened with `\"` closes with `\"`, one opened with `“` with `”` (and `„` with `“`); close this one with `{wanted}`"
        ),
    )
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

/// Letters and digits make words; everything else separates them.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Where `part` first stands in `text` at or after `from` on word boundaries: it neither
/// starts inside a word nor ends inside one. Returns the byte offset just past it.
fn find_whole(text: &str, part: &str, from: usize) -> Option<usize> {
    let starts_word = part.chars().next().is_some_and(is_word_char);
    let ends_word = part.chars().next_back().is_some_and(is_word_char);
    let mut at = from;
    // Matches may overlap ("article, a" in "article, article, a"): after a match cut
    // out of a word, look again one character further on, not past the match.
    while let Some(i) = text.get(at..)?.find(part) {
        let (start, end) = (at + i, at + i + part.len());
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        let cut_before = starts_word && before.is_some_and(is_word_char);
        let cut_after = ends_word && after.is_some_and(is_word_char);
        if !cut_before && !cut_after {
            return Some(end);
        }
        at = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Whether the parts stand in `text`, in order, without overlapping, each on word boundaries.
fn contains_in_order(text: &str, parts: &[String]) -> bool {
    let mut from = 0;
    for p in parts {
        match find_whole(text, p, from) {
            Some(end) => from = end,
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
    /// No paragraph holds it; the closest passage, if any shares a run of words with it.
    NotFound(Option<Closest>),
}

/// The passage of a source closest to a quote that was not found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closest {
    /// 0-based paragraph index.
    pub paragraph: usize,
    /// The passage's words, with the words that differ from the quote marked «like this».
    pub passage: String,
    /// The longest run of the quote's words that the paragraph has, in words.
    pub shared_run: usize,
    /// The first difference: (what the source has, what the quote has).
    pub difference: Option<(String, String)>,
    /// Whether the quote matches if case is ignored.
    pub case_only: bool,
}

/// The paragraphs of one source, normalised once for many lookups.
#[derive(Clone, Debug, Default)]
pub struct QuoteIndex {
    paragraphs: Vec<String>,
    /// Each word of the paragraphs (a longest run of letters and digits, as written), and
    /// the paragraphs that have it, in order: a quote is looked for only in the
    /// paragraphs that have its rarest word, so that a page of many quotes costs each
    /// quote the paragraphs it could be in, not the whole source.
    words: std::collections::HashMap<String, Vec<usize>>,
}

/// The words of a normalised text: its longest runs of [`is_word_char`]s.
fn words_of(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
}

/// The fewest words a paragraph must share with a quote, in one run, to be worth naming.
const CLOSE_RUN: usize = 3;

impl QuoteIndex {
    /// Indexes a source's paragraphs (their plain text, in order).
    pub fn new<S: AsRef<str>>(paragraphs: &[S]) -> Self {
        let paragraphs: Vec<String> = paragraphs.iter().map(|p| normalise(p.as_ref())).collect();
        let mut words: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, p) in paragraphs.iter().enumerate() {
            for w in words_of(p) {
                let list = words.entry(w.to_string()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        QuoteIndex { paragraphs, words }
    }

    /// The paragraphs that can hold the quote's parts: those with its rarest word. Each
    /// word of a part stands in a matching paragraph as a whole word too (a part starts
    /// and ends on a word boundary, and the words inside it are bounded by what is
    /// between them), so no other paragraph can hold it. `None` for a quote without a
    /// word (only punctuation), which every paragraph is searched for.
    fn candidates(&self, parts: &[String]) -> Option<&[usize]> {
        parts
            .iter()
            .flat_map(|p| words_of(p))
            .map(|w| self.words.get(w).map_or(&[][..], Vec::as_slice))
            .min_by_key(|list| list.len())
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
        self.find_explained(quote, true)
    }

    /// [`QuoteIndex::find`]; with `explain` false, a quote that is not found is reported
    /// without looking for the closest passage (which costs the whole source): for the
    /// errors past the ones a file shows.
    pub fn find_explained(&self, quote: &str, explain: bool) -> QuoteMatch {
        let parts = quote_parts(quote);
        if parts.is_empty() {
            return QuoteMatch::NotFound(None);
        }
        let holds = |i: usize| contains_in_order(&self.paragraphs[i], &parts);
        let hits: Vec<usize> = match self.candidates(&parts) {
            Some(list) => list.iter().copied().filter(|&i| holds(i)).collect(),
            None => (0..self.paragraphs.len()).filter(|&i| holds(i)).collect(),
        };
        match hits.len() {
            1 => QuoteMatch::Unique(hits[0]),
            0 if explain => QuoteMatch::NotFound(self.closest(&parts)),
            0 => QuoteMatch::NotFound(None),
            _ => QuoteMatch::Ambiguous(hits),
        }
    }

    /// The paragraph that shares the longest run of words with the quote, and its passage
    /// lined up with the quote; `None` when no paragraph shares a run of three words (or
    /// the whole quote, if it is shorter).
    fn closest(&self, parts: &[String]) -> Option<Closest> {
        if let Some(c) = self.case_only_match(parts) {
            return Some(c);
        }
        let quote: Vec<&str> = parts.iter().flat_map(|p| p.split(' ')).collect();
        let quote_keys: Vec<String> = quote.iter().map(|w| word_key(w)).collect();
        let mut best: Option<(usize, usize, usize, usize)> = None; // (run, paragraph, q, p)
        for (pi, para) in self.paragraphs.iter().enumerate() {
            let keys: Vec<String> = para.split(' ').map(word_key).collect();
            let (run, q, p) = longest_shared_run(&quote_keys, &keys);
            if run > 0 && best.is_none_or(|(b, ..)| run > b) {
                best = Some((run, pi, q, p));
            }
        }
        let (run, pi, q, p) = best?;
        if run < CLOSE_RUN.min(quote.len()) {
            return None;
        }
        let words: Vec<&str> = self.paragraphs[pi].split(' ').collect();
        // The window of the paragraph that lines up with the whole quote.
        let start = p.saturating_sub(q);
        let end = (p + quote.len() - q).min(words.len());
        let window = &words[start..end];
        let (passage, difference) = mark_differences(&quote, window);
        Some(Closest {
            paragraph: pi,
            passage,
            shared_run: run,
            difference,
            case_only: false,
        })
    }

    /// A paragraph that holds the quote when case is ignored.
    fn case_only_match(&self, parts: &[String]) -> Option<Closest> {
        let lower_parts: Vec<String> = parts.iter().map(|p| p.to_lowercase()).collect();
        self.paragraphs.iter().enumerate().find_map(|(i, p)| {
            let lower = p.to_lowercase();
            if !contains_in_order(&lower, &lower_parts) || lower.len() != p.len() {
                return None;
            }
            let end = find_whole(&lower, &lower_parts[0], 0)?;
            let start = end - lower_parts[0].len();
            Some(Closest {
                paragraph: i,
                passage: p.get(start..end)?.to_string(),
                shared_run: 0,
                difference: None,
                case_only: true,
            })
        })
    }
}

/// A word as compared for closeness: punctuation around it dropped, lower case.
fn word_key(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// The longest run of equal, non-empty keys in `a` and `b`: (length, start in a, start in b).
fn longest_shared_run(a: &[String], b: &[String]) -> (usize, usize, usize) {
    let mut prev = vec![0usize; b.len() + 1];
    let mut best = (0, 0, 0);
    for (i, x) in a.iter().enumerate() {
        let mut row = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            if !x.is_empty() && x == y {
                row[j + 1] = prev[j] + 1;
                if row[j + 1] > best.0 {
                    best = (row[j + 1], i + 1 - row[j + 1], j + 1 - row[j + 1]);
                }
            }
        }
        prev = row;
    }
    best
}

/// Lines up the quote's words with a passage's (longest common subsequence) and marks the
/// passage's words that the quote does not have «like this». Also returns the first place
/// they differ: (what the passage has, what the quote has).
///
/// Words are lined up by their letters and digits, so that a full stop or a comma next to
/// a word does not make it "differ": for "rules are too broad and vague" against the
/// passage "rules are too broad.", the difference is the quote's "and vague", not the
/// passage's "broad.".
fn mark_differences(quote: &[&str], passage: &[&str]) -> (String, Option<(String, String)>) {
    let core = |w: &str| w.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
    let same = |a: &str, b: &str| {
        let (x, y) = (core(a), core(b));
        if x.is_empty() && y.is_empty() {
            a == b
        } else {
            x == y
        }
    };
    let (n, m) = (quote.len(), passage.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if same(quote[i], passage[j]) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out: Vec<String> = vec![];
    let mut difference = None;
    while i < n || j < m {
        if i < n && j < m && same(quote[i], passage[j]) {
            out.push(passage[j].to_string());
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(format!("«{}»", passage[j]));
            if difference.is_none() {
                let wrote = quote.get(i).map_or("(nothing)", |w| *w);
                difference = Some((passage[j].to_string(), wrote.to_string()));
            }
            j += 1;
        } else {
            if difference.is_none() {
                let has = passage.get(j).map_or("(end of the passage)", |w| *w);
                difference = Some((has.to_string(), quote[i].to_string()));
            }
            i += 1;
        }
    }
    (out.join(" "), difference)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_stop_does_not_make_a_word_differ() {
        let quote = ["rules", "are", "too", "broad", "and", "vague"];
        let passage = ["rules", "are", "too", "broad."];
        let (marked, difference) = mark_differences(&quote, &passage);
        assert_eq!(marked, "rules are too broad.");
        assert_eq!(
            difference,
            Some(("(end of the passage)".to_string(), "and".to_string()))
        );
    }

    #[test]
    fn finds_brackets_with_quotes_containing_brackets() {
        let t = "a [@x \"b ] c\"] d [@y#p2; @z] e";
        let f = find_citations(t);
        assert_eq!(f.len(), 2);
        assert_eq!(&t[f[0].range.clone()], "[@x \"b ] c\"]");
        let items = f[1].items.as_ref().unwrap();
        assert_eq!(items[0].paragraph.map(ParaNo::get), Some(2));
        assert_eq!(items[1].id, "z");
        assert_eq!(&t[items[1].offset..][..2], "@z");
    }

    #[test]
    fn locators_follow_a_comma() {
        let items = parse_items("@un, art. 7(2); @b#p3 \"words\", p. 4").unwrap();
        assert_eq!(items[0].locator.as_deref(), Some("art. 7(2)"));
        assert_eq!(items[1].paragraph.map(ParaNo::get), Some(3));
        assert_eq!(items[1].quote.as_deref(), Some("words"));
        assert_eq!(items[1].locator.as_deref(), Some("p. 4"));
        assert!(parse_items("@un,").unwrap_err().message.contains("locator"));
    }

    #[test]
    fn quote_marks_pair() {
        let q = |s: &str| parse_items(s).unwrap()[0].quote.clone().unwrap();
        assert_eq!(q("@a \"x \u{201c}y\u{201d} z\""), "x \u{201c}y\u{201d} z");
        assert_eq!(q("@a \u{201c}x \"y\" z\u{201d}"), "x \"y\" z");
        assert_eq!(
            q("@a \u{201c}x \u{201c}y\u{201d} z\u{201d}"),
            "x \u{201c}y\u{201d} z"
        );
        let t = "[@a \u{201c}x \"]\" z\u{201d}] after";
        assert_eq!(find_citations(t)[0].range.end, t.find(" after").unwrap());
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
    fn an_unclosed_bracket_ends_at_the_next_one() {
        let t = "[@a \"open [@b] rest";
        let f = find_citations(t);
        assert_eq!(f.len(), 2);
        assert!(f[0].items.is_err());
        assert_eq!(f[1].items.as_ref().unwrap()[0].id, "b");
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
    fn matching_is_to_the_word() {
        let idx = QuoteIndex::new(&[
            "The cat sat on the mat.",
            "A dog \u{2014} barked at the cat.",
        ]);
        assert_eq!(idx.find("cat sat"), QuoteMatch::Unique(0));
        assert_eq!(idx.find("dog - barked"), QuoteMatch::Unique(1));
        assert_eq!(idx.find("cat"), QuoteMatch::Ambiguous(vec![0, 1]));
        assert_eq!(idx.find("The cat ... mat"), QuoteMatch::Unique(0));
        assert_eq!(idx.find("mat."), QuoteMatch::Unique(0));
        assert!(matches!(idx.find("at sat"), QuoteMatch::NotFound(_)));
        assert!(matches!(idx.find("cat sa"), QuoteMatch::NotFound(_)));
        assert!(matches!(idx.find("The ... at"), QuoteMatch::NotFound(_)));
        assert!(matches!(
            idx.find("mat ... The cat"),
            QuoteMatch::NotFound(_)
        ));
    }

    #[test]
    fn the_word_index_finds_what_a_search_of_every_paragraph_finds() {
        let paragraphs = [
            "We write about the “draft convention” — it is too broad.",
            "The treaty’s Articles 7–10 do not require criminal intent.",
            "It lacks safeguards for human rights, and for journalists.",
            "Safeguards? None. “None at all,” they said.",
            "article, article, a",
            "...",
        ];
        let index = QuoteIndex::new(&paragraphs);
        for quote in [
            "the \"draft",
            "draft convention\" -",
            "Articles 7-10",
            "7-10 do",
            "safeguards for",
            "Safeguards?",
            "? None.",
            "\"None at all,\"",
            "article, a",
            "We write ... too broad",
            "lacks ... journalists.",
            "...",
            "-",
            ",",
            "rights, and",
            "Rights",
            "ights",
        ] {
            let parts = quote_parts(quote);
            let every: Vec<usize> = (0..paragraphs.len())
                .filter(|&i| !parts.is_empty() && contains_in_order(&index.paragraphs[i], &parts))
                .collect();
            let found = match index.find(quote) {
                QuoteMatch::Unique(i) => vec![i],
                QuoteMatch::Ambiguous(hits) => hits,
                QuoteMatch::NotFound(_) => vec![],
            };
            assert_eq!(found, every, "{quote}");
        }
    }

    #[test]
    fn the_closest_paragraph_is_the_one_sharing_the_longest_run() {
        let idx = QuoteIndex::new(&[
            "the water level rose in spring",
            "in one winter the water level rose by forty centimetres",
        ]);
        match idx.find("the water level rose by fifty centimetres") {
            QuoteMatch::NotFound(Some(c)) => {
                assert_eq!(c.paragraph, 1);
                assert_eq!(c.shared_run, 5);
                assert_eq!(c.difference, Some(("forty".into(), "fifty".into())));
                assert!(c.passage.contains("«forty»"), "{}", c.passage);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            idx.find("nothing like this at all"),
            QuoteMatch::NotFound(None)
        );
        match idx.find("THE WATER LEVEL ROSE BY") {
            QuoteMatch::NotFound(Some(c)) => assert!(c.case_only),
            other => panic!("{other:?}"),
        }
    }
}
