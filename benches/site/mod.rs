//! Generated sites for the benchmarks: N pages of varied prose with front matter,
//! headings, links (some to anchors), a footnote, quote citations into one source and,
//! optionally, a highlighted code block. Shared by `benches/build.rs` and `benches/serve.rs`.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

pub const SECTIONS: usize = 10;
pub const SOURCE_ID: &str = "bench-letter";
pub const SOURCE_PARAGRAPHS: usize = 30;

/// What a generated site has besides its prose.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    /// A fenced code block on every page.
    pub code: bool,
    /// The search index (`search = false` in explainer.toml when off).
    pub search: bool,
}

/// Writes a site of `n` pages into `site`; returns the bytes of Markdown written.
pub fn generate_site(site: &Path, n: usize, variant: Variant) -> std::io::Result<usize> {
    let content = site.join("content");
    let mut bytes = 0;
    let mut write = |rel: &str, text: &str| -> std::io::Result<()> {
        let path = content.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        bytes += text.len();
        std::fs::write(path, text)
    };
    std::fs::create_dir_all(site)?;
    let mut config = String::from(
        "title = \"Benchmark site\"\nbase_url = \"https://example.org/bench/\"\nlanguage = \"en\"\ndescription = \"A generated site for timing builds.\"\n",
    );
    if !variant.search {
        config.push_str("search = false\n");
    }
    std::fs::write(site.join("explainer.toml"), config)?;

    let mut home = String::from(
        "---\ntitle: Benchmark site\nsummary: A generated site for timing builds.\n---\n\nThe sections of this site:\n\n",
    );
    for s in 0..SECTIONS {
        let _ = writeln!(home, "- [Section {s}]({}/_index.md)", section_name(s));
    }
    let _ = writeln!(home, "- [The letter](sources/{SOURCE_ID}.md)");
    write("_index.md", &home)?;

    for s in 0..SECTIONS {
        let mut rng = Rng::new(1_000_000 + s as u64);
        let text = format!(
            "---\ntitle: \"Section {s}\"\nsummary: \"{}.\"\nweight: {s}\n---\n\n{}\n",
            capitalise(&rng.words(8, WORDS)),
            rng.paragraph(60, WORDS),
        );
        write(&format!("{}/_index.md", section_name(s)), &text)?;
    }

    write(
        "sources/_index.md",
        "---\ntitle: Sources\nsummary: The documents this site explains.\n---\n\nThe documents, word for word.\n",
    )?;
    write(&format!("sources/{SOURCE_ID}.md"), &source_text())?;

    for j in 0..n {
        let rel = format!("{}/{}.md", section_of(j), slug(j));
        write(&rel, &page_text(j, n, variant))?;
    }
    Ok(bytes)
}

fn section_name(s: usize) -> String {
    format!("section-{s:02}")
}

pub fn section_of(j: usize) -> String {
    section_name(j % SECTIONS)
}

pub fn slug(j: usize) -> String {
    format!("page-{j:05}")
}

/// The source: 30 paragraphs of about 60 words, each holding one phrase no other has.
fn source_text() -> String {
    let mut text = String::from(
        "---\ntitle: \"A letter about the rules\"\nshort_title: \"The letter\"\nsummary: \"The letter every page cites.\"\nkind: letter\ndate: 2024-01-01\nauthors: [A. Writer, B. Writer]\n---\n\n",
    );
    let mut rng = Rng::new(42);
    for p in 0..SOURCE_PARAGRAPHS {
        let _ = write!(
            text,
            "{} We ask you to read {} with care. {}\n\n",
            rng.paragraph(25, SOURCE_WORDS),
            source_marker(p),
            rng.paragraph(25, SOURCE_WORDS),
        );
    }
    text
}

/// The words unique to source paragraph `p` (0-based).
pub fn source_marker(p: usize) -> &'static str {
    MARKERS[p % MARKERS.len()]
}

/// The two source paragraphs page `j` cites.
pub fn citations_of(j: usize) -> [usize; 2] {
    [(2 * j) % SOURCE_PARAGRAPHS, (2 * j + 7) % SOURCE_PARAGRAPHS]
}

/// Page `j`'s three headings; the lists share no phrase, so the ids never collide.
fn headings_of(j: usize) -> [&'static str; 3] {
    [
        HEADINGS[0][j % HEADINGS[0].len()],
        HEADINGS[1][(j / 3) % HEADINGS[1].len()],
        HEADINGS[2][(j / 7) % HEADINGS[2].len()],
    ]
}

/// The `id` comrak gives a heading made of letters and spaces.
fn anchor(heading: &str) -> String {
    heading.to_lowercase().replace(' ', "-")
}

/// A relative link from page `from` to page `to`, to one of its headings if `heading` is set.
fn link(from: usize, to: usize, heading: Option<usize>) -> String {
    let mut url = if from % SECTIONS == to % SECTIONS {
        format!("{}.md", slug(to))
    } else {
        format!("../{}/{}.md", section_of(to), slug(to))
    };
    if let Some(h) = heading {
        url.push('#');
        url.push_str(&anchor(headings_of(to)[h]));
    }
    url
}

fn page_text(j: usize, n: usize, variant: Variant) -> String {
    let mut rng = Rng::new(j as u64);
    let headings = headings_of(j);
    // Five targets: the next page (so every page has a backlink) and four spread out.
    let targets = [1, 3, 17, 101, 997].map(|d| (j + d) % n);
    let [c1, c2] = citations_of(j).map(source_marker);
    let mut t = String::with_capacity(5_000);
    let _ = write!(
        t,
        "---\ntitle: \"{}, part {j}\"\nsummary: \"{}.\"\nweight: {}\n---\n\n",
        capitalise(&rng.words(4, WORDS)),
        capitalise(&rng.words(12, WORDS)),
        j / SECTIONS,
    );
    // Introduction: a link, a citation and the footnote.
    let _ = write!(
        t,
        "{} As [the {} page]({}) explains, {} [@{SOURCE_ID} \"{c1}\"]. {}[^note]\n\n",
        rng.paragraph(30, WORDS),
        rng.word(WORDS),
        link(j, targets[0], None),
        rng.words(10, WORDS),
        rng.paragraph(30, WORDS),
    );
    let _ = write!(t, "## {}\n\n", headings[0]);
    let _ = write!(
        t,
        "{} See also [{}]({}) for the *{}* side. {}\n\n",
        rng.paragraph(40, WORDS),
        rng.words(3, WORDS),
        link(j, targets[1], Some(1)),
        rng.word(WORDS),
        rng.paragraph(40, WORDS),
    );
    let _ = write!(
        t,
        "{} The `{}` value is **{}**. {}\n\n",
        rng.paragraph(40, WORDS),
        rng.word(WORDS),
        rng.word(WORDS),
        rng.paragraph(40, WORDS),
    );
    if variant.code {
        t.push_str(&code_block(j, &mut rng));
        t.push('\n');
    }
    let _ = write!(t, "## {}\n\n", headings[1]);
    let _ = write!(
        t,
        "{} The letter puts it plainly [@{SOURCE_ID} \"{c2}\"], and [{}]({}) agrees. {}\n\n",
        rng.paragraph(40, WORDS),
        rng.words(2, WORDS),
        link(j, targets[2], Some(2)),
        rng.paragraph(40, WORDS),
    );
    let _ = write!(
        t,
        "{} Compare [{}]({}). {}\n\n",
        rng.paragraph(40, WORDS),
        rng.words(2, WORDS),
        link(j, targets[3], None),
        rng.paragraph(35, WORDS),
    );
    let _ = write!(t, "## {}\n\n", headings[2]);
    let _ = write!(
        t,
        "{} The [summary]({}) says more. {}\n\n",
        rng.paragraph(40, WORDS),
        link(j, targets[4], Some(0)),
        rng.paragraph(40, WORDS),
    );
    let _ = writeln!(t, "[^note]: {}", rng.paragraph(15, WORDS));
    t
}

pub const LANGUAGES: &[&str] = &["rust", "python", "js"];

/// A fenced block of ten lines, in Rust, Python or JavaScript by turn.
fn code_block(j: usize, rng: &mut Rng) -> String {
    let word = rng.word(WORDS);
    let k = 2 + j % 5;
    let m = 10 + j % 90;
    match LANGUAGES[j % LANGUAGES.len()] {
        "rust" => format!(
            "```rust\n/// Sums every {k}th weight of part {j}.\nfn total_{j}(items: &[u32]) -> u64 {{\n    let mut sum = 0u64;\n    for (i, item) in items.iter().enumerate() {{\n        if i % {k} == 0 {{\n            sum += u64::from(*item) * {m};\n        }}\n    }}\n    sum\n}}\n```\n"
        ),
        "python" => format!(
            "```python\ndef summarise_{j}(rows):\n    \"\"\"Count the rows of part {j} by key.\"\"\"\n    counts = {{}}\n    for row in rows:\n        key = row.get(\"key\", \"{word}\")\n        counts[key] = counts.get(key, 0) + {k}\n    total = sum(counts.values())\n    if total > {m}:\n        print(f\"large batch: {{total}}\")\n    return sorted(counts.items())\n```\n"
        ),
        _ => format!(
            "```js\nexport function render{j}(items) {{\n  const list = document.createElement(\"ul\");\n  for (const item of items) {{\n    const li = document.createElement(\"li\");\n    li.textContent = `${{item.name}} (${{item.count * {k}}})`;\n    list.appendChild(li);\n  }}\n  // {word} entries come first, {m} at most\n  return list.slice(0, {m});\n}}\n```\n"
        ),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A small deterministic generator (xorshift64*), so every run writes the same site.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self, list: &[&'static str]) -> &'static str {
        list[self.below(list.len())]
    }

    fn words(&mut self, count: usize, list: &[&'static str]) -> String {
        let mut s = String::new();
        for i in 0..count {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.word(list));
        }
        s
    }

    /// About `count` words of sentences of 6 to 17 words, some with a comma.
    fn paragraph(&mut self, count: usize, list: &[&'static str]) -> String {
        let mut s = String::new();
        let mut left = count;
        while left > 0 {
            let len = (6 + self.below(12)).min(left.max(4));
            let mut sentence = self.words(len, list);
            if len > 9 && self.below(2) == 0 {
                let at = sentence.match_indices(' ').nth(4).map_or(0, |(i, _)| i);
                if at > 0 {
                    sentence.insert(at, ',');
                }
            }
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&capitalise(&sentence));
            s.push('.');
            left = left.saturating_sub(len);
        }
        s
    }
}

const HEADINGS: [&[&str]; 3] = [
    &[
        "Background",
        "What the text says",
        "Where it comes from",
        "The short version",
        "Origins of the idea",
        "How we got here",
        "The starting point",
    ],
    &[
        "How it works in practice",
        "The mechanics",
        "What changes for users",
        "A worked example",
        "Step by step",
        "Under the hood",
        "Day to day effects",
    ],
    &[
        "What comes next",
        "Open questions",
        "Why it matters",
        "Limits and exceptions",
        "The wider picture",
        "Criticism and replies",
        "Where to read more",
    ],
];

/// One phrase per source paragraph; none of their words is in [`SOURCE_WORDS`].
const MARKERS: [&str; SOURCE_PARAGRAPHS] = [
    "the agate provision",
    "the basalt provision",
    "the cobalt provision",
    "the dolomite provision",
    "the epidote provision",
    "the feldspar provision",
    "the garnet provision",
    "the hematite provision",
    "the ilmenite provision",
    "the jasper provision",
    "the kyanite provision",
    "the lazurite provision",
    "the malachite provision",
    "the nephrite provision",
    "the obsidian provision",
    "the peridot provision",
    "the quartz provision",
    "the rhodonite provision",
    "the sodalite provision",
    "the topaz provision",
    "the uvarovite provision",
    "the variscite provision",
    "the wulfenite provision",
    "the xenotime provision",
    "the yttrium provision",
    "the zircon provision",
    "the beryl provision",
    "the calcite provision",
    "the dioptase provision",
    "the euclase provision",
];

const SOURCE_WORDS: &[&str] = &[
    "we",
    "are",
    "concerned",
    "that",
    "the",
    "draft",
    "convention",
    "would",
    "allow",
    "states",
    "to",
    "collect",
    "data",
    "without",
    "adequate",
    "safeguards",
    "for",
    "privacy",
    "and",
    "human",
    "rights",
    "researchers",
    "journalists",
    "could",
    "face",
    "prosecution",
    "under",
    "broad",
    "offences",
    "which",
    "lack",
    "a",
    "requirement",
    "of",
    "criminal",
    "intent",
    "urge",
    "delegation",
    "reject",
    "text",
    "in",
    "its",
    "current",
    "form",
    "ensure",
    "any",
    "treaty",
    "respects",
    "freedom",
    "expression",
    "cooperation",
    "between",
    "authorities",
    "must",
    "be",
    "limited",
    "by",
    "independent",
    "oversight",
    "transparency",
    "companies",
    "members",
    "industry",
    "association",
    "represent",
    "security",
    "sector",
    "respectfully",
    "request",
    "meeting",
    "discuss",
    "these",
    "issues",
    "further",
    "before",
    "vote",
];

const WORDS: &[&str] = &[
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "that",
    "is",
    "for",
    "it",
    "as",
    "with",
    "on",
    "by",
    "this",
    "be",
    "are",
    "from",
    "at",
    "or",
    "an",
    "which",
    "not",
    "can",
    "its",
    "more",
    "also",
    "than",
    "when",
    "each",
    "every",
    "only",
    "most",
    "some",
    "other",
    "such",
    "because",
    "while",
    "where",
    "after",
    "before",
    "between",
    "under",
    "across",
    "without",
    "within",
    "rule",
    "convention",
    "article",
    "state",
    "court",
    "power",
    "data",
    "access",
    "request",
    "order",
    "provider",
    "service",
    "network",
    "system",
    "user",
    "citizen",
    "agency",
    "police",
    "researcher",
    "journalist",
    "company",
    "treaty",
    "text",
    "clause",
    "safeguard",
    "right",
    "privacy",
    "freedom",
    "security",
    "law",
    "offence",
    "intent",
    "evidence",
    "warrant",
    "judge",
    "review",
    "oversight",
    "limit",
    "scope",
    "purpose",
    "report",
    "record",
    "account",
    "message",
    "device",
    "server",
    "border",
    "country",
    "government",
    "delegation",
    "draft",
    "meeting",
    "letter",
    "question",
    "answer",
    "example",
    "case",
    "change",
    "cost",
    "risk",
    "harm",
    "benefit",
    "practice",
    "process",
    "procedure",
    "standard",
    "principle",
    "debate",
    "decision",
    "exception",
    "condition",
    "requirement",
    "protection",
    "cooperation",
    "assistance",
    "jurisdiction",
    "disclosure",
    "retention",
    "interception",
    "encryption",
    "vulnerability",
    "software",
    "hardware",
    "code",
    "test",
    "tool",
    "method",
    "model",
    "allows",
    "requires",
    "limits",
    "covers",
    "defines",
    "explains",
    "describes",
    "shows",
    "suggests",
    "argues",
    "claims",
    "notes",
    "asks",
    "expects",
    "permits",
    "forbids",
    "extends",
    "reduces",
    "protects",
    "exposes",
    "collects",
    "stores",
    "shares",
    "sends",
    "reads",
    "checks",
    "builds",
    "breaks",
    "fixes",
    "opens",
    "closes",
    "broad",
    "narrow",
    "clear",
    "vague",
    "strict",
    "loose",
    "public",
    "private",
    "national",
    "foreign",
    "domestic",
    "criminal",
    "civil",
    "technical",
    "legal",
    "political",
    "practical",
    "careful",
    "hasty",
    "early",
    "late",
    "recent",
    "older",
    "newer",
    "final",
    "current",
    "proposed",
    "existing",
    "binding",
    "optional",
    "mutual",
    "independent",
    "effective",
    "weak",
    "strong",
    "quickly",
    "slowly",
    "rarely",
    "often",
    "usually",
    "plainly",
    "quietly",
    "openly",
    "largely",
];
