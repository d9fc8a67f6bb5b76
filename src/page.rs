//! The page model: one content file after parsing — where it lives, its URL, its front
//! matter and its parsed body — and the rule that maps a file's path to its URL.

use crate::cite::CitationItem;
use crate::config::Role;
use crate::diagnostic::{Diagnostic, Position};
use crate::frontmatter::FrontMatter;
use std::hash::{DefaultHasher, Hash, Hasher};
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
    /// A hash of what other pages show of this one ([`Page::shown`]), computed once
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

    /// What other pages may show of a page, or check against it: its address, titles,
    /// summary, dates, headings, whether it has references, and (for a source) its paragraphs.
    pub fn shown(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (
            &self.rel,
            &self.url,
            &self.meta.title,
            &self.meta.short_title,
        )
            .hash(&mut h);
        (
            self.summary(),
            &self.meta.date,
            &self.meta.updated,
            self.is_index,
        )
            .hash(&mut h);
        // `#references` exists only on a page that cites.
        self.body.citations.is_empty().hash(&mut h);
        for x in &self.body.headings {
            (x.level, &x.id, &x.text).hash(&mut h);
        }
        for p in &self.body.paragraphs {
            p.text.hash(&mut h);
        }
        h.finish()
    }

    /// The summary: front matter `summary`, else the first paragraph.
    pub fn summary(&self) -> Option<&str> {
        self.meta
            .summary
            .as_deref()
            .or(self.body.first_paragraph.as_deref())
    }
}

/// A piece of a page's body: finished HTML, or a hole the render stage fills.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Finished HTML.
    Html(String),
    /// The citation bracket with this index in [`ParsedBody::citations`].
    Citation(usize),
    /// The "Cited by" list of source paragraph N.
    CitedBy(usize),
}

/// A heading of the page, for the table of contents and anchor checks.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The `id` the heading gets in the HTML.
    pub id: String,
    /// The heading's plain text.
    pub text: String,
}

/// A link from this page to a content file (or to an anchor of this page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentLink {
    /// The target's path relative to `content/` (`articles/article-28.md`); this page's own for `#x`.
    pub target: String,
    /// The `#fragment`, if any.
    pub fragment: Option<String>,
    /// Where the link starts.
    pub position: Position,
    /// The URL as the editor wrote it.
    pub written: String,
}

/// A link or image to a non-Markdown file in `content/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetLink {
    /// The file's path relative to `content/`.
    pub target: String,
    /// Where the link starts.
    pub position: Position,
    /// The URL as the editor wrote it.
    pub written: String,
}

/// One item of a citation bracket, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitationUse {
    /// What was cited.
    pub item: CitationItem,
    /// Where the item's `@` is.
    pub position: Position,
}

/// A numbered paragraph (or list item) of a source.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SourceParagraph {
    /// 1-based, in reading order.
    pub number: usize,
    /// Its plain text (markup removed), as readers see it.
    pub text: String,
}

/// Everything the parse stage learns from one page's body.
#[derive(Clone, Debug, Default)]
pub struct ParsedBody {
    /// The body's HTML, with holes.
    pub parts: Vec<Part>,
    /// Every heading, in order.
    pub headings: Vec<Heading>,
    /// Links to content files.
    pub links: Vec<ContentLink>,
    /// Links and images to other files in `content/`.
    pub assets: Vec<AssetLink>,
    /// Links and images by a path from the site's root (`/concerns/`); `target` is the
    /// path as written, checked against the site's output once it is known.
    pub root_links: Vec<AssetLink>,
    /// Citation brackets, in order; each holds one or more items.
    pub citations: Vec<Vec<CitationUse>>,
    /// Numbered paragraphs (sources only).
    pub paragraphs: Vec<SourceParagraph>,
    /// Top-level prose paragraphs with neither a citation nor a link.
    pub bare_prose: Vec<Position>,
    /// The first paragraph's plain text, a fallback summary.
    pub first_paragraph: Option<String>,
    /// Problems found while parsing.
    pub diagnostics: Vec<Diagnostic>,
}
