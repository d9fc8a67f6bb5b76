//! Fuzzes the citation syntax and the quote matcher: finding brackets in any text,
//! reading the items of one, and looking a quote (with `...`) up in a fixed source.

#![no_main]

use explainer::cite::{QuoteIndex, find_citations, normalise, parse_items};
use libfuzzer_sys::fuzz_target;

const PARAGRAPHS: &[&str] = &[
    "Dear Committee,",
    "We write about the \u{201c}draft convention\u{201d} \u{2014} it is too broad.",
    "The treaty\u{2019}s Articles 7\u{2013}10 do not require criminal intent.",
    "First, it lacks safeguards for human rights.",
    "Second, it lacks safeguards for journalists.",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for found in find_citations(text) {
        assert!(found.range.start < found.range.end && found.range.end <= text.len());
        assert!(text.is_char_boundary(found.range.start) && text.is_char_boundary(found.range.end));
        if let Ok(items) = found.items {
            let index = QuoteIndex::new(PARAGRAPHS);
            for item in items {
                if let Some(q) = &item.quote {
                    let _ = index.find(q);
                    let _ = index.paragraph_contains(item.paragraph.unwrap_or(1) - 1, q);
                }
            }
        }
    }
    let _ = parse_items(text);
    let _ = normalise(text);
    let _ = QuoteIndex::new(PARAGRAPHS).find(text);
});
