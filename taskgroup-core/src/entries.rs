//! [`Entries`]: the storage of a group's registry, a slab whose first few
//! places are inline.
//!
//! Most groups run a handful of tasks (a request's fan-out), so their registry
//! fits in the group's own state and costs no allocation of its own; a larger
//! group spills into a [`Slab`], which reuses freed places and grows only when
//! every place is taken.

use slab::Slab;

/// How many entries live inline before the registry allocates.
const INLINE: usize = 4;

pub(crate) struct Entries<T> {
    inline: [Option<T>; INLINE],
    /// How many inline places are taken.
    inline_len: usize,
    /// The entries past the inline ones, keyed from [`INLINE`] on.
    spill: Slab<T>,
}

impl<T> Entries<T> {
    pub(crate) fn new() -> Self {
        Entries {
            inline: [const { None }; INLINE],
            inline_len: 0,
            spill: Slab::new(),
        }
    }

    /// Stores `value` in a free place and returns its key.
    pub(crate) fn insert(&mut self, value: T) -> usize {
        if self.inline_len < INLINE {
            if let Some(key) = self.inline.iter().position(Option::is_none) {
                self.inline[key] = Some(value);
                self.inline_len += 1;
                return key;
            }
        }
        INLINE + self.spill.insert(value)
    }

    pub(crate) fn get(&self, key: usize) -> Option<&T> {
        match key.checked_sub(INLINE) {
            None => self.inline[key].as_ref(),
            Some(key) => self.spill.get(key),
        }
    }

    pub(crate) fn get_mut(&mut self, key: usize) -> Option<&mut T> {
        match key.checked_sub(INLINE) {
            None => self.inline[key].as_mut(),
            Some(key) => self.spill.get_mut(key),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.inline_len + self.spill.len()
    }

    /// Whether the next insert allocates (every place is taken).
    pub(crate) fn is_full(&self) -> bool {
        self.inline_len == INLINE && self.spill.len() == self.spill.capacity()
    }

    /// Every entry with its key.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        let inline = self.inline.iter().enumerate();
        let inline = inline.filter_map(|(key, value)| Some((key, value.as_ref()?)));
        let spill = self.spill.iter().map(|(key, value)| (INLINE + key, value));
        inline.chain(spill)
    }

    /// Keeps only the entries for which `keep` says so.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(usize, &mut T) -> bool) {
        for (key, place) in self.inline.iter_mut().enumerate() {
            if place.as_mut().is_some_and(|value| !keep(key, value)) {
                *place = None;
                self.inline_len -= 1;
            }
        }
        self.spill.retain(|key, value| keep(INLINE + key, value));
    }

    /// Removes every entry (keeping the spilled storage for reuse).
    pub(crate) fn clear(&mut self) {
        if self.inline_len > 0 {
            self.inline = [const { None }; INLINE];
            self.inline_len = 0;
        }
        self.spill.clear();
    }
}

#[cfg(all(test, not(taskgroup_loom)))]
mod tests {
    use super::{Entries, INLINE};

    #[test]
    fn keys_past_the_inline_places_spill_and_freed_places_are_reused() {
        let mut entries = Entries::new();
        let keys: Vec<usize> = (0..INLINE + 3).map(|i| entries.insert(i)).collect();
        assert_eq!(keys, (0..INLINE + 3).collect::<Vec<_>>());
        assert_eq!(entries.len(), INLINE + 3);
        for &key in &keys {
            assert_eq!(entries.get(key), Some(&key));
        }
        // Free one inline and one spilled place: the next inserts take them.
        entries.retain(|key, _| key != 1 && key != INLINE + 1);
        assert_eq!(entries.len(), INLINE + 1);
        assert_eq!(entries.get(1), None);
        assert_eq!(entries.get(INLINE + 1), None);
        assert_eq!(entries.insert(100), 1);
        assert_eq!(entries.insert(101), INLINE + 1);
        *entries.get_mut(1).unwrap() += 1;
        let all: Vec<(usize, usize)> = entries.iter().map(|(k, v)| (k, *v)).collect();
        let mut expected: Vec<(usize, usize)> = (0..INLINE + 3).map(|k| (k, k)).collect();
        expected[1] = (1, 101);
        expected[INLINE + 1] = (INLINE + 1, 101);
        assert_eq!(all, expected);
    }

    #[test]
    fn a_small_registry_is_never_full_until_its_inline_places_are_taken() {
        let mut entries = Entries::new();
        for i in 0..INLINE {
            assert!(!entries.is_full(), "full after {i} entries");
            entries.insert(i);
        }
        // The spill has no storage yet: the next insert allocates.
        assert!(entries.is_full());
        entries.clear();
        assert_eq!(entries.len(), 0);
        assert!(!entries.is_full());
        assert_eq!(entries.iter().count(), 0);
    }
}
