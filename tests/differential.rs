//! The differential test of incremental builds: a seeded random sequence of edits, applied
//! to a generated site and to a copy of the real site. After each edit, a build in a warm
//! session that was told what changed (what `serve` does on a save) must leave exactly what
//! a clean build leaves: the same files with the same bytes, or the same errors.
//!
//! The edits are what editors do: text, a heading other pages link to, a quoted sentence
//! of a letter, a bibliography entry, adding, deleting and renaming pages and sections,
//! `explainer.toml`, a template, an asset, a data file that shortcodes read, and a touch
//! that changes nothing. Some of them
//! break the site (a heading that links point to, a quoted word); a later step may undo
//! them, as an editor would.
//!
//! `EXPLAINER_DIFF_EDITS` (by default 12 on the generated site, 5 on the real one) and `EXPLAINER_DIFF_SEED` set the run; a
//! failure prints the seed, the step and the edits so far.

use explainer::{BuildOptions, Session, build, build_in};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A small, fast, seeded random number generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

fn files_under(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// A site being edited, with the warm session that follows it.
struct Edited {
    _dir: tempfile::TempDir,
    site: PathBuf,
    warm_out: PathBuf,
    clean_out: PathBuf,
    session: Session,
    /// What to put back to undo a breaking edit: path, and its text before (None: absent).
    undo: Vec<Vec<(String, Option<String>)>>,
    log: Vec<String>,
}

impl Edited {
    fn new(files: BTreeMap<String, Vec<u8>>) -> Edited {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        for (rel, bytes) in &files {
            let p = site.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        Edited {
            warm_out: dir.path().join("warm"),
            clean_out: dir.path().join("clean"),
            _dir: dir,
            site,
            session: Session::warm(),
            undo: vec![],
            log: vec![],
        }
    }

    fn read(&self, rel: &str) -> Option<String> {
        std::fs::read_to_string(self.site.join(rel)).ok()
    }

    /// Markdown files under `content/`, by path relative to the site.
    fn pages(&self) -> Vec<String> {
        files_under(&self.site.join("content"))
            .into_keys()
            .filter(|k| k.ends_with(".md"))
            .map(|k| format!("content/{k}"))
            .collect()
    }

    /// Writes (or removes) files, noting each as changed; returns what was there before.
    fn write(&mut self, changes: &[(String, Option<String>)]) -> Vec<(String, Option<String>)> {
        let mut before = vec![];
        for (rel, text) in changes {
            before.push((rel.clone(), self.read(rel)));
            let p = self.site.join(rel);
            match text {
                Some(t) => {
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(&p, t).unwrap();
                }
                None => {
                    let _ = std::fs::remove_file(&p);
                }
            }
            self.session.note_changed([p]);
        }
        before
    }

    /// One random edit, described in the log.
    fn edit(&mut self, rng: &mut Rng, step: usize) {
        if !self.undo.is_empty() && rng.below(5) < 3 {
            let undo = self.undo.pop().unwrap();
            self.write(&undo);
            self.log.push(format!(
                "{step}: undo {:?}",
                undo.iter().map(|u| &u.0).collect::<Vec<_>>()
            ));
            return;
        }
        let pages = self.pages();
        let page = rng.pick(&pages).cloned().unwrap_or_default();
        let text = self.read(&page).unwrap_or_default();
        let (what, changes, breaking): (&str, Vec<(String, Option<String>)>, bool) = match rng
            .below(13)
        {
            0 => (
                "text",
                vec![(
                    page.clone(),
                    Some(format!("{}\nEdited in step {step}.\n", text.trim_end())),
                )],
                false,
            ),
            1 => match text.lines().find(|l| l.starts_with("## ")) {
                Some(h) => (
                    "a heading",
                    vec![(
                        page.clone(),
                        Some(text.replacen(h, &format!("{h} renamed {step}"), 1)),
                    )],
                    true,
                ),
                None => ("nothing (no heading)", vec![], false),
            },
            2 => {
                let letters: Vec<String> = pages
                    .iter()
                    .filter(|p| p.contains("/sources/") && !p.ends_with("_index.md"))
                    .cloned()
                    .collect();
                match rng.pick(&letters) {
                    Some(l) => {
                        let t = self.read(l).unwrap();
                        let body_at = t.find("\n---").map(|i| i + 4).unwrap_or(0);
                        let words: Vec<&str> = t[body_at..]
                            .split_whitespace()
                            .filter(|w| w.len() > 5 && w.chars().all(char::is_alphabetic))
                            .collect();
                        match rng.pick(&words) {
                            Some(w) => (
                                "a letter's word",
                                vec![(l.clone(), Some(t.replacen(w, &format!("{w}x"), 1)))],
                                true,
                            ),
                            None => ("nothing (no word)", vec![], false),
                        }
                    }
                    None => ("nothing (no letter)", vec![], false),
                }
            }
            // An entry's checked places: what decides the warnings about citations
            // beyond them (a warm build once kept such a warning after a change).
            3 if step.is_multiple_of(2) => match self.read("content/references.yaml") {
                Some(r) => {
                    let wide = format!("[\"p. 1–{}\"]", rng.below(8));
                    let kept: Vec<&str> = r
                        .lines()
                        .filter(|l| !l.trim_start().starts_with("checked_locators:"))
                        .collect();
                    let mut text = String::new();
                    for l in kept {
                        text.push_str(l);
                        text.push('\n');
                        if l.trim_start().starts_with("url:") {
                            text.push_str(&format!("  checked_locators: {wide}\n"));
                        }
                    }
                    (
                        "an entry's checked places",
                        vec![("content/references.yaml".into(), Some(text))],
                        false,
                    )
                }
                None => ("nothing (no bibliography)", vec![], false),
            },
            3 => match self.read("content/references.yaml") {
                Some(r) => match r.lines().find(|l| l.trim_start().starts_with("title:")) {
                    Some(t) => (
                        "a bibliography title",
                        vec![(
                            "content/references.yaml".into(),
                            Some(r.replacen(t, &retitled(t, step), 1)),
                        )],
                        false,
                    ),
                    None => ("nothing (no title)", vec![], false),
                },
                None => ("nothing (no bibliography)", vec![], false),
            },
            4 => {
                let dir = page.rsplit_once('/').map(|(d, _)| d).unwrap_or("content");
                let target = pages
                    .iter()
                    .find(|p| p.starts_with(&format!("{dir}/")) && *p != &page)
                    .cloned();
                let link = target
                    .map(|t| format!(" See [a page]({}).", t.rsplit('/').next().unwrap()))
                    .unwrap_or_default();
                let new = format!("{dir}/added-{step}.md");
                (
                    "a new page",
                    vec![(
                        new,
                        Some(format!(
                            "---\ntitle: Added in step {step}\n---\nA new page.{link}\n"
                        )),
                    )],
                    false,
                )
            }
            5 if !page.ends_with("_index.md") => {
                ("a deleted page", vec![(page.clone(), None)], true)
            }
            6 if !page.ends_with("_index.md") => {
                let renamed = format!("{}-moved-{step}.md", page.trim_end_matches(".md"));
                (
                    "a renamed page",
                    vec![(page.clone(), None), (renamed, Some(text.clone()))],
                    true,
                )
            }
            7 => {
                let s = format!("content/section-{step}");
                (
                    "a new section",
                    vec![
                        (
                            format!("{s}/_index.md"),
                            Some(format!("---\ntitle: Section {step}\n---\nA section.\n")),
                        ),
                        (
                            format!("{s}/one.md"),
                            Some(format!(
                                "---\ntitle: One of section {step}\n---\nBack to [the section](_index.md).\n"
                            )),
                        ),
                    ],
                    true,
                )
            }
            8 => match self.read("explainer.toml") {
                Some(c) => match c.lines().find(|l| l.starts_with("title")) {
                    Some(t) => (
                        "explainer.toml",
                        vec![(
                            "explainer.toml".into(),
                            Some(c.replacen(t, &format!("title = \"Site, step {step}\""), 1)),
                        )],
                        false,
                    ),
                    None => ("nothing (no title)", vec![], false),
                },
                None => ("nothing (no settings)", vec![], false),
            },
            9 => {
                let t = self
                    .read("layouts/partials/prevnext.html")
                    .unwrap_or_default();
                (
                    "a template",
                    vec![(
                        "layouts/partials/prevnext.html".into(),
                        Some(format!("{t}<!-- step {step} -->\n")),
                    )],
                    false,
                )
            }
            10 => (
                "an asset",
                vec![(
                    format!("content/files/asset-{}.txt", step % 3),
                    Some(format!("asset of step {step}\n")),
                )],
                false,
            ),
            11 => {
                let data: Vec<String> = files_under(&self.site.join("content/data"))
                    .into_keys()
                    .map(|k| format!("content/data/{k}"))
                    .collect();
                match rng
                    .pick(&data)
                    .and_then(|d| Some((d.clone(), self.read(d)?)))
                {
                    Some((d, t)) => {
                        // A CSV file gets its last record again; any other a digit changed.
                        let changed = if d.ends_with(".csv") {
                            let last = t.trim_end().lines().last().unwrap_or("").to_string();
                            format!("{}\n{last}\n", t.trim_end())
                        } else {
                            match t.char_indices().find(|(_, c)| c.is_ascii_digit()) {
                                Some((i, c)) => {
                                    let d = (c.to_digit(10).unwrap() + 1) % 10;
                                    format!("{}{d}{}", &t[..i], &t[i + 1..])
                                }
                                None => format!("{t}\n"),
                            }
                        };
                        ("a data file", vec![(d, Some(changed))], false)
                    }
                    None => ("nothing (no data file)", vec![], false),
                }
            }
            _ => (
                "a touch that changes nothing",
                vec![(page.clone(), Some(text.clone()))],
                false,
            ),
        };
        if changes.is_empty() {
            self.log.push(format!("{step}: {what}"));
            return;
        }
        let before = self.write(&changes);
        if breaking {
            self.undo.push(before);
        }
        self.log.push(format!(
            "{step}: {what} ({:?})",
            changes.iter().map(|c| &c.0).collect::<Vec<_>>()
        ));
    }

    /// The warm build and a clean build of the site as it is now must agree. Returns
    /// whether they built (rather than failed alike).
    fn compare(&mut self, seed: u64, step: usize) -> bool {
        let warm = build_in(
            &BuildOptions {
                out_dir: Some(self.warm_out.clone()),
                ..BuildOptions::new(&self.site)
            },
            &mut self.session,
        );
        let _ = std::fs::remove_dir_all(&self.clean_out);
        let clean = build(&BuildOptions {
            out_dir: Some(self.clean_out.clone()),
            ..BuildOptions::new(&self.site)
        });
        let context = || {
            format!(
                "seed {seed}, after step {step}; edits:\n{}",
                self.log.join("\n")
            )
        };
        match (warm, clean) {
            (Ok(w), Ok(c)) => {
                assert_eq!(
                    w.diagnostics.to_string(),
                    c.diagnostics.to_string(),
                    "warnings differ; {}",
                    context()
                );
                let (a, b) = (files_under(&self.warm_out), files_under(&self.clean_out));
                let differ: Vec<&String> = a
                    .keys()
                    .chain(b.keys())
                    .filter(|k| a.get(*k) != b.get(*k))
                    .collect();
                assert!(
                    differ.is_empty(),
                    "the warm build differs from a clean one in {differ:?}; {}",
                    context()
                );
                true
            }
            (Err(w), Err(c)) => {
                assert_eq!(w.to_string(), c.to_string(), "errors differ; {}", context());
                false
            }
            (Ok(_), Err(c)) => panic!("only the clean build failed:\n{c}\n{}", context()),
            (Err(w), Ok(_)) => panic!("only the warm build failed:\n{w}\n{}", context()),
        }
    }
}

/// A bibliography `title:` line with the step's number put at the start of its value,
/// inside its quotes if it has them, so the YAML stays valid.
fn retitled(line: &str, step: usize) -> String {
    let (key, value) = line.split_once("title:").unwrap();
    let value = value.trim_start();
    match value.chars().next() {
        Some(q @ ('"' | '\'')) => format!("{key}title: {q}Step {step}: {}", &value[1..]),
        _ => format!("{key}title: Step {step} {value}"),
    }
}

fn run(files: BTreeMap<String, Vec<u8>>, salt: u64, default_edits: usize) {
    let edits: usize = std::env::var("EXPLAINER_DIFF_EDITS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default_edits);
    let seed: u64 = std::env::var("EXPLAINER_DIFF_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20261201);
    let mut rng = Rng((seed ^ salt).max(1));
    let mut site = Edited::new(files);
    assert!(
        site.compare(seed, 0),
        "the site must build before it is edited"
    );
    let mut built = 0;
    for step in 1..=edits {
        site.edit(&mut rng, step);
        built += usize::from(site.compare(seed, step));
    }
    // Breaking edits fail both builds alike; most steps must still build, or the test
    // would compare little but error messages.
    assert!(
        built * 3 >= edits,
        "only {built} of {edits} steps built; {}",
        site.log.join("\n")
    );
    eprintln!("{edits} edits, {built} of them built (the others failed alike)");
}

/// A generated site: sections, pages that link to each other's headings, a letter they
/// quote, a bibliography, a template override and an asset.
fn generated() -> BTreeMap<String, Vec<u8>> {
    let mut f: BTreeMap<String, String> = BTreeMap::new();
    f.insert("explainer.toml".into(), "title = \"Generated\"\nbase_url = \"https://example.org/\"\nlanguage = \"en\"\ndescription = \"A generated site.\"\nsearch = false\n".into());
    f.insert("content/_index.md".into(), "---\ntitle: Home\n---\nSee [the topics](topics/_index.md) and [the letter](sources/letter.md).\n".into());
    f.insert(
        "content/sources/_index.md".into(),
        "---\ntitle: Sources\n---\nThe letters.\n".into(),
    );
    f.insert("content/sources/letter.md".into(), "---\ntitle: A letter\nkind: letter\ndate: 2024-10-29\n---\nDear reader,\n\nWe write about the harbour and its many boats.\n\nThe rules are too broad and their safeguards are limited.\n\nSincerely,\n".into());
    f.insert(
        "content/topics/_index.md".into(),
        "---\ntitle: Topics\n---\nEvery topic.\n".into(),
    );
    for i in 0..8 {
        let next = (i + 1) % 8;
        f.insert(
            format!("content/topics/t{i}.md"),
            format!("---\ntitle: Topic {i}\nweight: {i}\n---\nTopic {i} says the rules are broad [@letter \"rules are too broad\"].\n\n## Details of {i}\n\nSee [topic {next}](t{next}.md#details-of-{next}) and [the memo][m] [@memo, p. {i}].\n\n[m]: ../sources/letter.md#p2\n"),
        );
    }
    f.insert(
        "content/references.yaml".into(),
        "memo:\n  title: A memo\n  publisher: An office\n  url: https://example.org/memo\n".into(),
    );
    f.insert(
        "layouts/partials/prevnext.html".into(),
        "{% if page.previous %}<a href=\"{{ page.previous.url }}\">Previous</a>{% endif %}\n"
            .into(),
    );
    f.insert("content/files/asset-0.txt".into(), "an asset\n".into());
    // Shortcodes: one that reads a data file, and a block whose body cites the letter.
    f.insert("content/data/rows.csv".into(), "name,n\nfirst,1\n".into());
    f.insert(
        "layouts/shortcodes/rows.html".into(),
        "{#- shortcode: inline\n    path: string\n-#}\n<ul>{% for r in load_data(path=path) %}<li>{{ r.name }} {{ r.n }}</li>{% endfor %}</ul>".into(),
    );
    f.insert("content/topics/rows.md".into(), "---\ntitle: Rows\nsummary: Rows.\n---\nThe rows: {{ rows(path=\"data/rows.csv\") }}.\n\n{% note(title=\"A note\") %}\nIt says the rules are broad [@letter \"rules are too broad\"].\n{% end %}\n".into());
    f.into_iter().map(|(k, v)| (k, v.into_bytes())).collect()
}

/// The real site: content/, layouts/ and explainer.toml of this repository.
fn real_site() -> BTreeMap<String, Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = BTreeMap::new();
    for dir in ["content", "layouts"] {
        for (rel, bytes) in files_under(&root.join(dir)) {
            files.insert(format!("{dir}/{rel}"), bytes);
        }
    }
    files.insert(
        "explainer.toml".into(),
        std::fs::read(root.join("explainer.toml")).unwrap(),
    );
    files
}

#[test]
fn random_edits_to_a_generated_site_rebuild_to_a_clean_build() {
    run(generated(), 1, 12);
}

#[test]
fn random_edits_to_the_real_site_rebuild_to_a_clean_build() {
    run(real_site(), 2, 5);
}
