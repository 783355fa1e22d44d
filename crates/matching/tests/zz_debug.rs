use embargo_match::score_pair;
use embargo_model::Schema;
#[test]
fn dbg() {
    let v = std::env::var("PAIRS").unwrap_or_default();
    for l in v.split(';') {
        let Some((a, b)) = l.split_once('|') else {
            continue;
        };
        let (sch, a) = if let Some(x) = a.strip_prefix("P:") {
            (Schema::Person, x)
        } else {
            (Schema::Organization, a)
        };
        let r = score_pair(sch, a.trim(), b.trim());
        println!("{:.3} {a} | {b}  [{}]", r.score, r.explanation);
    }
}
mod common;
#[test]
fn dbg_index() {
    let Ok(v) = std::env::var("QUERIES") else { return };
    let mut recs = common::sdn_2021(true);
    recs.extend(common::cons_2025());
    let idx = embargo_match::Index::build(recs);
    for q in v.split(';') {
        let hits = idx.search(&embargo_match::Query::name(Schema::Company, q), &embargo_match::SearchOptions { limit: 2, ..Default::default() });
        for h in hits.iter().take(1) {
            println!("{:.3} {q} -> {}  [{}]", h.score, h.matched_name, h.explanation);
        }
    }
}
