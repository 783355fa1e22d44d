//! Rendering of command results as a human table, JSON or CSV.

use std::io::{self, Write};

use clap::ValueEnum;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table as Comfy};
use serde::Serialize;

/// `--format` choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    /// JSON; `jsonl` is accepted as well, and `audit export` writes JSON
    /// Lines for both.
    #[value(alias = "jsonl")]
    Json,
    Csv,
}

/// A simple rectangular result: headers and rows of strings.
pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: Vec<&'static str>) -> Self {
        Table {
            headers,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Prints as a table or CSV; `json` is printed instead for `--format json`.
    pub fn print<T: Serialize + ?Sized>(&self, format: Format, json: &T) -> anyhow::Result<()> {
        match format {
            Format::Json => print_json(json),
            Format::Csv => self.print_csv(),
            Format::Table => {
                self.print_table();
                Ok(())
            }
        }
    }

    pub fn print_table(&self) {
        if self.rows.is_empty() {
            println!("(nothing to show)");
            return;
        }
        let mut t = Comfy::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(self.headers.clone());
        for r in &self.rows {
            t.add_row(r.clone());
        }
        println!("{t}");
    }

    pub fn print_csv(&self) -> anyhow::Result<()> {
        let mut w = csv::Writer::from_writer(io::stdout().lock());
        w.write_record(&self.headers)?;
        for r in &self.rows {
            w.write_record(r)?;
        }
        w.flush()?;
        Ok(())
    }
}

/// Pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// `Some(x)` as a string, `None` as "".
pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}
