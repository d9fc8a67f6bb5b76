//! The build: load → parse → resolve → render → search → write, each stage a function of
//! the one before it. A one-off `build`, a `check` and `serve` run this same pipeline;
//! they differ only in the [`Session`] they pass (which keeps nothing, or keeps each
//! stage's memo for the next build) and the [`Sink`] the files go to ([`sink_for`]).

use crate::diagnostic::{self, Diagnostic, Diagnostics, Severity};
use crate::output::{self, Discard, Finished, InPlace, Sink, Staging};
use crate::search::{self, SearchIndex};
use crate::session::Session;
use crate::theme::Theme;
use crate::timing::Timings;
use crate::{bibliography, checks, config, editions, load, parse, producers, render, resolve};
use rustc_hash::FxHashMap as HashMap;
use std::path::PathBuf;

/// What to build and how.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The site folder (with `explainer.toml`).
    pub site_dir: PathBuf,
    /// Where to write; `<site_dir>/public` if `None`.
    pub out_dir: Option<PathBuf>,
    /// Include drafts.
    pub drafts: bool,
    /// Check only: render everything, write nothing.
    pub check_only: bool,
    /// How to produce the search index (if the site has search on).
    pub search: SearchIndex,
}

impl BuildOptions {
    /// Options for building `site_dir` into its `public/`.
    pub fn new(site_dir: impl Into<PathBuf>) -> Self {
        BuildOptions {
            site_dir: site_dir.into(),
            out_dir: None,
            drafts: false,
            check_only: false,
            search: SearchIndex::Build,
        }
    }

    /// The output folder.
    pub fn out_dir(&self) -> PathBuf {
        self.out_dir
            .clone()
            .unwrap_or_else(|| self.site_dir.join("public"))
    }
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    /// Pages in the site.
    pub pages: usize,
    /// Files written (0 for a check).
    pub files_written: usize,
    /// Pages rendered; the others were kept as the last build wrote them.
    pub pages_rendered: usize,
    /// The pages made from the whole site that were rendered, not kept, by their memo
    /// keys (`#updates`, `#print`: see [`crate::editions`]).
    pub extras_rendered: Vec<String>,
    /// The search index's shards, and how many of them were built afresh (the others
    /// were kept as the last build wrote them); `(0, 0)` without an index.
    pub search_shards: (usize, usize),
    /// Whether the output has a search index (built, or serve's reused).
    pub search_index: bool,
    /// Wall time of the whole build.
    pub elapsed_ms: f64,
    /// Wall time of each stage, in order (`EXPLAINER_TIMINGS=1` prints them).
    pub stages: Vec<(&'static str, f64)>,
    /// Warnings and information (no errors).
    pub diagnostics: Diagnostics,
}

impl BuildReport {
    /// The line `EXPLAINER_TIMINGS=1` prints: each stage's time, and what was reused.
    pub fn timings(&self) -> String {
        let list: Vec<String> = self
            .stages
            .iter()
            .map(|(n, ms)| format!("{n} {ms:.0} ms"))
            .collect();
        format!(
            "stages: {} ({} of {} pages rendered, {} files written{})",
            list.join(", "),
            self.pages_rendered,
            self.pages,
            self.files_written,
            match self.search_shards {
                (0, _) => String::new(),
                (n, 0) => format!(", search index kept ({n} of {n} shards)"),
                (n, built) => format!(
                    ", search index: {built} of {n} shards built, {} kept",
                    n - built
                ),
            }
        )
    }

    /// Whether the search index the last build wrote was kept whole (nothing it reads
    /// changed).
    pub fn search_index_kept(&self) -> bool {
        matches!(self.search_shards, (n, 0) if n > 0)
    }

    /// The one summary line the CLI prints.
    pub fn summary(&self) -> String {
        format!(
            "{} pages, {} files written in {:.0} ms ({} warning(s))",
            self.pages,
            self.files_written,
            self.elapsed_ms,
            self.diagnostics.count(Severity::Warning)
        )
    }
}

/// Runs the whole pipeline once, keeping nothing for a next build.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Diagnostics> {
    build_in(opts, &mut Session::one_off())
}

/// Runs the whole pipeline in `session`, into the sink [`sink_for`] chooses.
pub fn build_in(opts: &BuildOptions, session: &mut Session) -> Result<BuildReport, Diagnostics> {
    site_folder(&opts.site_dir).map_err(Diagnostics::from)?;
    let sink = sink_for(opts, session).map_err(Diagnostics::from)?;
    let mut result = run(opts, session, sink);
    match &mut result {
        Ok(report) => report
            .diagnostics
            .cap_per_file(diagnostic::MAX_ERRORS_PER_FILE),
        Err(d) => d.cap_per_file(diagnostic::MAX_ERRORS_PER_FILE),
    }
    result
}

/// The site folder must be a folder before anything is made for the build: a build of a
/// folder that is not there, or of a file, makes nothing (not the output folder, nor the
/// folders that would hold it).
fn site_folder(site_dir: &std::path::Path) -> Result<(), Diagnostic> {
    let help = "pass the folder that holds explainer.toml (`explainer build SITE_DIR`), or start a site with `explainer new DIR`";
    match std::fs::metadata(site_dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(
            Diagnostic::error(site_dir, None, "this is a file, not a site folder").with_help(help),
        ),
        Err(_) => Err(Diagnostic::error(site_dir, None, "there is no such folder").with_help(help)),
    }
}

/// Where the files of a build in `session` go: nowhere for a check; only what changed,
/// in place, when the session knows what the output folder holds (`serve`, after its
/// first build); else a fresh staging folder swapped in at the end. The output folder is
/// checked first: nothing is read before it is known to be safe to write.
pub fn sink_for(opts: &BuildOptions, session: &mut Session) -> Result<Box<dyn Sink>, Diagnostic> {
    if opts.check_only {
        return Ok(Box::new(Discard));
    }
    let out_dir = opts.out_dir();
    output::check_out_dir(&opts.site_dir, &out_dir)?;
    if let Some(previous) = session.take_written().filter(|_| out_dir.is_dir()) {
        return Ok(Box::new(InPlace::new(&out_dir, previous)));
    }
    let staging = Staging::begin(&out_dir).map_err(|f| f.diagnostic)?;
    Ok(Box::new(match session.is_warm() {
        true => staging.fingerprinting(),
        false => staging,
    }))
}

/// The pipeline, top-down.
fn run(
    opts: &BuildOptions,
    session: &mut Session,
    sink: Box<dyn Sink>,
) -> Result<BuildReport, Diagnostics> {
    let (site, result) = run_keeping_site(opts, session, sink);
    drop_later(site);
    result
}

/// Drops `value` on a thread of its own. A site is tens of thousands of allocations, and
/// freeing them is time a save would otherwise wait for before its page is served.
fn drop_later<T: Send + 'static>(value: T) {
    let spawned = std::thread::Builder::new()
        .name("explainer-drop".into())
        .spawn(move || drop(value));
    // Without a thread (the system has none left to give), it is dropped here, with
    // the closure that holds it.
    drop(spawned);
}

/// A check in `session` (the whole pipeline, into the [`Discard`] sink: nothing is
/// written), that also hands back the site it resolved, errors or not (`None` when the
/// build stopped before there was one): the editor server's one way to build.
pub fn check_in(
    opts: &BuildOptions,
    session: &mut Session,
) -> (Option<resolve::Site>, Diagnostics) {
    let opts = BuildOptions {
        check_only: true,
        ..opts.clone()
    };
    let (site, result) = run_keeping_site(&opts, session, Box::new(Discard));
    let mut diags = match result {
        Ok(report) => report.diagnostics,
        Err(d) => d,
    };
    diags.cap_per_file(diagnostic::MAX_ERRORS_PER_FILE);
    (site, diags)
}

/// [`run`], handing back the site too, once there is one.
fn run_keeping_site(
    opts: &BuildOptions,
    session: &mut Session,
    sink: Box<dyn Sink>,
) -> (Option<resolve::Site>, Result<BuildReport, Diagnostics>) {
    let mut t = Timings::start();
    let mut diags = Diagnostics::new();
    crate::highlight::Highlighter::warm();
    let (site, d) = match resolve_site_in(opts, session, &mut t) {
        Ok(done) => done,
        Err(d) => return (None, Err(abandon_broken(opts, session, sink, d))),
    };
    let failed = d.has_errors();
    diags.extend(d);
    if failed {
        return (Some(site), Err(abandon_broken(opts, session, sink, diags)));
    }
    let rendered = render_stage(opts, session, &site, &*sink, &mut t, &mut diags);
    let (rendering, searched) = match rendered {
        Ok(done) => done,
        Err(()) => return (Some(site), Err(abandon(session, sink, diags))),
    };
    let finished = match finish(sink, &site, &mut diags) {
        Ok(f) => f,
        Err(d) => return (Some(site), Err(d)),
    };
    t.mark("write");
    let pages_rendered = site.pages.len() - rendering.pages_kept;
    if let Some(memos) = session.memos.as_mut() {
        if reuses_renders(opts, memos) {
            memos.render.update(rendering.records, &site);
        }
        memos.written = finished.fingerprints;
    }
    let report = BuildReport {
        pages: site.pages.len(),
        files_written: finished.files_written,
        pages_rendered,
        extras_rendered: rendering.extras_rendered,
        search_shards: searched.shards,
        search_index: searched.present,
        elapsed_ms: t.elapsed_ms(),
        stages: t.stages,
        diagnostics: diags,
    };
    if std::env::var_os("EXPLAINER_TIMINGS").is_some() {
        eprintln!("{}", report.timings());
    }
    (Some(site), Ok(report))
}

/// Whether this build may keep pages by the session's render memo, and leave its own
/// records in it. A check keeps pages it need not render again; but in a session that
/// writes an output folder (serve), the memo must keep saying what the folder holds, so a
/// check there renders every page and leaves the memo as it was.
fn reuses_renders(opts: &BuildOptions, memos: &crate::session::Memos) -> bool {
    !opts.check_only || memos.written.is_none()
}

/// [`abandon`], for a build whose content has errors: broken templates are reported in
/// the same run, not after the content is fixed.
fn abandon_broken(
    opts: &BuildOptions,
    session: &mut Session,
    sink: Box<dyn Sink>,
    mut diags: Diagnostics,
) -> Diagnostics {
    diags.extend(render::template_syntax_errors(&opts.site_dir));
    abandon(session, sink, diags)
}

/// What the search stage made: the shards (how many, how many built afresh), and whether
/// the output has an index at all.
struct Searched {
    shards: (usize, usize),
    present: bool,
}

/// Render and search: every page and every other file the build makes goes into `sink`;
/// the checks of what the outputs will be run beside the render. `Err` when any of them
/// found an error (in `diags`).
fn render_stage(
    opts: &BuildOptions,
    session: &mut Session,
    site: &resolve::Site,
    sink: &dyn Sink,
    t: &mut Timings,
    diags: &mut Diagnostics,
) -> Result<(render::Rendering, Searched), ()> {
    let theme = Theme::load(&opts.site_dir).map_err(|d| diags.extend(d))?;
    let (statics, asset_urls) = producers::static_files(site, &theme);
    let site_files = producers::site_files(site, &theme);
    let checks = || {
        let made: Vec<&producers::Made> = statics.iter().chain(&site_files).collect();
        let declared = producers::declared(site, &theme, &made);
        let mut found = output::check_collisions(&declared);
        found.extend(checks::root_links(site, &declared));
        found
    };
    let (env, hashes) = render::environment(site, &theme, &asset_urls).map_err(|d| {
        diags.extend(checks());
        diags.extend(d);
    })?;
    t.mark("templates");
    let noted = search::Noting::new(sink);
    let render_memo = session
        .memos
        .as_ref()
        .filter(|m| reuses_renders(opts, m))
        .map(|m| &m.render);
    let extras = editions::extras(&theme, &env);
    let (rendered, found) = rayon::join(
        || render::render_pages(site, &theme, &env, &hashes, render_memo, &noted, &extras),
        checks,
    );
    diags.extend(found);
    let rendering = rendered.map_err(|d| diags.extend(d))?;
    t.mark("render");
    if diags.has_errors() {
        return Err(());
    }
    let put_all = statics
        .into_iter()
        .chain(site_files)
        .try_for_each(|m| sink.put(m.output));
    put_all.map_err(|d| diags.push(d))?;
    // A check writes nothing, so it has no use for a search index.
    let index = match site.config.search && !opts.check_only {
        true => {
            let memo = session.memos.as_mut().map(|m| &mut m.indexed);
            let kept = &rendering.kept;
            let index = search::run(&site.config, &opts.search, noted, kept, memo);
            index.map_err(|d| diags.push(d))?
        }
        false => search::Index::None,
    };
    let searched = Searched {
        shards: index.shards(),
        present: !matches!(index, search::Index::None),
    };
    index.put(sink).map_err(|d| diags.push(d))?;
    t.mark("search");
    Ok((rendering, searched))
}

/// Copies the assets in and makes the output folder what was put into `sink`.
fn finish(
    sink: Box<dyn Sink>,
    site: &resolve::Site,
    diags: &mut Diagnostics,
) -> Result<Finished, Diagnostics> {
    match sink.finish(&producers::asset_copies(site)) {
        Ok(finished) => {
            diags.extend(finished.warnings.iter().cloned());
            Ok(finished)
        }
        Err(f) => {
            let mut all = diags.clone();
            all.push(f.diagnostic);
            if let Some(what) = f.output_changed {
                all.set_output_changed(what);
            }
            Err(all)
        }
    }
}

/// A build that failed before writing: the sink writes nothing, and a session that had
/// handed it what the output folder holds gets that back, for the next build.
fn abandon(session: &mut Session, sink: Box<dyn Sink>, diags: Diagnostics) -> Diagnostics {
    if let (Some(previous), Some(memos)) = (sink.abandon(), session.memos.as_mut()) {
        memos.written = Some(previous);
    }
    diags
}

/// Runs the pipeline up to the immutable site model, keeping nothing. `Err` carries every
/// problem found.
pub fn load_site(opts: &BuildOptions) -> Result<(resolve::Site, Diagnostics), Diagnostics> {
    let mut result = load_site_in(opts, &mut Session::one_off(), &mut Timings::start());
    match &mut result {
        Ok((_, d)) | Err(d) => d.cap_per_file(diagnostic::MAX_ERRORS_PER_FILE),
    }
    result
}

/// Load, parse and resolve, in `session`.
fn load_site_in(
    opts: &BuildOptions,
    session: &mut Session,
    t: &mut Timings,
) -> Result<(resolve::Site, Diagnostics), Diagnostics> {
    let (site, diags) = resolve_site_in(opts, session, t)?;
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok((site, diags))
    }
}

/// Load, parse and resolve, in `session`: the site, even where its diagnostics hold
/// errors; `Err` when there is none (the settings or the content folder cannot be read).
fn resolve_site_in(
    opts: &BuildOptions,
    session: &mut Session,
    t: &mut Timings,
) -> Result<(resolve::Site, Diagnostics), Diagnostics> {
    let mut diags = Diagnostics::new();
    let config = config::Config::load(&opts.site_dir).map_err(Diagnostics::from)?;
    let content_dir = opts.site_dir.join("content");
    let changed = session.take_content_changes(&content_dir);
    // Files the engine holds as they are on disk, unchanged since: not read again.
    let unsaved = &session.unsaved;
    let loaded = {
        let engine = &session.engine;
        let keep = |rel: &str| -> bool {
            let on_disk = !unsaved.contains_key(rel);
            let unchanged = changed.as_ref().is_some_and(|c| !c.contains(rel));
            on_disk && unchanged && engine.holds_from_disk(rel)
        };
        load::load_keeping(&opts.site_dir, &content_dir, &keep)
    };
    let loaded = loaded.map_err(Diagnostics::from)?.with_unsaved(unsaved);
    t.mark("load");
    let (bibliography, bib_diags) = bibliography::parse(&loaded.bibliography);
    diags.extend(bib_diags);
    let (data, data_diags) = crate::data::parse(&loaded.data);
    diags.extend(data_diags);
    let texts = loaded.files.into_iter().map(|f| {
        let from_disk = !unsaved.contains_key(&f.rel);
        (f, from_disk)
    });
    let files = session.engine.sync_files(texts.collect(), &loaded.kept);
    let parsed = parse::run(&mut session.engine, &files, &config);
    t.mark("parse");
    diags.extend(parsed.diagnostics);
    let (pages, drafts): (Vec<_>, Vec<_>) = parsed
        .pages
        .into_iter()
        .partition(|p| opts.drafts || !p.meta.draft);
    diags.extend(checks::missing_home_page(&pages, &drafts, &parsed.broken));
    diags.extend(checks::reviews_due(&pages, &config, checks::today()));
    let mut absent: HashMap<String, resolve::Absence> = drafts
        .into_iter()
        .map(|p| (p.rel.clone(), resolve::Absence::Draft))
        .collect();
    absent.extend(
        parsed
            .broken
            .into_iter()
            .map(|rel| (rel, resolve::Absence::Broken)),
    );
    let resolved = resolve::resolve_with(
        config,
        pages,
        (loaded.assets, data),
        bibliography,
        &absent,
        &mut session.engine,
    );
    t.mark("resolve");
    diags.extend(resolved.diagnostics);
    Ok((resolved.site, diags))
}
