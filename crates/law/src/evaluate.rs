//! The effect of one designation at one instant, for one side of a trade.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use embargo_model::{Designation, Entity, EventKind, LifecycleEvent, ZonedTime};

use crate::book::LawBook;
use crate::program::{InvestmentRules, Program, ProgramKind};
use crate::security::IssuerTie;
use crate::time::{eastern, readings_in_label, Boundary};
use crate::trade::{Alternative, EventRef, Finding, FindingDates, Outcome, Side};

/// Which reading of an ambiguous boundary to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The reading that restricts most (the answer).
    Conservative,
    /// The reading that restricts least (the alternative).
    Lenient,
}

/// A boundary from which a restriction starts (or a permission ends): the
/// conservative reading is the earliest.
fn early(b: &Boundary, mode: Mode) -> DateTime<Utc> {
    match mode {
        Mode::Conservative => b.earliest(),
        Mode::Lenient => b.latest(),
    }
}

/// A boundary from which a restriction ends (or a permission starts): the
/// conservative reading is the latest.
fn late(b: &Boundary, mode: Mode) -> DateTime<Utc> {
    match mode {
        Mode::Conservative => b.latest(),
        Mode::Lenient => b.earliest(),
    }
}

/// A point on which the answer depends and the law is unsettled.
enum Unsettled {
    /// A boundary whose readings give different instants.
    Boundary(String, Boundary),
    /// A question of reading, in words.
    Reading(String),
}

/// Collects the unsettled points met while deciding.
struct Notes<'a>(&'a mut Vec<Unsettled>);

impl Notes<'_> {
    /// A boundary the answer was compared with (kept when ambiguous).
    fn boundary(&mut self, what: &str, b: &Boundary) {
        if b.is_ambiguous() {
            self.0
                .push(Unsettled::Boundary(what.to_string(), b.clone()));
        }
    }

    /// An unsettled question of reading that decided the answer.
    fn reading(&mut self, text: String) {
        self.0.push(Unsettled::Reading(text));
    }
}

/// What is asked.
pub(crate) struct Query {
    pub t: DateTime<Utc>,
    pub side: Side,
    pub us_person: bool,
    pub held_since: Option<NaiveDate>,
}

struct Verdict {
    outcome: Outcome,
    rule: String,
    citation: String,
    events: Vec<EventRef>,
}

impl Verdict {
    fn new(outcome: Outcome, rule: impl Into<String>, citation: impl Into<String>) -> Self {
        Verdict {
            outcome,
            rule: rule.into(),
            citation: citation.into(),
            events: Vec::new(),
        }
    }

    fn with_events(mut self, events: Vec<EventRef>) -> Self {
        self.events = events;
        self
    }
}

fn event_ref(e: &LifecycleEvent) -> EventRef {
    EventRef {
        id: e.id.clone(),
        kind: e.kind.as_str().to_string(),
        date: e.at.date,
        title: e.title.clone(),
        source: e.source.clone(),
    }
}

/// The boundary of a source's zoned time: with a time of day, the zone
/// readings its label and `extra` allow; without one, the whole day.
pub(crate) fn zoned_boundary(z: &ZonedTime, extra: &[crate::ZoneReading]) -> Boundary {
    let mut zones = z.zone.as_deref().map(readings_in_label).unwrap_or_default();
    if z.time.is_some() {
        for r in extra {
            if !zones.contains(r) {
                zones.push(*r);
            }
        }
    }
    Boundary::at(z.date, z.time, &zones)
}

fn start_of(date: NaiveDate) -> Boundary {
    let b = Boundary::at(date, None, &[]);
    Boundary::exact(format!("{date}, start of day (ET)"), b.earliest())
}

/// The clocks of an investment-ban designation.
struct Clocks {
    listed_on: Option<NaiveDate>,
    effective: Boundary,
    effective_basis: String,
    divestment: Boundary,
    divestment_basis: String,
    relisting: Option<EventRef>,
}

fn clocks(inv: &InvestmentRules, d: &Designation, relisting: Option<&LifecycleEvent>) -> Clocks {
    let base = match relisting {
        Some(ev) => Some(ev.at.date),
        None => d.listed_on,
    };
    let derived_eff = base.map(|b| {
        inv.effective_clock
            .on(b + Duration::days(inv.effective_after_days))
    });
    let derived_div = base.map(|b| {
        inv.divestment_clock
            .on(b + Duration::days(inv.divestment_after_days))
    });
    let annex = inv
        .annex
        .as_ref()
        .filter(|a| base.is_none_or(|b| b <= a.listed_on_or_before));

    let published_eff = d
        .effective
        .as_ref()
        .map(|z| inv.effective_clock.published(z));
    let (effective, effective_basis) = match (published_eff, &derived_eff, annex) {
        (Some(p), Some(dv), _) if relisting.is_some() && p.latest() < dv.earliest() => (
            dv.clone(),
            format!(
                "restarted by the corrected re-listing: {} days after {}",
                inv.effective_after_days,
                base.map(|b| b.to_string()).unwrap_or_default()
            ),
        ),
        (Some(p), _, _) => (p, published_basis(relisting)),
        (None, _, Some(a)) => (a.effective.boundary(), a.citation.clone()),
        (None, Some(dv), None) => (
            dv.clone(),
            format!(
                "derived: {} days after listing on {}",
                inv.effective_after_days,
                base.map(|b| b.to_string()).unwrap_or_default()
            ),
        ),
        (None, None, None) => (
            Boundary::exact("no listing date: in effect", DateTime::<Utc>::MIN_UTC),
            "no listing or effective date published: treated as in effect".to_string(),
        ),
    };
    let published_div = d
        .divestment_until
        .as_ref()
        .map(|z| inv.divestment_clock.published(z));
    let (divestment, divestment_basis) = match (published_div, &derived_div, annex) {
        (Some(p), Some(dv), _) if relisting.is_some() && p.latest() < dv.earliest() => (
            dv.clone(),
            format!(
                "restarted by the corrected re-listing: {} days after {}",
                inv.divestment_after_days,
                base.map(|b| b.to_string()).unwrap_or_default()
            ),
        ),
        (Some(p), _, _) => (p, published_basis(relisting)),
        (None, _, Some(a)) => (a.divestment_until.boundary(), a.citation.clone()),
        (None, Some(dv), None) => (
            dv.clone(),
            format!(
                "derived: {} days after listing on {}",
                inv.divestment_after_days,
                base.map(|b| b.to_string()).unwrap_or_default()
            ),
        ),
        (None, None, None) => (
            Boundary::exact("no listing date", DateTime::<Utc>::MIN_UTC),
            "no divestment date published".to_string(),
        ),
    };
    Clocks {
        listed_on: base,
        effective,
        effective_basis,
        divestment,
        divestment_basis,
        relisting: relisting.map(event_ref),
    }
}

fn published_basis(relisting: Option<&LifecycleEvent>) -> String {
    match relisting {
        Some(ev) => format!(
            "as published; the clock runs from the corrected re-listing of {}",
            ev.at.date
        ),
        None => "as published with the listing".to_string(),
    }
}

impl crate::program::Clock {
    /// The boundary of a date a source publishes for this clock: a date
    /// alone takes the clock's time of day and zone readings; a date with
    /// the clock's time adds the clock's readings to those of its label.
    fn published(&self, z: &ZonedTime) -> Boundary {
        match z.time {
            None => self.on(z.date),
            Some(t) if t == self.time => zoned_boundary(z, &self.zones),
            Some(_) => zoned_boundary(z, &[]),
        }
    }
}

/// Events naming the entity that concern this program.
fn entity_events<'a>(
    book: &'a LawBook,
    entity: &'a Entity,
    program: &'a Program,
    d: &'a Designation,
    kind: EventKind,
) -> Vec<&'a LifecycleEvent> {
    let mut v: Vec<&LifecycleEvent> = book
        .events_for(&entity.id)
        .filter(|e| e.kind == kind)
        .filter(|e| {
            e.programs.is_empty()
                || e.programs.iter().any(|p| {
                    p.eq_ignore_ascii_case(&program.id) || p.eq_ignore_ascii_case(&d.program)
                })
        })
        .collect();
    v.sort_by_key(|e| e.at.clone());
    v
}

fn event_boundary(e: &LifecycleEvent) -> Boundary {
    zoned_boundary(&e.at, &[])
}

/// Evaluates one designation, conservatively, with the alternative reading
/// where an ambiguous boundary decides the answer.
pub(crate) fn evaluate(
    book: &LawBook,
    entity: &Entity,
    d: &Designation,
    program: Option<&Program>,
    tie: &IssuerTie,
    q: &Query,
) -> Finding {
    let mut dates = FindingDates {
        listed: d.listed_on.map(|l| l.to_string()),
        effective: None,
        divestment_until: None,
        ended: d.ended_on.map(|e| match &d.end_reason {
            Some(r) => format!("{e} ({r})"),
            None => e.to_string(),
        }),
    };
    let Some(p) = program else {
        let active = d.active_on(crate::time::eastern_date(q.t));
        return Finding {
            entity_id: entity.id.clone(),
            entity_name: entity.caption().to_string(),
            list: d.list.clone(),
            program: d.program.clone(),
            program_tag: d.program.clone(),
            outcome: Outcome::NotCovered,
            rule: format!(
                "{} on {} under program '{}': no investment effect is modelled for this program; review the listing",
                if active { "listed" } else { "not listed at this instant" },
                d.list,
                d.program
            ),
            citation: d.source.clone().unwrap_or_default(),
            basis: tie.basis.describe(),
            dates,
            events: Vec::new(),
            alternative: None,
            via: None,
        };
    };

    let mut ambiguous: Vec<Unsettled> = Vec::new();
    let relisting = match p.kind {
        ProgramKind::InvestmentBan => {
            let evs = entity_events(book, entity, p, d, EventKind::Relisting);
            evs.into_iter().rev().find(|e| {
                d.listed_on.is_none_or(|l| l <= e.at.date)
                    && d.ended_on.is_none_or(|x| x > e.at.date)
                    && e.at.date <= crate::time::eastern_date(q.t)
            })
        }
        _ => None,
    };
    let clocks = p.investment.as_ref().map(|inv| clocks(inv, d, relisting));
    if let Some(c) = &clocks {
        dates.listed = c.listed_on.map(|l| l.to_string());
        dates.effective = Some(format!("{} ({})", c.effective, c.effective_basis));
        let superseded = p
            .ends
            .as_ref()
            .filter(|e| e.boundary().latest() <= c.divestment.earliest())
            .map(|e| format!("; never reached: the regime ended {}", e.date))
            .unwrap_or_default();
        dates.divestment_until = Some(format!(
            "before {} ({}{superseded})",
            c.divestment, c.divestment_basis
        ));
    }

    let conservative = decide(
        book,
        entity,
        d,
        p,
        tie,
        q,
        clocks.as_ref(),
        Mode::Conservative,
        &mut ambiguous,
    );
    let mut scratch = Vec::new();
    let lenient = decide(
        book,
        entity,
        d,
        p,
        tie,
        q,
        clocks.as_ref(),
        Mode::Lenient,
        &mut scratch,
    );
    let alternative = (lenient.outcome != conservative.outcome).then(|| Alternative {
        reading: describe_readings(&ambiguous, q.t, &lenient.rule),
        outcome: lenient.outcome,
    });
    Finding {
        entity_id: entity.id.clone(),
        entity_name: entity.caption().to_string(),
        list: d.list.clone(),
        program: p.id.clone(),
        program_tag: d.program.clone(),
        outcome: conservative.outcome,
        rule: conservative.rule,
        citation: conservative.citation,
        basis: tie.basis.describe(),
        dates,
        events: conservative.events,
        alternative,
        via: None,
    }
}

fn describe_readings(ambiguous: &[Unsettled], t: DateTime<Utc>, lenient_rule: &str) -> String {
    let parts: Vec<String> = ambiguous
        .iter()
        .filter_map(|u| match u {
            Unsettled::Boundary(what, b) if b.straddles(t) => {
                let readings: Vec<String> = b
                    .readings
                    .iter()
                    .map(|r| format!("{} [{}]", eastern(r.at), r.label))
                    .collect();
                Some(format!("{what} can be read as {}", readings.join(" or ")))
            }
            Unsettled::Boundary(..) => None,
            Unsettled::Reading(text) => Some(text.clone()),
        })
        .collect();
    format!(
        "{}; the conservative reading is applied. Under the other reading: {lenient_rule}",
        parts.join("; ")
    )
}

#[allow(clippy::too_many_arguments)]
fn decide(
    book: &LawBook,
    entity: &Entity,
    d: &Designation,
    p: &Program,
    tie: &IssuerTie,
    q: &Query,
    clocks: Option<&Clocks>,
    mode: Mode,
    ambiguous: &mut Vec<Unsettled>,
) -> Verdict {
    let t = q.t;
    let mut note = Notes(ambiguous);

    // Vacatur: the designation ends as if never made.
    for ev in entity_events(book, entity, p, d, EventKind::Vacatur) {
        let b = event_boundary(ev);
        note.boundary(&format!("the vacatur of {}", ev.at.date), &b);
        if t >= late(&b, mode) {
            return Verdict::new(
                Outcome::NotCovered,
                format!(
                    "designation vacated on {} ({}): treated as never made",
                    ev.at.date, ev.title
                ),
                ev.source.clone(),
            )
            .with_events(vec![event_ref(ev)]);
        }
    }

    // The regime as a whole.
    if let Some(end) = &p.ends {
        let b = end.boundary();
        note.boundary("the end of the regime", &b);
        if t >= late(&b, mode) {
            let events: Vec<EventRef> = book
                .events_on(EventKind::Law, end.date)
                .chain(book.events_on(EventKind::Removal, end.date))
                .map(event_ref)
                .collect();
            return Verdict::new(
                Outcome::NotCovered,
                format!(
                    "the {} regime ended on {}: no prohibition remains under it",
                    p.id, end.date
                ),
                p.ends_citation
                    .clone()
                    .unwrap_or_else(|| p.citation.clone()),
            )
            .with_events(events);
        }
    }

    // Removal.
    if let Some(end) = d.ended_on {
        let b = Boundary::at(end, None, &[]);
        note.boundary(&format!("the removal on {end}"), &b);
        if t >= late(&b, mode) {
            let mut events: Vec<EventRef> =
                [EventKind::Removal, EventKind::Relisting, EventKind::Vacatur]
                    .into_iter()
                    .flat_map(|k| entity_events(book, entity, p, d, k))
                    .filter(|e| e.at.date == end)
                    .map(event_ref)
                    .collect();
            events.dedup_by(|a, b| a.id == b.id);
            return Verdict::new(
                Outcome::NotCovered,
                format!(
                    "removed from {} on {end}{}",
                    d.list,
                    d.end_reason
                        .as_ref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                ),
                d.source.clone().unwrap_or_else(|| p.citation.clone()),
            )
            .with_events(events);
        }
    }

    // Not yet listed.
    let listed_on = clocks.and_then(|c| c.listed_on).or(d.listed_on);
    if let Some(l) = d.listed_on.or(listed_on) {
        if t < start_of(l).earliest() {
            return Verdict::new(
                Outcome::NotCovered,
                format!("not listed at this instant (listed on {l})"),
                d.source.clone().unwrap_or_else(|| p.citation.clone()),
            );
        }
    }

    match p.kind {
        ProgramKind::Procurement => {
            let steps: Vec<String> = p
                .procurement
                .iter()
                .map(|s| {
                    let state = if crate::time::eastern_date(t) >= s.from {
                        "in force since"
                    } else {
                        "not yet in force; from"
                    };
                    format!("{} ({state} {})", s.citation, s.from)
                })
                .collect();
            Verdict::new(
                Outcome::NotCovered,
                format!(
                    "on the {} list: no investment prohibition (procurement bars only: {})",
                    p.id,
                    steps.join("; ")
                ),
                p.citation.clone(),
            )
        }
        ProgramKind::Blocking => {
            if tie.basis.is_close_match() {
                return Verdict::new(
                    Outcome::NotCovered,
                    "close name match only: blocking applies to the listed person itself; confirm identity before dealing",
                    p.citation.clone(),
                );
            }
            if !q.us_person {
                return Verdict::new(
                    Outcome::Allowed,
                    "blocked under US sanctions, but blocking binds US persons only (secondary sanctions may apply)",
                    p.citation.clone(),
                );
            }
            let when = entity
                .properties
                .get("listedBetween")
                .and_then(|v| v.first())
                .map(|w| format!(" The list publishes no designation date: listed {w}; the earliest date is applied."))
                .unwrap_or_default();
            Verdict::new(
                Outcome::Blocked,
                format!(
                    "property and interests in property of a blocked person (program {}): no purchase, sale, transfer or other dealing; holdings must be blocked and reported to OFAC.{when}",
                    d.program
                ),
                p.citation.clone(),
            )
        }
        ProgramKind::InvestmentBan => {
            let (Some(inv), Some(c)) = (p.investment.as_ref(), clocks) else {
                return Verdict::new(
                    Outcome::NotCovered,
                    "program has no investment rules",
                    p.citation.clone(),
                );
            };
            investment(book, entity, d, p, inv, c, tie, q, mode, &mut note)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn investment(
    book: &LawBook,
    entity: &Entity,
    d: &Designation,
    p: &Program,
    inv: &InvestmentRules,
    c: &Clocks,
    tie: &IssuerTie,
    q: &Query,
    mode: Mode,
    note: &mut Notes<'_>,
) -> Verdict {
    let t = q.t;
    let relisting: Vec<EventRef> = c.relisting.iter().cloned().collect();

    // Preliminary injunction: suspends effect from its date until a further
    // order (a vacatur or removal, handled above).
    for ev in entity_events(book, entity, p, d, EventKind::Injunction) {
        let b = event_boundary(ev);
        note.boundary(&format!("the injunction of {}", ev.at.date), &b);
        if t >= late(&b, mode) {
            let mut events = relisting.clone();
            events.push(event_ref(ev));
            return Verdict::new(
                Outcome::Allowed,
                format!(
                    "prohibitions suspended by a preliminary injunction of {} pending further order ({})",
                    ev.at.date, ev.title
                ),
                ev.source.clone(),
            )
            .with_events(events);
        }
    }

    note.boundary("the effective time", &c.effective);
    if t < early(&c.effective, mode) {
        return Verdict::new(
            Outcome::Allowed,
            format!(
                "listed{}, but prohibitions begin only at {} ({})",
                c.listed_on.map(|l| format!(" on {l}")).unwrap_or_default(),
                c.effective,
                c.effective_basis
            ),
            inv.effective_citation.clone(),
        )
        .with_events(relisting);
    }

    let mut prefix = String::new();
    if tie.basis.is_close_match() {
        let Some(cm) = &p.close_match else {
            return Verdict::new(
                Outcome::NotCovered,
                format!(
                    "close name match only ({}); {} covers listed entities only",
                    tie.basis.describe(),
                    p.id
                ),
                p.citation.clone(),
            );
        };
        for l in &cm.licences {
            let issued = l.issued.boundary();
            let expires = l.expires.boundary();
            note.boundary(&format!("the issue of {}", l.id), &issued);
            note.boundary(&format!("the expiry of {}", l.id), &expires);
            if late(&issued, mode) <= t && t < early(&expires, mode) {
                let events = book
                    .events_on(EventKind::GeneralLicense, l.issued.date)
                    .map(event_ref)
                    .collect();
                return Verdict::new(
                    Outcome::Allowed,
                    format!(
                        "issuer name closely matches a listed name ({}); close-match trades authorised by {} until {}",
                        tie.basis.describe(),
                        l.id,
                        expires
                    ),
                    format!("{}; {}", cm.citation, l.citation),
                )
                .with_events(events);
            }
        }
        prefix = format!(
            "close-match name ({}), no general licence in force: ",
            tie.basis.describe()
        );
    }

    if !q.us_person {
        return Verdict::new(
            Outcome::Allowed,
            format!("{prefix}prohibitions bind US persons only"),
            p.citation.clone(),
        );
    }

    // When the position was acquired, if the user says: the divestment
    // carve-out is read conservatively as covering securities held before
    // prohibitions began (the day prohibitions begin counts as after).
    let start_day = crate::time::eastern_date(c.effective.earliest());
    let acquired_late = q.held_since.filter(|h| *h >= start_day);
    let held_note = match (q.held_since, acquired_late) {
        (Some(h), None) => format!(
            " The position, held since {h}, predates the prohibitions: within the carve-out."
        ),
        (Some(h), Some(_)) => format!(
            " Note: the position was acquired on {h}, after prohibitions began at {}.",
            c.effective
        ),
        _ => String::new(),
    };
    note.boundary("the close of the divestment window", &c.divestment);
    let div_open = t < early(&c.divestment, mode);
    match q.side {
        Side::Hold => {
            if inv.possession_prohibited && !div_open {
                Verdict::new(
                    Outcome::Prohibited,
                    format!("{prefix}possession prohibited after the divestment deadline {}", c.divestment),
                    inv.possession_citation.clone(),
                )
            } else {
                Verdict::new(
                    Outcome::Allowed,
                    format!(
                        "{prefix}holding is not prohibited (purchases are prohibited since {})",
                        c.effective
                    ),
                    inv.possession_citation.clone(),
                )
            }
        }
        Side::Buy => Verdict::new(
            Outcome::Prohibited,
            format!(
                "{prefix}purchase prohibited since {}{}",
                c.effective,
                if div_open {
                    format!(
                        " (a purchase made solely to divest, e.g. closing a short position, is permitted before {})",
                        c.divestment
                    )
                } else {
                    String::new()
                }
            ),
            format!("{}; {}", inv.purchase_citation, inv.effective_citation),
        )
        .with_events(relisting),
        Side::Sell => {
            if let Some(sf) = &inv.sale_prohibited_from {
                let b = sf.boundary();
                note.boundary("the start of the sale prohibition", &b);
                if t < early(&b, mode) {
                    return Verdict::new(
                        Outcome::Allowed,
                        format!("{prefix}sales were not prohibited before {}", sf.date),
                        inv.sale_citation.clone(),
                    );
                }
            }
            if let (true, Some(h), Some(limit)) = (
                div_open,
                acquired_late,
                inv.divestment_limited_to_prior_holdings.as_ref(),
            ) {
                note.reading(format!(
                    "whether the divestment carve-out covers a position acquired on {h}, on or after the day prohibitions began ({}), is not settled",
                    c.effective
                ));
                if mode == Mode::Conservative {
                    return Verdict::new(
                        Outcome::Prohibited,
                        format!(
                            "{prefix}the position was acquired on {h}, on or after the start of prohibitions at {}: the conservative reading limits the divestment carve-out (open before {}) to securities held before prohibitions began, so this sale is prohibited",
                            c.effective, c.divestment
                        ),
                        format!("{}; {limit}", inv.divestment_citation),
                    )
                    .with_events(relisting);
                }
            }
            if div_open {
                Verdict::new(
                    Outcome::PermittedDivestment,
                    format!(
                        "{prefix}sale solely to divest, permitted before {} ({}).{held_note}",
                        c.divestment, c.divestment_basis
                    ),
                    inv.divestment_citation.clone(),
                )
                .with_events(relisting)
            } else {
                Verdict::new(
                    Outcome::Prohibited,
                    format!(
                        "{prefix}the divestment window closed at {}: any purchase or sale needs an OFAC licence",
                        c.divestment
                    ),
                    format!("{}; {}", inv.sale_citation, inv.divestment_citation),
                )
                .with_events(relisting)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Clock;
    use crate::ZoneReading;

    fn t(s: &str) -> DateTime<Utc> {
        crate::parse_instant(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn conservative_reading_starts_restrictions_early_and_ends_them_late() {
        let eff = Boundary::at(
            "2022-02-08".parse().unwrap(),
            Some("00:01".parse().unwrap()),
            &[ZoneReading::Edt, ZoneReading::Et],
        );
        assert_eq!(
            eastern(early(&eff, Mode::Conservative)),
            "2022-02-07 23:01:00 EST"
        );
        assert_eq!(
            eastern(early(&eff, Mode::Lenient)),
            "2022-02-08 00:01:00 EST"
        );
        let end = Boundary::at("2021-06-03".parse().unwrap(), None, &[]);
        assert_eq!(
            eastern(late(&end, Mode::Conservative)),
            "2021-06-04 00:00:00 EDT"
        );
        assert_eq!(
            eastern(late(&end, Mode::Lenient)),
            "2021-06-03 00:00:00 EDT"
        );
    }

    #[test]
    fn prohibition_is_inclusive_and_divestment_exclusive_to_the_second() {
        let clock = Clock {
            time: "00:01".parse().unwrap(),
            zones: vec![ZoneReading::Edt, ZoneReading::Et],
        };
        let start = clock.on("2021-08-02".parse().unwrap());
        let close = clock.on("2022-06-03".parse().unwrap());
        for mode in [Mode::Conservative, Mode::Lenient] {
            assert!(t("2021-08-02 00:00:59") < early(&start, mode));
            assert!(t("2021-08-02 00:01:00") >= early(&start, mode));
            assert!(t("2022-06-03 00:00:59") < early(&close, mode));
            assert!(t("2022-06-03 00:01:00") >= early(&close, mode));
        }
    }

    #[test]
    fn published_dates_take_the_clock_time_and_readings() {
        let clock = Clock {
            time: "09:30".parse().unwrap(),
            zones: vec![ZoneReading::Est, ZoneReading::Et],
        };
        let date_only = ZonedTime::date("2021-03-15".parse().unwrap());
        let b = clock.published(&date_only);
        assert_eq!(eastern(b.earliest()), "2021-03-15 09:30:00 EDT");
        assert_eq!(eastern(b.latest()), "2021-03-15 10:30:00 EDT");
        let labelled = ZonedTime::at(
            "2021-03-15".parse().unwrap(),
            "09:30".parse().unwrap(),
            "ET (if the EO wording is EST, this is 10:30 EDT)",
        );
        let l = clock.published(&labelled);
        assert_eq!((l.earliest(), l.latest()), (b.earliest(), b.latest()));
        let other_time = ZonedTime::at(
            "2021-03-15".parse().unwrap(),
            "12:00".parse().unwrap(),
            "EDT",
        );
        assert!(!clock.published(&other_time).is_ambiguous());
    }
}
