//! FollowTheMoney entities as JSON lines: one
//! `{"id", "schema", "properties": {…}, "datasets": […], "caption"?, …}`
//! object per line, blank lines ignored.
//!
//! # Mapping
//!
//! * Id `<list>:<ftm id>`; the list key defaults to [`DEFAULT_LIST`] and is
//!   chosen by the caller.
//! * Schema: `Person`, `Company`, `Organization`, `LegalEntity`, `Vessel`,
//!   `Airplane`, `Security`; any other schema → LegalEntity (kept in the
//!   `ftmSchema` property).
//! * `name`: the first value is primary, the others aliases (the
//!   `caption` is primary when `name` is missing); `alias` → Alias,
//!   `weakAlias` → WeakAlias, `previousName` → Former.
//! * `country`, `nationality`, `jurisdiction`, `citizenship` → countries
//!   (ISO codes or names); `birthDate` → birth dates (`YYYY[-MM[-DD]]`,
//!   longer timestamps cut to the day); `birthPlace`; `address` → addresses.
//! * Identifiers: `isinCode`, `leiCode`, `uscCode`, `registrationNumber`,
//!   `taxNumber`, `innCode` and `ogrnCode` (tax and registration numbers
//!   with a note), `imoNumber`, `passportNumber`, `idNumber`, `ticker`,
//!   `swiftBic`.
//! * `notes` → remarks; `program` and `topics` → designations of the list
//!   (`program` values as programs; a `sanction` topic without a program
//!   gives a `sanction` designation); every other property is kept as is.

use embargo_model::{
    Address, Dataset, Designation, Entity, EntityId, IdKind, Identifier, NameKind, PartialDate,
    RawFile, Schema,
};
use serde_json::Value;

use crate::country::resolve_country;
use crate::text::decode;
use crate::SourceError;

/// The list key used when the caller does not choose one.
pub const DEFAULT_LIST: &str = "ftm";

/// Properties with a dedicated mapping (everything else is kept verbatim).
const MAPPED: &[&str] = &[
    "name",
    "alias",
    "weakAlias",
    "previousName",
    "country",
    "nationality",
    "jurisdiction",
    "citizenship",
    "birthDate",
    "birthPlace",
    "address",
    "notes",
    "program",
    "topics",
    "isinCode",
    "leiCode",
    "uscCode",
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "imoNumber",
    "passportNumber",
    "idNumber",
    "ticker",
    "swiftBic",
];

/// Parses one JSON-lines file into a dataset keyed `list_key`.
pub fn parse(file: &RawFile, list_key: &str) -> Result<Dataset, SourceError> {
    let text = decode(file)?;
    let mut ds = Dataset::new(list_key);
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .map_err(|e| SourceError::at_line(&file.name, line_no, format!("invalid JSON: {e}")))?;
        ds.entities
            .push(entity(&file.name, line_no, list_key, &v, &mut ds.warnings)?);
    }
    Ok(ds)
}

fn values<'a>(props: &'a Value, key: &str) -> Vec<&'a str> {
    match props.get(key) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    }
    .into_iter()
    .map(str::trim)
    .filter(|s| !s.is_empty())
    .collect()
}

fn entity(
    file: &str,
    line: u64,
    list: &str,
    v: &Value,
    warnings: &mut Vec<String>,
) -> Result<Entity, SourceError> {
    let err = |field: &str, msg: &str| SourceError::at_field(file, line, field, msg);
    if !v.is_object() {
        return Err(SourceError::at_line(file, line, "expected a JSON object"));
    }
    let id = v
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| err("id", "missing or empty id"))?;
    let schema_name = v
        .get("schema")
        .and_then(Value::as_str)
        .ok_or_else(|| err("schema", "missing schema"))?;
    let empty = Value::Object(Default::default());
    let props = match v.get("properties") {
        Some(p @ Value::Object(_)) => p,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(err("properties", "expected an object")),
    };
    let names = values(props, "name");
    let caption = v.get("caption").and_then(Value::as_str);
    let primary = names
        .first()
        .copied()
        .or(caption)
        .ok_or_else(|| err("name", "no name and no caption"))?;
    let schema = Schema::parse(schema_name).unwrap_or(Schema::LegalEntity);
    let mut e = Entity::new(EntityId::new(list, id.trim()), schema, primary);
    if Schema::parse(schema_name).is_none() {
        e.add_property("ftmSchema", schema_name);
    }
    for n in names.iter().skip(1) {
        e.add_name(*n, NameKind::Alias);
    }
    for (prop, kind) in [
        ("alias", NameKind::Alias),
        ("weakAlias", NameKind::WeakAlias),
        ("previousName", NameKind::Former),
    ] {
        for n in values(props, prop) {
            e.add_name(n, kind);
        }
    }
    for prop in ["country", "nationality", "jurisdiction", "citizenship"] {
        for c in values(props, prop) {
            match resolve_country(c) {
                Some(code) => e.add_country(&code),
                None => warnings.push(
                    SourceError::at_field(file, line, prop, format!("unknown country '{c}'"))
                        .to_string(),
                ),
            }
        }
    }
    for d in values(props, "birthDate") {
        let day = d.get(..10).filter(|_| d.len() > 10).unwrap_or(d);
        match day.parse::<PartialDate>() {
            Ok(pd) if !e.birth_dates.contains(&pd) => e.birth_dates.push(pd),
            Ok(_) => {}
            Err(_) => return Err(err("birthDate", &format!("invalid date '{d}'"))),
        }
    }
    for p in values(props, "birthPlace") {
        e.birth_places.push(p.to_string());
    }
    for a in values(props, "address") {
        e.addresses.push(Address {
            street: Some(a.to_string()),
            ..Address::default()
        });
    }
    let id_props: [(&str, IdKind, Option<&str>); 12] = [
        ("isinCode", IdKind::Isin, None),
        ("leiCode", IdKind::Lei, None),
        ("uscCode", IdKind::Uscc, None),
        ("registrationNumber", IdKind::Registration, None),
        ("taxNumber", IdKind::TaxId, None),
        ("innCode", IdKind::TaxId, Some("inn")),
        ("ogrnCode", IdKind::Registration, Some("ogrn")),
        ("imoNumber", IdKind::Imo, None),
        ("passportNumber", IdKind::Passport, None),
        ("idNumber", IdKind::NationalId, None),
        ("ticker", IdKind::Ticker, None),
        ("swiftBic", IdKind::Other("swift_bic".into()), None),
    ];
    for (prop, kind, note) in id_props {
        for val in values(props, prop) {
            let mut ident = if kind == IdKind::Ticker {
                let mut parts: Vec<&str> = val.split_whitespace().collect();
                let market = if parts.len() > 1 { parts.pop() } else { None };
                Identifier::ticker(&parts.join(" "), market)
            } else {
                Identifier::new(kind.clone(), val)
            };
            ident.note = note.map(str::to_string);
            if let Some(issue) = &ident.issue {
                if ident.kind.is_strong() {
                    warnings.push(
                        SourceError::at_field(
                            file,
                            line,
                            prop,
                            format!("'{val}' kept but flagged: {issue}"),
                        )
                        .to_string(),
                    );
                }
            }
            if !e.identifiers.contains(&ident) {
                e.identifiers.push(ident);
            }
        }
    }
    let notes = values(props, "notes");
    if !notes.is_empty() {
        e.remarks = Some(notes.join("\n"));
    }
    let programs = values(props, "program");
    let topics = values(props, "topics");
    for p in &programs {
        e.designations.push(Designation::new(list, p));
    }
    if programs.is_empty() && topics.iter().any(|t| t.starts_with("sanction")) {
        e.designations.push(Designation::new(list, "sanction"));
    }
    for t in topics {
        e.add_property("topics", t);
    }
    if let Some(obj) = props.as_object() {
        for (k, val) in obj {
            if MAPPED.contains(&k.as_str()) {
                continue;
            }
            for s in values(props, k) {
                e.add_property(k, s);
            }
            if !matches!(val, Value::Array(_) | Value::String(_)) {
                e.add_property(k, val.to_string());
            }
        }
    }
    for key in ["first_seen", "last_seen", "last_change"] {
        if let Some(s) = v.get(key).and_then(Value::as_str) {
            e.add_property(key, s);
        }
    }
    for ds in v
        .get("datasets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(s) = ds.as_str() {
            e.add_property("datasets", s);
        }
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_line() {
        let f = RawFile::new(
            "x.jsonl",
            br#"{"id":"NK-1","schema":"Asset","caption":"Thing One","properties":{"country":["ru"],"ticker":["941 HK"]}}"#.to_vec(),
        );
        let ds = parse(&f, "acme").unwrap();
        let e = &ds.entities[0];
        assert_eq!(e.id.as_str(), "acme:NK-1");
        assert_eq!(e.schema, Schema::LegalEntity);
        assert_eq!(e.caption(), "Thing One");
        assert_eq!(e.countries, ["ru"]);
        assert_eq!(e.identifiers[0].normalized(), "941 HK");
        assert_eq!(e.properties["ftmSchema"], ["Asset"]);
    }

    #[test]
    fn errors_name_the_line() {
        let f = RawFile::new(
            "x.jsonl",
            b"\n{\"id\":\"a\",\"schema\":\"Person\",\"properties\":{\"name\":[\"A\"]}}\n{oops\n"
                .to_vec(),
        );
        let e = parse(&f, DEFAULT_LIST).unwrap_err();
        assert_eq!(e.line, Some(3));
        let f = RawFile::new("x.jsonl", b"{\"schema\":\"Person\"}\n".to_vec());
        assert_eq!(
            parse(&f, DEFAULT_LIST).unwrap_err().field.as_deref(),
            Some("id")
        );
    }
}
