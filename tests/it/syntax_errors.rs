//! Every row of tests/cells/syntax_errors.json (CPython 3.11's own SyntaxErrors, written by
//! tests/cells/make_syntax_errors.py): the cell is refused with Python's message, line and
//! column, and a cell Python compiles is no syntax error. A row marked `differs` says why
//! gradtape answers otherwise there, and is held only to refusing the cell.

use gradtape::cells::source::parse;

#[track_caller]
fn check(source: &str, want: Option<(&str, usize, usize)>) -> Result<(), String> {
    let got = parse(source, 100_000);
    match (want, got) {
        (None, Err(r)) if r.code == "syntax_error" => {
            Err(format!("{source:?}: Python compiles it, gradtape: {r}"))
        }
        (None, _) => Ok(()),
        (Some((message, line, column)), Err(r))
            if r.code == "syntax_error"
                && (r.detail.as_str(), r.line, r.column) == (message, line, column) =>
        {
            Ok(())
        }
        (Some(w), got) => Err(format!("{source:?}: Python {w:?}, gradtape {got:?}")),
    }
}

#[test]
fn syntax_errors_are_python_s() {
    let root = env!("CARGO_MANIFEST_DIR");
    let table = std::fs::read_to_string(format!("{root}/tests/cells/syntax_errors.json")).unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&table).unwrap();
    let mut wrong = Vec::new();
    for row in &rows {
        let source = row["source"].as_str().unwrap();
        if row.get("differs").is_some() {
            // a known difference (the row says why): still refused before anything runs
            if parse(source, 100_000).is_ok() {
                wrong.push(format!("{source:?}: Python refuses it, gradtape runs it"));
            }
            continue;
        }
        let want = row["message"].as_str().map(|m| {
            let at = |k: &str| row[k].as_u64().unwrap() as usize;
            (m, at("line"), at("column"))
        });
        if let Err(e) = check(source, want) {
            wrong.push(e);
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} rows:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}
