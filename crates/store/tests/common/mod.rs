//! Synthetic datasets shaped like OFAC lists.

use chrono::NaiveDate;
use embargo_model::{
    Address, Dataset, Designation, Entity, EntityId, IdKind, Identifier, NameKind, Schema,
};

/// `n` synthetic entities of `list`: names, aliases, identifiers, an
/// address, a designation and remarks, about the size of an SDN entry.
pub fn synthetic(list: &str, n: usize, salt: &str) -> Dataset {
    let mut ds = Dataset::new(list);
    ds.published = NaiveDate::from_ymd_opt(2025, 12, 19);
    for i in 0..n {
        let person = i % 3 == 0;
        let schema = if person {
            Schema::Person
        } else {
            Schema::Company
        };
        let name = if person {
            format!("SURNAME{i}, Given Middle{}", i % 97)
        } else {
            format!("TRADING COMPANY NUMBER {i} LIMITED")
        };
        let mut e = Entity::new(EntityId::new(list, &i.to_string()), schema, name);
        for a in 0..3 {
            e.add_name(format!("ALIAS {a} OF ENTRY {i} {salt}"), NameKind::Alias);
        }
        e.add_name(format!("FORMER NAME {i}"), NameKind::Former);
        e.identifiers
            .push(Identifier::new(IdKind::Registration, format!("REG-{i:08}")));
        e.identifiers
            .push(Identifier::new(IdKind::Passport, format!("P{i:09}")));
        e.addresses.push(Address {
            street: Some(format!("{} Industrial Road", i % 500)),
            city: Some("Shenzhen, Guangdong 518000".into()),
            country: Some("China".into()),
            country_code: Some("cn".into()),
            note: None,
        });
        e.add_country("cn");
        let mut d = Designation::new(list, if i % 2 == 0 { "SDGT" } else { "IRAN" });
        d.listed_on = NaiveDate::from_ymd_opt(2019, 1 + (i % 12) as u32, 1);
        e.designations.push(d);
        e.remarks = Some(format!(
            "a.k.a. 'ALIAS {i}'; Linked To: TRADING COMPANY NUMBER {} LIMITED; \
             Registration Number REG-{i:08} (China); Website www.example{i}.com.",
            i + 1
        ));
        e.add_property("title", "Director");
        ds.entities.push(e);
    }
    ds
}
