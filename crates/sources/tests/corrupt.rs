//! Every parser on damaged copies of the real files in `data/`: a file cut
//! in the middle of a record, a record with a column too few, a byte that
//! is no character of the file's encoding, UTF-8 mixed with Latin-1, and
//! binary data. Each must fail with an error naming the file, the line and
//! the field, and never panic.

use embargo_model::RawFile;
use embargo_sources::{parse, SourceError, SourceKind};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data");

/// A parser input: the files of one import, and which of them to damage.
struct Case {
    kind: SourceKind,
    files: &'static [&'static str],
    target: &'static str,
    /// The delimiter of the target file.
    delim: u8,
    /// Lines before the first data record (a header).
    header_lines: usize,
}

const CASES: &[Case] = &[
    Case {
        kind: SourceKind::OfacCons,
        files: &[
            "ofac/cons_2025-12/cons_prim.csv",
            "ofac/cons_2025-12/cons_alt.csv",
            "ofac/cons_2025-12/cons_add.csv",
            "ofac/cons_2025-12/cons_comments.csv",
        ],
        target: "ofac/cons_2025-12/cons_prim.csv",
        delim: b',',
        header_lines: 0,
    },
    Case {
        kind: SourceKind::OfacCons,
        files: &[
            "ofac/cons_2025-12/cons_prim.csv",
            "ofac/cons_2025-12/cons_alt.csv",
        ],
        target: "ofac/cons_2025-12/cons_alt.csv",
        delim: b',',
        header_lines: 0,
    },
    Case {
        kind: SourceKind::OfacCons,
        files: &[
            "ofac/cons_2025-04/cons_prim.csv",
            "ofac/cons_2025-04/cons_add.csv",
        ],
        target: "ofac/cons_2025-04/cons_add.csv",
        delim: b',',
        header_lines: 0,
    },
    Case {
        kind: SourceKind::OfacSdn,
        files: &[
            "ofac/sdn_2021-07/sdn.csv",
            "ofac/sdn_2021-07/sdn_comments.csv",
        ],
        target: "ofac/sdn_2021-07/sdn_comments.csv",
        delim: b',',
        header_lines: 0,
    },
    Case {
        kind: SourceKind::OfacSdn,
        files: &["ofac/sdn_2019/sdn.csv"],
        target: "ofac/sdn_2019/sdn.csv",
        delim: b',',
        header_lines: 0,
    },
    Case {
        kind: SourceKind::BisDpl,
        files: &["bis/dpl_2022.txt"],
        target: "bis/dpl_2022.txt",
        delim: b'\t',
        header_lines: 1,
    },
    Case {
        kind: SourceKind::TradeCsl,
        files: &["trade_gov_csl/csl_2019_sample.csv"],
        target: "trade_gov_csl/csl_2019_sample.csv",
        delim: b',',
        header_lines: 1,
    },
    Case {
        kind: SourceKind::TradeCsl,
        files: &["trade_gov_csl/consolidated_2025_sample.csv"],
        target: "trade_gov_csl/consolidated_2025_sample.csv",
        delim: b',',
        header_lines: 1,
    },
    Case {
        kind: SourceKind::Dod,
        files: &[
            "dod/section_1237.csv",
            "dod/section_1260h.csv",
            "dod/events.csv",
        ],
        target: "dod/events.csv",
        delim: b',',
        header_lines: 1,
    },
    Case {
        kind: SourceKind::Dod,
        files: &[
            "dod/section_1237.csv",
            "dod/section_1260h.csv",
            "dod/events.csv",
        ],
        target: "dod/section_1260h.csv",
        delim: b',',
        header_lines: 1,
    },
];

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{path}")).unwrap()
}

fn run(case: &Case, damaged: Vec<u8>) -> Result<(), SourceError> {
    let files: Vec<RawFile> = case
        .files
        .iter()
        .map(|f| {
            let bytes = if *f == case.target {
                damaged.clone()
            } else {
                read(f)
            };
            RawFile::new(*f, bytes)
        })
        .collect();
    parse(case.kind, &files).map(|_| ())
}

/// The byte offsets where lines start, and the 1-based line of a record
/// that starts at a line start: the middle line of the data, skipping
/// lines that continue a quoted field.
fn record_starts(bytes: &[u8], delim: u8) -> Vec<(usize, u64)> {
    let mut out = Vec::new();
    let mut in_quotes = false;
    let mut line = 1u64;
    let mut start = true;
    for (i, &b) in bytes.iter().enumerate() {
        if start && !in_quotes {
            out.push((i, line));
        }
        start = false;
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == b'\n' {
            line += 1;
            start = true;
        } else if b == delim && !in_quotes {
            // Fields only; nothing to track.
        }
    }
    out
}

/// The middle data record: (start offset, end offset before its line end, line).
fn middle_record(case: &Case, bytes: &[u8]) -> (usize, usize, u64) {
    let starts: Vec<(usize, u64)> = record_starts(bytes, case.delim)
        .into_iter()
        .skip(case.header_lines)
        .collect();
    let (start, line) = starts[starts.len() / 2];
    let next = starts[starts.len() / 2 + 1].0;
    let mut end = next;
    while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    (start, end, line)
}

/// Parses the damaged bytes, which must fail at `line` with a message
/// holding `needle`.
fn fails_at(case: &Case, damaged: Vec<u8>, line: u64, what: &str, needle: &str) {
    let e = run(case, damaged).expect_err(case.target);
    located(case, &e, line, what);
    assert!(e.message.contains(needle), "{e}");
}

fn located(case: &Case, e: &SourceError, line: u64, what: &str) {
    assert_eq!(e.file, case.target, "{what}: {e}");
    assert_eq!(e.line, Some(line), "{what}: {e}");
    assert!(e.field.is_some(), "{what}: no field in '{e}'");
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("{}: line {line}, field '", case.target)),
        "{what}: {shown}"
    );
}

#[test]
fn the_real_files_parse() {
    for case in CASES {
        run(case, read(case.target)).unwrap_or_else(|e| panic!("{}: {e}", case.target));
    }
}

#[test]
fn truncated_in_a_quoted_field() {
    for case in CASES {
        let bytes = read(case.target);
        let (start, end, line) = middle_record(case, &bytes);
        // Cut just after the opening quote of the last quoted field of the
        // middle record, as an interrupted download would.
        let opening = bytes[start..end]
            .windows(2)
            .rposition(|w| w[0] == case.delim && w[1] == b'"')
            .expect("a quoted field after the first");
        let cut = start + opening + 2;
        fails_at(case, bytes[..cut].to_vec(), line, "truncated", "truncated");
    }
}

#[test]
fn a_column_too_few() {
    for case in CASES {
        let bytes = read(case.target);
        let (start, end, line) = middle_record(case, &bytes);
        // Drop the last field of the middle record (and its delimiter).
        let mut in_quotes = false;
        let mut last_delim = None;
        for (i, &b) in bytes[start..end].iter().enumerate() {
            if b == b'"' {
                in_quotes = !in_quotes;
            } else if b == case.delim && !in_quotes {
                last_delim = Some(start + i);
            }
        }
        let cut = last_delim.expect("a record with several fields");
        let mut damaged = bytes[..cut].to_vec();
        damaged.extend_from_slice(&bytes[end..]);
        fails_at(case, damaged, line, "column too few", "fields");
    }
}

#[test]
fn bad_encoding() {
    for case in CASES {
        let bytes = read(case.target);
        let (start, end, line) = middle_record(case, &bytes);
        let at = start + (end - start) / 2;
        // A byte Windows-1252 does not define.
        let mut damaged = bytes.clone();
        damaged.insert(at, 0x81);
        fails_at(case, damaged, line, "undefined byte", "0x81");
        // UTF-8 text with one Latin-1 byte: two encodings in one file.
        let mut damaged = bytes.clone();
        damaged.splice(at..at, "É".bytes());
        damaged.splice(at..at, [0xC9]);
        fails_at(case, damaged, line, "mixed encodings", "mixed encodings");
    }
}

#[test]
fn binary_data() {
    for case in CASES {
        let bytes = read(case.target);
        let (start, end, line) = middle_record(case, &bytes);
        let mut damaged = bytes.clone();
        damaged[start + (end - start) / 2] = 0;
        fails_at(case, damaged, line, "NUL", "binary");
        // A whole binary file: the first line is blamed.
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
        let e = run(case, png).expect_err(case.target);
        assert_eq!(e.file, case.target);
        assert!(e.line.is_some() && e.field.is_some(), "{e}");
    }
}
