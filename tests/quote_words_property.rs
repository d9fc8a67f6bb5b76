//! Issue 9, property: quote matching is exact to the word. The oracle is independent of
//! the matcher: it cuts text into tokens (runs of letters and digits, single punctuation
//! marks, and one space token for any run of whitespace) and compares token sequences.
//! A quote matches a paragraph when each of its parts (around `...`) is a run of the
//! paragraph's tokens, in order. Quotes are taken from random character ranges of the
//! paragraphs (so they often start or end inside a word), with case and quote marks
//! varied, and `...` cut into them.

use explainer::cite::{QuoteIndex, QuoteMatch, parse_items};
use proptest::prelude::*;

const WORDS: &[&str] = &[
    "the", "then", "he", "a", "at", "cat", "sat", "State", "states", "Party", "data", "access",
    "without", "right", "rights", "intent", "criminal", "7", "70", "art", "article",
];

/// One token as the oracle sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Mark(char),
    Space,
}

/// The oracle's folding: curly quotes straight, dashes one kind.
fn fold(c: char) -> char {
    match c {
        '\u{201c}' | '\u{201d}' => '"',
        '\u{2018}' | '\u{2019}' => '\'',
        '\u{2013}' | '\u{2014}' => '-',
        c => c,
    }
}

fn tokens(s: &str) -> Vec<Token> {
    let mut out: Vec<Token> = vec![];
    for c in s.chars().map(fold) {
        if c.is_alphanumeric() {
            match out.last_mut() {
                Some(Token::Word(w)) => w.push(c),
                _ => out.push(Token::Word(c.to_string())),
            }
        } else if c.is_whitespace() {
            if !matches!(out.last(), Some(Token::Space) | None) {
                out.push(Token::Space);
            }
        } else if c == '-' && out.last() == Some(&Token::Mark('-')) {
            // A run of dashes is one dash.
        } else {
            out.push(Token::Mark(c));
        }
    }
    while out.last() == Some(&Token::Space) {
        out.pop();
    }
    out
}

/// Where `needle` stands in `hay` as a run of whole tokens, at or after `from`.
fn find_run(hay: &[Token], needle: &[Token], from: usize) -> Option<usize> {
    (from..=hay.len().checked_sub(needle.len())?).find(|&i| hay[i..i + needle.len()] == *needle)
}

fn oracle_contains(paragraph: &str, quote: &str) -> bool {
    let hay = tokens(paragraph);
    let parts: Vec<Vec<Token>> = quote
        .split("...")
        .map(tokens)
        .filter(|t| !t.is_empty())
        .collect();
    if parts.is_empty() {
        return false;
    }
    let mut from = 0;
    for p in &parts {
        match find_run(&hay, p, from) {
            Some(i) => from = i + p.len(),
            None => return false,
        }
    }
    true
}

fn paragraph() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        6 => prop::sample::select(WORDS).prop_map(str::to_string),
        1 => prop::sample::select(WORDS).prop_map(|w| format!("“{w}”")),
        1 => prop::sample::select(WORDS).prop_map(|w| format!("{w},")),
        1 => prop::sample::select(WORDS).prop_map(|w| format!("{w}.")),
        1 => (prop::sample::select(WORDS), prop::sample::select(WORDS)).prop_map(|(a, b)| format!("{a}-{b}")),
    ];
    prop::collection::vec(token, 2..14).prop_map(|t| t.join(" "))
}

/// A quote cut from a paragraph at character positions, maybe with `...` in its middle and
/// maybe with one character's case flipped.
fn quote_from(
    p: &str,
    a: usize,
    b: usize,
    gap: Option<(usize, usize)>,
    flip: Option<usize>,
) -> String {
    let chars: Vec<char> = p.chars().collect();
    let (a, b) = (a % chars.len(), b % chars.len());
    let (a, b) = (a.min(b), a.max(b) + 1);
    let mut q: Vec<char> = chars[a..b].to_vec();
    if let Some((x, y)) = gap {
        let (x, y) = (x % q.len(), y % q.len());
        let (x, y) = (x.min(y), x.max(y));
        q.splice(x..y, " ... ".chars());
    }
    if let Some(f) = flip {
        let f = f % q.len();
        let c = q[f];
        q[f] = if c.is_lowercase() {
            c.to_uppercase().next().unwrap_or(c)
        } else {
            c.to_lowercase().next().unwrap_or(c)
        };
    }
    q.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_matcher_agrees_with_the_word_oracle(
        paras in prop::collection::vec(paragraph(), 1..4),
        which in 0usize..4,
        a in 0usize..200,
        b in 0usize..200,
        gap in prop::option::of((0usize..200, 0usize..200)),
        flip in prop::option::weighted(0.2, 0usize..200),
    ) {
        let p = &paras[which % paras.len()];
        let quote = quote_from(p, a, b, gap, flip);
        prop_assume!(!quote.split("...").all(|s| s.trim().is_empty()));
        let expected: Vec<usize> = (0..paras.len())
            .filter(|&i| oracle_contains(&paras[i], &quote))
            .collect();
        let index = QuoteIndex::new(&paras);
        match index.find(&quote) {
            QuoteMatch::Unique(i) => prop_assert_eq!(expected, vec![i], "quote {:?}", quote),
            QuoteMatch::Ambiguous(hits) => prop_assert_eq!(expected, hits, "quote {:?}", quote),
            QuoteMatch::NotFound(_) => prop_assert!(expected.is_empty(), "quote {:?} is in {:?}", quote, expected),
        }
        for (i, para) in paras.iter().enumerate() {
            prop_assert_eq!(index.paragraph_contains(i, &quote), oracle_contains(para, &quote));
        }
    }

    /// A quote written into a citation (with either kind of outer quote marks) comes back
    /// from the citation parser as written, whatever quote marks it holds inside.
    #[test]
    fn the_citation_parser_returns_the_quote_as_written(
        p in paragraph(),
        curly in any::<bool>(),
        para in prop::option::of(1usize..40),
        locator in prop::option::of("[a-z]{1,4}\\. [0-9]{1,2}(\\([0-9]\\))?"),
    ) {
        // Inside straight quotes, the letter's quote marks are curly (as in the paragraph);
        // inside curly quotes, straight ones may be used.
        let inner = if curly { p.replace(['“', '”'], "\"") } else { p.clone() };
        let (open, close) = if curly { ('“', '”') } else { ('"', '"') };
        let hash = para.map(|n| format!("#p{n}")).unwrap_or_default();
        let loc = locator.as_ref().map(|l| format!(", {l}")).unwrap_or_default();
        let text = format!("@src{hash} {open}{inner}{close}{loc}; @other");
        let items = parse_items(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e:?}")))?;
        prop_assert_eq!(items.len(), 2);
        prop_assert_eq!(items[0].quote.as_deref(), Some(inner.as_str()));
        prop_assert_eq!(items[0].paragraph.map(explainer::ids::ParaNo::get), para);
        prop_assert_eq!(items[0].locator.as_deref(), locator.as_deref());
        prop_assert_eq!(items[1].id.as_str(), "other");
    }
}
