//! Write: the sinks a build's files go to ([`Sink`]: [`Staging`], [`InPlace`], [`Discard`]),
//! and the rules of the output folder. A one-off build writes into a fresh staging folder
//! beside the output folder, swapped in only when every file is written: a failed build
//! leaves the previous output exactly as it was, a good one leaves no stale files. A
//! build replaces only a folder that is missing, empty or marked as explainer's output.
//! Static assets get content-hashed names so hosts can cache them forever.

use crate::diagnostic::Diagnostic;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each output file's fingerprint, by its path in the output folder: what a warm build
/// compares to tell the files it must write again.
pub type Fingerprints = HashMap<String, String>;

/// Static files as outputs, and the URL of each by its name. CSS and JavaScript go to
/// `assets/<name>.<hash>.<ext>`; other files keep their path.
pub fn static_outputs(
    statics: &[(String, Vec<u8>)],
    base_path: &str,
) -> (Vec<Output>, BTreeMap<String, String>) {
    let mut outputs = vec![];
    let mut urls = BTreeMap::new();
    for (name, bytes) in statics {
        let path = match name.rsplit_once('.') {
            Some((stem, ext)) if matches!(ext, "css" | "js") => {
                format!("assets/{stem}.{}.{ext}", crate::fingerprint::stable(bytes))
            }
            _ => name.clone(),
        };
        urls.insert(name.clone(), format!("{base_path}{path}"));
        outputs.push(Output {
            path,
            bytes: bytes.clone(),
        });
    }
    (outputs, urls)
}

/// One file of the built site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Path relative to the output folder (`concerns/privacy/index.html`).
    pub path: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(path, None, format!("cannot {what}: {e}"))
        .with_help("check that the folder is writable and the disk is not full")
}

/// A fingerprint for telling whether an output changed between two builds of a session.
fn change_fingerprint(bytes: &[u8]) -> String {
    crate::fingerprint::of_bytes(bytes)
}

/// The fingerprint of every output, by path, for a later [`write_changed`]; copied files
/// are in it too (by their source), so that one deleted from the site is deleted from
/// the output.
pub fn fingerprints(outputs: &[Output], copies: &[(String, PathBuf)]) -> HashMap<String, String> {
    let mut all: HashMap<String, String> = outputs
        .par_iter()
        .map(|o| (o.path.clone(), change_fingerprint(&o.bytes)))
        .collect();
    all.extend(copy_fingerprints(copies));
    all
}

/// Who makes an output path, for the error when two do.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The file the error is reported at.
    pub file: PathBuf,
    /// How to name it in the message (`content/_index.md`, `the generated sitemap`).
    pub what: String,
}

/// Errors for output paths that two writers share, exactly or up to case (which is the
/// same file on the case-insensitive disks of macOS and Windows), and for a file whose
/// path is a folder another writer needs.
pub fn check_collisions(entries: &[(String, Origin)]) -> Vec<Diagnostic> {
    let mut errors = vec![];
    let mut seen: HashMap<String, usize> = HashMap::default();
    let collide = |errors: &mut Vec<Diagnostic>, path: &str, a: &Origin, b: &Origin, how: &str| {
        errors.push(
            Diagnostic::error(
                &b.file,
                None,
                format!(
                    "{} and {} would both write {how}public/{path}",
                    b.what, a.what
                ),
            )
            .with_help("rename or move one of the two, so that each output file has one source"),
        );
    };
    for (k, (path, writer)) in entries.iter().enumerate() {
        let key = path.to_lowercase();
        match seen.get(&key) {
            Some(&j) => {
                let how = if entries[j].0 == *path {
                    ""
                } else {
                    "(on a disk that ignores case) "
                };
                collide(&mut errors, path, &entries[j].1, writer, how);
            }
            None => {
                seen.insert(key, k);
            }
        }
    }
    // A file where another output needs a folder (`content/about` and `about/index.html`).
    for (path, writer) in entries {
        let lower = path.to_lowercase();
        let mut at = 0;
        while let Some(i) = lower[at..].find('/') {
            let dir = &lower[at..][..i];
            let dir = &lower[..at + dir.len()];
            if let Some(&j) = seen.get(dir) {
                collide(
                    &mut errors,
                    &entries[j].0,
                    &entries[j].1,
                    writer,
                    "in the same place ",
                );
                break;
            }
            at += i + 1;
        }
    }
    errors
}

/// How [`put_files`] writes each file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replace {
    /// Straight into place (a staging folder nobody reads yet).
    Directly,
    /// Into a temporary file beside it, then renamed into place, so that a reader of a
    /// live folder (serve's clients) sees the old file or the new one, never a torn one.
    Atomically,
}

/// Writes `bytes` to `path`, the way `how` says.
fn write_file(path: &Path, bytes: &[u8], how: Replace) -> std::io::Result<()> {
    match how {
        Replace::Directly => std::fs::write(path, bytes),
        Replace::Atomically => {
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(".explainer-tmp");
            let tmp = PathBuf::from(tmp);
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, path).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
        }
    }
}

/// Copies `src` to `dst`, the way `how` says.
fn copy_file(src: &Path, dst: &Path, how: Replace) -> std::io::Result<()> {
    match how {
        Replace::Directly => std::fs::copy(src, dst).map(|_| ()),
        Replace::Atomically => write_file(dst, &std::fs::read(src)?, how),
    }
}

/// Creates every folder the files need, then writes the outputs and copies the assets
/// under `root`, in parallel. Returns how many files it wrote.
fn put_files(
    root: &Path,
    outputs: &[&Output],
    copies: &[(String, PathBuf)],
    how: Replace,
) -> Result<usize, Diagnostic> {
    let dirs: BTreeSet<PathBuf> = outputs
        .iter()
        .map(|o| o.path.as_str())
        .chain(copies.iter().map(|(p, _)| p.as_str()))
        .filter_map(|p| Path::new(p).parent().map(|d| root.join(d)))
        .collect();
    for d in &dirs {
        std::fs::create_dir_all(d).map_err(|e| io_error(d, "create the folder", e))?;
    }
    outputs.par_iter().try_for_each(|o| {
        let p = root.join(&o.path);
        write_file(&p, &o.bytes, how).map_err(|e| io_error(&p, "write the file", e))
    })?;
    copies.par_iter().try_for_each(|(rel, src)| {
        copy_file(src, &root.join(rel), how).map_err(|e| io_error(src, "copy the file", e))
    })?;
    Ok(outputs.len() + copies.len())
}

/// Writes into `out_dir` only the outputs that differ from `previous` (the fingerprints of
/// what the last write put there), copies every asset, and removes the files the new build
/// no longer has. For `serve`: unlike [`write`] the folder is not swapped whole, but each
/// file is replaced atomically, and the reload is only sent after it. Returns how many
/// files it wrote and the new fingerprints.
pub fn write_changed(
    out_dir: &Path,
    outputs: &[Output],
    kept: &[String],
    copies: &[(String, PathBuf)],
    previous: HashMap<String, String>,
) -> Result<(usize, HashMap<String, String>), Diagnostic> {
    let mut now = fingerprints(outputs, copies);
    for path in kept {
        // A kept file someone else wrote since (serve's indexer) is tracked from now on,
        // so that it is removed when it is no longer kept.
        let f = previous.get(path).cloned().unwrap_or_else(|| "kept".into());
        now.insert(path.clone(), f);
    }
    let changed: Vec<&Output> = outputs
        .iter()
        .filter(|o| previous.get(&o.path) != now.get(&o.path))
        .collect();
    let count = put_files(out_dir, &changed, copies, Replace::Atomically)?;
    for gone in previous.keys().filter(|k| !now.contains_key(*k)) {
        let p = out_dir.join(gone);
        let _ = std::fs::remove_file(&p);
        // Remove the folders this leaves empty (a page's folder), up to the output folder.
        let mut dir = p.parent();
        while let Some(d) = dir {
            if d == out_dir || std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok((count, now))
}

/// Replaces one set of files in a live output folder by another (serve's search index,
/// refreshed after a reload): writes, each atomically, the files of `new` that are not in
/// `old` as they are, and removes those of `old` that `new` no longer has. Returns how
/// many files it wrote.
pub fn replace_files(out_dir: &Path, old: &[Output], new: &[Output]) -> Result<usize, Diagnostic> {
    let before: HashMap<&str, &[u8]> = old
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    let changed: Vec<&Output> = new
        .iter()
        .filter(|f| before.get(f.path.as_str()) != Some(&f.bytes.as_slice()))
        .collect();
    let count = put_files(out_dir, &changed, &[], Replace::Atomically)?;
    let now: BTreeSet<&str> = new.iter().map(|f| f.path.as_str()).collect();
    for f in old.iter().filter(|f| !now.contains(f.path.as_str())) {
        let p = out_dir.join(&f.path);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io_error(&p, "remove the file", e));
            }
            _ => {}
        }
    }
    Ok(count)
}

/// Reads back files a build kept as the last one wrote them (for indexing them again).
pub fn read_back(out_dir: &Path, paths: &[String]) -> Result<Vec<Output>, Diagnostic> {
    paths
        .par_iter()
        .map(|p| {
            let file = out_dir.join(p);
            std::fs::read(&file)
                .map(|bytes| Output {
                    path: p.clone(),
                    bytes,
                })
                .map_err(|e| io_error(&file, "read", e))
        })
        .collect()
}

/// An absolute form of `path` with `.` and `..` resolved and symbolic links followed as
/// far as the path exists, so that two spellings of one folder compare equal.
fn real_path(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = vec![];
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                match part {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    std::path::Component::CurDir => {}
                    c => out.push(c),
                }
            }
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// The file that marks a folder as explainer's output: every build writes it at the top of
/// its output (and of its staging folder, from the moment that folder exists), and a build
/// replaces only a folder that has it, an empty folder, or a missing one ([`check_out_dir`]).
pub const MARKER: &str = ".explainer-output";

/// What [`MARKER`] says to whoever finds it.
pub const MARKER_TEXT: &str = "This folder is the output of explainer (a static site generator).\n\
`explainer build` replaces everything in it on every build; edit the site's content/ instead.\n";

/// The marker file, as an output of the build.
pub fn marker() -> Output {
    Output {
        path: MARKER.into(),
        bytes: MARKER_TEXT.as_bytes().to_vec(),
    }
}

/// Whether `dir` holds what explainer writes: its marker, or, for output written before
/// the marker existed, the files every such build wrote at its top: an `index.html`, a
/// `sitemap.xml` and a `citations.json` that is explainer's citation graph.
fn is_explainer_output(dir: &Path) -> bool {
    if dir.join(MARKER).is_file() {
        return true;
    }
    let graph = std::fs::read(dir.join("citations.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    let is_graph = graph
        .as_ref()
        .and_then(|g| g.as_object())
        .is_some_and(|g| g.contains_key("sources") && g.contains_key("citations"));
    is_graph && dir.join("index.html").is_file() && dir.join("sitemap.xml").is_file()
}

/// The first few names in `dir`, sorted, for an error message.
fn some_names(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let more = names.len().saturating_sub(3);
    names.truncate(3);
    let mut list = names.join(", ");
    if more > 0 {
        list.push_str(&format!(" and {more} more"));
    }
    list
}

/// The folder a build writes for `out_dir`: `out_dir` itself, or, when `out_dir` is a
/// symbolic link (to a web server's root, say), the folder it leads to, so that the link
/// stays and the folder behind it is replaced. `None` for a link that leads nowhere.
pub fn effective_out_dir(out_dir: &Path) -> Option<PathBuf> {
    match std::fs::symlink_metadata(out_dir) {
        Ok(m) if m.file_type().is_symlink() => out_dir.canonicalize().ok(),
        _ => Some(out_dir.to_path_buf()),
    }
}

/// The error for an output folder that is a link leading nowhere.
fn dangling_link(out_dir: &Path) -> Diagnostic {
    Diagnostic::error(
        out_dir,
        None,
        "the output folder is a symbolic link to a folder that does not exist",
    )
    .with_help("create the folder the link leads to, or remove the link; nothing was written")
}

/// Refuses an output folder that a build must never replace: the site folder itself, a
/// folder that holds it, anything inside `content/` or `layouts/`, an existing file, a
/// link that leads nowhere, and a folder with files in it that is not explainer's own
/// earlier output (a typo in `--out` must never cost a folder). A missing or empty
/// folder, or one an earlier build wrote, is fine. Runs before anything is written.
pub fn check_out_dir(site_dir: &Path, out_dir: &Path) -> Result<(), Diagnostic> {
    let site = real_path(site_dir);
    let out = real_path(out_dir);
    let refuse = |what: String| {
        Err(Diagnostic::error(out_dir, None, format!("the output folder {what}"))
            .with_help("choose a folder outside the site's content/ and layouts/, e.g. the default public/ (leave out --out); nothing was written"))
    };
    if out == site {
        return refuse(
            "is the site folder itself: building there would replace the whole site".into(),
        );
    }
    if site.starts_with(&out) {
        return refuse(format!(
            "contains the site folder {}: building there would replace the whole site",
            site.display()
        ));
    }
    for inner in ["content", "layouts"] {
        if out.starts_with(site.join(inner)) {
            return refuse(format!(
                "is inside the site's {inner}/ folder: building there would replace or copy the site's own files"
            ));
        }
    }
    let Some(real) = effective_out_dir(out_dir) else {
        return Err(dangling_link(out_dir));
    };
    if real.exists() && !real.is_dir() {
        return Err(Diagnostic::error(
            out_dir,
            None,
            "the output folder is an existing file, not a folder",
        )
        .with_help("give --out a folder (a new one, or one that holds an earlier build); nothing was written"));
    }
    let empty = std::fs::read_dir(&real).map(|mut r| r.next().is_none());
    if matches!(empty, Ok(false)) && !is_explainer_output(&real) {
        return Err(Diagnostic::error(
            out_dir,
            None,
            format!(
                "the output folder already holds files that explainer did not write ({}); a build replaces the whole folder, so they would be deleted",
                some_names(&real)
            ),
        )
        .with_help(format!(
            "give --out a new or empty folder, or one an earlier build wrote (it has a {MARKER} file); to build here anyway, move its files elsewhere first; nothing was written"
        )));
    }
    Ok(())
}

/// Why [`write`] failed, and whether the previous output is still where it was.
#[derive(Debug)]
pub struct WriteFailure {
    /// What went wrong.
    pub diagnostic: Diagnostic,
    /// `None` if the output folder is exactly as it was before; otherwise what happened to it.
    pub output_changed: Option<String>,
}

impl From<Diagnostic> for WriteFailure {
    fn from(diagnostic: Diagnostic) -> Self {
        WriteFailure {
            diagnostic,
            output_changed: None,
        }
    }
}

/// A fresh folder beside the output folder that a build writes into, then swaps in for
/// the output folder in one step ([`Staging::finish`]); dropped unfinished, it is removed
/// and the output folder is left as it was.
pub struct Staging {
    out_dir: PathBuf,
    dir: PathBuf,
    old: PathBuf,
    finished: bool,
    /// How many files [`Sink::put`] wrote.
    put: std::sync::atomic::AtomicUsize,
    /// The fingerprint of each file put, when the session keeps them for the next build.
    fingerprints: Option<std::sync::Mutex<HashMap<String, String>>>,
}

impl Staging {
    /// Creates the staging folder for `out_dir` (for a symbolic link, for the folder it
    /// leads to), marked as explainer's from its first moment, and removes the staging
    /// and leftover folders of earlier builds of the same output that were killed part-way
    /// (see [`remove_stale`]). Nothing in `out_dir` is touched.
    pub fn begin(out_dir: &Path) -> Result<Staging, WriteFailure> {
        let Some(out_dir) = effective_out_dir(out_dir) else {
            return Err(dangling_link(out_dir).into());
        };
        if out_dir.exists() && !out_dir.is_dir() {
            return Err(Diagnostic::error(
                &out_dir,
                None,
                "the output folder is an existing file, not a folder",
            )
            .with_help("give --out a folder; nothing was written")
            .into());
        }
        let parent = out_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| io_error(parent, "create the folder", e))?;
        let name = out_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        remove_stale(parent, &name);
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if dir.exists() {
            // Left by an earlier process with this process's number: removed only if marked.
            if !dir.join(MARKER).is_file() {
                return Err(Diagnostic::error(
                    &dir,
                    None,
                    "a folder with the name of this build's staging folder exists, and explainer did not make it",
                )
                .with_help("move or remove it, then build again; nothing was written")
                .into());
            }
            std::fs::remove_dir_all(&dir)
                .map_err(|e| io_error(&dir, "clear the staging folder", e))?;
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| io_error(&dir, "create the staging folder", e))?;
        let staging = Staging {
            out_dir: out_dir.clone(),
            old: parent.join(format!(".{name}.old-{}", std::process::id())),
            dir,
            finished: false,
            put: Default::default(),
            fingerprints: None,
        };
        staging.write_now(&marker())?;
        Ok(staging)
    }

    /// Keeps the fingerprint of every file put, for [`Finished::fingerprints`].
    pub fn fingerprinting(mut self) -> Self {
        self.fingerprints = Some(Default::default());
        self
    }

    /// Writes one file into the staging folder now (so that a build need not hold every
    /// page in memory until the end).
    /// Writes `o` into the staging folder, making the folders below it that its path
    /// needs, one at a time and never the staging folder itself: a staging folder that
    /// someone removed (serve stopping while its first build runs) is not made again,
    /// and the write fails instead.
    fn write_now(&self, o: &Output) -> Result<(), Diagnostic> {
        let p = self.dir.join(&o.path);
        let folders = Path::new(&o.path)
            .parent()
            .into_iter()
            .flat_map(Path::components);
        let mut d = self.dir.clone();
        for part in folders {
            d.push(part);
            match std::fs::create_dir(&d) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                    return Err(io_error(&d, "create the folder", e));
                }
                _ => {}
            }
        }
        std::fs::write(&p, &o.bytes).map_err(|e| io_error(&p, "write the file", e))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Removes the folders that builds of the output folder `name` in `parent` left behind when
/// they were killed part-way (`.NAME.staging-PID`, `.NAME.old-PID`): only those that carry
/// explainer's [`MARKER`] and whose process is gone. Anything else is left alone; a folder
/// that cannot be removed is tried again by the next build.
fn remove_stale(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix('.')) else {
            continue;
        };
        let pid = [".staging-", ".old-"].iter().find_map(|kind| {
            rest.strip_prefix(name)?
                .strip_prefix(kind)?
                .parse::<u32>()
                .ok()
        });
        let Some(pid) = pid else { continue };
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if pid != std::process::id()
            && is_dir
            && path.join(MARKER).is_file()
            && !process_is_running(pid)
        {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// Whether a process with this number is running (on systems where that cannot be told,
/// it is taken to be, so that nothing of it is removed).
fn process_is_running(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        // EPERM means it exists but belongs to someone else.
        !matches!(
            rustix::process::test_kill_process(pid),
            Err(rustix::io::Errno::SRCH)
        )
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Writes `outputs` and copies `copies` (output path, source file) into `out_dir`,
/// atomically replacing what was there (see [`Staging`]).
pub fn write(
    out_dir: &Path,
    outputs: &[Output],
    copies: &[(String, PathBuf)],
) -> Result<Finished, WriteFailure> {
    let staging = Box::new(Staging::begin(out_dir)?);
    for o in outputs {
        staging.put(o.clone())?;
    }
    staging.finish(copies)
}

/// What a sink did, once the build is in place.
#[derive(Debug, Default)]
pub struct Finished {
    /// How many files it wrote (none for a check).
    pub files_written: usize,
    /// Problems that did not stop the build (an old output that could not be removed).
    pub warnings: Vec<Diagnostic>,
    /// The fingerprint of every file now in the output folder, by path, for the next build
    /// of a warm session; `None` when nobody asked for them.
    pub fingerprints: Option<HashMap<String, String>>,
}

/// Where a build puts its files. A one-off build stages them ([`Staging`]), `serve`
/// replaces only what changed in the folder it serves ([`InPlace`]), and a check throws
/// them away ([`Discard`]); the pipeline is the same for all three.
pub trait Sink: Sync {
    /// Takes one file of the build. Pages are put as soon as they are rendered, so that a
    /// build need not hold them all.
    fn put(&self, o: Output) -> Result<(), Diagnostic>;

    /// Whether the files the last build wrote are still there, so that a build may keep
    /// some of them as they are ([`Sink::keep`]) instead of writing them again.
    fn can_keep(&self) -> bool {
        false
    }

    /// Keeps the file at `path` as the last build wrote it (only when [`Sink::can_keep`]).
    fn keep(&self, _path: &str) {}

    /// A file of this build, put or kept, by its output path (the search index reads
    /// pages back).
    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic>;

    /// Copies the assets (output path, source file) in, and makes what was put and kept
    /// the output folder.
    fn finish(self: Box<Self>, copies: &[(String, PathBuf)]) -> Result<Finished, WriteFailure>;

    /// The files under `dir/` as the last build wrote them, by path, when the sink knows
    /// what that was and each file is still exactly as written; none otherwise. A build
    /// reuses nothing else of the output folder: anyone may have edited it since.
    fn written_under(&self, _dir: &str) -> Vec<Output> {
        vec![]
    }

    /// Drops what was put, for a build that failed before [`Sink::finish`]; gives back
    /// the fingerprints of what the output folder holds, if the sink was given them.
    fn abandon(self: Box<Self>) -> Option<HashMap<String, String>> {
        None
    }
}

/// The fingerprints of the copied assets: by their source, so that one deleted from the
/// site is deleted from the output.
fn copy_fingerprints(copies: &[(String, PathBuf)]) -> impl Iterator<Item = (String, String)> + '_ {
    copies
        .iter()
        .map(|(rel, src)| (rel.clone(), format!("copy of {}", src.display())))
}

impl Sink for Staging {
    fn put(&self, o: Output) -> Result<(), Diagnostic> {
        self.write_now(&o)?;
        self.put.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(f) = &self.fingerprints {
            let print = change_fingerprint(&o.bytes);
            f.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(o.path, print);
        }
        Ok(())
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        let p = self.dir.join(path);
        std::fs::read(&p).map_err(|e| io_error(&p, "read", e))
    }

    fn finish(mut self: Box<Self>, copies: &[(String, PathBuf)]) -> Result<Finished, WriteFailure> {
        let copied = put_files(&self.dir, &[], copies, Replace::Directly)?;
        let swapped = swap_in(&self.dir, &self.out_dir, &self.old);
        // Swapped in, the staging folder is gone; failed, Drop removes it.
        self.finished = swapped.is_ok();
        let warnings = swapped?;
        let fingerprints = self.fingerprints.take().map(|f| {
            let mut all = f.into_inner().unwrap_or_else(|e| e.into_inner());
            all.extend(copy_fingerprints(copies));
            all
        });
        Ok(Finished {
            files_written: self.put.load(std::sync::atomic::Ordering::Relaxed) + copied,
            warnings,
            fingerprints,
        })
    }
}

/// A sink for a folder that is being served: it writes, when the build finishes, only the
/// files that differ from what the last build wrote there, each replaced atomically, and
/// removes those the build no longer has ([`write_changed`]).
pub struct InPlace {
    out_dir: PathBuf,
    previous: HashMap<String, String>,
    pending: std::sync::Mutex<HashMap<String, Vec<u8>>>,
    kept: std::sync::Mutex<Vec<String>>,
}

impl InPlace {
    /// A sink for `out_dir`, which holds the files of the last build, whose fingerprints
    /// are `previous`.
    pub fn new(out_dir: &Path, previous: HashMap<String, String>) -> Self {
        InPlace {
            out_dir: out_dir.to_path_buf(),
            previous,
            pending: Default::default(),
            kept: Default::default(),
        }
    }
}

impl Sink for InPlace {
    fn put(&self, o: Output) -> Result<(), Diagnostic> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(o.path, o.bytes);
        Ok(())
    }

    fn can_keep(&self) -> bool {
        self.out_dir.is_dir()
    }

    fn keep(&self, path: &str) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.push(path.to_string());
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bytes) = pending.get(path) {
            return Ok(bytes.clone());
        }
        drop(pending);
        let p = self.out_dir.join(path);
        std::fs::read(&p).map_err(|e| io_error(&p, "read", e))
    }

    fn written_under(&self, dir: &str) -> Vec<Output> {
        let prefix = format!("{dir}/");
        let mut files: Vec<Output> = self
            .previous
            .iter()
            .filter(|(path, _)| path.starts_with(&prefix))
            .filter_map(|(path, fingerprint)| {
                let bytes = std::fs::read(self.out_dir.join(path)).ok()?;
                (change_fingerprint(&bytes) == *fingerprint).then(|| Output {
                    path: path.clone(),
                    bytes,
                })
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }

    fn finish(self: Box<Self>, copies: &[(String, PathBuf)]) -> Result<Finished, WriteFailure> {
        let InPlace {
            out_dir,
            previous,
            pending,
            kept,
        } = *self;
        let mut outputs: Vec<Output> = pending
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .into_iter()
            .map(|(path, bytes)| Output { path, bytes })
            .collect();
        outputs.sort_by(|a, b| a.path.cmp(&b.path));
        let kept = kept.into_inner().unwrap_or_else(|e| e.into_inner());
        let (files_written, now) = write_changed(&out_dir, &outputs, &kept, copies, previous)?;
        Ok(Finished {
            files_written,
            warnings: vec![],
            fingerprints: Some(now),
        })
    }

    fn abandon(self: Box<Self>) -> Option<HashMap<String, String>> {
        Some(self.previous)
    }
}

/// The sink of a check: every file is made, and none is written.
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _o: Output) -> Result<(), Diagnostic> {
        Ok(())
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        Err(
            Diagnostic::error(path, None, "a check keeps no files to read back")
                .with_help("this is a bug in explainer; please report it"),
        )
    }

    fn finish(self: Box<Self>, _copies: &[(String, PathBuf)]) -> Result<Finished, WriteFailure> {
        Ok(Finished::default())
    }

    /// A check writes nothing, so keeping a page costs nothing and loses nothing: a page
    /// whose render would read what it read last time renders as it did, and rendered
    /// without an error then. The language server's checks rely on it.
    fn can_keep(&self) -> bool {
        true
    }
}

/// Puts `staging` where `out_dir` is. On Linux the two folders are exchanged in one
/// step, so a server reading `out_dir` never finds it missing. Once the new output is
/// in place, a previous output that cannot be removed is a warning naming where it is
/// (`old`), not an error: the build did what it was asked.
fn swap_in(staging: &Path, out_dir: &Path, old: &Path) -> Result<Vec<Diagnostic>, WriteFailure> {
    let left_behind = |at: &Path, e: std::io::Error| {
        vec![Diagnostic::warning(
            out_dir,
            None,
            format!(
                "the new site is in place, but the previous output could not be removed ({e}); it is now in {}",
                at.display()
            ),
        )
        .with_help(format!("remove {} by hand", at.display()))]
    };
    if !out_dir.exists() {
        std::fs::rename(staging, out_dir)
            .map_err(|e| io_error(out_dir, "put the new output in place", e))?;
        return Ok(vec![]);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, staging, CWD, out_dir, RenameFlags::EXCHANGE).is_ok() {
            // `staging` now holds the previous output.
            return Ok(match std::fs::remove_dir_all(staging) {
                Ok(()) => vec![],
                Err(e) => {
                    // Give what is left a name that says what it is.
                    let at = if std::fs::rename(staging, old).is_ok() {
                        old
                    } else {
                        staging
                    };
                    left_behind(at, e)
                }
            });
        }
    }
    std::fs::rename(out_dir, old)
        .map_err(|e| io_error(out_dir, "move the previous output aside", e))?;
    if let Err(e) = std::fs::rename(staging, out_dir) {
        let diagnostic = io_error(out_dir, "put the new output in place", e);
        return Err(match std::fs::rename(old, out_dir) {
            Ok(()) => diagnostic.into(),
            Err(_) => WriteFailure {
                diagnostic,
                output_changed: Some(format!(
                    "the previous output was moved to {} and could not be put back",
                    old.display()
                )),
            },
        });
    }
    Ok(match std::fs::remove_dir_all(old) {
        Ok(()) => vec![],
        Err(e) => left_behind(old, e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_differ() {
        let (out, urls) = static_outputs(
            &[
                ("style.css".into(), b"x".to_vec()),
                ("favicon.svg".into(), b"y".to_vec()),
            ],
            "/sub/",
        );
        assert!(out[0].path.starts_with("assets/style.") && out[0].path.ends_with(".css"));
        assert_eq!(urls["favicon.svg"], "/sub/favicon.svg");
    }

    #[test]
    fn swap_replaces_and_removes_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("stale.html"), "old").unwrap();
        write(
            &out,
            &[Output {
                path: "a/index.html".into(),
                bytes: b"new".to_vec(),
            }],
            &[],
        )
        .unwrap();
        assert!(!out.join("stale.html").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no staging folder left behind"
        );
    }
}
