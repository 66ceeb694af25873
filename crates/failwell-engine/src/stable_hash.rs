//! Hashes the engine stores and compares later: signals' content hashes, the settings'
//! fingerprint, peer groups' keys and the recorded results' checksum.
//!
//! std's hashers are not promised stable between releases, and these values are stored
//! and compared with new ones, so they come from XXH3 (64 bits), whose output is fixed by
//! its specification: the same bytes give the same hash on every machine and every
//! release of the crate. Not for adversaries: the inputs are the engine's own output.
//! XXH3 reads memory at about 30 GB/s, so hashing 70 MB of signals at England scale, or
//! checking 60 MB of recorded results, costs a few milliseconds.

use xxhash_rust::xxh3::xxh3_64;

/// A stable 64-bit hash as 16 hex digits, for values stored as text.
pub fn stable_hash(bytes: &[u8]) -> String {
    format!("{:016x}", xxh3_64(bytes))
}

/// A stable 64-bit checksum, for values stored as bytes.
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    xxh3_64(bytes)
}

#[cfg(test)]
mod tests {
    use super::{checksum, stable_hash};

    #[test]
    fn the_hashes_are_xxh3_and_fixed() {
        // The specification's value for empty input, and two pinned ones: recorded hashes
        // are compared with new ones, so these must never change.
        assert_eq!(checksum(b""), 0x2d06_8005_38d3_94c2);
        assert_eq!(stable_hash(b""), "2d06800538d394c2");
        assert_eq!(stable_hash(b"evidence"), "1437dbed7876d608");
        let bytes: Vec<u8> = (0u8..=200).collect();
        let pinned = checksum(&bytes);
        assert_eq!(pinned, 0x1485_411c_a6c9_c142);
        // Every bit of every byte reaches the hash, and so does the length.
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert_ne!(checksum(&b), pinned, "bit {bit} of byte {i}");
            }
        }
        assert_ne!(checksum(&[0; 7]), checksum(&[0; 8]));
    }
}
