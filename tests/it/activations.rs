//! `/v1/activations`: curves and gradients against TensorFlow's numbers and against
//! `/v1/evaluate`, the SVG and PNG pictures, and the 4xx answers to bad parameters.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::support::{call, test_app};

/// Status, content type and raw bytes of one GET.
async fn get(uri: &str, accept: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut req = Request::builder().uri(uri);
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let resp = test_app()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        status,
        ct,
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

fn floats(t: &Value) -> Vec<f64> {
    t["value"]
        .as_array()
        .unwrap_or_else(|| panic!("not a 1-D tensor: {t}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

#[track_caller]
fn assert_close(got: &Value, want: &Value, rtol: f64, what: &str) {
    assert_eq!(got["dtype"], want["dtype"], "{what}: dtype");
    assert_eq!(got["shape"], want["shape"], "{what}: shape");
    for (i, (g, w)) in floats(got).iter().zip(floats(want)).enumerate() {
        // The conformance comparison: rtol plus a small absolute floor for values near 0.
        assert!(
            (g - w).abs() <= rtol * w.abs() + 1e-10,
            "{what}[{i}]: got {g}, TensorFlow {w}"
        );
    }
}

fn seed_case() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/conformance/cases/seed_activation_curves.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn sigmoid_tanh_relu_and_leaky_relu_match_tensorflow() {
    let case = seed_case();
    let (outputs, results) = (
        &case["expect"]["body"]["outputs"],
        &case["expect"]["body"]["results"],
    );
    // The seed builds ReLU and LReLU from masks (z * (z > 0), + 0.01 z (z <= 0)); the named ops
    // must give the same numbers, the gradient at the kink z = 0 included.
    let cases = [
        ("sigmoid", "", "a_sigmoid", 0),
        ("tanh", "", "a_tanh", 1),
        ("relu", "", "a_ReLU", 2),
        ("leaky_relu", "&alpha=0.01", "a_LReLU", 3),
    ];
    for (name, extra, output, request) in cases {
        let (status, body) = call(
            &test_app(),
            "GET",
            &format!("/v1/activations/{name}?start=-10&stop=10&num=129{extra}"),
            None,
            &[],
        )
        .await;
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["name"], name);
        assert_eq!(
            body["z"], outputs["z"],
            "{name}: z is tf.linspace(-10, 10, 129), exactly"
        );
        // TensorFlow's LeakyRelu takes alpha as a float32 attribute, so with alpha=0.01 the
        // negative side is 0.009999999776 z, 2.2e-8 relative from the seed's Python-float
        // 0.01 z: allow that one rounding on top of the float64 tolerance.
        let rtol = if name == "leaky_relu" {
            1e-8 + 2.3e-8
        } else {
            1e-8
        };
        assert_close(
            &body["value"],
            &outputs[output],
            rtol,
            &format!("{name} value"),
        );
        assert_close(
            &body["gradient"],
            &results[request]["gradient"],
            rtol,
            &format!("{name} gradient"),
        );
    }
}

#[tokio::test]
async fn the_summary_and_the_reading_follow_the_gradient() {
    let (_, sig) = call(&test_app(), "GET", "/v1/activations/sigmoid", None, &[]).await;
    assert_eq!(
        sig["z"]["shape"],
        json!([129]),
        "defaults: linspace(-10, 10, 129)"
    );
    assert_eq!(sig["z"]["dtype"], "float64");
    // sigma'(0) = sigma(0)(1 - sigma(0)) = 1/4, and z = 0 is grid point 64.
    assert_eq!(sig["max_abs_gradient"], 0.25);
    assert_eq!(sig["argmax_z"], 0.0);
    let g = floats(&sig["gradient"]);
    let small = g.iter().filter(|v| v.abs() < 0.01).count();
    assert_eq!(
        sig["vanishing_share"].as_f64().unwrap(),
        small as f64 / 129.0
    );
    let reading = sig["reading"].as_str().unwrap();
    assert!(
        reading.contains("at most 0.25") && reading.contains("4-fold"),
        "{reading}"
    );

    // relu: 64 of 129 points have z > 0 (z = 0 is not one of them): 49.6% pass, 50.4% die.
    let (_, relu) = call(&test_app(), "GET", "/v1/activations/relu", None, &[]).await;
    let reading = relu["reading"].as_str().unwrap();
    assert!(
        reading.contains("exactly 1 on 49.6%") && reading.contains("exactly 0 on 50.4%"),
        "{reading}"
    );
    assert_eq!(relu["vanishing_share"].as_f64().unwrap(), 65.0 / 129.0);

    // gelu's gradient dips below zero left of the origin; the reading says where.
    let (_, gelu) = call(&test_app(), "GET", "/v1/activations/gelu", None, &[]).await;
    let g = floats(&gelu["gradient"]);
    let min = g.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(min < -0.1, "gelu' has a minimum near -0.13, got {min}");
    assert!(
        gelu["reading"].as_str().unwrap().contains("turns negative"),
        "{}",
        gelu["reading"]
    );

    // leaky_relu reports its alpha, TensorFlow's 0.2 by default.
    let (_, leaky) = call(&test_app(), "GET", "/v1/activations/leaky_relu", None, &[]).await;
    assert!((leaky["alpha"].as_f64().unwrap() - 0.2).abs() < 1e-12);
    assert_eq!(
        leaky["vanishing_share"], 0.0,
        "no point has |gradient| < 0.01 when alpha = 0.2"
    );
}

/// The program the activations route runs, as a `/v1/evaluate` body.
fn program(op: &str, z: Value, alpha: Option<f64>) -> Value {
    let mut a = json!({"name": "a", "op": op, "inputs": ["z"]});
    if let Some(alpha) = alpha {
        a["alpha"] = json!(alpha);
    }
    let mut z = z;
    z["name"] = json!("z");
    json!({"setup": [z], "tape": {"watch": ["z"]}, "graph": [a], "outputs": ["z", "a"],
           "requests": [{"gradient": {"target": "a", "sources": "z"}}]})
}

#[tokio::test]
async fn the_route_answers_what_evaluate_answers_for_the_same_program() {
    let f64_grid =
        json!({"op": "linspace", "start": -10, "stop": 10, "num": 129, "dtype": "float64"});
    let f32_grid =
        json!({"op": "linspace", "start": -3.0, "stop": 4.0, "num": 50, "dtype": "float32"});
    let cases = [
        ("sigmoid", "", f64_grid.clone(), None),
        ("gelu", "", f64_grid.clone(), None),
        ("selu", "", f64_grid.clone(), None),
        ("leaky_relu", "?alpha=0.3", f64_grid.clone(), Some(0.3)),
        ("leaky_relu", "", f64_grid, Some(0.2)),
        (
            "silu",
            "?start=-3&stop=4&num=50&dtype=float32",
            f32_grid.clone(),
            None,
        ),
        (
            "softplus",
            "?start=-3&stop=4&num=50&dtype=float32",
            f32_grid,
            None,
        ),
    ];
    for (name, query, grid, alpha) in cases {
        let (status, got) = call(
            &test_app(),
            "GET",
            &format!("/v1/activations/{name}{query}"),
            None,
            &[],
        )
        .await;
        assert_eq!(status, 200, "{name}{query}: {got}");
        let (status, want) = call(
            &test_app(),
            "POST",
            "/v1/evaluate",
            Some(program(name, grid, alpha)),
            &[],
        )
        .await;
        assert_eq!(status, 200, "{want}");
        assert_eq!(got["z"], want["outputs"]["z"], "{name}{query}: z");
        assert_eq!(got["value"], want["outputs"]["a"], "{name}{query}: value");
        assert_eq!(
            got["gradient"], want["results"][0]["gradient"],
            "{name}{query}: gradient"
        );
    }
}

#[tokio::test]
async fn a_fractional_float64_grid_keeps_float64_precision() {
    let (status, body) = call(
        &test_app(),
        "GET",
        "/v1/activations/tanh?start=-0.3&stop=0.1&num=5",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["z"]["dtype"], "float64");
    // tf.linspace's formula in float64: start + i * (stop - start) / (num - 1), ends exact.
    let delta: f64 = (0.1 - -0.3) / 4.0;
    let want = [
        -0.3,
        -0.3 + delta,
        -0.3 + 2.0 * delta,
        -0.3 + 3.0 * delta,
        0.1,
    ];
    // serde_json's default float parser may land one ulp off, so compare to 1e-15, far below
    // the 1e-8 a float32 grid cast to float64 would be off by.
    for (got, want) in floats(&body["z"]).iter().zip(want) {
        assert!(
            (got - want).abs() <= 1e-15 * want.abs().max(1e-3),
            "z: got {got}, want {want}"
        );
    }
    for (z, g) in floats(&body["z"]).iter().zip(floats(&body["gradient"])) {
        let t = z.tanh();
        assert!(
            (g - (1.0 - t * t)).abs() < 1e-15,
            "tanh'({z}) = 1 - tanh^2, got {g}"
        );
    }
}

#[tokio::test]
async fn the_svg_is_xml_with_both_curves_a_legend_and_labels() {
    let (status, ct, bytes) = get("/v1/activations/sigmoid?format=svg", None).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "image/svg+xml");
    let text = String::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let svg = doc.root_element();
    assert_eq!(svg.tag_name().name(), "svg");
    assert_eq!(
        (svg.attribute("width"), svg.attribute("height")),
        (Some("800"), Some("620"))
    );
    let lines = |color: &str| -> Vec<usize> {
        doc.descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(color))
            .map(|n| n.attribute("points").unwrap().split_whitespace().count())
            .collect()
    };
    // Each series: the 129-point curve, then its 2-point legend swatch.
    assert_eq!(lines("#1F77B4"), vec![129, 2], "the activation curve");
    assert_eq!(lines("#FF7F0E"), vec![129, 2], "the gradient curve");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect();
    for want in [
        "Sigmoid activation and gradient",
        "activated score a = sigmoid(z)",
        "gradient da/dz (from the tape)",
        "z",
        "a(z)",
        "da/dz",
    ] {
        assert!(
            texts.iter().any(|t| t == want),
            "no text {want:?} in {texts:?}"
        );
    }
}

fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn has_color(rgb: &[u8], c: [u8; 3]) -> bool {
    rgb.chunks_exact(3).any(|p| p == c)
}

#[tokio::test]
async fn the_png_decodes_to_the_chart_size_and_shows_both_curves() {
    let (status, ct, bytes) = get("/v1/activations/tanh?format=png", None).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    let (w, h, rgb) = decode_png(&bytes);
    assert_eq!((w, h), gradtape::plot::SINGLE_SIZE);
    assert!(
        has_color(&rgb, [0x1f, 0x77, 0xb4]) && has_color(&rgb, [0xff, 0x7f, 0x0e]),
        "both curve colours are drawn"
    );
    // The title is drawn with the bundled font (no system fonts needed): dark glyph pixels in
    // the top 40 rows, where nothing else is drawn.
    let dark = rgb[..w as usize * 3 * 40]
        .chunks_exact(3)
        .filter(|p| p.iter().all(|&c| c < 100))
        .count();
    assert!(
        dark > 200,
        "the title's text is rendered ({dark} dark pixels)"
    );

    // The default grid: the seed notebook's four panels, 2 x 2.
    let (status, ct, bytes) = get("/v1/activations/plot", None).await;
    assert_eq!(
        (status, ct.as_str()),
        (200, "image/png"),
        "/plot must not be taken for an activation name"
    );
    let (w, h, _) = decode_png(&bytes);
    assert_eq!((w, h), gradtape::plot::size_for(4));
    assert_eq!(gradtape::plot::grid_shape(4), (2, 2));
    assert_eq!(w, 2 * gradtape::plot::PANEL_SIZE.0);

    let (status, ct, bytes) =
        get("/v1/activations/plot?names=elu,selu,gelu&format=svg", None).await;
    assert_eq!((status, ct.as_str()), (200, "image/svg+xml"));
    let text = String::from_utf8(bytes).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let titles = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name("text")
                && n.text()
                    .is_some_and(|t| t.contains("activation and gradient"))
        })
        .count();
    assert_eq!(titles, 3, "one panel per name");
}

#[tokio::test]
async fn the_accept_header_picks_the_picture() {
    let (_, ct, bytes) = get("/v1/activations/relu", Some("image/svg+xml")).await;
    assert_eq!(ct, "image/svg+xml");
    assert!(bytes.starts_with(b"<svg"));
    let (_, ct, bytes) = get("/v1/activations/relu", Some("image/png")).await;
    assert_eq!(ct, "image/png");
    assert!(bytes.starts_with(b"\x89PNG"));
    let (_, ct, _) = get("/v1/activations/relu", Some("application/json")).await;
    assert_eq!(ct, "application/json");
    // format= wins over Accept.
    let (_, ct, _) = get("/v1/activations/relu?format=json", Some("image/png")).await;
    assert_eq!(ct, "application/json");
    let (_, ct, _) = get("/v1/activations/plot", Some("image/svg+xml")).await;
    assert_eq!(ct, "image/svg+xml");
}

#[tokio::test]
async fn bad_parameters_are_4xx_problem_json() {
    #[rustfmt::skip]
    let cases = [
        ("/v1/activations/sigmoid?num=0", 422, "invalid_argument", "num=0"),
        ("/v1/activations/sigmoid?num=100001", 422, "limit_exceeded", "100000"),
        ("/v1/activations/sigmoid?num=-3", 422, "invalid_argument", "whole number"),
        ("/v1/activations/sigmoid?start=5&stop=5", 422, "invalid_argument", "less than stop"),
        ("/v1/activations/sigmoid?start=3&stop=-3", 422, "invalid_argument", "less than stop"),
        ("/v1/activations/sigmoid?start=NaN", 422, "invalid_argument", "finite"),
        ("/v1/activations/sigmoid?stop=inf", 422, "invalid_argument", "finite"),
        ("/v1/activations/sigmoid?start=-1e308&stop=1e308", 422, "invalid_argument", "overflows float64"),
        ("/v1/activations/sigmoid?start=-3e38&stop=3e38&dtype=float32", 422, "invalid_argument", "overflows float32"),
        ("/v1/activations/sigmoid?start=abc", 422, "invalid_argument", "finite number"),
        ("/v1/activations/swish2", 404, "not_found", "known: sigmoid, tanh, relu, leaky_relu, elu"),
        ("/v1/activations/sigmoid?format=gif", 422, "invalid_argument", "json, svg or png"),
        ("/v1/activations/sigmoid?dtype=int32", 422, "invalid_argument", "float32 or float64"),
        ("/v1/activations/sigmoid?alpha=0.1", 422, "invalid_argument", "leaky_relu only"),
        ("/v1/activations/elu?alpha=0.1", 422, "invalid_argument", "leaky_relu only"),
        ("/v1/activations/leaky_relu?alpha=nan", 422, "invalid_argument", "finite"),
        ("/v1/activations/sigmoid?strat=1", 422, "invalid_argument", "unknown query parameter"),
        ("/v1/activations/sigmoid?num=5&num=6", 422, "invalid_argument", "twice"),
        ("/v1/activations/plot?names=sigmoid,nope", 422, "invalid_argument", "known: sigmoid"),
        ("/v1/activations/plot?names=", 422, "invalid_argument", "1 to 16"),
        ("/v1/activations/plot?format=json", 422, "invalid_argument", "png or format=svg"),
        ("/v1/activations/plot?names=tanh&alpha=0.1", 422, "invalid_argument", "leaky_relu only"),
        ("/v1/activations/plot?names=tanh,relu,elu,selu,gelu,silu&num=100000", 422, "limit_exceeded", "lower num"),
    ];
    for (uri, status, code, says) in cases {
        let (s, ct, bytes) = get(uri, None).await;
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert_eq!(s, status, "{uri}: {body}");
        assert_eq!(ct, "application/problem+json", "{uri}");
        assert_eq!(body["code"], code, "{uri}: {body}");
        assert_eq!(body["status"], status, "{uri}");
        assert!(
            body["detail"].as_str().unwrap().contains(says),
            "{uri}: {body}"
        );
    }
}

#[tokio::test]
async fn the_list_names_every_activation() {
    let (status, body) = call(&test_app(), "GET", "/v1/activations", None, &[]).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "sigmoid",
            "tanh",
            "relu",
            "leaky_relu",
            "elu",
            "selu",
            "gelu",
            "softplus",
            "softsign",
            "silu",
            "relu6"
        ]
    );
    for n in names {
        let (status, body) = call(
            &test_app(),
            "GET",
            &format!("/v1/activations/{n}?num=33"),
            None,
            &[],
        )
        .await;
        assert_eq!(status, 200, "{n}: {body}");
        assert_eq!(body["gradient"]["shape"], json!([33]));
        assert!(!body["reading"].as_str().unwrap().is_empty());
    }
}
