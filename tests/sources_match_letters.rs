//! The sources are the letters, word for word: each source page's paragraphs and headings,
//! in order, equal the letter's (tests/data/letters/, copies of ../shared/seeds/), with only
//! whitespace, quote marks and dashes normalised, and the paragraphs that the original split
//! at a page break joined again. The letterhead, recipients and signatories in front matter
//! are checked against the letter too.

use explainer::cite::normalise;
use explainer::page::Page;
use std::path::Path;

/// A block of the original letter.
#[derive(Debug, PartialEq)]
enum Block {
    Heading(String),
    Paragraph(String),
}

/// Removes the Markdown the seed files carry: `### `, `- `, `**`, `*`, and `[text](url)`.
fn strip_markup(s: &str) -> String {
    let mut t = s.trim().to_string();
    for prefix in ["### ", "- "] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.to_string();
        }
    }
    t = t.replace("**", "").replace('*', "");
    // [text](target) -> text
    let mut out = String::new();
    let mut rest = t.as_str();
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    normalise(&out)
}

/// The letter's blocks from the salutation to "Sincerely,", with page-break splits joined.
fn letter_blocks(text: &str) -> Vec<Block> {
    let mut raw: Vec<String> = vec![];
    let mut current = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.trim().is_empty() {
                raw.push(std::mem::take(&mut current));
            }
            current.clear();
        } else {
            // Each list item is a block of its own, even without a blank line before it.
            if line.starts_with("- ") && !current.trim().is_empty() {
                raw.push(std::mem::take(&mut current));
            }
            current.push_str(line);
            current.push('\n');
        }
    }
    if !current.trim().is_empty() {
        raw.push(current);
    }
    let start = raw
        .iter()
        .position(|b| b.starts_with("Dear "))
        .expect("a salutation");
    let end = raw
        .iter()
        .position(|b| b.trim() == "Sincerely,")
        .expect("a closing");
    let mut blocks: Vec<Block> = vec![];
    for b in &raw[start..=end] {
        let is_heading = b.starts_with("### ");
        let text = strip_markup(b);
        // A paragraph the page break cut: it ends mid-sentence and the next starts lower-case.
        if let Some(Block::Paragraph(prev)) = blocks.last_mut()
            && !prev.ends_with(['.', ':', '"', '\u{201d}', '?', '!'])
            && text.starts_with(|c: char| c.is_lowercase())
        {
            prev.push(' ');
            prev.push_str(&text);
            continue;
        }
        blocks.push(if is_heading {
            Block::Heading(text)
        } else {
            Block::Paragraph(text)
        });
    }
    blocks
}

fn site() -> explainer::resolve::Site {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (site, _) =
        explainer::load_site(&explainer::BuildOptions::new(root)).expect("the real site builds");
    site
}

fn source_page<'a>(site: &'a explainer::resolve::Site, id: &str) -> &'a Page {
    &site.pages[site
        .page(&format!("sources/{id}.md"))
        .expect("the source exists")
        .index()]
}

fn check_letter(id: &str) {
    let site = site();
    let letter = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/letters/{id}.txt")),
    )
    .unwrap();
    let expected = letter_blocks(&letter);
    let page = source_page(&site, id);

    let want_paragraphs: Vec<&str> = expected
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.as_str()),
            Block::Heading(_) => None,
        })
        .collect();
    let got_paragraphs: Vec<String> = page
        .body
        .paragraphs
        .iter()
        .map(|p| normalise(&p.text))
        .collect();
    assert_eq!(
        got_paragraphs.len(),
        want_paragraphs.len(),
        "{id}: number of paragraphs"
    );
    for (n, (got, want)) in got_paragraphs.iter().zip(&want_paragraphs).enumerate() {
        assert_eq!(got, want, "{id}: ¶{} differs from the letter", n + 1);
    }

    let want_headings: Vec<&str> = expected
        .iter()
        .filter_map(|b| match b {
            Block::Heading(h) => Some(h.as_str()),
            Block::Paragraph(_) => None,
        })
        .collect();
    let got_headings: Vec<String> = page
        .body
        .headings
        .iter()
        .map(|h| normalise(&h.text))
        .collect();
    assert_eq!(got_headings, want_headings, "{id}: headings");

    // Front matter shown as in the letter: letterhead, recipients and signatories.
    let flat = normalise(&letter);
    let meta = &page.meta;
    assert!(meta.kind.as_deref() == Some("letter"));
    for block in meta.recipients.iter().chain(meta.letterhead.iter()) {
        assert!(
            flat.contains(&normalise(block)),
            "{id}: `{block}` is not in the letter"
        );
    }
    assert!(
        !meta.recipients.is_empty() && !meta.signatories.is_empty(),
        "{id}: recipients and signatories"
    );
    for s in &meta.signatories {
        assert!(
            flat.contains(&normalise(&s.name)),
            "{id}: signatory `{}` is not in the letter",
            s.name
        );
        if let Some(role) = &s.role {
            assert!(
                flat.contains(&normalise(role)),
                "{id}: role `{role}` is not in the letter"
            );
        }
    }
}

#[test]
fn senators_letter_is_verbatim() {
    check_letter("senators-2024-10-29");
}

#[test]
fn siia_ccia_letter_is_verbatim() {
    check_letter("siia-ccia-2024-11-01");
}

#[test]
fn page_break_joining_is_what_the_comparison_does() {
    let blocks = letter_blocks(
        "Dear X,\n\nThe cat sat as currently\n\n \ndrafted, here.\n\n### **Head**\n\nNext.\n\nSincerely,\n",
    );
    assert_eq!(
        blocks,
        vec![
            Block::Paragraph("Dear X,".into()),
            Block::Paragraph("The cat sat as currently drafted, here.".into()),
            Block::Heading("Head".into()),
            Block::Paragraph("Next.".into()),
            Block::Paragraph("Sincerely,".into()),
        ]
    );
}
