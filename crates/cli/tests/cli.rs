//! The `embargo` binary end to end, on the bundled data.

mod common;

use common::{data, private_db, run, shared_db, stderr, stdout};

#[test]
fn lists_show_every_list_with_its_as_of_date() {
    let o = run(shared_db(), &["lists", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let lists: Vec<&str> = v
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|l| l["list"].as_str())
        .collect();
    for l in [
        "us_ofac_sdn",
        "us_ofac_cons",
        "us_dod_1237",
        "us_dod_1260h",
        "us_bis_dpl",
        "us_trade_csl",
    ] {
        assert!(lists.contains(&l), "{l} missing from {lists:?}");
    }
    let cons = v
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["list"] == "us_ofac_cons")
        .unwrap();
    assert_eq!(cons["as_of"], "2025-12-19");
    assert_eq!(cons["version_count"], 3);
}

#[test]
fn screening_a_listed_name_exits_1_and_explains() {
    let o = run(
        shared_db(),
        &["screen", "--name", "Hikvision", "--schema", "Company"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("HANGZHOU HIKVISION DIGITAL TECHNOLOGY"),
        "{out}"
    );
    assert!(out.contains("why:"), "{out}");
    let o = run(
        shared_db(),
        &[
            "screen",
            "--name",
            "Qwzx Blorptane Holdings",
            "--schema",
            "Company",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn screening_by_isin_finds_the_issuer() {
    let o = run(
        shared_db(),
        &[
            "screen",
            "--name",
            "",
            "--id",
            "isin:US16941M1099",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{} {}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["hits"][0]["entity_id"], "us_ofac_cons:30923");
    assert!(v["hits"][0]["score"].as_f64().unwrap() >= 0.99);
}

#[test]
fn batch_screening_streams_csv_rows() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("q.csv");
    std::fs::write(
        &input,
        "query_id,schema,name,country,isin\nq1,Company,Xiaomi Corp,,\nq2,Company,Nothing Like Any Listed Name Zzq,,\nq3,Company,,,US16941M1099\n",
    )
    .unwrap();
    let o = run(
        shared_db(),
        &[
            "screen",
            "--input",
            input.to_str().unwrap(),
            "--format",
            "csv",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("query_id,rank,entity_id,list,score,matched_name,explanation")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter()
            .any(|r| r.starts_with("q1,1,") && r.to_lowercase().contains("xiaomi")),
        "{out}"
    );
    assert!(!rows.iter().any(|r| r.starts_with("q2,")), "{out}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("q3,1,us_ofac_cons:30923")),
        "{out}"
    );
}

#[test]
fn score_pairs_appends_a_score_column_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("pairs.csv");
    std::fs::write(
        &input,
        "id,schema,name1,name2\n1,Company,Xiaomi Corp.,Xiaomi Corporation\n2,Person,George Bush,George HABBASH\n3,Company,\"Huawei Technologies Company Limited\",\"HUAWEI TECHNOLOGIES CO., LTD.\"\n",
    )
    .unwrap();
    let o = run(shared_db(), &["score-pairs", input.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut rdr = csv::Reader::from_reader(o.stdout.as_slice());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        ["id", "schema", "name1", "name2", "score"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    let score = |i: usize| rows[i][4].parse::<f64>().unwrap();
    assert_eq!(&rows[0][0], "1");
    assert!(score(0) >= 0.95);
    assert!(score(1) < 0.7);
    assert!(score(2) >= 0.95);
}

#[test]
fn diff_between_consolidated_versions() {
    let o = run(
        shared_db(),
        &[
            "diff",
            "us_ofac_cons",
            "--from",
            "v2",
            "--to",
            "v3",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let removed: Vec<&str> = v["removed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(removed.contains(&"us_ofac_cons:26182"), "{removed:?}");
    let o = run(shared_db(), &["diff", "us_ofac_cons", "--format", "csv"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("change,entity,name,field,added,removed"));
}

#[test]
fn show_and_history() {
    let o = run(shared_db(), &["show", "us_ofac_cons:30923"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("US16941M1099") && out.contains("941 HK") && out.contains("CMIC-EO13959"),
        "{out}"
    );
    let o = run(
        shared_db(),
        &[
            "show",
            "us_ofac_cons:30923",
            "--as-of",
            "2025-03-30",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["version"]["seq"], 1);
    let o = run(
        shared_db(),
        &["show", "us_ofac_cons:30923", "--as-of", "2020-01-01"],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        shared_db(),
        &["history", "us_ofac_cons:9659", "--format", "json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let kinds: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["change"]["kind"].as_str())
        .collect();
    assert_eq!(kinds.first(), Some(&"added"));
    assert!(kinds.contains(&"changed"), "{kinds:?}");
}

#[test]
fn xiaomi_trade_on_2021_03_16_is_allowed_because_of_the_injunction() {
    let o = run(
        shared_db(),
        &[
            "check-trade",
            "--security",
            "Xiaomi Corporation",
            "--side",
            "buy",
            "--at",
            "2021-03-16T10:00",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{} {}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["decision"]["outcome"], "allowed");
    assert!(stdout(&o).to_lowercase().contains("injunction"));
}

#[test]
fn china_mobile_adr_buy_after_the_eo14032_effective_instant_is_prohibited() {
    let o = run(
        shared_db(),
        &[
            "check-trade",
            "--security",
            "US16941M1099",
            "--side",
            "buy",
            "--at",
            "2021-08-02T00:01:00",
            "--tz",
            "America/New_York",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{} {}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("prohibited"));
    let o = run(
        shared_db(),
        &[
            "check-trade",
            "--security",
            "US16941M1099",
            "--side",
            "buy",
            "--at",
            "2021-08-02T00:00:59",
            "--tz",
            "America/New_York",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn portfolio_screening_writes_a_self_contained_html_report() {
    let dir = tempfile::tempdir().unwrap();
    let holdings = dir.path().join("h.csv");
    std::fs::write(&holdings, "position_id,isin,ticker,market,name,quantity\np1,US16941M1099,,,,100\np2,,,,Tencent Holdings,50\np3,US0378331005,,,Apple Inc,10\n").unwrap();
    let html = dir.path().join("report.html");
    let o = run(
        shared_db(),
        &[
            "screen-portfolio",
            holdings.to_str().unwrap(),
            "--as-of",
            "2023-01-10T10:00",
            "--html",
            html.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = std::fs::read_to_string(&html).expect("html written");
    assert!(report.contains("US16941M1099"));
    assert!(
        !report.contains("src=\"http")
            && !report.contains("href=\"http")
            && !report.contains("<link"),
        "external assets in report"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let positions = v["report"]["positions"].as_array().expect("positions");
    assert_eq!(positions.len(), 3);
    assert_eq!(positions[0]["buy"]["outcome"], "prohibited");
    assert_eq!(positions[1]["buy"]["outcome"], "not_covered");
}

#[test]
fn a_corrupt_import_names_file_and_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = private_db(&dir);
    let before = stdout(&run(&db, &["versions", "us_ofac_sdn", "--format", "json"]));
    let bad = dir.path().join("sdn.csv");
    let mut bytes = std::fs::read(data("ofac/sdn_2021-07/sdn.csv")).unwrap();
    bytes.truncate(bytes.len() / 2);
    // A record with a missing column, then a cut inside a quoted field.
    bytes.extend_from_slice(b"\r\n99999,\"BROKEN\",\"individual\"\r\n100000,\"CUT IN THE MID");
    std::fs::write(&bad, &bytes).unwrap();
    let o = run(&db, &["import", "ofac-sdn", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("sdn.csv") && err.contains("line"), "{err}");
    assert_eq!(
        before,
        stdout(&run(&db, &["versions", "us_ofac_sdn", "--format", "json"]))
    );
    // Binary garbage is refused too.
    std::fs::write(&bad, [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    let o = run(&db, &["import", "ofac-sdn", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        before,
        stdout(&run(&db, &["versions", "us_ofac_sdn", "--format", "json"]))
    );
}

#[test]
fn importing_the_same_files_again_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let db = private_db(&dir);
    let files: Vec<String> = [
        "cons_prim.csv",
        "cons_alt.csv",
        "cons_add.csv",
        "cons_comments.csv",
    ]
    .iter()
    .map(|f| {
        data(&format!("ofac/cons_2025-12/{f}"))
            .display()
            .to_string()
    })
    .collect();
    let mut args = vec!["import", "ofac-cons"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--format", "json"]);
    let o = run(&db, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("unchanged"), "{}", stdout(&o));
}

#[test]
fn keys_and_a_tampered_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = private_db(&dir);
    let o = run(
        &db,
        &[
            "keys", "create", "--role", "screen", "--name", "ops", "--format", "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    assert!(v["secret"].as_str().unwrap().starts_with("emb_"));
    let o = run(&db, &["keys", "list"]);
    assert!(stdout(&o).contains(&id) && !stdout(&o).contains("emb_"));
    assert!(run(&db, &["keys", "revoke", &id]).status.success());
    assert_eq!(
        run(&db, &["keys", "revoke", "nosuchkey"]).status.code(),
        Some(2)
    );
    let o = run(&db, &["audit", "verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("ok: 2 records"), "{}", stdout(&o));
    let export = dir.path().join("audit.jsonl");
    assert!(run(
        &db,
        &["audit", "export", "--output", export.to_str().unwrap()]
    )
    .status
    .success());
    let o = run(
        &db,
        &["audit", "verify", "--file", export.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    // Tamper with the exported file: verification fails.
    let text = std::fs::read_to_string(&export)
        .unwrap()
        .replace("\"ops\"", "\"0ps\"");
    std::fs::write(&export, text).unwrap();
    assert_eq!(
        run(
            &db,
            &["audit", "verify", "--file", export.to_str().unwrap()]
        )
        .status
        .code(),
        Some(1)
    );
    // Tamper with the database behind the triggers' back: verification fails.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(
        !triggers.is_empty(),
        "the audit log has no protecting triggers"
    );
    assert!(
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1", [])
            .is_err(),
        "update must be refused"
    );
    for t in &triggers {
        conn.execute(&format!("DROP TRIGGER {t}"), []).unwrap();
    }
    conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1", [])
        .unwrap();
    drop(conn);
    let o = run(&db, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("FAILED"));
}

#[test]
fn errors_are_clear_and_exit_2() {
    let o = run(shared_db(), &["versions", "no_such_list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no_such_list"));
    let o = run(shared_db(), &["import", "nonsense", "x.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown import kind"));
}
