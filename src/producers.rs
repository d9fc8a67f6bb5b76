//! The files a build makes besides the pages: the theme's static files and the
//! highlighting stylesheet, and the files made from the whole site (sitemap, feed,
//! robots.txt, the citation graph, the output folder's marker). Each comes with its
//! [`Origin`], and [`declared`] lists every output path the build will write with who
//! makes it, derived from what the producers make, for the collision and root-link checks.

use crate::output::{self, Origin, Output};
use crate::resolve::Site;
use crate::theme::Theme;
use crate::{css, editions, feeds, highlight, render, search};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A file a producer made, and who made it.
pub struct Made {
    /// The file.
    pub output: Output,
    /// Who made it, for errors.
    pub origin: Origin,
}

/// An origin that is the build itself (`the generated sitemap.xml`).
fn generated(what: String) -> Origin {
    Origin {
        file: PathBuf::from("content"),
        what,
    }
}

/// `citations.json`: the citation graph for anyone who wants to audit it.
fn citations_json(site: &Site) -> Output {
    let export = site.graph.export(&site.pages, &site.bibliography, |p| {
        site.config.prefixed(&p.url)
    });
    let mut bytes = serde_json::to_vec_pretty(&export).unwrap_or_default();
    bytes.push(b'\n');
    Output {
        path: "citations.json".into(),
        bytes,
    }
}

/// The files made from the whole site rather than one page: the sitemap (with the
/// pages of [`editions`] the theme makes), the feeds, robots.txt, the citation graph, and the marker that says the folder is explainer's.
pub fn site_files(site: &Site, theme: &Theme) -> Vec<Made> {
    let marker = output::marker();
    let generated_pages: Vec<&str> = editions::made(theme).iter().map(|(m, _)| m.url).collect();
    [
        feeds::sitemap(site, &generated_pages),
        feeds::atom(site),
        feeds::updates(site),
        feeds::robots(site),
        citations_json(site),
    ]
    .into_iter()
    .map(|o| Made {
        origin: generated(format!("the generated {}", o.path)),
        output: o,
    })
    .chain(std::iter::once(Made {
        origin: generated("the output folder's marker".into()),
        output: marker,
    }))
    .collect()
}

/// The theme's static files and the highlighting stylesheet, as outputs, and the URL of
/// each by its name.
pub fn static_files(site: &Site, theme: &Theme) -> (Vec<Made>, BTreeMap<String, String>) {
    let mut statics: Vec<(String, Vec<u8>)> = theme
        .statics
        .iter()
        .map(|(k, v)| (k.clone(), for_readers(k, &v.bytes)))
        .collect();
    let mut origins: Vec<Origin> = theme
        .statics
        .iter()
        .map(|(name, f)| {
            generated(format!(
                "the theme's {}",
                f.display(name, "layouts/static/").display()
            ))
        })
        .collect();
    statics.push((
        "highlight.css".into(),
        highlight::stylesheet(
            &site.config.highlight_theme,
            &site.config.highlight_theme_dark,
        )
        .into_bytes(),
    ));
    origins.push(generated("the generated highlight.css".into()));
    let (outputs, urls) = output::static_outputs(&statics, &site.config.base_path());
    let made = outputs
        .into_iter()
        .zip(origins)
        .map(|(output, origin)| Made { output, origin })
        .collect();
    (made, urls)
}

/// A theme file as readers get it: a stylesheet without its comments ([`css`]), every
/// other file as it is.
fn for_readers(name: &str, bytes: &[u8]) -> Vec<u8> {
    match (name.ends_with(".css"), std::str::from_utf8(bytes)) {
        (true, Ok(text)) => css::strip_comments(text).into_bytes(),
        _ => bytes.to_vec(),
    }
}

/// The files copied as they are from content/ (images, PDFs): output path and source.
pub fn asset_copies(site: &Site) -> Vec<(String, PathBuf)> {
    site.assets
        .iter()
        .map(|a| (a.rel.clone(), a.path.clone()))
        .collect()
}

/// Every output path the build will write, with who makes it: the files `made` by the
/// producers above, the 404 page when the theme has one, the search index (by its
/// folder: a page or file inside it would be taken for part of the index), each page,
/// and each file copied from `content/`.
pub fn declared(site: &Site, theme: &Theme, made: &[&Made]) -> Vec<(String, Origin)> {
    let mut all: Vec<(String, Origin)> = made
        .iter()
        .map(|m| (m.output.path.clone(), m.origin.clone()))
        .collect();
    for (m, path) in editions::made(theme) {
        all.push((path, generated(m.what.into())));
    }
    if let Some(path) = render::not_found_path(theme) {
        all.push((path.into(), generated("the generated 404 page".into())));
    }
    if site.config.search {
        let what = "the search index".to_string();
        all.push((search::BUNDLE_DIR.to_string(), generated(what)));
    }
    // Two pages with one URL are reported by `resolve`, which knows why.
    let mut urls = rustc_hash::FxHashSet::default();
    for p in site.pages.iter().filter(|p| urls.insert(p.url.as_str())) {
        all.push((
            render::output_path(&p.url),
            Origin {
                file: p.file.clone(),
                what: p.file.display().to_string(),
            },
        ));
    }
    for a in &site.assets {
        let file = Path::new("content").join(&a.rel);
        all.push((
            a.rel.clone(),
            Origin {
                what: file.display().to_string(),
                file,
            },
        ));
    }
    all
}
