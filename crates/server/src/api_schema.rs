//! OpenAPI schemas of the API's closed sets (dataset and list names, FtM
//! schemata, algorithms, topics, trade sides, roles, report formats) and
//! of the strings with a fixed syntax (instants, partial dates, version
//! selectors, entity ids).
//!
//! Each type here only describes a value in the OpenAPI document; the
//! enumerations are built from the same constants the handlers validate
//! against, so the document cannot drift from the code.

use std::borrow::Cow;

use serde_json::{json, Value};
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::yente::{ALGORITHMS, DATASETS};

/// The FtM topics the lists map to (see [`crate::ftm::topics_of`]).
pub const TOPICS: &[&str] = &["sanction", "mil", "export.control", "debarment"];

/// The roles of API keys, least powerful first.
pub const ROLES: &[&str] = &["read", "screen", "admin"];

/// The formats of a portfolio report.
pub const REPORT_FORMATS: &[&str] = &["json", "csv", "html"];

/// An instant as the law engine reads it: RFC 3339 with an offset, a New
/// York local time (`YYYY-MM-DD HH:MM[:SS]`, `T` or a space between date
/// and time) or a date. Days stop at 28 so every generated value is a real
/// date; the server takes any valid date, and a trailing IANA zone name.
pub const INSTANT_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])\
((T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]))\
|([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?))?$";

/// A partial date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
pub const PARTIAL_DATE_PATTERN: &str = "^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|1[0-9]|2[0-8]))?)?$";

/// A version selector: `latest`, a sequence number (`3`, `v3`), a version
/// id (`id:12`) or a date (the version in force then).
pub const VERSION_SELECTOR_PATTERN: &str =
    "^(latest|[vV]?[0-9]{1,9}|id:[0-9]{1,18}|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8]))$";

/// An entity id: the list key, a colon, the id within the list.
pub const ENTITY_ID_PATTERN: &str = "^[a-z0-9_]+:[^\\s/]+$";

/// A text that is not blank.
pub const NOT_BLANK: &str = "\\S";

fn string_enum(description: &str, values: &[&str], example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values.iter().copied()))
        .examples([json!(example)])
        .into()
}

fn string_pattern(description: &str, pattern: &str, examples: &[&str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
        .examples(examples.iter().map(|e| json!(e)))
        .into()
}

macro_rules! schema_type {
    ($(#[$doc:meta])* $name:ident, $body:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $body
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

schema_type!(
    /// A dataset of the yente-compatible API.
    DatasetName,
    string_enum(
        "A dataset: one list, the NS-CMIC view of the OFAC non-SDN list \
         (`us_ofac_ns_cmic`), or `default` for every list.",
        DATASETS,
        "default",
    )
);

schema_type!(
    /// A source list key.
    ListName,
    string_enum(
        "A source list.",
        embargo_engine::SOURCE_LISTS,
        "us_ofac_cons",
    )
);

schema_type!(
    /// A FollowTheMoney schema.
    FtmSchemaName,
    {
        let names: Vec<&str> = embargo_model::Schema::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        string_enum("A FollowTheMoney schema.", &names, "Company")
    }
);

schema_type!(
    /// A matching algorithm name.
    AlgorithmName,
    string_enum(
        "A matching algorithm; every name runs embargo's matcher.",
        ALGORITHMS,
        "embargo-v1",
    )
);

schema_type!(
    /// An FtM topic.
    TopicName,
    string_enum("An FtM topic derived from the list.", TOPICS, "sanction")
);

schema_type!(
    /// A trade side.
    TradeSide,
    {
        let sides: Vec<&str> = embargo_law::Side::ALL.iter().map(|s| s.as_str()).collect();
        string_enum("The side of the trade.", &sides, "buy")
    }
);

schema_type!(
    /// An API key role.
    RoleName,
    string_enum(
        "What a key may do: `read` (lists, entities, search) ⊂ `screen` (also \
         matching, screening, trades, portfolios, receipts) ⊂ `admin` (also updates, \
         keys, the audit log).",
        ROLES,
        "screen",
    )
);

schema_type!(
    /// A portfolio report format.
    ReportFormat,
    string_enum("The report's format.", REPORT_FORMATS, "json")
);

schema_type!(
    /// An instant.
    Instant,
    string_pattern(
        "An instant: RFC 3339 with an offset (`2021-03-16T10:00:00-04:00`), a New York \
         local time (`2021-03-16 10:00`), a local time with an IANA zone \
         (`2021-03-16 10:00 Asia/Shanghai`, not matched by the pattern) or a date (read \
         as its last second in New York).",
        INSTANT_PATTERN,
        &["2021-03-16T10:00:00-04:00", "2021-03-16 10:00", "2022-07-01"],
    )
);

schema_type!(
    /// A partial date.
    PartialDateText,
    string_pattern(
        "A date, possibly partial: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.",
        PARTIAL_DATE_PATTERN,
        &["1984-01-08", "1962"],
    )
);

schema_type!(
    /// A version selector.
    VersionSelector,
    string_pattern(
        "A version: `latest`, a sequence number (`3` or `v3`), a version id (`id:12`) \
         or a date (the version in force on that date).",
        VERSION_SELECTOR_PATTERN,
        &["v1", "3", "latest"],
    )
);

schema_type!(
    /// An entity id.
    EntityIdText,
    string_pattern(
        "An entity id: the list key, a colon and the entity's id within the list.",
        ENTITY_ID_PATTERN,
        &["us_ofac_cons:30923", "us_ofac_sdn:20157"],
    )
);

/// A schema object for a non-blank string of at most `max` characters.
pub fn non_blank(description: &str, max: usize, example: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(NOT_BLANK))
        .min_length(Some(1))
        .max_length(Some(max))
        .examples([Value::from(example)])
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_of<T: PartialSchema>() -> Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    #[test]
    fn enums_come_from_the_constants_the_handlers_use() {
        assert_eq!(json_of::<DatasetName>()["enum"], json!(DATASETS));
        assert_eq!(
            json_of::<ListName>()["enum"],
            json!(embargo_engine::SOURCE_LISTS)
        );
        assert_eq!(json_of::<AlgorithmName>()["enum"], json!(ALGORITHMS));
        assert_eq!(
            json_of::<FtmSchemaName>()["enum"].as_array().unwrap().len(),
            7
        );
        assert_eq!(
            json_of::<TradeSide>()["enum"],
            json!(["buy", "sell", "hold"])
        );
        for r in ROLES {
            assert!(r.parse::<embargo_audit::Role>().is_ok(), "{r}");
        }
        for t in TOPICS {
            assert!(
                embargo_engine::SOURCE_LISTS
                    .iter()
                    .any(|l| crate::ftm::topics_of(l).contains(t)),
                "{t}"
            );
        }
    }

    #[test]
    fn pattern_examples_are_accepted_by_the_server() {
        for at in [
            "2021-03-16T10:00:00-04:00",
            "2021-03-16 10:00",
            "2022-07-01",
        ] {
            assert!(embargo_law::parse_instant(at).is_ok(), "{at}");
        }
        for d in ["1984-01-08", "1962", "1999-12"] {
            assert!(d.parse::<embargo_model::PartialDate>().is_ok(), "{d}");
        }
        for v in ["v1", "3", "latest", "id:4", "2024-02-28"] {
            assert!(v.parse::<embargo_store::VersionSel>().is_ok(), "{v}");
        }
    }
}
