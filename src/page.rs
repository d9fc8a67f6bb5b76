//! The page model: one content file after parsing — where it lives, its URL, its front
//! matter and its parsed body — and the rule that maps a file's path to its URL.

use crate::cite::CitationItem;
use crate::config::Role;
use crate::diagnostic::{Diagnostic, Position};
use crate::frontmatter::FrontMatter;
use std::path::PathBuf;

/// A shared handle to a parsed page: builds keep unchanged pages from the last build
/// without copying them.
pub type PageRef = std::sync::Arc<Page>;

/// A parsed content file.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// Path relative to `content/` (`concerns/privacy.md`).
    pub rel: String,
    /// Path shown in diagnostics (`content/concerns/privacy.md`).
    pub file: PathBuf,
    /// The file's text, for diagnostics that show a source line.
    pub text: String,
    /// A hash of `text`, computed once at parse time (rebuilds compare it, not the text).
    pub text_hash: u64,
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
    /// A hash of this page as lists show it ([`Page::link`], before the base path),
    /// computed once at parse time ([`Page::list_hash_of`]): rebuilds compare it for every
    /// list a page shows, without making each [`PageLink`] again.
    pub list_hash: u64,
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

    /// This page as other pages show it in lists (section lists, neighbours, backlinks,
    /// breadcrumbs); `base_path` is the site's (`/` or `/sub/`).
    pub fn link(&self, base_path: &str) -> PageLink {
        PageLink {
            title: self.meta.title.clone(),
            url: format!("{}{}", base_path.trim_end_matches('/'), self.url),
            summary: self.summary().map(str::to_owned),
            date: self.meta.date.clone(),
            rel: self.rel.clone(),
            short: self.short_title().to_string(),
        }
    }

    /// The hash of what [`Page::link`] shows of this page, whatever the base path (which
    /// is part of every page's setup): the hash of the link itself, made without one, so
    /// that a field added to [`PageLink`] is part of it.
    pub fn list_hash_of(&self) -> u64 {
        crate::fingerprint::hash_of(&self.link(""))
    }

    /// The places on this page a link can point at.
    pub fn anchors(&self) -> Anchors<'_> {
        Anchors {
            headings: self.body.headings.iter().map(|h| h.id.as_str()).collect(),
            paragraphs: self.body.paragraphs.len(),
            references: !self.body.citations.is_empty(),
        }
    }

    /// The summary: front matter `summary`, else the first paragraph.
    pub fn summary(&self) -> Option<&str> {
        self.meta
            .summary
            .as_deref()
            .or(self.body.first_paragraph.as_deref())
    }
}

/// A link to a page, as templates see it in lists.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct PageLink {
    /// The page's title.
    pub title: String,
    /// Root-relative URL, base path included.
    pub url: String,
    /// Its summary, if any.
    pub summary: Option<String>,
    /// Its date, if any.
    pub date: Option<String>,
    /// Its path relative to `content/`.
    pub rel: String,
    /// Its short title (front matter `short_title`, else the title).
    pub short: String,
}

/// The places on a page a link can point at (`#id`): its headings' ids, its numbered
/// paragraphs (`#p1`…, on a source), and `#references` when it cites. Link checks read a
/// page only through this.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Anchors<'a> {
    /// The headings' ids, in page order.
    pub headings: Vec<&'a str>,
    /// How many numbered paragraphs it has.
    pub paragraphs: usize,
    /// Whether it has a References list.
    pub references: bool,
}

impl Anchors<'_> {
    /// Whether `#frag` is one of them.
    pub fn has(&self, frag: &str) -> bool {
        let paragraph = frag
            .strip_prefix('p')
            .and_then(|n| n.parse::<usize>().ok().filter(|k| k.to_string() == n));
        self.headings.contains(&frag)
            || paragraph.is_some_and(|n| (1..=self.paragraphs).contains(&n))
            || (frag == "references" && self.references)
    }

    /// Them all, in page order, for a help line.
    pub fn list(&self) -> Vec<String> {
        let mut list: Vec<String> = self.headings.iter().map(|h| format!("#{h}")).collect();
        match self.paragraphs {
            0 => {}
            1 => list.push("#p1".into()),
            n => list.push(format!("#p1 to #p{n}")),
        }
        if self.references {
            list.push("#references".into());
        }
        list
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
    CitedBy(crate::ids::ParaNo),
    /// The shortcode with this index in [`ParsedBody::shortcodes`] (a block's body is
    /// in it, as parts of its own).
    Shortcode(usize),
}

/// A shortcode as the page uses it: `{{ name(…) }}`, or `{% name(…) %}…{% end %}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortcodeUse {
    /// The shortcode's name: its template is `shortcodes/<name>.html`.
    pub name: String,
    /// Where its `{` is.
    pub position: Position,
    /// Where its name is.
    pub name_position: Position,
    /// Its arguments, each with where its key is.
    pub args: Vec<(crate::shortcode::Arg, Position)>,
    /// A block's body, as parts; `None` for an inline shortcode.
    pub body: Option<Vec<Part>>,
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
    /// The line of the page it starts on (1-based, counting the front matter).
    pub line: usize,
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
    /// Its number, in reading order.
    pub number: crate::ids::ParaNo,
    /// Its plain text (markup removed), as readers see it.
    pub text: String,
}

/// Everything the parse stage learns from one page's body.
#[derive(Clone, Debug, Default, PartialEq)]
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
    /// Shortcodes, in the order their tags open.
    pub shortcodes: Vec<ShortcodeUse>,
    /// Numbered paragraphs (sources only).
    pub paragraphs: Vec<SourceParagraph>,
    /// Top-level prose paragraphs with neither a citation nor a link.
    pub bare_prose: Vec<Position>,
    /// The first paragraph's plain text, a fallback summary.
    pub first_paragraph: Option<String>,
    /// Problems found while parsing.
    pub diagnostics: Vec<Diagnostic>,
}
