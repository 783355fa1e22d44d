//! `embargo check-trade` and `embargo screen-portfolio` end to end, on the
//! bundled data: the dated scenarios of `crates/law/tests/fixtures`
//! (built from the DoD list history and legal events, each with its rule
//! basis) through the binary, and the options and output forms.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;

mod common;

use common::text;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../law/tests/fixtures/"
    ))
    .join(name)
}

fn run(args: &[&str]) -> Output {
    common::run(common::shared_db(), args)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[test]
fn the_dated_scenarios_through_the_binary() {
    let table = std::fs::read_to_string(fixture("scenarios.csv")).expect("scenarios");
    let mut reader = csv::Reader::from_reader(table.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(rows.len() >= 40, "{} scenarios", rows.len());
    // One batch run per fund-threshold policy.
    let mut groups: BTreeMap<String, Vec<&csv::StringRecord>> = BTreeMap::new();
    for r in &rows {
        groups
            .entry(r[col("fund_threshold")].to_string())
            .or_default()
            .push(r);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (threshold, group) in &groups {
        let path = dir.path().join(format!("trades-{threshold}.csv"));
        let mut w = csv::Writer::from_path(&path).expect("write");
        w.write_record(&headers).expect("header");
        for r in group {
            w.write_record(*r).expect("row");
        }
        w.flush().expect("flush");
        let mut args = vec![
            "--format",
            "json",
            "check-trade",
            "--input",
            path.to_str().unwrap(),
            "--securities",
        ];
        let instruments = fixture("instruments.csv");
        let holdings = fixture("holdings.csv");
        args.push(instruments.to_str().unwrap());
        args.push("--fund-holdings");
        args.push(holdings.to_str().unwrap());
        if !threshold.is_empty() {
            args.push("--fund-threshold");
            args.push(threshold);
        }
        let o = run(&args);
        let any_restricted = group
            .iter()
            .any(|r| matches!(&r[col("expect")], "prohibited" | "blocked"));
        assert_eq!(
            o.status.code(),
            Some(if any_restricted { 1 } else { 0 }),
            "{}",
            text(&o)
        );
        let v = json(&o);
        let trades = v["trades"].as_array().expect("trades");
        assert_eq!(trades.len(), group.len());
        assert!(v["policy"]
            .as_str()
            .unwrap_or("")
            .contains("fund look-through"));
        for (r, t) in group.iter().zip(trades) {
            checked += 1;
            assert_eq!(t["id"], r[col("id")]);
            let d = &t["decision"];
            let outcome = d["outcome"].as_str().unwrap_or("");
            let alt = d["alternative"]["outcome"].as_str().unwrap_or("");
            let evidence = &r[col("evidence")];
            if outcome != &r[col("expect")]
                || alt != &r[col("alternative")]
                || !d.to_string().contains(evidence)
            {
                failures.push(format!(
                    "{} ({}): expected {}/{} with '{evidence}', got {outcome}/{alt}",
                    &r[col("id")],
                    &r[col("basis")],
                    &r[col("expect")],
                    &r[col("alternative")],
                ));
            }
        }
    }
    assert_eq!(checked, rows.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn readme_examples_answer_with_program_rule_dates_events_and_tie() {
    // Xiaomi on 2021-03-16: allowed because of the 2021-03-12 injunction.
    let o = run(&[
        "check-trade",
        "--security",
        "Xiaomi Corp",
        "--side",
        "buy",
        "--at",
        "2021-03-16T10:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    for needle in [
        "outcome:  allowed",
        "US Eastern: 2021-03-16 10:00:00 EDT",
        "CCMC-EO13959",
        "rule:",
        "citation:",
        "listed 2021-01-14",
        "effective",
        "injunction",
        "issuer:   Xiaomi Corporation [us_dod_1237:xiaomi-corporation]",
        "lists: ",
    ] {
        assert!(out.contains(needle), "missing '{needle}' in\n{out}");
    }
    // The same trade by ticker in Hong Kong time: tied by identifier.
    let o = run(&[
        "check-trade",
        "--security",
        "1810 HK",
        "--side",
        "buy",
        "--at",
        "2021-03-16 10:00",
        "--tz",
        "Asia/Hong_Kong",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["decision"]["outcome"], "allowed");
    assert_eq!(v["decision"]["at_eastern"], "2021-03-15 22:00:00 EDT");
    let tie = &v["decision"]["security"]["ties"][0]["basis"];
    assert_eq!(tie["type"], "identifier");
    assert_eq!(tie["value"], "1810 HK");
    assert!(v["versions"].as_array().is_some_and(|a| a.len() == 6));
}

#[test]
fn exit_codes_formats_and_held_since() {
    // Prohibited: exit 1; CSV has one line per finding with the tie.
    let o = run(&[
        "--format",
        "csv",
        "check-trade",
        "--security",
        "US16941M1099",
        "--side",
        "buy",
        "--at",
        "2021-08-02T04:01:00Z",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.starts_with("outcome,program,list,entity_id,tied_by,rule,citation,alternative"));
    assert!(
        out.lines().any(|l| l.starts_with(
            "prohibited,CMIC-EO14032,us_ofac_cons,us_ofac_cons:30923,isin US16941M1099"
        )),
        "{out}"
    );
    // A sale in the divestment window: the holding date decides.
    let sale = |held: &str| {
        let o = run(&[
            "--format",
            "json",
            "check-trade",
            "--security",
            "CNE100000PM8",
            "--side",
            "sell",
            "--at",
            "2021-09-01 10:00",
            "--held-since",
            held,
        ]);
        let v = json(&o);
        (
            o.status.code(),
            v["decision"]["outcome"].as_str().unwrap_or("").to_string(),
            v["decision"]["alternative"]["outcome"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    assert_eq!(
        sale("2020-01-02"),
        (Some(0), "permitted_divestment".into(), String::new())
    );
    assert_eq!(
        sale("2021-08-20"),
        (Some(1), "prohibited".into(), "permitted_divestment".into())
    );
    // Errors exit 2 and say what is wrong.
    for (args, needle) in [
        (
            vec![
                "check-trade",
                "--security",
                "X",
                "--side",
                "buy",
                "--at",
                "2021-03-16 10:00 +08:00",
                "--tz",
                "Asia/Tokyo",
            ],
            "give one of them",
        ),
        (
            vec![
                "check-trade",
                "--security",
                "X",
                "--side",
                "buy",
                "--at",
                "16/03/2021",
            ],
            "16/03/2021",
        ),
        (
            vec![
                "check-trade",
                "--security",
                "X",
                "--side",
                "sell",
                "--at",
                "2021-03-16",
                "--held-since",
                "March 2020",
            ],
            "--held-since",
        ),
        (
            vec!["check-trade", "--security", "X", "--at", "2021-03-16"],
            "--side",
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(needle), "{args:?}: {}", text(&o));
    }
}

#[test]
fn a_bad_trades_file_names_line_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.csv");
    std::fs::write(
        &path,
        "id,security,side,at\na,US16941M1099,buy,2021-08-02 00:01\nb,US16941M1099,short,2021-08-02 00:01\n",
    )
    .expect("write");
    let o = run(&["check-trade", "--input", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o);
    assert!(
        err.contains("t.csv") && err.contains("line 3") && err.contains("'side'"),
        "{err}"
    );
}

#[test]
fn portfolio_outcomes_per_side_summary_and_reports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let holdings = dir.path().join("book.csv");
    std::fs::write(
        &holdings,
        "position_id,isin,ticker,market,name,quantity,held_since\n\
         chl,US16941M1099,,,,1000,2020-05-01\n\
         hik-late,CNE100000PM8,,,,10,2021-08-20\n\
         xiaomi,,1810,HK,,500,\n\
         tencent,,700 HK,,,10,\n\
         etf,US46429B6719,,,,20,\n\
         apple,US0378331005,,,,1,\n",
    )
    .expect("write");
    let html = dir.path().join("report.html");
    let instruments = fixture("instruments.csv");
    let fund = fixture("holdings.csv");
    let o = run(&[
        "--format",
        "json",
        "screen-portfolio",
        holdings.to_str().unwrap(),
        "--as-of",
        "2021-09-01T10:00",
        "--securities",
        instruments.to_str().unwrap(),
        "--fund-holdings",
        fund.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v = json(&o);
    let r = &v["report"];
    let p = |id: &str| {
        let x = r["positions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["position"]["id"] == id)
            .unwrap_or_else(|| panic!("{id}"));
        [
            x["buy"]["outcome"].as_str().unwrap().to_string(),
            x["sell"]["outcome"].as_str().unwrap().to_string(),
            x["hold"]["outcome"].as_str().unwrap().to_string(),
        ]
    };
    assert_eq!(p("chl"), ["prohibited", "permitted_divestment", "allowed"]);
    assert_eq!(p("hik-late"), ["prohibited", "prohibited", "allowed"]);
    assert_eq!(p("xiaomi"), ["not_covered", "not_covered", "not_covered"]);
    assert_eq!(p("tencent"), ["not_covered", "not_covered", "not_covered"]);
    assert_eq!(p("etf"), ["prohibited", "permitted_divestment", "allowed"]);
    assert_eq!(p("apple"), ["not_covered", "not_covered", "not_covered"]);
    assert_eq!(r["summary"]["positions"], 6);
    assert_eq!(r["summary"]["by_outcome"]["buy"]["prohibited"], 3);
    assert_eq!(r["summary"]["by_program"]["CMIC-EO14032"]["prohibited"], 3);
    assert!(r["policy_text"].as_str().unwrap().contains("any exposure"));
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.starts_with("<!DOCTYPE html>") || page.starts_with("<!doctype html>"));
    for needle in [
        "CMIC-EO14032",
        "2021-09-01 10:00:00 EDT",
        "us_ofac_cons v3",
        "any exposure",
    ] {
        assert!(page.contains(needle), "{needle}");
    }
    assert!(!page.contains("<script src") && !page.contains("<link") && !page.contains("url(http"));
    // CSV: one line per position, with the three outcomes.
    let o = run(&[
        "--format",
        "csv",
        "screen-portfolio",
        holdings.to_str().unwrap(),
        "--as-of",
        "2021-09-01T10:00",
    ]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(out.lines().count(), 7, "{out}");
    assert!(out
        .lines()
        .any(|l| l.starts_with("chl,") && l.contains("prohibited,permitted_divestment,allowed")));
}
