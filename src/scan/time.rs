//! Log timestamps to seconds: syslog (`Jun 10 11:02:18`, no year), RFC 3339 and Exim's
//! `2026-06-10 12:00:01`, and a message's `Date:` (RFC 5322). A year-less log that crosses
//! New Year stays in order; its year is inferred from a reference (see [`Clock`]).

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

/// The civil date of a day count from 1970-01-01 (the inverse of `days_from_civil`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// A timestamp read from a log: seconds since the epoch (UTC where the log says its
/// offset, else the log's own clock), the hour the log's clock shows, and the offset the
/// log states (`None` for syslog times, which state none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    pub seconds: f64,
    pub hour: u8,
    pub offset: Option<i32>,
}

impl Stamp {
    /// RFC 3339, in the log's own clock with its offset; a time that states no offset (a
    /// syslog time) is written as UTC (`Z`), the only reading RFC 3339 allows without one.
    pub fn rfc3339(&self) -> String {
        let offset = self.offset.unwrap_or(0);
        let local = self.seconds + offset as f64;
        let whole = local.floor();
        let micros = ((local - whole) * 1e6).round() as i64;
        let (whole, micros) = if micros >= 1_000_000 {
            (whole as i64 + 1, 0)
        } else {
            (whole as i64, micros)
        };
        let (y, m, d) = civil_from_days(whole.div_euclid(86400));
        let secs = whole.rem_euclid(86400);
        let mut out = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        );
        if micros > 0 {
            let frac = format!("{micros:06}");
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        if offset == 0 {
            out.push('Z');
        } else {
            let sign = if offset < 0 { '-' } else { '+' };
            let a = offset.abs();
            out.push_str(&format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60));
        }
        out
    }
}

/// Where the year of year-less (syslog) times comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearRef {
    /// The first year-less time read is in this year (`scan --year`).
    Starts(i64),
    /// The log was last written in this year and month (its file's modification time, or
    /// now): its first time is in that year, or the year before when its month is later.
    EndsIn(i64, u32),
}

impl YearRef {
    /// The year and month of a moment given in seconds since the epoch.
    pub fn ends_at(unix_seconds: i64) -> YearRef {
        let (y, m, _) = civil_from_days(unix_seconds.div_euclid(86400));
        YearRef::EndsIn(y, m)
    }
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

/// A timestamp's text, kept to recognise the next line's when it is the same.
#[derive(Debug, Clone, Copy)]
struct LastText {
    len: u8,
    bytes: [u8; 48],
}

impl LastText {
    fn of(b: &[u8]) -> Option<LastText> {
        let mut bytes = [0; 48];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(LastText {
            len: b.len() as u8,
            bytes,
        })
    }

    fn is(&self, b: &[u8]) -> bool {
        &self.bytes[..self.len as usize] == b
    }
}

/// Reads timestamps in order, inferring the year of year-less ones: from its [`YearRef`]
/// for the first, then one more each time the month goes back by more than half a year.
#[derive(Debug, Clone)]
pub struct Clock {
    reference: YearRef,
    year: i64,
    last_month: u32,
    /// The last time read and its stamp: a busy log repeats each second on many lines, and
    /// reading the same text again changes no state, so it is not parsed again.
    last: Option<(LastText, Stamp)>,
}

impl Clock {
    pub fn new(reference: YearRef) -> Clock {
        Clock {
            reference,
            year: 0,
            last_month: 0,
            last: None,
        }
    }

    pub fn read(&mut self, ts: &str) -> Option<Stamp> {
        let b = ts.as_bytes();
        if let Some((text, stamp)) = &self.last
            && text.is(b)
        {
            return Some(*stamp);
        }
        let stamp = self.parse(b);
        if let Some(s) = stamp {
            self.last = LastText::of(b).map(|t| (t, s));
        }
        stamp
    }

    fn parse(&mut self, b: &[u8]) -> Option<Stamp> {
        if b.len() >= 15 && b[0].is_ascii_uppercase() {
            let month = MONTHS.iter().position(|m| &b[..3] == *m)? as u32 + 1;
            let day = num(b[4..6].trim_ascii())?;
            let (h, mi, s) = (num(&b[7..9])?, num(&b[10..12])?, num(&b[13..15])?);
            if self.last_month == 0 {
                self.year = match self.reference {
                    YearRef::Starts(y) => y,
                    YearRef::EndsIn(y, m) if month > m => y - 1,
                    YearRef::EndsIn(y, _) => y,
                };
            } else if month + 6 < self.last_month {
                // Month going backwards by more than half a year: the log crossed New Year.
                self.year += 1;
            }
            self.last_month = month;
            let days = days_from_civil(self.year, month, day);
            let secs = days * 86400 + (h * 3600 + mi * 60 + s) as i64;
            return Some(Stamp {
                seconds: secs as f64 + fraction(&b[15..]),
                hour: h as u8,
                offset: None,
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
                    Some(sign * (hh * 3600 + mm * 60))
                }
                Some(b'Z') | Some(b'z') => Some(0),
                _ => None,
            };
            let days = days_from_civil(y as i64, mo, d);
            let secs = days * 86400 + (h * 3600 + mi * 60 + s) as i64 - offset.unwrap_or(0);
            return Some(Stamp {
                seconds: secs as f64 + frac,
                hour: h as u8,
                offset: offset.map(|o| o as i32),
            });
        }
        None
    }
}

/// A message's `Date:` (RFC 5322 §3.3): `Tue, 10 Jun 2026 10:00:02 +0200`, with or without
/// the day name and the seconds; obsolete zone names (`GMT`, `UT`, `EST`...) read as RFC 5322
/// §4.3 gives them.
pub fn parse_rfc5322_date(text: &str) -> Option<Stamp> {
    let text = text.split('(').next().unwrap_or(text);
    let text = match text.split_once(',') {
        Some((_, rest)) => rest,
        None => text,
    };
    let mut words = text.split_whitespace();
    let day = num(words.next()?.as_bytes())?;
    let month_word = words.next()?.as_bytes();
    let month = MONTHS
        .iter()
        .position(|m| month_word.len() >= 3 && month_word[..3].eq_ignore_ascii_case(*m))?
        as u32
        + 1;
    let year = num(words.next()?.as_bytes())? as i64;
    let year = match year {
        0..=49 => year + 2000,
        50..=999 => year + 1900,
        _ => year,
    };
    let mut hms = words.next()?.split(':');
    let h = num(hms.next()?.as_bytes())?;
    let mi = num(hms.next()?.as_bytes())?;
    let s = hms.next().map_or(Some(0), |s| num(s.as_bytes()))?;
    if !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let zone = words.next().unwrap_or("-0000");
    let offset = match zone.as_bytes() {
        [sign @ (b'+' | b'-'), d @ ..] if d.len() == 4 => {
            let hh = num(&d[..2])? as i32;
            let mm = num(&d[2..])? as i32;
            Some(if *sign == b'-' { -1 } else { 1 } * (hh * 3600 + mm * 60))
        }
        _ => match zone.to_ascii_uppercase().as_str() {
            "UT" | "GMT" | "Z" => Some(0),
            "EDT" => Some(-4 * 3600),
            "EST" | "CDT" => Some(-5 * 3600),
            "CST" | "MDT" => Some(-6 * 3600),
            "MST" | "PDT" => Some(-7 * 3600),
            "PST" => Some(-8 * 3600),
            _ => Some(0),
        },
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86400 + (h * 3600 + mi * 60 + s) as i64 - offset.unwrap_or(0) as i64;
    Some(Stamp {
        seconds: secs as f64,
        hour: h as u8,
        offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syslog_and_rfc3339_agree_on_differences() {
        let mut c = Clock::new(YearRef::Starts(2026));
        let a = c.read("Jun 10 11:02:18").unwrap();
        let b = c.read("Jun 11 11:02:19").unwrap();
        assert_eq!(b.seconds - a.seconds, 86401.0);
        assert_eq!(a.hour, 11);
        let mut c = Clock::new(YearRef::Starts(2026));
        let a = c.read("2026-06-10T11:05:02.5+00:00").unwrap();
        let b = c.read("2026-06-10T13:05:02.5+02:00").unwrap();
        assert_eq!(b.seconds, a.seconds);
        assert_eq!(b.hour, 13, "the hour is the log's own clock");
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
    }

    #[test]
    fn year_less_log_crossing_new_year_stays_in_order() {
        let mut c = Clock::new(YearRef::Starts(2026));
        let dec = c.read("Dec 31 23:59:50").unwrap();
        let jan = c.read("Jan  1 00:00:10").unwrap();
        assert_eq!(jan.seconds - dec.seconds, 20.0);
    }

    #[test]
    fn year_from_a_reference() {
        let mut c = Clock::new(YearRef::EndsIn(2026, 2));
        assert_eq!(
            c.read("Dec 30 10:00:00").unwrap().rfc3339(),
            "2025-12-30T10:00:00Z"
        );
        assert_eq!(
            c.read("Jan  2 10:00:00").unwrap().rfc3339(),
            "2026-01-02T10:00:00Z"
        );
        let mut c = Clock::new(YearRef::EndsIn(2026, 6));
        assert_eq!(
            c.read("Jun 10 11:02:18.25").unwrap().rfc3339(),
            "2026-06-10T11:02:18.25Z"
        );
        assert_eq!(YearRef::ends_at(0), YearRef::EndsIn(1970, 1));
    }

    #[test]
    fn rfc3339_keeps_the_stated_offset() {
        let mut c = Clock::new(YearRef::Starts(2000));
        let s = c.read("2026-06-10T13:05:02.5+02:00").unwrap();
        assert_eq!(s.rfc3339(), "2026-06-10T13:05:02.5+02:00");
        let s = c.read("2026-06-10 12:00:01 -0430").unwrap();
        assert_eq!(s.rfc3339(), "2026-06-10T12:00:01-04:30");
        for d in [-1, 0, 59, 60, 365, 11017, 20000, -800_000] {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), d);
        }
    }

    #[test]
    fn message_dates() {
        let s = parse_rfc5322_date("Tue, 10 Jun 2026 10:00:02 +0200").unwrap();
        assert_eq!(s.rfc3339(), "2026-06-10T10:00:02+02:00");
        let s = parse_rfc5322_date("3 Mar 26 04:05 GMT (comment)").unwrap();
        assert_eq!(s.rfc3339(), "2026-03-03T04:05:00Z");
        assert!(parse_rfc5322_date("yesterday").is_none());
        assert!(parse_rfc5322_date("Tue, 99 Jun 2026 10:00:02 +0200").is_none());
    }

    #[test]
    fn exim_with_offset() {
        let mut c = Clock::new(YearRef::Starts(2026));
        let a = c.read("2026-06-10 12:00:01 +0200").unwrap();
        let b = c.read("2026-06-10 10:00:01").unwrap();
        assert_eq!(a.seconds, b.seconds);
    }
}
