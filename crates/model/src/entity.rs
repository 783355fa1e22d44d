use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Designation, IdKind, Identifier, PartialDate};

/// A stable identifier of an entity within its source, written
/// `<list>:<key>`, e.g. `us_ofac_sdn:306`, `us_ofac_cons:30923`,
/// `us_dod_1260h:xiaomi-corporation`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntityId(pub String);

impl EntityId {
    /// Builds `<list>:<key>`.
    pub fn new(list: &str, key: &str) -> Self {
        EntityId(format!("{list}:{key}"))
    }

    /// The list part (before the first `:`).
    pub fn list(&self) -> &str {
        self.0.split_once(':').map(|(l, _)| l).unwrap_or(&self.0)
    }

    /// The key part (after the first `:`).
    pub fn key(&self) -> &str {
        self.0.split_once(':').map(|(_, k)| k).unwrap_or("")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of party, named after the FollowTheMoney schemata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Schema {
    Person,
    Company,
    Organization,
    /// A party whose kind the source does not say (FtM `LegalEntity`).
    LegalEntity,
    Vessel,
    Airplane,
    Security,
}

impl Schema {
    pub const ALL: [Schema; 7] = [
        Schema::Person,
        Schema::Company,
        Schema::Organization,
        Schema::LegalEntity,
        Schema::Vessel,
        Schema::Airplane,
        Schema::Security,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Schema::Person => "Person",
            Schema::Company => "Company",
            Schema::Organization => "Organization",
            Schema::LegalEntity => "LegalEntity",
            Schema::Vessel => "Vessel",
            Schema::Airplane => "Airplane",
            Schema::Security => "Security",
        }
    }

    /// Parses a schema name, case-insensitively; accepts a few synonyms
    /// (`Entity`, `Organisation`, `Aircraft`, `Individual`).
    pub fn parse(s: &str) -> Option<Schema> {
        let l = s.trim().to_ascii_lowercase();
        Some(match l.as_str() {
            "person" | "individual" => Schema::Person,
            "company" => Schema::Company,
            "organization" | "organisation" => Schema::Organization,
            "legalentity" | "legal_entity" | "entity" | "thing" => Schema::LegalEntity,
            "vessel" => Schema::Vessel,
            "airplane" | "aircraft" => Schema::Airplane,
            "security" => Schema::Security,
            _ => return None,
        })
    }

    /// True for the schemata that denote an organisation of some sort
    /// (a query for a `Company` may meet a listed `Organization`).
    pub fn is_organization(self) -> bool {
        matches!(
            self,
            Schema::Company | Schema::Organization | Schema::LegalEntity
        )
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of name a [`Name`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// The name the list is ordered by.
    Primary,
    /// A strong alias (`aka` in OFAC files).
    Alias,
    /// A weak alias (OFAC remarks `a.k.a. '…'`, low quality).
    WeakAlias,
    /// A former name (`fka`).
    Former,
    /// A name in its local script (e.g. Chinese characters).
    LocalScript,
    /// A name under which the entity's securities are issued
    /// (OFAC `Issuer Name` / `alt. Issuer Name`).
    Issuer,
}

impl NameKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::Primary => "primary",
            NameKind::Alias => "alias",
            NameKind::WeakAlias => "weak_alias",
            NameKind::Former => "former",
            NameKind::LocalScript => "local_script",
            NameKind::Issuer => "issuer",
        }
    }

    pub fn parse(s: &str) -> Option<NameKind> {
        Some(match s {
            "primary" => NameKind::Primary,
            "alias" => NameKind::Alias,
            "weak_alias" => NameKind::WeakAlias,
            "former" => NameKind::Former,
            "local_script" => NameKind::LocalScript,
            "issuer" => NameKind::Issuer,
            _ => return None,
        })
    }
}

/// One name of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Name {
    pub value: String,
    pub kind: NameKind,
    /// A free-text qualifier from the source (e.g. OFAC's alt remarks), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Name {
    pub fn new(value: impl Into<String>, kind: NameKind) -> Self {
        Name {
            value: value.into(),
            kind,
            note: None,
        }
    }
}

/// A postal address, as far as the source gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City, state or province and postal code, as one line (OFAC's layout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The country as the source writes it ("China").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2, lower case, where it could be resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Address {
    /// The address as one line, parts joined by ", ".
    pub fn full(&self) -> String {
        [&self.street, &self.city, &self.country]
            .iter()
            .filter_map(|p| p.as_deref())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How two parties are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// OFAC `Linked To: X`.
    LinkedTo,
    /// This entity issues the securities of the target (or the target is a security).
    IssuerOf,
    /// This entity owns or controls the target.
    ParentOf,
    /// This entity is owned or controlled by the target.
    SubsidiaryOf,
}

impl RelationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::LinkedTo => "linked_to",
            RelationKind::IssuerOf => "issuer_of",
            RelationKind::ParentOf => "parent_of",
            RelationKind::SubsidiaryOf => "subsidiary_of",
        }
    }
}

/// A relation to another party, named as the source names it; `target_id`
/// is filled where the target could be resolved to a listed entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Relation {
    pub kind: RelationKind,
    pub target_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<EntityId>,
}

/// A listed party as one list version states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: EntityId,
    pub schema: Schema,
    /// All names; exactly one should be [`NameKind::Primary`].
    pub names: Vec<Name>,
    #[serde(default)]
    pub identifiers: Vec<Identifier>,
    #[serde(default)]
    pub addresses: Vec<Address>,
    /// ISO 3166-1 alpha-2 codes, lower case (nationality, citizenship,
    /// jurisdiction, address countries).
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub birth_dates: Vec<PartialDate>,
    #[serde(default)]
    pub birth_places: Vec<String>,
    #[serde(default)]
    pub relations: Vec<Relation>,
    #[serde(default)]
    pub designations: Vec<Designation>,
    /// The source's remarks, verbatim (OFAC remarks joined with their
    /// `*_comments` overflow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    /// Further facts keyed by FtM-style property names (`title`, `gender`,
    /// `callSign`, `vesselType`, `targetType`, …).
    #[serde(default)]
    pub properties: BTreeMap<String, Vec<String>>,
}

impl Entity {
    /// A new entity with one primary name and nothing else.
    pub fn new(id: EntityId, schema: Schema, primary_name: impl Into<String>) -> Self {
        Entity {
            id,
            schema,
            names: vec![Name::new(primary_name, NameKind::Primary)],
            identifiers: Vec::new(),
            addresses: Vec::new(),
            countries: Vec::new(),
            birth_dates: Vec::new(),
            birth_places: Vec::new(),
            relations: Vec::new(),
            designations: Vec::new(),
            remarks: None,
            properties: BTreeMap::new(),
        }
    }

    /// The primary name (or the first name if none is marked primary).
    pub fn caption(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.kind == NameKind::Primary)
            .or_else(|| self.names.first())
            .map(|n| n.value.as_str())
            .unwrap_or("")
    }

    /// Identifiers of one kind.
    pub fn ids_of<'a>(&'a self, kind: &'a IdKind) -> impl Iterator<Item = &'a Identifier> + 'a {
        self.identifiers.iter().filter(move |i| &i.kind == kind)
    }

    /// Adds a property value (FtM style), skipping exact duplicates.
    pub fn add_property(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        let vals = self.properties.entry(key.to_string()).or_default();
        if !vals.contains(&value) {
            vals.push(value);
        }
    }

    /// Adds a name unless the same value with the same kind is already there.
    pub fn add_name(&mut self, value: impl Into<String>, kind: NameKind) {
        let value = value.into();
        if value.trim().is_empty() {
            return;
        }
        if !self
            .names
            .iter()
            .any(|n| n.value == value && n.kind == kind)
        {
            self.names.push(Name::new(value, kind));
        }
    }

    /// Adds a country code (lower-cased) unless present.
    pub fn add_country(&mut self, code: &str) {
        let c = code.trim().to_ascii_lowercase();
        if !c.is_empty() && !self.countries.contains(&c) {
            self.countries.push(c);
        }
    }
}
