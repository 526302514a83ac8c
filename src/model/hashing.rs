//! A hasher for keys the program computes itself (H3 cells, grid squares).

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
