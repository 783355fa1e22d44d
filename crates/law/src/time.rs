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

/// Parses a trade instant:
/// - RFC 3339 (`2021-03-16T10:00:00+08:00`, `…Z`);
/// - a local date-time followed by a zone (`2021-03-16 10:00 Asia/Shanghai`,
///   `2021-08-02T00:00:30 EDT`);
/// - a local date-time without zone, read as New York time;
/// - a date alone, read as 23:59:59 New York time (the last second of the
///   trade date, so that every prohibition starting that day applies).
pub fn parse_instant(input: &str) -> Result<DateTime<FixedOffset>, LawError> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    let err = |reason: &str| LawError::Time {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    let (datetime, zone) = match s.rsplit_once(' ') {
        Some((dt, z)) if z.chars().any(|c| c.is_ascii_alphabetic()) => (dt.trim(), Some(z)),
        _ => (s, None),
    };
    let local = parse_local(datetime).ok_or_else(|| {
        err("expected RFC 3339, 'YYYY-MM-DD HH:MM[:SS] [Zone/Name]' or 'YYYY-MM-DD'")
    })?;
    local_instant(local, zone.unwrap_or("America/New_York"))
}

fn parse_local(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t);
        }
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    d.and_hms_opt(23, 59, 59)
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
    fn spring_gap_wall_time_moves_forward() {
        let t = eastern_wall(d("2021-03-14").and_time(t("02:30")));
        assert_eq!(eastern(t), "2021-03-14 03:30:00 EDT");
    }
}
