//! Listed records and queries.

use embargo_model::{Entity, IdKind, NameKind, PartialDate, Schema};
use serde::{Deserialize, Serialize};

/// A listed party as the matcher indexes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The entity id (`us_ofac_sdn:306`).
    pub id: String,
    /// The list it comes from (`us_ofac_sdn`).
    pub list: String,
    pub schema: Schema,
    pub names: Vec<(String, NameKind)>,
    /// Identifiers in their normalised form (a ticker as `941 HK`).
    pub identifiers: Vec<(IdKind, String)>,
    /// ISO 3166-1 alpha-2 codes, lower case.
    pub countries: Vec<String>,
    pub birth_dates: Vec<PartialDate>,
}

impl Record {
    /// A record with one primary name and nothing else.
    pub fn new(
        id: impl Into<String>,
        list: impl Into<String>,
        schema: Schema,
        name: impl Into<String>,
    ) -> Record {
        Record {
            id: id.into(),
            list: list.into(),
            schema,
            names: vec![(name.into(), NameKind::Primary)],
            identifiers: Vec::new(),
            countries: Vec::new(),
            birth_dates: Vec::new(),
        }
    }

    /// The record of an entity: all its names, identifiers (normalised),
    /// countries and birth dates.
    pub fn from_entity(e: &Entity) -> Record {
        Record {
            id: e.id.0.clone(),
            list: e.id.list().to_string(),
            schema: e.schema,
            names: e.names.iter().map(|n| (n.value.clone(), n.kind)).collect(),
            identifiers: e
                .identifiers
                .iter()
                .map(|i| (i.kind.clone(), i.normalized()))
                .collect(),
            countries: e.countries.clone(),
            birth_dates: e.birth_dates.clone(),
        }
    }

    /// The primary name (or the first name).
    pub fn caption(&self) -> &str {
        self.names
            .iter()
            .find(|(_, k)| *k == NameKind::Primary)
            .or_else(|| self.names.first())
            .map(|(n, _)| n.as_str())
            .unwrap_or("")
    }
}

/// What a user screens.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// The kind of party; `None` meets every schema.
    #[serde(default)]
    pub schema: Option<Schema>,
    #[serde(default)]
    pub names: Vec<String>,
    /// Country codes or names.
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub birth_dates: Vec<PartialDate>,
    #[serde(default)]
    pub identifiers: Vec<(IdKind, String)>,
}

impl Query {
    /// A query for one name.
    pub fn name(schema: Schema, name: impl Into<String>) -> Query {
        Query {
            schema: Some(schema),
            names: vec![name.into()],
            ..Query::default()
        }
    }
}
