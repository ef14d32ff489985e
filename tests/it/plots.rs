//! The charts as a student sees them: exact coordinates, anti-aliased PNG, a step drawn as a
//! step, and the gradient on an axis of its own.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::test_app;

async fn get_bytes(uri: &str) -> Vec<u8> {
    let resp = test_app()
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{uri}");
    resp.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

/// The points of each polyline drawn in `color`, in document order.
fn polylines(svg: &str, color: &str) -> Vec<Vec<(f64, f64)>> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(color))
        .map(|n| {
            n.attribute("points")
                .unwrap()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_straight_line_stays_straight_in_the_svg() {
    let svg = String::from_utf8(get_bytes("/v1/activations/relu?format=svg").await).unwrap();
    let curve = &polylines(&svg, "#1F77B4")[0];
    assert_eq!(curve.len(), 129, "relu's value curve has one point per z");
    // relu(z) = z for z > 0: every point right of the kink lies on one line, to 1/100 px
    let right: Vec<(f64, f64)> = curve[66..].to_vec();
    let (a, b) = (right[0], right[right.len() - 1]);
    let slope = (b.1 - a.1) / (b.0 - a.0);
    for p in &right {
        let off = (a.1 + slope * (p.0 - a.0) - p.1).abs();
        assert!(off < 0.02, "point {p:?} is {off} px off the line");
    }
    let fractional = curve.iter().filter(|(x, _)| x.fract() != 0.0).count();
    assert!(
        fractional > 50,
        "coordinates are not snapped to whole pixels"
    );
}

#[tokio::test]
async fn relus_gradient_is_a_step_on_its_own_axis() {
    let svg = String::from_utf8(get_bytes("/v1/activations/relu?format=svg").await).unwrap();
    let grad = &polylines(&svg, "#FF7F0E")[0];
    // every segment is horizontal or vertical: 0 up to z = 0, then straight up to 1
    for w in grad.windows(2) {
        let (dx, dy) = (w[1].0 - w[0].0, w[1].1 - w[0].1);
        assert!(dx == 0.0 || dy == 0.0, "a slanted segment {w:?}");
    }
    let vertical = grad.windows(2).filter(|w| w[0].0 == w[1].0).count();
    assert_eq!(vertical, 1, "one vertical step");
    // its own scale: the 0 to 1 rise spans a good part of the chart, not a strip at the bottom
    let ys: Vec<f64> = grad.iter().map(|p| p.1).collect();
    let span =
        ys.iter().cloned().fold(f64::MIN, f64::max) - ys.iter().cloned().fold(f64::MAX, f64::min);
    assert!(span > 120.0, "the gradient spans {span} px");
    // each axis has its title
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let vertical_titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("transform").is_some())
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(vertical_titles, vec!["a(z)", "da/dz"]);
}

#[tokio::test]
async fn the_png_is_anti_aliased() {
    let bytes = get_bytes("/v1/activations/tanh?format=png").await;
    let mut reader = png::Decoder::new(&bytes[..]).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    // pixels strictly between the curve's blue and the white background, on the line from one
    // to the other: the edges of an anti-aliased stroke (an aliased one has none)
    let blue = [0x1f as f64, 0x77 as f64, 0xb4 as f64];
    let blends = buf
        .chunks_exact(3)
        .filter(|p| {
            let t = (255.0 - p[0] as f64) / (255.0 - blue[0]);
            t > 0.1
                && t < 0.9
                && (0..3).all(|k| (255.0 - t * (255.0 - blue[k]) - p[k] as f64).abs() < 6.0)
        })
        .count();
    assert!(blends > 300, "{blends} blended edge pixels");
}
