//! Decoding and CSV plumbing shared by the parsers.

use embargo_model::RawFile;

use crate::SourceError;

/// Where a byte sits in a CSV text: the line its record starts on and the
/// 0-based index of its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Loc {
    line: u64,
    field: usize,
}

/// The result of walking CSV bytes with a quote-aware state machine that
/// mirrors the `csv` crate's default dialect.
struct Walk {
    /// The location of the byte the walk was asked to find.
    found: Option<Loc>,
    /// Set when the text ends inside a quoted field: where that field started.
    open_quote: Option<Loc>,
}

fn walk(bytes: &[u8], delim: u8, stop: Option<usize>) -> Walk {
    let mut line = 1u64;
    let mut record_line = 1u64;
    let mut field = 0usize;
    let mut at_field_start = true;
    let mut in_quotes = false;
    let mut quote_loc = Loc { line: 1, field: 0 };
    let mut i = 0;
    while i < bytes.len() {
        if Some(i) == stop {
            return Walk {
                found: Some(Loc {
                    line: record_line,
                    field,
                }),
                open_quote: None,
            };
        }
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else if b == b'\n' {
                line += 1;
            }
        } else if b == b'"' && at_field_start {
            in_quotes = true;
            quote_loc = Loc {
                line: record_line,
                field,
            };
            at_field_start = false;
        } else if b == delim {
            field += 1;
            at_field_start = true;
        } else if b == b'\n' {
            line += 1;
            record_line = line;
            field = 0;
            at_field_start = true;
        } else if b != b'\r' {
            at_field_start = false;
        }
        i += 1;
    }
    Walk {
        found: None,
        open_quote: in_quotes.then_some(quote_loc),
    }
}

fn field_name(fields: &[&str], idx: usize) -> String {
    fields
        .get(idx)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("column {}", idx + 1))
}

/// Bytes Windows-1252 leaves undefined.
const CP1252_UNDEFINED: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];

/// Why bytes are not acceptable text, and where (a byte offset).
struct EncodingIssue {
    pos: usize,
    message: String,
}

/// Decodes bytes to text: UTF-8 when the bytes are valid UTF-8 (a BOM is
/// dropped), Windows-1252 otherwise. Refuses, with the offset of the first
/// offending byte:
///
/// * UTF-16 text (a UTF-16 byte-order mark);
/// * binary data: a NUL byte, or a control character other than tab, line
///   feed, carriage return, form feed and the DOS end-of-file byte 0x1A;
/// * mixed encodings: valid UTF-8 multi-byte characters together with
///   bytes that are not UTF-8 (a file pieced together from two sources, or
///   damaged in transit);
/// * bytes Windows-1252 does not define (0x81, 0x8D, 0x8F, 0x90, 0x9D) in
///   a file that is not UTF-8.
fn decode_bytes(bytes: &[u8]) -> Result<String, EncodingIssue> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(EncodingIssue {
            pos: 0,
            message: "UTF-16 text (byte-order mark); save the file as UTF-8 or Windows-1252".into(),
        });
    }
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(EncodingIssue {
            pos,
            message: "binary data (NUL byte); not a text file".into(),
        });
    }
    if let Some(pos) = bytes
        .iter()
        .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
    {
        return Err(EncodingIssue {
            pos,
            message: format!(
                "control character 0x{:02X}; binary data, not a text file",
                bytes[pos]
            ),
        });
    }
    // Offsets below are reported in the file as given, BOM included.
    let (bom, bytes) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, bytes),
    };
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let mut has_utf8_multibyte = false;
    let mut first_invalid = None;
    let mut offset = 0usize;
    for chunk in bytes.utf8_chunks() {
        if chunk.valid().bytes().any(|b| b >= 0x80) {
            has_utf8_multibyte = true;
        }
        offset += chunk.valid().len();
        if !chunk.invalid().is_empty() && first_invalid.is_none() {
            first_invalid = Some(offset);
        }
        offset += chunk.invalid().len();
    }
    if let (true, Some(pos)) = (has_utf8_multibyte, first_invalid) {
        return Err(EncodingIssue {
            pos: pos + bom,
            message: format!(
                "bad encoding: byte 0x{:02X} is not UTF-8, while the file holds UTF-8 characters elsewhere (mixed encodings)",
                bytes[pos]
            ),
        });
    }
    if let Some(pos) = bytes.iter().position(|b| CP1252_UNDEFINED.contains(b)) {
        return Err(EncodingIssue {
            pos: pos + bom,
            message: format!(
                "bad encoding: byte 0x{:02X} is neither UTF-8 nor a Windows-1252 character",
                bytes[pos]
            ),
        });
    }
    Ok(encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
        .into_owned())
}

/// The 1-based line of a byte offset.
fn line_at(bytes: &[u8], pos: usize) -> u64 {
    bytes[..pos.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// Decodes a file's bytes to text (see [`decode_bytes`]); an error names
/// the file and the line.
pub(crate) fn decode(file: &RawFile) -> Result<String, SourceError> {
    decode_bytes(&file.bytes)
        .map_err(|i| SourceError::at_line(&file.name, line_at(&file.bytes, i.pos), i.message))
}

/// Prepares a CSV file for the `csv` crate: decodes it (see
/// [`decode_bytes`]; an encoding error names the line and field of the
/// first offending byte), drops the DOS end-of-file byte (0x1A) OFAC
/// appends, and refuses a text that ends inside a quoted field (a
/// truncated record).
///
/// `fields` names the columns, for error messages.
pub(crate) fn prepare_csv(
    file: &RawFile,
    delim: u8,
    fields: &[&str],
) -> Result<String, SourceError> {
    let mut text = match decode_bytes(&file.bytes) {
        Ok(t) => t,
        Err(i) => {
            let w = walk(&file.bytes, delim, Some(i.pos));
            let loc = w.found.unwrap_or(Loc {
                line: line_at(&file.bytes, i.pos),
                field: 0,
            });
            return Err(SourceError::at_field(
                &file.name,
                loc.line,
                &field_name(fields, loc.field),
                i.message,
            ));
        }
    };
    let trimmed = text.trim_end_matches(['\x1a', '\r', '\n', ' ', '\t']).len();
    text.truncate(trimmed);
    if let Some(pos) = text.find('\x1a') {
        let w = walk(text.as_bytes(), delim, Some(pos));
        let loc = w.found.unwrap_or(Loc { line: 1, field: 0 });
        return Err(SourceError::at_field(
            &file.name,
            loc.line,
            &field_name(fields, loc.field),
            "end-of-file byte 0x1A before the end of the file (files joined or damaged)",
        ));
    }
    if !text.is_empty() {
        text.push('\n');
    }
    if let Some(loc) = walk(text.as_bytes(), delim, None).open_quote {
        return Err(SourceError::at_field(
            &file.name,
            loc.line,
            &field_name(fields, loc.field),
            "unterminated quoted field at end of file (truncated record)",
        ));
    }
    Ok(text)
}

/// Reads the records of prepared CSV text (no header handling, flexible
/// record lengths: callers check widths with [`check_width`]), each with the
/// 1-based line it starts on.
pub(crate) fn records<'a>(
    file: &'a str,
    text: &'a str,
    delim: u8,
    has_headers: bool,
) -> impl Iterator<Item = Result<(u64, csv::StringRecord), SourceError>> + 'a {
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter_map(|(i, b)| (b == b'\n').then_some(i))
        .collect();
    // The `csv` crate reports a record's position at the end of the previous
    // record's terminator (CR of a CRLF) and counts lines by its own rules;
    // skip line ends to the record's first byte and count lines here.
    let bytes = text.as_bytes();
    let line_of = move |byte: u64| {
        let mut b = byte as usize;
        while matches!(bytes.get(b), Some(b'\r' | b'\n')) {
            b += 1;
        }
        newlines.partition_point(|&n| n < b) as u64 + 1
    };
    let reader = csv::ReaderBuilder::new()
        .has_headers(has_headers)
        .flexible(true)
        .delimiter(delim)
        .from_reader(text.as_bytes());
    reader.into_records().map(move |r| match r {
        Ok(rec) => {
            let line = rec.position().map(|p| line_of(p.byte())).unwrap_or(0);
            Ok((line, rec))
        }
        Err(e) => Err(match e.position() {
            Some(p) => SourceError::at_line(file, line_of(p.byte()), e.to_string()),
            None => SourceError::file(file, e.to_string()),
        }),
    })
}

/// Checks a record's field count.
pub(crate) fn check_width(
    file: &str,
    line: u64,
    rec: &csv::StringRecord,
    fields: &[&str],
) -> Result<(), SourceError> {
    if rec.len() != fields.len() {
        let field = if rec.len() > fields.len() {
            format!("column {}", fields.len() + 1)
        } else {
            field_name(fields, rec.len())
        };
        return Err(SourceError::at_field(
            file,
            line,
            &field,
            format!("expected {} fields, found {}", fields.len(), rec.len()),
        ));
    }
    Ok(())
}

/// A stable, content-derived key: the first 16 hex digits of the SHA-256 of
/// the parts joined with a unit separator.
pub(crate) fn content_key(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(p.trim().as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &[&str] = &["a", "b", "c"];

    #[test]
    fn windows_1252_and_utf8() {
        let f = RawFile::new("x", b"caf\xe9".to_vec());
        assert_eq!(decode(&f).unwrap(), "café");
        let f = RawFile::new("x", "café".as_bytes().to_vec());
        assert_eq!(decode(&f).unwrap(), "café");
        let f = RawFile::new("x", b"\xEF\xBB\xBFabc".to_vec());
        assert_eq!(decode(&f).unwrap(), "abc");
    }

    #[test]
    fn eof_marker_is_dropped() {
        let f = RawFile::new("x", b"1,\"a\",\"b\"\r\n\x1a".to_vec());
        assert_eq!(prepare_csv(&f, b',', F).unwrap(), "1,\"a\",\"b\"\n");
        let f = RawFile::new("x", b"1,\"a\",\"b\"".to_vec());
        assert_eq!(prepare_csv(&f, b',', F).unwrap(), "1,\"a\",\"b\"\n");
    }

    #[test]
    fn nul_byte_is_located() {
        let f = RawFile::new("x.csv", b"1,a,b\n2,\"a\nz\",b\x00\n".to_vec());
        let e = prepare_csv(&f, b',', F).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert_eq!(e.field.as_deref(), Some("c"));
        assert!(e.message.contains("NUL"));
    }

    #[test]
    fn encoding_problems_are_located() {
        // UTF-16.
        let f = RawFile::new("x.csv", b"\xFF\xFE1\x00,\x00".to_vec());
        let e = prepare_csv(&f, b',', F).unwrap_err();
        assert!(e.message.contains("UTF-16"), "{e}");
        // A control character in the second record's third field.
        let f = RawFile::new("x.csv", b"1,a,b\r\n2,a,b\x01c\r\n".to_vec());
        let e = prepare_csv(&f, b',', F).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("c")));
        assert!(e.message.contains("0x01"), "{e}");
        // UTF-8 names, then a Latin-1 byte in line 3, field b.
        let f = RawFile::new(
            "x.csv",
            "1,\"Mu\u{f1}oz\",x\n2,y,z\n3,\"Jos"
                .bytes()
                .chain(*b"\xe9\",z\n")
                .collect::<Vec<u8>>(),
        );
        let e = prepare_csv(&f, b',', F).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("b")));
        assert!(e.message.contains("mixed encodings"), "{e}");
        // A byte Windows-1252 does not define.
        let f = RawFile::new("x.csv", b"1,a\x81,b\n".to_vec());
        let e = prepare_csv(&f, b',', F).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("b")));
        assert!(e.message.contains("0x81"), "{e}");
        // An end-of-file byte in the middle.
        let f = RawFile::new("x.csv", b"1,a,b\r\n\x1a2,a,b\r\n\x1a".to_vec());
        let e = prepare_csv(&f, b',', F).unwrap_err();
        assert_eq!(e.line, Some(2));
        // Plain Latin-1 is fine.
        let f = RawFile::new("x.csv", b"1,\"Jos\xe9\",b\r\n\x1a".to_vec());
        assert_eq!(prepare_csv(&f, b',', F).unwrap(), "1,\"Jos\u{e9}\",b\n");
    }

    #[test]
    fn unterminated_quote_is_located() {
        let f = RawFile::new("x.csv", b"1,a,b\n2,a,\"b\n3,x".to_vec());
        let e = prepare_csv(&f, b',', F).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert_eq!(e.field.as_deref(), Some("c"));
        let ok = RawFile::new("x.csv", b"1,\"a \"\"q\"\" \",b\n".to_vec());
        assert!(prepare_csv(&ok, b',', F).is_ok());
    }

    #[test]
    fn record_lines_count_embedded_newlines() {
        let text = "1,\"a\r\nb\",c\r\n2,x,y\r\n\r\n3,z,w\n";
        let lines: Vec<u64> = records("x", text, b',', false)
            .map(|r| r.unwrap().0)
            .collect();
        assert_eq!(lines, [1, 3, 5]);
    }

    #[test]
    fn content_key_is_stable() {
        assert_eq!(content_key(&["a", "b"]), content_key(&[" a", "b "]));
        assert_ne!(content_key(&["a", "b"]), content_key(&["ab", ""]));
        assert_eq!(content_key(&["a"]).len(), 16);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let f = RawFile::new("x.csv", bytes);
            if let Ok(text) = prepare_csv(&f, b',', F) {
                for r in records("x.csv", &text, b',', false) {
                    let _ = r;
                }
            }
        }
    }
}
