//! Field-level comparison of two statements of one entity.

use std::collections::BTreeSet;

use embargo_model::{Address, Designation, Entity, IdKind, Identifier, Name, Relation};

use crate::FieldChange;

/// The fields compared, in the order changes are reported.
pub const FIELDS: [&str; 11] = [
    "schema",
    "names",
    "identifiers",
    "programs",
    "remarks",
    "addresses",
    "countries",
    "birth_dates",
    "birth_places",
    "relations",
    "properties",
];

/// Compares two statements of an entity field by field, each field as a
/// set of readable values (see [`FieldChange`]). Returns only the fields
/// that differ; an empty result means the two are equal up to order and
/// duplicates.
pub fn compare_entities(old: &Entity, new: &Entity) -> Vec<FieldChange> {
    FIELDS
        .iter()
        .filter_map(|field| {
            let before = field_values(old, field);
            let after = field_values(new, field);
            if before == after {
                return None;
            }
            Some(FieldChange {
                field: (*field).to_string(),
                added: after.difference(&before).cloned().collect(),
                removed: before.difference(&after).cloned().collect(),
            })
        })
        .collect()
}

/// The programs of an entity's designations, deduplicated, in order.
pub(crate) fn programs(e: &Entity) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in &e.designations {
        if !out.contains(&d.program) {
            out.push(d.program.clone());
        }
    }
    out
}

fn field_values(e: &Entity, field: &str) -> BTreeSet<String> {
    match field {
        "schema" => BTreeSet::from([e.schema.to_string()]),
        "names" => e.names.iter().map(render_name).collect(),
        "identifiers" => e.identifiers.iter().map(render_identifier).collect(),
        "programs" => e.designations.iter().map(render_designation).collect(),
        "remarks" => e.remarks.iter().cloned().collect(),
        "addresses" => e.addresses.iter().map(render_address).collect(),
        "countries" => e.countries.iter().cloned().collect(),
        "birth_dates" => e.birth_dates.iter().map(|d| d.to_string()).collect(),
        "birth_places" => e.birth_places.iter().cloned().collect(),
        "relations" => e.relations.iter().map(render_relation).collect(),
        "properties" => e
            .properties
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| format!("{k}: {v}")))
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn render_name(n: &Name) -> String {
    match &n.note {
        Some(note) => format!("{} ({}; {note})", n.value, n.kind.as_str()),
        None => format!("{} ({})", n.value, n.kind.as_str()),
    }
}

fn render_identifier(id: &Identifier) -> String {
    let mut s = format!("{} {}", id.kind, id.value);
    if let (IdKind::Ticker, Some(m)) = (&id.kind, &id.market) {
        s.push(' ');
        s.push_str(m);
    }
    if let Some(c) = &id.country {
        s.push_str(&format!(" ({c})"));
    }
    if let Some(n) = &id.note {
        s.push_str(&format!(" [{n}]"));
    }
    s
}

fn render_designation(d: &Designation) -> String {
    let mut parts = Vec::new();
    if let Some(l) = d.listed_on {
        parts.push(format!("listed {l}"));
    }
    if let Some(t) = &d.effective {
        parts.push(format!("effective {t}"));
    }
    if let Some(t) = &d.divestment_until {
        parts.push(format!("divestment until {t}"));
    }
    if let Some(e) = d.ended_on {
        parts.push(format!("ended {e}"));
    }
    if let Some(r) = &d.end_reason {
        parts.push(format!("end reason: {r}"));
    }
    if let Some(s) = &d.source {
        parts.push(format!("source: {s}"));
    }
    let mut s = d.program.clone();
    if !parts.is_empty() {
        s.push_str(&format!(" ({})", parts.join(", ")));
    }
    s
}

fn render_address(a: &Address) -> String {
    let mut s = a.full();
    if let Some(n) = &a.note {
        s.push_str(&format!(" [{n}]"));
    }
    s
}

fn render_relation(r: &Relation) -> String {
    match &r.target_id {
        Some(id) => format!("{} {} ({id})", r.kind.as_str(), r.target_name),
        None => format!("{} {}", r.kind.as_str(), r.target_name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveTime};
    use embargo_model::{EntityId, NameKind, Schema, ZonedTime};

    fn base() -> Entity {
        let mut e = Entity::new(
            EntityId::new("us_ofac_cons", "30923"),
            Schema::Company,
            "CHINA MOBILE LIMITED",
        );
        e.identifiers
            .push(Identifier::new(IdKind::Isin, "US16941M1099"));
        e.identifiers.push(Identifier::ticker("941", Some("HK")));
        let mut d = Designation::new("us_ofac_cons", "CMIC-EO13959");
        d.listed_on = NaiveDate::from_ymd_opt(2021, 6, 3);
        d.effective = Some(ZonedTime::at(
            NaiveDate::from_ymd_opt(2021, 8, 2).unwrap(),
            NaiveTime::from_hms_opt(0, 1, 0).unwrap(),
            "EDT",
        ));
        e.designations.push(d);
        e.add_country("hk");
        e
    }

    #[test]
    fn equal_entities_have_no_changes() {
        let a = base();
        let mut b = base();
        b.countries.push("hk".into());
        b.identifiers.reverse();
        assert!(compare_entities(&a, &b).is_empty());
    }

    #[test]
    fn changes_are_rendered_readably() {
        let a = base();
        let mut b = base();
        b.add_name("CHINA MOBILE LTD", NameKind::Alias);
        b.identifiers.remove(0);
        b.designations[0].divestment_until = Some(ZonedTime::date(
            NaiveDate::from_ymd_opt(2022, 6, 3).unwrap(),
        ));
        b.remarks = Some("Target Type Public Company".into());
        b.add_property("targetType", "Public Company");
        b.schema = Schema::Organization;

        let ch = compare_entities(&a, &b);
        let fields: Vec<&str> = ch.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "schema",
                "names",
                "identifiers",
                "programs",
                "remarks",
                "properties"
            ]
        );
        assert_eq!(ch[0].added, ["Organization"]);
        assert_eq!(ch[0].removed, ["Company"]);
        assert_eq!(ch[1].added, ["CHINA MOBILE LTD (alias)"]);
        assert!(ch[1].removed.is_empty());
        assert_eq!(ch[2].removed, ["isin US16941M1099"]);
        assert_eq!(
            ch[3].removed,
            ["CMIC-EO13959 (listed 2021-06-03, effective 2021-08-02 00:01 EDT)"]
        );
        assert_eq!(
            ch[3].added,
            ["CMIC-EO13959 (listed 2021-06-03, effective 2021-08-02 00:01 EDT, divestment until 2022-06-03)"]
        );
        assert_eq!(ch[4].added, ["Target Type Public Company"]);
        assert_eq!(ch[5].added, ["targetType: Public Company"]);
    }

    #[test]
    fn ticker_keeps_its_market() {
        assert_eq!(
            render_identifier(&Identifier::ticker("941", Some("hk"))),
            "ticker 941 HK"
        );
        let rel = Relation {
            kind: embargo_model::RelationKind::LinkedTo,
            target_name: "ACME".into(),
            target_id: Some(EntityId::new("us_ofac_sdn", "1")),
        };
        assert_eq!(render_relation(&rel), "linked_to ACME (us_ofac_sdn:1)");
    }
}
