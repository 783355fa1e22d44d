//! End to end: keys, a screening against a real list file, its audit record
//! and receipt, and offline verification of the exported log and receipt.

use std::fs;
use std::io::BufReader;

use chrono::{Duration, TimeZone, Utc};
use embargo_audit::{
    authenticate, export_csv, export_jsonl, generate_key, next_record, parse_presented,
    sign_receipt, verify, verify_csv, verify_jsonl, AuditRecord, ExportError, ListVersionRef,
    Outcome, Receipt, ReceiptError, ReceiptHit, Role, SignedReceipt, SigningKeyPair, VerifyError,
};
use serde_json::json;
use sha2::{Digest, Sha256};

const CONS_PRIM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/ofac/cons_2025-12/cons_prim.csv"
);

/// First NS-CMIC row of the real consolidated list: (ent_num, name).
fn first_cmic_entry() -> (String, String) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(CONS_PRIM)
        .unwrap();
    for row in reader.byte_records() {
        let row = row.unwrap();
        let field = |i: usize| String::from_utf8_lossy(&row[i]).trim().to_owned();
        if row.len() > 3 && field(3).contains("CMIC") {
            return (field(0), field(1));
        }
    }
    panic!("no CMIC entry in {CONS_PRIM}");
}

#[test]
fn screening_is_audited_receipted_and_verifiable_offline() {
    let dir = std::env::temp_dir().join(format!("embargo-audit-flow-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    let installation = SigningKeyPair::generate();

    // An administrator creates a screening key; the log records it without the secret.
    let (new_key, stored) = generate_key("trading-desk", Role::Screen);
    let mut log: Vec<AuditRecord> = vec![next_record(
        None,
        t0,
        "cli",
        "key_created",
        json!({"id": stored.id, "name": stored.name, "role": stored.role}),
    )];

    // The desk presents its key and screens a name.
    let presented = parse_presented(&format!("  {}", new_key.secret)).unwrap();
    assert_eq!(
        authenticate(&presented, &stored, Role::Screen),
        Ok(Role::Screen)
    );

    let file = fs::read(CONS_PRIM).unwrap();
    let (ent_num, name) = first_cmic_entry();
    let hit = ReceiptHit {
        entity_id: format!("ofac-{ent_num}"),
        caption: name.clone(),
        score: 0.97,
        list: "us_ofac_ns_cmic".into(),
    };
    let query = json!({"name": name.to_lowercase(), "schema": "Company"});
    log.push(next_record(
        log.last(),
        t0 + Duration::minutes(5),
        stored.name.clone(),
        "screen",
        json!({"query": query, "threshold": 0.7, "hits": [hit.entity_id]}),
    ));
    let receipt = Receipt {
        version: 1,
        issued_at: t0 + Duration::minutes(5),
        installation: String::new(),
        query,
        as_of: "2026-11-25".into(),
        lists: vec![ListVersionRef {
            list: "us_ofac_cons".into(),
            version_seq: 1,
            sha256: hex::encode(Sha256::digest(&file)),
            published: Some("2025-12".into()),
        }],
        threshold: 0.7,
        outcome: Outcome::Matches,
        hits: vec![hit],
        audit_seq: log.last().map(|r| r.seq),
    };
    let signed = sign_receipt(receipt, &installation).unwrap();
    let receipt_path = dir.join("receipt.json");
    fs::write(&receipt_path, signed.to_json_pretty()).unwrap();
    log.push(next_record(
        log.last(),
        t0 + Duration::minutes(6),
        "cli",
        "review",
        json!({"audit_seq": 2, "decision": "true_positive", "note": "blocked"}),
    ));

    let report = verify(log.clone()).unwrap();
    assert_eq!(report.count, 3);

    // The regulator receives the exports and the receipt, and checks them offline.
    let jsonl_path = dir.join("audit.jsonl");
    export_jsonl(&log, fs::File::create(&jsonl_path).unwrap()).unwrap();
    let csv_path = dir.join("audit.csv");
    export_csv(&log, fs::File::create(&csv_path).unwrap()).unwrap();
    let exported = fs::read_to_string(&jsonl_path).unwrap();
    assert!(!exported.contains(&new_key.secret));
    assert!(exported.contains(&stored.id));

    let offline = verify_jsonl(BufReader::new(fs::File::open(&jsonl_path).unwrap())).unwrap();
    assert_eq!(offline, report);
    let offline = verify_csv(fs::File::open(&csv_path).unwrap()).unwrap();
    assert_eq!(offline, report);

    let text = fs::read_to_string(&receipt_path).unwrap();
    let back = SignedReceipt::from_json(&text, Some(&installation.public_hex())).unwrap();
    assert_eq!(back, signed);
    assert_eq!(back.receipt.audit_seq, Some(2));

    // Quietly turning the match into a clean result is caught everywhere.
    let doctored = exported.replace("true_positive", "false_positive");
    let err = verify_jsonl(doctored.as_bytes()).unwrap_err();
    assert!(
        matches!(
            err,
            ExportError::Chain(VerifyError::HashMismatch { seq: 3, .. })
        ),
        "{err}"
    );
    let doctored = text.replace("\"matches\"", "\"no_match\"");
    assert_eq!(
        SignedReceipt::from_json(&doctored, Some(&installation.public_hex())),
        Err(ReceiptError::BadSignature)
    );

    fs::remove_dir_all(&dir).unwrap();
}
