//! A hasher for keys the program computes itself (H3 cells, grid squares),
//! and how a database hashes its reports' content.

/// How a database hashes a report's canonical content (the text
/// `ingest::parse` builds): `reports.content_hash` keeps the first 64 bits and
/// only ever compares them with those of a row with the same key in the same
/// database (is this the same report again?). So a database keeps the scheme
/// it was made with: those made before new ones hashed with XXH3 keep SHA-256.
///
/// A content hash needs no resistance to chosen collisions: the rows it is
/// compared for carry the ids their sender gave them (rows without one take
/// `auto-` + a SHA-256, and the public page's reports are given `public-<id>`),
/// so crafting a collision gains nothing a sender could not do by sending
/// the same id; and SHA-256 over every report was a part of a load's CPU
/// worth having back (bench/README.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentHashing {
    /// The first 16 bytes of SHA-256, big-endian.
    Sha256,
    /// XXH3's 128-bit hash, seed 0.
    Xxh3,
}

impl ContentHashing {
    #[must_use]
    pub fn digest(self, text: &[u8]) -> u128 {
        match self {
            Self::Sha256 => {
                let digest = <sha2::Sha256 as sha2::Digest>::digest(text);
                let mut first = [0; 16];
                first.copy_from_slice(&digest[..16]);
                u128::from_be_bytes(first)
            }
            Self::Xxh3 => twox_hash::XxHash3_128::oneshot(text),
        }
    }

    /// The name the database records.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Xxh3 => "xxh3-128",
        }
    }

    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Sha256, Self::Xxh3]
            .into_iter()
            .find(|scheme| scheme.as_str() == name)
    }
}

/// std's SipHash resists keys chosen to collide, which keys the program makes
/// itself do not need, and it cost ~2% of an ingest worker's time. This one
/// mixes with splitmix64's finaliser, so every bit of a key reaches the low
/// bits a hash table indexes by (an H3 cell's low bits are its unused digits,
/// all ones at res 7: passing the key through would put every cell in one bucket).
#[derive(Default)]
pub struct MixHasher(u64);

impl std::hash::Hasher for MixHasher {
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = self.0.rotate_left(32) ^ n;
    }

    fn write_i32(&mut self, n: i32) {
        self.0 = self.0.rotate_left(32) ^ u64::from(n.cast_unsigned());
    }
}

/// A `HashMap`'s hasher builder for [`MixHasher`].
pub type MixState = std::hash::BuildHasherDefault<MixHasher>;

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, Hash, Hasher};

    use super::*;

    const SHA_REPORT: u128 = 0xbc50_b942_eda8_4570_43f5_bae0_4e51_cf22;
    const XXH3_REPORT: u128 = 0x9e58_8b75_a73b_5f09_2709_1352_cacc_9247;
    const SHA_LONG: u128 = 0xf1d9_37cc_5bf1_d891_4b18_f49e_630c_ed11;
    const XXH3_LONG: u128 = 0x6837_f1f7_42ac_c9ad_4e33_349e_570e_7ef6;

    /// Each scheme against a reference computed elsewhere: Python's `hashlib`
    /// and `xxhash` (3.x, the C library), over the empty text, a report's
    /// text, and one past XXH3's 240-byte inputs (its long-input path).
    #[test]
    fn content_hashes_match_reference_implementations() {
        let report = "R7\x1fhelpline\x1f2023-05-04\x1fnail_bar\x1f\x1funknown\x1fno_ppe;cash_only\x1f3\x1f\x1fn\x1f1AP\x1fTwo vans\x1fll:52.666:0.158\x1f";
        let long = report.repeat(3);
        let cases: [(&str, u128, u128); 3] = [
            (
                "",
                0xe3b0_c442_98fc_1c14_9afb_f4c8_996f_b924,
                0x99aa_06d3_0147_98d8_6001_c324_468d_497f,
            ),
            (report, SHA_REPORT, XXH3_REPORT),
            (&long, SHA_LONG, XXH3_LONG),
        ];
        for (text, sha256, xxh3) in cases {
            assert_eq!(
                ContentHashing::Sha256.digest(text.as_bytes()),
                sha256,
                "{text:?}"
            );
            assert_eq!(
                ContentHashing::Xxh3.digest(text.as_bytes()),
                xxh3,
                "{text:?}"
            );
        }
        for scheme in [ContentHashing::Sha256, ContentHashing::Xxh3] {
            assert_eq!(ContentHashing::parse(scheme.as_str()), Some(scheme));
        }
        assert_eq!(ContentHashing::parse("md5"), None);
    }

    #[test]
    fn res7_cells_spread_over_the_low_bits() {
        // Cells whose indexes differ only in their res-7 digit (bits 24-26).
        let base: u64 = 0x0871_9588_0000_0000 | 0x00ff_ffff;
        let buckets: std::collections::HashSet<u64> = (0..7u64)
            .map(|d| MixState::default().hash_one(base | d << 24) & 0xff)
            .collect();
        assert_eq!(buckets.len(), 7, "seven cells, seven buckets of 256");
        let mut h = MixHasher::default();
        (3i32, -4i32).hash(&mut h);
        let mut g = MixHasher::default();
        (-4i32, 3i32).hash(&mut g);
        assert_ne!(h.finish(), g.finish(), "order matters in a pair");
    }
}
