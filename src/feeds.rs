//! Machine-readable companions of the site: `sitemap.xml`, `atom.xml` (pages with a date)
//! and `robots.txt`. Built from the [`Site`] alone, in a stable order.

use crate::frontmatter::{Change, atom_time, date_key};
use crate::output::Output;
use crate::resolve::Site;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `s` escaped for XML text and attributes, without any character XML 1.0 cannot carry
/// (its `Char` production: tab, line breaks, U+0020–U+D7FF, U+E000–U+FFFD and above
/// U+FFFF). Front matter and `explainer.toml` refuse control characters with an error;
/// this keeps the feed well-formed whatever reaches it from elsewhere, such as a summary
/// taken from a page's first paragraph.
fn escape(s: &str) -> String {
    let is_xml_char = |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    if s.chars().all(is_xml_char) {
        crate::html::escape(s)
    } else {
        crate::html::escape(&s.chars().filter(|&c| is_xml_char(c)).collect::<String>())
    }
}

/// `sitemap.xml`: every page, by URL, and the pages made from the whole site (`more`,
/// by site path), which change when any page does, so carry no date.
pub fn sitemap(site: &Site, more: &[&str]) -> Output {
    let mut urls: Vec<(&str, Option<&str>)> = site
        .pages
        .iter()
        .map(|p| {
            (
                p.url.as_str(),
                p.meta.last_updated().or(p.meta.date.as_deref()),
            )
        })
        .chain(more.iter().map(|u| (*u, None)))
        .collect();
    urls.sort();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (url, lastmod) in urls {
        let _ = write!(
            xml,
            "  <url><loc>{}</loc>",
            escape(&site.config.absolute_url(url))
        );
        if let Some(d) = lastmod {
            // The calendar date: valid in a sitemap whether or not a time was given.
            let day = crate::frontmatter::calendar_date(d).map(|d| d.to_string());
            let _ = write!(
                xml,
                "<lastmod>{}</lastmod>",
                escape(day.as_deref().unwrap_or(d))
            );
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    Output {
        path: "sitemap.xml".into(),
        bytes: xml.into_bytes(),
    }
}

/// `atom.xml`: pages with a `date`, newest first.
pub fn atom(site: &Site) -> Output {
    let cfg = &site.config;
    let mut dated: Vec<_> = site
        .pages
        .iter()
        .filter_map(|p| {
            p.meta
                .date
                .as_deref()
                .map(|d| (p.meta.last_updated().unwrap_or(d), d, p))
        })
        .collect();
    dated.sort_by(|a, b| b.0.cmp(a.0).then(a.2.rel.cmp(&b.2.rel)));
    let newest = dated.first().map(|d| d.0).unwrap_or("1970-01-01");
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let _ = writeln!(xml, "  <title>{}</title>", escape(&cfg.title));
    if !cfg.description.is_empty() {
        let _ = writeln!(xml, "  <subtitle>{}</subtitle>", escape(&cfg.description));
    }
    let _ = writeln!(xml, "  <id>{}</id>", escape(&cfg.base_url));
    let _ = writeln!(xml, "  <link href=\"{}\"/>", escape(&cfg.base_url));
    let _ = writeln!(
        xml,
        "  <link rel=\"self\" href=\"{}\"/>",
        escape(&cfg.absolute_url("/atom.xml"))
    );
    let _ = writeln!(xml, "  <updated>{}</updated>", escape(&atom_time(newest)));
    let _ = writeln!(
        xml,
        "  <author><name>{}</name></author>",
        escape(&cfg.title)
    );
    for (updated, published, p) in dated {
        let url = escape(&cfg.absolute_url(&p.url));
        xml.push_str("  <entry>\n");
        let _ = writeln!(xml, "    <title>{}</title>", escape(&p.meta.title));
        let _ = writeln!(xml, "    <id>{url}</id>\n    <link href=\"{url}\"/>");
        let _ = writeln!(
            xml,
            "    <published>{}</published>\n    <updated>{}</updated>",
            escape(&atom_time(published)),
            escape(&atom_time(updated))
        );
        if let Some(s) = p.summary() {
            let _ = writeln!(xml, "    <summary>{}</summary>", escape(s));
        }
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    Output {
        path: "atom.xml".into(),
        bytes: xml.into_bytes(),
    }
}

/// One change note of a page, in the site-wide list.
pub struct Note<'s> {
    /// The page's number.
    pub page: usize,
    /// The change.
    pub change: &'s Change,
    /// Its id in the feed, stable as notes are added: `update-` and its day, and `-2`,
    /// `-3`… for a page's later notes of one day. Notes are written newest first, so a
    /// day's are numbered from the last written (the oldest) up: a note added on top of
    /// them takes a new number, and the old notes keep theirs.
    pub id: String,
}

/// Every change note of `pages` (each page's number, a key that orders pages, and its
/// changes), newest first; notes of one date by page, then as written.
pub fn notes<'s>(pages: impl Iterator<Item = (usize, &'s str, &'s [Change])>) -> Vec<Note<'s>> {
    let mut all = vec![];
    for (page, key, changes) in pages {
        let day_of = |c: &'s Change| c.date().get(..10).unwrap_or(c.date());
        let mut left: BTreeMap<&str, usize> = BTreeMap::new();
        for change in changes {
            *left.entry(day_of(change)).or_default() += 1;
        }
        for change in changes {
            let day = day_of(change);
            let n = left.entry(day).or_default();
            let number = *n;
            *n -= 1;
            let id = match number {
                1 => format!("update-{day}"),
                n => format!("update-{day}-{n}"),
            };
            all.push((key, Note { page, change, id }));
        }
    }
    all.sort_by(|(ka, a), (kb, b)| {
        let newer = date_key(b.change.date()).cmp(&date_key(a.change.date()));
        newer.then(ka.cmp(kb))
    });
    all.into_iter().map(|(_, n)| n).collect()
}

/// The site path of the updates page, which lists the same notes (`crate::editions`).
pub const UPDATES_PAGE: &str = "/updates/";

/// The path of the change notes' feed.
pub const UPDATES_FEED: &str = "updates.xml";

/// `updates.xml`: every change note of every page, newest first, each linking to its page.
pub fn updates(site: &Site) -> Output {
    let cfg = &site.config;
    let pages = site.pages.iter().enumerate();
    let notes = notes(pages.map(|(i, p)| (i, p.url.as_str(), p.meta.changes.as_slice())));
    let newest = notes.first().map_or("1970-01-01", |n| n.change.date());
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let _ = writeln!(xml, "  <title>{}: updates</title>", escape(&cfg.title));
    let page_url = cfg.absolute_url(UPDATES_PAGE);
    let _ = writeln!(xml, "  <id>{}</id>", escape(&page_url));
    let _ = writeln!(xml, "  <link href=\"{}\"/>", escape(&page_url));
    let _ = writeln!(
        xml,
        "  <link rel=\"self\" href=\"{}\"/>",
        escape(&cfg.absolute_url(&format!("/{UPDATES_FEED}")))
    );
    let _ = writeln!(xml, "  <updated>{}</updated>", escape(&atom_time(newest)));
    let _ = writeln!(
        xml,
        "  <author><name>{}</name></author>",
        escape(&cfg.title)
    );
    for n in notes {
        let p = &site.pages[n.page];
        let url = escape(&cfg.absolute_url(&p.url));
        xml.push_str("  <entry>\n");
        let _ = writeln!(xml, "    <title>{}</title>", escape(&p.meta.title));
        let _ = writeln!(
            xml,
            "    <id>{url}#{}</id>\n    <link href=\"{url}\"/>",
            n.id
        );
        let _ = writeln!(
            xml,
            "    <updated>{}</updated>",
            escape(&atom_time(n.change.date()))
        );
        let _ = writeln!(xml, "    <summary>{}</summary>", escape(n.change.note()));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    Output {
        path: UPDATES_FEED.into(),
        bytes: xml.into_bytes(),
    }
}

/// `robots.txt`: everything may be crawled; the sitemap is named.
pub fn robots(site: &Site) -> Output {
    Output {
        path: "robots.txt".into(),
        bytes: format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}\n",
            site.config.absolute_url("/sitemap.xml")
        )
        .into_bytes(),
    }
}
