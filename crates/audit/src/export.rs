//! Exporting the audit log in the forms a regulator receives, and verifying
//! those files offline.
//!
//! * JSON Lines: one [`AuditRecord`] per line, fields in column order
//!   (`seq, at, actor, kind, payload, prev_hash, hash`), the payload as a
//!   nested JSON value in canonical form.
//! * CSV: a header row `seq,at,actor,kind,payload,prev_hash,hash`, the payload
//!   as a canonical JSON string.
//!
//! Both carry everything needed to recompute every hash (see
//! [`chain`](crate::chain) for the formula), so [`verify_jsonl`] and
//! [`verify_csv`] check an export without access to the installation.

use std::borrow::Borrow;
use std::io::{BufRead, Read, Write};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::canonical::canonical_json;
use crate::chain::{format_at, AuditRecord, Verifier, VerifyError, VerifyReport};

/// CSV column names, in order.
pub const CSV_HEADER: [&str; 7] = ["seq", "at", "actor", "kind", "payload", "prev_hash", "hash"];

/// Errors while writing or reading an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A CSV file could not be read or written.
    #[error("CSV error: {0}")]
    Csv(#[from] csv::Error),
    /// A line or row does not describe an audit record.
    #[error("line {line}: {message}")]
    Malformed {
        /// 1-based line (JSONL) or row (CSV, header is row 1) number.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// The records were read, but the chain does not verify.
    #[error("chain broken: {0}")]
    Chain(#[from] VerifyError),
}

/// Writes records as JSON Lines.
pub fn export_jsonl<I, W>(records: I, mut writer: W) -> Result<(), ExportError>
where
    I: IntoIterator,
    I::Item: Borrow<AuditRecord>,
    W: Write,
{
    for record in records {
        let r = record.borrow();
        // Written by hand so that the payload is in canonical form and the
        // fields are in column order whatever serde_json's map features.
        let mut line = String::with_capacity(256);
        line.push_str("{\"seq\":");
        line.push_str(&r.seq.to_string());
        for (name, value) in [
            ("at", Value::from(format_at(&r.at))),
            ("actor", Value::from(r.actor.as_str())),
            ("kind", Value::from(r.kind.as_str())),
        ] {
            push_member(&mut line, name, &value);
        }
        line.push_str(",\"payload\":");
        line.push_str(&canonical_json(&r.payload));
        push_member(&mut line, "prev_hash", &Value::from(r.prev_hash.as_str()));
        push_member(&mut line, "hash", &Value::from(r.hash.as_str()));
        line.push_str("}\n");
        writer.write_all(line.as_bytes())?;
    }
    writer.flush()?;
    Ok(())
}

fn push_member(out: &mut String, name: &str, value: &Value) {
    out.push_str(",\"");
    out.push_str(name);
    out.push_str("\":");
    out.push_str(&canonical_json(value));
}

/// Writes records as CSV with a [`CSV_HEADER`] row.
pub fn export_csv<I, W>(records: I, writer: W) -> Result<(), ExportError>
where
    I: IntoIterator,
    I::Item: Borrow<AuditRecord>,
    W: Write,
{
    let mut out = csv::Writer::from_writer(writer);
    out.write_record(CSV_HEADER)?;
    for record in records {
        let r = record.borrow();
        out.write_record([
            r.seq.to_string(),
            format_at(&r.at),
            r.actor.clone(),
            r.kind.clone(),
            canonical_json(&r.payload),
            r.prev_hash.clone(),
            r.hash.clone(),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// Reads a JSON Lines export. Blank lines are skipped.
pub fn read_jsonl<R: BufRead>(reader: R) -> impl Iterator<Item = Result<AuditRecord, ExportError>> {
    reader.lines().enumerate().filter_map(|(i, line)| {
        let line = match line {
            Ok(line) => line,
            Err(e) => return Some(Err(ExportError::Io(e))),
        };
        if line.trim().is_empty() {
            return None;
        }
        Some(
            serde_json::from_str::<AuditRecord>(&line).map_err(|e| ExportError::Malformed {
                line: i as u64 + 1,
                message: e.to_string(),
            }),
        )
    })
}

/// Reads a CSV export (with its header row).
pub fn read_csv<R: Read>(reader: R) -> impl Iterator<Item = Result<AuditRecord, ExportError>> {
    let mut rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(reader)
        .into_records()
        .enumerate();
    let header = rows.next().map(|(_, row)| match row {
        Ok(row) if row.iter().eq(CSV_HEADER) => Ok(()),
        Ok(row) => Err(ExportError::Malformed {
            line: 1,
            message: format!("expected header {}, found {:?}", CSV_HEADER.join(","), row),
        }),
        Err(e) => Err(ExportError::Csv(e)),
    });
    let header_error = match header {
        Some(Err(e)) => Some(e),
        _ => None,
    };
    let failed = header_error.is_some();
    header_error
        .map(Err)
        .into_iter()
        .chain(rows.take_while(move |_| !failed).map(|(i, row)| {
            let row = row?;
            parse_csv_row(&row).map_err(|message| ExportError::Malformed {
                line: i as u64 + 1,
                message,
            })
        }))
}

fn parse_csv_row(row: &csv::StringRecord) -> Result<AuditRecord, String> {
    if row.len() != CSV_HEADER.len() {
        return Err(format!(
            "expected {} fields, found {}",
            CSV_HEADER.len(),
            row.len()
        ));
    }
    let seq = row[0]
        .parse::<u64>()
        .map_err(|e| format!("bad seq {:?}: {e}", &row[0]))?;
    let at = DateTime::parse_from_rfc3339(&row[1])
        .map_err(|e| format!("bad timestamp {:?}: {e}", &row[1]))?
        .with_timezone(&Utc);
    let payload: Value =
        serde_json::from_str(&row[4]).map_err(|e| format!("bad payload JSON: {e}"))?;
    Ok(AuditRecord {
        seq,
        at,
        actor: row[2].to_owned(),
        kind: row[3].to_owned(),
        payload,
        prev_hash: row[5].to_owned(),
        hash: row[6].to_owned(),
    })
}

fn verify_all(
    records: impl Iterator<Item = Result<AuditRecord, ExportError>>,
) -> Result<VerifyReport, ExportError> {
    let mut verifier = Verifier::new();
    for record in records {
        verifier.push(&record?)?;
    }
    Ok(verifier.finish()?)
}

/// Verifies a JSON Lines export as a whole chain from genesis.
pub fn verify_jsonl<R: BufRead>(reader: R) -> Result<VerifyReport, ExportError> {
    verify_all(read_jsonl(reader))
}

/// Verifies a CSV export as a whole chain from genesis.
pub fn verify_csv<R: Read>(reader: R) -> Result<VerifyReport, ExportError> {
    verify_all(read_csv(reader))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::next_record;
    use chrono::{Duration, TimeZone};
    use serde_json::json;

    fn chain(n: usize) -> Vec<AuditRecord> {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let mut out: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let payload = json!({
                "query": {"name": "Huawei, \"Technologies\"\nCo.", "country": "CN"},
                "threshold": 0.7,
                "score": 1.0 / (i as f64 + 3.0),
                "hits": [{"entity_id": format!("ofac-{i}"), "list": "us_ofac_sdn"}],
            });
            let r = next_record(
                out.last(),
                t0 + Duration::milliseconds(i as i64 * 1500),
                "ops,key",
                "screen",
                payload,
            );
            out.push(r);
        }
        out
    }

    #[test]
    fn jsonl_round_trip_and_verify() {
        let records = chain(7);
        let mut buf = Vec::new();
        export_jsonl(&records, &mut buf).unwrap();
        let text = String::from_utf8(buf.clone()).unwrap();
        assert_eq!(text.lines().count(), 7);
        let first = text.lines().next().unwrap();
        assert!(first.starts_with(r#"{"seq":1,"at":"2026-01-02T03:04:05.000000Z","actor":"ops,key","kind":"screen","payload":{"hits":"#), "{first}");
        let back: Vec<AuditRecord> = read_jsonl(buf.as_slice())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, records);
        let report = verify_jsonl(buf.as_slice()).unwrap();
        assert_eq!(report.count, 7);
        assert_eq!(report.head_hash, records[6].hash);
    }

    #[test]
    fn jsonl_edits_are_detected() {
        let records = chain(4);
        let mut buf = Vec::new();
        export_jsonl(&records, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();

        let edited = text.replacen("ofac-2", "ofac-9", 1);
        let err = verify_jsonl(edited.as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                ExportError::Chain(VerifyError::HashMismatch { seq: 3, .. })
            ),
            "{err}"
        );

        let dropped: String = text
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let err = verify_jsonl(dropped.as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                ExportError::Chain(VerifyError::Sequence {
                    seq: 3,
                    expected: 2
                })
            ),
            "{err}"
        );

        let garbled = text.replacen("\"seq\":2", "\"seq\":\"two\"", 1);
        let err = verify_jsonl(garbled.as_bytes()).unwrap_err();
        assert!(
            matches!(err, ExportError::Malformed { line: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn reformatted_jsonl_still_verifies() {
        // Whitespace and key order are not part of the hash.
        let records = chain(3);
        let mut text = String::new();
        for r in &records {
            text.push_str(&serde_json::to_string_pretty(r).unwrap().replace('\n', " "));
            text.push_str("\n\n");
        }
        assert_eq!(verify_jsonl(text.as_bytes()).unwrap().count, 3);
    }

    #[test]
    fn csv_round_trip_and_verify() {
        let records = chain(5);
        let mut buf = Vec::new();
        export_csv(&records, &mut buf).unwrap();
        let text = String::from_utf8(buf.clone()).unwrap();
        assert!(text.starts_with("seq,at,actor,kind,payload,prev_hash,hash\n"));
        let back: Vec<AuditRecord> = read_csv(buf.as_slice()).collect::<Result<_, _>>().unwrap();
        assert_eq!(back, records);
        assert_eq!(
            verify_csv(buf.as_slice()).unwrap().head_hash,
            records[4].hash
        );

        let edited = text.replacen("ops,key", "ops,kez", 1);
        let err = verify_csv(edited.as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                ExportError::Chain(VerifyError::HashMismatch { seq: 1, .. })
            ),
            "{err}"
        );
    }

    #[test]
    fn csv_with_wrong_header_is_rejected() {
        let err = verify_csv("a,b\n1,2\n".as_bytes()).unwrap_err();
        assert!(
            matches!(err, ExportError::Malformed { line: 1, .. }),
            "{err}"
        );
        let err =
            verify_csv("seq,at,actor,kind,payload,prev_hash,hash\n1,x,a,k,{},p,h\n".as_bytes())
                .unwrap_err();
        assert!(
            matches!(err, ExportError::Malformed { line: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn empty_exports() {
        let mut buf = Vec::new();
        export_jsonl(Vec::<AuditRecord>::new(), &mut buf).unwrap();
        assert!(buf.is_empty());
        assert_eq!(verify_jsonl(buf.as_slice()).unwrap().count, 0);
        let mut buf = Vec::new();
        export_csv(Vec::<AuditRecord>::new(), &mut buf).unwrap();
        assert_eq!(verify_csv(buf.as_slice()).unwrap().count, 0);
    }
}
