//! The entity timeline: designations and lifecycle events drawn as an SVG
//! band per program.
//!
//! [`render`] is a pure function from an entity's designations and the
//! events that concern it to a self-contained SVG string (no scripts, no
//! external references besides the events' source links). Each program
//! gets one band: a pale segment from listing to effect, a solid segment
//! while the prohibitions are in force, a hatched segment for a divestment
//! window, and a marker per event (injunction, vacatur, re-listing, edition
//! change…). Events that concern no program of the entity go to a last
//! band, "Legal events".

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{Datelike, NaiveDate};
use embargo_model::{Designation, EventKind, LifecycleEvent};

/// Width of the drawing in SVG user units.
const WIDTH: f64 = 960.0;
/// Width of the label column on the left.
const LABEL_W: f64 = 190.0;
/// Right margin.
const RIGHT: f64 = 16.0;
/// Height of the year axis at the top.
const AXIS_H: f64 = 26.0;
/// Height of one band.
const BAND_H: f64 = 34.0;

/// One band of the timeline.
#[derive(Debug, Clone, PartialEq)]
struct Band {
    label: String,
    designations: Vec<Designation>,
    events: Vec<LifecycleEvent>,
}

/// Groups designations by (list, program) and attaches each event to the
/// bands of the programs it names; the rest go to a "Legal events" band.
fn bands(designations: &[Designation], events: &[LifecycleEvent]) -> Vec<Band> {
    let mut by_program: BTreeMap<(String, String), Vec<Designation>> = BTreeMap::new();
    for d in designations {
        by_program
            .entry((d.list.clone(), d.program.clone()))
            .or_default()
            .push(d.clone());
    }
    let mut out: Vec<Band> = by_program
        .into_iter()
        .map(|((list, program), designations)| Band {
            label: format!("{program} · {}", short_list(&list)),
            designations,
            events: Vec::new(),
        })
        .collect();
    let mut loose = Vec::new();
    for ev in events {
        let mut placed = false;
        for band in out.iter_mut() {
            if band
                .designations
                .iter()
                .any(|d| ev.programs.iter().any(|p| p == &d.program))
            {
                band.events.push(ev.clone());
                placed = true;
            }
        }
        if !placed {
            loose.push(ev.clone());
        }
    }
    if !loose.is_empty() {
        out.push(Band {
            label: "Legal events".to_string(),
            designations: Vec::new(),
            events: loose,
        });
    }
    out
}

/// A short label for a list key (`us_ofac_cons` → `OFAC cons`).
pub fn short_list(list: &str) -> String {
    match list {
        "us_ofac_sdn" => "OFAC SDN".into(),
        "us_ofac_cons" => "OFAC non-SDN".into(),
        "us_ofac_ns_cmic" => "NS-CMIC".into(),
        "us_dod_1237" => "DoD 1237".into(),
        "us_dod_1260h" => "DoD 1260H".into(),
        "us_bis_dpl" => "BIS DPL".into(),
        "us_trade_csl" => "trade.gov CSL".into(),
        other => other.to_string(),
    }
}

/// Every date the timeline must show.
fn all_dates(designations: &[Designation], events: &[LifecycleEvent]) -> Vec<NaiveDate> {
    let mut dates = Vec::new();
    for d in designations {
        dates.extend(d.listed_on);
        dates.extend(d.effective.as_ref().map(|z| z.date));
        dates.extend(d.divestment_until.as_ref().map(|z| z.date));
        dates.extend(d.ended_on);
    }
    dates.extend(events.iter().map(|e| e.at.date));
    dates
}

/// Maps dates to x coordinates over `[start, end]`.
#[derive(Debug, Clone, Copy)]
struct Scale {
    start: NaiveDate,
    days: f64,
}

impl Scale {
    fn new(start: NaiveDate, end: NaiveDate) -> Scale {
        let days = (end - start).num_days().max(1) as f64;
        Scale { start, days }
    }

    fn x(&self, d: NaiveDate) -> f64 {
        let t = (d - self.start).num_days() as f64 / self.days;
        LABEL_W + t.clamp(0.0, 1.0) * (WIDTH - LABEL_W - RIGHT)
    }
}

/// The colour class and short name of an event kind.
fn event_style(kind: EventKind) -> (&'static str, &'static str) {
    match kind {
        EventKind::Law => ("ev-law", "law"),
        EventKind::Listing => ("ev-listing", "listing / edition"),
        EventKind::EffectStart => ("ev-effect", "effect"),
        EventKind::DivestmentDeadline => ("ev-divest", "divestment deadline"),
        EventKind::Injunction => ("ev-injunction", "injunction"),
        EventKind::Vacatur => ("ev-vacatur", "vacatur"),
        EventKind::Relisting => ("ev-relisting", "re-listing"),
        EventKind::Removal => ("ev-removal", "removal"),
        EventKind::GeneralLicense => ("ev-license", "general licence"),
        EventKind::Guidance => ("ev-guidance", "guidance"),
        EventKind::Litigation => ("ev-litigation", "litigation"),
        EventKind::Other => ("ev-other", "event"),
    }
}

/// Escapes text for SVG/XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The first http(s) URL in a free-text source citation, if any.
pub fn first_url(source: &str) -> Option<&str> {
    let start = source.find("https://").or_else(|| source.find("http://"))?;
    let rest = &source[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ')' | ';' | ',' | '"' | '<' | '>'))
        .unwrap_or(rest.len());
    let url = rest[..end].trim_end_matches(['.', ']']);
    (url.len() > "https://".len()).then_some(url)
}

/// Renders the timeline of one entity as an SVG document fragment.
///
/// `today` closes open-ended designations and is marked with a dashed
/// line; `instant`, when given, is marked too (the "as of" date the page
/// shows). Returns an empty string when there is nothing to draw.
pub fn render(
    designations: &[Designation],
    events: &[LifecycleEvent],
    today: NaiveDate,
    instant: Option<NaiveDate>,
) -> String {
    let dates = all_dates(designations, events);
    let (Some(&min), Some(&max)) = (dates.iter().min(), dates.iter().max()) else {
        return String::new();
    };
    let open_ended = designations.iter().any(|d| d.ended_on.is_none());
    let mut end = if open_ended { max.max(today) } else { max };
    if let Some(i) = instant {
        end = end.max(i);
    }
    let start_year = min.year();
    let end_year = end.year() + 1;
    let start = NaiveDate::from_ymd_opt(start_year, 1, 1).unwrap_or(min);
    let end = NaiveDate::from_ymd_opt(end_year, 1, 1).unwrap_or(end);
    let scale = Scale::new(start, end);
    let bands = bands(designations, events);
    let height = AXIS_H + BAND_H * bands.len() as f64 + 8.0;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="tl-title"><title id="tl-title">Timeline of designations and legal events, {start} to {end}</title>"#,
    );
    s.push_str(r#"<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" class="hatch"/></pattern><pattern id="hatch-grey" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" class="hatch-grey"/></pattern></defs>"#);

    // Year axis: a tick per year, labelled sparsely when the span is long.
    let years = (end_year - start_year).max(1);
    let step = if years > 16 {
        4
    } else if years > 8 {
        2
    } else {
        1
    };
    for y in (start_year..=end_year).step_by(step as usize) {
        if let Some(d) = NaiveDate::from_ymd_opt(y, 1, 1) {
            let x = scale.x(d);
            let _ = write!(
                s,
                r#"<line class="grid" x1="{x:.1}" y1="{AXIS_H}" x2="{x:.1}" y2="{height}"/><text class="year" x="{x:.1}" y="16">{y}</text>"#,
            );
        }
    }

    for (i, band) in bands.iter().enumerate() {
        let y = AXIS_H + BAND_H * i as f64;
        let mid = y + BAND_H / 2.0;
        let _ = write!(
            s,
            r#"<g class="band"><text class="band-label" x="4" y="{:.1}">{}</text><line class="track" x1="{LABEL_W}" y1="{mid:.1}" x2="{:.1}" y2="{mid:.1}"/>"#,
            mid + 4.0,
            esc(&truncate(&band.label, 28)),
            WIDTH - RIGHT,
        );
        let vacated = first_event(&band.events, EventKind::Vacatur);
        let enjoined = first_event(&band.events, EventKind::Injunction);
        for d in &band.designations {
            let court = Court {
                vacated: vacated.filter(|v| d.listed_on.is_none_or(|l| *v >= l)),
                enjoined: enjoined.filter(|v| d.listed_on.is_none_or(|l| *v >= l)),
            };
            draw_designation(&mut s, d, scale, mid, today, court);
        }
        for ev in &band.events {
            draw_event(&mut s, ev, scale, mid);
        }
        s.push_str("</g>");
    }

    for (date, class, label) in [
        (Some(today), "today", "today"),
        (instant, "instant", "as of"),
    ] {
        let Some(date) = date else { continue };
        if date < start || date > end {
            continue;
        }
        let x = scale.x(date);
        let _ = write!(
            s,
            r#"<line class="{class}" x1="{x:.1}" y1="{AXIS_H}" x2="{x:.1}" y2="{height}"><title>{label} {date}</title></line>"#,
        );
    }
    s.push_str("</svg>");
    s
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

/// The first event of a kind in a band.
fn first_event(events: &[LifecycleEvent], kind: EventKind) -> Option<NaiveDate> {
    events
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.at.date)
        .min()
}

/// Court orders that change how a designation's effect is drawn.
#[derive(Debug, Clone, Copy, Default)]
struct Court {
    /// A vacatur: the designation counts as never made.
    vacated: Option<NaiveDate>,
    /// A preliminary injunction: effect suspended from that day.
    enjoined: Option<NaiveDate>,
}

fn draw_designation(
    s: &mut String,
    d: &Designation,
    scale: Scale,
    mid: f64,
    today: NaiveDate,
    court: Court,
) {
    let listed = d.listed_on.or(d.effective.as_ref().map(|z| z.date));
    let Some(listed) = listed else {
        // A designation with no date at all: a marker at the right edge.
        let x = scale.x(today);
        let _ = write!(
            s,
            r#"<circle class="undated" cx="{x:.1}" cy="{mid:.1}" r="5"><title>{} on {} (no listing date published)</title></circle>"#,
            esc(&d.program),
            esc(&d.list),
        );
        return;
    };
    let end = d.ended_on.unwrap_or(today.max(listed));
    let effective = d.effective.as_ref().map(|z| z.date).unwrap_or(listed);
    let (x0, xe, x1) = (scale.x(listed), scale.x(effective.min(end)), scale.x(end));
    let h = 12.0;
    let top = mid - h / 2.0;
    let mut tip = format!("{} on {}: listed {listed}", d.program, d.list);
    if let Some(e) = &d.effective {
        let _ = write!(tip, ", effective {e}");
    }
    if let Some(dv) = &d.divestment_until {
        let _ = write!(tip, ", divestment until {dv}");
    }
    if let Some(e) = d.ended_on {
        let _ = write!(tip, ", ended {e}");
        if let Some(r) = &d.end_reason {
            let _ = write!(tip, " ({})", truncate(r, 120));
        }
    }
    let tip = esc(&tip);
    let link = d.source.as_deref().and_then(first_url);
    if let Some(url) = link {
        let _ = write!(
            s,
            r#"<a href="{}" target="_blank" rel="noopener">"#,
            esc(url)
        );
    }
    if xe > x0 {
        let _ = write!(
            s,
            r#"<rect class="pending" x="{x0:.1}" y="{top:.1}" width="{:.1}" height="{h}"><title>{tip}</title></rect>"#,
            xe - x0,
        );
    }
    if let Some(v) = court.vacated {
        let _ = write!(
            s,
            r#"<rect class="vacated" x="{xe:.1}" y="{top:.1}" width="{:.1}" height="{h}" data-program="{}"><title>{tip}; vacated by court order on {v}: treated as never made</title></rect>"#,
            (x1 - xe).max(2.0),
            esc(&d.program),
        );
    } else {
        // In force from the effective date, suspended from an injunction on.
        let xs = court
            .enjoined
            .map(|e| scale.x(e).clamp(xe, x1))
            .unwrap_or(x1);
        if xs > xe || court.enjoined.is_none() {
            let _ = write!(
                s,
                r#"<rect class="inforce" x="{xe:.1}" y="{top:.1}" width="{:.1}" height="{h}" data-program="{}"><title>{tip}</title></rect>"#,
                (xs - xe).max(2.0),
                esc(&d.program),
            );
        }
        if let Some(e) = court.enjoined {
            let _ = write!(
                s,
                r#"<rect class="suspended" x="{xs:.1}" y="{top:.1}" width="{:.1}" height="{h}" data-program="{}"><title>{tip}; enjoined on {e}: effect suspended</title></rect>"#,
                (x1 - xs).max(2.0),
                esc(&d.program),
            );
        }
    }
    if let Some(dv) = &d.divestment_until {
        let xd = scale.x(dv.date).min(x1);
        if xd > xe {
            let _ = write!(
                s,
                r#"<rect class="divest" x="{xe:.1}" y="{top:.1}" width="{:.1}" height="{h}" fill="url(#hatch)"><title>Divestment allowed until {}</title></rect>"#,
                xd - xe,
                esc(&dv.to_string()),
            );
        }
    }
    if d.ended_on.is_some() {
        let _ = write!(
            s,
            r#"<line class="ended" x1="{x1:.1}" y1="{:.1}" x2="{x1:.1}" y2="{:.1}"><title>{tip}</title></line>"#,
            top - 4.0,
            top + h + 4.0,
        );
    }
    if link.is_some() {
        s.push_str("</a>");
    }
}

fn draw_event(s: &mut String, ev: &LifecycleEvent, scale: Scale, mid: f64) {
    let (class, kind) = event_style(ev.kind);
    let x = scale.x(ev.at.date);
    let r = 6.0;
    let tip = esc(&format!("{} — {kind}: {} — {}", ev.at, ev.title, ev.effect));
    let link = first_url(&ev.source);
    if let Some(url) = link {
        let _ = write!(
            s,
            r#"<a href="{}" target="_blank" rel="noopener">"#,
            esc(url)
        );
    }
    // A diamond for legal-effect events, a circle for the rest.
    let diamond = matches!(
        ev.kind,
        EventKind::Injunction
            | EventKind::Vacatur
            | EventKind::Relisting
            | EventKind::Removal
            | EventKind::EffectStart
            | EventKind::DivestmentDeadline
    );
    if diamond {
        let _ = write!(
            s,
            r#"<path class="event {class}" data-kind="{}" d="M{x:.1} {:.1} L{:.1} {mid:.1} L{x:.1} {:.1} L{:.1} {mid:.1} Z"><title>{tip}</title></path>"#,
            ev.kind.as_str(),
            mid - r - 1.0,
            x + r,
            mid + r + 1.0,
            x - r,
        );
    } else {
        let _ = write!(
            s,
            r#"<circle class="event {class}" data-kind="{}" cx="{x:.1}" cy="{mid:.1}" r="{:.1}"><title>{tip}</title></circle>"#,
            ev.kind.as_str(),
            r - 1.5,
        );
    }
    if link.is_some() {
        s.push_str("</a>");
    }
}

/// The legend shown under a timeline, as (class, label) pairs.
pub fn legend() -> &'static [(&'static str, &'static str)] {
    &[
        ("pending", "listed, not yet in effect"),
        ("inforce", "in force"),
        ("suspended", "enjoined (suspended)"),
        ("vacated", "vacated (never in effect)"),
        ("divest", "divestment window"),
        ("ev-injunction", "injunction"),
        ("ev-vacatur", "vacatur / removal"),
        ("ev-relisting", "re-listing"),
        ("ev-listing", "listing / edition"),
        ("ev-law", "law / guidance"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use embargo_model::{EntityId, ZonedTime};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn xiaomi() -> (Vec<Designation>, Vec<LifecycleEvent>) {
        let mut d = Designation::new("us_dod_1237", "CCMC-1237");
        d.listed_on = Some(date("2021-01-14"));
        d.effective = Some(ZonedTime::at(
            date("2021-03-15"),
            "09:30".parse().unwrap(),
            "ET",
        ));
        d.ended_on = Some(date("2021-05-25"));
        d.end_reason = Some("vacated by D.D.C.".into());
        d.source = Some("DoD release https://example.org/tranche5.pdf".into());
        let ev = |id: &str, kind, at: &str, title: &str, programs: &[&str]| LifecycleEvent {
            id: id.into(),
            kind,
            at: ZonedTime::date(date(at)),
            subject: "Xiaomi Corporation".into(),
            entities: vec![EntityId::new("us_dod_1237", "xiaomi")],
            programs: programs.iter().map(|p| p.to_string()).collect(),
            title: title.into(),
            effect: "effect <b>".into(),
            source: "see https://law.example/case/21 ; Steptoe".into(),
        };
        let events = vec![
            ev(
                "e1",
                EventKind::Injunction,
                "2021-03-12",
                "Preliminary injunction",
                &["CCMC-1237"],
            ),
            ev(
                "e2",
                EventKind::Vacatur,
                "2021-05-25",
                "Vacatur",
                &["CCMC-1237"],
            ),
            ev(
                "e3",
                EventKind::Law,
                "2020-11-12",
                "EO 13959 signed",
                &["CCMC-EO13959"],
            ),
        ];
        (vec![d], events)
    }

    #[test]
    fn draws_a_band_per_program_and_a_band_for_other_events() {
        let (d, e) = xiaomi();
        let svg = render(&d, &e, date("2026-01-01"), None);
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches(r#"<g class="band">"#).count(), 2);
        assert!(svg.contains("CCMC-1237 · DoD 1237"));
        assert!(svg.contains("Legal events"));
        assert!(svg.contains(r#"data-kind="injunction""#));
        assert!(svg.contains(r#"data-kind="vacatur""#));
        assert!(svg.contains(r#"data-kind="law""#));
        // Listed 2021-01-14, to take effect 2021-03-15, vacated 2021-05-25:
        // pending, then drawn as never in effect.
        assert!(svg.contains(r#"class="pending""#));
        assert!(svg.contains(r#"class="vacated""#));
        assert!(!svg.contains(r#"class="inforce""#));
        assert!(svg.contains(r#"class="ended""#));
    }

    #[test]
    fn an_injunction_suspends_the_effect() {
        let (d, mut e) = xiaomi();
        e.retain(|ev| ev.kind != EventKind::Vacatur);
        let mut d = d;
        d[0].ended_on = None;
        d[0].effective = Some(ZonedTime::date(date("2021-02-01")));
        let svg = render(&d, &e, date("2022-01-01"), None);
        assert!(
            svg.contains(r#"class="inforce""#),
            "in force from 02-01 to 03-12"
        );
        assert!(svg.contains(r#"class="suspended""#));
        assert!(svg.contains("enjoined on 2021-03-12"));
    }

    #[test]
    fn escapes_text_and_links_sources() {
        let (d, e) = xiaomi();
        let svg = render(&d, &e, date("2026-01-01"), None);
        assert!(svg.contains("effect &lt;b&gt;"));
        assert!(!svg.contains("effect <b>"));
        assert!(svg.contains(r#"<a href="https://law.example/case/21""#));
        assert!(svg.contains(r#"<a href="https://example.org/tranche5.pdf""#));
    }

    #[test]
    fn events_are_placed_in_date_order_on_the_axis() {
        let (d, e) = xiaomi();
        let svg = render(&d, &e, date("2022-01-01"), None);
        let cx = |kind: &str| -> f64 {
            let at = svg.find(&format!(r#"data-kind="{kind}""#)).unwrap();
            let rest = &svg[at..];
            let key = if kind == "law" { "cx=\"" } else { "d=\"M" };
            let p = rest.find(key).unwrap() + key.len();
            let num: String = rest[p..]
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            num.parse().unwrap()
        };
        let law = cx("law");
        let inj = cx("injunction");
        let vac = cx("vacatur");
        assert!(law < inj && inj < vac, "{law} {inj} {vac}");
        assert!(law >= LABEL_W && vac <= WIDTH - RIGHT);
    }

    #[test]
    fn divestment_window_is_hatched() {
        let mut d = Designation::new("us_ofac_cons", "CMIC-EO13959");
        d.listed_on = Some(date("2021-06-03"));
        d.effective = Some(ZonedTime::date(date("2021-08-02")));
        d.divestment_until = Some(ZonedTime::date(date("2022-06-03")));
        let svg = render(&[d], &[], date("2025-12-01"), Some(date("2021-03-16")));
        assert!(svg.contains(r#"class="divest""#));
        assert!(svg.contains("url(#hatch)"));
        assert!(svg.contains(r#"class="today""#));
        assert!(svg.contains(r#"class="instant""#));
        assert!(svg.contains(">2021<"));
        assert!(svg.contains(">2026<"));
    }

    #[test]
    fn nothing_to_draw_gives_an_empty_string() {
        assert_eq!(render(&[], &[], date("2025-01-01"), None), "");
    }

    #[test]
    fn finds_urls_in_citations() {
        assert_eq!(
            first_url("DoD PDF https://media.defense.gov/a.PDF (URL per Reuters)"),
            Some("https://media.defense.gov/a.PDF")
        );
        assert_eq!(first_url("Steptoe blog 2020-06"), None);
        assert_eq!(first_url("x http://a.b/c; y"), Some("http://a.b/c"));
    }
}
