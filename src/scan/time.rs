//! Log timestamps to seconds: syslog (`Jun 10 11:02:18`, no year), RFC 3339 and Exim's
//! `2026-06-10 12:00:01`. A year-less log that crosses New Year stays in order.

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), after Howard Hinnant.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A timestamp read from a log: seconds since the epoch (UTC where the log says its
/// offset, else the log's own clock), and the hour the log's clock shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    pub seconds: f64,
    pub hour: u8,
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn num(b: &[u8]) -> Option<u32> {
    let mut n = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (c - b'0') as u32;
    }
    (!b.is_empty()).then_some(n)
}

fn fraction(b: &[u8]) -> f64 {
    if b.first() != Some(&b'.') {
        return 0.0;
    }
    let digits: Vec<u8> = b[1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .copied()
        .collect();
    std::str::from_utf8(&digits)
        .ok()
        .and_then(|d| format!("0.{d}").parse().ok())
        .unwrap_or(0.0)
}

/// Reads timestamps in order, inferring the year of year-less ones.
#[derive(Debug, Default)]
pub struct Clock {
    year: i64,
    last_month: u32,
}

impl Clock {
    pub fn new() -> Clock {
        // Any base works: reports use hours and differences. A leap year keeps Feb 29.
        Clock {
            year: 2000,
            last_month: 0,
        }
    }

    pub fn read(&mut self, ts: &str) -> Option<Stamp> {
        let b = ts.as_bytes();
        if b.len() >= 15 && b[0].is_ascii_uppercase() {
            let month = MONTHS.iter().position(|m| &b[..3] == *m)? as u32 + 1;
            let day = num(b[4..6].trim_ascii())?;
            let (h, mi, s) = (num(&b[7..9])?, num(&b[10..12])?, num(&b[13..15])?);
            // Month going backwards by more than half a year: the log crossed New Year.
            if self.last_month != 0 && month + 6 < self.last_month {
                self.year += 1;
            }
            self.last_month = month;
            let days = days_from_civil(self.year, month, day);
            let secs = days * 86400 + (h * 3600 + mi * 60 + s) as i64;
            return Some(Stamp {
                seconds: secs as f64 + fraction(&b[15..]),
                hour: h as u8,
            });
        }
        if b.len() >= 19 {
            let (y, mo, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
            let (h, mi, s) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
            let mut rest = &b[19..];
            let frac = fraction(rest);
            while rest
                .first()
                .is_some_and(|c| *c == b'.' || c.is_ascii_digit())
            {
                rest = &rest[1..];
            }
            let rest = rest.trim_ascii_start();
            let offset = match rest.first() {
                Some(b'+') | Some(b'-') => {
                    let sign = if rest[0] == b'-' { -1 } else { 1 };
                    let digits: Vec<u8> = rest[1..]
                        .iter()
                        .filter(|c| c.is_ascii_digit())
                        .take(4)
                        .copied()
                        .collect();
                    let hh = num(digits.get(..2)?)? as i64;
                    let mm = num(digits.get(2..4).unwrap_or(b"00"))? as i64;
                    sign * (hh * 3600 + mm * 60)
                }
                _ => 0,
            };
            let days = days_from_civil(y as i64, mo, d);
            let secs = days * 86400 + (h * 3600 + mi * 60 + s) as i64 - offset;
            return Some(Stamp {
                seconds: secs as f64 + frac,
                hour: h as u8,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syslog_and_rfc3339_agree_on_differences() {
        let mut c = Clock::new();
        let a = c.read("Jun 10 11:02:18").unwrap();
        let b = c.read("Jun 11 11:02:19").unwrap();
        assert_eq!(b.seconds - a.seconds, 86401.0);
        assert_eq!(a.hour, 11);
        let mut c = Clock::new();
        let a = c.read("2026-06-10T11:05:02.5+00:00").unwrap();
        let b = c.read("2026-06-10T13:05:02.5+02:00").unwrap();
        assert_eq!(b.seconds, a.seconds);
        assert_eq!(b.hour, 13, "the hour is the log's own clock");
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
    }

    #[test]
    fn year_less_log_crossing_new_year_stays_in_order() {
        let mut c = Clock::new();
        let dec = c.read("Dec 31 23:59:50").unwrap();
        let jan = c.read("Jan  1 00:00:10").unwrap();
        assert_eq!(jan.seconds - dec.seconds, 20.0);
    }

    #[test]
    fn exim_with_offset() {
        let mut c = Clock::new();
        let a = c.read("2026-06-10 12:00:01 +0200").unwrap();
        let b = c.read("2026-06-10 10:00:01").unwrap();
        assert_eq!(a.seconds, b.seconds);
    }
}
