//! Site-wide checks that need the whole site model, or the list of every file the build
//! writes: a site must have a home page, pages whose review date has passed are named,
//! and links written from the site's root (`/concerns/privacy/`) must lead to a page or
//! file the build writes.

use crate::diagnostic::{self, Diagnostic};
use crate::output::Origin;
use crate::page::PageRef;
use crate::resolve::{self, Site};
use crate::{frontmatter, render, search, url};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::Path;

/// The error for a site without a home page (`content/_index.md`), if it has none: a
/// site without one has no `index.html`, and a host would serve its folder listing or
/// nothing at all. `None` if the home page is there or failed to parse (its own errors
/// are reported).
pub fn missing_home_page(
    pages: &[PageRef],
    drafts: &[PageRef],
    broken: &[String],
) -> Option<Diagnostic> {
    const HOME: &str = "_index.md";
    if pages.iter().any(|p| p.rel == HOME) || broken.iter().any(|b| b == HOME) {
        return None;
    }
    let file = Path::new("content").join(HOME);
    Some(match drafts.iter().find(|p| p.rel == HOME) {
        Some(home) => Diagnostic::error(
            &home.file,
            frontmatter::key_position(&home.text, "draft"),
            "the site has no home page: content/_index.md is a draft, which this build leaves out",
        )
        .with_help("remove `draft: true` from the home page, or build with --drafts")
        .with_source(&home.text),
        None => Diagnostic::error(file, None, "the site has no home page")
            .with_help("create content/_index.md, the home page, starting with:\n---\ntitle: The site's title\n---"),
    })
}

/// Checks links written from the site's root (`[x](/concerns/privacy/)`) against what
/// the build writes, as relative links are checked against content files. The path is
/// from the root of the site: the build adds base_url's path to it.
pub fn root_links(site: &Site, declared: &[(String, Origin)]) -> Vec<Diagnostic> {
    let paths: HashSet<&str> = declared.iter().map(|(p, _)| p.as_str()).collect();
    let base = site.config.base_path();
    let by_output: HashMap<String, usize> = site
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| (render::output_path(&p.url), i))
        .collect();
    let mut errors = vec![];
    for page in &site.pages {
        let before = errors.len();
        for link in &page.body.root_links {
            let cheap = errors.len() - before >= diagnostic::MAX_ERRORS_PER_FILE;
            let (path, fragment) = match link.target.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (link.target.as_str(), None),
            };
            let path = path.split('?').next().unwrap_or("");
            let decoded = url::percent_decode(path).unwrap_or_else(|| path.to_string());
            let rel = decoded.trim_start_matches('/');
            let candidates = if rel.is_empty() || rel.ends_with('/') {
                vec![format!("{rel}index.html")]
            } else {
                vec![rel.to_string(), format!("{rel}/index.html")]
            };
            let found = candidates.iter().find(|c| paths.contains(c.as_str()));
            let at = |msg: String, help: String| {
                let d = Diagnostic::error(&page.file, Some(link.position), msg).with_help(help);
                if cheap { d } else { d.with_source(&page.text) }
            };
            match found {
                None if site.config.search && rel.starts_with(search::BUNDLE_DIR) => {}
                None => {
                    let mut help = "a link that starts with `/` is a path from the site's root; link to a content file by its path relative to this file instead, e.g. [text](../concerns/privacy.md)".to_string();
                    if base != "/" && decoded.starts_with(&base) {
                        help = format!(
                            "the build adds base_url's path {base} to links from the root: write `{}` without it",
                            link.written
                        );
                    }
                    errors.push(at(
                        format!(
                            "`{}` links to a page or file this site does not have",
                            link.written
                        ),
                        help,
                    ));
                }
                Some(out) => {
                    if let (Some(frag), Some(&target)) = (fragment, by_output.get(out))
                        && !frag.is_empty()
                        && !resolve::has_anchor(&site.pages[target], frag)
                    {
                        errors.push(at(
                            format!(
                                "`{}`: {} has no heading or anchor `#{frag}`",
                                link.written,
                                site.pages[target].file.display()
                            ),
                            "link to one of the page's headings, or to the page without `#…`"
                                .into(),
                        ));
                    }
                }
            }
        }
    }
    errors
}

/// Today, for review dates: `EXPLAINER_TODAY` (`YYYY-MM-DD`, for tests and for checking
/// ahead), else the system's local date.
pub fn today() -> jiff::civil::Date {
    std::env::var("EXPLAINER_TODAY")
        .ok()
        .and_then(|d| frontmatter::calendar_day(&d))
        .unwrap_or_else(|| jiff::Zoned::now().date())
}

/// How a review date stands on a given day, for the warning about it.
fn review_status(due: jiff::civil::Date, today: jiff::civil::Date, window: u32) -> Option<String> {
    let day = due.strftime("%-d %B %Y").to_string();
    if due < today {
        return Some(format!("was due for review on {day}"));
    }
    let days = today.until(due).ok()?.get_days();
    match days {
        0 => Some(format!("is due for review today ({day})")),
        1 => Some(format!("is due for review tomorrow ({day})")),
        n if n <= i32::try_from(window).unwrap_or(i32::MAX) => {
            Some(format!("is due for review in {n} days ({day})"))
        }
        _ => None,
    }
}

/// A warning for each page and each data file whose review date (a page's `review_by`,
/// a data file's in `data_review_by`) has passed or falls within the review window
/// (`review_window_days`) from `today`: its facts are due to be checked again. Never an
/// error: a build does not fail on it.
pub fn reviews_due(
    pages: &[PageRef],
    config: &crate::config::Config,
    today: jiff::civil::Date,
) -> Vec<Diagnostic> {
    let window = config.review_window_days;
    let pages = pages.iter().filter_map(|p| {
        let due = frontmatter::calendar_day(p.meta.review_by.as_deref()?)?;
        let status = review_status(due, today, window)?;
        let checked = match &p.meta.reviewed {
            Some(r) => format!("; its facts were last checked on {r}"),
            None => String::new(),
        };
        Some(
            Diagnostic::warning(
                &p.file,
                frontmatter::key_position(&p.text, "review_by"),
                format!("this page {status}{checked}"),
            )
            .with_help("check the page's facts against their sources again, then set `reviewed:` to today and `review_by:` to the next day they need checking")
            .with_source(&p.text),
        )
    });
    let data = config.data_review_by.iter().filter_map(|(name, due)| {
        let status = review_status(frontmatter::calendar_day(due)?, today, window)?;
        Some(
            Diagnostic::warning(
                crate::config::CONFIG_FILE,
                config.data_review_at.get(name).copied(),
                format!("the data file `{name}` {status}, and so are the pages that show it"),
            )
            .with_help(format!("check content/{name} against its sources again, then set its `data_review_by` day in explainer.toml to the next day it needs checking")),
        )
    });
    pages.chain(data).collect()
}
