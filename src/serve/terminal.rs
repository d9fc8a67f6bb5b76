//! What serve's terminal says about each build's problems: the errors and warnings that
//! are new since the build before, and a line for the ones that were fixed, so that a save
//! shows what it changed rather than every warning of the site again. The first build
//! shows them all.

use crate::diagnostic::Position;
use crate::{Diagnostic, Diagnostics, Severity};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

/// What tells one problem from another across builds.
type Key = (PathBuf, Option<Position>, Severity, String);

fn key(d: &Diagnostic) -> Key {
    (d.file.clone(), d.position, d.severity, d.message.clone())
}

/// The errors and warnings the terminal has shown and not yet seen fixed.
#[derive(Debug, Default)]
pub(super) struct Shown {
    known: HashSet<Key>,
}

impl Shown {
    /// What to print for a build that reported `diags` (`succeeded` if it did): each error
    /// and warning not shown before, in full, then one line per file and severity for
    /// those it no longer reports. Only a build that succeeded ran every check, so only
    /// after one is a problem fixed: a failed build may have stopped before the stage
    /// that finds it (a broken `explainer.toml` stops everything), and then the warnings
    /// it did not report are kept, to be neither called fixed nor shown again; its errors
    /// replace the last failed build's.
    pub(super) fn after(&mut self, diags: &Diagnostics, succeeded: bool) -> String {
        let now: Vec<&Diagnostic> = diags
            .sorted()
            .into_iter()
            .filter(|d| d.severity <= Severity::Warning)
            .collect();
        let mut out = String::new();
        for d in now.iter().filter(|d| !self.known.contains(&key(d))) {
            out.push_str(&format!("{d}\n"));
        }
        let now: HashSet<Key> = now.into_iter().map(key).collect();
        if !succeeded {
            // The errors are the ones this build found: those of earlier failed builds
            // that it did not find again were fixed on the way (or are hidden behind these,
            // and are shown again when found), and are not counted as fixed later.
            self.known.retain(|k| k.2 != Severity::Error);
            self.known.extend(now);
            return out;
        }
        let mut fixed: BTreeMap<(PathBuf, Severity), usize> = BTreeMap::new();
        for (file, _, severity, _) in self.known.difference(&now) {
            *fixed.entry((file.clone(), *severity)).or_default() += 1;
        }
        for ((file, severity), n) in fixed {
            out.push_str(&format!("fixed: {n} {severity}(s) in {}\n", file.display()));
        }
        self.known = now;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diags(list: &[(&str, usize, Severity, &str)]) -> Diagnostics {
        let mut d = Diagnostics::new();
        for &(file, line, severity, message) in list {
            let at = Some(Position { line, col: 1 });
            d.push(match severity {
                Severity::Error => Diagnostic::error(file, at, message),
                _ => Diagnostic::warning(file, at, message),
            });
        }
        d
    }

    const W: Severity = Severity::Warning;
    const E: Severity = Severity::Error;

    #[test]
    fn each_build_shows_what_is_new_and_what_was_fixed() {
        let mut shown = Shown::default();
        let first = shown.after(&diags(&[("a.md", 1, W, "w1"), ("a.md", 2, W, "w2")]), true);
        assert!(first.contains("a.md:1:1: warning: w1") && first.contains("a.md:2:1: warning: w2"));
        // The same warnings again: nothing to say.
        assert_eq!(
            shown.after(&diags(&[("a.md", 1, W, "w1"), ("a.md", 2, W, "w2")]), true),
            ""
        );
        // One moved a line (a different problem), one gone, one new in another file.
        let next = shown.after(&diags(&[("a.md", 3, W, "w1"), ("b.md", 1, W, "w3")]), true);
        assert!(next.contains("a.md:3:1: warning: w1") && next.contains("b.md:1:1: warning: w3"));
        assert!(next.contains("fixed: 2 warning(s) in a.md\n"), "{next}");
        assert!(!next.contains("w2"), "{next}");
    }

    #[test]
    fn a_failed_build_calls_nothing_fixed() {
        let mut shown = Shown::default();
        shown.after(&diags(&[("a.md", 1, W, "w1")]), true);
        // A broken config stops the build before the warnings are looked for.
        let failed = shown.after(&diags(&[("explainer.toml", 1, E, "bad")]), false);
        assert!(
            failed.contains("explainer.toml:1:1: error: bad"),
            "{failed}"
        );
        assert!(!failed.contains("fixed"), "{failed}");
        // Fixed, and the warning is still there: it is not shown again.
        let good = shown.after(&diags(&[("a.md", 1, W, "w1")]), true);
        assert_eq!(good, "fixed: 1 error(s) in explainer.toml\n");
        let clean = shown.after(&Diagnostics::new(), true);
        assert_eq!(clean, "fixed: 1 warning(s) in a.md\n");
    }

    #[test]
    fn fixed_counts_the_errors_of_the_last_failed_build() {
        let mut shown = Shown::default();
        // Five saves, each with another typo: two errors at the end.
        for k in 1..=5 {
            let d = diags(&[("a.md", k, E, "typo"), ("a.md", 9, E, "still")]);
            shown.after(&d, false);
        }
        let good = shown.after(&Diagnostics::new(), true);
        assert_eq!(good, "fixed: 2 error(s) in a.md\n");
    }
}
