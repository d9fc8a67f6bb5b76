//! Issue 2, the generator core: URLs, section lists and their order, tables of contents,
//! link rewriting (anchors, base_url sub-paths), the embedded theme and site overrides,
//! static files and feeds, drafts, deterministic and atomic output, `new` and `check`.

mod common;

use common::*;

const PRIVACY: &str = "---
title: Privacy
weight: 20
---
Intro: [Art. 28 scope](../articles/article-28.md#scope), [its safeguards](../articles/article-28.md#safeguards),
[the list](_index.md), [home](../_index.md), [apple](./beta.md), [external](https://example.com/a.md)
and [root](/robots.txt).

## Scope

Text.

### Details

More.

## Safeguards

Even more.

## Scope

Again.
";

/// A small site: a home page, a concerns section of five pages with mixed weights, and
/// an articles section.
fn core_files() -> Vec<(&'static str, String)> {
    vec![
        (
            "content/_index.md",
            page(
                "Home",
                "Read the [concerns](concerns/_index.md) and [Article 28](articles/article-28.md).\n",
            ),
        ),
        (
            "content/concerns/_index.md",
            page("Concerns", "Every concern, one page each.\n"),
        ),
        ("content/concerns/privacy.md", PRIVACY.to_string()),
        (
            "content/concerns/alpha.md",
            weighted("Zeta, last by title", 10, "See [privacy](privacy.md).\n"),
        ),
        (
            "content/concerns/delta.md",
            weighted("Aardvark", 10, "See [privacy](privacy.md).\n"),
        ),
        (
            "content/concerns/beta.md",
            page("Apple", "See [privacy](privacy.md).\n"),
        ),
        (
            "content/concerns/gamma.md",
            page("Banana", "See [privacy](privacy.md).\n"),
        ),
        (
            "content/articles/_index.md",
            page("Articles", "The articles.\n"),
        ),
        (
            "content/articles/article-28.md",
            page(
                "Article 28",
                "Back to [privacy](../concerns/privacy.md) and [down](#safeguards).\n\n## Scope\n\nS.\n\n## Safeguards\n\nG.\n",
            ),
        ),
    ]
}

fn core_site(extra: &[(&str, &str)]) -> Site {
    let files = core_files();
    let mut all: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    all.extend_from_slice(extra);
    Site::new(&all)
}

/// The `href` of the link whose text is `label` (exactly one such link).
fn href_of(html: &str, label: &str) -> String {
    let found: Vec<String> = elements(html, "a")
        .into_iter()
        .filter(|a| text(a) == label)
        .filter_map(|a| attr(a, "href"))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one link with text {label:?}, found {found:?}"
    );
    found[0].clone()
}

// --- URLs ----------------------------------------------------------------------------

#[test]
fn pretty_urls_for_pages_sections_and_home() {
    let site = core_site(&[]);
    site.build_ok();
    for f in [
        "index.html",
        "concerns/index.html",
        "concerns/privacy/index.html",
        "concerns/alpha/index.html",
        "articles/index.html",
        "articles/article-28/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
    ] {
        assert!(site.exists(f), "public/{f} is missing");
    }
    // No `.html` files named after the Markdown files, and no `_index` folders.
    let all = snapshot(&site.public());
    assert!(
        !all.keys().any(|k| k.ends_with("privacy.html")
            || k.split('/').any(|seg| seg.starts_with("_index"))
            || k.ends_with(".md")),
        "unexpected output paths: {:?}",
        all.keys().collect::<Vec<_>>()
    );
    // The section page is the section's _index.md, the page is privacy.md.
    assert!(
        site.read("concerns/index.html")
            .contains("Every concern, one page each.")
    );
    assert!(
        site.read("concerns/privacy/index.html")
            .contains("Even more.")
    );
    let sitemap = site.read("sitemap.xml");
    for url in [
        "https://example.org/",
        "https://example.org/concerns/",
        "https://example.org/concerns/privacy/",
        "https://example.org/articles/article-28/",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>{url}</loc>")),
            "sitemap lacks {url}:\n{sitemap}"
        );
    }
}

// --- section lists ---------------------------------------------------------------------

#[test]
fn section_order_is_weight_then_title_in_the_site_model() {
    let site = core_site(&[]);
    let (model, _) = site.load().unwrap_or_else(|d| panic!("{d}"));
    let order: Vec<&str> = model.sections["concerns"]
        .iter()
        .map(|&i| model.pages[i.index()].rel.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "concerns/delta.md",   // weight 10, "Aardvark"
            "concerns/alpha.md",   // weight 10, "Zeta, last by title"
            "concerns/privacy.md", // weight 20
            "concerns/beta.md",    // no weight, "Apple"
            "concerns/gamma.md",   // no weight, "Banana"
        ]
    );
}

#[test]
fn section_template_gets_its_pages_in_order() {
    let site = core_site(&[(
        "layouts/section.html",
        "{% for p in page.pages %}[{{ p.url }} {{ p.title }}]{% endfor %}",
    )]);
    site.build_ok();
    let list = unescape(&site.read("concerns/index.html"));
    assert_eq!(
        list,
        "[/concerns/delta/ Aardvark][/concerns/alpha/ Zeta, last by title][/concerns/privacy/ Privacy][/concerns/beta/ Apple][/concerns/gamma/ Banana]"
    );
}

#[test]
fn embedded_section_page_lists_its_pages_in_order() {
    let site = core_site(&[]);
    site.build_ok();
    let html = site.read("concerns/index.html");
    let main = main_of(&html);
    let links = hrefs(main);
    let order: Vec<&String> = links
        .iter()
        .filter(|h| h.starts_with("/concerns/") && h.len() > "/concerns/".len())
        .collect();
    let mut first: Vec<&String> = vec![];
    for h in order {
        if !first.contains(&h) {
            first.push(h);
        }
    }
    assert_eq!(
        first,
        [
            "/concerns/delta/",
            "/concerns/alpha/",
            "/concerns/privacy/",
            "/concerns/beta/",
            "/concerns/gamma/"
        ],
        "the section page should list its pages by weight, then title"
    );
}

// --- tables of contents ----------------------------------------------------------------

#[test]
fn table_of_contents_in_the_template_context() {
    let site = core_site(&[(
        "layouts/page.html",
        "TOC{% for h in page.toc %}[{{ h.level }} {{ h.id }} {{ h.text }}]{% endfor %}",
    )]);
    site.build_ok();
    assert_eq!(
        site.read("concerns/privacy/index.html"),
        "TOC[2 scope Scope][3 details Details][2 safeguards Safeguards][2 scope-1 Scope]"
    );
}

#[test]
fn embedded_theme_shows_a_table_of_contents() {
    let site = core_site(&[]);
    site.build_ok();
    let html = site.read("concerns/privacy/index.html");
    // Headings carry unique ids, duplicates numbered.
    for (tag, id) in [
        ("h2", "scope"),
        ("h3", "details"),
        ("h2", "safeguards"),
        ("h2", "scope-1"),
    ] {
        let el = element_by_id(&html, id).unwrap_or_else(|| panic!("no element with id {id}"));
        assert!(
            el.starts_with(&format!("<{tag}")),
            "#{id} is not a {tag}: {el}"
        );
    }
    // Outside the headings themselves, the page links to each of them, in order.
    let mut rest = html.clone();
    for h in ["h1", "h2", "h3"] {
        rest = without_elements(&rest, h);
    }
    assert_in_order(
        &rest,
        &[
            "href=\"#scope\"",
            "href=\"#details\"",
            "href=\"#safeguards\"",
            "href=\"#scope-1\"",
        ],
    );
}

// --- links -----------------------------------------------------------------------------

#[test]
fn relative_links_become_page_urls_with_anchors() {
    let site = core_site(&[]);
    site.build_ok();
    let html = site.read("concerns/privacy/index.html");
    assert_eq!(
        href_of(&html, "Art. 28 scope"),
        "/articles/article-28/#scope"
    );
    assert_eq!(
        href_of(&html, "its safeguards"),
        "/articles/article-28/#safeguards"
    );
    assert_eq!(href_of(&html, "the list"), "/concerns/");
    assert_eq!(href_of(&html, "apple"), "/concerns/beta/");
    assert_eq!(href_of(&html, "external"), "https://example.com/a.md");
    assert_eq!(href_of(&html, "root"), "/robots.txt");
    let main = main_of(&html);
    assert!(
        hrefs(main).iter().any(|h| h == "/"),
        "the link to ../_index.md should become /"
    );
    let art = site.read("articles/article-28/index.html");
    assert_eq!(href_of(&art, "down"), "#safeguards");
    assert_eq!(href_of(&art, "privacy"), "/concerns/privacy/");
    // No link in the output still points at a Markdown file of the site.
    for page in [
        "concerns/privacy/index.html",
        "articles/article-28/index.html",
        "index.html",
    ] {
        let h = site.read(page);
        assert!(
            !hrefs(&h)
                .iter()
                .any(|x| x.ends_with(".md") && !x.starts_with("https://")),
            "{page} still links to a .md file: {:?}",
            hrefs(&h)
        );
    }
}

#[test]
fn base_url_with_a_sub_path_prefixes_every_link() {
    let site = core_site(&[(
        "explainer.toml",
        "title = \"Sub\"\nbase_url = \"https://example.org/sub/\"\n",
    )]);
    site.build_ok();
    // Files are still written at the root of public/; only links carry the prefix.
    assert!(site.exists("concerns/privacy/index.html"));
    assert!(!site.exists("sub"));
    let html = site.read("concerns/privacy/index.html");
    assert_eq!(
        href_of(&html, "Art. 28 scope"),
        "/sub/articles/article-28/#scope"
    );
    assert_eq!(href_of(&html, "the list"), "/sub/concerns/");
    assert_eq!(href_of(&html, "apple"), "/sub/concerns/beta/");
    assert_eq!(href_of(&html, "root"), "/sub/robots.txt");
    assert_eq!(href_of(&html, "external"), "https://example.com/a.md");
    // Every root-relative link and stylesheet of the theme is under /sub/ too.
    for h in hrefs(&html) {
        if h.starts_with('/') {
            assert!(h.starts_with("/sub/"), "{h} is not under /sub/");
        }
    }
    for link in elements(&html, "link") {
        if let Some(h) = attr(link, "href")
            && h.starts_with('/')
        {
            assert!(h.starts_with("/sub/"), "{h} is not under /sub/");
        }
    }
    let sitemap = site.read("sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.org/sub/concerns/privacy/</loc>"));
}

// --- the theme ---------------------------------------------------------------------------

#[test]
fn a_site_without_layouts_gets_the_embedded_theme() {
    let site = core_site(&[]);
    assert!(!site.path().join("layouts").exists());
    site.build_ok();
    let html = site.read("concerns/privacy/index.html");
    assert!(
        html.trim_start()
            .to_ascii_lowercase()
            .starts_with("<!doctype html>"),
        "not a full HTML document:\n{html}"
    );
    assert!(html.contains("<html lang=\"en\""), "no <html lang=\"en\">");
    let title = elements(&html, "title");
    assert!(
        title.first().is_some_and(|t| text(t).contains("Privacy")),
        "the <title> should name the page: {title:?}"
    );
    // The theme's stylesheet is linked, and the file it names was written.
    let sheets: Vec<String> = elements(&html, "link")
        .into_iter()
        .filter(|l| attr(l, "rel").as_deref() == Some("stylesheet"))
        .filter_map(|l| attr(l, "href"))
        .collect();
    assert!(!sheets.is_empty(), "no stylesheet linked");
    for s in sheets {
        let rel = s.trim_start_matches('/');
        assert!(
            site.exists(rel),
            "{s} is linked but public/{rel} is missing"
        );
    }
    // Home, section and 404 pages are full documents too.
    for f in ["index.html", "concerns/index.html", "404.html"] {
        let h = site.read(f);
        assert!(
            h.trim_start()
                .to_ascii_lowercase()
                .starts_with("<!doctype html>"),
            "{f} is not a full HTML document"
        );
    }
}

#[test]
fn a_site_layout_overrides_only_its_own_template() {
    let site = core_site(&[
        (
            "layouts/page.html",
            "SITE PAGE {{ page.title }}\n{{ page.content|safe }}",
        ),
        ("layouts/static/extra.txt", "copied as it is\n"),
    ]);
    site.build_ok();
    let page = site.read("concerns/privacy/index.html");
    assert!(page.starts_with("SITE PAGE Privacy\n"), "{page}");
    assert!(page.contains("Even more."));
    // Section and home pages still use the embedded templates.
    for f in ["concerns/index.html", "index.html"] {
        let h = site.read(f);
        assert!(!h.contains("SITE PAGE"), "{f} used the site's page.html");
        assert!(
            h.to_ascii_lowercase().contains("<!doctype html>"),
            "{f} should come from the embedded theme"
        );
    }
    // The embedded static files are still there, and the site's are added.
    assert_eq!(site.read("extra.txt"), "copied as it is\n");
    let assets = entries(&site.public().join("assets"));
    assert!(
        assets
            .iter()
            .any(|a| a.starts_with("style.") && a.ends_with(".css")),
        "the embedded stylesheet is missing: {assets:?}"
    );
}

#[test]
fn section_template_and_front_matter_layout_are_chosen() {
    let site = core_site(&[
        ("layouts/concerns.html", "CONCERNS {{ page.title }}"),
        ("layouts/special.html", "SPECIAL {{ page.title }}"),
        (
            "content/concerns/gamma.md",
            "---\ntitle: Banana\nlayout: special\n---\nSee [privacy](privacy.md).\n",
        ),
    ]);
    site.build_ok();
    assert_eq!(site.read("concerns/privacy/index.html"), "CONCERNS Privacy");
    assert_eq!(site.read("concerns/gamma/index.html"), "SPECIAL Banana");
    // Another section, and the section index, are not affected.
    assert!(
        !site
            .read("articles/article-28/index.html")
            .contains("CONCERNS")
    );
    assert!(!site.read("concerns/index.html").starts_with("CONCERNS"));
}

#[test]
fn toml_front_matter_is_accepted() {
    let site = core_site(&[(
        "content/concerns/gamma.md",
        "+++\ntitle = \"Banana in TOML\"\nweight = 1\n+++\nSee [privacy](privacy.md).\n",
    )]);
    site.build_ok();
    assert!(
        site.read("concerns/gamma/index.html")
            .contains("Banana in TOML")
    );
    let (model, _) = site.load().unwrap();
    let first = model.sections["concerns"][0];
    assert_eq!(model.pages[first.index()].rel, "concerns/gamma.md");
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = core_site(&[(
        "content/concerns/draft.md",
        "---\ntitle: Not yet\ndraft: true\n---\nSee [privacy](privacy.md).\n",
    )]);
    site.build_ok();
    assert!(!site.exists("concerns/draft"));
    assert!(!site.read("sitemap.xml").contains("/concerns/draft/"));
    let r = site.run(&["build", "--drafts"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(site.read("concerns/draft/index.html").contains("Not yet"));
}

#[test]
fn files_in_content_are_copied_and_links_to_missing_ones_fail() {
    let site = core_site(&[
        (
            "content/concerns/figure.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        ),
        (
            "content/concerns/gamma.md",
            "---\ntitle: Banana\n---\nSee [privacy](privacy.md).\n\n![a figure](figure.svg)\n",
        ),
    ]);
    site.build_ok();
    assert_eq!(
        site.read("concerns/figure.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
    );
    let html = site.read("concerns/gamma/index.html");
    let img = elements(&html, "img")
        .into_iter()
        .find(|i| attr(i, "alt").as_deref() == Some("a figure"))
        .expect("the image");
    assert_eq!(attr(img, "src").as_deref(), Some("/concerns/figure.svg"));

    let before = snapshot(&site.public());
    site.write(
        "content/concerns/gamma.md",
        "---\ntitle: Banana\n---\nSee [privacy](privacy.md).\n\n![a figure](missing.png)\n",
    );
    let r = site.build_fails();
    assert!(
        r.stderr.contains(
            "content/concerns/gamma.md:6:1: error: `missing.png` points to content/concerns/missing.png, which does not exist"
        ),
        "{}",
        r.stderr
    );
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after a missing image",
    );
}

// --- Markdown features --------------------------------------------------------------------

#[test]
fn gfm_features_and_highlighted_code() {
    let site = core_site(&[(
        "content/concerns/gamma.md",
        "---\ntitle: Banana\n---\nSee [privacy](privacy.md). ~~gone~~ and https://example.com/auto.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] open\n\nA note.[^1]\n\n[^1]: The footnote.\n\n```rust\nfn main() { let x = \"<tag>\"; }\n```\n\n```nosuchlanguage\n<b>not bold</b>\n```\n",
    )]);
    site.build_ok();
    let html = site.read("concerns/gamma/index.html");
    assert!(html.contains("<del>gone</del>"), "strikethrough");
    assert!(html.contains("<table"), "table");
    assert!(
        html.contains("href=\"https://example.com/auto\""),
        "autolink"
    );
    assert!(html.contains("type=\"checkbox\""), "task list");
    assert!(html.contains("The footnote."), "footnote");
    // Highlighting uses classes, never inline styles, and escapes the code.
    assert!(!html.contains("style=\""), "inline style in the output");
    assert!(html.contains("&lt;tag&gt;"), "code is escaped");
    assert!(
        !html.contains("<b>not bold</b>"),
        "unknown language left raw"
    );
    assert!(html.contains("&lt;b&gt;not bold&lt;/b&gt;"));
    // The highlighting stylesheet exists.
    let assets = entries(&site.public().join("assets"));
    assert!(
        assets
            .iter()
            .any(|a| a.starts_with("highlight.") && a.ends_with(".css")),
        "{assets:?}"
    );
}

// --- safety --------------------------------------------------------------------------------

#[test]
fn html_in_a_title_is_escaped() {
    let site = core_site(&[(
        "content/concerns/gamma.md",
        "---\ntitle: \"<b>Bold</b> & <script>alert(1)</script>\"\n---\nSee [privacy](privacy.md).\n",
    )]);
    site.build_ok();
    for f in ["concerns/gamma/index.html", "concerns/index.html"] {
        let html = site.read(f);
        assert!(
            !html.contains("<b>Bold</b>"),
            "{f}: the title's HTML came out raw"
        );
        assert!(
            !html.contains("<script>alert(1)"),
            "{f}: script from the title"
        );
        assert!(
            html.contains("&lt;b&gt;Bold"),
            "{f}: the title is not shown escaped"
        );
    }
}

#[test]
fn raw_html_in_markdown_never_comes_out_as_a_script() {
    let site = core_site(&[(
        "content/concerns/gamma.md",
        "---\ntitle: Banana\n---\nSee [privacy](privacy.md).\n\n<script>alert(2)</script>\n\nInline <script>alert(3)</script> and <img src=x onerror=\"alert(4)\">.\n\n<div onclick=\"alert(5)\">block</div>\n",
    )]);
    site.build_ok();
    let html = site.read("concerns/gamma/index.html");
    assert!(
        !html.contains("<script>") && !html.contains("alert(2)"),
        "a script reached the page:\n{html}"
    );
    assert!(!html.contains("onerror") && !html.contains("onclick"));
    assert!(!html.contains("<img src=\"x\""), "raw <img> passed through");
    // The only scripts a page may have are external files of the theme.
    for s in elements(&html, "script") {
        assert!(attr(s, "src").is_some(), "inline script: {s}");
        assert!(s.ends_with("></script>"), "script with a body: {s}");
    }
}

#[test]
fn raw_html_passes_only_when_the_site_allows_it() {
    let body =
        "---\ntitle: Banana\n---\nSee [privacy](privacy.md).\n\n<span class=\"kept\">raw</span>\n";
    let site = core_site(&[("content/concerns/gamma.md", body)]);
    site.build_ok();
    assert!(
        !site
            .read("concerns/gamma/index.html")
            .contains("<span class=\"kept\">")
    );
    site.write("explainer.toml", &format!("{CONFIG}allow_html = true\n"));
    site.build_ok();
    assert!(
        site.read("concerns/gamma/index.html")
            .contains("<span class=\"kept\">raw</span>")
    );
}

#[test]
fn dangerous_links_are_refused() {
    let site = core_site(&[]);
    site.build_ok();
    let before = snapshot(&site.public());
    site.write(
        "content/concerns/gamma.md",
        "---\ntitle: Banana\n---\nSee [privacy](privacy.md).\n\n[click](javascript:alert(1)) and [again](JavaScript:alert(2))\n\n[v](vbscript:msgbox)\n",
    );
    let r = site.build_fails();
    assert!(
        r.stderr
            .contains("content/concerns/gamma.md:6:1: error: a `javascript:` URL is not allowed"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("content/concerns/gamma.md:6:34: error:"),
        "the second (mixed-case) javascript: link is not reported at 6:34:\n{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("content/concerns/gamma.md:8:1: error: a `vbscript:` URL is not allowed"),
        "{}",
        r.stderr
    );
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after a refused link",
    );
}

// --- determinism and atomic output ------------------------------------------------------------

fn rich_site() -> Site {
    let letter = "---\ntitle: A letter\nshort_title: Letter\nkind: letter\n---\nDear all,\n\nWe worry about the broad scope of the text.\n\n- one point\n- another point\n";
    core_site(&[
        (
            "content/sources/_index.md",
            "---\ntitle: Sources\n---\nThe letters.\n",
        ),
        ("content/sources/letter.md", letter),
        (
            "content/concerns/gamma.md",
            "---\ntitle: Banana\ndate: 2024-10-29\n---\nSee [privacy](privacy.md), a claim [@letter \"broad scope\"] and [@letter#p3; @letter].\n\n```rust\nfn main() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        ),
        (
            "content/concerns/figure.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        ),
    ])
}

#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let site = rich_site();
    let out1 = tempfile::tempdir().unwrap();
    let out2 = tempfile::tempdir().unwrap();
    for out in [&out1, &out2] {
        let r = explainer()
            .arg("build")
            .arg(site.path())
            .arg("--out")
            .arg(out.path().join("site"))
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    let a = snapshot(&out1.path().join("site"));
    let b = snapshot(&out2.path().join("site"));
    assert!(a.len() > 10, "suspiciously few files: {:?}", a.keys());
    assert_same_tree(&a, &b, "two builds");
    assert_eq!(
        tree_hash(&out1.path().join("site")),
        tree_hash(&out2.path().join("site"))
    );
    // The same site copied to another folder builds to the same bytes: the output
    // depends on the input, not on where it lives or when it was built.
    let copy = Site::new(&[]);
    for (rel, bytes) in snapshot(site.path()) {
        if let Some(bytes) = bytes {
            let p = copy.path().join(&rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
    }
    copy.build_ok();
    assert_same_tree(&a, &snapshot(&copy.public()), "a copy of the site");
    // --out wrote nothing into the site's own public/.
    assert!(!site.public().exists());
}

#[test]
fn a_good_build_leaves_no_stale_files_and_no_staging_folder() {
    let site = rich_site();
    site.build_ok();
    assert!(site.exists("concerns/gamma/index.html"));
    assert!(site.exists("concerns/figure.svg"));
    std::fs::write(site.public().join("stale.html"), "left by hand").unwrap();
    std::fs::create_dir_all(site.public().join("old-section")).unwrap();
    site.remove("content/concerns/figure.svg");
    site.write(
        "content/concerns/gamma.md",
        "---\ntitle: Banana\n---\nSee [privacy](privacy.md).\n",
    );
    site.remove("content/concerns/delta.md");
    site.build_ok();
    assert!(!site.exists("stale.html"));
    assert!(!site.exists("old-section"));
    assert!(!site.exists("concerns/figure.svg"));
    assert!(
        !site.exists("concerns/delta"),
        "the deleted page's output is still there"
    );
    assert!(!site.read("sitemap.xml").contains("/concerns/delta/"));
    // Only the site's own files beside public/: no staging or backup folder.
    assert_eq!(
        entries(site.path()),
        ["content", "explainer.toml", "public"]
    );
    // A fresh build into an empty folder gives exactly the same tree.
    let fresh = tempfile::tempdir().unwrap();
    let r = explainer()
        .arg("build")
        .arg(site.path())
        .arg("--out")
        .arg(fresh.path().join("p"))
        .output()
        .unwrap();
    assert!(r.status.success());
    assert_same_tree(
        &snapshot(&fresh.path().join("p")),
        &snapshot(&site.public()),
        "rebuild vs fresh build",
    );
}

#[test]
fn the_summary_line_counts_pages_and_files() {
    let site = core_site(&[]);
    let r = site.build_ok();
    let line = r.stdout.trim();
    assert_eq!(
        r.stdout.lines().count(),
        1,
        "one summary line: {:?}",
        r.stdout
    );
    let files = snapshot(&site.public())
        .values()
        .filter(|v| v.is_some())
        .count();
    assert!(line.starts_with("9 pages, "), "{line}");
    assert!(
        line.contains(&format!(", {files} files written in ")),
        "{line} (public/ has {files} files)"
    );
    assert!(line.contains(" ms ("), "{line}");
}

// --- new and check ----------------------------------------------------------------------------

#[test]
fn new_site_builds_with_no_warnings_and_passes_strict_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("starter");
    let r = explainer().arg("new").arg(&dir).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(dir.join("explainer.toml").is_file());
    assert!(dir.join("content/_index.md").is_file());
    // It says how to get `explainer` onto the PATH, and how to preview and build.
    let said = String::from_utf8_lossy(&r.stdout);
    for what in [
        "cargo install --locked --path .",
        "explainer serve",
        "explainer build",
    ] {
        assert!(
            said.contains(what),
            "`explainer new` does not mention {what}: {said}"
        );
    }

    let build = explainer().arg("build").arg(&dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&build.stdout);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(build.status.success(), "{stderr}");
    assert!(stdout.contains("(0 warning(s))"), "{stdout}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(dir.join("public/index.html").is_file());
    let toml = std::fs::read_to_string(dir.join("explainer.toml")).unwrap();
    assert!(toml.contains("[sections]"), "{toml}");
    let concern = std::fs::read_to_string(dir.join("public/concerns/example/index.html")).unwrap();
    assert!(
        concern.contains("An example report"),
        "the starter cites its bibliography"
    );
    assert!(dir.join("public/citations.json").is_file());
    // The starter has no search page, so no page links to one (it would be a 404).
    let home = std::fs::read_to_string(dir.join("public/index.html")).unwrap();
    assert!(!dir.join("public/search/index.html").exists());
    assert!(
        !home.contains("/search/"),
        "the starter links to a search page it lacks"
    );

    let check = explainer()
        .args(["check", "--strict"])
        .arg(&dir)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(out.contains("check passed: 0 warning(s)"), "{out}");
}

#[test]
fn new_refuses_a_folder_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("keep.txt"), "mine").unwrap();
    let r = explainer().arg("new").arg(tmp.path()).output().unwrap();
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(entries(tmp.path()), ["keep.txt"]);
}

#[test]
fn check_writes_nothing() {
    let site = rich_site();
    let before = snapshot(site.path());
    let r = site.run(&["check"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("check passed"), "{}", r.stdout);
    assert_same_tree(&before, &snapshot(site.path()), "the site after `check`");
    assert!(!site.public().exists());

    // With an existing public/, check leaves it exactly as it was, even when the content
    // changed since.
    site.build_ok();
    site.write(
        "content/concerns/gamma.md",
        "---\ntitle: Changed\n---\nSee [privacy](privacy.md).\n",
    );
    let before = snapshot(site.path());
    let r = site.run(&["check"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_same_tree(
        &before,
        &snapshot(site.path()),
        "the site after a second `check`",
    );

    // A failing check writes nothing either.
    site.write("content/concerns/gamma.md", "---\ntitle: Broken\n");
    let before = snapshot(site.path());
    let r = site.run(&["check"]);
    assert_eq!(r.code, Some(1));
    assert_same_tree(
        &before,
        &snapshot(site.path()),
        "the site after a failed `check`",
    );
}

#[test]
fn help_and_version() {
    let r = explainer().arg("--help").output().unwrap();
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success());
    for cmd in ["build", "check", "new"] {
        assert!(out.contains(cmd), "--help does not mention {cmd}");
    }
    let r = explainer().arg("--version").output().unwrap();
    assert!(r.status.success());
    assert!(String::from_utf8_lossy(&r.stdout).contains(env!("CARGO_PKG_VERSION")));
}
