//! FollowTheMoney (FtM) rendering of embargo entities, as yente serves them.
//!
//! Names go to `name`, `alias`, `weakAlias` and `previousName`; identifiers
//! to their FtM property (`isinCode`, `uscCode`, `leiCode`, `ticker`, …);
//! countries to `country`; the source's remarks to `notes`; designation
//! programs to `programId`; a `topics` value derived from the list; and the
//! source's extra fields when FtM has a property for them.

use std::collections::BTreeMap;

use embargo_model::{Entity, IdKind, NameKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The OFAC program tag of the NS-CMIC list (dataset `us_ofac_ns_cmic`).
pub const NS_CMIC_PROGRAM: &str = "CMIC-EO13959";

/// An entity in FtM shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FtmEntity {
    /// The entity id (`us_ofac_sdn:306`).
    pub id: String,
    /// The display name.
    pub caption: String,
    /// The FtM schema (`Person`, `Company`, `Security`, …).
    pub schema: String,
    /// FtM properties, each a list of strings.
    pub properties: BTreeMap<String, Vec<String>>,
    /// The datasets (lists) that contain the entity.
    pub datasets: Vec<String>,
    /// Other ids this entity is known under.
    pub referents: Vec<String>,
    /// True for entities that are the target of a list (always, here).
    pub target: bool,
    /// When the entity was first seen (the earliest designation date, when stated).
    pub first_seen: Option<String>,
    /// When the data was last loaded (the list version's publication date).
    pub last_seen: Option<String>,
    /// When the entity last changed, when known.
    pub last_change: Option<String>,
}

/// The datasets an entity belongs to: its list, plus `us_ofac_ns_cmic` for
/// consolidated-list entries under the CMIC program.
pub fn datasets_of(entity: &Entity) -> Vec<String> {
    let list = entity.id.list();
    let mut out = vec![list.to_string()];
    if list == "us_ofac_cons"
        && entity
            .designations
            .iter()
            .any(|d| d.program == NS_CMIC_PROGRAM)
    {
        out.push("us_ofac_ns_cmic".to_string());
    }
    out
}

/// The FtM topics of an entity's list.
pub fn topics_of(list: &str) -> &'static [&'static str] {
    match list {
        "us_ofac_sdn" | "us_ofac_cons" => &["sanction"],
        "us_dod_1260h" | "us_dod_1237" => &["mil"],
        "us_bis_dpl" => &["export.control", "debarment"],
        "us_trade_csl" => &["export.control"],
        _ => &[],
    }
}

/// The FtM properties a source's extra fields may carry as they are.
const FTM_PROPERTIES: &[&str] = &[
    "alias",
    "birthPlace",
    "buildDate",
    "callSign",
    "citizenship",
    "classification",
    "currency",
    "deathDate",
    "dissolutionDate",
    "education",
    "email",
    "fatherName",
    "firstName",
    "flag",
    "gender",
    "grossRegisteredTonnage",
    "idNumber",
    "imoNumber",
    "incorporationDate",
    "innCode",
    "isinCode",
    "issueDate",
    "jurisdiction",
    "keywords",
    "lastName",
    "legalForm",
    "leiCode",
    "mainCountry",
    "maturityDate",
    "middleName",
    "mmsi",
    "model",
    "motherName",
    "nationality",
    "notes",
    "ogrnCode",
    "pastFlags",
    "passportNumber",
    "phone",
    "political",
    "position",
    "previousName",
    "registrationNumber",
    "religion",
    "sector",
    "serialNumber",
    "sourceUrl",
    "status",
    "summary",
    "swiftBic",
    "taxNumber",
    "ticker",
    "title",
    "tonnage",
    "type",
    "uscCode",
    "weakAlias",
    "website",
];

/// The FtM property of a source field: itself when FtM defines it, its FtM
/// name for a few known fields, else `None`.
pub fn ftm_property(field: &str) -> Option<&'static str> {
    let mapped = match field {
        "sourceInformationUrl" => "sourceUrl",
        "vesselType" => "type",
        other => other,
    };
    FTM_PROPERTIES.iter().copied().find(|p| *p == mapped)
}

/// Renders an entity as FtM; `last_seen` is the date of the list version it
/// was read from.
pub fn to_ftm(entity: &Entity, last_seen: Option<String>) -> FtmEntity {
    let mut props: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |key: &str, value: &str| {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let vals = props.entry(key.to_string()).or_default();
        if !vals.iter().any(|v| v == value) {
            vals.push(value.to_string());
        }
    };
    for n in &entity.names {
        let key = match n.kind {
            NameKind::Primary => "name",
            NameKind::Alias | NameKind::LocalScript | NameKind::Issuer => "alias",
            NameKind::WeakAlias => "weakAlias",
            NameKind::Former => "previousName",
        };
        add(key, &n.value);
    }
    for id in &entity.identifiers {
        let value = match (&id.kind, &id.market) {
            (IdKind::Ticker, Some(m)) => format!("{} {m}", id.value),
            _ => id.value.clone(),
        };
        add(id.kind.ftm_property(), &value);
    }
    for c in &entity.countries {
        add("country", c);
    }
    for d in &entity.birth_dates {
        add("birthDate", &d.to_string());
    }
    for p in &entity.birth_places {
        add("birthPlace", p);
    }
    for a in &entity.addresses {
        add("address", &a.full());
    }
    if let Some(r) = &entity.remarks {
        add("notes", r);
    }
    for d in &entity.designations {
        add("programId", &d.program);
    }
    for t in topics_of(entity.id.list()) {
        add("topics", t);
    }
    for (k, vals) in &entity.properties {
        // Only FtM properties: strict FtM clients reject unknown ones. The
        // rest stays in embargo's own entity (`/v1/entities/{id}`).
        let Some(key) = ftm_property(k) else { continue };
        for v in vals {
            add(key, v);
        }
    }
    let first_seen = entity
        .designations
        .iter()
        .filter_map(|d| d.listed_on)
        .min()
        .map(|d| d.to_string());
    FtmEntity {
        id: entity.id.to_string(),
        caption: entity.caption().to_string(),
        schema: entity.schema.as_str().to_string(),
        properties: props,
        datasets: datasets_of(entity),
        referents: Vec::new(),
        target: true,
        first_seen,
        last_seen,
        last_change: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embargo_model::{Designation, EntityId, Identifier, Schema};

    fn china_mobile() -> Entity {
        let mut e = Entity::new(
            EntityId::new("us_ofac_cons", "30923"),
            Schema::Company,
            "CHINA MOBILE LIMITED",
        );
        e.add_name("中国移动有限公司", NameKind::LocalScript);
        e.add_name("CHINA MOBILE LTD", NameKind::WeakAlias);
        e.identifiers
            .push(Identifier::new(IdKind::Isin, "US16941M1099"));
        e.identifiers.push(Identifier::ticker("941", Some("HK")));
        e.add_country("HK");
        e.remarks = Some("Effective Date (CMIC) 03 Aug 2021".into());
        e.designations
            .push(Designation::new("us_ofac_cons", NS_CMIC_PROGRAM));
        e
    }

    #[test]
    fn renders_ftm_properties() {
        let f = to_ftm(&china_mobile(), Some("2025-12-19".into()));
        assert_eq!(f.schema, "Company");
        assert_eq!(f.caption, "CHINA MOBILE LIMITED");
        assert_eq!(f.properties["name"], vec!["CHINA MOBILE LIMITED"]);
        assert_eq!(f.properties["alias"], vec!["中国移动有限公司"]);
        assert_eq!(f.properties["weakAlias"], vec!["CHINA MOBILE LTD"]);
        assert_eq!(f.properties["isinCode"], vec!["US16941M1099"]);
        assert_eq!(f.properties["ticker"], vec!["941 HK"]);
        assert_eq!(f.properties["country"], vec!["hk"]);
        assert_eq!(f.properties["programId"], vec![NS_CMIC_PROGRAM]);
        assert_eq!(f.properties["topics"], vec!["sanction"]);
        assert!(f.properties["notes"][0].contains("CMIC"));
        assert_eq!(f.datasets, vec!["us_ofac_cons", "us_ofac_ns_cmic"]);
        assert_eq!(f.last_seen.as_deref(), Some("2025-12-19"));
    }

    #[test]
    fn non_cmic_cons_entries_are_not_ns_cmic() {
        let mut e = china_mobile();
        e.designations = vec![Designation::new("us_ofac_cons", "SSI")];
        assert_eq!(datasets_of(&e), vec!["us_ofac_cons"]);
    }

    #[test]
    fn person_birth_date_and_extra_properties() {
        let mut e = Entity::new(
            EntityId::new("us_ofac_sdn", "1"),
            Schema::Person,
            "DOE, John",
        );
        e.birth_dates.push("1962-03-07".parse().unwrap());
        e.add_property("gender", "male");
        e.add_property("licensePolicy", "presumption of denial");
        e.add_property("sourceInformationUrl", "https://example.org/x");
        e.add_name("Johnny", NameKind::Former);
        let f = to_ftm(&e, None);
        assert_eq!(f.properties["birthDate"], vec!["1962-03-07"]);
        assert_eq!(f.properties["gender"], vec!["male"]);
        assert_eq!(f.properties["sourceUrl"], vec!["https://example.org/x"]);
        assert!(!f.properties.contains_key("licensePolicy"));
        assert_eq!(f.properties["previousName"], vec!["Johnny"]);
    }
}
