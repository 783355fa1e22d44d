use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// How much of a date a source gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    Year,
    Month,
    Day,
}

/// A date known to a year, a month or a day (dates of birth are often
/// published as `1962` or `Mar 1962`). Written `YYYY`, `YYYY-MM` or
/// `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date '{input}': {reason}")]
pub struct PartialDateError {
    pub input: String,
    pub reason: String,
}

impl PartialDate {
    pub fn year(year: i32) -> Self {
        PartialDate {
            year,
            month: None,
            day: None,
        }
    }

    pub fn precision(&self) -> DatePrecision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => DatePrecision::Day,
            (Some(_), None) => DatePrecision::Month,
            _ => DatePrecision::Year,
        }
    }

    /// The full date, when the precision is a day.
    pub fn to_date(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month?, self.day?)
    }

    /// True when the two dates can denote the same day: every part both
    /// give agrees.
    pub fn compatible(&self, other: &PartialDate) -> bool {
        if self.year != other.year {
            return false;
        }
        match (self.month, other.month) {
            (Some(a), Some(b)) if a != b => return false,
            (Some(_), Some(_)) => {}
            _ => return true,
        }
        match (self.day, other.day) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

impl From<NaiveDate> for PartialDate {
    fn from(d: NaiveDate) -> Self {
        PartialDate {
            year: d.year(),
            month: Some(d.month()),
            day: Some(d.day()),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for PartialDate {
    type Err = PartialDateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| PartialDateError {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        let parts: Vec<&str> = s.trim().split('-').collect();
        let num = |p: &str| p.parse::<u32>().map_err(|_| err("not a number"));
        let year = parts
            .first()
            .filter(|y| y.len() == 4)
            .ok_or_else(|| err("expected YYYY, YYYY-MM or YYYY-MM-DD"))?
            .parse::<i32>()
            .map_err(|_| err("year is not a number"))?;
        let pd = match parts.len() {
            1 => PartialDate::year(year),
            2 => PartialDate {
                year,
                month: Some(num(parts[1])?),
                day: None,
            },
            3 => PartialDate {
                year,
                month: Some(num(parts[1])?),
                day: Some(num(parts[2])?),
            },
            _ => return Err(err("expected YYYY, YYYY-MM or YYYY-MM-DD")),
        };
        if let Some(m) = pd.month {
            if !(1..=12).contains(&m) {
                return Err(err("month out of range"));
            }
        }
        if pd.day.is_some() && pd.to_date().is_none() {
            return Err(err("no such day"));
        }
        Ok(pd)
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A date, with a time of day and a zone label where the source gives them.
///
/// The zone is kept as the source writes it (`EST`, `EDT`, `ET`, or a long
/// label such as `ET (EO text says EDT)`): resolving it to an instant is the
/// law engine's job, because the label itself can be legally ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ZonedTime {
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

impl ZonedTime {
    pub fn date(date: NaiveDate) -> Self {
        ZonedTime {
            date,
            time: None,
            zone: None,
        }
    }

    pub fn at(date: NaiveDate, time: NaiveTime, zone: &str) -> Self {
        ZonedTime {
            date,
            time: Some(time),
            zone: Some(zone.to_string()),
        }
    }
}

impl fmt::Display for ZonedTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.date)?;
        if let Some(t) = self.time {
            write!(f, " {}", t.format("%H:%M"))?;
        }
        if let Some(z) = &self.zone {
            write!(f, " {z}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print_partial_dates() {
        for s in ["1962", "1962-03", "1962-03-07"] {
            let d: PartialDate = s.parse().unwrap();
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(
            "1962".parse::<PartialDate>().unwrap().precision(),
            DatePrecision::Year
        );
        assert!("1962-13".parse::<PartialDate>().is_err());
        assert!("1962-02-30".parse::<PartialDate>().is_err());
        assert!("62".parse::<PartialDate>().is_err());
    }

    #[test]
    fn compatibility() {
        let y: PartialDate = "1962".parse().unwrap();
        let d: PartialDate = "1962-03-07".parse().unwrap();
        let e: PartialDate = "1962-04-07".parse().unwrap();
        assert!(y.compatible(&d));
        assert!(!d.compatible(&e));
        assert!(!y.compatible(&"1963".parse().unwrap()));
    }
}
