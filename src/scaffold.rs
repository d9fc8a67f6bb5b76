//! `explainer new`: a small starter site that builds cleanly and shows every feature an
//! editor needs — a source, a cited claim, a section and a link between pages.

use std::path::Path;

const FILES: &[(&str, &str)] = &[
    (
        "explainer.toml",
        "title = \"My explainer\"\nbase_url = \"https://example.org/\"\nlanguage = \"en\"\ndescription = \"What a document says, and why it matters.\"\n\n# Each folder of content/ and the role it plays: topics make claims and cite sources;\n# subjects are what the topics discuss; sources are full-text documents whose\n# paragraphs can be quoted; background pages are listed in the navigation.\n[sections]\nconcerns = \"topic\"\nsources = \"source\"\n",
    ),
    (
        "content/_index.md",
        "---\ntitle: My explainer\nsummary: What a document says, and why it matters.\n---\n\nThis site explains [a letter](sources/example-letter.md) and the [concerns](concerns/_index.md) it raises.\n",
    ),
    (
        "content/concerns/_index.md",
        "---\ntitle: Concerns\nsummary: The concerns the letter raises.\n---\n\nEach page explains one concern and cites the passage it comes from.\n",
    ),
    (
        "content/concerns/example.md",
        "---\ntitle: An example concern\nsummary: A concern, cited to the exact words of the letter.\nweight: 1\n---\n\nThe writers worry that the rules are too broad [@example-letter \"the rules are too broad\"].\n\n## What they ask for\n\nThey ask for a narrower text [@example-letter#p3].\n\n## Background\n\nA claim about a work without full text on the site cites the bibliography, with an optional locator [@example-report, p. 4].\n",
    ),
    (
        "content/references.yaml",
        "# Works cited without their full text: cite them as [@id] or [@id, p. 4].\nexample-report:\n  title: An example report\n  publisher: Example Institute\n  date: 2024-02\n  url: https://example.org/report\n  kind: analysis\n",
    ),
    (
        "content/sources/_index.md",
        "---\ntitle: Sources\nsummary: The documents this site explains.\n---\n\nThe documents, word for word.\n",
    ),
    (
        "content/sources/example-letter.md",
        "---\ntitle: An example letter\nshort_title: Example letter\nsummary: The letter this starter site explains.\nkind: letter\ndate: 2024-01-01\nauthors: [A. Writer]\n---\n\nDear reader,\n\nWe are concerned that the rules are too broad.\n\nWe ask for a narrower text. See [the concern](../concerns/example.md).\n\nSincerely,\n",
    ),
];

/// Writes a starter site into `dir`, which must not exist or be empty.
pub fn new_site(dir: &Path) -> Result<(), String> {
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!(
            "{} already exists and is not empty; choose a new folder",
            dir.display()
        ));
    }
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
