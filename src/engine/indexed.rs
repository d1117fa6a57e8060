//! `Indexed`: the ordered collection the families keep their resources in. Values stay in
//! insertion order (the order the vendors' lists show), an id → slot map makes lookup and
//! delete O(1), and a delete leaves a tombstone instead of shifting the tail; tombstones are
//! compacted away once they pass half of the slots, so the amortised cost stays O(1) and the
//! memory stays within twice the live values.
//!
//! Its serde form is a plain JSON array of the live values, so a family's dump/restore format
//! does not change when a `Vec` becomes an `Indexed`. Loading keeps every value, duplicates
//! included (the first one owns the id), so a family's `normalise` can still point at the
//! duplicate and refuse the state.

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::steady_map::SteadyMap;

/// A value that carries its own id.
pub trait Keyed {
    type Key: Eq + Hash + Clone;
    fn key(&self) -> Self::Key;
}

/// Values in insertion order, found by id in O(1).
#[derive(Clone)]
pub struct Indexed<V: Keyed> {
    slots: Vec<Option<V>>,
    at: SteadyMap<V::Key, usize>,
    live: usize,
}

impl<V: Keyed> Default for Indexed<V> {
    fn default() -> Self {
        Indexed {
            slots: Vec::new(),
            at: SteadyMap::new(),
            live: 0,
        }
    }
}

impl<V: Keyed> Indexed<V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many values are stored.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        V::Key: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.at.contains_key(key)
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        V::Key: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = *self.at.get(key)?;
        self.slots[i].as_ref()
    }

    /// The value for a change that keeps its id (see `replace` for one that may not).
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        V::Key: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = *self.at.get(key)?;
        self.slots[i].as_mut()
    }

    /// Appends a value; refused (and handed back) when its id is already stored.
    pub fn push(&mut self, value: V) -> Result<&mut V, V> {
        let key = value.key();
        if self.at.contains_key(&key) {
            return Err(value);
        }
        let i = self.slots.len();
        self.at.insert(key, i);
        self.slots.push(Some(value));
        self.live += 1;
        Ok(self.slots[i].as_mut().expect("just pushed"))
    }

    /// Puts `value` in the place of the value stored under `key`, keeping its position even
    /// when the id changes. Refused (and handed back) when `key` is unknown or the new id
    /// belongs to another value.
    pub fn replace<Q>(&mut self, key: &Q, value: V) -> Result<V, V>
    where
        V::Key: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(&i) = self.at.get(key) else {
            return Err(value);
        };
        let new_key = value.key();
        if new_key.borrow() != key {
            if self.at.contains_key::<V::Key>(&new_key) {
                return Err(value);
            }
            self.at.remove(key);
            self.at.insert(new_key, i);
        }
        Ok(self.slots[i].replace(value).expect("indexed slot is live"))
    }

    /// Takes the value stored under `key` out.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        V::Key: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = self.at.remove(key)?;
        let value = self.slots[i].take();
        self.live -= 1;
        self.compact_if_sparse();
        value
    }

    /// Keeps only the values `keep` accepts, in their order.
    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        let mut gone = Vec::new();
        for v in self.slots.iter_mut() {
            if v.as_ref().is_some_and(|v| !keep(v))
                && let Some(v) = v.take()
            {
                gone.push(v.key());
            }
        }
        for k in gone {
            self.at.remove(&k);
            self.live -= 1;
        }
        self.compact_if_sparse();
    }

    /// The live values in insertion order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &V> + '_ {
        self.slots.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + '_ {
        self.slots.iter_mut().flatten()
    }

    /// The slot holding `key`'s value: for collections that only ever grow (fusion's tenants
    /// and subscriptions), a position that stays valid, to index with `[slot]` later in the
    /// same write. A `remove` may compact and move slots, so never keep one across it.
    pub fn slot_of<Q>(&self, key: &Q) -> Option<usize>
    where
        V::Key: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.at.get(key).copied()
    }

    /// The first value stored (tests and single-value seeds read it).
    pub fn first(&self) -> Option<&V> {
        self.iter().next()
    }

    /// Drops the tombstones once they are more than half of the slots; a single delete is
    /// O(1) and the occasional compaction is paid for by the deletes before it.
    fn compact_if_sparse(&mut self) {
        let dead = self.slots.len() - self.live;
        if dead * 2 <= self.slots.len() {
            return;
        }
        self.slots.retain(Option::is_some);
        self.slots.shrink_to(self.slots.len() * 2);
        self.at.clear();
        for (i, v) in self.slots.iter().enumerate() {
            if let Some(v) = v {
                // The first value owns an id, as at load time.
                let key = v.key();
                if !self.at.contains_key(&key) {
                    self.at.insert(key, i);
                }
            }
        }
    }

    /// Slots held, live and dead (for the tests of the compaction).
    #[cfg(test)]
    fn slot_count(&self) -> usize {
        self.slots.len()
    }
}

impl<V: Keyed> FromIterator<V> for Indexed<V> {
    /// Keeps every value; a repeated id stays owned by its first value (see the module note).
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> Self {
        let slots: Vec<Option<V>> = iter.into_iter().map(Some).collect();
        let mut at = SteadyMap::new();
        for (i, v) in slots.iter().enumerate() {
            if let Some(v) = v {
                let key = v.key();
                if !at.contains_key(&key) {
                    at.insert(key, i);
                }
            }
        }
        Indexed {
            live: slots.len(),
            slots,
            at,
        }
    }
}

/// `[slot]` with a slot from `slot_of`; an emptied slot is a bug of the caller (it kept a slot
/// across a `remove`). Writing through `[slot]` must keep the value's id.
impl<V: Keyed> std::ops::Index<usize> for Indexed<V> {
    type Output = V;
    fn index(&self, slot: usize) -> &V {
        self.slots[slot].as_ref().expect("a live slot")
    }
}

impl<V: Keyed> std::ops::IndexMut<usize> for Indexed<V> {
    fn index_mut(&mut self, slot: usize) -> &mut V {
        self.slots[slot].as_mut().expect("a live slot")
    }
}

impl<V: Keyed> IntoIterator for Indexed<V> {
    type Item = V;
    type IntoIter = std::iter::Flatten<std::vec::IntoIter<Option<V>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.slots.into_iter().flatten()
    }
}

impl<'a, V: Keyed> IntoIterator for &'a Indexed<V> {
    type Item = &'a V;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Option<V>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.slots.iter().flatten()
    }
}

impl<'a, V: Keyed> IntoIterator for &'a mut Indexed<V> {
    type Item = &'a mut V;
    type IntoIter = std::iter::Flatten<std::slice::IterMut<'a, Option<V>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.slots.iter_mut().flatten()
    }
}

impl<V: Keyed + PartialEq> PartialEq for Indexed<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<V: Keyed + fmt::Debug> fmt::Debug for Indexed<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<V: Keyed + Serialize> Serialize for Indexed<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, V: Keyed + Deserialize<'de>> Deserialize<'de> for Indexed<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<V>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Item {
        id: String,
        n: u32,
    }

    impl Keyed for Item {
        type Key = String;
        fn key(&self) -> String {
            self.id.clone()
        }
    }

    fn item(id: &str, n: u32) -> Item {
        Item { id: id.into(), n }
    }

    fn ids(c: &Indexed<Item>) -> Vec<&str> {
        c.iter().map(|i| i.id.as_str()).collect()
    }

    #[test]
    fn keeps_insertion_order_and_finds_by_id() {
        let mut c = Indexed::new();
        for (i, id) in ["c", "a", "b"].into_iter().enumerate() {
            c.push(item(id, i as u32)).unwrap();
        }
        assert_eq!(ids(&c), ["c", "a", "b"]);
        assert_eq!(c.get("a").unwrap().n, 1);
        assert!(c.contains("b") && !c.contains("z"));
        c.get_mut("b").unwrap().n = 9;
        assert_eq!(c.get("b").unwrap().n, 9);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn a_repeated_id_is_refused() {
        let mut c = Indexed::new();
        c.push(item("a", 1)).unwrap();
        let back = c.push(item("a", 2)).unwrap_err();
        assert_eq!(back.n, 2);
        assert_eq!(c.len(), 1);
        assert_eq!(c.get("a").unwrap().n, 1);
    }

    #[test]
    fn remove_keeps_the_order_of_the_rest() {
        let mut c: Indexed<Item> = ["a", "b", "c", "d"].iter().map(|i| item(i, 0)).collect();
        assert_eq!(c.remove("b").unwrap().id, "b");
        assert!(c.remove("b").is_none());
        assert_eq!(ids(&c), ["a", "c", "d"]);
        assert_eq!(c.len(), 3);
        assert!(c.get("b").is_none());
        assert_eq!(c.get("d").unwrap().id, "d");
        c.push(item("b", 5)).unwrap();
        assert_eq!(ids(&c), ["a", "c", "d", "b"]);
    }

    #[test]
    fn tombstones_are_compacted_once_they_pass_half() {
        let mut c: Indexed<Item> = (0..10).map(|i| item(&i.to_string(), i)).collect();
        for i in 0..5 {
            c.remove(i.to_string().as_str());
        }
        // Exactly half dead: kept, so a delete is never followed by a copy every time.
        assert_eq!(c.slot_count(), 10);
        c.remove("5");
        assert_eq!(c.slot_count(), 4);
        assert_eq!(ids(&c), ["6", "7", "8", "9"]);
        for i in 6..10 {
            assert_eq!(c.get(i.to_string().as_str()).unwrap().n, i);
        }
    }

    #[test]
    fn many_creates_and_deletes_stay_small_and_consistent() {
        let mut c = Indexed::new();
        for round in 0..50u32 {
            for i in 0..100 {
                c.push(item(&format!("{round}-{i}"), i)).unwrap();
            }
            for i in 0..100 {
                if i % 10 != 0 {
                    c.remove(format!("{round}-{i}").as_str()).unwrap();
                }
            }
        }
        assert_eq!(c.len(), 500);
        assert!(c.slot_count() <= 2 * 500 + 100, "{}", c.slot_count());
        assert!(c.iter().all(|v| c.get(v.id.as_str()) == Some(v)));
    }

    #[test]
    fn replace_keeps_the_place_and_may_change_the_id() {
        let mut c: Indexed<Item> = ["a", "b", "c"].iter().map(|i| item(i, 0)).collect();
        assert_eq!(c.replace("b", item("x", 1)).unwrap().id, "b");
        assert_eq!(ids(&c), ["a", "x", "c"]);
        assert!(c.get("b").is_none());
        assert_eq!(c.get("x").unwrap().n, 1);
        // The new id of another value, or an unknown old id: refused, nothing changes.
        assert!(c.replace("x", item("a", 2)).is_err());
        assert!(c.replace("zz", item("q", 2)).is_err());
        assert_eq!(ids(&c), ["a", "x", "c"]);
    }

    #[test]
    fn slots_of_a_growing_collection_index_it() {
        let c: Indexed<Item> = ["a", "b"].iter().map(|i| item(i, 0)).collect();
        let b = c.slot_of("b").unwrap();
        assert_eq!(c[b].id, "b");
        assert!(c.slot_of("z").is_none());
        assert_eq!(c.into_iter().map(|i| i.id).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn retain_drops_from_the_index_too() {
        let mut c: Indexed<Item> = (0..6).map(|i| item(&i.to_string(), i)).collect();
        c.retain(|v| v.n % 2 == 0);
        assert_eq!(ids(&c), ["0", "2", "4"]);
        assert!(c.get("1").is_none() && c.get("4").is_some());
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn serde_form_is_a_plain_array_and_keeps_duplicates_for_the_checks() {
        let mut c: Indexed<Item> = ["a", "b", "c"].iter().map(|i| item(i, 0)).collect();
        c.remove("b");
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{"id": "a", "n": 0}, {"id": "c", "n": 0}])
        );
        let back: Indexed<Item> = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
        let dup: Indexed<Item> =
            serde_json::from_value(serde_json::json!([{"id": "a", "n": 1}, {"id": "a", "n": 2}]))
                .unwrap();
        assert_eq!(dup.len(), 2);
        assert_eq!(dup.get("a").unwrap().n, 1);
    }
}
