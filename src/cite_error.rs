//! Why a citation item found nothing to point to. Resolve decides *that* a citation fails
//! and hands back one [`CiteError`] value with the facts of the failure; the words an
//! editor reads (the message, and the help line that says how to fix it) are made from
//! that value here, in one place, so the build, `check` and the language server say the
//! same thing.

use crate::cite::Closest;

/// A citation item that did not resolve, with what is known about why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CiteError {
    /// `[@id, art. 7]` where `id` is a full-text source, which is cited by paragraph.
    LocatorOnSource { id: String },
    /// No source and no bibliography entry has this id.
    UnknownId {
        id: String,
        /// The known ids close to it (a few edits away), nearest first; `None` when not
        /// worked out (past the per-file cap of shown errors).
        closest: Option<Vec<String>>,
        /// Whether the site has anything to cite at all.
        any_known: bool,
        /// The folder of the full-text sources, for the help line.
        source_folder: String,
    },
    /// A quote from a bibliography entry, whose text the build does not have.
    QuoteOfEntry { id: String, source_folder: String },
    /// `#pN` on a bibliography entry, which has no numbered paragraphs.
    ParagraphOfEntry { id: String },
    /// `#pN` past the source's last paragraph.
    NoSuchParagraph { id: String, n: usize, count: usize },
    /// `#pN "words"` where paragraph N does not hold the words.
    NotInParagraph {
        id: String,
        n: usize,
        quote: String,
        /// The one paragraph (1-based) that does hold them, if there is exactly one.
        found_in: Option<usize>,
    },
    /// A quote that more than one paragraph holds.
    Ambiguous {
        id: String,
        quote: String,
        /// The paragraphs (0-based) that hold it, in order; never empty.
        hits: Vec<usize>,
    },
    /// A quote no paragraph holds, with the closest passage if one comes close.
    NotFound {
        id: String,
        quote: String,
        closest: Option<Closest>,
    },
}

impl CiteError {
    /// What is wrong, in one sentence.
    pub fn message(&self) -> String {
        match self {
            CiteError::LocatorOnSource { id } => format!(
                "`{id}` is a full-text source: cite it by paragraph or by its words, not with a locator"
            ),
            CiteError::UnknownId { id, .. } => format!("unknown id `{id}`"),
            CiteError::QuoteOfEntry { id, .. } => {
                format!("`{id}` is a bibliography entry, so a quote from it cannot be checked")
            }
            CiteError::ParagraphOfEntry { id } => {
                format!("`{id}` is a bibliography entry, which has no numbered paragraphs")
            }
            CiteError::NoSuchParagraph { id, n, count } => {
                format!("`{id}` has {count} paragraphs, so there is no ¶{n}")
            }
            CiteError::NotInParagraph { id, n, quote, .. } => {
                format!("¶{n} of `{id}` does not contain “{quote}”")
            }
            CiteError::Ambiguous { id, quote, hits } => {
                // At most ten are named: a quote of common words may be in thousands.
                let mut list: Vec<String> = hits
                    .iter()
                    .take(10)
                    .map(|h| format!("¶{}", h + 1))
                    .collect();
                if hits.len() > 10 {
                    list.push(format!("and {} more", hits.len() - 10));
                }
                format!(
                    "the quote “{quote}” is in {} paragraphs of `{id}`: {}",
                    hits.len(),
                    list.join(", ")
                )
            }
            CiteError::NotFound { id, quote, .. } => {
                format!("the quote “{quote}” is not in `{id}`")
            }
        }
    }

    /// How to fix it (empty when it was not worked out).
    pub fn help(&self) -> String {
        match self {
            CiteError::LocatorOnSource { id } => {
                format!("write [@{id}#p3] or [@{id} \"exact words\"]")
            }
            CiteError::UnknownId {
                closest,
                source_folder,
                any_known,
                ..
            } => match closest.as_deref() {
                None => String::new(),
                Some([]) if !any_known => format!(
                    "there is nothing to cite yet: add a source to content/{source_folder}/ or an entry to content/references.yaml"
                ),
                Some([]) => format!(
                    "no known id is close to it; sources are the files in content/{source_folder}/ (the id is the file's name without .md), other works are in content/references.yaml"
                ),
                Some(close) => format!(
                    "the closest ids are: {}; sources are the files in content/{source_folder}/, other works are in content/references.yaml",
                    close.join(", ")
                ),
            },
            CiteError::QuoteOfEntry { id, source_folder } => format!(
                "quotes can only be checked against full-text sources in content/{source_folder}/; cite the entry without the quote, [@{id}], or with a locator, [@{id}, art. 7]"
            ),
            CiteError::ParagraphOfEntry { id } => {
                format!("name the place with a locator after a comma: [@{id}, art. 7(2)]")
            }
            CiteError::NoSuchParagraph { id, count, .. } => {
                format!("cite a paragraph from #p1 to #p{count}, or quote its words: [@{id} \"…\"]")
            }
            CiteError::NotInParagraph {
                id,
                n,
                quote,
                found_in,
            } => match found_in {
                Some(k) => {
                    format!("the words are in ¶{k}: write [@{id}#p{k} \"{quote}\"] or drop `#p{n}`")
                }
                None => {
                    format!(
                        "quote whole words that ¶{n} contains, exactly as the source writes them"
                    )
                }
            },
            CiteError::Ambiguous { id, quote, hits } => format!(
                "quote more words, so that only one paragraph holds them, or name the paragraph: [@{id}#p{} \"{quote}\"]",
                hits.first().map_or(1, |h| h + 1)
            ),
            CiteError::NotFound { closest, .. } => not_found_help(closest.as_ref()),
        }
    }
}

/// The help for a quote no paragraph holds: the best paragraph and how it differs, or
/// that nothing comes close.
fn not_found_help(closest: Option<&Closest>) -> String {
    match closest {
        Some(c) if c.case_only => format!(
            "¶{} has these words with other capitals: “{}”; quotes are case-sensitive",
            c.paragraph + 1,
            c.passage
        ),
        Some(c) => {
            let mut h = format!(
                "the closest passage is ¶{} (it shares {} words in a row with the quote; words that differ are marked «»): “{}”",
                c.paragraph + 1,
                c.shared_run,
                c.passage
            );
            if let Some((has, wrote)) = &c.difference {
                h.push_str(&format!("\nthe source has “{has}” where the quote has “{wrote}”"));
            }
            h
        }
        None => "nothing in the source comes close: no paragraph shares three words in a row with the quote; copy the words from the source page (whole words; `...` skips words within one paragraph)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ambiguous_quote_names_at_most_ten_paragraphs() {
        let e = CiteError::Ambiguous {
            id: "letter".into(),
            quote: "the".into(),
            hits: (0..12).collect(),
        };
        assert_eq!(
            e.message(),
            "the quote “the” is in 12 paragraphs of `letter`: ¶1, ¶2, ¶3, ¶4, ¶5, ¶6, ¶7, ¶8, ¶9, ¶10, and 2 more"
        );
        assert!(e.help().ends_with("[@letter#p1 \"the\"]"), "{}", e.help());
    }

    #[test]
    fn an_unknown_id_suggests_only_what_was_worked_out() {
        let unknown = |closest, any_known| CiteError::UnknownId {
            id: "x".into(),
            closest,
            any_known,
            source_folder: "sources".into(),
        };
        assert_eq!(unknown(None, true).help(), "");
        assert!(
            unknown(Some(vec![]), false)
                .help()
                .starts_with("there is nothing")
        );
        assert!(
            unknown(Some(vec![]), true)
                .help()
                .starts_with("no known id is close")
        );
        assert!(
            unknown(Some(vec!["a".into(), "b".into()]), true)
                .help()
                .starts_with("the closest ids are: a, b;")
        );
    }
}
