//! The BIS Denied Persons List (`dpl.txt`): tab-separated, a quoted header
//! row (`Name`, `Street_Address`, `City`, `State`, `Country`,
//! `Postal_Code`, `Effective_Date`, `Expiration_Date`, `Standard_Order`,
//! `Last_Update`, `Action`, `FR_Citation`), US `MM/DD/YYYY` dates.
//!
//! # Mapping
//!
//! * One entity per data row, schema LegalEntity (the list mixes people and
//!   firms and does not say which).
//! * The id is `us_bis_dpl:<key>`, where the key is a content hash
//!   (16 hex digits of SHA-256) of name, street, city, state, country,
//!   postal code and effective date: the list has no id column, and row
//!   order changes between editions while a party's order details do not.
//!   Updating the Federal Register citation or the action keeps the id.
//!   Two identical rows (the list has a few) get `-2`, `-3` … suffixes, and
//!   a warning.
//! * `NAME A/K/A OTHER` gives a primary name and an alias.
//! * The address goes to [`Address`] (`city` holds "city, state postal");
//!   the country is an ISO code already.
//! * One designation, program `DPL`: `listed_on` the effective date,
//!   `ended_on` the expiration date, `source` the FR citation; the standard
//!   order flag, last update and action are properties.

use std::collections::HashMap;

use embargo_model::{Address, Dataset, Designation, Entity, EntityId, NameKind, RawFile, Schema};

use crate::country::resolve_country;
use crate::dates::{parse_iso, parse_us};
use crate::text::{check_width, content_key, prepare_csv, records};
use crate::SourceError;

/// The dataset key.
pub const LIST: &str = "us_bis_dpl";
/// The program tag of every designation.
pub const PROGRAM: &str = "DPL";

const COLUMNS: &[&str] = &[
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
];

/// Parses one or more DPL files into one dataset.
pub fn parse(files: &[RawFile]) -> Result<Dataset, SourceError> {
    let mut ds = Dataset::new(LIST);
    let mut keys: HashMap<String, u32> = HashMap::new();
    for f in files {
        parse_file(f, &mut ds, &mut keys)?;
    }
    Ok(ds)
}

fn parse_file(
    f: &RawFile,
    ds: &mut Dataset,
    keys: &mut HashMap<String, u32>,
) -> Result<(), SourceError> {
    let text = prepare_csv(f, b'\t', COLUMNS)?;
    let mut idx: Vec<usize> = Vec::new();
    let mut header: Vec<String> = Vec::new();
    for rec in records(&f.name, &text, b'\t', false) {
        let (line, rec) = rec?;
        if idx.is_empty() {
            for c in COLUMNS {
                let i = rec.iter().position(|h| h.trim() == *c).ok_or_else(|| {
                    SourceError::at_field(&f.name, line, c, "column missing from the header")
                })?;
                idx.push(i);
            }
            header = rec.iter().map(|h| h.trim().to_string()).collect();
            continue;
        }
        let names: Vec<&str> = header.iter().map(String::as_str).collect();
        check_width(&f.name, line, &rec, &names)?;
        let get = |c: usize| rec.get(idx[c]).map(str::trim).unwrap_or("");
        let opt = |c: usize| Some(get(c)).filter(|s| !s.is_empty());
        let date = |c: usize| -> Result<_, SourceError> {
            opt(c)
                .map(|s| {
                    parse_us(s).ok_or_else(|| {
                        SourceError::at_field(
                            &f.name,
                            line,
                            COLUMNS[c],
                            format!("invalid date '{s}', expected MM/DD/YYYY"),
                        )
                    })
                })
                .transpose()
        };
        let raw_name =
            opt(0).ok_or_else(|| SourceError::at_field(&f.name, line, "Name", "empty name"))?;
        let effective = date(6)?;
        let expiration = date(7)?;

        let mut key = content_key(&[get(0), get(1), get(2), get(3), get(4), get(5), get(6)]);
        let n = keys.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            key = format!("{key}-{n}");
            ds.warnings.push(
                SourceError::at_line(
                    &f.name,
                    line,
                    "same party and order as an earlier row; kept as a separate entry",
                )
                .to_string(),
            );
        }

        let mut names = raw_name.split(" A/K/A ").map(str::trim);
        let primary = names.next().unwrap_or(raw_name);
        let mut e = Entity::new(EntityId::new(LIST, &key), Schema::LegalEntity, primary);
        for alias in names {
            e.add_name(alias, NameKind::Alias);
        }
        let city_line: Vec<&str> = [get(2), get(3), get(5)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        let code = opt(4).and_then(resolve_country);
        let addr = Address {
            street: opt(1).map(str::to_string),
            city: (!city_line.is_empty()).then(|| city_line.join(", ")),
            country: opt(4).map(str::to_string),
            country_code: code.clone(),
            note: None,
        };
        if addr != Address::default() {
            e.addresses.push(addr);
        }
        if let Some(c) = code {
            e.add_country(&c);
        }
        let mut d = Designation::new(LIST, PROGRAM);
        d.listed_on = effective;
        d.ended_on = expiration;
        d.source = opt(11).map(str::to_string);
        e.designations.push(d);
        if let Some(v) = opt(8) {
            e.add_property("standardOrder", v);
        }
        if let Some(v) = opt(9) {
            let v = parse_iso(v)
                .map(|d| d.to_string())
                .unwrap_or_else(|| v.to_string());
            e.add_property("modifiedAt", v);
        }
        if let Some(v) = opt(10) {
            e.add_property("action", v);
        }
        ds.entities.push(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\t\"Postal_Code\"\t\"Effective_Date\"\t\"Expiration_Date\"\t\"Standard_Order\"\t\"Last_Update\"\t\"Action\"\t\"FR_Citation\"\n";

    #[test]
    fn row_mapping() {
        let text = format!(
            "{HEADER}\"FUYI SUN A/K/A FRANK SUN\"\t\"555 GEO DRIVE\"\t\"PHILIPSBURG\"\t\"PA\"\t\"US\"\t\"16866\"\t\"06/13/2018\"\t\"08/31/2027\"\t\"Y\"\t\"2018-06-25\"\t\"FR NOTICE ADDED\"\t\"83 F.R. 29524 6/25/2018\"\n"
        );
        let ds = parse(&[RawFile::new("dpl.txt", text.into_bytes())]).unwrap();
        let e = &ds.entities[0];
        assert_eq!(e.caption(), "FUYI SUN");
        assert_eq!(e.names[1].value, "FRANK SUN");
        assert_eq!(
            e.addresses[0].city.as_deref(),
            Some("PHILIPSBURG, PA, 16866")
        );
        assert_eq!(e.countries, ["us"]);
        let d = &e.designations[0];
        assert_eq!(d.listed_on.unwrap().to_string(), "2018-06-13");
        assert_eq!(d.ended_on.unwrap().to_string(), "2027-08-31");
        assert_eq!(d.source.as_deref(), Some("83 F.R. 29524 6/25/2018"));
        assert_eq!(e.id.key().len(), 16);
    }

    #[test]
    fn bad_date_names_the_field() {
        let text = format!("{HEADER}\"X\"\t\"\"\t\"\"\t\"\"\t\"\"\t\"\"\t\"2018-06-13\"\t\"\"\t\"\"\t\"\"\t\"\"\t\"\"\n");
        let e = parse(&[RawFile::new("dpl.txt", text.into_bytes())]).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(2), Some("Effective_Date"))
        );
    }
}
