//! Content hashing and dataset validation.

use std::collections::HashSet;

use embargo_model::{Dataset, Entity, RawFile};
use sha2::{Digest, Sha256};

use crate::StoreError;

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The canonical JSON of an entity: its serde serialisation (struct
/// fields in declaration order, property maps sorted by key, lists in
/// source order).
pub fn entity_json(entity: &Entity) -> Result<String, StoreError> {
    serde_json::to_string(entity).map_err(|source| StoreError::Serialize {
        what: format!("entity '{}'", entity.id),
        source,
    })
}

/// The content hash of an entity: SHA-256 of its [canonical JSON](entity_json).
/// Equal hashes mean equal content; this is the key of the stored blob.
pub fn entity_hash(entity: &Entity) -> Result<String, StoreError> {
    entity_json(entity).map(|j| sha256_hex(j.as_bytes()))
}

/// (name, sha256, size) of each raw file, in the given order.
pub fn file_digests(files: &[RawFile]) -> Vec<(String, String, u64)> {
    files
        .iter()
        .map(|f| (f.name.clone(), sha256_hex(&f.bytes), f.bytes.len() as u64))
        .collect()
}

/// The content hash of a list version from its files' digests.
///
/// Each file is hashed on its own; the pairs (base name, file hash) are
/// sorted and the hash is SHA-256 over the lines `"{name}\t{hash}\n"`.
/// The base name is the last path component, so the same files imported
/// from another directory give the same hash, while a renamed or
/// reordered file set does not matter either way.
pub fn content_sha256(files: &[(String, String, u64)]) -> String {
    let mut pairs: Vec<(&str, &str)> = files
        .iter()
        .map(|(name, hash, _)| (base_name(name), hash.as_str()))
        .collect();
    pairs.sort_unstable();
    let mut h = Sha256::new();
    for (name, hash) in pairs {
        h.update(name.as_bytes());
        h.update(b"\t");
        h.update(hash.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// The content hash of a dataset imported without raw files: SHA-256
/// over the lines `"entity\t{id}\t{entity hash}\n"` sorted by id, then
/// `"event\t{event json}\n"` in order.
pub(crate) fn dataset_sha256<'a>(
    entities: impl Iterator<Item = (&'a str, &'a str)>,
    events_json: &[String],
) -> String {
    let mut pairs: Vec<(&str, &str)> = entities.collect();
    pairs.sort_unstable();
    let mut h = Sha256::new();
    for (id, hash) in pairs {
        h.update(b"entity\t");
        h.update(id.as_bytes());
        h.update(b"\t");
        h.update(hash.as_bytes());
        h.update(b"\n");
    }
    for json in events_json {
        h.update(b"event\t");
        h.update(json.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Checks a dataset before anything is written: a list key, entity ids
/// present and unique, every entity with at least one name and no empty
/// name, event ids unique.
pub fn validate_dataset(dataset: &Dataset) -> Result<(), StoreError> {
    let invalid = |entity: Option<&Entity>, reason: String| StoreError::InvalidDataset {
        list: dataset.list.clone(),
        entity: entity.map(|e| e.id.clone()),
        reason,
    };
    if dataset.list.trim().is_empty() {
        return Err(invalid(None, "the list key is empty".into()));
    }
    let mut seen = HashSet::with_capacity(dataset.entities.len());
    for (i, e) in dataset.entities.iter().enumerate() {
        if e.id.as_str().trim().is_empty() {
            return Err(invalid(
                Some(e),
                format!("entity #{} ('{}') has an empty id", i + 1, e.caption()),
            ));
        }
        if !seen.insert(e.id.as_str()) {
            return Err(invalid(Some(e), format!("duplicate entity id '{}'", e.id)));
        }
        if e.names.is_empty() {
            return Err(invalid(Some(e), format!("entity '{}' has no name", e.id)));
        }
        if let Some(j) = e.names.iter().position(|n| n.value.trim().is_empty()) {
            return Err(invalid(
                Some(e),
                format!("entity '{}' has an empty name (name #{})", e.id, j + 1),
            ));
        }
    }
    let mut events = HashSet::with_capacity(dataset.events.len());
    for ev in &dataset.events {
        if !events.insert(ev.id.as_str()) {
            return Err(invalid(None, format!("duplicate event id '{}'", ev.id)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use embargo_model::{EntityId, Name, NameKind, Schema};

    fn ent(key: &str, name: &str) -> Entity {
        Entity::new(EntityId::new("l", key), Schema::Company, name)
    }

    #[test]
    fn content_hash_ignores_directories_and_order() {
        let a = file_digests(&[
            RawFile::new("/x/sdn.csv", "1"),
            RawFile::new("/x/alt.csv", "2"),
        ]);
        let b = file_digests(&[RawFile::new("alt.csv", "2"), RawFile::new("y/sdn.csv", "1")]);
        assert_eq!(content_sha256(&a), content_sha256(&b));
        let c = file_digests(&[RawFile::new("sdn.csv", "1"), RawFile::new("alt.csv", "3")]);
        assert_ne!(content_sha256(&a), content_sha256(&c));
        assert_eq!(a[0].2, 1);
        assert_eq!(a[0].1, sha256_hex(b"1"));
    }

    #[test]
    fn entity_hash_follows_content() {
        let a = ent("1", "ACME");
        let mut b = a.clone();
        assert_eq!(entity_hash(&a).unwrap(), entity_hash(&b).unwrap());
        b.add_country("cn");
        assert_ne!(entity_hash(&a).unwrap(), entity_hash(&b).unwrap());
    }

    #[test]
    fn validation_names_the_entity() {
        let mut ds = Dataset::new("l");
        ds.entities = vec![ent("1", "A"), ent("2", "B"), ent("1", "C")];
        let e = validate_dataset(&ds).unwrap_err();
        assert!(e.to_string().contains("duplicate entity id 'l:1'"), "{e}");

        ds.entities = vec![ent("1", "A"), ent("2", " ")];
        let e = validate_dataset(&ds).unwrap_err();
        assert!(e.to_string().contains("'l:2' has an empty name"), "{e}");
        assert!(
            matches!(e, StoreError::InvalidDataset { entity: Some(ref id), .. } if id.as_str() == "l:2")
        );

        let mut nameless = ent("3", "X");
        nameless.names.clear();
        ds.entities = vec![nameless];
        assert!(validate_dataset(&ds)
            .unwrap_err()
            .to_string()
            .contains("no name"));

        let mut aliased = ent("4", "Y");
        aliased.names.push(Name::new("", NameKind::Alias));
        ds.entities = vec![aliased];
        assert!(validate_dataset(&ds).is_err());

        ds.entities = vec![ent("1", "A")];
        assert!(validate_dataset(&ds).is_ok());
        ds.list = String::new();
        assert!(validate_dataset(&ds).is_err());
    }
}
