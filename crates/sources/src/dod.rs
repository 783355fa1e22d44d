//! The project's curated DoD files: the Section 1237 "Communist Chinese
//! military company" list (2020–2021), the Section 1260H list editions
//! (2021–) and the dated lifecycle events (executive orders, effect dates,
//! injunctions, vacatur, re-listing, general licences, list editions).
//!
//! DoD publishes these lists as PDFs only; `data/dod/README.md` describes
//! the files and their columns. The three files are
//! `section_1237.csv`, `section_1260h.csv` and `events.csv`, recognised by
//! file name (case-insensitive); all three are required, because events
//! refer to companies of both lists by slug.
//!
//! # Output
//!
//! [`parse`] returns two datasets:
//!
//! * `us_dod_1237`: one Company per slug, id `us_dod_1237:<slug>`, with one
//!   `CCMC-EO13959` [`Designation`] per row (a company listed twice, like
//!   Luokong → Luokung, gets two; the latest row's name is primary and the
//!   earlier names are Former names). `listed_on` is the determination
//!   date, `effective` the prohibition start, `divestment_until` the
//!   divestment deadline, `ended_on`/`end_reason` the end.
//! * `us_dod_1260h`: one Company per slug, id `us_dod_1260h:<slug>`, with
//!   one `1260H` designation per run of consecutive editions the company
//!   appears in. `listed_on` is the first edition of the run (or
//!   `first_listed` for the first run); `ended_on` is the removal date, or
//!   the first edition it is missing from. Editions whose membership is
//!   uncertain count as present (the conservative reading for screening)
//!   and are listed in the `uncertainEditions` property.
//!
//! **Events.** All lifecycle events go into the `us_dod_1237` dataset's
//! `events` (they concern both lists and the OFAC programs; the 1260H
//! dataset's `events` stays empty so that an import does not hold them
//! twice), and [`events`] returns them on their own.
//!
//! Names ending in a parenthesised abbreviation
//! (`Aviation Industry Corporation of China (AVIC)`) give the name without
//! it as primary and the abbreviation as an Alias; `(formerly X)` gives a
//! Former name, `(also known as X)` an Alias.
//!
//! The parser validates the files: unknown columns missing, bad dates or
//! times, unknown event kinds or programs, duplicate slugs or ids, and
//! event slugs that name no company of the list the event's programs
//! concern are errors naming file, line and field.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, NaiveTime};
use embargo_model::{
    Dataset, Designation, Entity, EntityId, EventKind, IdKind, Identifier, LifecycleEvent, Name,
    NameKind, RawFile, Schema, ZonedTime,
};

use crate::text::{check_width, prepare_csv, records};
use crate::SourceError;

/// The dataset key of the Section 1237 list.
pub const LIST_1237: &str = "us_dod_1237";
/// The dataset key of the Section 1260H list.
pub const LIST_1260H: &str = "us_dod_1260h";
/// The program tag of Section 1237 designations (the EO 13959 regime they fed).
pub const PROGRAM_1237: &str = "CCMC-EO13959";
/// The program tag of Section 1260H designations.
pub const PROGRAM_1260H: &str = "1260H";
/// The program tags an event may carry.
pub const EVENT_PROGRAMS: [&str; 4] = [PROGRAM_1237, "CMIC-EO14032", PROGRAM_1260H, "NDAA-805"];

const FILE_1237: &str = "section_1237.csv";
const FILE_1260H: &str = "section_1260h.csv";
const FILE_EVENTS: &str = "events.csv";
const FILE_IDENTIFIERS: &str = "identifiers.csv";
const FILE_LOCAL_NAMES: &str = "local_names.csv";

const COLS_1237: &[&str] = &[
    "slug",
    "name",
    "aliases",
    "tranche",
    "determination_date",
    "in_eo13959_annex",
    "prohibition_start",
    "divestment_deadline",
    "end_date",
    "end_reason",
    "in_eo14032_annex",
    "source",
    "notes",
];
const COLS_1260H: &[&str] = &[
    "slug",
    "name",
    "aliases",
    "former_names",
    "editions",
    "uncertain_editions",
    "first_listed",
    "removed_on",
    "removal_reason",
    "uncertainty",
    "source",
];
const COLS_IDENTIFIERS: &[&str] = &["slug", "kind", "value", "market", "source"];
const COLS_LOCAL_NAMES: &[&str] = &["slug", "script", "name", "source"];
const COLS_EVENTS: &[&str] = &[
    "id", "date", "time", "zone", "kind", "subject", "entities", "programs", "title", "effect",
    "source",
];

/// One data row of a curated file, with field access by column name.
struct Row<'a> {
    file: &'a str,
    line: u64,
    cols: &'a HashMap<String, usize>,
    rec: csv::StringRecord,
}

impl Row<'_> {
    fn err(&self, field: &str, msg: impl Into<String>) -> SourceError {
        SourceError::at_field(self.file, self.line, field, msg)
    }

    fn get(&self, field: &str) -> &str {
        self.cols
            .get(field)
            .and_then(|&i| self.rec.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    fn opt(&self, field: &str) -> Option<&str> {
        let v = self.get(field);
        (!v.is_empty()).then_some(v)
    }

    fn required(&self, field: &str) -> Result<&str, SourceError> {
        self.opt(field)
            .ok_or_else(|| self.err(field, "required value is empty"))
    }

    fn list(&self, field: &str) -> Vec<&str> {
        self.get(field)
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    fn date_str(&self, field: &str, s: &str) -> Result<NaiveDate, SourceError> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| self.err(field, format!("invalid date '{s}', expected YYYY-MM-DD")))
    }

    fn date(&self, field: &str) -> Result<NaiveDate, SourceError> {
        self.date_str(field, self.required(field)?)
    }

    fn opt_date(&self, field: &str) -> Result<Option<NaiveDate>, SourceError> {
        self.opt(field).map(|s| self.date_str(field, s)).transpose()
    }

    fn dates(&self, field: &str) -> Result<Vec<NaiveDate>, SourceError> {
        self.list(field)
            .into_iter()
            .map(|s| self.date_str(field, s))
            .collect()
    }

    fn time_str(&self, field: &str, s: &str) -> Result<NaiveTime, SourceError> {
        NaiveTime::parse_from_str(s, "%H:%M")
            .map_err(|_| self.err(field, format!("invalid time '{s}', expected HH:MM")))
    }

    /// `YYYY-MM-DD[ HH:MM[ zone label]]`.
    fn zoned(&self, field: &str) -> Result<Option<ZonedTime>, SourceError> {
        let Some(v) = self.opt(field) else {
            return Ok(None);
        };
        let mut parts = v.splitn(3, ' ');
        let date = self.date_str(field, parts.next().unwrap_or(""))?;
        let time = parts.next().map(|t| self.time_str(field, t)).transpose()?;
        let zone = parts.next().map(|z| z.trim().to_string());
        Ok(Some(ZonedTime { date, time, zone }))
    }

    fn yes_no(&self, field: &str) -> Result<&'static str, SourceError> {
        match self.get(field) {
            "yes" => Ok("yes"),
            "no" => Ok("no"),
            other => Err(self.err(field, format!("expected yes or no, found '{other}'"))),
        }
    }

    fn slug(&self) -> Result<&str, SourceError> {
        let s = self.required("slug")?;
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(self.err("slug", format!("invalid slug '{s}': use a-z, 0-9 and '-'")));
        }
        Ok(s)
    }
}

/// Reads a curated CSV: checks the header has every expected column and
/// hands out the data rows.
fn read_table<'a>(
    file: &'a RawFile,
    expected: &[&str],
    cols: &'a mut HashMap<String, usize>,
) -> Result<Vec<Row<'a>>, SourceError> {
    let text = prepare_csv(file, b',', expected)?;
    let mut rows = Vec::new();
    let mut header_seen = false;
    let mut header: Vec<String> = Vec::new();
    let mut raw = Vec::new();
    for rec in records(&file.name, &text, b',', false) {
        let (line, rec) = rec?;
        if !header_seen {
            for (i, h) in rec.iter().enumerate() {
                cols.insert(h.trim().to_string(), i);
            }
            for c in expected {
                if !cols.contains_key(*c) {
                    return Err(SourceError::at_field(
                        &file.name,
                        line,
                        c,
                        "column missing from the header",
                    ));
                }
            }
            header_seen = true;
            header = rec.iter().map(|h| h.trim().to_string()).collect();
            continue;
        }
        let names: Vec<&str> = header.iter().map(String::as_str).collect();
        check_width(&file.name, line, &rec, &names)?;
        raw.push((line, rec));
    }
    let cols: &HashMap<String, usize> = cols;
    for (line, rec) in raw {
        rows.push(Row {
            file: &file.name,
            line,
            cols,
            rec,
        });
    }
    Ok(rows)
}

/// Splits a trailing parenthesised part off a name: `(ABBR)` → Alias,
/// `(formerly X)` → Former (X split again), `(also known as X)` → Alias.
pub fn split_name(name: &str) -> (String, Vec<(String, NameKind)>) {
    let n = name.trim();
    let Some(open) = trailing_group(n) else {
        return (n.to_string(), Vec::new());
    };
    let base = n[..open].trim().to_string();
    let inner = n[open + 1..n.len() - 1].trim();
    let mut extra = Vec::new();
    if let Some(x) = inner.strip_prefix("formerly ") {
        let (p, more) = split_name(x);
        extra.push((p, NameKind::Former));
        extra.extend(more);
    } else if let Some(x) = inner.strip_prefix("also known as ") {
        let (p, more) = split_name(x);
        extra.push((p, NameKind::Alias));
        extra.extend(more);
    } else if !inner.is_empty() {
        extra.push((inner.to_string(), NameKind::Alias));
    }
    if base.is_empty() {
        return (n.to_string(), Vec::new());
    }
    (base, extra)
}

/// The byte index of the `(` opening a balanced group that ends the string.
fn trailing_group(s: &str) -> Option<usize> {
    if !s.ends_with(')') {
        return None;
    }
    let mut depth = 0i32;
    for (i, c) in s.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn add_names(e: &mut Entity, name: &str, kind: NameKind) {
    let (base, extra) = split_name(name);
    e.add_name(base, kind);
    for (n, k) in extra {
        let k = if kind == NameKind::Former && k == NameKind::Alias {
            NameKind::Former
        } else {
            k
        };
        e.add_name(n, k);
    }
}

fn company(list: &str, slug: &str, name: &str) -> Entity {
    let (base, extra) = split_name(name);
    let mut e = Entity::new(EntityId::new(list, slug), Schema::Company, base);
    for (n, k) in extra {
        e.add_name(n, k);
    }
    e
}

fn event_kind(s: &str) -> Option<EventKind> {
    use EventKind::*;
    [
        Law,
        Listing,
        EffectStart,
        DivestmentDeadline,
        Injunction,
        Vacatur,
        Relisting,
        Removal,
        GeneralLicense,
        Guidance,
        Litigation,
        Other,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
}

fn role(file: &RawFile) -> Result<&'static str, SourceError> {
    let base = file
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&file.name)
        .to_ascii_lowercase();
    [
        FILE_1237,
        FILE_1260H,
        FILE_EVENTS,
        FILE_IDENTIFIERS,
        FILE_LOCAL_NAMES,
    ]
    .into_iter()
    .find(|n| *n == base)
    .ok_or_else(|| {
        SourceError::file(
            &file.name,
            format!(
                "unknown DoD file name; expected {FILE_1237}, {FILE_1260H}, {FILE_EVENTS}, \
                 {FILE_IDENTIFIERS} or {FILE_LOCAL_NAMES}"
            ),
        )
    })
}

struct Files<'a> {
    s1237: &'a RawFile,
    s1260h: &'a RawFile,
    events: &'a RawFile,
    identifiers: Option<&'a RawFile>,
    local_names: Option<&'a RawFile>,
}

fn files(files: &[RawFile]) -> Result<Files<'_>, SourceError> {
    let mut found: HashMap<&str, &RawFile> = HashMap::new();
    for f in files {
        if found.insert(role(f)?, f).is_some() {
            return Err(SourceError::file(
                &f.name,
                "the same DoD file is given twice",
            ));
        }
    }
    let get = |n: &str| {
        found
            .get(n)
            .copied()
            .ok_or_else(|| SourceError::file(n, "required DoD file is missing from the import"))
    };
    Ok(Files {
        s1237: get(FILE_1237)?,
        s1260h: get(FILE_1260H)?,
        events: get(FILE_EVENTS)?,
        identifiers: found.get(FILE_IDENTIFIERS).copied(),
        local_names: found.get(FILE_LOCAL_NAMES).copied(),
    })
}

/// Parses the three curated files into the `us_dod_1237` and `us_dod_1260h`
/// datasets (in that order); the events are in the first one's `events`.
pub fn parse(files_in: &[RawFile]) -> Result<Vec<Dataset>, SourceError> {
    let f = files(files_in)?;
    let d1237 = parse_1237(f.s1237)?;
    let d1260h = parse_1260h(f.s1260h)?;
    let mut d1237 = d1237;
    let mut d1260h = d1260h;
    d1237.events = parse_events(f.events, &d1237, &d1260h)?;
    if let Some(ids) = f.identifiers {
        parse_identifiers(ids, &mut [&mut d1237, &mut d1260h])?;
    }
    if let Some(names) = f.local_names {
        parse_local_names(names, &mut [&mut d1237, &mut d1260h])?;
    }
    Ok(vec![d1237, d1260h])
}

/// Reads `local_names.csv`: the Chinese names of DoD-listed companies,
/// which DoD publishes in English only. Each row adds a local-script name
/// to the company of that slug in every list that has it. An unknown slug,
/// a script other than Han (`Hani`), a name without Han characters or a
/// repeated row is an error.
fn parse_local_names(file: &RawFile, lists: &mut [&mut Dataset]) -> Result<(), SourceError> {
    let mut cols = HashMap::new();
    let rows = read_table(file, COLS_LOCAL_NAMES, &mut cols)?;
    let mut seen = HashSet::new();
    for row in &rows {
        let slug = row.slug()?;
        let script = row.required("script")?;
        if script != "Hani" {
            return Err(row.err(
                "script",
                format!("unknown script '{script}' (Hani, ISO 15924)"),
            ));
        }
        let name = row.required("name")?;
        let han = |c: char| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF);
        if !name.chars().any(han) {
            return Err(row.err("name", "a Han name has no Han characters"));
        }
        if !seen.insert(format!("{slug} {name}")) {
            return Err(row.err("name", format!("name given twice for '{slug}'")));
        }
        let mut attached = false;
        for ds in lists.iter_mut() {
            for e in ds.entities.iter_mut().filter(|e| e.id.key() == slug) {
                let mut n = Name::new(name, NameKind::LocalScript);
                n.note = row.opt("source").map(str::to_string);
                if !e.names.iter().any(|x| x.value == n.value) {
                    e.names.push(n);
                }
                attached = true;
            }
        }
        if !attached {
            return Err(row.err("slug", format!("no company '{slug}' in either list")));
        }
    }
    Ok(())
}

/// Reads `identifiers.csv`: exchange identifiers (tickers with their
/// market, ISINs) of DoD-listed companies, which DoD does not publish.
/// Each row attaches to the company of that slug in every list that has
/// it. An unknown slug or kind, an invalid ISIN or a repeated row is an
/// error.
fn parse_identifiers(file: &RawFile, lists: &mut [&mut Dataset]) -> Result<(), SourceError> {
    let mut cols = HashMap::new();
    let rows = read_table(file, COLS_IDENTIFIERS, &mut cols)?;
    let mut seen = HashSet::new();
    for row in &rows {
        let slug = row.slug()?;
        let value = row.required("value")?;
        let market = row.opt("market");
        let id = match row.required("kind")? {
            "isin" => {
                let id = Identifier::new(IdKind::Isin, value);
                if let Some(issue) = &id.issue {
                    return Err(row.err("value", issue.clone()));
                }
                id
            }
            "ticker" => Identifier::ticker(value, market),
            other => {
                return Err(row.err("kind", format!("unknown kind '{other}' (isin or ticker)")))
            }
        };
        if market.is_some() && id.kind != IdKind::Ticker {
            return Err(row.err("market", "only a ticker has a market"));
        }
        if !seen.insert(format!("{slug} {} {}", id.kind, id.normalized())) {
            return Err(row.err("value", format!("identifier given twice for '{slug}'")));
        }
        let mut id = id;
        id.note = row.opt("source").map(str::to_string);
        let mut attached = false;
        for ds in lists.iter_mut() {
            for e in ds.entities.iter_mut().filter(|e| e.id.key() == slug) {
                e.identifiers.push(id.clone());
                attached = true;
            }
        }
        if !attached {
            return Err(row.err("slug", format!("no company '{slug}' in either list")));
        }
    }
    Ok(())
}

/// The lifecycle events of the curated files (validated against both lists).
pub fn events(files_in: &[RawFile]) -> Result<Vec<LifecycleEvent>, SourceError> {
    let mut ds = parse(files_in)?;
    Ok(std::mem::take(&mut ds[0].events))
}

fn parse_1237(file: &RawFile) -> Result<Dataset, SourceError> {
    let mut cols = HashMap::new();
    let rows = read_table(file, COLS_1237, &mut cols)?;
    let mut ds = Dataset::new(LIST_1237);
    let mut index: HashMap<String, usize> = HashMap::new();
    // (entity index, determination date, name) of every row, to pick the
    // primary name once all rows of a slug are known.
    let mut listed_names: Vec<(usize, NaiveDate, String)> = Vec::new();
    for row in &rows {
        let slug = row.slug()?;
        let name = row.required("name")?;
        let mut d = Designation::new(LIST_1237, PROGRAM_1237);
        let determined = row.date("determination_date")?;
        d.listed_on = Some(determined);
        d.effective = row.zoned("prohibition_start")?;
        d.divestment_until = row.zoned("divestment_deadline")?;
        d.ended_on = row.opt_date("end_date")?;
        d.end_reason = row.opt("end_reason").map(str::to_string);
        if d.ended_on.is_some() && d.end_reason.is_none() {
            return Err(row.err("end_reason", "an end date needs an end reason"));
        }
        if d.ended_on.is_some_and(|e| e < determined) {
            return Err(row.err("end_date", "ends before its determination date"));
        }
        d.source = row.opt("source").map(str::to_string);
        let annex = row.yes_no("in_eo13959_annex")?;
        let annex14032 = row.yes_no("in_eo14032_annex")?;
        let tranche = row.required("tranche")?;

        let i = *index.entry(slug.to_string()).or_insert_with(|| {
            ds.entities.push(company(LIST_1237, slug, name));
            ds.entities.len() - 1
        });
        let e = &mut ds.entities[i];
        for a in row.list("aliases") {
            add_names(e, a, NameKind::Alias);
        }
        e.add_property("tranche", tranche);
        e.add_property("inEo13959Annex", annex);
        e.add_property("inEo14032Annex", annex14032);
        if let Some(n) = row.opt("notes") {
            e.remarks = Some(match e.remarks.take() {
                Some(r) => format!("{r}\n{n}"),
                None => n.to_string(),
            });
        }
        e.designations.push(d);
        listed_names.push((i, determined, name.to_string()));
    }
    // The latest listing's name is primary; earlier listing names are Former.
    for (i, e) in ds.entities.iter_mut().enumerate() {
        let mut own: Vec<&(usize, NaiveDate, String)> =
            listed_names.iter().filter(|(j, _, _)| *j == i).collect();
        if own.len() < 2 {
            continue;
        }
        own.sort_by_key(|(_, d, _)| *d);
        let (_, _, latest) = own[own.len() - 1];
        let (base, extra) = split_name(latest);
        let old: Vec<_> = e.names.drain(..).collect();
        e.add_name(base, NameKind::Primary);
        for (n, k) in extra {
            e.add_name(n, k);
        }
        for (_, _, earlier) in &own[..own.len() - 1] {
            add_names(e, earlier, NameKind::Former);
        }
        for n in old.into_iter().filter(|n| n.kind != NameKind::Primary) {
            if !e.names.iter().any(|m| m.value == n.value) {
                e.names.push(n);
            }
        }
        e.designations.sort_by_key(|d| d.listed_on);
    }
    Ok(ds)
}

fn parse_1260h(file: &RawFile) -> Result<Dataset, SourceError> {
    let mut cols = HashMap::new();
    let rows = read_table(file, COLS_1260H, &mut cols)?;
    // Every edition date any row mentions, in order.
    let mut all_editions = BTreeSet::new();
    for row in &rows {
        all_editions.extend(row.dates("editions")?);
        all_editions.extend(row.dates("uncertain_editions")?);
    }
    let all_editions: Vec<NaiveDate> = all_editions.into_iter().collect();
    let mut ds = Dataset::new(LIST_1260H);
    let mut seen = HashSet::new();
    for row in &rows {
        let slug = row.slug()?;
        if !seen.insert(slug.to_string()) {
            return Err(row.err("slug", format!("duplicate slug '{slug}'")));
        }
        let mut e = company(LIST_1260H, slug, row.required("name")?);
        for a in row.list("aliases") {
            add_names(&mut e, a, NameKind::Alias);
        }
        for a in row.list("former_names") {
            add_names(&mut e, a, NameKind::Former);
        }
        let certain = row.dates("editions")?;
        let uncertain = row.dates("uncertain_editions")?;
        if certain.is_empty() && uncertain.is_empty() {
            return Err(row.err("editions", "a company must appear in at least one edition"));
        }
        let first_listed = row.date("first_listed")?;
        let removed_on = row.opt_date("removed_on")?;
        let removal_reason = row.opt("removal_reason");
        if removed_on.is_some() != removal_reason.is_some() {
            return Err(row.err(
                "removal_reason",
                "removed_on and removal_reason go together",
            ));
        }
        let present: BTreeSet<NaiveDate> = certain.iter().chain(&uncertain).copied().collect();
        if present.first().is_some_and(|d| *d < first_listed) {
            return Err(row.err("first_listed", "later than the first edition listed"));
        }
        let source = row.opt("source").map(str::to_string);

        // One designation per run of consecutive editions.
        let mut run_start: Option<NaiveDate> = None;
        for (k, ed) in all_editions.iter().enumerate() {
            let here = present.contains(ed);
            if here && run_start.is_none() {
                run_start = Some(*ed);
            }
            let next = all_editions.get(k + 1);
            let run_ends = here && next.is_none_or(|n| !present.contains(n));
            if !run_ends {
                continue;
            }
            let start = run_start.take().unwrap_or(*ed);
            let mut d = Designation::new(LIST_1260H, PROGRAM_1260H);
            d.listed_on = Some(if e.designations.is_empty() {
                first_listed.min(start)
            } else {
                start
            });
            d.source = source.clone();
            match (next, removed_on) {
                (None, r) => {
                    d.ended_on = r;
                    d.end_reason = removal_reason.map(str::to_string);
                }
                (Some(n), Some(r)) if r > *ed && r <= *n => {
                    d.ended_on = Some(r);
                    d.end_reason = removal_reason.map(str::to_string);
                }
                (Some(n), _) => {
                    d.ended_on = Some(*n);
                    d.end_reason = Some(format!("absent from the {n} edition"));
                }
            }
            e.designations.push(d);
        }
        for d in &certain {
            e.add_property("editions", d.to_string());
        }
        for d in &uncertain {
            e.add_property("uncertainEditions", d.to_string());
        }
        if let Some(u) = row.opt("uncertainty") {
            e.add_property("uncertainty", u);
        }
        ds.entities.push(e);
    }
    Ok(ds)
}

fn parse_events(
    file: &RawFile,
    d1237: &Dataset,
    d1260h: &Dataset,
) -> Result<Vec<LifecycleEvent>, SourceError> {
    let mut cols = HashMap::new();
    let rows = read_table(file, COLS_EVENTS, &mut cols)?;
    let slugs = |ds: &Dataset| -> HashSet<String> {
        ds.entities.iter().map(|e| e.id.key().to_string()).collect()
    };
    let (s1237, s1260h) = (slugs(d1237), slugs(d1260h));
    let mut ids = HashSet::new();
    let mut out = Vec::new();
    for row in &rows {
        let id = row.required("id")?;
        if !ids.insert(id.to_string()) {
            return Err(row.err("id", format!("duplicate event id '{id}'")));
        }
        let kind_s = row.required("kind")?;
        let kind = event_kind(kind_s)
            .ok_or_else(|| row.err("kind", format!("unknown event kind '{kind_s}'")))?;
        let date = row.date("date")?;
        let time = row
            .opt("time")
            .map(|t| row.time_str("time", t))
            .transpose()?;
        let zone = row.opt("zone").map(str::to_string);
        if zone.is_some() && time.is_none() {
            return Err(row.err("zone", "a zone needs a time"));
        }
        let programs: Vec<String> = row
            .list("programs")
            .into_iter()
            .map(str::to_string)
            .collect();
        for p in &programs {
            if !EVENT_PROGRAMS.contains(&p.as_str()) {
                return Err(row.err("programs", format!("unknown program '{p}'")));
            }
        }
        // Which lists the event's slugs may name.
        let mut lists: Vec<(&str, &HashSet<String>)> = Vec::new();
        if programs.iter().any(|p| p == PROGRAM_1237) {
            lists.push((LIST_1237, &s1237));
        }
        if programs
            .iter()
            .any(|p| p == PROGRAM_1260H || p == "NDAA-805")
        {
            lists.push((LIST_1260H, &s1260h));
        }
        if lists.is_empty() {
            lists = vec![(LIST_1237, &s1237), (LIST_1260H, &s1260h)];
        }
        let mut entities = Vec::new();
        for slug in row.list("entities") {
            let found: Vec<EntityId> = lists
                .iter()
                .filter(|(_, s)| s.contains(slug))
                .map(|(l, _)| EntityId::new(l, slug))
                .collect();
            if found.is_empty() {
                return Err(row.err(
                    "entities",
                    format!("unknown slug '{slug}' for the event's programs"),
                ));
            }
            entities.extend(found);
        }
        out.push(LifecycleEvent {
            id: id.to_string(),
            kind,
            at: ZonedTime { date, time, zone },
            subject: row.required("subject")?.to_string(),
            entities,
            programs,
            title: row.required("title")?.to_string(),
            effect: row.get("effect").to_string(),
            source: row.required("source")?.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_splitting() {
        let (p, x) = split_name("Aviation Industry Corporation of China (AVIC)");
        assert_eq!(p, "Aviation Industry Corporation of China");
        assert_eq!(x, vec![("AVIC".to_string(), NameKind::Alias)]);
        let (p, x) = split_name(
            "AVIC Chengdu Aircraft Co., Ltd. (formerly Zhonghang Electronic Measuring Instruments Company Limited (ZEMIC))",
        );
        assert_eq!(p, "AVIC Chengdu Aircraft Co., Ltd.");
        assert_eq!(
            x,
            vec![
                (
                    "Zhonghang Electronic Measuring Instruments Company Limited".to_string(),
                    NameKind::Former
                ),
                ("ZEMIC".to_string(), NameKind::Alias)
            ]
        );
        let (p, x) = split_name("Hesai Group (also known as Hesai Technology Co., Ltd.)");
        assert_eq!(p, "Hesai Group");
        assert_eq!(
            x[0],
            ("Hesai Technology Co., Ltd.".to_string(), NameKind::Alias)
        );
        assert_eq!(
            split_name("China Unicom (Hong Kong) Limited").0,
            "China Unicom (Hong Kong) Limited"
        );
        assert_eq!(split_name("(X)").0, "(X)");
    }

    fn files(s1237: &str, s1260h: &str, events: &str) -> Vec<RawFile> {
        vec![
            RawFile::new("section_1237.csv", s1237.as_bytes().to_vec()),
            RawFile::new("section_1260h.csv", s1260h.as_bytes().to_vec()),
            RawFile::new("events.csv", events.as_bytes().to_vec()),
        ]
    }

    const H1237: &str = "slug,name,aliases,tranche,determination_date,in_eo13959_annex,prohibition_start,divestment_deadline,end_date,end_reason,in_eo14032_annex,source,notes\n";
    const H1260: &str = "slug,name,aliases,former_names,editions,uncertain_editions,first_listed,removed_on,removal_reason,uncertainty,source\n";
    const HEV: &str = "id,date,time,zone,kind,subject,entities,programs,title,effect,source\n";

    #[test]
    fn runs_of_editions() {
        let s1260 = format!(
            "{H1260}a,A Co. (AC),,,2021-06-03|2022-10-05|2025-01-07,,2021-06-03,,,,src\nb,B,,,2022-10-05,2024-01-31,2022-10-05,2024-12-13,removed,,src\nc,C,,,2021-06-03|2024-01-31|2025-01-07,,2021-06-03,,,,src\n"
        );
        let ds = parse(&files(H1237, &s1260, HEV)).unwrap();
        let h = &ds[1];
        let a = &h.entities[0];
        assert_eq!(a.caption(), "A Co.");
        assert_eq!(a.designations.len(), 2);
        assert_eq!(
            a.designations[0].ended_on.unwrap().to_string(),
            "2024-01-31"
        );
        assert_eq!(
            a.designations[1].listed_on.unwrap().to_string(),
            "2025-01-07"
        );
        assert_eq!(a.designations[1].ended_on, None);
        let b = &h.entities[1];
        assert_eq!(b.designations.len(), 1);
        assert_eq!(
            b.designations[0].ended_on.unwrap().to_string(),
            "2024-12-13"
        );
        assert_eq!(b.properties["uncertainEditions"], ["2024-01-31"]);
        assert_eq!(h.entities[2].designations.len(), 2);
    }

    #[test]
    fn validation_errors_name_file_line_field() {
        let s1260 = format!("{H1260}a,A,,,2021-06-03,,2021-06-03,,,,src\n");
        let bad_kind = format!("{HEV}E1,2021-01-01,,,ruling,A,a,1260H,t,e,s\n");
        let e = parse(&files(H1237, &s1260, &bad_kind)).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.line, e.field.as_deref()),
            ("events.csv", Some(2), Some("kind"))
        );
        let bad_date = format!("{HEV}E1,2021-13-01,,,listing,A,a,1260H,t,e,s\n");
        let e = parse(&files(H1237, &s1260, &bad_date)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("date"));
        let bad_slug = format!("{HEV}E1,2021-01-01,,,listing,A,zz,1260H,t,e,s\n");
        let e = parse(&files(H1237, &s1260, &bad_slug)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("entities"));
        assert!(e.message.contains("zz"));
        let wrong_list = format!("{HEV}E1,2021-01-01,,,listing,A,a,CCMC-EO13959,t,e,s\n");
        assert!(parse(&files(H1237, &s1260, &wrong_list)).is_err());
        let bad_time = format!("{HEV}E1,2021-01-01,9.30,ET,listing,A,a,1260H,t,e,s\n");
        let e = parse(&files(H1237, &s1260, &bad_time)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("time"));
        let s1237 = format!("{H1237}x,X,,1,2020-06-24,maybe,,,,,no,s,\n");
        let e = parse(&files(&s1237, &s1260, HEV)).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.line, e.field.as_deref()),
            ("section_1237.csv", Some(2), Some("in_eo13959_annex"))
        );
        let missing_col = "slug,name\n";
        let e = parse(&files(H1237, missing_col, HEV)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("aliases"));
    }

    #[test]
    fn files_are_recognised_by_name() {
        let mut f = files(H1237, H1260, HEV);
        f.push(RawFile::new("notes.csv", vec![]));
        assert_eq!(parse(&f).unwrap_err().file, "notes.csv");
        let e = parse(&files(H1237, H1260, HEV)[..2]).unwrap_err();
        assert_eq!(e.file, "events.csv");
    }
}
