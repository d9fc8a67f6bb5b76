//! Passages of the full-text sources, in the source's own words: the passages that hold
//! some words (for `explainer cite` and the editor's quote completion), and the exact
//! words of the passage closest to a quote that is not found (for the editor's "replace
//! with the source's words"). It reads the resolved [`Site`]; the matching is the quote
//! matcher's ([`crate::cite`]), so what it offers is what the build accepts.

use crate::cite::{self, QuoteIndex, QuoteMatch};
use crate::resolve::Site;

/// A passage of a source: where it is and its words, as the source writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    /// The source's id (its file name without `.md`).
    pub source: String,
    /// The 1-based paragraph number.
    pub paragraph: usize,
    /// The words, exactly as the source has them.
    pub words: String,
}

impl Passage {
    /// The citation to paste: `[@id#pN "words"]`.
    pub fn citation(&self) -> String {
        format!("[@{}#p{} \"{}\"]", self.source, self.paragraph, self.words)
    }
}

/// The page index of the full-text source with this id.
pub fn source_page(site: &Site, id: &str) -> Option<usize> {
    site.pages
        .iter()
        .position(|p| p.is_source() && p.slug == id)
}

/// Every full-text source page, in path order.
pub fn source_pages(site: &Site) -> impl Iterator<Item = usize> + '_ {
    (0..site.pages.len()).filter(|&i| site.pages[i].is_source())
}

/// Where `typed` (normalised, the last word perhaps unfinished) starts in `paragraph`
/// (normalised) on a word boundary: the index of the word it starts in, and how many
/// characters of that word come before it.
fn start_in(paragraph: &str, typed: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = paragraph.get(from..)?.find(typed) {
        let at = from + i;
        let before = paragraph[..at].chars().next_back();
        let starts_word = typed.chars().next().is_some_and(char::is_alphanumeric);
        if !(starts_word && before.is_some_and(char::is_alphanumeric)) {
            let word = paragraph[..at].matches(' ').count();
            let word_start = paragraph[..at].rfind(' ').map_or(0, |k| k + 1);
            return Some((word, paragraph[word_start..at].chars().count()));
        }
        from = at + paragraph[at..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// The passages of paragraph `number` (1-based) of `page` that begin where `typed`
/// stands: up to the end of its clause and of its sentence.
fn passages_in(site: &Site, page: usize, number: usize, typed: &str) -> Vec<Passage> {
    let p = &site.pages[page];
    let Some(para) = p.body.paragraphs.get(number - 1) else {
        return vec![];
    };
    let norm = cite::normalise(&para.text);
    let Some((word, skip)) = start_in(&norm, typed) else {
        return vec![];
    };
    let raw: Vec<&str> = para.text.split_whitespace().collect();
    let Some(first) = raw.get(word) else {
        return vec![];
    };
    let first: String = first.chars().skip(skip).collect();
    let typed_words = typed.split(' ').count();
    let mut out: Vec<Passage> = vec![];
    let mut words = vec![first];
    for (k, w) in raw.iter().enumerate().skip(word) {
        if k > word {
            words.push(w.to_string());
        }
        let ends_clause = w.ends_with([',', ';', ':']);
        let ends_sentence = w.ends_with(['.', '!', '?']) || k + 1 == raw.len();
        if words.len() >= typed_words && (ends_clause || ends_sentence) {
            let text = words.join(" ");
            let text = text.trim_end_matches([',', ';', ':', '.']).to_string();
            if !out.iter().any(|o| o.words == text) {
                out.push(Passage {
                    source: p.slug.clone(),
                    paragraph: number,
                    words: text,
                });
            }
        }
        if ends_sentence && words.len() >= typed_words || out.len() >= 2 {
            break;
        }
    }
    out
}

/// The passages of source `page` (or of its paragraph `paragraph`) that begin with or
/// contain the words typed so far, in the source's words, at most `max`.
pub fn completions(
    site: &Site,
    page: usize,
    paragraph: Option<usize>,
    typed: &str,
    max: usize,
) -> Vec<Passage> {
    let typed = cite::normalise(typed);
    let count = site.pages[page].body.paragraphs.len();
    let numbers: Vec<usize> = match paragraph {
        Some(n) if (1..=count).contains(&n) => vec![n],
        Some(_) => vec![],
        None => (1..=count).collect(),
    };
    let mut out = vec![];
    for n in numbers {
        out.extend(passages_in(site, page, n, &typed));
        if out.len() >= max {
            break;
        }
    }
    out.truncate(max);
    out
}

/// The exact words of paragraph `number` of `page` whose normalised form is `window`.
fn exact(site: &Site, page: usize, number: usize, window: &str) -> Option<String> {
    let para = site.pages[page].body.paragraphs.get(number - 1)?;
    let raw: Vec<&str> = para.text.split_whitespace().collect();
    let n = window.split(' ').count();
    (0..raw.len().saturating_sub(n - 1))
        .map(|j| raw[j..j + n].join(" "))
        .find(|w| cite::normalise(w) == window)
}

/// For a quote of `page` that no paragraph holds: the closest passage, in the source's
/// exact words, with its paragraph number; `None` if the quote is found or nothing is
/// close.
pub fn closest(site: &Site, page: usize, quote: &str) -> Option<Passage> {
    let p = &site.pages[page];
    let texts: Vec<&str> = p.body.paragraphs.iter().map(|x| x.text.as_str()).collect();
    let QuoteMatch::NotFound(Some(c)) = QuoteIndex::new(&texts).find(quote) else {
        return None;
    };
    let window = c.passage.replace(['«', '»'], "");
    let words = exact(site, page, c.paragraph + 1, &window)?;
    Some(Passage {
        source: p.slug.clone(),
        paragraph: c.paragraph + 1,
        words: words.trim_end_matches([',', ';', ':', '.']).to_string(),
    })
}

/// What `explainer cite WORDS…` prints: a ready-to-paste citation for each passage of
/// any source that holds the words, or that none does and which passage comes closest.
pub fn cite_report(site: &Site, words: &str) -> (bool, String) {
    let mut hits = vec![];
    for page in source_pages(site) {
        let texts: Vec<&str> = site.pages[page]
            .body
            .paragraphs
            .iter()
            .map(|x| x.text.as_str())
            .collect();
        let index = QuoteIndex::new(&texts);
        for n in 0..index.len() {
            if index.paragraph_contains(n, words)
                && let Some(w) = exact(site, page, n + 1, &cite::normalise(words))
            {
                hits.push(Passage {
                    source: site.pages[page].slug.clone(),
                    paragraph: n + 1,
                    words: w,
                });
            }
        }
    }
    if !hits.is_empty() {
        let lines: Vec<String> = hits
            .iter()
            .map(|h| format!("¶{}  {}", h.paragraph, h.citation()))
            .collect();
        return (true, lines.join("\n") + "\n");
    }
    let best = source_pages(site)
        .filter_map(|page| closest(site, page, words))
        .max_by_key(|p| shared_words(&p.words, words));
    let mut out = format!("no source has the words “{words}”\n");
    match best {
        Some(p) => out.push_str(&format!(
            "the closest passage is ¶{} of {}: “{}”\n  {}\n",
            p.paragraph,
            p.source,
            p.words,
            p.citation()
        )),
        None => out.push_str("no passage shares three words in a row with them\n"),
    }
    (false, out)
}

/// How many of `b`'s words `a` has (a rough closeness, to pick among sources).
fn shared_words(a: &str, b: &str) -> usize {
    let a: std::collections::HashSet<String> =
        a.split_whitespace().map(|w| w.to_lowercase()).collect();
    b.split_whitespace()
        .filter(|w| a.contains(&w.to_lowercase()))
        .count()
}
