//! The virtual clock: real time plus an offset that `POST /__admin/clock/advance` moves forward,
//! per session, so tests make asynchronous transitions (pending → ok, bulk jobs) happen at once.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The process-wide real clock, read once at start so every session measures from the same
/// origin with a monotonic source.
#[derive(Debug)]
pub struct RealClock {
    started: Instant,
    started_unix_ms: i64,
}

impl Default for RealClock {
    fn default() -> Self {
        Self::new()
    }
}

impl RealClock {
    pub fn new() -> Self {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Self {
            started: Instant::now(),
            started_unix_ms: unix_ms,
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.started_unix_ms + self.started.elapsed().as_millis() as i64
    }

    pub fn uptime_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

/// How far a session's clock may run ahead of real time: 100 years. Far beyond any test's
/// need, and far from the `i64` limit, so every date computed from it stays representable.
pub const MAX_OFFSET_MS: i64 = 100 * 365 * 86_400_000;

/// A session's offset from real time.
#[derive(Debug, Default)]
pub struct SessionClock {
    offset_ms: AtomicI64,
}

impl SessionClock {
    pub fn now_ms(&self, real: &RealClock) -> i64 {
        real.now_ms() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock forward by `ms`, or refuses (and changes nothing) when `ms` is negative
    /// or the offset would pass [`MAX_OFFSET_MS`]. Returns the new offset.
    pub fn advance_ms(&self, ms: i64) -> Result<i64, TooFar> {
        if ms < 0 {
            return Err(TooFar);
        }
        self.offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                o.checked_add(ms).filter(|n| *n <= MAX_OFFSET_MS)
            })
            .map(|old| old + ms)
            .map_err(|_| TooFar)
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
    }
}

/// An advance that would move the clock backwards or past [`MAX_OFFSET_MS`].
#[derive(Debug, PartialEq, Eq)]
pub struct TooFar;

/// `2024-05-01T12:30:00Z`-style UTC text for milliseconds since the epoch.
pub fn rfc3339(ms: i64) -> String {
    stamp(ms, b'T', "Z")
}

/// Serialises milliseconds since the epoch as [`rfc3339`] text (`serialize_with`), so records
/// keep a number and format it only when listed.
pub fn serialize_rfc3339<S: serde::Serializer>(ms: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*ms))
}

/// `2024-05-01T12:30:00`, with no zone: the log timestamp appends its fraction and `Z`.
pub fn date_time(ms: i64) -> String {
    stamp(ms, b'T', "")
}

/// `2024-05-01 12:30:00` (the space-separated form some vendors print).
pub fn datetime_space(ms: i64) -> String {
    stamp(ms, b' ', "")
}

/// Date, `sep`, time, `tail`. Written digit by digit: every write and many answers carry a
/// time, and `format!` with six padded fields cost about ten times as many instructions
/// (callgrind, see the README's benchmark section).
fn stamp(ms: i64, sep: u8, tail: &str) -> String {
    let (y, mo, d, h, mi, s) = civil(ms.div_euclid(1000));
    let Ok(year) = u32::try_from(y) else {
        return slow_stamp(ms, sep, tail);
    };
    if year > 9999 {
        return slow_stamp(ms, sep, tail);
    }
    let two = |v: u32| [b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8];
    let [y1, y2] = two(year / 100);
    let [y3, y4] = two(year % 100);
    let [mo1, mo2] = two(mo);
    let [d1, d2] = two(d);
    let [h1, h2] = two(h);
    let [mi1, mi2] = two(mi);
    let [s1, s2] = two(s);
    let digits = [
        y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2, sep, h1, h2, b':', mi1, mi2, b':', s1, s2,
    ];
    let mut out = String::with_capacity(digits.len() + tail.len());
    // Only ASCII digits and separators (`sep` is ASCII at every call site).
    out.extend(digits.iter().map(|&b| b as char));
    out.push_str(tail);
    out
}

/// The general form, for years outside 0..=9999 (never reached with the bounded clock).
fn slow_stamp(ms: i64, sep: u8, tail: &str) -> String {
    let (y, mo, d, h, mi, s) = civil(ms.div_euclid(1000));
    let sep = sep as char;
    format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{tail}")
}

/// Splits Unix seconds into UTC calendar fields (Howard Hinnant's days-from-civil inverse).
fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(datetime_space(951_782_400_000), "2000-02-29 00:00:00");
    }

    #[test]
    fn the_fast_form_matches_the_general_one() {
        // Every month end of a few leap and plain years, times of day, before 1970 and far on.
        let mut ms = -2_208_988_800_000i64; // 1900-01-01
        while ms < 7_258_118_400_000 {
            for (sep, tail) in [(b'T', "Z"), (b' ', "")] {
                assert_eq!(stamp(ms, sep, tail), slow_stamp(ms, sep, tail), "{ms}");
            }
            ms += 2_629_743_123; // about a month and an odd time of day
        }
        assert_eq!(rfc3339(253_402_300_799_000), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_800_000), "10000-01-01T00:00:00Z");
        assert_eq!(rfc3339(-62_167_219_201_000), "-001-12-31T23:59:59Z");
    }

    #[test]
    fn advancing_is_bounded_and_refusals_change_nothing() {
        let c = SessionClock::default();
        assert_eq!(c.advance_ms(-1), Err(TooFar));
        assert_eq!(c.advance_ms(MAX_OFFSET_MS), Ok(MAX_OFFSET_MS));
        assert_eq!(c.advance_ms(1), Err(TooFar));
        assert_eq!(c.advance_ms(i64::MAX), Err(TooFar));
        assert_eq!(c.offset_ms(), MAX_OFFSET_MS);
    }

    #[test]
    fn advancing_moves_only_that_session() {
        let real = RealClock::new();
        let (a, b) = (SessionClock::default(), SessionClock::default());
        a.advance_ms(10_000).unwrap();
        assert!(a.now_ms(&real) - b.now_ms(&real) >= 9_990);
    }
}
