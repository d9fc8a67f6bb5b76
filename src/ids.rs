//! Identities: the types that name a page, a bibliography entry and a numbered paragraph
//! of a source, so that one can never be passed where another is meant, and no number
//! stands for "none" or "the whole".
//!
//! A page and an entry are named by their place in the build's lists (`Site::pages`, sorted
//! by path; the bibliography, in file order): the same within one build, not across
//! builds. Nothing written to a file holds one; a memo that keeps one for the next build
//! (resolve's) keys it on the lists it was made from, so it is used only while they are
//! the same. A leaf module.

use std::fmt;
use std::num::NonZeroUsize;

/// A page of the site, by its place in the build's page list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageId(usize);

impl PageId {
    /// The page at place `index` of the build's page list.
    pub fn new(index: usize) -> Self {
        PageId(index)
    }

    /// Its place in the build's page list.
    pub fn index(self) -> usize {
        self.0
    }
}

/// A bibliography entry, by its place in the build's bibliography.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(usize);

impl EntryId {
    /// The entry at place `index` of the bibliography.
    pub fn new(index: usize) -> Self {
        EntryId(index)
    }

    /// Its place in the bibliography.
    pub fn index(self) -> usize {
        self.0
    }
}

/// A numbered paragraph of a source: 1 is the first; there is no paragraph 0. It is
/// written out (in `citations.json`, to templates) as its number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ParaNo(NonZeroUsize);

impl ParaNo {
    /// Paragraph `n`, or `None` for 0.
    pub fn new(n: usize) -> Option<Self> {
        NonZeroUsize::new(n).map(ParaNo)
    }

    /// The paragraph at 0-based place `index` (0 is paragraph 1).
    pub fn at(index: usize) -> Self {
        ParaNo(NonZeroUsize::MIN.saturating_add(index))
    }

    /// Its number, 1-based.
    pub fn get(self) -> usize {
        self.0.get()
    }

    /// Its 0-based place in the source's list of paragraphs.
    pub fn index(self) -> usize {
        self.0.get() - 1
    }
}

impl fmt::Display for ParaNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_no_paragraph_zero() {
        assert_eq!(ParaNo::new(0), None);
        assert_eq!(ParaNo::new(3).map(ParaNo::get), Some(3));
        assert_eq!(ParaNo::new(12).unwrap().to_string(), "12");
        assert_eq!(ParaNo::at(0).get(), 1);
        assert_eq!(ParaNo::at(4).index(), 4);
        assert_eq!(format!("{:03}", ParaNo::at(6)), "007");
    }
}
