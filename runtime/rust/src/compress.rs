//! gzip helpers shared by the server and the client.

use std::io::{Read, Write};

use bytes::Bytes;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::Error;

/// Decompresses a gzip body, failing with `resource_exhausted` when the result exceeds
/// `limit` bytes and `invalid_argument` when it is not valid gzip.
pub(crate) fn gunzip(data: &[u8], limit: usize) -> Result<Bytes, Error> {
    let mut out = Vec::with_capacity((data.len() * 4).min(limit));
    GzDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::invalid_argument(format!("invalid gzip body: {e}")))?;
    if out.len() > limit {
        return Err(Error::resource_exhausted(format!(
            "decompressed message larger than the limit of {limit} bytes"
        )));
    }
    Ok(Bytes::from(out))
}

/// Compresses `data` with gzip (fast level).
pub(crate) fn gzip(data: &[u8]) -> Bytes {
    let mut enc = GzEncoder::new(Vec::with_capacity(data.len() / 2 + 64), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    Bytes::from(enc.finish().unwrap_or_default())
}

/// True when an `Accept-Encoding` value lists gzip (not with `q=0`).
pub(crate) fn accepts_gzip(value: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(value) else {
        return false;
    };
    s.split(',').any(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let zero_q = parts.any(|p| {
            let p = p.trim();
            p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
        });
        name.eq_ignore_ascii_case("gzip") && !zero_q
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_limit() {
        let data = vec![b'a'; 10_000];
        let z = gzip(&data);
        assert!(z.len() < 200);
        assert_eq!(&gunzip(&z, 10_000).unwrap()[..], &data[..]);
        assert_eq!(
            gunzip(&z, 9_999).unwrap_err().code(),
            crate::Code::ResourceExhausted
        );
        assert_eq!(
            gunzip(b"nope", 100).unwrap_err().code(),
            crate::Code::InvalidArgument
        );
    }

    #[test]
    fn accept_encoding() {
        assert!(accepts_gzip(b"gzip"));
        assert!(accepts_gzip(b"br, GZIP;q=0.5"));
        assert!(!accepts_gzip(b"identity"));
        assert!(!accepts_gzip(b"gzip;q=0"));
    }
}
