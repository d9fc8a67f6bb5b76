//! Hover: on a citation, the cited paragraph with the quoted words marked, or the
//! bibliography entry's title, publisher, date, URL and `checked` note; on a link, the
//! target page's title and summary. Markdown, as clients show it.

use super::context;
use super::navigation::{self, Cited};
use crate::cite::CitationItem;
use crate::resolve::Site;

/// The hover text for byte `at` of `line` in the content file `rel`, if there is any.
pub fn hover(site: &Site, rel: &str, line: &str, at: usize) -> Option<String> {
    if let Some((item, _)) = context::item_at(line, at) {
        return citation(site, &item);
    }
    let target = context::link_at(line, at)?;
    let place = navigation::link_target(site, rel, &line[target])?;
    let page = &site.pages[site.page(&place.rel)?.index()];
    let mut out = format!("**{}**", page.meta.title);
    if let Some(s) = page.summary() {
        out.push_str(&format!("\n\n{s}"));
    }
    Some(out)
}

/// The hover text for one citation item.
fn citation(site: &Site, item: &CitationItem) -> Option<String> {
    match navigation::cited(site, item)? {
        Cited::Source(page, para) => {
            let p = &site.pages[page];
            let mut out = format!("**{}**", p.meta.title);
            match para.and_then(|n| p.body.paragraphs.get(n - 1)) {
                Some(par) => {
                    out.push_str(&format!(" ¶{}\n\n", par.number));
                    out.push_str(&mark(&par.text, item.quote.as_deref()));
                }
                None => {
                    if let Some(s) = p.summary() {
                        out.push_str(&format!("\n\n{s}"));
                    }
                }
            }
            Some(out)
        }
        Cited::Entry(e) => {
            let e = &site.bibliography.entries[e];
            let mut out = format!("**{}**\n\n{}", e.title, e.publisher);
            if let Some(d) = &e.date {
                out.push_str(&format!(", {d}"));
            }
            out.push_str(&format!("\n\n<{}>", e.url));
            if let Some(c) = &e.checked {
                out.push_str(&format!("\n\nChecked: {c}"));
            }
            Some(out)
        }
    }
}

/// The paragraph's text with the quote's words (each part around `...`) in bold, where
/// they stand in it as written (whitespace aside).
pub fn mark(text: &str, quote: Option<&str>) -> String {
    let Some(quote) = quote else {
        return text.to_string();
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let mut from = 0;
    for part in quote.replace('\u{2026}', "...").split("...") {
        let want: Vec<String> = part
            .split_whitespace()
            .map(crate::cite::normalise)
            .collect();
        if want.is_empty() {
            continue;
        }
        let norm: Vec<String> = words.iter().map(|w| crate::cite::normalise(w)).collect();
        let found = (from..norm.len().saturating_sub(want.len() - 1)).find(|&j| {
            want.iter().enumerate().all(|(k, w)| {
                let have = &norm[j + k];
                have == w
                    || (k == 0 && have.ends_with(w.as_str()))
                    || (k + 1 == want.len() && have.starts_with(w.as_str()))
            })
        });
        if let Some(j) = found {
            out[j] = format!("**{}", out[j]);
            let last = j + want.len() - 1;
            out[last] = format!("{}**", out[last]);
            from = last + 1;
        }
    }
    out.join(" ")
}
