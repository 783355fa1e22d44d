//! Instants, US Eastern time and the readings of ambiguous zone labels.
//!
//! Legal texts give instants as a date, a time of day and a zone label
//! ("09:30 eastern standard time", "12:01 a.m. eastern daylight time",
//! "eastern time"). A label can be read more than one way (EST is not the
//! time in force in July, EDT is not the time in force in February), so a
//! legal boundary is a [`Boundary`]: the set of instants its readings give.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};
use chrono_tz::America::New_York;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::LawError;

/// One way of reading a US Eastern zone label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ZoneReading {
    /// Eastern standard time, UTC-5, whatever the season.
    #[serde(rename = "EST")]
    Est,
    /// Eastern daylight time, UTC-4, whatever the season.
    #[serde(rename = "EDT")]
    Edt,
    /// The wall-clock time in force in New York on that day.
    #[serde(rename = "ET")]
    Et,
}

impl ZoneReading {
    /// The label (`EST`, `EDT`, `ET`).
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneReading::Est => "EST",
            ZoneReading::Edt => "EDT",
            ZoneReading::Et => "ET",
        }
    }

    /// A human description of the reading.
    pub fn describe(self) -> &'static str {
        match self {
            ZoneReading::Est => "eastern standard time read literally (UTC-5)",
            ZoneReading::Edt => "eastern daylight time read literally (UTC-4)",
            ZoneReading::Et => "US Eastern wall-clock time in force that day",
        }
    }

    /// The instant `date` `time` denotes under this reading.
    pub fn instant(self, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let local = date.and_time(time);
        match self {
            ZoneReading::Est => fixed(local, -5),
            ZoneReading::Edt => fixed(local, -4),
            ZoneReading::Et => eastern_wall(local),
        }
    }
}

impl FromStr for ZoneReading {
    type Err = LawError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "EST" => Ok(ZoneReading::Est),
            "EDT" => Ok(ZoneReading::Edt),
            "ET" => Ok(ZoneReading::Et),
            _ => Err(LawError::Time {
                input: s.to_string(),
                reason: "expected EST, EDT or ET".into(),
            }),
        }
    }
}

fn fixed(local: NaiveDateTime, hours: i32) -> DateTime<Utc> {
    (local - Duration::hours(hours as i64)).and_utc()
}

/// The instant a New York wall-clock time denotes. In the autumn overlap
/// the earlier instant is taken; a time inside the spring gap is read as
/// the instant one hour later on the wall clock (the clock has moved on).
pub fn eastern_wall(local: NaiveDateTime) -> DateTime<Utc> {
    match New_York.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => match New_York.from_local_datetime(&(local + Duration::hours(1))) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            // New York has no two-hour gaps; fall back to EST.
            LocalResult::None => fixed(local, -5),
        },
    }
}

/// The zone readings a source label mentions: `EST`, `EDT`, `ET` as words,
/// e.g. `ET (EO text says EDT)` gives ET and EDT. Empty when it names none.
pub fn readings_in_label(label: &str) -> Vec<ZoneReading> {
    let mut out = Vec::new();
    for word in label.split(|c: char| !c.is_ascii_alphabetic()) {
        let r = match word {
            "EST" => ZoneReading::Est,
            "EDT" => ZoneReading::Edt,
            "ET" => ZoneReading::Et,
            _ => continue,
        };
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// One reading of a boundary: a label and the instant it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading {
    /// How the boundary is read, e.g. `09:30 EST` or `start of day (ET)`.
    pub label: String,
    /// The instant, UTC.
    pub at: DateTime<Utc>,
}

/// A legal boundary: an instant, or several when its wording can be read
/// several ways. Readings are kept sorted by instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Boundary {
    /// The readings, earliest first (never empty).
    pub readings: Vec<Reading>,
}

impl Boundary {
    /// A boundary with a single, unambiguous instant.
    pub fn exact(label: impl Into<String>, at: DateTime<Utc>) -> Self {
        Boundary {
            readings: vec![Reading {
                label: label.into(),
                at,
            }],
        }
    }

    /// The boundary `date` `time` under each of `zones` (ET when empty).
    /// Without a time of day the readings are the start and the end of the
    /// day in New York, because the instant within the day is unknown.
    pub fn at(date: NaiveDate, time: Option<NaiveTime>, zones: &[ZoneReading]) -> Self {
        let mut readings = Vec::new();
        match time {
            Some(t) => {
                let zones: &[ZoneReading] = if zones.is_empty() {
                    &[ZoneReading::Et]
                } else {
                    zones
                };
                for z in zones {
                    readings.push(Reading {
                        label: format!("{} {} {}", date, t.format("%H:%M"), z.as_str()),
                        at: z.instant(date, t),
                    });
                }
            }
            None => {
                let start = eastern_wall(date.and_time(NaiveTime::MIN));
                let next = date.succ_opt().unwrap_or(date);
                let end = eastern_wall(next.and_time(NaiveTime::MIN));
                readings.push(Reading {
                    label: format!("{date}, start of day (ET)"),
                    at: start,
                });
                readings.push(Reading {
                    label: format!("{date}, end of day (ET)"),
                    at: end,
                });
            }
        }
        readings.sort_by_key(|r| r.at);
        readings.dedup_by(|b, a| {
            if a.at == b.at {
                a.label = format!("{} = {}", a.label, b.label);
                true
            } else {
                false
            }
        });
        Boundary { readings }
    }

    /// The earliest reading's instant.
    pub fn earliest(&self) -> DateTime<Utc> {
        self.readings
            .first()
            .map(|r| r.at)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The latest reading's instant.
    pub fn latest(&self) -> DateTime<Utc> {
        self.readings
            .last()
            .map(|r| r.at)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// True when the readings give different instants.
    pub fn is_ambiguous(&self) -> bool {
        self.readings.len() > 1
    }

    /// True when `t` falls at or after one reading but before another:
    /// whether `t` is past the boundary depends on the reading.
    pub fn straddles(&self, t: DateTime<Utc>) -> bool {
        self.earliest() <= t && t < self.latest()
    }

    /// Moves every reading by `days` days (used for clocks derived from a
    /// listing date).
    pub fn shifted_days(&self, days: i64) -> Self {
        Boundary {
            readings: self
                .readings
                .iter()
                .map(|r| Reading {
                    label: r.label.clone(),
                    at: r.at + Duration::days(days),
                })
                .collect(),
        }
    }
}

impl fmt::Display for Boundary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.readings.as_slice() {
            [one] => write!(f, "{}", eastern(one.at)),
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .map(|r| format!("{} [{}]", eastern(r.at), r.label))
                    .collect();
                write!(f, "{}", parts.join(" or "))
            }
        }
    }
}

/// Formats an instant in New York time, to the second, with its zone
/// abbreviation: `2021-03-16 10:00:00 EDT`.
pub fn eastern(t: DateTime<Utc>) -> String {
    t.with_timezone(&New_York)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// The New York calendar date of an instant.
pub fn eastern_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&New_York).date_naive()
}

/// The instant of a local date and time in an IANA zone (`Asia/Shanghai`,
/// `America/New_York`, …) or a fixed label (`EST`, `EDT`, `ET`, `UTC`).
pub fn local_instant(local: NaiveDateTime, zone: &str) -> Result<DateTime<FixedOffset>, LawError> {
    let z = zone.trim();
    if let Ok(r) = z.parse::<ZoneReading>() {
        let utc = r.instant(local.date(), local.time());
        return Ok(utc.with_timezone(&utc.with_timezone(&New_York).offset().fix()));
    }
    let tz: Tz = z.parse().map_err(|_| LawError::Time {
        input: zone.to_string(),
        reason: "unknown time zone (expected an IANA name such as Asia/Hong_Kong)".into(),
    })?;
    let t = match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t,
        LocalResult::None => {
            return Err(LawError::Time {
                input: format!("{local} {zone}"),
                reason: "this local time does not exist (clock change)".into(),
            })
        }
    };
    Ok(t.with_timezone(&t.offset().fix()))
}

/// Parses a trade instant; an input without a zone is New York time. See
/// [`parse_instant_in`].
pub fn parse_instant(input: &str) -> Result<DateTime<FixedOffset>, LawError> {
    parse_instant_in(input, None)
}

/// Parses a trade instant:
/// - RFC 3339 (`2021-03-16T10:00:00+08:00`, `…Z`);
/// - a date and a time (`T` or a space between them, seconds optional)
///   followed by a UTC offset (`+08:00`, `+0800`, `+08`, `Z`, `UTC`,
///   `UTC+8`, written with or without a space) or a zone name (an IANA name
///   such as `Asia/Shanghai`, or `EST`, `EDT`, `ET`);
/// - a date and a time without zone, read in `default_zone` (an IANA name;
///   New York when `None`);
/// - a date alone, optionally with a zone: the last second of that day
///   (23:59:59), so that every prohibition starting on the trade date
///   applies.
///
/// An input that carries its own zone and a `default_zone` together are
/// accepted only when they agree on the instant's offset; otherwise the
/// input is ambiguous and an error says so.
pub fn parse_instant_in(
    input: &str,
    default_zone: Option<&str>,
) -> Result<DateTime<FixedOffset>, LawError> {
    let s = input.trim();
    let err = |reason: &str| LawError::Time {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    let (local, zone) = split_instant(s).ok_or_else(|| {
        err("expected 'YYYY-MM-DD[ HH:MM[:SS]][ zone]' (zone: +08:00, Z, UTC, or an IANA name such as Asia/Hong_Kong), RFC 3339, or 'YYYY-MM-DD'")
    })?;
    let own = match zone {
        None => None,
        Some(z) => Some(zoned(local, z).map_err(|reason| err(&reason))?),
    };
    match (own, default_zone) {
        (Some(t), None) => Ok(t),
        (None, d) => local_instant(local, d.unwrap_or("America/New_York")),
        (Some(t), Some(d)) => {
            let other = local_instant(local, d)?;
            if other == t && other.offset() == t.offset() {
                Ok(t)
            } else {
                Err(err(&format!(
                    "the instant carries its own zone ({}) and a different zone ({d}) was given as well; give one of them",
                    zone.unwrap_or_default()
                )))
            }
        }
    }
}

/// Splits an instant into its local date-time and its zone text, if any.
fn split_instant(s: &str) -> Option<(NaiveDateTime, Option<&str>)> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        // Keep the offset text for the zone.
        let cut = s.len() - offset_suffix_len(s)?;
        return Some((t.naive_local(), Some(&s[cut..])));
    }
    let date = NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()?;
    let rest = &s[10..];
    if rest.trim().is_empty() {
        return Some((date.and_hms_opt(23, 59, 59)?, None));
    }
    let rest = rest
        .strip_prefix(['T', 't', ' '])
        .unwrap_or(rest)
        .trim_start();
    let time_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (time_s, zone) = rest.split_at(time_len);
    let zone = zone.trim();
    let zone = (!zone.is_empty()).then_some(zone);
    if time_s.is_empty() {
        // A date with a zone and no time of day.
        return Some((date.and_hms_opt(23, 59, 59)?, zone));
    }
    let time = ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(time_s, f).ok())?;
    Some((date.and_time(time), zone))
}

/// The length of a trailing RFC 3339 offset (`Z`, `+08:00`).
fn offset_suffix_len(s: &str) -> Option<usize> {
    if s.ends_with(['Z', 'z']) {
        return Some(1);
    }
    let i = s.rfind(['+', '-'])?;
    Some(s.len() - i)
}

/// A fixed UTC offset written `+08:00`, `+0800`, `+08`, `-5`, optionally
/// after `UTC` or `GMT`; `Z`, `UTC` and `GMT` alone are UTC.
fn parse_offset(z: &str) -> Option<FixedOffset> {
    let t = z.trim();
    let t = t
        .strip_prefix("UTC")
        .or_else(|| t.strip_prefix("GMT"))
        .unwrap_or(t)
        .trim();
    if t.is_empty() || t.eq_ignore_ascii_case("z") {
        return FixedOffset::east_opt(0);
    }
    let (sign, digits) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    if h.is_empty() || h.len() > 2 || m.len() > 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// The instant of a local date-time in a zone given as an offset or a name.
fn zoned(local: NaiveDateTime, zone: &str) -> Result<DateTime<FixedOffset>, String> {
    if let Some(off) = parse_offset(zone) {
        return match off.from_local_datetime(&local) {
            LocalResult::Single(t) => Ok(t),
            _ => Err(format!("invalid local time for offset {zone}")),
        };
    }
    if zone.starts_with(['+', '-']) || zone.starts_with("UTC") || zone.starts_with("GMT") {
        return Err(format!(
            "invalid UTC offset '{zone}' (expected e.g. +08:00)"
        ));
    }
    local_instant(local, zone).map_err(|e| match e {
        LawError::Time { reason, .. } => reason,
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn t(s: &str) -> NaiveTime {
        s.parse().unwrap()
    }

    #[test]
    fn est_edt_et_readings_differ_under_daylight_time() {
        let b = Boundary::at(
            d("2021-03-15"),
            Some(t("09:30")),
            &[ZoneReading::Est, ZoneReading::Et],
        );
        assert!(b.is_ambiguous());
        assert_eq!(eastern(b.earliest()), "2021-03-15 09:30:00 EDT");
        assert_eq!(eastern(b.latest()), "2021-03-15 10:30:00 EDT");
    }

    #[test]
    fn est_and_et_coincide_in_winter() {
        let b = Boundary::at(
            d("2021-01-11"),
            Some(t("09:30")),
            &[ZoneReading::Est, ZoneReading::Et],
        );
        assert!(!b.is_ambiguous());
        assert_eq!(eastern(b.earliest()), "2021-01-11 09:30:00 EST");
        assert_eq!(b.earliest().to_rfc3339(), "2021-01-11T14:30:00+00:00");
    }

    #[test]
    fn edt_literal_in_february_is_the_evening_before() {
        let b = Boundary::at(
            d("2022-02-08"),
            Some(t("00:01")),
            &[ZoneReading::Edt, ZoneReading::Et],
        );
        assert_eq!(eastern(b.earliest()), "2022-02-07 23:01:00 EST");
        assert_eq!(eastern(b.latest()), "2022-02-08 00:01:00 EST");
        assert!(b.straddles(b.earliest()));
        assert!(!b.straddles(b.latest()));
    }

    #[test]
    fn date_only_boundary_spans_the_day() {
        let b = Boundary::at(d("2021-06-03"), None, &[]);
        assert_eq!(eastern(b.earliest()), "2021-06-03 00:00:00 EDT");
        assert_eq!(eastern(b.latest()), "2021-06-04 00:00:00 EDT");
    }

    #[test]
    fn labels_name_their_readings() {
        assert_eq!(
            readings_in_label("ET (EO text says EDT; EST in force in February)"),
            vec![ZoneReading::Et, ZoneReading::Edt, ZoneReading::Est]
        );
        assert_eq!(readings_in_label("EST"), vec![ZoneReading::Est]);
        assert!(readings_in_label("").is_empty());
    }

    #[test]
    fn shanghai_morning_is_previous_us_evening() {
        let at = parse_instant("2021-01-11 10:00 Asia/Shanghai").unwrap();
        let utc = at.with_timezone(&Utc);
        assert_eq!(eastern(utc), "2021-01-10 21:00:00 EST");
        assert_eq!(eastern_date(utc), d("2021-01-10"));
    }

    #[test]
    fn parse_forms() {
        let a = parse_instant("2021-08-02T00:00:59-04:00").unwrap();
        assert_eq!(eastern(a.with_timezone(&Utc)), "2021-08-02 00:00:59 EDT");
        let b = parse_instant("2021-08-02 00:01").unwrap();
        assert_eq!(eastern(b.with_timezone(&Utc)), "2021-08-02 00:01:00 EDT");
        let c = parse_instant("2021-03-16").unwrap();
        assert_eq!(eastern(c.with_timezone(&Utc)), "2021-03-16 23:59:59 EDT");
        let e = parse_instant("2022-02-08 00:00:30 EST").unwrap();
        assert_eq!(eastern(e.with_timezone(&Utc)), "2022-02-08 00:00:30 EST");
        assert!(parse_instant("yesterday").is_err());
        assert!(parse_instant("2021-03-16 10:00 Mars/Olympus").is_err());
    }

    #[test]
    fn explicit_offsets_in_every_spelling() {
        let e = |s: &str| eastern(parse_instant(s).unwrap().with_timezone(&Utc));
        for s in [
            "2021-08-02T12:00:30+08:00",
            "2021-08-02T12:00:30+0800",
            "2021-08-02 12:00:30 +08:00",
            "2021-08-02 12:00:30 UTC+8",
            "2021-08-02T04:00:30Z",
            "2021-08-02 04:00:30 UTC",
            "2021-08-02T04:00:30.000Z",
            "2021-08-02 12:00:30 Asia/Hong_Kong",
        ] {
            assert_eq!(e(s), "2021-08-02 00:00:30 EDT", "{s}");
        }
        assert_eq!(e("2021-08-02T12:01+08:00"), "2021-08-02 00:01:00 EDT");
        assert_eq!(e("2021-08-02T04:01Z"), "2021-08-02 00:01:00 EDT");
        assert_eq!(e("2021-01-11 09:30 -05:00"), "2021-01-11 09:30:00 EST");
        assert_eq!(e("2021-03-16 Asia/Shanghai"), "2021-03-16 11:59:59 EDT");
        assert!(parse_instant("2021-08-02 12:00 +25:00").is_err());
        assert!(parse_instant("2021-08-02 12:00 +8:xx").is_err());
        assert!(parse_instant("2021-08-02 25:00").is_err());
    }

    #[test]
    fn a_default_zone_applies_to_inputs_without_one() {
        let e = |s: &str, z: &str| {
            parse_instant_in(s, Some(z))
                .map(|t| eastern(t.with_timezone(&Utc)))
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            e("2021-03-16T10:00", "Asia/Hong_Kong").unwrap(),
            "2021-03-15 22:00:00 EDT"
        );
        // The same zone twice is fine; two different zones are refused.
        assert!(e("2021-03-16 10:00 +08:00", "Asia/Hong_Kong").is_ok());
        let err = e("2021-03-16 10:00 +09:00", "Asia/Hong_Kong").unwrap_err();
        assert!(err.contains("give one of them"), "{err}");
        assert!(e("2021-03-16 10:00", "Mars/Olympus").is_err());
    }

    #[test]
    fn spring_gap_wall_time_moves_forward() {
        let t = eastern_wall(d("2021-03-14").and_time(t("02:30")));
        assert_eq!(eastern(t), "2021-03-14 03:30:00 EDT");
    }
}
