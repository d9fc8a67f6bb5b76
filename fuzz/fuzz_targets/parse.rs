//! Fuzzes the parse stage: front matter, Markdown and citations of one page, resolved
//! against a fixed home page, a fixed source and a bibliography. The input is the page;
//! after a NUL byte, the rest is `references.yaml` (else a fixed one). Any input must
//! give pages or diagnostics, never a panic.

#![no_main]

use explainer::config::Config;
use explainer::load::SourceFile;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

const CONFIG: &str = "title = \"Fuzz\"\nbase_url = \"https://example.org/sub/\"\n";
const HOME: &str = "---\ntitle: Home\n---\nSee [the page](concerns/page.md).\n";
const SOURCE: &str = "---\ntitle: A letter\nkind: letter\n---\n\nDear Committee,\n\nWe write about the \u{201c}draft convention\u{201d} \u{2014} it is too broad.\n\n- First, it lacks safeguards.\n- Second, it lacks *human rights* safeguards.\n\nSincerely.\n";

const REFERENCES: &str = "un-text:\n  title: The Convention\n  publisher: United Nations\n  date: 2024-12\n  url: https://undocs.org/A/RES/79/243\n";

fuzz_target!(|data: &[u8]| {
    let (page, bib) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], String::from_utf8_lossy(&data[i + 1..]).into_owned()),
        None => (data, REFERENCES.to_string()),
    };
    let text = String::from_utf8_lossy(page).into_owned();
    let (bibliography, _bib_diags) =
        explainer::bibliography::parse(&[explainer::bibliography::BibliographyFile {
            display: "content/references.yaml".into(),
            text: bib,
        }]);
    let Ok(config) = Config::parse(CONFIG) else {
        return;
    };
    let files = vec![
        SourceFile::from_text("_index.md", HOME.to_string()),
        SourceFile::from_text("sources/letter.md", SOURCE.to_string()),
        SourceFile::from_text("concerns/page.md", text),
    ];
    let parsed = explainer::parse::run(files, &[], &config, None);
    let (pages, broken) = (parsed.pages, parsed.broken);
    let absent: HashMap<String, explainer::resolve::Absence> = broken
        .into_iter()
        .map(|rel| (rel, explainer::resolve::Absence::Broken))
        .collect();
    let resolved = explainer::resolve::resolve(config, pages, vec![], bibliography, &absent);
    for d in &resolved.diagnostics {
        let _ = d.to_string();
    }
});
