//! Renderers for portfolio screenings: CSV, JSON and a self-contained HTML
//! page fit for a compliance file.

use std::fmt::Write as _;

use serde::Serialize;

use crate::portfolio::PortfolioReport;
use crate::trade::{Outcome, Side};

/// What the report states about its provenance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportContext {
    /// The report title.
    pub title: String,
    /// The list versions and data used, one line each.
    pub data_versions: Vec<String>,
    /// When the report was produced (free text, e.g. an RFC 3339 time).
    pub generated_at: String,
}

/// An error while rendering.
#[derive(Debug, thiserror::Error)]
#[error("cannot render report: {0}")]
pub struct RenderError(String);

/// One CSV line per position: the three outcomes, the programs, the issuers,
/// the reason and any alternative reading.
pub fn to_csv(r: &PortfolioReport) -> Result<String, RenderError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| RenderError(e.to_string());
    w.write_record([
        "position_id",
        "security",
        "quantity",
        "held_since",
        "at_eastern",
        "buy",
        "sell",
        "hold",
        "programs",
        "issuers",
        "reason",
        "alternative",
    ])
    .map_err(err)?;
    for p in &r.positions {
        let mut programs: Vec<&str> = p.buy.findings.iter().map(|f| f.program.as_str()).collect();
        programs.sort_unstable();
        programs.dedup();
        let mut issuers: Vec<String> = p
            .buy
            .findings
            .iter()
            .map(|f| format!("{} ({})", f.entity_name, f.entity_id))
            .collect();
        issuers.dedup();
        let alternative = Side::ALL
            .iter()
            .filter_map(|s| {
                p.decision(*s)
                    .alternative
                    .as_ref()
                    .map(|a| format!("{}: {} ({})", s.as_str(), a.outcome, a.reading))
            })
            .collect::<Vec<_>>()
            .join(" | ");
        w.write_record([
            p.position.id.as_str(),
            &p.position.security.to_string(),
            &p.position
                .quantity
                .map(|q| q.to_string())
                .unwrap_or_default(),
            &p.position
                .held_since
                .map(|d| d.to_string())
                .unwrap_or_default(),
            &r.at_eastern,
            p.buy.outcome.as_str(),
            p.sell.outcome.as_str(),
            p.hold.outcome.as_str(),
            &programs.join(";"),
            &issuers.join(";"),
            &p.reason(),
            &alternative,
        ])
        .map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| RenderError(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| RenderError(e.to_string()))
}

/// The report as pretty JSON, with its context.
pub fn to_json(r: &PortfolioReport, ctx: &ReportContext) -> Result<String, RenderError> {
    #[derive(Serialize)]
    struct Doc<'a> {
        context: &'a ReportContext,
        report: &'a PortfolioReport,
    }
    serde_json::to_string_pretty(&Doc {
        context: ctx,
        report: r,
    })
    .map_err(|e| RenderError(e.to_string()))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
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

fn badge(o: Outcome) -> String {
    format!(
        "<span class=\"o {}\">{}</span>",
        o.as_str(),
        o.as_str().replace('_', " ")
    )
}

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#111}\
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left}\
th{background:#f0f0f0}dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em}dt{font-weight:600}\
.o{display:inline-block;padding:1px 6px;border-radius:3px;font-weight:600;white-space:nowrap}\
.blocked{background:#000;color:#fff}.prohibited{background:#c62828;color:#fff}.permitted_divestment{background:#ef6c00;color:#fff}\
.allowed{background:#fff3c4}.not_covered{background:#e8f5e9}.small{font-size:.88em;color:#333}\
.pos{page-break-inside:avoid;margin-bottom:1em}\
@media print{body{margin:1cm}.o{border:1px solid #000}h2{page-break-after:avoid}}";

/// A self-contained HTML report (inline CSS, no scripts or external
/// assets, all text escaped) stating the instant, the data used, the
/// policy, a summary and every position with its findings.
pub fn to_html(r: &PortfolioReport, ctx: &ReportContext) -> String {
    let e = escape_html;
    let title = if ctx.title.is_empty() {
        "Portfolio screening"
    } else {
        ctx.title.as_str()
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{CSS}</style></head><body>\n",
        e(title)
    );
    let _ = write!(h, "<h1>{}</h1>\n<dl>", e(title));
    let _ = write!(
        h,
        "<dt>Instant screened</dt><dd>{} (input {})</dd>",
        e(&r.at_eastern),
        e(&r.at_input)
    );
    if !ctx.generated_at.is_empty() {
        let _ = write!(h, "<dt>Generated</dt><dd>{}</dd>", e(&ctx.generated_at));
    }
    let _ = write!(h, "<dt>Policy</dt><dd>{}</dd>", e(&r.policy_text));
    let _ = write!(h, "<dt>Positions</dt><dd>{}</dd>", r.summary.positions);
    h.push_str("<dt>Data used</dt><dd>");
    if ctx.data_versions.is_empty() {
        h.push_str("(not stated)");
    } else {
        h.push_str("<ul>");
        for v in &ctx.data_versions {
            let _ = write!(h, "<li>{}</li>", e(v));
        }
        h.push_str("</ul>");
    }
    h.push_str("</dd></dl>\n<p class=\"small\">Outcomes assume a US person trading on the trade date shown. \
Where the law is unsettled the conservative outcome is given and the alternative reading is stated.</p>\n");

    h.push_str("<h2>Summary by outcome</h2><table><tr><th>Side</th>");
    let outcomes = [
        Outcome::Blocked,
        Outcome::Prohibited,
        Outcome::PermittedDivestment,
        Outcome::Allowed,
        Outcome::NotCovered,
    ];
    for o in outcomes {
        let _ = write!(h, "<th>{}</th>", badge(o));
    }
    h.push_str("</tr>");
    for side in Side::ALL {
        let _ = write!(h, "<tr><td>{}</td>", side.as_str());
        for o in outcomes {
            let n = r
                .summary
                .by_outcome
                .get(side.as_str())
                .and_then(|m| m.get(o.as_str()))
                .copied()
                .unwrap_or(0);
            let _ = write!(h, "<td>{n}</td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>\n<h2>Summary by program (buy side)</h2><table><tr><th>Program</th><th>Positions by outcome</th></tr>");
    for (program, counts) in &r.summary.by_program {
        let c: Vec<String> = counts.iter().map(|(o, n)| format!("{o}: {n}")).collect();
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td></tr>",
            e(program),
            e(&c.join(", "))
        );
    }
    h.push_str("</table>\n<h2>Positions</h2><table><tr><th>Position</th><th>Security</th><th>Quantity</th><th>Held since</th><th>Buy</th><th>Sell</th><th>Hold</th><th>Reason</th></tr>");
    // An outcome, and the other reading where the law is unsettled.
    let cell = |d: &crate::trade::TradeDecision| match &d.alternative {
        Some(a) => format!(
            "{}<br><span class=\"small\">other reading: {}</span>",
            badge(d.outcome),
            badge(a.outcome)
        ),
        None => badge(d.outcome),
    };
    for p in &r.positions {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"small\">{}</td></tr>",
            e(&p.position.id),
            e(&p.position.security.to_string()),
            p.position.quantity.map(|q| q.to_string()).unwrap_or_default(),
            p.position.held_since.map(|d| d.to_string()).unwrap_or_default(),
            cell(&p.buy),
            cell(&p.sell),
            cell(&p.hold),
            e(&p.reason())
        );
    }
    h.push_str("</table>\n<h2>Findings</h2>\n");
    for p in r
        .positions
        .iter()
        .filter(|p| !p.buy.findings.is_empty() || !p.sell.findings.is_empty())
    {
        let _ = write!(
            h,
            "<div class=\"pos\"><h3>{} &mdash; {}</h3>",
            e(&p.position.id),
            e(&p.position.security.to_string())
        );
        for side in Side::ALL {
            let d = p.decision(side);
            let _ = write!(h, "<p><b>{}</b>: {}", side.as_str(), badge(d.outcome));
            if let Some(a) = &d.alternative {
                let _ = write!(
                    h,
                    " <span class=\"small\">(alternative reading: {} &mdash; {})</span>",
                    badge(a.outcome),
                    e(&a.reading)
                );
            }
            h.push_str("</p>");
            if d.findings.is_empty() {
                continue;
            }
            h.push_str("<table><tr><th>Issuer</th><th>Program</th><th>Outcome</th><th>Rule</th><th>Dates</th><th>Events</th><th>Citation</th></tr>");
            for f in &d.findings {
                let mut dates = Vec::new();
                for (k, v) in [
                    ("listed", &f.dates.listed),
                    ("effective", &f.dates.effective),
                    ("divestment", &f.dates.divestment_until),
                    ("ended", &f.dates.ended),
                ] {
                    if let Some(v) = v {
                        dates.push(format!("{k}: {}", e(v)));
                    }
                }
                let events: Vec<String> = f
                    .events
                    .iter()
                    .map(|ev| format!("{} {} ({})", ev.date, e(&ev.title), e(&ev.id)))
                    .collect();
                let _ = write!(
                    h,
                    "<tr><td>{}<br><span class=\"small\">{} &middot; {}{}</span></td><td>{}</td><td>{}</td><td class=\"small\">{}</td><td class=\"small\">{}</td><td class=\"small\">{}</td><td class=\"small\">{}</td></tr>",
                    e(&f.entity_name),
                    e(&f.entity_id.to_string()),
                    e(&f.basis),
                    f.via.as_ref().map(|v| format!(" &middot; via {}", e(v))).unwrap_or_default(),
                    e(&f.program),
                    badge(f.outcome),
                    e(&f.rule),
                    dates.join("<br>"),
                    events.join("<br>"),
                    e(&f.citation)
                );
            }
            h.push_str("</table>");
            for n in &d.notes {
                let _ = write!(h, "<p class=\"small\">{}</p>", e(n));
            }
        }
        h.push_str("</div>\n");
    }
    h.push_str("</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
