//! Issue 10, fuzzing section: properties of the citation syntax and of `...` in quotes,
//! beside the quote-index property in tests/quote_property.rs.
//!
//! 1. Any citation written by the rules (ids, `#pN`, quotes in straight or curly marks
//!    holding `]` and `;`, several items, any spacing) is found exactly where it was
//!    written and read back item by item.
//! 2. Whatever the text, the scan never panics, and every bracket it reports lies inside
//!    the text, on character boundaries, in order, each item pointing at its `@id`.
//! 3. A quote made of runs of a paragraph joined by `...` (or `…`) is found in exactly
//!    the paragraphs that hold its parts in order.

use explainer::cite::{QuoteIndex, QuoteMatch, find_citations};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Item {
    id: String,
    paragraph: Option<usize>,
    quote: Option<(String, bool)>,
}

fn item() -> impl Strategy<Value = Item> {
    (
        "[a-z0-9][a-z0-9_.-]{0,14}",
        prop::option::of(1usize..400),
        prop::option::of((
            "[a-zA-Z0-9]([a-zA-Z0-9 ,;:'\\]\\[-]{0,30}[a-zA-Z0-9])?",
            any::<bool>(),
        )),
    )
        .prop_map(|(id, paragraph, quote)| Item {
            id,
            paragraph,
            quote,
        })
}

fn space() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&["", " ", "  ", "\n", " \t"][..])
}

fn write(items: &[Item], spaces: &[&str]) -> String {
    let mut s = String::from("[");
    for (k, it) in items.iter().enumerate() {
        let sp = |n: usize| spaces[(k * 3 + n) % spaces.len()];
        if k > 0 {
            s.push_str(sp(0));
            s.push(';');
        }
        if k > 0 {
            s.push_str(sp(1));
        }
        s.push('@');
        s.push_str(&it.id);
        if let Some(n) = it.paragraph {
            s.push_str(&format!("#p{n}"));
        }
        if let Some((q, curly)) = &it.quote {
            s.push(' ');
            s.push_str(sp(2));
            if *curly {
                s.push_str(&format!("\u{201c}{q}\u{201d}"));
            } else {
                s.push_str(&format!("\"{q}\""));
            }
        }
    }
    s.push(']');
    s
}

const VOCAB: &[&str] = &[
    "the", "a", "of", "to", "and", "not", "may", "shall", "state", "party", "data", "access",
    "law", "order", "court", "review", "rights", "human", "intent", "broad", "scope", "powers",
];

/// The oracle for `...`: the quote's parts, as whole words (the paragraphs are words and
/// spaces only), found one after another.
fn holds_in_order(paragraph: &str, quote: &str) -> bool {
    let canon = |s: &str| format!(" {} ", s.split_whitespace().collect::<Vec<_>>().join(" "));
    let text = canon(paragraph);
    let parts: Vec<String> = quote
        .replace('\u{2026}', "...")
        .split("...")
        .map(canon)
        .filter(|p| !p.trim().is_empty())
        .collect();
    if parts.is_empty() {
        return false;
    }
    let mut from = 0;
    for p in parts {
        // Parts are padded with a space each side: the next part may reuse that space.
        match text[from..].find(&p) {
            Some(i) => from += i + p.len() - 1,
            None => return false,
        }
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_written_citation_is_read_back_exactly(
        items in prop::collection::vec(item(), 1..4),
        spaces in prop::collection::vec(space(), 1..8),
        before in "[a-z .,;:!?\\]\"\n]{0,20}",
        after in "[a-z .,;:!?\\]\"\n]{0,20}",
    ) {
        let bracket = write(&items, &spaces);
        let text = format!("{before}{bracket}{after}");
        let found = find_citations(&text);
        prop_assert_eq!(found.len(), 1, "{:?} in {:?}", found, text);
        let f = &found[0];
        prop_assert_eq!(&text[f.range.clone()], bracket.as_str());
        let read = f.items.as_ref().map_err(|e| TestCaseError::fail(format!("{e:?} for {text:?}")))?;
        prop_assert_eq!(read.len(), items.len());
        for (got, want) in read.iter().zip(&items) {
            prop_assert_eq!(&got.id, &want.id);
            prop_assert_eq!(got.paragraph.map(explainer::ids::ParaNo::get), want.paragraph);
            let want_quote = want
                .quote
                .as_ref()
                .map(|(q, _)| q.split_whitespace().collect::<Vec<_>>().join(" "));
            prop_assert_eq!(&got.quote, &want_quote);
            let at = got.offset;
            let expected_at = format!("@{}", want.id);
            prop_assert!(text[at..].starts_with(&expected_at));
        }
    }

    #[test]
    fn the_scan_never_panics_and_its_ranges_are_sound(
        text in "(\\[@|\\[|\\]|\"|“|”|„|;|@|#p|[0-9]|[a-z]{1,3}| |\n|…|\\.\\.\\.|é|中){0,120}",
    ) {
        let found = find_citations(&text);
        // A bracket that closes ends where the next may start; one that never closes is
        // reported up to the end of its line, over any brackets after it on that line.
        let mut last_end = 0;
        for f in &found {
            prop_assert!(f.range.start >= last_end, "overlapping brackets: {:?}", found);
            prop_assert!(f.range.start < f.range.end && f.range.end <= text.len());
            prop_assert!(text.is_char_boundary(f.range.start) && text.is_char_boundary(f.range.end));
            prop_assert!(text[f.range.start..].starts_with("[@"));
            last_end = if f.items.is_ok() { f.range.end } else { f.range.start + 2 };
            if let Ok(items) = &f.items {
                prop_assert!(text[f.range.clone()].ends_with(']'));
                for it in items {
                    let at = it.offset;
                    prop_assert!(text.is_char_boundary(at));
                    let expected_at = format!("@{}", it.id);
                    prop_assert!(text[at..].starts_with(&expected_at));
                    // No `#p0`: a paragraph is a `ParaNo`, which has no 0.
                    if let Some(q) = &it.quote {
                        prop_assert!(!q.is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn ellipsis_quotes_match_where_the_parts_are_in_order(
        paras in prop::collection::vec(prop::collection::vec(prop::sample::select(VOCAB), 4..30), 1..5),
        pick in any::<usize>(),
        cuts in prop::collection::vec(any::<usize>(), 2..8),
        mark in prop::sample::select(&[" ... ", "...", " \u{2026} ", "\u{2026}", " ...", "... "][..]),
        reverse in any::<bool>(),
    ) {
        let sources: Vec<String> = paras.iter().map(|p| p.join(" ")).collect();
        let i = pick % paras.len();
        let words = &paras[i];
        // Cut points in order give runs of the paragraph, with gaps between them.
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (words.len() + 1)).collect();
        points.sort_unstable();
        points.dedup();
        let mut runs: Vec<String> = points
            .chunks(2)
            .filter(|c| c.len() == 2 && c[0] < c[1])
            .map(|c| words[c[0]..c[1]].join(" "))
            .collect();
        prop_assume!(!runs.is_empty());
        if reverse {
            runs.reverse();
        }
        let quote = runs.join(mark);
        let index = QuoteIndex::new(&sources);
        let oracle: Vec<usize> = (0..sources.len())
            .filter(|&k| holds_in_order(&sources[k], &quote))
            .collect();
        if !reverse {
            prop_assert!(oracle.contains(&i), "oracle self-check: {:?} in {:?}", quote, sources[i]);
        }
        for k in 0..sources.len() {
            prop_assert_eq!(index.paragraph_contains(k, &quote), oracle.contains(&k), "¶{} and {:?}", k, quote);
        }
        match index.find(&quote) {
            QuoteMatch::Unique(k) => prop_assert_eq!(oracle, vec![k]),
            QuoteMatch::Ambiguous(ks) => prop_assert_eq!(oracle, ks),
            QuoteMatch::NotFound(_) => prop_assert!(oracle.is_empty(), "{:?} not found, oracle {:?}", quote, oracle),
        }
    }
}
