//! Counts by name in bounded memory: exact up to a limit of distinct names, then
//! Space-Saving (Metwally, Agrawal and El Abbadi, "Efficient computation of frequent and
//! top-k elements in data streams", 2005). Past the limit a new name takes the place of the
//! least counted one and inherits its count as a possible overcount, so:
//! - every count listed is at most its name's true count plus the table's `max_overcount`;
//! - a name not listed occurred at most `min count listed` times;
//! - any name that occurred more often than that is listed.

use std::borrow::Borrow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hash::Hash;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Distinct names each of `scan`'s tables counts exactly (documented in the README).
pub const DISTINCT_LIMIT: usize = 10_000;

#[derive(Debug)]
struct Slot<K> {
    key: K,
    count: u64,
    /// How much of `count` may belong to the names this slot counted before.
    error: u64,
}

#[derive(Debug)]
pub struct TopCounts<K> {
    limit: usize,
    index: HashMap<K, usize>,
    slots: Vec<Slot<K>>,
    /// Once approximate: one entry per slot, `(count when pushed, slot)`, the count never
    /// above the slot's own, so the first whose count is current is the least counted.
    heap: BinaryHeap<Reverse<(u64, usize)>>,
    approximate: bool,
}

impl<K: Clone + Eq + Hash> Default for TopCounts<K> {
    fn default() -> Self {
        TopCounts::with_limit(DISTINCT_LIMIT)
    }
}

impl<K: Clone + Eq + Hash> TopCounts<K> {
    pub fn with_limit(limit: usize) -> Self {
        TopCounts {
            limit: limit.max(1),
            index: HashMap::default(),
            slots: Vec::new(),
            heap: BinaryHeap::new(),
            approximate: false,
        }
    }

    /// Counts one occurrence of `key`, allocating only for a name not counted now.
    pub fn add<Q>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(&i) = self.index.get(key) {
            self.slots[i].count += 1;
            return;
        }
        if self.slots.len() < self.limit {
            self.index.insert(key.to_owned(), self.slots.len());
            self.slots.push(Slot {
                key: key.to_owned(),
                count: 1,
                error: 0,
            });
            return;
        }
        if !self.approximate {
            self.approximate = true;
            self.heap = self
                .slots
                .iter()
                .enumerate()
                .map(|(i, s)| Reverse((s.count, i)))
                .collect();
        }
        while let Some(Reverse((count, i))) = self.heap.pop() {
            let slot = &mut self.slots[i];
            if slot.count != count {
                self.heap.push(Reverse((slot.count, i)));
                continue;
            }
            self.index.remove::<K>(&slot.key);
            *slot = Slot {
                key: key.to_owned(),
                count: count + 1,
                error: count,
            };
            self.index.insert(slot.key.clone(), i);
            self.heap.push(Reverse((count + 1, i)));
            return;
        }
    }

    /// `None` while exact; once names were dropped, the most any listed count exceeds its
    /// name's true count.
    pub fn overcount(&self) -> Option<u64> {
        self.approximate
            .then(|| self.slots.iter().map(|s| s.error).max().unwrap_or(0))
    }

    /// The names counted, in no order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, u64)> {
        self.slots.iter().map(|s| (&s.key, s.count))
    }

    /// Most frequent first, then by name.
    pub fn ranked(&self) -> Vec<(K, u64)>
    where
        K: Ord,
    {
        let mut v: Vec<(K, u64)> = self
            .slots
            .iter()
            .map(|s| (s.key.clone(), s.count))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_up_to_the_limit() {
        let mut t: TopCounts<String> = TopCounts::with_limit(3);
        for k in ["a", "b", "a", "c", "a", "b"] {
            t.add(k);
        }
        assert_eq!(t.overcount(), None);
        assert_eq!(
            t.ranked(),
            vec![("a".into(), 3), ("b".into(), 2), ("c".into(), 1)]
        );
    }

    #[test]
    fn heavy_hitters_survive_a_stream_of_distinct_names() {
        let mut t: TopCounts<String> = TopCounts::with_limit(10);
        let mut truth: std::collections::HashMap<String, u64> = Default::default();
        for i in 0..10_000u64 {
            // Three heavy names among a stream of names seen once.
            let k = match i % 10 {
                0..=2 => "heavy1".to_string(),
                3..=4 => "heavy2".to_string(),
                5 => "heavy3".to_string(),
                _ => format!("once{i}"),
            };
            *truth.entry(k.clone()).or_default() += 1;
            t.add(k.as_str());
        }
        let over = t.overcount().expect("approximate");
        let r = t.ranked();
        let names: Vec<&str> = r.iter().take(3).map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["heavy1", "heavy2", "heavy3"]);
        for (k, n) in &r {
            let real = truth[k];
            assert!(
                *n >= real && *n - real <= over,
                "{k}: {n} vs {real}, bound {over}"
            );
        }
        // Nothing left out occurred more often than the least count listed.
        let least = r.iter().map(|(_, n)| *n).min().unwrap();
        assert!(
            truth
                .iter()
                .all(|(k, n)| r.iter().any(|(l, _)| l == k) || *n <= least)
        );
    }
}
