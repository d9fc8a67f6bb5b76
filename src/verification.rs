//! How a work in the bibliography was checked: a note for readers (`checked:`), and the
//! parts of the work the check covered (`checked_locators:`), as ranges of numbered
//! places: `art. 1–15`, `p. 1–40`, `chap. 2`. A citation whose locator falls outside every
//! range promises more than was checked, and `check --strict` says so.
//!
//! Any work with numbered places can use it: articles of a treaty, pages of a report,
//! sections of a statute. A leaf module: it depends on no other module of the crate.

/// A range of numbered places of one kind (`art. 1–15`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlaceRange {
    /// The kind of place, normalised: lower case, without the dot or a plural (`art`).
    pub label: String,
    /// The first number.
    pub from: u32,
    /// The last number (`from` for one place).
    pub to: u32,
}

impl std::fmt::Display for PlaceRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.from == self.to {
            true => write!(f, "{}. {}", self.label, self.from),
            false => write!(f, "{}. {}–{}", self.label, self.from, self.to),
        }
    }
}

impl serde::Serialize for PlaceRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A locator's kind of place, normalised: `Arts.` → `art`, `pp.` → `p`, `§§` → `§`.
fn normalise_label(label: &str) -> String {
    let l = label.trim().trim_end_matches('.').trim().to_lowercase();
    match l.as_str() {
        "pp" => "p".into(),
        "§§" => "§".into(),
        _ if l.chars().count() > 2 && l.ends_with('s') => l[..l.len() - 1].to_string(),
        _ => l,
    }
}

/// The leading number of `s` (`15(2)` → 15).
fn leading_number(s: &str) -> Option<u32> {
    let digits: String = s
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// The places a locator names: `art. 7(2)` → art 7; `arts. 7–10, 14` → art 7–10 and
/// art 14; `p. 4; chap. 2` → p 4 and chap 2. Each piece keeps the last kind named before
/// it. `None` if some piece names no number or no kind, so coverage cannot be told.
pub fn places(locator: &str) -> Option<Vec<PlaceRange>> {
    let mut label = String::new();
    let mut out = vec![];
    for piece in locator
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let first_digit = piece.find(|c: char| c.is_ascii_digit())?;
        let (head, numbers) = piece.split_at(first_digit);
        let head = head.trim().trim_start_matches("and ").trim();
        if !head.is_empty() {
            label = normalise_label(head);
        }
        if label.is_empty() {
            return None;
        }
        let (a, b) = match numbers.split_once(['–', '-', '—']) {
            Some((a, b)) => (a, b.trim_start_matches(|c: char| !c.is_ascii_digit())),
            None => (numbers, numbers),
        };
        let (from, to) = (leading_number(a)?, leading_number(b)?);
        out.push(PlaceRange {
            label: label.clone(),
            from: from.min(to),
            to: from.max(to),
        });
    }
    (!out.is_empty()).then_some(out)
}

/// Whether a citation at `locator` stays inside `covered`: every place it names lies in
/// one of the ranges. `None` if the locator's places cannot be told.
pub fn covers(covered: &[PlaceRange], locator: &str) -> Option<bool> {
    let wanted = places(locator)?;
    Some(wanted.iter().all(|w| {
        covered
            .iter()
            .any(|c| c.label == w.label && c.from <= w.from && w.to <= c.to)
    }))
}

/// Ranges as an entry writes them, one per item: `art. 1–15`. `Err` with the item that is
/// not a range of numbered places.
pub fn parse_ranges(items: &[&str]) -> Result<Vec<PlaceRange>, String> {
    let mut out = vec![];
    for item in items {
        match places(item) {
            Some(p) => out.extend(p),
            None => return Err(item.to_string()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(label: &str, from: u32, to: u32) -> PlaceRange {
        PlaceRange {
            label: label.into(),
            from,
            to,
        }
    }

    #[test]
    fn locators_name_places() {
        assert_eq!(places("art. 7(2)"), Some(vec![r("art", 7, 7)]));
        assert_eq!(places("Arts. 7–10"), Some(vec![r("art", 7, 10)]));
        assert_eq!(
            places("arts. 7, 14"),
            Some(vec![r("art", 7, 7), r("art", 14, 14)])
        );
        assert_eq!(places("arts. 15(2)–15(4)"), Some(vec![r("art", 15, 15)]));
        assert_eq!(
            places("pp. 4-6; chap. 2"),
            Some(vec![r("p", 4, 6), r("chap", 2, 2)])
        );
        assert_eq!(places("§§ 3"), Some(vec![r("§", 3, 3)]));
        assert_eq!(places("preamble"), None);
        assert_eq!(places("12"), None);
        assert_eq!(r("art", 1, 15).to_string(), "art. 1–15");
    }

    #[test]
    fn coverage() {
        let covered = parse_ranges(&["art. 1–15"]).unwrap();
        assert_eq!(covers(&covered, "art. 6(1)"), Some(true));
        assert_eq!(covers(&covered, "arts. 12–15"), Some(true));
        assert_eq!(covers(&covered, "arts. 7–17"), Some(false));
        assert_eq!(covers(&covered, "art. 24"), Some(false));
        assert_eq!(covers(&covered, "p. 3"), Some(false));
        assert_eq!(covers(&covered, "the preamble"), None);
        assert_eq!(
            parse_ranges(&["art. 1–15", "preamble"]),
            Err("preamble".into())
        );
    }
}
