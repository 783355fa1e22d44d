//! Portfolio screening: upload a holdings CSV, see each position's outcome
//! with reasons and a summary by program and outcome, and download the
//! CSV, JSON or HTML report (rendered by the law crate).

use std::collections::VecDeque;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{SubsecRound, Utc};
use embargo_audit::Role;
use embargo_law::report::{self, ReportContext};
use embargo_law::{parse_positions_csv, screen_portfolio, Policy, PortfolioReport, Side};
use maud::{html, Markup};
use serde_json::json;

use super::auth::Auth;
use super::effect::{self, outcome_label, IndexResolver, ZONES};
use super::layout::{self, Nav};
use super::timeline::short_list;
use super::{blocking, data_line, html_page, parse_date, ConsoleError, ConsoleState, Result};

/// The largest upload accepted.
const MAX_UPLOAD: u64 = 8 * 1024 * 1024;
/// How many reports are kept for download.
const KEEP: usize = 16;

/// A screened portfolio kept in memory for its downloads.
pub(crate) struct StoredReport {
    id: String,
    actor: String,
    report: PortfolioReport,
    ctx: ReportContext,
}

/// An example file, shown on the form.
const EXAMPLE: &str = "position_id,isin,ticker,market,name,quantity,held_since\n\
p1,US16941M1099,,,,1000,2020-12-01\n\
p2,,1810,HK,,5000,\n\
p3,,,,Hangzhou Hikvision Digital Technology,200,\n\
p4,US0378331005,,,Apple Inc,10,\n";

fn form(date: &str, time: &str, zone: &str, as_of: &str, csv: &str) -> Markup {
    html! {
        form.card method="post" action="/portfolio" enctype="multipart/form-data" data-testid="portfolio-form" {
            div.grid2 {
                div {
                    label { "Holdings CSV file"
                        input type="file" name="file" accept=".csv,text/csv";
                    }
                    p.muted { "Columns: " code { "position_id,isin,ticker,market,name,quantity,held_since" }
                        " — each row needs an ISIN, a ticker or a name." }
                }
                label { "…or paste the CSV"
                    textarea name="csv" rows="6" placeholder=(EXAMPLE) { (csv) }
                }
            }
            div.inline {
                label { "Date" input type="date" name="date" value=(date); }
                label { "Time" input type="time" name="time" value=(time) step="1"; }
                label { "Time zone" input type="text" name="zone" list="zones" value=(zone) placeholder="America/New_York" size="16"; }
                datalist #zones { @for z in ZONES { option value=(z) {} } }
                label { "Lists as of" input type="date" name="as_of" value=(as_of); }
                button type="submit" { "Screen portfolio" }
            }
            p.muted { "Without a date, now is checked. Every position is checked for buy, sell and hold." }
        }
    }
}

/// `GET /portfolio`
pub(crate) async fn form_page(auth: Auth, State(st): State<ConsoleState>) -> Result<Response> {
    let data = blocking(move || Ok(data_line(&st.app.engine.snapshot(), None))).await?;
    let body = html! {
        (form("", "", "", "", ""))
        p.empty { "Upload a holdings file to see each position's outcome, a summary by program and outcome, and the downloadable report." }
        details { summary { "Example file" } pre { (EXAMPLE) } }
    };
    Ok(html_page(layout::page(
        &auth.viewer,
        Nav::Portfolio,
        "Screen a portfolio",
        Some(&data),
        body,
    )))
}

/// The fields of the upload form.
#[derive(Debug, Default)]
struct Upload {
    file_name: Option<String>,
    file: Vec<u8>,
    csv: String,
    date: String,
    time: String,
    zone: String,
    as_of: String,
}

async fn read_upload(headers: &HeaderMap, body: Body) -> Result<Upload> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(ct).map_err(|_| {
        ConsoleError::BadRequest(
            "send the form as multipart/form-data (the page's form does)".into(),
        )
    })?;
    let limits =
        multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(MAX_UPLOAD));
    let mut mp = multer::Multipart::with_constraints(body.into_data_stream(), boundary, limits);
    let mut up = Upload::default();
    let bad =
        |e: multer::Error| ConsoleError::BadRequest(format!("could not read the upload: {e}"));
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(bad)?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_str() {
            "file" if !bytes.is_empty() => {
                up.file_name = file_name;
                up.file = bytes.to_vec();
            }
            "csv" => up.csv = text(),
            "date" => up.date = text(),
            "time" => up.time = text(),
            "zone" => up.zone = text(),
            "as_of" => up.as_of = text(),
            _ => {}
        }
    }
    Ok(up)
}

fn summary(r: &PortfolioReport) -> Markup {
    let outcomes = [
        "blocked",
        "prohibited",
        "permitted_divestment",
        "allowed",
        "not_covered",
    ];
    html! {
        div.grid2 {
            div {
                h3 { "By outcome" }
                div.table-wrap {
                    table data-testid="summary-outcome" {
                        thead { tr { th { "Outcome" } @for s in Side::ALL { th.num { (s.as_str()) } } } }
                        tbody {
                            @for o in outcomes {
                                @let counts: Vec<usize> = Side::ALL.iter().map(|s| r.summary.by_outcome.get(s.as_str()).and_then(|m| m.get(o)).copied().unwrap_or(0)).collect();
                                @if counts.iter().any(|c| *c > 0) {
                                    tr { td { (outcome_label(o)) } @for c in counts { td.num { (c) } } }
                                }
                            }
                        }
                    }
                }
            }
            div {
                h3 { "By program (buy side)" }
                @if r.summary.by_program.is_empty() {
                    p.empty { "No position is tied to a listed issuer." }
                } @else {
                    div.table-wrap {
                        table data-testid="summary-program" {
                            thead { tr { th { "Program" } th { "Outcome" } th.num { "Positions" } } }
                            tbody {
                                @for (program, by) in &r.summary.by_program {
                                    @for (o, n) in by {
                                        tr { td { (program) } td { (outcome_label(o)) } td.num { (n) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn positions(r: &PortfolioReport) -> Markup {
    html! {
        div.table-wrap {
            table data-testid="positions" {
                thead { tr { th { "Position" } th { "Security" } th.num { "Quantity" } th { "Buy" } th { "Sell" } th { "Hold" } th { "Reason" } } }
                tbody {
                    @for p in &r.positions {
                        tr {
                            td { (p.position.id) }
                            td { (p.position.security.to_string()) }
                            td.num { (p.position.quantity.map(|q| q.to_string()).unwrap_or_default()) }
                            td { (outcome_label(p.buy.outcome.as_str())) }
                            td { (outcome_label(p.sell.outcome.as_str())) }
                            td { (outcome_label(p.hold.outcome.as_str())) }
                            td {
                                (p.reason())
                                @if p.worst().is_restricted() {
                                    details { summary { "details" } (effect::decision(&p.buy, None)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /portfolio`
pub(crate) async fn submit(
    auth: Auth,
    State(st): State<ConsoleState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    auth.require(Role::Screen)?;
    let up = read_upload(&headers, body).await?;
    let actor = auth.actor();
    let st2 = st.clone();
    let (stored_id, report, data, up) = blocking(move || {
        let (name, bytes) = if !up.file.is_empty() {
            (
                up.file_name.clone().unwrap_or_else(|| "upload.csv".into()),
                up.file.clone(),
            )
        } else if !up.csv.is_empty() {
            ("pasted.csv".to_string(), up.csv.clone().into_bytes())
        } else {
            return Err(ConsoleError::BadRequest(
                "Choose a holdings CSV file or paste its content.".into(),
            ));
        };
        let holdings = parse_positions_csv(&name, &bytes)
            .map_err(|e| ConsoleError::BadRequest(e.to_string()))?;
        if holdings.is_empty() {
            return Err(ConsoleError::BadRequest(format!(
                "{name}: the file has a header but no position."
            )));
        }
        let at = if up.date.is_empty() {
            Utc::now().trunc_subsecs(0).fixed_offset()
        } else {
            effect::instant(&up.date, &up.time, &up.zone)?
        };
        let as_of = parse_date("lists as of", Some(&up.as_of))?;
        let snap = st2.app.engine.snapshot_at(as_of)?;
        let report = screen_portfolio(
            snap.law(),
            &embargo_law::SecurityMaster::new(),
            &IndexResolver(&snap),
            &holdings,
            at,
            &Policy::default(),
        );
        let versions: Vec<String> = snap
            .versions()
            .iter()
            .map(|v| {
                format!(
                    "{} v{} (as of {}, sha256 {})",
                    short_list(&v.list),
                    v.seq,
                    v.as_of(),
                    v.sha256
                )
            })
            .collect();
        let ctx = ReportContext {
            title: format!("Portfolio screening of {name}"),
            data_versions: versions,
            generated_at: Utc::now().to_rfc3339(),
        };
        st2.app.engine.audit(
            &actor,
            "portfolio",
            json!({
                "source": "console",
                "file": name,
                "positions": report.summary.positions,
                "at": report.at_input,
                "by_outcome": report.summary.by_outcome,
                "versions": snap.version_refs(),
            }),
        )?;
        let id = format!("{:016x}", rand::random::<u64>());
        if let Ok(mut keep) = st2.reports.lock() {
            keep.push_front(StoredReport {
                id: id.clone(),
                actor: actor.clone(),
                report: report.clone(),
                ctx,
            });
            keep.truncate(KEEP);
        }
        Ok((id, report, data_line(&snap, as_of), up))
    })
    .await?;
    let body = html! {
        (form(&up.date, &up.time, &up.zone, &up.as_of, &up.csv))
        section #report data-testid="portfolio-report" {
            h2 { (report.summary.positions) " position" @if report.summary.positions != 1 { "s" } " at " (report.at_eastern) }
            p {
                "Download the report: "
                a.button.secondary href=(format!("/portfolio/report/{stored_id}.csv")) download { "CSV" } " "
                a.button.secondary href=(format!("/portfolio/report/{stored_id}.json")) download { "JSON" } " "
                a.button.secondary href=(format!("/portfolio/report/{stored_id}.html")) download { "HTML" }
            }
            p.muted { (report.policy_text) }
            (summary(&report))
            h3 { "Positions" }
            (positions(&report))
        }
    };
    Ok(html_page(layout::page(
        &auth.viewer,
        Nav::Portfolio,
        "Screen a portfolio",
        Some(&data),
        body,
    )))
}

/// `GET /portfolio/report/{id}.{csv,json,html}`
pub(crate) async fn download(
    auth: Auth,
    State(st): State<ConsoleState>,
    Path(file): Path<String>,
) -> Result<Response> {
    let (id, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| ConsoleError::NotFound("ask for .csv, .json or .html".into()))?;
    let actor = auth.actor();
    let found = {
        let keep = st
            .reports
            .lock()
            .map_err(|_| ConsoleError::Internal("report cache poisoned".into()))?;
        find(&keep, id, &actor).map(|r| (r.report.clone(), r.ctx.clone()))
    };
    let (report, ctx) = found.ok_or_else(|| {
        ConsoleError::NotFound(
            "This report is no longer kept (the server keeps the last few, in memory). Screen the portfolio again.".into(),
        )
    })?;
    let render = |e: report::RenderError| ConsoleError::Internal(e.to_string());
    let (body, mime) = match ext {
        "csv" => (
            report::to_csv(&report).map_err(render)?,
            "text/csv; charset=utf-8",
        ),
        "json" => (
            report::to_json(&report, &ctx).map_err(render)?,
            "application/json",
        ),
        "html" => (report::to_html(&report, &ctx), "text/html; charset=utf-8"),
        _ => {
            return Err(ConsoleError::NotFound(
                "ask for .csv, .json or .html".into(),
            ))
        }
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"portfolio-{id}.{ext}\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

fn find<'a>(keep: &'a VecDeque<StoredReport>, id: &str, actor: &str) -> Option<&'a StoredReport> {
    keep.iter().find(|r| r.id == id && r.actor == actor)
}
