//! Which `(source, report_id)` keys are stored, so that each staged row is
//! classified (new, duplicate, conflict) as it arrives and new rows go straight
//! into `reports`: no staging table, no second copy of the file in DuckDB.
//!
//! Keys are held as 96-bit digests, content as the 64 bits the store keeps of
//! its hash and the first line as 32 bits, not strings: 24 bytes a report
//! instead of ~100 (a 1M-row file's map is 2^21 slots: 50 MB at 24 bytes a
//! slot, 66 MB at the 32 a `u128` digest aligns them to). The key digest is
//! SipHash-1-3's 128-bit output under a key drawn at random per process (from
//! std's `RandomState`), so nobody can craft two report ids that collide; by
//! chance, two of ten million keys collide with probability below 2^-50.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};

use siphasher::sip128::{Hasher128, SipHasher13};

/// A `(source, report_id)` digest: 96 bits, in words of 32 so that a map
/// slot (with [`Seen`]) is 24 bytes, not 32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct KeyDigest([u32; 3]);

impl KeyDigest {
    /// What the maps below hash it to (see [`DigestHasher`]).
    fn map_hash(self) -> u64 {
        let [a, b, c] = self.0;
        (u64::from(a) << 32 | u64::from(b)) ^ u64::from(c)
    }
}

impl Hash for KeyDigest {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.map_hash());
    }
}

/// The digests are keyed SipHash already: hashing them again for the maps
/// below would only cost time (it was ~3% of a load's loading thread).
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `KeyDigest::hash` feeds this map, through `write_u64`.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type DigestMap<V> = HashMap<KeyDigest, V, BuildHasherDefault<DigestHasher>>;

/// Where a staged row stands against the stored reports and the file's earlier rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    New,
    /// Same key and content as a stored report or an earlier row of the file.
    Duplicate,
    /// Same key as a stored report, different content: the stored one is kept.
    ConflictStored,
    /// Same key as an earlier row of this file (at `first_line`), different content.
    ConflictFile {
        first_line: u64,
    },
}

/// Digests `(source, report_id)` keys under one index's random key. Cloned
/// into the ingest workers, so the loading thread only looks digests up.
#[derive(Clone)]
pub(super) struct KeyHasher(SipHasher13);

impl KeyHasher {
    /// A key no one can know: two outputs of std's SipHash under the
    /// process's random `RandomState` keys (drawn from the OS).
    pub(super) fn random() -> Self {
        let state = RandomState::new();
        Self(SipHasher13::new_with_keys(
            state.hash_one(0_u8),
            state.hash_one(1_u8),
        ))
    }

    pub(super) fn digest(&self, source: &str, report_id: &str) -> KeyDigest {
        // One pass with a 128-bit output: two 64-bit SipHashes under two
        // keys compressed every key's bytes twice.
        let mut h = self.0;
        // `str`'s Hash ends each string with a marker, so ("ab", "c") and
        // ("a", "bc") differ.
        source.hash(&mut h);
        report_id.hash(&mut h);
        let digest = h.finish128();
        let (a, b) = (digest.h1, digest.h2);
        KeyDigest([(a >> 32) as u32, a as u32, (b >> 32) as u32])
    }
}

/// What is known of a key: its content digest, and the line of the file that
/// brought it (0 for keys read back from the database; only a file's own
/// lines are ever quoted). One type for both maps, so that a commit into an
/// empty index hands its map over instead of copying it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Seen {
    /// [`stored_content`], in two words (see [`KeyDigest`]).
    content: [u32; 2],
    /// Saturated: a file of more than 2^32 - 1 lines (~170 GB of reports)
    /// names that line for a first row beyond it.
    first_line: u32,
}

impl Seen {
    fn new(content: u64, first_line: u64) -> Self {
        Self {
            content: [(content >> 32) as u32, content as u32],
            first_line: u32::try_from(first_line).unwrap_or(u32::MAX),
        }
    }

    fn content(self) -> u64 {
        u64::from(self.content[0]) << 32 | u64::from(self.content[1])
    }
}

/// The stored keys of one database, valid for one data version.
pub(super) struct KeyIndex {
    hasher: KeyHasher,
    stored: DigestMap<Seen>,
    /// A committed file's new keys, not yet in `stored`: they join it when
    /// the next load begins ([`KeyIndex::settle`]), so a process that ends
    /// after its load (`hotspots ingest`) never merges the two maps.
    committed: Option<FileKeys>,
    /// The `Store::data_version` these keys describe (with `committed`);
    /// `None`: not loaded.
    pub(super) version: Option<(i64, u64)>,
}

impl Default for KeyIndex {
    fn default() -> Self {
        Self::with_hasher(KeyHasher::random())
    }
}

impl KeyIndex {
    /// An index not loaded yet, digesting keys with `hasher`.
    pub(super) fn with_hasher(hasher: KeyHasher) -> Self {
        Self {
            hasher,
            stored: DigestMap::default(),
            committed: None,
            version: None,
        }
    }

    pub(super) fn hasher(&self) -> &KeyHasher {
        &self.hasher
    }

    /// Forgets every key (before reloading them for another data version).
    pub(super) fn clear(&mut self, capacity: usize) {
        self.committed = None;
        self.stored.clear();
        self.stored.reserve(capacity);
        self.version = None;
    }

    /// One stored key, as [`KeyIndex::insert_stored_all`] takes them.
    #[cfg(test)]
    pub(super) fn insert_stored(&mut self, source: &str, report_id: &str, content: u64) {
        let key = self.hasher.digest(source, report_id);
        self.insert_stored_all(vec![(key, content)]);
    }

    /// Inserts a database's keys, read back (digest and content), in the
    /// order of the map's slots: one after another they then land near each
    /// other. In the order read, each was a cache miss in a map of tens of
    /// megabytes, and inserting them most of the time a load into a large
    /// database spent before its first row (bench/README.md).
    pub(super) fn insert_stored_all(&mut self, keys: Vec<(KeyDigest, u64)>) {
        self.stored.reserve(keys.len());
        // std's map first tries slot `hash & (slots - 1)`, where `slots` is
        // the power of two that holds its capacity at 7/8 full. Were that to
        // change, only the order (and the speed) would be off, not the map.
        let slots = (self.stored.capacity() / 7 * 8).next_power_of_two();
        let slot_bits = slots.trailing_zeros();
        // Groups of 1/2048 of the slots: ~24 KB of a map of 2^21 slots.
        let group_bits = slot_bits.min(11);
        let group =
            |key: KeyDigest| (key.map_hash() as usize & (slots - 1)) >> (slot_bits - group_bits);
        // A counting sort by group: two passes, where sorting compared ~20
        // times a key.
        let mut next = vec![0_usize; (1 << group_bits) + 1];
        for &(key, _) in &keys {
            next[group(key) + 1] += 1;
        }
        for i in 1..next.len() {
            next[i] += next[i - 1];
        }
        let mut ordered = vec![(KeyDigest([0; 3]), 0_u64); keys.len()];
        for (key, content) in keys {
            let at = &mut next[group(key)];
            ordered[*at] = (key, content);
            *at += 1;
        }
        for (key, content) in ordered {
            self.stored.insert(key, Seen::new(content, 0));
        }
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.stored.len() + self.committed.as_ref().map_or(0, |file| file.seen.len())
    }

    /// Keeps a committed file's new keys aside until [`KeyIndex::settle`].
    pub(super) fn defer(&mut self, file: FileKeys) {
        self.settle();
        self.committed = Some(file);
    }

    /// Adds the keys [`KeyIndex::defer`] kept aside: before a load classifies.
    pub(super) fn settle(&mut self) {
        if let Some(file) = self.committed.take() {
            self.absorb(file);
        }
    }

    /// Adds a committed file's new keys: the smaller map goes into the
    /// larger (copying a first load's map into the empty index took a whole
    /// thread after everything else; bench/README.md).
    fn absorb(&mut self, file: FileKeys) {
        let mut smaller = file.seen;
        if smaller.len() > self.stored.len() {
            std::mem::swap(&mut self.stored, &mut smaller);
        }
        self.stored.reserve(smaller.len());
        self.stored.extend(smaller);
    }

    /// Classifies one staged row, remembering it for the rows after it.
    #[cfg(test)]
    pub(super) fn classify(
        &self,
        file: &mut FileKeys,
        source: &str,
        report_id: &str,
        content: u64,
        line: u64,
    ) -> Verdict {
        self.classify_digest(file, self.hasher.digest(source, report_id), content, line)
    }

    /// [`KeyIndex::classify`] with the key digested already.
    pub(super) fn classify_digest(
        &self,
        file: &mut FileKeys,
        key: KeyDigest,
        content: u64,
        line: u64,
    ) -> Verdict {
        if let Some(stored) = self.stored.get(&key) {
            return if stored.content() == content {
                Verdict::Duplicate
            } else {
                Verdict::ConflictStored
            };
        }
        // One probe of the file's map for both the look-up and the insert.
        match file.seen.entry(key) {
            Entry::Occupied(seen) if seen.get().content() == content => Verdict::Duplicate,
            Entry::Occupied(seen) => Verdict::ConflictFile {
                first_line: u64::from(seen.get().first_line),
            },
            Entry::Vacant(slot) => {
                slot.insert(Seen::new(content, line));
                Verdict::New
            }
        }
    }
}

/// The keys a file is storing: content digest and first line. Merged into the
/// index only when the file commits.
#[derive(Default)]
pub(super) struct FileKeys {
    seen: DigestMap<Seen>,
}

impl FileKeys {
    /// Room for `rows` keys at once: growing by doubling rehashes every key
    /// and faults in fresh pages each time (~8% of a 1M-row load's CPU).
    pub(super) fn reserve(&mut self, rows: usize) {
        self.seen.reserve(rows);
    }
}

/// What the store keeps of a report's content hash: its first 64 bits. They
/// are only ever compared for one key (is this the same report again?), so a
/// chance match between different contents is a 2^-64 event per re-sent id.
pub(crate) fn stored_content(content_hash: u128) -> u64 {
    (content_hash >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(source, report_id, content, line, verdict)`, classified in order.
    type Step = (&'static str, &'static str, u64, u64, Verdict);

    fn run(index: &KeyIndex, file: &mut FileKeys, steps: &[Step]) {
        for &(source, id, content, line, expected) in steps {
            let got = index.classify(file, source, id, content, line);
            assert_eq!(got, expected, "{source}/{id} at line {line}");
        }
    }

    #[test]
    fn classifies_against_stored_and_earlier_rows() {
        let mut index = KeyIndex::default();
        index.insert_stored("police", "A", 1);
        let mut file = FileKeys::default();
        run(
            &index,
            &mut file,
            &[
                ("police", "A", 1, 2, Verdict::Duplicate),
                ("police", "A", 9, 3, Verdict::ConflictStored),
                // The same id from another source is another report.
                ("helpline", "A", 9, 4, Verdict::New),
                ("helpline", "A", 9, 5, Verdict::Duplicate),
                (
                    "helpline",
                    "A",
                    7,
                    6,
                    Verdict::ConflictFile { first_line: 4 },
                ),
                // Concatenation is not identity: ("police", "A") is not ("policeA", "").
                ("policeA", "", 1, 7, Verdict::New),
            ],
        );
        index.absorb(file);
        assert_eq!(index.len(), 3);
        run(
            &index,
            &mut FileKeys::default(),
            &[
                ("helpline", "A", 9, 2, Verdict::Duplicate),
                ("policeA", "", 2, 3, Verdict::ConflictStored),
            ],
        );
    }

    /// A committed file's keys join the index whichever map is larger (the
    /// larger is kept and the smaller poured into it).
    #[test]
    fn absorbing_keeps_every_key_whichever_map_is_larger() {
        use Verdict::{ConflictStored, Duplicate, New};
        let mut index = KeyIndex::default();
        index.insert_stored("police", "A", 1);
        let mut file = FileKeys::default();
        run(
            &index,
            &mut file,
            &[
                ("police", "B", 2, 2, New),
                ("police", "C", 3, 3, New),
                ("helpline", "A", 4, 4, New),
            ],
        );
        index.absorb(file); // the file's map is the larger
        let mut file = FileKeys::default();
        run(
            &index,
            &mut file,
            &[
                ("police", "A", 1, 2, Duplicate),
                ("police", "B", 2, 3, Duplicate),
                ("police", "C", 9, 4, ConflictStored),
                ("helpline", "A", 4, 5, Duplicate),
                ("helpline", "D", 5, 6, New),
            ],
        );
        index.absorb(file); // the index's map is the larger
        assert_eq!(index.len(), 5);
        let mut file = FileKeys::default();
        run(&index, &mut file, &[("helpline", "D", 5, 2, Duplicate)]);
    }

    /// Keys deferred by two commits in a row, then settled: each counts once,
    /// and a reload for another data version forgets the deferred ones too.
    #[test]
    fn deferred_keys_join_the_index_when_settled() {
        use Verdict::{ConflictStored, Duplicate, New};
        let mut index = KeyIndex::default();
        index.insert_stored("police", "A", 1);
        let mut first = FileKeys::default();
        run(&index, &mut first, &[("police", "B", 2, 2, New)]);
        index.defer(first);
        let mut second = FileKeys::default();
        run(&index, &mut second, &[("police", "C", 3, 2, New)]);
        // The second commit settles the first before it is kept aside.
        index.defer(second);
        assert_eq!(index.len(), 3);
        index.settle();
        assert_eq!(index.len(), 3);
        run(
            &index,
            &mut FileKeys::default(),
            &[
                ("police", "A", 1, 2, Duplicate),
                ("police", "B", 2, 3, Duplicate),
                ("police", "C", 9, 4, ConflictStored),
            ],
        );
        let mut third = FileKeys::default();
        run(&index, &mut third, &[("police", "D", 4, 2, New)]);
        index.defer(third);
        index.clear(0);
        index.settle();
        assert_eq!(index.len(), 0);
    }

    /// A database's keys inserted at once, in the map's order, are the keys
    /// inserted one by one: every one found, with its content, whatever the
    /// number (none, one, fewer than a group each, many to a group).
    #[test]
    fn keys_inserted_at_once_are_every_key_read() {
        for count in [0_u64, 1, 7, 5_000, 70_000] {
            let mut index = KeyIndex::default();
            let keys: Vec<(KeyDigest, u64)> = (0..count)
                .map(|i| (index.hasher.digest("police", &format!("R{i}")), i * 3))
                .collect();
            index.clear(keys.len());
            index.insert_stored_all(keys);
            assert_eq!(index.len(), count as usize);
            let mut file = FileKeys::default();
            for i in 0..count {
                let id = format!("R{i}");
                assert_eq!(
                    index.classify(&mut file, "police", &id, i * 3, 2),
                    Verdict::Duplicate,
                    "{id} of {count}"
                );
                assert_eq!(
                    index.classify(&mut file, "police", &id, i * 3 + 1, 2),
                    Verdict::ConflictStored,
                    "{id} of {count}"
                );
            }
            assert_eq!(
                index.classify(&mut file, "police", &format!("R{count}"), 0, 2),
                Verdict::New
            );
        }
    }

    /// The point of the packed words: a map slot of 24 bytes.
    #[test]
    fn a_slot_is_24_bytes() {
        assert_eq!(std::mem::size_of::<(KeyDigest, Seen)>(), 24);
    }

    /// Every key of a large set gets its own digest, keys that join to the
    /// same text included (`("ab", "c")`, `("a", "bc")`); a key digests the
    /// same every time under one index, and differently under another
    /// (whose random key no one knows).
    #[test]
    fn digests_tell_keys_apart_and_depend_on_the_indexs_key() {
        let hasher = KeyIndex::default().hasher;
        let mut keys = Vec::new();
        for i in 0..50_000 {
            let id = format!("R{i:07}");
            let (left, right) = id.split_at(1 + i % 7);
            keys.push(("police".to_owned(), id.clone()));
            keys.push(("helpline".to_owned(), id.clone()));
            keys.push((format!("police{left}"), right.to_owned()));
        }
        let digests: std::collections::HashSet<[u32; 3]> = keys
            .iter()
            .map(|(source, id)| hasher.digest(source, id).0)
            .collect();
        assert_eq!(digests.len(), keys.len());
        assert_eq!(hasher.digest("police", "R1"), hasher.digest("police", "R1"));
        let other = KeyIndex::default().hasher;
        let differ = keys[..100]
            .iter()
            .filter(|(source, id)| hasher.digest(source, id) != other.digest(source, id))
            .count();
        assert_eq!(differ, 100);
    }

    /// Contents that differ only in their high or low word, and lines past
    /// 32 bits, are told apart and kept as they were.
    #[test]
    fn every_bit_of_the_content_counts() {
        let index = KeyIndex::default();
        let mut file = FileKeys::default();
        let high = 0xffff_fffe_0000_0001_u64;
        let far = u64::from(u32::MAX) + 10;
        run(
            &index,
            &mut file,
            &[
                ("police", "A", high, 2, Verdict::New),
                ("police", "A", high, 3, Verdict::Duplicate),
                (
                    "police",
                    "A",
                    high ^ 1,
                    4,
                    Verdict::ConflictFile { first_line: 2 },
                ),
                (
                    "police",
                    "A",
                    high ^ (1 << 40),
                    5,
                    Verdict::ConflictFile { first_line: 2 },
                ),
                ("police", "B", 7, far, Verdict::New),
                (
                    "police",
                    "B",
                    8,
                    far + 1,
                    Verdict::ConflictFile {
                        first_line: u64::from(u32::MAX),
                    },
                ),
            ],
        );
    }

    #[test]
    fn stored_content_is_the_first_64_bits() {
        assert_eq!(
            stored_content(0xc1d9_6bf3_7bae_9821_8022_4a9f_3263_dc55),
            0xc1d9_6bf3_7bae_9821
        );
    }
}
