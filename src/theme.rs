//! The theme: templates and static files. The repository's own `layouts/` is embedded in
//! the binary at compile time and is the default theme; a site's `layouts/` overrides it
//! file by file, so a site needs no templates of its own to build.

use crate::diagnostic::Diagnostic;
use include_dir::{Dir, include_dir};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/layouts");

/// Where a theme file came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The site's own `layouts/` folder.
    Site(PathBuf),
    /// The theme built into explainer.
    Embedded,
}

/// A template or static file of the theme.
#[derive(Clone, Debug)]
pub struct ThemeFile {
    /// Its contents.
    pub bytes: Vec<u8>,
    /// Where it came from.
    pub origin: Origin,
}

impl ThemeFile {
    /// The path to name in diagnostics.
    pub fn display(&self, name: &str, prefix: &str) -> PathBuf {
        match &self.origin {
            Origin::Site(p) => p.clone(),
            Origin::Embedded => PathBuf::from(format!("<built-in theme>/{prefix}{name}")),
        }
    }
}

/// The templates and static files a build uses.
#[derive(Clone, Debug, Default)]
pub struct Theme {
    /// Templates by name (`page.html`).
    pub templates: BTreeMap<String, ThemeFile>,
    /// Static files by path under `static/` (`style.css`).
    pub statics: BTreeMap<String, ThemeFile>,
}

impl Theme {
    /// The embedded theme overlaid with the site's `layouts/`, if it has one.
    pub fn load(site_dir: &Path) -> Result<Theme, Vec<Diagnostic>> {
        let mut theme = Theme::default();
        collect_embedded(&EMBEDDED, &mut theme);
        let dir = site_dir.join("layouts");
        let mut errors = vec![];
        if dir.is_dir() {
            let site_real = site_dir
                .canonicalize()
                .unwrap_or_else(|_| site_dir.to_path_buf());
            // layouts/ itself may be a link within the site; the links in it stay inside it.
            match crate::load::follow_link(&site_real, Path::new("layouts"), &dir) {
                Ok(real) => {
                    let walk = SiteWalk {
                        site_dir,
                        layouts_real: &real,
                        root: &dir,
                    };
                    walk.collect(&dir, &mut vec![real.clone()], &mut theme, &mut errors)
                }
                Err(d) => errors.push(d),
            }
        }
        if errors.is_empty() {
            Ok(theme)
        } else {
            Err(errors)
        }
    }

    /// Whether a template of this name exists.
    pub fn has_template(&self, name: &str) -> bool {
        self.templates.contains_key(name)
    }
}

fn classify(rel: &str, file: ThemeFile, theme: &mut Theme) {
    if let Some(s) = rel.strip_prefix("static/") {
        theme.statics.insert(s.to_string(), file);
    } else if rel.ends_with(".html") || rel.ends_with(".xml") || rel.ends_with(".txt") {
        theme.templates.insert(rel.to_string(), file);
    }
}

fn collect_embedded(dir: &Dir<'static>, theme: &mut Theme) {
    for f in dir.files() {
        let rel = f.path().to_string_lossy().replace('\\', "/");
        if crate::load::is_ignored_name(rel.rsplit('/').next().unwrap_or("")) {
            continue;
        }
        classify(
            &rel,
            ThemeFile {
                bytes: f.contents().to_vec(),
                origin: Origin::Embedded,
            },
            theme,
        );
    }
    for d in dir.dirs() {
        collect_embedded(d, theme);
    }
}

/// A walk over a site's `layouts/`. Links are followed only inside `layouts/`, as links
/// in `content/` only inside `content/` (see [`crate::load::load`]): static files are
/// published. Anything that is neither a file nor a folder (a named pipe) is an error,
/// never opened.
struct SiteWalk<'a> {
    site_dir: &'a Path,
    /// The real path of `layouts/`, which every link must lead inside.
    layouts_real: &'a Path,
    root: &'a Path,
}

impl SiteWalk<'_> {
    /// Where a theme entry really is and what it is, after the checks every entry gets: no
    /// invisible character in its name, a link only to inside `layouts/`, and nothing but
    /// a file or a folder.
    fn checked_entry(
        &self,
        name: &str,
        path: &Path,
        shown: &Path,
    ) -> Result<(PathBuf, std::fs::FileType), Diagnostic> {
        if let Some(c) = name.chars().find(|&c| crate::load::is_invisible(c)) {
            return Err(Diagnostic::error(
                shown,
                None,
                format!("the name `{name}` has the invisible character {c:?}, which makes it read as another name"),
            )
            .with_help("rename it with letters, digits, `-`, `_` and `.` only"));
        }
        let real = crate::load::follow_link_within(self.layouts_real, "layouts/", shown, path)?;
        let kind = std::fs::metadata(&real)
            .map_err(|err| {
                Diagnostic::error(shown, None, format!("cannot read the file: {err}"))
                    .with_help("check its permissions")
            })?
            .file_type();
        if let Some(what) = crate::load::special_kind(kind) {
            return Err(crate::load::special_file_error(shown, what));
        }
        Ok((real, kind))
    }

    fn collect(
        &self,
        dir: &Path,
        visited: &mut Vec<PathBuf>,
        theme: &mut Theme,
        errors: &mut Vec<Diagnostic>,
    ) {
        let site_dir = self.site_dir;
        let Ok(entries) = std::fs::read_dir(dir) else {
            errors.push(
                Diagnostic::error(
                    dir.strip_prefix(site_dir).unwrap_or(dir),
                    None,
                    "cannot read the folder",
                )
                .with_help("check its permissions"),
            );
            return;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if crate::load::is_ignored_name(&name) {
                continue;
            }
            let shown = path.strip_prefix(site_dir).unwrap_or(&path).to_path_buf();
            let (real, kind) = match self.checked_entry(&name, &path, &shown) {
                Ok(found) => found,
                Err(d) => {
                    errors.push(d);
                    continue;
                }
            };
            if kind.is_dir() {
                if visited.contains(&real) {
                    errors.push(
                        Diagnostic::error(shown, None, "this link leads back to a folder that holds it: the folder would never end")
                            .with_help("remove the link, or point it at a folder that does not hold it"),
                    );
                    continue;
                }
                visited.push(real);
                self.collect(&path, visited, theme, errors);
                visited.pop();
                continue;
            }
            let rel = path
                .strip_prefix(self.root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            match std::fs::read(&path) {
                Ok(bytes) => classify(
                    &rel,
                    ThemeFile {
                        bytes,
                        origin: Origin::Site(shown),
                    },
                    theme,
                ),
                Err(err) => errors.push(
                    Diagnostic::error(shown, None, format!("cannot read the file: {err}"))
                        .with_help("check its permissions"),
                ),
            }
        }
    }
}
