//! The numeric `did_numbers` ranges of every provider, as one interval index, so the overlap
//! check of a create or update costs O(k log n) for k entries among n providers instead of
//! parsing every other provider's numbers.
//!
//! Invariant: the stored intervals are disjoint. Ranges of different providers may not overlap
//! (the overlap rule refuses it); ranges of one provider may, so each provider's own ranges are
//! merged before they are stored.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct DidIndex {
    /// start → (end, owner id), inclusive ends.
    map: BTreeMap<u64, (u64, Box<str>)>,
}

/// Sorts and merges overlapping or touching ranges.
fn merged(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

impl DidIndex {
    /// The id of a provider other than `own` holding a number of `a..=b`, if any.
    pub fn clash(&self, a: u64, b: u64, own: &str) -> Option<&str> {
        // Disjoint intervals sorted by start also have sorted ends: walking back from the
        // last start ≤ b, the first end < a ends the search. Skipped own intervals are few.
        for (_, (end, owner)) in self.map.range(..=b).rev() {
            if *end < a {
                break;
            }
            if &**owner != own {
                return Some(owner);
            }
        }
        None
    }

    /// Stores `owner`'s ranges; the caller has checked they clash with nobody else's.
    pub fn insert(&mut self, owner: &str, ranges: Vec<(u64, u64)>) {
        for (a, b) in merged(ranges) {
            self.map.insert(a, (b, owner.into()));
        }
    }

    /// Forgets `owner`'s ranges (the same ranges it was given).
    pub fn remove(&mut self, owner: &str, ranges: Vec<(u64, u64)>) {
        for (a, _) in merged(ranges) {
            if self.map.get(&a).is_some_and(|(_, o)| &**o == owner) {
                self.map.remove(&a);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_overlaps_of_others_only_and_forgets_removed_ranges() {
        let mut ix = DidIndex::default();
        ix.insert("a", vec![(100, 200), (150, 160), (201, 210)]);
        ix.insert("b", vec![(300, 400)]);
        assert_eq!(ix.len(), 2, "a's ranges merge into one");
        assert_eq!(ix.clash(250, 299, "c"), None);
        assert_eq!(ix.clash(210, 300, "c"), Some("b"));
        assert_eq!(ix.clash(205, 350, "b"), Some("a"));
        assert_eq!(ix.clash(0, u64::MAX, "a"), Some("b"));
        assert_eq!(ix.clash(100, 100, "a"), None);
        ix.remove("a", vec![(100, 200), (150, 160), (201, 210)]);
        assert_eq!(ix.clash(0, 299, "c"), None);
    }
}
