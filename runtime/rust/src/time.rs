//! [`Timestamp`]: the `time` type of brief, an instant with microsecond precision.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An instant in time with microsecond precision: the Rust type of brief's `time`.
///
/// It holds microseconds since the Unix epoch (negative before 1970). On the wire it is
/// an RFC 3339 string: decoding accepts any offset and up to 9 fractional digits
/// (truncated to microseconds); encoding writes UTC with `Z` and 0, 3 or 6 fractional
/// digits, the fewest that hold the value (`2024-05-01T12:00:00.500Z`). `Display` and
/// `Debug` both write that form.
///
/// Making one:
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use brief_runtime::Timestamp;
///
/// let now = Timestamp::now();
/// let from_system: Timestamp = (SystemTime::now() - Duration::from_secs(60)).into();
/// assert!(from_system < now);
///
/// let parsed: Timestamp = "2024-05-01T14:00:00.5+02:00".parse().unwrap();
/// assert_eq!(parsed.to_string(), "2024-05-01T12:00:00.500Z");
/// assert_eq!(format!("{parsed:?}"), "2024-05-01T12:00:00.500Z");
/// assert_eq!(parsed, Timestamp::from_unix_micros(1_714_564_800_500_000));
///
/// let back: SystemTime = parsed.into();
/// assert_eq!(Timestamp::from(back), parsed);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    micros: i64,
}

/// Why an RFC 3339 string could not be parsed into a [`Timestamp`]. Its message
/// repeats at most [`ECHO_MAX_CHARS`](crate::wire::ECHO_MAX_CHARS) characters of the
/// input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 3339 time {input}: {reason}")]
pub struct TimestampParseError {
    /// The input, quoted and cut.
    input: String,
    reason: &'static str,
}

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp { micros: 0 };

    /// A timestamp `micros` microseconds after the Unix epoch.
    pub const fn from_unix_micros(micros: i64) -> Self {
        Timestamp { micros }
    }

    /// Microseconds since the Unix epoch.
    pub const fn unix_micros(self) -> i64 {
        self.micros
    }

    /// A timestamp `secs` seconds after the Unix epoch.
    pub const fn from_unix_seconds(secs: i64) -> Self {
        Timestamp {
            micros: secs * 1_000_000,
        }
    }

    /// The current time, truncated to microseconds.
    pub fn now() -> Self {
        SystemTime::now().into()
    }

    /// Parses an RFC 3339 date-time (`2024-05-01T12:00:00.123456789+02:00`).
    pub fn parse(input: &str) -> Result<Self, TimestampParseError> {
        let err = |reason| TimestampParseError {
            input: crate::wire::track::quote(input),
            reason,
        };
        let b = input.as_bytes();
        if b.len() < 20 {
            return Err(err("too short"));
        }
        let num = |range: std::ops::Range<usize>| -> Result<i64, TimestampParseError> {
            let mut v = 0i64;
            for &c in &b[range] {
                if !c.is_ascii_digit() {
                    return Err(err("expected a digit"));
                }
                v = v * 10 + i64::from(c - b'0');
            }
            Ok(v)
        };
        let year = num(0..4)?;
        let month = num(5..7)?;
        let day = num(8..10)?;
        let hour = num(11..13)?;
        let minute = num(14..16)?;
        let second = num(17..19)?;
        if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return Err(err("bad separator"));
        }
        if !matches!(b[10], b'T' | b't' | b' ') {
            return Err(err("expected 'T' between date and time"));
        }
        if !(1..=12).contains(&month) {
            return Err(err("month out of range"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(err("day out of range"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(err("time of day out of range"));
        }
        let mut i = 19;
        let mut micros_frac = 0i64;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 6 {
                    micros_frac = micros_frac * 10 + i64::from(b[i] - b'0');
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 || n > 9 {
                return Err(err("fraction must have 1 to 9 digits"));
            }
            for _ in n..6 {
                micros_frac *= 10;
            }
        }
        let offset_secs = match &b[i..] {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err(err("bad offset"));
                }
                let oh = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
                let om = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
                if oh > 23 || om > 59 {
                    return Err(err("offset out of range"));
                }
                let s = oh * 3600 + om * 60;
                if *sign == b'-' {
                    -s
                } else {
                    s
                }
            }
            [] => return Err(err("missing offset")),
            _ => return Err(err("bad offset")),
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
        Ok(Timestamp {
            micros: secs * 1_000_000 + micros_frac,
        })
    }

    /// Formats as RFC 3339 in UTC with `Z` and 0, 3 or 6 fractional digits.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.micros.div_euclid(1_000_000);
        let frac = self.micros.rem_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            y,
            m,
            d,
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )?;
        if frac == 0 {
            f.write_str("Z")
        } else if frac % 1000 == 0 {
            write!(f, ".{:03}Z", frac / 1000)
        } else {
            write!(f, ".{:06}Z", frac)
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Timestamp {
    type Err = TimestampParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp {
                micros: d.as_micros() as i64,
            },
            Err(e) => {
                // Before the epoch: round toward negative infinity at microseconds.
                let d = e.duration();
                let m = d.as_micros() as i64;
                let extra = i64::from(d.subsec_nanos() % 1000 != 0);
                Timestamp { micros: -m - extra }
            }
        }
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> Self {
        if t.micros >= 0 {
            UNIX_EPOCH + Duration::from_micros(t.micros as u64)
        } else {
            UNIX_EPOCH - Duration::from_micros(t.micros.unsigned_abs())
        }
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(crate::wire::TimestampVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let cases: &[(&str, i64)] = &[
            ("1970-01-01T00:00:00Z", 0),
            ("1970-01-01T00:00:00.5Z", 500_000),
            ("1970-01-01T01:00:00+01:00", 0),
            ("1970-01-01T00:00:00-00:30", 1_800_000_000),
            ("1970-01-01t00:00:01.123456789z", 1_123_456),
            ("1970-01-01 00:00:01.1234567Z", 1_123_456),
            ("1969-12-31T23:59:59.999999Z", -1),
            ("2000-02-29T12:00:00Z", 951_825_600_000_000),
            ("2024-05-01T12:00:00.120+02:00", 1_714_557_600_120_000),
        ];
        for (s, micros) in cases {
            assert_eq!(Timestamp::parse(s).unwrap().unix_micros(), *micros, "{s}");
        }
    }

    #[test]
    fn parse_rejects() {
        for s in [
            "",
            "1970-01-01",
            "1970-01-01T00:00:00",
            "1970-13-01T00:00:00Z",
            "2001-02-29T00:00:00Z",
            "1970-01-01T24:00:00Z",
            "1970-01-01T00:00:00.Z",
            "1970-01-01T00:00:00.1234567890Z",
            "1970-01-01T00:00:00+0100",
            "1970-01-01X00:00:00Z",
            "1970-01-01T00:00:00Zjunk",
        ] {
            assert!(Timestamp::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn format_table() {
        let cases: &[(i64, &str)] = &[
            (0, "1970-01-01T00:00:00Z"),
            (500_000, "1970-01-01T00:00:00.500Z"),
            (120_000, "1970-01-01T00:00:00.120Z"),
            (123_456, "1970-01-01T00:00:00.123456Z"),
            (1_000, "1970-01-01T00:00:00.001Z"),
            (10, "1970-01-01T00:00:00.000010Z"),
            (-1, "1969-12-31T23:59:59.999999Z"),
            (951_825_600_000_000, "2000-02-29T12:00:00Z"),
            (253_402_300_799_000_000, "9999-12-31T23:59:59Z"),
        ];
        for (m, s) in cases {
            assert_eq!(Timestamp::from_unix_micros(*m).to_string(), *s);
            assert_eq!(Timestamp::parse(s).unwrap().unix_micros(), *m);
        }
    }

    #[test]
    fn system_time_round_trip() {
        let t = Timestamp::from_unix_micros(1_714_557_600_123_456);
        let st: SystemTime = t.into();
        assert_eq!(Timestamp::from(st), t);
        let neg = Timestamp::from_unix_micros(-1_500_001);
        assert_eq!(Timestamp::from(SystemTime::from(neg)), neg);
        let now = Timestamp::now();
        assert!(now.unix_micros() > 1_600_000_000_000_000);
    }

    #[test]
    fn serde() {
        let t: Timestamp = serde_json::from_str("\"2024-05-01T12:00:00.5+00:00\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2024-05-01T12:00:00.500Z\""
        );
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }

    #[test]
    fn debug_is_rfc3339() {
        let t = Timestamp::from_unix_micros(1_714_564_800_500_000);
        assert_eq!(format!("{t:?}"), "2024-05-01T12:00:00.500Z");
        assert_eq!(format!("{:?}", Some(t)), "Some(2024-05-01T12:00:00.500Z)");
    }

    #[test]
    fn parse_error_echoes_a_cut_input() {
        let long = format!("2024-05-01T12:00:00Z{}", "x".repeat(1000));
        let msg = Timestamp::parse(&long).unwrap_err().to_string();
        assert!(msg.len() < 120, "{msg}");
        assert!(
            msg.starts_with(r#"invalid RFC 3339 time "2024-05-01T12:00:00Zxxx"#),
            "{msg}"
        );
    }
}
