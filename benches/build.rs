//! Build benchmark: generates sites of N pages and times `explainer::build` over them.
//!
//! ```text
//! cargo bench --bench build                   # 1,000 and 10,000 pages, every variant
//! cargo bench --bench build -- 1000           # only 1,000 pages
//! cargo bench --bench build -- 1000 --code    # only the variants with a code block per page
//! cargo bench --bench build -- --no-search    # only the variants with search turned off
//! EXPLAINER_BENCH_PAGES=2000,5000 EXPLAINER_BENCH_RUNS=7 cargo bench --bench build
//! ```
//!
//! Each page has YAML front matter, about 600 words, three headings, five links to other
//! generated pages (two with `#heading` anchors), a footnote, two quote citations into one
//! 30-paragraph source and, in the `code` variant, a ten-line fenced block (Rust, Python or
//! JavaScript in turn). Each site is built with the search index on (the default) and off
//! (`search = false` in explainer.toml), to show what indexing costs.
//!
//! Sites are written under `EXPLAINER_BENCH_DIR`, else `/dev/shm` (a RAM disk, as in
//! DESIGN.md's measurements) when it exists, else the system temp folder.
//! `EXPLAINER_BENCH_KEEP=1` keeps every generated site (to profile `explainer build` on it).
//!
//! Every configuration is built in a child process (this binary, re-run with `--child`), so
//! the peak RSS it reports (`VmHWM`) belongs to that configuration alone. The child checks
//! the first (warm-up) build: any error, or a code block that was not highlighted, ends the
//! benchmark with a non-zero exit status, so a broken generator is never timed; the failing
//! site is kept for inspection.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

const SECTIONS: usize = 10;
const SOURCE_ID: &str = "bench-letter";
const SOURCE_PARAGRAPHS: usize = 30;
const DEFAULT_PAGES: &[usize] = &[1_000, 10_000];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.first().map(String::as_str) == Some("--child") {
        child(&args[1..])
    } else {
        parent(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench failed: {message}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parent: generate each site, build it in a child process, print the table.

/// What a generated site has besides its prose.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Variant {
    /// A fenced code block on every page.
    code: bool,
    /// The search index (`search = false` in explainer.toml when off).
    search: bool,
}

fn parent(args: &[String]) -> Result<(), String> {
    let mut pages: Vec<usize> = vec![];
    let mut code: Vec<bool> = vec![];
    let mut search: Vec<bool> = vec![];
    for arg in args {
        match arg.as_str() {
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "--code" => code.push(true),
            "--no-code" => code.push(false),
            "--search" => search.push(true),
            "--no-search" => search.push(false),
            a => pages.push(parse_count(a)?),
        }
    }
    if pages.is_empty() {
        pages = match std::env::var("EXPLAINER_BENCH_PAGES") {
            Ok(list) => list
                .split(',')
                .map(|s| parse_count(s.trim()))
                .collect::<Result<_, _>>()?,
            Err(_) => DEFAULT_PAGES.to_vec(),
        };
    }
    if code.is_empty() {
        code = vec![false, true];
    }
    if search.is_empty() {
        search = vec![true, false];
    }
    let variants: Vec<Variant> = code
        .iter()
        .flat_map(|&code| search.iter().map(move |&search| Variant { code, search }))
        .collect();
    let runs_override = match std::env::var("EXPLAINER_BENCH_RUNS") {
        Ok(r) => Some(parse_count(&r)?),
        Err(_) => None,
    };
    pages.sort_unstable();

    let base = bench_dir();
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "explainer build benchmark: {threads} CPU(s), load average {}, sites under {}",
        load_average(),
        base.display()
    );
    println!(
        "{:>7}  {:<4}  {:<6}  {:>8}  {:>4}  {:>9}  {:>9}  {:>8}  {:>9}",
        "pages", "code", "search", "input", "runs", "median", "min", "pages/s", "peak RSS"
    );
    for &n in &pages {
        for &variant in &variants {
            let runs = runs_override.unwrap_or(if n <= 2_000 { 5 } else { 3 });
            let dir = tempfile::Builder::new()
                .prefix("explainer-bench-")
                .tempdir_in(&base)
                .map_err(|e| format!("cannot create a folder in {}: {e}", base.display()))?;
            let site = dir.path().join("site");
            let input_bytes = generate_site(&site, n, variant)
                .map_err(|e| format!("cannot write the site: {e}"))?;
            let output = Command::new(&exe)
                .arg("--child")
                .arg(&site)
                .arg(runs.to_string())
                .arg(if variant.code { "code" } else { "nocode" })
                .stderr(std::process::Stdio::inherit())
                .output()
                .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
            if !output.status.success() {
                return Err(format!(
                    "the build of {n} pages (code {}, search {}) failed ({}); the site is kept in {}",
                    on_off(variant.code),
                    on_off(variant.search),
                    output.status,
                    dir.keep().display()
                ));
            }
            if std::env::var_os("EXPLAINER_BENCH_KEEP").is_some() {
                eprintln!("site kept in {}", dir.keep().join("site").display());
            }
            let stdout = String::from_utf8_lossy(&output.stdout);
            let result = ChildResult::parse(&stdout)
                .ok_or_else(|| format!("unexpected output from the child: {stdout}"))?;
            let median = median(&result.times);
            let min = result.times.iter().copied().min().unwrap_or_default();
            println!(
                "{:>7}  {:<4}  {:<6}  {:>5.1} MB  {:>4}  {:>7.0} ms  {:>6.0} ms  {:>8.0}  {:>6} MB",
                n,
                on_off(variant.code),
                on_off(variant.search),
                input_bytes as f64 / 1e6,
                result.times.len(),
                ms(median),
                ms(min),
                n as f64 / median.as_secs_f64(),
                result.peak_rss_kb / 1024,
            );
        }
    }
    println!("load average at the end: {}", load_average());
    Ok(())
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn parse_count(s: &str) -> Result<usize, String> {
    s.replace('_', "")
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("expected a positive number of pages or runs, got `{s}`"))
}

fn bench_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("EXPLAINER_BENCH_DIR") {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && tempfile::tempdir_in(shm).is_ok() {
        return shm.to_path_buf();
    }
    std::env::temp_dir()
}

/// The 1-minute load average, to tell a busy machine's figures from a quiet one's.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What a child prints on its one `RESULT` line.
struct ChildResult {
    times: Vec<Duration>,
    peak_rss_kb: u64,
}

impl ChildResult {
    fn parse(stdout: &str) -> Option<ChildResult> {
        let line = stdout.lines().find_map(|l| l.strip_prefix("RESULT "))?;
        let mut times = None;
        let mut peak_rss_kb = None;
        for field in line.split_whitespace() {
            let (key, value) = field.split_once('=')?;
            match key {
                "times_us" => {
                    times = value
                        .split(',')
                        .map(|t| t.parse().ok().map(Duration::from_micros))
                        .collect::<Option<Vec<_>>>();
                }
                "peak_rss_kb" => peak_rss_kb = value.parse().ok(),
                _ => {}
            }
        }
        Some(ChildResult {
            times: times?,
            peak_rss_kb: peak_rss_kb?,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Child: build one site, check the first build, time the rest, report.

fn child(args: &[String]) -> Result<(), String> {
    let [site, runs, variant] = args else {
        return Err("usage: --child SITE_DIR RUNS code|nocode".into());
    };
    let site = PathBuf::from(site);
    let runs = parse_count(runs)?;
    let mut opts = explainer::BuildOptions::new(&site);
    opts.out_dir = Some(site.join("public"));

    // Warm-up, and the check that the site really builds as intended.
    let report = build_once(&opts)?;
    check_output(&opts.out_dir(), variant == "code")?;
    let warnings = report.diagnostics.count(explainer::Severity::Warning);
    if warnings > 0 {
        eprintln!(
            "note: {warnings} warning(s) in {}:\n{}",
            site.display(),
            report.diagnostics.report(explainer::Severity::Warning)
        );
    }

    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        build_once(&opts)?;
        times.push(started.elapsed());
    }
    let times_us: Vec<String> = times.iter().map(|t| t.as_micros().to_string()).collect();
    println!(
        "RESULT pages={} files={} times_us={} peak_rss_kb={}",
        report.pages,
        report.files_written,
        times_us.join(","),
        peak_rss_kb().unwrap_or(0)
    );
    Ok(())
}

fn build_once(opts: &explainer::BuildOptions) -> Result<explainer::BuildReport, String> {
    explainer::build(opts).map_err(|diags| {
        format!(
            "the generated site at {} does not build:\n{}",
            opts.site_dir.display(),
            diags.report(explainer::Severity::Warning)
        )
    })
}

/// Spot checks of the warm-up build's output: the first three pages (one per language)
/// exist, carry their references, and their code is highlighted.
fn check_output(out: &Path, code: bool) -> Result<(), String> {
    for j in 0..3 {
        let path = out.join(section_of(j)).join(slug(j)).join("index.html");
        let html = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let quote = source_marker(citations_of(j)[0]);
        if !html.contains(quote) {
            return Err(format!(
                "{} does not show its citation of \"{quote}\"",
                path.display()
            ));
        }
        if code && !html.contains("hl-source") {
            return Err(format!(
                "{}: the {} code block was not highlighted",
                path.display(),
                LANGUAGES[j % LANGUAGES.len()]
            ));
        }
    }
    Ok(())
}

/// The process's peak resident set size so far, in KiB (Linux only).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------
// The generated site.

/// Writes a site of `n` pages into `site`; returns the bytes of Markdown written.
fn generate_site(site: &Path, n: usize, variant: Variant) -> std::io::Result<usize> {
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

fn section_of(j: usize) -> String {
    section_name(j % SECTIONS)
}

fn slug(j: usize) -> String {
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
fn source_marker(p: usize) -> &'static str {
    MARKERS[p % MARKERS.len()]
}

/// The two source paragraphs page `j` cites.
fn citations_of(j: usize) -> [usize; 2] {
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

const LANGUAGES: &[&str] = &["rust", "python", "js"];

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
