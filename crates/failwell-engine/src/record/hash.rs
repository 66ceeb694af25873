//! Stable hashes of the engine's own bytes: fingerprints, signals' content hashes and the
//! recorded results' checksum.
//!
//! std's hashers are not promised stable between releases, and these values are stored
//! and compared with new ones, so both functions are fixed (the tests pin them). Both read
//! eight bytes at a time and end with the SplitMix64 finaliser, so every input bit reaches
//! every output bit. Not for adversaries: the inputs are the engine's own output.

/// The multiplier of each step.
const K: u64 = 0x517c_c1b7_2722_0a95;

/// The starting state, mixed with the input's length.
const SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// One eight-byte word folded into the state.
fn step(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(K)
}

/// The SplitMix64 finaliser.
fn finish(mut h: u64) -> u64 {
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Eight bytes as a little-endian word (`chunks_exact(8)` gives exactly eight).
fn word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]))
}

/// The last, partial word, zero-padded.
fn last_word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..bytes.len()].copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

/// A stable 64-bit hash, as 16 hex digits: for fingerprints and content hashes (a scan at
/// England scale hashes 70 MB of signals to find the few that changed).
pub fn stable_hash(bytes: &[u8]) -> String {
    let mut h = SEED ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = step(h, word(w));
    }
    h = step(h, last_word(words.remainder()));
    format!("{:016x}", finish(h))
}

/// A checksum of the recorded results: four independent lanes of [`stable_hash`]'s
/// steps, so that 60 MB are checked at memory speed rather than at the speed of one
/// chain of multiplications.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    let mut lanes = [SEED ^ bytes.len() as u64, 1, 2, 3];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, w) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            *lane = step(*lane, word(w));
        }
    }
    let mut last = [0u8; 32];
    last[..blocks.remainder().len()].copy_from_slice(blocks.remainder());
    let h = lanes.iter().zip(last.chunks_exact(8)).fold(0, |h, (lane, w)| step(h, step(*lane, word(w))));
    finish(h)
}

#[cfg(test)]
mod tests {
    use super::{checksum, stable_hash};

    #[test]
    fn the_stable_hash_is_fixed_and_tells_near_inputs_apart() {
        // Fixed across runs and releases: recorded hashes are compared with new ones.
        assert_eq!(stable_hash(b"evidence"), stable_hash(b"evidence"));
        assert_eq!(stable_hash(b"evidence"), "b6ac0bcd09b47eda");
        let mut seen = std::collections::BTreeSet::new();
        let text = b"{\"points\":[{\"period\":\"2024-03\",\"value\":12.5}]}";
        for n in 0..=text.len() {
            assert!(seen.insert(stable_hash(&text[..n])), "prefix of {n} bytes collides");
        }
        // One bit anywhere changes the hash, in a trailing partial word too.
        for i in 0..text.len() {
            let mut t = text.to_vec();
            t[i] ^= 1;
            assert_ne!(stable_hash(&t), stable_hash(text), "bit flip at byte {i}");
        }
    }

    #[test]
    fn the_checksum_is_fixed_and_sees_every_bit() {
        // Fixed: recorded results carry it.
        assert_eq!(checksum(b"evidence"), 0x2341_b949_3c01_c630);
        let bytes: Vec<u8> = (0u8..=200).collect();
        assert_eq!(checksum(&bytes), 0x709f_c4b2_67e5_1655);
        // Every bit of every byte, in whole blocks and in the partial one, and the length.
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert_ne!(checksum(&b), checksum(&bytes), "bit {bit} of byte {i}");
            }
        }
        assert_ne!(checksum(&bytes[..200]), checksum(&bytes));
        assert_ne!(checksum(&[0; 7]), checksum(&[0; 8]));
    }
}
