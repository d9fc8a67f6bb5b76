//! Issue 3, property: any run of consecutive words taken from a source paragraph, with its
//! whitespace, quote marks and dashes varied, is found in that paragraph by
//! [`QuoteIndex::find`], and only in paragraphs that contain it; a run that no paragraph
//! contains is not found.
//!
//! The oracle is deliberately simple: the paragraphs are built from lowercase words,
//! straight or curly quotes, and single dashes separated by whitespace, so "contains"
//! is substring search after mapping each quote and dash to one form and collapsing
//! whitespace, where the match neither starts nor ends inside a word (quotes match whole
//! words since issue 9: "the a" is not in "the article").

use explainer::cite::{QuoteIndex, QuoteMatch};
use proptest::prelude::*;

const VOCAB: &[&str] = &[
    "the",
    "a",
    "of",
    "to",
    "and",
    "not",
    "may",
    "shall",
    "state",
    "party",
    "parties",
    "data",
    "access",
    "law",
    "order",
    "court",
    "review",
    "rights",
    "human",
    "intent",
    "criminal",
    "broad",
    "scope",
    "article",
    "articles",
    "powers",
    "search",
    "seize",
    "store",
    "share",
    "safeguards",
    "letter",
    "text",
    "treaty",
    "convention",
    "security",
    "research",
];

/// One token as written in a neutral form: `'` for any single quote, `"` for any double
/// quote, `-` for any dash. Variation picks the concrete characters later.
fn token() -> impl Strategy<Value = String> {
    let word = || prop::sample::select(VOCAB).prop_map(str::to_string);
    prop_oneof![
        8 => word(),
        1 => word().prop_map(|w| format!("{w}'s")),
        1 => word().prop_map(|w| format!("\"{w}\"")),
        1 => word().prop_map(|w| format!("'{w}'")),
        1 => (word(), word()).prop_map(|(a, b)| format!("{a}-{b}")),
        1 => Just("-".to_string()),
        1 => word().prop_map(|w| format!("{w},")),
        1 => word().prop_map(|w| format!("{w}.")),
        1 => (1u8..=99).prop_map(|n| format!("{n}")),
    ]
}

fn paragraphs() -> impl Strategy<Value = Vec<Vec<String>>> {
    prop::collection::vec(prop::collection::vec(token(), 3..25), 1..6)
}

/// A cursor over random choices.
struct Choices<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Choices<'_> {
    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        let b = self.bytes[self.at % self.bytes.len()];
        self.at += 1;
        from[b as usize % from.len()]
    }
}

/// Writes tokens with varied whitespace between them and varied quote and dash characters.
fn vary(tokens: &[String], choices: &mut Choices<'_>) -> String {
    let mut out = String::new();
    for (k, t) in tokens.iter().enumerate() {
        if k > 0 {
            out.push_str(choices.pick(&[" ", " ", "  ", "\n", " \n  ", "\t", "\u{a0}"]));
        }
        for c in t.chars() {
            match c {
                '"' => out.push(choices.pick(&['"', '\u{201c}', '\u{201d}'])),
                '\'' => out.push(choices.pick(&['\'', '\u{2018}', '\u{2019}'])),
                '-' => out.push(choices.pick(&['-', '\u{2013}', '\u{2014}'])),
                c => out.push(c),
            }
        }
    }
    out
}

/// The oracle's canonical form: one kind of each quote and dash, whitespace collapsed.
fn canon(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| match c {
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{2013}' | '\u{2014}' => '-',
            c => c,
        })
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `needle` stands in `hay` without starting or ending inside a word.
fn contains_whole(hay: &str, needle: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let (starts_word, ends_word) = (
        word(needle.chars().next()),
        word(needle.chars().next_back()),
    );
    // Every place it stands, overlapping ones too ("article, a" in "article, article, a").
    (0..hay.len())
        .filter(|&i| hay.is_char_boundary(i) && hay[i..].starts_with(needle))
        .any(|i| {
            let cut_before = starts_word && word(hay[..i].chars().next_back());
            let cut_after = ends_word && word(hay[i + needle.len()..].chars().next());
            !cut_before && !cut_after
        })
}

/// Which paragraphs contain the quote, by the oracle.
fn containing(sources: &[String], quote: &str) -> Vec<usize> {
    let q = canon(quote);
    (0..sources.len())
        .filter(|&i| contains_whole(&canon(&sources[i]), &q))
        .collect()
}

/// Checks `find` against the oracle: every paragraph it names contains the quote; if the
/// oracle finds none, neither does `find`; if it finds some, `find` finds `must` among them.
fn check_against_oracle(
    idx: &QuoteIndex,
    sources: &[String],
    quote: &str,
    must: Option<usize>,
) -> Result<(), TestCaseError> {
    let oracle = containing(sources, quote);
    let found = idx.find(quote);
    match &found {
        QuoteMatch::Unique(k) => {
            prop_assert!(
                oracle.contains(k),
                "{quote:?} found in ¶{k}, which lacks it"
            );
            if let Some(m) = must {
                prop_assert_eq!(*k, m, "{:?} found in the wrong paragraph", quote);
            }
        }
        QuoteMatch::Ambiguous(ks) => {
            prop_assert!(ks.len() >= 2, "ambiguous with {ks:?}");
            prop_assert!(
                ks.iter().all(|k| oracle.contains(k)),
                "{quote:?} found in {ks:?}; only {oracle:?} contain it"
            );
            if let Some(m) = must {
                prop_assert!(ks.contains(&m), "{quote:?}: ¶{m} missing from {ks:?}");
            }
        }
        QuoteMatch::NotFound(_) => {
            prop_assert!(
                oracle.is_empty(),
                "{quote:?} not found, but {oracle:?} contain it"
            );
        }
    }
    if oracle.len() == 1 && must.is_some() {
        prop_assert_eq!(found, QuoteMatch::Unique(oracle[0]));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_run_of_words_is_found_in_its_paragraph(
        paras in paragraphs(),
        pick in any::<(usize, usize, usize)>(),
        source_choices in prop::collection::vec(any::<u8>(), 16..64),
        quote_choices in prop::collection::vec(any::<u8>(), 16..64),
    ) {
        let mut sc = Choices { bytes: &source_choices, at: 0 };
        let sources: Vec<String> = paras.iter().map(|p| vary(p, &mut sc)).collect();
        let i = pick.0 % paras.len();
        let p = &paras[i];
        let start = pick.1 % p.len();
        let len = 1 + pick.2 % (p.len() - start);
        let run = &p[start..start + len];
        let quote = vary(run, &mut Choices { bytes: &quote_choices, at: 0 });

        let idx = QuoteIndex::new(&sources);
        prop_assert_eq!(idx.len(), sources.len());
        prop_assert!(containing(&sources, &quote).contains(&i), "oracle self-check");
        prop_assert!(idx.paragraph_contains(i, &quote), "¶{} should contain {:?}", i, quote);
        check_against_oracle(&idx, &sources, &quote, Some(i))?;
        // Leading and trailing whitespace in the quote do not matter.
        let padded = format!(" \n {quote}\t ");
        prop_assert_eq!(idx.find(&padded), idx.find(&quote));
    }

    #[test]
    fn a_run_no_paragraph_contains_is_not_found(
        paras in paragraphs(),
        pick in any::<(usize, usize, usize, usize)>(),
        source_choices in prop::collection::vec(any::<u8>(), 16..64),
        quote_choices in prop::collection::vec(any::<u8>(), 16..64),
    ) {
        let mut sc = Choices { bytes: &source_choices, at: 0 };
        let sources: Vec<String> = paras.iter().map(|p| vary(p, &mut sc)).collect();
        let idx = QuoteIndex::new(&sources);
        let i = pick.0 % paras.len();
        let p = &paras[i];

        // 1. A run with one word changed to capitals: never in any paragraph (the
        //    paragraphs have no capitals), and the help says it differs only in case.
        let start = pick.1 % p.len();
        let len = 1 + pick.2 % (p.len() - start);
        let mut run: Vec<String> = p[start..start + len].to_vec();
        if let Some(w) = run.iter_mut().find(|w| w.chars().any(|c| c.is_ascii_lowercase())) {
            *w = w.to_uppercase();
            let quote = vary(&run, &mut Choices { bytes: &quote_choices, at: 0 });
            prop_assert!(containing(&sources, &quote).is_empty());
            match idx.find(&quote) {
                QuoteMatch::NotFound(Some(c)) => {
                    prop_assert!(c.case_only, "{:?}: the closest passage should differ only in case", quote);
                    prop_assert!(
                        canon(&sources[c.paragraph]).to_lowercase().contains(&canon(&quote).to_lowercase())
                    );
                }
                other => prop_assert!(false, "{:?} in capitals should not be found: {:?}", quote, other),
            }
        }

        // 2. The end of one paragraph joined to the start of the next: found only where a
        //    single paragraph really holds those words.
        if paras.len() > 1 {
            let j = (i + 1) % paras.len();
            let tail = 1 + pick.1 % paras[i].len();
            let head = 1 + pick.3 % paras[j].len();
            let mut spliced: Vec<String> = paras[i][paras[i].len() - tail..].to_vec();
            spliced.extend_from_slice(&paras[j][..head]);
            let quote = vary(&spliced, &mut Choices { bytes: &quote_choices, at: 3 });
            check_against_oracle(&idx, &sources, &quote, None)?;
            if containing(&sources, &quote).is_empty() {
                prop_assert!(matches!(idx.find(&quote), QuoteMatch::NotFound(_)));
            }
        }

        // 3. A run with a word left out of its middle.
        if len >= 3 {
            let mut gapped: Vec<String> = p[start..start + len].to_vec();
            gapped.remove(len / 2);
            let quote = vary(&gapped, &mut Choices { bytes: &quote_choices, at: 5 });
            check_against_oracle(&idx, &sources, &quote, None)?;
        }
    }
}
