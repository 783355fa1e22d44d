//! The trade.gov Consolidated Screening List, as CSV (`consolidated.csv`)
//! or JSON (`consolidated.json`).
//!
//! Two CSV layouts are read, told apart by the header: the 2019 one and the
//! current one, which adds an `_id` column and writes `ids` entries as
//! `type, number, country` instead of `[country, ]number, type`. The JSON
//! form is `{"results": [{…}], …}` with the same field names; there
//! `addresses` and `ids` are arrays of objects and the list fields may be
//! arrays or `; `-joined strings. A file is JSON when its first non-blank
//! byte is `{`.
//!
//! # Mapping
//!
//! * Id `us_trade_csl:<key>`: `_id` (or JSON `id`), else `entity_number`,
//!   else a content hash of source, name, addresses and start date. A key
//!   seen twice gets a `-2` suffix and a warning.
//! * Schema from `type`: `Individual` → Person, `Entity` → Organization,
//!   `Vessel` → Vessel, `Aircraft` → Airplane, empty → LegalEntity.
//! * One designation per program (`programs`, `; `-separated), or one with
//!   the source's short code (`DPL`, `EL`, `ISN`, …) when there is none;
//!   list `us_trade_csl`, `listed_on`/`ended_on` from `start_date`/`end_date`,
//!   source the source name and Federal Register notice. The source's full
//!   name is in the `sourceList` property.
//! * `alt_names` → aliases; addresses → [`Address`] with everything but
//!   the country in `street` (the CSV form does not say which part is the
//!   city); `dates_of_birth` → birth dates; nationalities, citizenships and
//!   address countries (ISO codes) → countries; `ids` → identifiers where
//!   the type is an identifier type, `Website`, `Email Address` and
//!   `Gender` → properties, other entries → the `sanctionsInfo` property.

use std::collections::HashMap;

use embargo_model::{
    Address, Dataset, Designation, Entity, EntityId, NameKind, PartialDate, RawFile, Schema,
};
use serde_json::Value;

use crate::country::resolve_country;
use crate::dates::parse_iso;
use crate::ofac::remarks::identifier_for_label;
use crate::text::{check_width, content_key, decode, prepare_csv, records};
use crate::SourceError;

/// The dataset key.
pub const LIST: &str = "us_trade_csl";

/// One address as the sources give it.
#[derive(Debug, Clone, Default, PartialEq)]
struct CslAddress {
    parts: Vec<String>,
    country: Option<String>,
}

/// One `ids` entry.
#[derive(Debug, Clone, Default, PartialEq)]
struct CslId {
    kind: String,
    number: String,
    country: Option<String>,
}

/// A record in a layout-neutral form.
#[derive(Debug, Clone, Default)]
struct Record {
    file: String,
    line: u64,
    id: Option<String>,
    source: String,
    entity_number: Option<String>,
    kind: Option<String>,
    programs: Vec<String>,
    name: String,
    title: Option<String>,
    addresses: Vec<CslAddress>,
    fr_notice: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    alt_names: Vec<String>,
    citizenships: Vec<String>,
    dates_of_birth: Vec<String>,
    nationalities: Vec<String>,
    places_of_birth: Vec<String>,
    ids: Vec<CslId>,
    remarks: Option<String>,
    properties: Vec<(&'static str, String)>,
}

/// The CSV columns every layout has.
const CSV_COLUMNS: &[&str] = &[
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
];

/// Pass-through fields: (source field, FtM-style property).
const PROPERTIES: &[(&str, &str)] = &[
    ("standard_order", "standardOrder"),
    ("license_requirement", "licenseRequirement"),
    ("license_policy", "licensePolicy"),
    ("call_sign", "callSign"),
    ("vessel_type", "vesselType"),
    ("gross_tonnage", "tonnage"),
    ("gross_registered_tonnage", "grossRegisteredTonnage"),
    ("vessel_flag", "flag"),
    ("vessel_owner", "owner"),
    ("source_list_url", "sourceUrl"),
    ("source_information_url", "sourceInformationUrl"),
];

fn split_list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Parses CSL files (CSV or JSON, see the module docs) into one dataset.
pub fn parse(files: &[RawFile]) -> Result<Dataset, SourceError> {
    let mut ds = Dataset::new(LIST);
    let mut keys: HashMap<String, u32> = HashMap::new();
    for f in files {
        let first = f.bytes.iter().find(|b| !b.is_ascii_whitespace());
        let recs = if matches!(first, Some(b'{' | b'[')) {
            read_json(f)?
        } else {
            read_csv(f)?
        };
        for r in recs {
            let e = to_entity(r, &mut keys, &mut ds.warnings)?;
            ds.entities.push(e);
        }
    }
    Ok(ds)
}

fn read_csv(f: &RawFile) -> Result<Vec<Record>, SourceError> {
    let text = prepare_csv(f, b',', CSV_COLUMNS)?;
    let mut cols: HashMap<String, usize> = HashMap::new();
    let mut header_names: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut current = false;
    for rec in records(&f.name, &text, b',', false) {
        let (line, rec) = rec?;
        if cols.is_empty() {
            for (i, h) in rec.iter().enumerate() {
                cols.insert(h.trim().to_string(), i);
            }
            for c in CSV_COLUMNS {
                if !cols.contains_key(*c) {
                    return Err(SourceError::at_field(
                        &f.name,
                        line,
                        c,
                        "column missing from the header",
                    ));
                }
            }
            current = cols.contains_key("_id");
            header_names = rec.iter().map(|h| h.trim().to_string()).collect();
            continue;
        }
        let header: Vec<&str> = header_names.iter().map(String::as_str).collect();
        check_width(&f.name, line, &rec, &header)?;
        let get = |c: &str| cols.get(c).and_then(|&i| rec.get(i)).unwrap_or("").trim();
        let addresses = split_list(get("addresses"))
            .into_iter()
            .map(|a| {
                let mut parts: Vec<String> = a
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect();
                let country = match parts.last() {
                    Some(c) if resolve_country(c).is_some() && c.len() == 2 => parts.pop(),
                    _ => None,
                };
                CslAddress { parts, country }
            })
            .collect();
        let ids = split_list(get("ids"))
            .into_iter()
            .map(|entry| csv_id(&entry, current))
            .collect();
        let mut properties = Vec::new();
        for (field, prop) in PROPERTIES {
            if let Some(v) = opt(get(field)) {
                properties.push((*prop, v));
            }
        }
        out.push(Record {
            file: f.name.clone(),
            line,
            id: opt(get("_id")),
            source: get("source").to_string(),
            entity_number: opt(get("entity_number")),
            kind: opt(get("type")),
            programs: split_list(get("programs")),
            name: get("name").to_string(),
            title: opt(get("title")),
            addresses,
            fr_notice: opt(get("federal_register_notice")),
            start_date: opt(get("start_date")),
            end_date: opt(get("end_date")),
            alt_names: split_list(get("alt_names")),
            citizenships: split_list(get("citizenships")),
            dates_of_birth: split_list(get("dates_of_birth")),
            nationalities: split_list(get("nationalities")),
            places_of_birth: split_list(get("places_of_birth")),
            ids,
            remarks: opt(get("remarks")),
            properties,
        });
    }
    Ok(out)
}

/// One `ids` entry of the CSV form. Current layout: `type, number[,
/// country]` (the number itself may hold commas). 2019 layout:
/// `[country, ]number, type`.
fn csv_id(entry: &str, current: bool) -> CslId {
    let parts: Vec<&str> = entry.split(", ").map(str::trim).collect();
    if current {
        let kind = parts.first().copied().unwrap_or("").to_string();
        let (number, country) = match parts.len() {
            0 | 1 => (String::new(), None),
            2 => (parts[1].to_string(), None),
            n if parts[n - 1].len() == 2
                && parts[n - 1].bytes().all(|b| b.is_ascii_uppercase()) =>
            {
                (parts[1..n - 1].join(", "), Some(parts[n - 1].to_string()))
            }
            _ => (parts[1..].join(", "), None),
        };
        CslId {
            kind,
            number,
            country,
        }
    } else {
        let kind = parts.last().copied().unwrap_or("").to_string();
        let rest = &parts[..parts.len().saturating_sub(1)];
        let (country, number) = match rest {
            [c, n @ ..]
                if !n.is_empty() && c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) =>
            {
                (Some(c.to_string()), n.join(", "))
            }
            _ => (None, rest.join(", ")),
        };
        CslId {
            kind,
            number,
            country,
        }
    }
}

fn json_str(v: &Value, k: &str) -> Option<String> {
    match v.get(k)? {
        Value::String(s) => opt(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn json_list(v: &Value, k: &str) -> Vec<String> {
    match v.get(k) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => opt(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::String(s)) => split_list(s),
        _ => Vec::new(),
    }
}

fn read_json(f: &RawFile) -> Result<Vec<Record>, SourceError> {
    let text = decode(f)?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        SourceError::at_line(&f.name, e.line() as u64, format!("invalid JSON: {e}"))
    })?;
    let results = match &doc {
        Value::Array(a) => a,
        other => other
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                SourceError::file(
                    &f.name,
                    "expected an object with a \"results\" array, or an array of records",
                )
            })?,
    };
    let mut out = Vec::new();
    for (i, r) in results.iter().enumerate() {
        let field_err = |field: &str, msg: &str| SourceError {
            file: f.name.clone(),
            line: None,
            field: Some(format!("results[{i}].{field}")),
            message: msg.to_string(),
        };
        if !r.is_object() {
            return Err(field_err("", "expected an object"));
        }
        let addresses = match r.get("addresses") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| CslAddress {
                    parts: ["address", "city", "state", "postal_code"]
                        .iter()
                        .filter_map(|k| json_str(x, k))
                        .collect(),
                    country: json_str(x, "country"),
                })
                .collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(_) => return Err(field_err("addresses", "expected an array of objects")),
        };
        let ids = match r.get("ids") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| CslId {
                    kind: json_str(x, "type").unwrap_or_default(),
                    number: json_str(x, "number").unwrap_or_default(),
                    country: json_str(x, "country"),
                })
                .collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(_) => return Err(field_err("ids", "expected an array of objects")),
        };
        let mut properties = Vec::new();
        for (field, prop) in PROPERTIES {
            if let Some(v) = json_str(r, field) {
                properties.push((*prop, v));
            }
        }
        out.push(Record {
            file: f.name.clone(),
            line: 0,
            id: json_str(r, "_id").or_else(|| json_str(r, "id")),
            source: json_str(r, "source").unwrap_or_default(),
            entity_number: json_str(r, "entity_number"),
            kind: json_str(r, "type"),
            programs: json_list(r, "programs"),
            name: json_str(r, "name").ok_or_else(|| field_err("name", "missing name"))?,
            title: json_str(r, "title"),
            addresses,
            fr_notice: json_str(r, "federal_register_notice"),
            start_date: json_str(r, "start_date"),
            end_date: json_str(r, "end_date"),
            alt_names: json_list(r, "alt_names"),
            citizenships: json_list(r, "citizenships"),
            dates_of_birth: json_list(r, "dates_of_birth"),
            nationalities: json_list(r, "nationalities"),
            places_of_birth: json_list(r, "places_of_birth"),
            ids,
            remarks: json_str(r, "remarks"),
            properties,
        });
    }
    Ok(out)
}

/// The short code in a source name: `Entity List (EL) - Bureau …` → `EL`.
fn source_code(source: &str) -> String {
    let head = source.split(" - ").next().unwrap_or(source);
    match (head.rfind('('), head.rfind(')')) {
        (Some(a), Some(b)) if a < b => head[a + 1..b].trim().to_string(),
        _ => head.trim().to_string(),
    }
}

fn to_entity(
    r: Record,
    keys: &mut HashMap<String, u32>,
    warnings: &mut Vec<String>,
) -> Result<Entity, SourceError> {
    let err = |field: &str, msg: String| match r.line {
        0 => SourceError {
            file: r.file.clone(),
            line: None,
            field: Some(field.to_string()),
            message: msg,
        },
        l => SourceError::at_field(&r.file, l, field, msg),
    };
    if r.name.trim().is_empty() {
        return Err(err("name", "empty name".into()));
    }
    let addr_text: Vec<String> = r.addresses.iter().map(|a| a.parts.join(", ")).collect();
    let mut key =
        r.id.clone()
            .or_else(|| r.entity_number.clone())
            .unwrap_or_else(|| {
                content_key(&[
                    &r.source,
                    &r.name,
                    &addr_text.join("; "),
                    r.start_date.as_deref().unwrap_or(""),
                ])
            });
    let n = keys.entry(key.clone()).or_insert(0);
    *n += 1;
    if *n > 1 {
        key = format!("{key}-{n}");
        warnings.push(err("_id", format!("id seen before; entity keyed {key}")).to_string());
    }
    let schema = match r.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("individual") => Schema::Person,
        Some("entity") => Schema::Organization,
        Some("vessel") => Schema::Vessel,
        Some("aircraft") => Schema::Airplane,
        _ => Schema::LegalEntity,
    };
    let mut e = Entity::new(EntityId::new(LIST, &key), schema, r.name.trim());
    for a in &r.alt_names {
        e.add_name(a.as_str(), NameKind::Alias);
    }
    for a in &r.addresses {
        let code = a.country.as_deref().and_then(resolve_country);
        let addr = Address {
            street: (!a.parts.is_empty()).then(|| a.parts.join(", ")),
            city: None,
            country: a.country.clone(),
            country_code: code.clone(),
            note: None,
        };
        if let Some(c) = code {
            e.add_country(&c);
        }
        if addr != Address::default() && !e.addresses.contains(&addr) {
            e.addresses.push(addr);
        }
    }
    for c in r.nationalities.iter().chain(&r.citizenships) {
        match resolve_country(c) {
            Some(code) => e.add_country(&code),
            None => {
                warnings.push(err("nationalities", format!("unknown country '{c}'")).to_string())
            }
        }
    }
    for d in &r.dates_of_birth {
        match d.parse::<PartialDate>() {
            Ok(pd) if !e.birth_dates.contains(&pd) => e.birth_dates.push(pd),
            Ok(_) => {}
            Err(_) => {
                e.add_property("birthDate", d.as_str());
                warnings.push(
                    err("dates_of_birth", format!("unparsed date of birth '{d}'")).to_string(),
                );
            }
        }
    }
    for p in &r.places_of_birth {
        if !e.birth_places.contains(p) {
            e.birth_places.push(p.clone());
        }
    }
    for id in &r.ids {
        let label = id.kind.trim().trim_end_matches([':', ',', '-']).trim();
        match label {
            "Website" => e.add_property("website", id.number.as_str()),
            "Email Address" => e.add_property("email", id.number.as_str()),
            "Gender" => e.add_property("gender", id.number.to_ascii_lowercase()),
            _ => match identifier_for_label(label, &id.number, id.country.as_deref()) {
                Some(ident) if !e.identifiers.contains(&ident) => e.identifiers.push(ident),
                Some(_) => {}
                None => e.add_property("sanctionsInfo", format!("{label}: {}", id.number)),
            },
        }
    }
    let date = |field: &str, v: &Option<String>| -> Result<_, SourceError> {
        v.as_deref()
            .map(|s| {
                parse_iso(s)
                    .ok_or_else(|| err(field, format!("invalid date '{s}', expected YYYY-MM-DD")))
            })
            .transpose()
    };
    let listed_on = date("start_date", &r.start_date)?;
    let ended_on = date("end_date", &r.end_date)?;
    let code = source_code(&r.source);
    let programs = if r.programs.is_empty() {
        vec![code]
    } else {
        r.programs.clone()
    };
    let source = match &r.fr_notice {
        Some(fr) => format!("{}; {fr}", r.source),
        None => r.source.clone(),
    };
    for p in programs {
        let mut d = Designation::new(LIST, &p);
        d.listed_on = listed_on;
        d.ended_on = ended_on;
        d.source = opt(&source);
        e.designations.push(d);
    }
    if let Some(s) = opt(&r.source) {
        e.add_property("sourceList", s);
    }
    if let Some(t) = &r.title {
        e.add_property("title", t.as_str());
    }
    for (k, v) in &r.properties {
        e.add_property(k, v.as_str());
    }
    e.remarks = r.remarks.clone();
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_both_layouts() {
        assert_eq!(
            csv_id("Passport, 836238033, KP", true),
            CslId {
                kind: "Passport".into(),
                number: "836238033".into(),
                country: Some("KP".into())
            }
        );
        assert_eq!(
            csv_id("US, 80-0890696, Tax ID No.", false),
            CslId {
                kind: "Tax ID No.".into(),
                number: "80-0890696".into(),
                country: Some("US".into())
            }
        );
        assert_eq!(
            csv_id("IMO 8898831, Vessel Registration Identification", false),
            CslId {
                kind: "Vessel Registration Identification".into(),
                number: "IMO 8898831".into(),
                country: None
            }
        );
    }

    #[test]
    fn source_codes() {
        assert_eq!(
            source_code("Entity List (EL) - Bureau of Industry and Security"),
            "EL"
        );
        assert_eq!(
            source_code("Military End User (MEU) List - Bureau of Industry and Security"),
            "MEU"
        );
        assert_eq!(source_code("Unknown"), "Unknown");
    }
}
