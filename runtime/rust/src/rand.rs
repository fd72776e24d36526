//! A tiny, fast, non-cryptographic random source (xorshift64* seeded from the OS-keyed
//! `RandomState`), used for request ids, trace/span ids and UUIDs.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    let s = h.finish();
    if s == 0 {
        0x9E37_79B9_7F4A_7C15
    } else {
        s
    }
}

/// Returns 64 random bits (xorshift64*; not suitable for cryptography).
pub fn next_u64() -> u64 {
    STATE.with(|st| {
        let mut x = st.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        st.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
}

/// Lower-case hex of `n` random bytes that are not all zero (W3C trace ids and span ids
/// must not be all zeros).
pub(crate) fn hex_id(n: usize) -> String {
    let mut bytes = [0u8; 32];
    let bytes = &mut bytes[..n];
    loop {
        for chunk in bytes.chunks_mut(8) {
            let r = next_u64().to_le_bytes();
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
        if bytes.iter().any(|b| *b != 0) {
            break;
        }
    }
    let mut s = String::with_capacity(n * 2);
    push_hex(&mut s, bytes);
    s
}

/// A random version-4 UUID in its canonical text form
/// (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&next_u64().to_le_bytes());
    b[8..].copy_from_slice(&next_u64().to_le_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    push_hex(&mut s, &b[0..4]);
    s.push('-');
    push_hex(&mut s, &b[4..6]);
    s.push('-');
    push_hex(&mut s, &b[6..8]);
    s.push('-');
    push_hex(&mut s, &b[8..10]);
    s.push('-');
    push_hex(&mut s, &b[10..16]);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let a = uuid_v4();
        let b = uuid_v4();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(a.matches('-').count(), 4);
    }

    #[test]
    fn hex_ids() {
        let t = hex_id(16);
        assert_eq!(t.len(), 32);
        assert!(t.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(hex_id(8), hex_id(8));
    }
}
