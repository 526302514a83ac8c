//! Which `(source, report_id)` keys are stored, so that each staged row is
//! classified (new, duplicate, conflict) as it arrives and new rows go straight
//! into `reports`: no staging table, no second copy of the file in DuckDB.
//!
//! Keys and content are held as 128-bit digests, not strings: ~40 bytes a
//! report instead of ~100. The key digest is two SipHash-1-3 values under keys
//! drawn at random per process (std's `RandomState`), so nobody can craft two
//! report ids that collide; by chance, two of a few million keys collide with
//! probability below 2^-80. The content hash is the report's own (SHA-256, first
//! 16 bytes).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};

/// A `(source, report_id)` digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct KeyDigest(u128);

/// Where a staged row stands against the stored reports and the file's earlier rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
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

/// The stored keys of one database, valid for one data version.
pub(super) struct KeyIndex {
    hashers: [RandomState; 2],
    stored: HashMap<KeyDigest, u128>,
    /// The `Store::data_version` these keys describe; `None`: not loaded.
    pub(super) version: Option<(i64, u64)>,
}

impl Default for KeyIndex {
    fn default() -> Self {
        Self {
            hashers: [RandomState::new(), RandomState::new()],
            stored: HashMap::new(),
            version: None,
        }
    }
}

impl KeyIndex {
    pub(super) fn digest(&self, source: &str, report_id: &str) -> KeyDigest {
        let [a, b] = self.hashers.each_ref().map(|state| {
            let mut h = state.build_hasher();
            // `str`'s Hash ends each string with a marker, so ("ab", "c") and
            // ("a", "bc") differ.
            source.hash(&mut h);
            report_id.hash(&mut h);
            h.finish()
        });
        KeyDigest((u128::from(a) << 64) | u128::from(b))
    }

    /// Forgets every key (before reloading them for another data version).
    pub(super) fn clear(&mut self, capacity: usize) {
        self.stored.clear();
        self.stored.reserve(capacity);
        self.version = None;
    }

    pub(super) fn insert_stored(&mut self, source: &str, report_id: &str, content: u128) {
        let key = self.digest(source, report_id);
        self.stored.insert(key, content);
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.stored.len()
    }

    /// Adds a committed file's new keys.
    pub(super) fn absorb(&mut self, file: FileKeys) {
        self.stored.reserve(file.seen.len());
        for (key, (content, _first_line)) in file.seen {
            self.stored.insert(key, content);
        }
    }

    /// Classifies one staged row, remembering it for the rows after it.
    pub(super) fn classify(
        &self,
        file: &mut FileKeys,
        source: &str,
        report_id: &str,
        content: u128,
        line: u64,
    ) -> Verdict {
        let key = self.digest(source, report_id);
        if let Some(&stored) = self.stored.get(&key) {
            return if stored == content {
                Verdict::Duplicate
            } else {
                Verdict::ConflictStored
            };
        }
        match file.seen.get(&key) {
            Some(&(first, _)) if first == content => Verdict::Duplicate,
            Some(&(_, first_line)) => Verdict::ConflictFile { first_line },
            None => {
                file.seen.insert(key, (content, line));
                Verdict::New
            }
        }
    }
}

/// The keys a file is storing: content digest and first line. Merged into the
/// index only when the file commits.
#[derive(Default)]
pub(super) struct FileKeys {
    seen: HashMap<KeyDigest, (u128, u64)>,
}

/// The content hash's hex text (32 digits, as `parse_row` writes it) as a
/// number. Other text, which parsing never produces, is folded through a fixed
/// SipHash so that equal texts still compare equal.
pub(super) fn content_digest(hex_text: &str) -> u128 {
    u128::from_str_radix(hex_text, 16).unwrap_or_else(|_| {
        let mut h = std::hash::DefaultHasher::new();
        hex_text.hash(&mut h);
        u128::from(h.finish())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(source, report_id, content, line, verdict)`, classified in order.
    type Step = (&'static str, &'static str, u128, u64, Verdict);

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

    #[test]
    fn content_digest_reads_hex() {
        assert_eq!(content_digest("000000000000000000000000000000ff"), 255);
        assert_ne!(content_digest("not hex"), content_digest("also not hex"));
        assert_eq!(content_digest("not hex"), content_digest("not hex"));
    }
}
