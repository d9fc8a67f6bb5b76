//! Shortcodes and data files through the whole build: what they render, every error at
//! its exact place (file:line:col), a citation in a block's body verified like any other,
//! shortcodes in code left as text, data files published only when linked, and a change
//! to a data file rendering again exactly the pages that read it.

mod common;

use common::{Site, page};
use explainer::{BuildOptions, Diagnostic, Session, build, build_in};
use std::path::{Path, PathBuf};

const LETTER: &str = "---\ntitle: The letter\nshort_title: Letter\n---\n\nThe rules are too broad.\n\nWe ask for a narrower text.\n";

/// A site with the letter, a site shortcode that reads a data file, and `files`.
fn site(files: &[(&str, &str)]) -> Site {
    let mut all: Vec<(&str, &str)> = vec![
        ("content/_index.md", "---\ntitle: Home\n---\nHome.\n"),
        (
            "content/sources/_index.md",
            "---\ntitle: Sources\n---\nThe sources.\n",
        ),
        ("content/sources/letter.md", LETTER),
        (
            "layouts/shortcodes/rows.html",
            "{#- shortcode: inline\n    path: string\n    column: string\n-#}\n<ul class=\"rows\">{% for r in load_data(path=path) %}<li>{{ r[column] }}</li>{% endfor %}</ul>",
        ),
    ];
    all.extend_from_slice(files);
    Site::new(&all)
}

/// The errors of a build that must fail.
fn errors(s: &Site) -> Vec<Diagnostic> {
    match build(&BuildOptions::new(s.path())) {
        Ok(_) => panic!("the build should fail"),
        Err(d) => d
            .into_iter()
            .filter(|d| d.severity == explainer::Severity::Error)
            .collect(),
    }
}

/// The one error of a build that must fail: its file, line, column and message.
fn one_error(s: &Site) -> (String, usize, usize, String) {
    let e = errors(s);
    assert_eq!(e.len(), 1, "{e:#?}");
    let p = e[0].position.expect("a position");
    (
        e[0].file.display().to_string(),
        p.line,
        p.col,
        e[0].message.clone(),
    )
}

fn concern(body: &str) -> Site {
    site(&[("content/concern.md", &page("Concern", body))])
}

#[test]
fn inline_and_block_shortcodes_render_with_typed_arguments() {
    let s = site(&[
        (
            "content/data/states.csv",
            "name,status\nA,signed\n\"B, C\",\"not \"\"yet\"\"\"\n",
        ),
        (
            "layouts/shortcodes/typed.html",
            "{#- shortcode: inline\n    n: number\n    yes: bool\n    list: array\n-#}\n<span class=\"typed\">{{ n + 1 }}|{{ 'yes' if yes is true else 'no' }}|{{ list|join('+') }}</span>",
        ),
        (
            "content/concern.md",
            &page(
                "Concern",
                "States: {{ rows(path=\"data/states.csv\", column=\"name\") }} and {{ typed(n=2, yes=true, list=[\"x\", 'y']) }}.\n\n{% note(title=\"Mind\") %}\nThe letter says so [@letter \"rules are too broad\"].\n{% end %}\n",
            ),
        ),
    ]);
    s.lib_build();
    let html = s.read("concern/index.html");
    assert!(
        html.contains("<ul class=\"rows\"><li>A</li><li>B, C</li></ul>"),
        "{html}"
    );
    assert!(
        html.contains("<span class=\"typed\">3|yes|x+y</span>"),
        "{html}"
    );
    let note = &html[html.find("<aside class=\"inset-text\"").expect("the note")..];
    let note = &note[..note.find("</aside>").unwrap()];
    assert!(note.contains("<strong>Mind</strong>"), "{note}");
    // The citation in the body is a citation mark, with its entry in the References list.
    assert!(note.contains("class=\"cite\""), "{note}");
    assert!(html.contains("id=\"ref-1\""), "{html}");
    // A data file nobody links is not published.
    assert!(!s.exists("data/states.csv"));
}

#[test]
fn a_citation_in_a_block_body_is_verified() {
    let s = concern(
        "Intro.\n\n{% note() %}\nThe letter says [@letter \"rules are too narrow\"].\n{% end %}\n",
    );
    let (file, line, col, message) = one_error(&s);
    assert_eq!(
        (file.as_str(), line, col),
        ("content/concern.md", 7, 18),
        "{message}"
    );
    assert!(message.contains("rules are too narrow"), "{message}");
}

/// `n` `note` blocks, each inside the one before.
fn nested_notes(n: usize) -> String {
    format!(
        "{}x\n\n{}",
        "{% note() %}\n\n".repeat(n),
        "{% end %}\n\n".repeat(n)
    )
}

#[test]
fn block_shortcodes_nest_to_a_limit_and_deeper_is_a_located_error() {
    let deepest = explainer::shortcode::MAX_BLOCK_DEPTH;
    let s = concern(&nested_notes(deepest));
    let built = build(&BuildOptions::new(s.path()));
    assert!(built.is_ok(), "{:#?}", built.err());
    let html = s.read("concern/index.html");
    assert_eq!(html.matches("<aside class=\"inset-text\"").count(), deepest);
    // One more is an error at the open tag past the limit (the body starts on line 4);
    // thousands more (which once overflowed the stack) are the same error, not a crash.
    for n in [deepest + 1, 5_000] {
        let (file, line, col, message) = one_error(&concern(&nested_notes(n)));
        assert_eq!(
            (file.as_str(), line, col),
            ("content/concern.md", 4 + 2 * deepest, 1),
            "{message}"
        );
        assert!(message.contains("nested more than"), "{message}");
    }
}

#[test]
fn a_shortcode_template_that_never_finishes_is_a_located_error() {
    let s = site(&[
        (
            "layouts/shortcodes/forever.html",
            "{#- shortcode: inline -#}\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        ),
        (
            "content/concern.md",
            &page("Concern", "Text {{ forever() }} here.\n"),
        ),
    ]);
    let (file, line, col, message) = one_error(&s);
    assert_eq!(
        (file.as_str(), line, col),
        ("content/concern.md", 4, 9),
        "{message}"
    );
    assert!(message.contains("took more than"), "{message}");
}

#[test]
fn shortcodes_in_code_are_text() {
    let s = concern("Write `{{ nope(x=1) }}` inline, or:\n\n```\n{% nope() %}\n{% end %}\n```\n");
    s.lib_build();
    let html = s.read("concern/index.html");
    assert!(html.contains("<code>{{ nope(x=1) }}</code>"), "{html}");
    assert!(html.contains("{% nope() %}\n{% end %}"), "{html}");
}

#[test]
fn every_shortcode_error_is_located() {
    let cases: &[(&str, usize, usize, &str)] = &[
        ("A {{ nope() }}.\n", 4, 6, "there is no shortcode `nope`"),
        (
            "A {{ rows(path=\"data/x.csv\") }}.\n",
            4,
            6,
            "needs the argument `column` (a string)",
        ),
        (
            "A {{ rows(path=3, column=\"a\") }}.\n",
            4,
            11,
            "`path` of `rows` is a string, but a number is given",
        ),
        (
            "A {{ rows(path=\"a\", column=\"b\", extra=[1]) }}.\n",
            4,
            33,
            "takes no argument `extra`",
        ),
        (
            "{% rows(path=\"a\", column=\"b\") %}\nBody.\n{% end %}\n",
            4,
            1,
            "inline shortcode, and takes no body",
        ),
        (
            "A {{ note() }}.\n",
            4,
            3,
            "block shortcode: it takes a body",
        ),
        ("Text.\n\n{% note() %}\nBody.\n", 6, 1, "is never closed"),
        ("Text.\n\n{% end %}\n", 6, 1, "closes no shortcode"),
        (
            "A {{ rows(path=\"data/x.csv, column=\"b\") }}.\n",
            4,
            37,
            "expected `,` or `)`",
        ),
        (
            "A {{ rows(path='a\", column=\"b\") }}.\n",
            4,
            16,
            "no closing '",
        ),
        (
            "A {{ rows(path=\"data/none.csv\", column=\"b\") }}.\n",
            4,
            6,
            "no data file `data/none.csv`",
        ),
    ];
    for (body, line, col, words) in cases {
        let s = concern(body);
        let (file, l, c, message) = one_error(&s);
        assert_eq!(
            (file.as_str(), l, c),
            ("content/concern.md", *line, *col),
            "{body}: {message}"
        );
        assert!(message.contains(words), "{body}: {message}");
        assert!(!s.public().exists(), "{body}: nothing is written");
    }
}

#[test]
fn a_template_error_is_located_at_the_shortcode_and_names_the_template() {
    let s = site(&[
        (
            "layouts/shortcodes/broken.html",
            "{#- shortcode: any\n-#}\n<p>{{ 1 + [] }}</p>",
        ),
        (
            "content/concern.md",
            &page("Concern", "Text.\n\nSee {{ broken() }}.\n"),
        ),
    ]);
    let e = errors(&s);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].file, PathBuf::from("content/concern.md"));
    assert_eq!(e[0].position.map(|p| (p.line, p.col)), Some((6, 8)));
    assert!(
        e[0].message.contains("the shortcode `broken` failed"),
        "{}",
        e[0].message
    );
    let help = e[0].help.clone().unwrap_or_default();
    assert!(help.contains("broken.html:3"), "{help}");
}

#[test]
fn a_template_without_a_valid_header_is_an_error_at_its_line() {
    let s = site(&[(
        "layouts/shortcodes/bare.html",
        "{#- shortcode: inline\n    n: integer\n-#}\n<p></p>",
    )]);
    let e = errors(&s);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(
        e[0].file.ends_with("layouts/shortcodes/bare.html"),
        "{:?}",
        e[0].file
    );
    assert_eq!(e[0].position.map(|p| p.line), Some(2));
    assert!(
        e[0].message.contains("`integer` is not a type"),
        "{}",
        e[0].message
    );
}

#[test]
fn data_file_errors_are_at_their_line() {
    for (rel, text, line, col) in [
        ("content/data/x.csv", "a,b\n1,2\n3,4,5\n", 3, 1),
        ("content/data/x.json", "[1,\n 2,,\n]", 2, 4),
        ("content/data/x.yaml", "- a\n- [b\n", 2, 3),
    ] {
        let s = site(&[(rel, text)]);
        let (file, l, c, message) = one_error(&s);
        assert_eq!((file.as_str(), l, c), (rel, line, col), "{rel}: {message}");
    }
}

#[test]
fn a_linked_data_file_is_published() {
    let s = site(&[
        ("content/data/x.csv", "a\n1\n"),
        ("content/data/y.csv", "a\n2\n"),
        (
            "content/concern.md",
            &page("Concern", "The [data](data/x.csv).\n"),
        ),
    ]);
    s.lib_build();
    assert_eq!(s.read("data/x.csv"), "a\n1\n");
    assert!(!s.exists("data/y.csv"));
}

/// A warm session's output folder next to a fresh build's, for rebuild checks.
struct Live {
    site: Site,
    live: PathBuf,
    session: Session,
}

impl Live {
    fn build(&mut self) -> usize {
        let opts = BuildOptions {
            out_dir: Some(self.live.clone()),
            ..BuildOptions::new(self.site.path())
        };
        let report = build_in(&opts, &mut self.session).unwrap_or_else(|d| panic!("{d}"));
        let fresh = self.site.path().join("fresh");
        let _ = std::fs::remove_dir_all(&fresh);
        build(&BuildOptions {
            out_dir: Some(fresh.clone()),
            ..BuildOptions::new(self.site.path())
        })
        .unwrap_or_else(|d| panic!("{d}"));
        let (a, b) = (common::snapshot(&self.live), common::snapshot(&fresh));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "the same files"
        );
        let differ: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
        assert!(
            differ.is_empty(),
            "a rebuild differs from a clean build in {differ:?}"
        );
        report.pages_rendered
    }

    fn write(&mut self, rel: &str, text: &str) {
        self.site.write(rel, text);
        self.session.note_changed([self.site.path().join(rel)]);
    }

    fn html(&self, rel: &str) -> String {
        std::fs::read_to_string(self.live.join(rel)).unwrap()
    }
}

fn live_path(s: &Site) -> PathBuf {
    Path::new(s.path()).join("live")
}

#[test]
fn a_data_file_change_renders_again_exactly_the_pages_that_read_it() {
    let uses = |path: &str| format!("Rows: {{{{ rows(path=\"{path}\", column=\"a\") }}}}.\n");
    // A summary of its own, so that what lists show of a page does not change with its body.
    let page =
        |title: &str, body: &str| format!("---\ntitle: {title}\nsummary: {title}.\n---\n{body}");
    let s = site(&[
        ("content/data/x.csv", "a\none\n"),
        ("content/data/y.yaml", "- a: first\n"),
        ("content/reads-x.md", &page("X", &uses("data/x.csv"))),
        (
            "content/reads-x-too.md",
            &page("X too", &uses("data/x.csv")),
        ),
        ("content/reads-y.md", &page("Y", &uses("data/y.yaml"))),
        ("content/reads-none.md", &page("None", "Nothing.\n")),
    ]);
    let live = live_path(&s);
    let mut l = Live {
        site: s,
        live,
        session: Session::warm(),
    };
    l.build();
    assert_eq!(l.build(), 0, "nothing changed");

    l.write("content/data/x.csv", "a\ntwo\n");
    assert_eq!(l.build(), 2, "the two pages that read x.csv");
    assert!(l.html("reads-x/index.html").contains("<li>two</li>"));

    l.write("content/data/y.yaml", "- a: second\n");
    assert_eq!(l.build(), 1, "the page that reads y.yaml");
    assert!(l.html("reads-y/index.html").contains("<li>second</li>"));

    // A data file nobody reads: no page.
    l.write("content/data/z.json", "[{\"a\": 1}]");
    assert_eq!(l.build(), 0, "a new data file no page reads");

    // A page starts reading another file: it, and then its changes, are followed.
    l.write("content/reads-none.md", &page("None", &uses("data/z.json")));
    assert_eq!(l.build(), 1);
    l.write("content/data/z.json", "[{\"a\": 2}]");
    assert_eq!(l.build(), 1);
    assert!(l.html("reads-none/index.html").contains("<li>2</li>"));
}
