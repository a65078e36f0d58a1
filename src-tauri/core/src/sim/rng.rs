//! The simulator's one source of randomness: a splitmix64 finaliser and the seeded hashes built on it.
//! Written out here rather than taken from a crate, so no figure ever depends on a crate's RNG version.

/// The splitmix64 increment (2^64 / φ): steps a stream, and spreads counters before mixing.
pub(crate) const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// FNV-1a's 64-bit prime: spreads the parts of a hashed key.
const FNV_PRIME: u64 = 0x100_0000_01B3;

/// splitmix64: one step of the stream (`z + γ`) and its finaliser. A bijection of `u64`.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number for a key of several parts (seed, ledger tag, day, index, purpose…).
pub(crate) fn hash(parts: &[u64]) -> u64 {
    parts.iter().fold(
        0x5EED_0FA7_57E3_u64,
        |acc, p| mix(acc ^ p.wrapping_mul(FNV_PRIME)),
    )
}

/// FNV-1a of a string, unseeded: turns a ledger id into a hash part.
pub(crate) fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325u64, |acc, b| {
        (acc ^ u64::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// A seeded hash of a string, mixing every byte.
pub(crate) fn hash_text(seed: u64, s: &str) -> u64 {
    s.bytes().fold(mix(seed ^ 0x5A1E5), |h, b| mix(h ^ u64::from(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mixer_gives_the_published_splitmix64_stream() {
        // splitmix64 seeded with 0: the first outputs of the reference implementation.
        assert_eq!(mix(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(mix(GOLDEN_GAMMA), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn hashes_depend_on_every_part_and_its_order() {
        assert_ne!(hash(&[1, 2]), hash(&[2, 1]));
        assert_ne!(hash(&[1, 2]), hash(&[1, 2, 0]));
        assert_ne!(hash_text(1, "order-1"), hash_text(2, "order-1"));
        assert_eq!(hash_str("12345"), hash_str("12345"));
    }
}
