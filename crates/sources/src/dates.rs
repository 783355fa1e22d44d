//! Date forms found in the sources: `07 Mar 1962`, `Mar 1962`, `1962`,
//! `2021-01-14`, `10/16/2017`.

use chrono::NaiveDate;
use embargo_model::PartialDate;

/// The month number of an English month name or three-letter abbreviation.
pub(crate) fn month(s: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let l = s.trim().trim_end_matches('.').to_ascii_lowercase();
    if l.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let i = NAMES.iter().position(|n| l.starts_with(n))?;
    // Accept "Mar", "March" and "Sept", not "Marzipan".
    (l.len() == 3 || full[i].starts_with(&l) || l == "sept").then_some(i as u32 + 1)
}

fn year(s: &str) -> Option<i32> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses `07 Mar 1962`, `Mar 1962` or `1962` into a [`PartialDate`].
pub(crate) fn parse_dmy_partial(s: &str) -> Option<PartialDate> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    match parts.as_slice() {
        [y] => Some(PartialDate::year(year(y)?)),
        [m, y] => Some(PartialDate {
            year: year(y)?,
            month: Some(month(m)?),
            day: None,
        }),
        [d, m, y] => {
            let day: u32 = d.parse().ok()?;
            let date = NaiveDate::from_ymd_opt(year(y)?, month(m)?, day)?;
            Some(date.into())
        }
        _ => None,
    }
}

/// Parses a full `07 Mar 1962` date.
pub(crate) fn parse_dmy(s: &str) -> Option<NaiveDate> {
    parse_dmy_partial(s)?.to_date()
}

/// Parses an ISO `YYYY-MM-DD` date.
pub(crate) fn parse_iso(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Parses a US `MM/DD/YYYY` date.
pub(crate) fn parse_us(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%m/%d/%Y").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(
            parse_dmy_partial("07 Mar 1962").unwrap().to_string(),
            "1962-03-07"
        );
        assert_eq!(
            parse_dmy_partial("Mar 1962").unwrap().to_string(),
            "1962-03"
        );
        assert_eq!(parse_dmy_partial("1962").unwrap().to_string(), "1962");
        assert_eq!(
            parse_dmy_partial("September 1962").unwrap().to_string(),
            "1962-09"
        );
        assert!(parse_dmy_partial("31 Feb 1962").is_none());
        assert!(parse_dmy_partial("Marzipan 1962").is_none());
        assert!(parse_dmy_partial("62").is_none());
        assert_eq!(
            parse_us("10/16/2017"),
            NaiveDate::from_ymd_opt(2017, 10, 16)
        );
        assert_eq!(
            parse_iso("2021-01-14"),
            NaiveDate::from_ymd_opt(2021, 1, 14)
        );
    }
}
