//! The domain model of embargo.
//!
//! Everything a list says about a party is expressed with the types here:
//! an [`Entity`] (a person, company, vessel, security…) with its [`Name`]s,
//! typed [`Identifier`]s, addresses, dates of birth, [`Relation`]s and the
//! [`Designation`]s that put it on a list; and the dated [`LifecycleEvent`]s
//! (injunctions, vacatur, re-listings, general licences…) that change what a
//! designation means in law.
//!
//! This crate does no I/O. Parsers (`embargo-sources`) produce these values,
//! the store persists them, the matcher indexes them and the law engine
//! reasons over them.

mod dataset;
mod date;
mod designation;
mod entity;
mod event;
pub mod ident;
mod list;

pub use dataset::{Dataset, RawFile};
pub use date::{DatePrecision, PartialDate, PartialDateError, ZonedTime};
pub use designation::Designation;
pub use entity::{Address, Entity, EntityId, Name, NameKind, Relation, RelationKind, Schema};
pub use event::{EventKind, LifecycleEvent};
pub use ident::{IdKind, Identifier};
pub use list::{ListId, KNOWN_LISTS};
