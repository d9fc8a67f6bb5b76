//! Machine-readable companions of the site: `sitemap.xml`, `atom.xml` (pages with a date)
//! and `robots.txt`. Built from the [`Site`] alone, in a stable order.

use crate::frontmatter::atom_time;
use crate::output::Output;
use crate::resolve::Site;
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

/// `sitemap.xml`: every page, by URL.
pub fn sitemap(site: &Site) -> Output {
    let mut urls: Vec<(&str, Option<&str>)> = site
        .pages
        .iter()
        .map(|p| {
            (
                p.url.as_str(),
                p.meta.updated.as_deref().or(p.meta.date.as_deref()),
            )
        })
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
                .map(|d| (p.meta.updated.as_deref().unwrap_or(d), d, p))
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
