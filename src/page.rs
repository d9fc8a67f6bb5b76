//! The page model: one content file after parsing — where it lives, its URL, its front
//! matter and its parsed body — and the rule that maps a file's path to its URL.

use crate::config::Role;
use crate::frontmatter::FrontMatter;
use crate::markdown::ParsedBody;
use std::path::PathBuf;

/// A shared handle to a parsed page: builds keep unchanged pages from the last build
/// without copying them.
pub type PageRef = std::sync::Arc<Page>;

/// A parsed content file.
#[derive(Clone, Debug)]
pub struct Page {
    /// Path relative to `content/` (`concerns/privacy.md`).
    pub rel: String,
    /// Path shown in diagnostics (`content/concerns/privacy.md`).
    pub file: PathBuf,
    /// The file's text, for diagnostics that show a source line.
    pub text: String,
    /// A hash of `text`, computed once at parse time (rebuilds compare it, not the text).
    pub text_hash: u64,
    /// A hash of what other pages show of this one ([`crate::reuse::face`]), computed once
    /// at parse time.
    pub face: u64,
    /// The site path (`/concerns/privacy/`), before any base-URL prefix.
    pub url: String,
    /// The folder it belongs to (`concerns`; empty at the top level).
    pub section: String,
    /// The last path segment without `.md` (`privacy`); a source's id.
    pub slug: String,
    /// Whether this is a section index (`_index.md`).
    pub is_index: bool,
    /// The role of its section in `explainer.toml` (`None` for pages outside them).
    pub role: Option<Role>,
    /// Its front matter.
    pub meta: FrontMatter,
    /// Its parsed body.
    pub body: ParsedBody,
}

impl Page {
    /// Whether this page is a source (a letter), whose paragraphs can be cited.
    pub fn is_source(&self) -> bool {
        !self.is_index && self.role == Some(Role::Source)
    }

    /// Whether this page plays `role` (section indexes play none).
    pub fn plays(&self, role: Role) -> bool {
        !self.is_index && self.role == Some(role)
    }

    /// The name used for this page in references: `short_title`, else `title`.
    pub fn short_title(&self) -> &str {
        self.meta.short_title.as_deref().unwrap_or(&self.meta.title)
    }

    /// The summary: front matter `summary`, else the first paragraph.
    pub fn summary(&self) -> Option<&str> {
        self.meta
            .summary
            .as_deref()
            .or(self.body.first_paragraph.as_deref())
    }
}

/// The section a file belongs to: its folder (`concerns`), empty at the top level.
pub fn section_of(rel: &str) -> String {
    rel.rsplit_once('/')
        .map(|(dir, _)| dir.to_string())
        .unwrap_or_default()
}

/// The site path of a content file: `concerns/privacy.md` → `/concerns/privacy/`,
/// `concerns/_index.md` → `/concerns/`, `_index.md` → `/`.
pub fn url_for(rel: &str) -> String {
    let without = rel.strip_suffix(".md").unwrap_or(rel);
    let path = match without.rsplit_once('/') {
        Some((dir, "_index")) => dir.to_string(),
        None if without == "_index" => String::new(),
        _ => without.to_string(),
    };
    if path.is_empty() {
        "/".to_string()
    } else {
        format!("/{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(url_for("_index.md"), "/");
        assert_eq!(url_for("concerns/_index.md"), "/concerns/");
        assert_eq!(url_for("concerns/privacy.md"), "/concerns/privacy/");
        assert_eq!(url_for("about.md"), "/about/");
        assert_eq!(section_of("concerns/privacy.md"), "concerns");
        assert_eq!(section_of("about.md"), "");
    }
}
