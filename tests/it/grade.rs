//! Grading (the README, "Grading"): values and program submissions against the seed network's
//! reference, every feedback rule, hidden checks, the three formats against schemas written
//! from the platforms' documentation, broken assignments, and `POST /v1/grade`.

use gradtape::engine::Limits;
use gradtape::grade::{self, assignment, format, Format, Source};
use serde_json::{json, Value};

use crate::support::{call, test_app};

// What TensorFlow 2.15 gives for the seed network with the assignment's W
// (/tmp/tf/bin/python oracle/tf_reference.py on the assignment's reference program).
const L: f64 = 0.1450626254081726;
const GRAD_L_W: [[f64; 4]; 2] = [
    [
        -10.262421607971191,
        -16.20382308959961,
        -5.063694953918457,
        -0.13503186404705048,
    ],
    [
        10.262423515319824,
        16.203826904296875,
        5.063695907592773,
        0.13503189384937286,
    ],
];

fn seed() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/assignments/seed/assignment.program.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The TensorFlow answers as a values submission.
fn correct() -> serde_json::Map<String, Value> {
    json!({
        "L": L,
        "gradL_yhat": [-1.1561119556427002, -0.0],
        "grada_z": [0.0, 0.0],
        "gradz_W": [[76.0, 120.0, 37.5, 1.0], [76.0, 120.0, 37.5, 1.0]],
        "gradL_W": GRAD_L_W,
    })
    .as_object()
    .unwrap()
    .clone()
}

fn grade_values(a: &Value, values: serde_json::Map<String, Value>) -> grade::Report {
    let (a, _) = assignment::parse(a).unwrap();
    grade::grade_assignment(a, &Source::Values(values), &Limits::default()).unwrap()
}

#[track_caller]
fn check<'a>(r: &'a grade::Report, name: &str) -> &'a grade::CheckResult {
    r.checks.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn the_tensorflow_answers_get_full_marks() {
    let r = grade_values(&seed(), correct());
    assert_eq!((r.score, r.max_score), (6.0, 6.0), "{:#?}", r.checks);
    assert!(r.checks.iter().all(|c| c.passed));
    assert_eq!(check(&r, "gradL_W").max_abs_error, Some(0.0));
}

#[test]
fn each_feedback_rule_says_what_is_wrong() {
    let mut v = correct();
    // flipped sign
    v["gradL_W"] = json!(GRAD_L_W.map(|r| r.map(|x| -x)));
    let r = grade_values(&seed(), v.clone());
    let c = check(&r, "gradL_W");
    assert!(!c.passed && c.points == 0.0);
    assert!(c.feedback.contains("sign flipped"), "{}", c.feedback);
    assert_eq!(r.score, 4.0);

    // transposed (4x2)
    let t: Vec<Vec<f64>> = (0..4)
        .map(|j| (0..2).map(|i| GRAD_L_W[i][j]).collect())
        .collect();
    v["gradL_W"] = json!(t);
    let c = check(&grade_values(&seed(), v.clone()), "gradL_W").clone();
    assert!(
        c.feedback.contains("shape [4, 2] but shape [2, 4]")
            && c.feedback.contains("transpose matches"),
        "{}",
        c.feedback
    );

    // an extra unit axis: a squeeze would match
    v["gradL_W"] = json!([GRAD_L_W]);
    let c = check(&grade_values(&seed(), v.clone()), "gradL_W").clone();
    assert!(c.feedback.contains("squeeze"), "{}", c.feedback);

    // flattened: a reshape would match
    v["gradL_W"] = json!(GRAD_L_W.concat());
    let c = check(&grade_values(&seed(), v.clone()), "gradL_W").clone();
    assert!(
        c.feedback.contains("a reshape to [2, 4] matches"),
        "{}",
        c.feedback
    );

    // twice the gradient: off by the factor 2
    v["gradL_W"] = json!(GRAD_L_W.map(|r| r.map(|x| 2.0 * x)));
    let c = check(&grade_values(&seed(), v.clone()), "gradL_W").clone();
    assert!(
        c.feedback.contains("constant factor: yours is 2 times"),
        "{}",
        c.feedback
    );

    // one element wrong: the worst element with its index, expected and got, and the count
    let mut one = GRAD_L_W;
    one[1][2] = 5.5;
    v["gradL_W"] = json!(one);
    let c = check(&grade_values(&seed(), v.clone()), "gradL_W").clone();
    assert!(
        c.feedback
            .contains("at index [1, 2]: expected 5.063696, got 5.5; 1 of 8 elements"),
        "{}",
        c.feedback
    );
    assert_eq!(c.worst_index, Some(vec![1, 2]));
    // |5.5 - 5.063695907592773|
    assert!((c.max_abs_error.unwrap() - 0.436304092407227).abs() < 1e-9);

    // None where a value was expected
    v["gradL_W"] = Value::Null;
    let c = check(&grade_values(&seed(), v.clone()), "gradL_W").clone();
    assert!(
        c.feedback.contains("is None where a value was expected"),
        "{}",
        c.feedback
    );

    // an integer where a float is expected: the dtype, before anything else
    v["gradL_W"] = json!([[-10, -16, -5, 0], [10, 16, 5, 0]]);
    let c = check(&grade_values(&seed(), v.clone()), "gradL_W").clone();
    assert!(
        c.feedback.starts_with(
            "`gradL_W` has dtype int32 where dtype float32 is expected (any float dtype passes, \
             but not an int): gradL_W is int32 because [[-10, -16, -5, 0], [10, 16, 5, 0]] has \
             no decimal point; write -10.0 rather than -10"
        ),
        "{}",
        c.feedback
    );

    // missing, with the similar names that exist
    v.remove("gradL_W");
    v.insert("gradl_w".into(), json!(GRAD_L_W));
    v.insert("grad_L_W".into(), json!(GRAD_L_W));
    let c = check(&grade_values(&seed(), v.clone()), "gradL_W").clone();
    assert_eq!(c.feedback, "`gradL_W` is not defined by your submission. Similar names that exist: `grad_L_W`, `gradl_w`.");
}

#[test]
fn float64_where_float32_is_expected_passes_within_tolerance() {
    let mut v = correct();
    v["gradL_W"] = json!({"value": GRAD_L_W, "dtype": "float64"});
    assert!(check(&grade_values(&seed(), v), "gradL_W").passed);
}

#[test]
fn sigfigs_and_partial_credit() {
    let mut a = seed();
    // L to 4 significant figures: 0.1450626 → n = 1 + 3 = 4, eps = 0.51e-4
    let mut v = correct();
    v["L"] = json!(0.14510);
    assert!(check(&grade_values(&a, v.clone()), "L").passed);
    v["L"] = json!(0.14512); // 5.7e-5 away
    let c = check(&grade_values(&a, v.clone()), "L").clone();
    assert!(
        !c.passed && c.feedback.contains("4 significant figures"),
        "{}",
        c.feedback
    );

    // partial: 6 of 8 elements right earns 6/8 of 2 points, and is "failed" to Gradescope
    a["checks"][4]["partial"] = json!(true);
    let mut two = GRAD_L_W;
    two[0][0] = 0.0;
    two[1][3] = 9.0;
    v = correct();
    v["gradL_W"] = json!(two);
    let r = grade_values(&a, v);
    let c = check(&r, "gradL_W");
    assert_eq!((c.points, c.passed), (1.5, false));
    let gs = format::gradescope(&r);
    assert_eq!(gs["tests"][4]["score"], json!(1.5));
    assert_eq!(gs["tests"][4]["status"], json!("failed"));
}

#[test]
fn null_passes_only_against_null() {
    // d(z)/d(c) for a constant c the tape never watched is None in TensorFlow.
    let a = json!({
        "reference": {"program": {
            "setup": [{"name": "c", "op": "constant", "value": [1.0, 2.0]}],
            "graph": [{"name": "z", "op": "multiply", "inputs": ["c", "c"]}],
            "requests": [{"gradient": {"target": "z", "sources": "c"}, "name": "dz_dc"}]}},
        "checks": [{"name": "dz_dc", "points": 1, "expect_null": true}]
    });
    let none = json!({"dz_dc": null}).as_object().unwrap().clone();
    assert!(grade_values(&a, none).checks[0].passed);
    let some = json!({"dz_dc": [2.0, 4.0]}).as_object().unwrap().clone();
    let c = grade_values(&a, some).checks[0].clone();
    assert!(
        !c.passed && c.feedback.contains("should be None"),
        "{}",
        c.feedback
    );
}

/// Every number of the reference, written as feedback could write it.
fn expected_strings() -> Vec<String> {
    let mut out = vec![
        L.to_string(),
        "0.14506".into(),
        "-1.156".into(),
        "1.156".into(),
    ];
    for x in GRAD_L_W.concat() {
        out.push(format!("{}", (x * 1e8).round() / 1e8));
        out.push(format!("{:.3}", x.abs()));
    }
    out
}

#[test]
fn hidden_checks_never_leak_expected_values() {
    let mut a = seed();
    for c in a["checks"].as_array_mut().unwrap() {
        c["visibility"] = json!("hidden");
    }
    let wrongs = [
        json!(GRAD_L_W.map(|r| r.map(|x| -x))),
        json!(GRAD_L_W.map(|r| r.map(|x| 3.0 * x))),
        json!([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]),
        json!([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]),
    ];
    for wrong in wrongs {
        let mut v = correct();
        v["gradL_W"] = wrong;
        v["L"] = json!(0.5);
        v["gradL_yhat"] = json!([1.0, 1.0]);
        let r = grade_values(&a, v);
        assert_eq!(r.score, 2.0); // grada_z and gradz_W

        for f in [Format::Gradtape, Format::Gradescope, Format::PrairieLearn] {
            let text = format::render(&r, f).to_string();
            for s in expected_strings() {
                assert!(!text.contains(&s), "{f:?} leaks {s}: {text}");
            }
        }
        assert!(
            check(&r, "gradL_W").feedback.contains("out of tolerance")
                || check(&r, "gradL_W").feedback.contains("shape")
        );
    }
}

#[test]
fn program_submissions_raise_and_fail_as_tensorflow_does() {
    let a = seed();
    let mut student = a["reference"]["program"].clone();
    // a non-persistent tape: the second request is TensorFlow's RuntimeError
    student["tape"]["persistent"] = json!(false);
    let (parsed, _) = assignment::parse(&a).unwrap();
    let r = grade::grade_assignment(
        parsed.clone(),
        &Source::Program(student),
        &Limits::default(),
    )
    .unwrap();
    assert!(check(&r, "gradL_yhat").passed);
    let c = check(&r, "gradL_W");
    assert!(
        !c.passed
            && c.feedback
                .starts_with("`gradL_W` could not be computed: tape_exhausted"),
        "{}",
        c.feedback
    );
    assert_eq!(r.score, 2.0); // L and gradL_yhat

    // an op that does not exist is not TensorFlow code that raised: like a cell that does not
    // parse, the program cannot run at all, so it is ungradable (PrairieLearn gradable: false)
    let mut broken = a["reference"]["program"].clone();
    broken["graph"][1]["op"] = json!("softmaxx");
    let r = grade::grade_assignment(parsed, &Source::Program(broken), &Limits::default()).unwrap();
    assert_eq!(r.score, 0.0);
    let why = r.ungradable.as_deref().unwrap_or_default();
    assert!(
        why.starts_with("your program cannot run: ") && why.contains("unknown op \"softmaxx\""),
        "{why}"
    );
    assert_eq!(format::prairielearn(&r)["gradable"], json!(false));
}

#[test]
fn a_broken_assignment_is_an_error_naming_the_check() {
    let mut a = seed();
    a["checks"][4]["name"] = json!("gradL_w");
    let (parsed, _) = assignment::parse(&a).unwrap();
    let e = grade::prepare(parsed, &Limits::default()).unwrap_err();
    assert_eq!(e.check.as_deref(), Some("gradL_w"));
    assert!(
        e.detail.ends_with("did you mean `gradL_W`, `gradz_W`?"),
        "{}",
        e.detail
    );

    let mut a = seed();
    a["reference"]["program"]["graph"][0]["inputs"] = json!(["W", "nowhere"]);
    let (parsed, _) = assignment::parse(&a).unwrap();
    let e = grade::prepare(parsed, &Limits::default()).unwrap_err();
    assert!(
        e.detail.starts_with("the reference's program cannot run: ")
            && e.detail.contains("nowhere"),
        "{}",
        e.detail
    );

    let mut a = seed();
    a["checks"][0]["rtol"] = json!(-1);
    a["checks"][0].as_object_mut().unwrap().remove("sigfigs");
    let e = assignment::parse(&a).unwrap_err();
    assert_eq!(
        e.detail,
        "check \"L\": \"rtol\" must be a non-negative number, not -1"
    );
}

fn schema(name: &str) -> Value {
    let path = format!(
        "{}/tests/assignments/schemas/{name}.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[track_caller]
fn valid(name: &str, v: &Value) {
    let s = schema(name);
    if let Err(e) = crate::openapi::check(&s, &s, v, name) {
        panic!("{e}\n{v:#}");
    }
    if name == "prairielearn" {
        assert!(v.to_string().len() <= format::PRAIRIELEARN_MAX_BYTES);
    }
}

#[test]
fn every_format_validates_against_its_platform_schema() {
    let mut wrong = correct();
    wrong["gradL_W"] = json!(GRAD_L_W.map(|r| r.map(|x| -x)));
    let (a, _) = assignment::parse(&seed()).unwrap();
    let p = grade::prepare(a, &Limits::default()).unwrap();
    let reports = [
        grade::grade(&p, &Source::Values(correct()), &Limits::default()),
        grade::grade(&p, &Source::Values(wrong), &Limits::default()),
        grade::ungradable(&p, "not a cell".into()),
    ];
    for r in &reports {
        valid("gradtape", &format::gradtape(r));
        valid("gradescope", &format::gradescope(r));
        valid("prairielearn", &format::prairielearn(r));
    }
    let pl = format::prairielearn(&reports[2]);
    assert_eq!(
        (pl["gradable"].clone(), pl["score"].clone()),
        (json!(false), json!(0.0))
    );
    assert_eq!(format::gradescope(&reports[1])["score"], json!(4.0));
    let share = format::prairielearn(&reports[1])["score"].as_f64().unwrap();
    assert!((share - 4.0 / 6.0).abs() < 1e-8);
}

#[test]
fn a_huge_output_stays_under_prairielearns_bound() {
    let (a, _) = assignment::parse(&seed()).unwrap();
    let p = grade::prepare(a, &Limits::default()).unwrap();
    let mut r = grade::grade(&p, &Source::Values(correct()), &Limits::default());
    r.submission.stdout = "x".repeat(3_000_000);
    for c in &mut r.checks {
        c.feedback = "y".repeat(500_000);
    }
    valid("prairielearn", &format::prairielearn(&r));
}

#[tokio::test]
async fn post_grade_answers_in_the_assignments_format() {
    let app = test_app();
    let mut body = seed();
    body["submission"] = json!({"values": correct()});
    body["format"] = json!("prairielearn");
    let (status, v) = call(&app, "POST", "/v1/grade", Some(body.clone()), &[]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["gradable"].clone(), v["score"].clone()),
        (json!(true), json!(1.0))
    );
    valid("prairielearn", &v);

    // a submission that is not a submission: still an answer, score 0
    body["submission"] = json!({"values": 3});
    body["format"] = json!("gradescope");
    let (status, v) = call(&app, "POST", "/v1/grade", Some(body.clone()), &[]).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["score"], json!(0.0));
    assert!(
        v["output"].as_str().unwrap().starts_with(
            "Your submission could not be graded: the submission needs \"values\" to be an object"
        ),
        "{v}"
    );
    valid("gradescope", &v);

    // a check naming nothing the reference has: 422 problem+json naming the check
    body["checks"][1]["name"] = json!("dL_dyhat");
    let (status, v) = call(&app, "POST", "/v1/grade", Some(body), &[]).await;
    assert_eq!(status, 422);
    assert_eq!(v["node"], json!("dL_dyhat"));
    assert_eq!(v["code"], json!("invalid_argument"));
}

#[tokio::test]
async fn the_documented_examples_answer_as_documented() {
    let doc = crate::openapi::spec();
    let op = &doc["paths"]["/v1/grade"]["post"];
    let examples = op["requestBody"]["content"]["application/json"]["examples"]
        .as_object()
        .unwrap();
    let answers = &op["responses"]["200"]["content"]["application/json"]["examples"];
    let schema = crate::openapi::response_schema(&doc, "POST", "/v1/grade", 200);
    let app = test_app();
    for (name, ex) in examples {
        let (status, v) = call(&app, "POST", "/v1/grade", Some(ex["value"].clone()), &[]).await;
        assert_eq!(status, 200, "{name}: {v}");
        crate::openapi::check(&doc, schema, &v, name).unwrap();
        let format = ex["value"]["format"].as_str().unwrap();
        assert_eq!(v, answers[format]["value"], "{name}");
        valid(format, &v);
    }
}

/// The reference the feedback tests below grade against: a watched tape, an unwatched
/// constant `c` (its gradient is None in TensorFlow) and a few plain values.
const SMALL_REFERENCE: &str = "import tensorflow as tf\n\
x = tf.Variable([1.0, 2.0, 3.0])\n\
c = tf.constant([1.0, 1.0, 1.0])\n\
with tf.GradientTape(persistent=True) as g:\n    y = x * x * c\n    L = tf.reduce_sum(y)\n\
dL = g.gradient(L, x)\n\
dc = g.gradient(L, c)\n\
n = 3\n\
b = tf.constant([True, False])\n\
grads = g.gradient(L, [x, c])\n";

fn small(checks: Value, values: Value, format: &str) -> Value {
    let a = json!({"reference": {"cell": SMALL_REFERENCE}, "checks": checks, "format": format});
    let (a, _) = assignment::parse(&a).unwrap();
    let values = values.as_object().unwrap().clone();
    let r = grade::grade_assignment(a, &Source::Values(values), &Limits::default()).unwrap();
    format::render(&r, Format::parse(format).unwrap())
}

#[test]
fn checks_worth_no_points_score_full_on_prairielearn_only_when_all_pass() {
    let checks = json!([{"name": "dL", "points": 0}, {"name": "L", "points": 0}]);
    let wrong = small(
        checks.clone(),
        json!({"dL": [2.0, 4.0, 7.0], "L": 15.0}),
        "prairielearn",
    );
    assert_eq!(wrong["score"], json!(0.0), "{wrong}");
    let half = small(
        checks.clone(),
        json!({"dL": [2.0, 4.0, 6.0], "L": 15.0}),
        "prairielearn",
    );
    assert_eq!(half["score"], json!(0.0), "{half}");
    let right = small(
        checks,
        json!({"dL": [2.0, 4.0, 6.0], "L": 14.0}),
        "prairielearn",
    );
    assert_eq!(right["score"], json!(1.0), "{right}");
    valid("prairielearn", &wrong);
}

#[test]
fn a_value_where_tensorflow_gives_none_is_explained_from_the_students_side() {
    let checks = json!([{"name": "dc", "expect_null": true}]);
    let v = small(checks, json!({"dc": [0.0, 0.0, 0.0]}), "gradtape");
    let f = v["checks"][0]["feedback"].as_str().unwrap();
    // the reference's own note cites the instructor's line and advises watching c, which
    // would keep the answer wrong: neither belongs in the student's feedback
    assert!(!f.contains("line "), "{f}");
    assert!(!f.contains("add it to the tape's watch list"), "{f}");
    assert_eq!(
        f,
        "`dc` should be None: TensorFlow gives no gradient here because c is a constant the tape \
         does not watch, but yours is a float32 value of shape [3]; the answer is the None the \
         gradient call returns, not zeros (unconnected_gradients=ZERO, tf.zeros_like), and not \
         a gradient from watching c"
    );
}

#[test]
fn a_wrong_scalar_is_off_by_a_factor_only_when_the_factor_is_a_common_one() {
    let f = |name: &str, got: Value| {
        let v = small(json!([{"name": name}]), json!({ name: got }), "gradtape");
        v["checks"][0]["feedback"].as_str().unwrap().to_string()
    };
    // 15 where 14 is expected: any wrong scalar is some multiple of the right one
    assert_eq!(
        f("L", json!(15.0)),
        "`L`: expected 14, got 15 (rtol 1e-4, atol 1e-6)"
    );
    // a doubled or a halved loss is worth naming
    assert_eq!(
        f("L", json!(28.0)),
        "`L` is off by a constant factor: yours is 2 times the expected value"
    );
    assert_eq!(
        f("L", json!(14.0 / 3.0)),
        "`L` is off by a constant factor: yours is 1/3 of the expected value"
    );
    // one k for three non-zero elements is a scale applied to the whole gradient
    assert_eq!(
        f("dL", json!([2.5, 5.0, 7.5])),
        "`dL` is off by a constant factor: yours is 1.25 times the expected value"
    );
}

#[test]
fn feedback_agrees_in_number_and_article() {
    let v = small(
        json!([{"name": "n"}, {"name": "dL"}]),
        json!({"n": 3.0, "dL": [2.0, 4.0, 7.0]}),
        "gradtape",
    );
    let f = |i: usize| v["checks"][i]["feedback"].as_str().unwrap().to_string();
    assert!(
        f(0).contains("where a Python int is expected (any int dtype passes, but not a float)"),
        "{}",
        f(0)
    );
    assert!(
        f(1).contains("1 of 3 elements is out of tolerance"),
        "{}",
        f(1)
    );
}

#[test]
fn a_check_naming_a_list_is_told_to_unpack_it() {
    let a = json!({"reference": {"cell": SMALL_REFERENCE}, "checks": [{"name": "grads"}]});
    let (a, _) = assignment::parse(&a).unwrap();
    let e = grade::prepare(a, &Limits::default()).unwrap_err();
    assert_eq!(e.check.as_deref(), Some("grads"));
    assert!(
        e.detail
            .starts_with("check \"grads\": the reference's value is a list")
            && e.detail.contains("unpack it"),
        "{}",
        e.detail
    );
}

#[test]
fn a_reference_that_raises_is_an_error_naming_the_check_it_leaves_unbound() {
    let a = json!({
        "reference": {"cell": "import tensorflow as tf\nL = tf.constant(1.0)\ndL = L / undefined_name\n"},
        "checks": [{"name": "L"}, {"name": "dL"}]
    });
    let (a, _) = assignment::parse(&a).unwrap();
    let e = grade::prepare(a, &Limits::default()).unwrap_err();
    assert_eq!(e.check.as_deref(), Some("dL"));
    assert!(
        e.detail
            .starts_with("the reference raised NameError at line 3"),
        "{}",
        e.detail
    );
}

#[test]
fn nan_where_tensorflow_gives_nan_fails_rtol_atol_and_says_why() {
    // grading.md: "within atol + rtol·|expected| ... as PrairieLearn's relabs" (allclose,
    // equal_nan=False): a NaN is never within, so the check fails, and the feedback says so
    // rather than "expected NaN, got NaN" alone
    let a = json!({
        "reference": {"cell": "import tensorflow as tf\nd = tf.constant([0.25, float('nan')])\n"},
        "checks": [{"name": "d"}]
    });
    let (a, _) = assignment::parse(&a).unwrap();
    let values = json!({"d": [0.25, "NaN"]}).as_object().unwrap().clone();
    let r = grade::grade_assignment(a, &Source::Values(values), &Limits::default()).unwrap();
    let c = &r.checks[0];
    assert!(!c.passed);
    assert!(
        c.feedback.contains("expected NaN, got NaN")
            && c.feedback.contains("NaN never counts as within rtol/atol"),
        "{}",
        c.feedback
    );
}

#[test]
fn a_name_left_unbound_by_an_exception_ends_with_the_exceptions_own_words() {
    // the exception's detail may end in advice; "before `dL` was assigned" comes before it
    let a = json!({"reference": {"cell": SMALL_REFERENCE}, "checks": [{"name": "dL"}]});
    let (a, _) = assignment::parse(&a).unwrap();
    let cell = "import tensorflow as tf\nprint('start')\ndL = undefined_name * 2\n";
    let r = grade::grade_assignment(a, &Source::Cell(cell.into()), &Limits::default()).unwrap();
    assert_eq!(
        r.checks[0].feedback,
        "your code raised NameError at line 3 before `dL` was assigned: name 'undefined_name' is \
         not defined. Output before it:\nstart\n"
    );
}

#[test]
fn a_run_stopped_by_a_limit_fails_every_check_as_it_raised() {
    // grading.md: "A cell stopped by a limit did run: its checks fail as "it raised"
    // (limit_exceeded)": dL is right and bound before the runaway loop, but a run that does
    // not finish earns nothing, as one that times out on Gradescope or PrairieLearn
    let checks = json!([{"name": "dL"}, {"name": "L"}]);
    let cell = "import tensorflow as tf\nprint('start')\ndL = tf.constant([2.0, 4.0, 6.0])\n\
                while True:\n    pass\nL = tf.constant(14.0)\n";
    let a = json!({"reference": {"cell": SMALL_REFERENCE}, "checks": checks});
    let (a, _) = assignment::parse(&a).unwrap();
    let r = grade::grade_assignment(a, &Source::Cell(cell.into()), &Limits::default()).unwrap();
    assert_eq!(r.score, 0.0, "{:#?}", r.checks);
    let dl = check(&r, "dL");
    assert!(!dl.passed, "{}", dl.feedback);
    assert!(
        dl.feedback.starts_with(
            "your code raised RuntimeError at line 4 (limit_exceeded) after `dL` was assigned, \
             and a run stopped by a limit earns no points"
        ) && dl.feedback.ends_with("Output before it:\nstart\n"),
        "{}",
        dl.feedback
    );
    assert_eq!((dl.max_abs_error, dl.worst_index.clone()), (None, None));
    // a name the loop kept from being bound fails as it raised, as before
    assert!(
        check(&r, "L")
            .feedback
            .starts_with("your code raised RuntimeError at line 4 before `L` was assigned"),
        "{}",
        check(&r, "L").feedback
    );
    let gs = format::gradescope(&r);
    assert_eq!(gs["score"], json!(0.0));
    assert_eq!(gs["tests"][0]["status"], json!("failed"), "{gs}");
    assert!(gs["tests"][0]["output"]
        .as_str()
        .unwrap()
        .contains("limit_exceeded"));
    let pl = format::prairielearn(&r);
    assert_eq!(
        (pl["gradable"].clone(), pl["score"].clone()),
        (json!(true), json!(0.0))
    );
    assert_eq!(pl["tests"][0]["points"], json!(0.0));
    valid("gradescope", &gs);
    valid("prairielearn", &pl);

    // an ordinary exception stops the run too, but what it bound before is graded
    let cell = "import tensorflow as tf\ndL = tf.constant([2.0, 4.0, 6.0])\nL = undefined_name\n";
    let a =
        json!({"reference": {"cell": SMALL_REFERENCE}, "checks": [{"name": "dL"}, {"name": "L"}]});
    let (a, _) = assignment::parse(&a).unwrap();
    let r = grade::grade_assignment(a, &Source::Cell(cell.into()), &Limits::default()).unwrap();
    assert!(check(&r, "dL").passed, "{}", check(&r, "dL").feedback);
    assert!(check(&r, "L")
        .feedback
        .starts_with("your code raised NameError at line 3"));
}

/// The example of tests/assignments/README.md: dL/dW with its sign flipped, as a student
/// writes it, rounded to 3 or 4 figures.
fn rounded(scale: f64) -> Value {
    json!([
        [10.26 * scale, 16.2 * scale, 5.06 * scale, 0.135 * scale],
        [-10.26 * scale, -16.2 * scale, -5.06 * scale, -0.135 * scale]
    ])
}

#[test]
fn a_flipped_sign_or_a_factor_is_found_in_a_rounded_answer() {
    // grading.md: "the sign is flipped; off by a constant factor (which one)" come before
    // the worst element; a student's answer is rounded far past rtol 1e-4, and the README's
    // own example (every element of TensorFlow's dL/dW negated, to 3 or 4 figures) is a
    // flipped sign, not "expected 16.2038269, got -16.20000076"
    let f = |v: Value| {
        let mut vals = correct();
        vals["gradL_W"] = v;
        check(&grade_values(&seed(), vals), "gradL_W").clone()
    };
    let c = f(rounded(1.0));
    assert!(!c.passed && c.points == 0.0);
    assert_eq!(
        c.feedback,
        "`gradL_W` has the sign flipped: every element is the negative of the expected one \
         (check the sign of your loss or of a subtraction)"
    );
    assert_eq!(c.worst_index, Some(vec![1, 1]));
    assert_eq!(
        f(rounded(-2.0)).feedback,
        "`gradL_W` is off by a constant factor: yours is 2 times the expected value"
    );
    assert_eq!(
        f(rounded(-0.5)).feedback,
        "`gradL_W` is off by a constant factor: yours is 1/2 of the expected value"
    );
    assert_eq!(
        f(rounded(2.0)).feedback,
        "`gradL_W` is off by a constant factor: yours is 2 times the expected value, with the \
         sign flipped"
    );
    assert_eq!(
        f(rounded(-1.37)).feedback,
        "`gradL_W` is off by a constant factor: yours is 1.37 times the expected value"
    );
    // rounded but not scaled: the worst element, each side as its float32 holds it
    assert_eq!(
        f(rounded(-1.0)).feedback,
        "`gradL_W` at index [1, 1]: expected 16.203827, got 16.2; 8 of 8 elements are out of \
         tolerance (rtol 1e-4, atol 1e-6)"
    );
    // one element left unflipped is not a flipped sign
    let mut one = rounded(1.0);
    one[1][3] = json!(0.135);
    assert!(f(one).feedback.contains("at index [1, 1]"));

    // the same in the three formats, through POST /v1/grade's path
    let mut a = seed();
    for fmt in ["gradtape", "gradescope", "prairielearn"] {
        a["format"] = json!(fmt);
        let mut vals = correct();
        vals["gradL_W"] = rounded(1.0);
        let (parsed, _) = assignment::parse(&a).unwrap();
        let r = grade::grade_assignment(parsed, &Source::Values(vals), &Limits::default()).unwrap();
        let out = format::render(&r, Format::parse(fmt).unwrap());
        valid(fmt, &out);
        let text = out.to_string();
        assert!(
            text.contains("`gradL_W` has the sign flipped"),
            "{fmt}: {text}"
        );
    }
}

#[test]
fn a_dtype_of_another_kind_says_both_dtypes_why_and_how_to_fix_it() {
    let f = |name: &str, got: Value| {
        let v = small(json!([{"name": name}]), json!({ name: got }), "gradtape");
        v["checks"][0]["feedback"].as_str().unwrap().to_string()
    };
    // a JSON client drops the decimal point of [2.0, 4.0, 6.0]: the same-kind rule stands, and
    // the feedback says why the answer is int32 and the two ways to write it as a float
    assert_eq!(
        f("dL", json!([2, 4, 6])),
        "`dL` has dtype int32 where dtype float32 is expected (any float dtype passes, but not \
         an int): dL is int32 because [2, 4, 6] has no decimal point; write 2.0 rather than 2, \
         or give {\"value\": [2, 4, 6], \"dtype\": \"float32\"}"
    );
    let v = small(
        json!([{"name": "dL"}]),
        json!({"dL": {"value": [2, 4, 6], "dtype": "float32"}}),
        "gradtape",
    );
    assert_eq!(v["checks"][0]["passed"], json!(true), "{v}");
    assert_eq!(
        f("dL", json!({"value": [2, 4, 6], "dtype": "int64"})),
        "`dL` has dtype int64 where dtype float32 is expected (any float dtype passes, but not \
         an int): dL gives \"dtype\": \"int64\"; give \"dtype\": \"float32\""
    );
    // a Python int in the reference: its dtype is said as Python's, not "int ... (int)"
    assert_eq!(
        f("n", json!(3.0)),
        "`n` has dtype float32 where a Python int is expected (any int dtype passes, but not a \
         float): n is float32 because 3.0 has a decimal point or an exponent; write whole \
         numbers without one (3, not 3.0)"
    );
    assert_eq!(
        f("b", json!([1, 0])),
        "`b` has dtype int32 where dtype bool is expected (only a bool passes): b is int32 \
         because [1, 0] holds numbers; write true and false"
    );

    // in a cell, the literal or the cast is what to check
    let a = json!({"reference": {"cell": SMALL_REFERENCE},
                   "checks": [{"name": "n"}, {"name": "dL"}]});
    let (a, _) = assignment::parse(&a).unwrap();
    let cell = "import tensorflow as tf\nn = 3.0\ndL = tf.constant([2, 4, 6])\n";
    let r = grade::grade_assignment(a, &Source::Cell(cell.into()), &Limits::default()).unwrap();
    assert_eq!(
        check(&r, "n").feedback,
        "`n` is a Python float where a Python int is expected (any int dtype passes, but not a \
         float): check your literals and casts: 3.0 and 6 / 2 are floats, 3 and 6 // 2 ints; \
         tf.cast(x, tf.int32) converts a tensor"
    );
    assert!(
        check(&r, "dL").feedback.starts_with(
            "`dL` has dtype int32 where dtype float32 is expected (any float dtype passes, but \
             not an int): check your literals and casts: 1 is an int and 1.0 a float"
        ),
        "{}",
        check(&r, "dL").feedback
    );
    for fmt in [Format::Gradtape, Format::Gradescope, Format::PrairieLearn] {
        let text = format::render(&r, fmt).to_string();
        assert!(
            text.contains("is a Python float where a Python int"),
            "{fmt:?}: {text}"
        );
    }
}

#[test]
fn a_bool_is_shown_as_true_or_false_with_no_tolerance() {
    let f = |got: Value, visibility: &str| {
        let checks = json!([{"name": "b", "visibility": visibility}]);
        small(checks, json!({ "b": got }), "gradtape")["checks"][0]["feedback"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(f(json!([true, false]), "visible"), "correct");
    assert_eq!(
        f(json!([true, true]), "visible"),
        "`b` at index [1]: expected False, got True; 1 of 2 elements differs"
    );
    assert_eq!(
        f(json!([false, true]), "hidden"),
        "`b`: 2 of 2 elements differ"
    );
    for fmt in ["gradescope", "prairielearn"] {
        let v = small(json!([{"name": "b"}]), json!({"b": [true, true]}), fmt);
        valid(fmt, &v);
        assert!(v
            .to_string()
            .contains("expected False, got True; 1 of 2 elements differs"));
    }
}

#[tokio::test]
async fn a_submission_of_an_unknown_kind_is_told_so_in_a_sentence() {
    let app = test_app();
    let mut body = seed();
    body["submission"] = json!({"foo": 1});
    let why =
        "the submission is of an unknown kind, \"foo\"; use cell, notebook, program or values";
    for (fmt, at) in [
        ("gradtape", "/submission/error/detail"),
        ("gradescope", "/output"),
        ("prairielearn", "/message"),
    ] {
        body["format"] = json!(fmt);
        let (status, v) = call(&app, "POST", "/v1/grade", Some(body.clone()), &[]).await;
        assert_eq!(status, 200, "{v}");
        let text = v.pointer(at).and_then(Value::as_str).unwrap_or_default();
        assert!(text.ends_with(why), "{fmt}: {text}");
    }
}

#[test]
fn a_transposed_square_matrix_is_named_as_such() {
    // the shapes agree, so only the elements tell: the transpose matches, and the student is
    // pointed at the product's order (a symmetric answer would pass as it is)
    let a = json!({
        "reference": {"cell": "import tensorflow as tf\ngW = tf.constant([[1.0, 2.0], [3.0, 4.0]])\n"},
        "checks": [{"name": "gW"}]
    });
    let (a, _) = assignment::parse(&a).unwrap();
    let values = json!({"gW": [[1.0, 3.0], [2.0, 4.0]]})
        .as_object()
        .unwrap()
        .clone();
    let r = grade::grade_assignment(a, &Source::Values(values), &Limits::default()).unwrap();
    let c = &r.checks[0];
    assert!(!c.passed);
    assert!(
        c.feedback
            .contains("is the transpose of the expected value")
            && c.feedback.contains("order of a matmul's operands"),
        "{}",
        c.feedback
    );
}
