//! OFAC legacy CSV exports: the SDN list (`sdn.csv`, `alt.csv`, `add.csv`,
//! `sdn_comments.csv`) and the Consolidated non-SDN list (`cons_prim.csv`,
//! `cons_alt.csv`, `cons_add.csv`, `cons_comments.csv`).
//!
//! # Format
//!
//! No header row; Windows-1252 text (UTF-8 is accepted too); every field
//! quoted except nulls, written `-0- `; CRLF line ends and a 0x1A byte after
//! the last record in official exports (both optional here). A file with a
//! NUL byte, a record with the wrong number of fields, or a text that ends
//! inside a quoted field is an error naming file, line and field.
//!
//! Files are recognised by file name (case-insensitive, directories
//! ignored). The primary file is required; the others are optional. A file
//! name this parser does not know is an error.
//!
//! # Mapping
//!
//! * Entity id `us_ofac_sdn:<ent_num>` / `us_ofac_cons:<ent_num>`.
//! * Schema, from the `type` column: `individual` → Person, `vessel` →
//!   Vessel, `aircraft` → Airplane, empty → Organization, except that an
//!   organisation is a **Company** when it is listed under `CMIC-EO13959`
//!   (NS-CMIC), when its remarks give a `Target Type` of `Public Company`,
//!   `Private Company`, `State-Owned Enterprise` or `Financial Institution`,
//!   or when it carries an ISIN or an equity ticker. Any other `type` value
//!   gives LegalEntity and a dataset warning.
//! * Programs (`SDGT] [IFSR`) are split on `] [`, brackets stripped; each is
//!   a [`Designation`] of the list.
//! * Title, call sign, vessel type, tonnage, GRT, flag and owner go to the
//!   FtM properties `title`, `callSign`, `vesselType`, `tonnage`,
//!   `grossRegisteredTonnage`, `flag`, `owner`.
//! * Remarks: a `*_comments.csv` row holds the rest of a remarks field cut
//!   in the primary file; it is appended exactly (no separator). The joined
//!   text is kept verbatim in [`Entity::remarks`] and parsed with
//!   [`remarks`].
//! * Alternate names: `aka` → Alias, `fka` → Former, `nka` → Alias with
//!   note `nka`; the alt remarks go into the name's note.
//! * Addresses: street, city/state/postal code, country (+ ISO code);
//!   address countries are added to the entity's countries.
//! * `Linked To:` relations are resolved to an entity of the same file by
//!   exact primary name (also trying the name with the full stop that the
//!   remarks terminator absorbs).
//!
//! Rows of the alt, address or comments file that refer to an `ent_num`
//! absent from the primary file are skipped with a dataset warning (naming
//! file, line and field) rather than failing the import: such a row cannot
//! attach to anything screenable.

pub mod remarks;

use std::collections::HashMap;

use embargo_model::{
    Address, Dataset, Designation, Entity, EntityId, IdKind, Name, NameKind, RawFile, Schema,
};

use crate::country::country_code;
use crate::text::{check_width, prepare_csv, records};
use crate::SourceError;

/// Which OFAC list an export belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfacList {
    /// Specially Designated Nationals (`sdn.csv` …).
    Sdn,
    /// Consolidated non-SDN list (`cons_prim.csv` …), which includes NS-CMIC.
    Cons,
}

impl OfacList {
    /// The dataset key: `us_ofac_sdn` or `us_ofac_cons`.
    pub fn list_key(self) -> &'static str {
        match self {
            OfacList::Sdn => "us_ofac_sdn",
            OfacList::Cons => "us_ofac_cons",
        }
    }

    /// The expected file names, primary first.
    pub fn file_names(self) -> [&'static str; 4] {
        match self {
            OfacList::Sdn => ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"],
            OfacList::Cons => [
                "cons_prim.csv",
                "cons_alt.csv",
                "cons_add.csv",
                "cons_comments.csv",
            ],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Primary,
    Alt,
    Add,
    Comments,
}

const PRIMARY_FIELDS: &[&str] = &[
    "ent_num",
    "name",
    "type",
    "programs",
    "title",
    "call_sign",
    "vessel_type",
    "tonnage",
    "grt",
    "vessel_flag",
    "vessel_owner",
    "remarks",
];
const ALT_FIELDS: &[&str] = &["ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"];
const ADD_FIELDS: &[&str] = &[
    "ent_num",
    "add_num",
    "address",
    "city_state_postal",
    "country",
    "add_remarks",
];
const COMMENTS_FIELDS: &[&str] = &["ent_num", "remarks"];

fn base_name(name: &str) -> String {
    name.rsplit(['/', '\\'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase()
}

fn role_of(list: OfacList, file: &RawFile) -> Result<Role, SourceError> {
    let base = base_name(&file.name);
    let roles = [Role::Primary, Role::Alt, Role::Add, Role::Comments];
    if let Some(i) = list.file_names().iter().position(|n| *n == base) {
        return Ok(roles[i]);
    }
    let other = match list {
        OfacList::Sdn => OfacList::Cons,
        OfacList::Cons => OfacList::Sdn,
    };
    let msg = if other.file_names().contains(&base.as_str()) {
        format!(
            "file belongs to {}, not {}",
            other.list_key(),
            list.list_key()
        )
    } else {
        format!(
            "unknown OFAC file name; expected one of {}",
            list.file_names().join(", ")
        )
    };
    Err(SourceError::file(&file.name, msg))
}

/// A field value with OFAC's null (`-0-`, with or without the trailing
/// space) and blanks mapped to `None`.
fn val(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty() && t != "-0-").then_some(t)
}

fn ent_num<'a>(file: &str, line: u64, rec: &'a csv::StringRecord) -> Result<&'a str, SourceError> {
    let v = rec.get(0).map(str::trim).unwrap_or("");
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SourceError::at_field(
            file,
            line,
            "ent_num",
            format!("expected a number, found '{v}'"),
        ));
    }
    Ok(v)
}

/// Parses one OFAC export (see the module docs) into a dataset.
pub fn parse(list: OfacList, files: &[RawFile]) -> Result<Dataset, SourceError> {
    let mut by_role: Vec<(Role, &RawFile)> = Vec::new();
    for f in files {
        let role = role_of(list, f)?;
        if by_role.iter().any(|(r, _)| *r == role) {
            return Err(SourceError::file(
                &f.name,
                "the same OFAC file is given twice",
            ));
        }
        by_role.push((role, f));
    }
    let get = |role: Role| by_role.iter().find(|(r, _)| *r == role).map(|(_, f)| *f);
    let primary = get(Role::Primary).ok_or_else(|| {
        SourceError::file(
            list.file_names()[0],
            "the primary file is missing from the import",
        )
    })?;

    let mut ds = Dataset::new(list.list_key());
    let comments = match get(Role::Comments) {
        Some(f) => read_comments(f)?,
        None => Vec::new(),
    };
    let mut overflow: HashMap<String, String> = HashMap::new();
    for (num, _, text) in &comments {
        overflow.entry(num.clone()).or_default().push_str(text);
    }

    let mut index: HashMap<String, usize> = HashMap::new();
    read_primary(list, primary, &overflow, &mut ds, &mut index)?;

    if let Some(f) = get(Role::Comments) {
        let unknown = comments
            .iter()
            .filter(|(num, _, _)| !index.contains_key(num))
            .map(|(num, line, _)| (*line, num.clone()))
            .collect();
        warn_unknown(&mut ds, f, unknown);
    }
    if let Some(f) = get(Role::Alt) {
        read_alt(f, &mut ds, &index)?;
    }
    if let Some(f) = get(Role::Add) {
        read_add(f, &mut ds, &index)?;
    }
    resolve_links(&mut ds);
    Ok(ds)
}

/// How many rows with an unknown `ent_num` are reported one by one before
/// the rest are only counted.
const UNKNOWN_REPORTED: usize = 5;

/// Reports rows of a secondary file whose `ent_num` is not in the primary
/// file: the first few individually, then a count (an export mixed from two
/// dates can have thousands).
fn warn_unknown(ds: &mut Dataset, f: &RawFile, unknown: Vec<(u64, String)>) {
    for (line, num) in unknown.iter().take(UNKNOWN_REPORTED) {
        ds.warnings.push(
            SourceError::at_field(
                &f.name,
                *line,
                "ent_num",
                format!("unknown ent_num {num}; row skipped"),
            )
            .to_string(),
        );
    }
    if unknown.len() > UNKNOWN_REPORTED {
        ds.warnings.push(
            SourceError::file(
                &f.name,
                format!(
                    "{} more rows with an unknown ent_num skipped (the file may come from another export)",
                    unknown.len() - UNKNOWN_REPORTED
                ),
            )
            .to_string(),
        );
    }
}

fn read_comments(f: &RawFile) -> Result<Vec<(String, u64, String)>, SourceError> {
    let text = prepare_csv(f, b',', COMMENTS_FIELDS)?;
    let mut out = Vec::new();
    for rec in records(&f.name, &text, b',', false) {
        let (line, rec) = rec?;
        check_width(&f.name, line, &rec, COMMENTS_FIELDS)?;
        let num = ent_num(&f.name, line, &rec)?;
        out.push((num.to_string(), line, rec[1].to_string()));
    }
    Ok(out)
}

fn read_primary(
    list: OfacList,
    f: &RawFile,
    overflow: &HashMap<String, String>,
    ds: &mut Dataset,
    index: &mut HashMap<String, usize>,
) -> Result<(), SourceError> {
    let key = list.list_key();
    let text = prepare_csv(f, b',', PRIMARY_FIELDS)?;
    for rec in records(&f.name, &text, b',', false) {
        let (line, rec) = rec?;
        check_width(&f.name, line, &rec, PRIMARY_FIELDS)?;
        let num = ent_num(&f.name, line, &rec)?;
        if index.contains_key(num) {
            return Err(SourceError::at_field(
                &f.name,
                line,
                "ent_num",
                format!("duplicate ent_num {num}"),
            ));
        }
        let name = val(&rec[1])
            .ok_or_else(|| SourceError::at_field(&f.name, line, "name", "empty name"))?;
        let warn = |msg: String| SourceError::at_line(&f.name, line, msg).to_string();

        let mut e = Entity::new(EntityId::new(key, num), Schema::Organization, name);
        let kind = val(&rec[2]).map(str::to_ascii_lowercase);
        e.schema = match kind.as_deref() {
            None => Schema::Organization,
            Some("individual") => Schema::Person,
            Some("vessel") => Schema::Vessel,
            Some("aircraft") => Schema::Airplane,
            Some(other) => {
                ds.warnings
                    .push(warn(format!("unknown type '{other}'; read as LegalEntity")));
                Schema::LegalEntity
            }
        };
        if let Some(progs) = val(&rec[3]) {
            for p in progs.split("] [") {
                let p = p
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .trim();
                if !p.is_empty() && !e.designations.iter().any(|d| d.program == p) {
                    e.designations.push(Designation::new(key, p));
                }
            }
        }
        for (i, prop) in [
            (4, "title"),
            (5, "callSign"),
            (6, "vesselType"),
            (7, "tonnage"),
            (8, "grossRegisteredTonnage"),
            (9, "flag"),
            (10, "owner"),
        ] {
            if let Some(v) = val(&rec[i]) {
                e.add_property(prop, v);
            }
        }
        let mut remarks = val(&rec[11])
            .map(|_| rec[11].to_string())
            .unwrap_or_default();
        if let Some(rest) = overflow.get(num) {
            remarks.push_str(rest);
        }
        let remarks = remarks.trim();
        if !remarks.is_empty() {
            e.remarks = Some(remarks.to_string());
            for note in remarks::apply(&mut e, remarks::parse(remarks)) {
                ds.warnings.push(warn(note));
            }
        }
        if e.schema == Schema::Organization && is_company(&e) {
            e.schema = Schema::Company;
        }
        index.insert(num.to_string(), ds.entities.len());
        ds.entities.push(e);
    }
    Ok(())
}

/// The Company rule of the module docs.
fn is_company(e: &Entity) -> bool {
    const COMPANY_TARGETS: [&str; 4] = [
        "Public Company",
        "Private Company",
        "State-Owned Enterprise",
        "Financial Institution",
    ];
    e.designations
        .iter()
        .any(|d| d.program == remarks::CMIC_PROGRAM)
        || e.properties
            .get("targetType")
            .is_some_and(|ts| ts.iter().any(|t| COMPANY_TARGETS.contains(&t.as_str())))
        || e.identifiers
            .iter()
            .any(|i| matches!(i.kind, IdKind::Isin | IdKind::Ticker))
}

fn read_alt(
    f: &RawFile,
    ds: &mut Dataset,
    index: &HashMap<String, usize>,
) -> Result<(), SourceError> {
    let text = prepare_csv(f, b',', ALT_FIELDS)?;
    let mut unknown = Vec::new();
    for rec in records(&f.name, &text, b',', false) {
        let (line, rec) = rec?;
        check_width(&f.name, line, &rec, ALT_FIELDS)?;
        let num = ent_num(&f.name, line, &rec)?;
        let Some(&i) = index.get(num) else {
            unknown.push((line, num.to_string()));
            continue;
        };
        let Some(value) = val(&rec[3]) else {
            ds.warnings.push(
                SourceError::at_field(
                    &f.name,
                    line,
                    "alt_name",
                    "empty alternate name; row skipped",
                )
                .to_string(),
            );
            continue;
        };
        let alt_type = val(&rec[2]).unwrap_or("").to_ascii_lowercase();
        let (kind, mut notes) = match alt_type.as_str() {
            "aka" => (NameKind::Alias, vec![]),
            "fka" => (NameKind::Former, vec![]),
            "nka" => (NameKind::Alias, vec!["nka"]),
            other => {
                ds.warnings.push(
                    SourceError::at_field(
                        &f.name,
                        line,
                        "alt_type",
                        format!("unknown alt_type '{other}'; read as an alias"),
                    )
                    .to_string(),
                );
                (NameKind::Alias, vec![])
            }
        };
        if let Some(r) = val(&rec[4]) {
            notes.push(r);
        }
        let name = Name {
            value: value.to_string(),
            kind,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
        };
        let e = &mut ds.entities[i];
        if !e.names.contains(&name) {
            e.names.push(name);
        }
    }
    warn_unknown(ds, f, unknown);
    Ok(())
}

fn read_add(
    f: &RawFile,
    ds: &mut Dataset,
    index: &HashMap<String, usize>,
) -> Result<(), SourceError> {
    let text = prepare_csv(f, b',', ADD_FIELDS)?;
    let mut unknown = Vec::new();
    for rec in records(&f.name, &text, b',', false) {
        let (line, rec) = rec?;
        check_width(&f.name, line, &rec, ADD_FIELDS)?;
        let num = ent_num(&f.name, line, &rec)?;
        let Some(&i) = index.get(num) else {
            unknown.push((line, num.to_string()));
            continue;
        };
        let country = val(&rec[4]);
        let addr = Address {
            street: val(&rec[2]).map(str::to_string),
            city: val(&rec[3]).map(str::to_string),
            country: country.map(str::to_string),
            country_code: country.and_then(country_code).map(str::to_string),
            note: val(&rec[5]).map(str::to_string),
        };
        if addr == Address::default() {
            continue;
        }
        if let (Some(c), None) = (country, &addr.country_code) {
            if c != "undetermined" && !c.starts_with("Region:") {
                ds.warnings.push(
                    SourceError::at_field(
                        &f.name,
                        line,
                        "country",
                        format!("unknown country '{c}'"),
                    )
                    .to_string(),
                );
            }
        }
        let e = &mut ds.entities[i];
        if let Some(code) = &addr.country_code {
            e.add_country(code);
        }
        if !e.addresses.contains(&addr) {
            e.addresses.push(addr);
        }
    }
    warn_unknown(ds, f, unknown);
    Ok(())
}

/// Fills `Relation::target_id` for `Linked To:` targets that name another
/// entity of the dataset exactly.
fn resolve_links(ds: &mut Dataset) {
    let mut by_name: HashMap<String, Option<EntityId>> = HashMap::new();
    for e in &ds.entities {
        by_name
            .entry(e.caption().to_string())
            .and_modify(|v| *v = None)
            .or_insert_with(|| Some(e.id.clone()));
    }
    for e in &mut ds.entities {
        for r in &mut e.relations {
            if let Some(Some(id)) = by_name.get(&r.target_name) {
                r.target_id = Some(id.clone());
            } else if let Some(Some(id)) = by_name.get(&format!("{}.", r.target_name)) {
                r.target_name.push('.');
                r.target_id = Some(id.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prim(rows: &str) -> RawFile {
        RawFile::new("cons_prim.csv", rows.as_bytes().to_vec())
    }

    #[test]
    fn minimal_export() {
        let ds = parse(
            OfacList::Cons,
            &[
                prim("1,\"ACME LTD.\",-0- ,\"SDGT] [IRGC\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"Target Type Private Company; Linked To: BETA CO., LTD.\"\r\n2,\"BETA CO., LTD.\",-0- ,\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a"),
                RawFile::new("CONS_ALT.CSV", b"1,10,\"fka\",\"OLD ACME\",-0- \r\n1,11,\"nka\",\"NEW ACME\",\"since 2020\"\r\n".to_vec()),
            ],
        )
        .unwrap();
        assert_eq!(ds.list, "us_ofac_cons");
        let e = &ds.entities[0];
        assert_eq!(e.id.as_str(), "us_ofac_cons:1");
        assert_eq!(e.schema, Schema::Company);
        let programs: Vec<_> = e.designations.iter().map(|d| d.program.as_str()).collect();
        assert_eq!(programs, ["SDGT", "IRGC"]);
        assert_eq!(e.relations[0].target_name, "BETA CO., LTD.");
        assert_eq!(
            e.relations[0].target_id.as_ref().unwrap().as_str(),
            "us_ofac_cons:2"
        );
        assert_eq!(e.names[1].kind, NameKind::Former);
        assert_eq!(e.names[2].note.as_deref(), Some("nka; since 2020"));
        assert_eq!(ds.entities[1].schema, Schema::Organization);
        assert!(ds.warnings.is_empty(), "{:?}", ds.warnings);
    }

    #[test]
    fn file_names_are_checked() {
        let e = parse(OfacList::Sdn, &[prim("")]).unwrap_err();
        assert!(e.message.contains("us_ofac_cons"), "{e}");
        let e = parse(OfacList::Sdn, &[RawFile::new("x/list.csv", vec![])]).unwrap_err();
        assert_eq!(e.file, "x/list.csv");
        let e = parse(OfacList::Sdn, &[RawFile::new("alt.csv", vec![])]).unwrap_err();
        assert!(e.message.contains("primary"));
    }

    #[test]
    fn bad_ent_num_and_type() {
        let e = parse(
            OfacList::Cons,
            &[prim(
                "x,\"A\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n",
            )],
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("ent_num"));
        let ds = parse(
            OfacList::Cons,
            &[prim(
                "1,\"A\",\"robot\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n",
            )],
        )
        .unwrap();
        assert_eq!(ds.entities[0].schema, Schema::LegalEntity);
        assert_eq!(ds.warnings.len(), 1);
    }
}
