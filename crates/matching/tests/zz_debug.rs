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
