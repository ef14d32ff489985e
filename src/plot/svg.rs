//! A scene as SVG text, coordinates written to a hundredth of a pixel (never snapped to whole
//! pixels, which makes a straight line wobble).

use std::fmt::Write;

use super::layout::{Anchor, Mark, Rgb, Scene};

fn hex(c: Rgb) -> String {
    format!("#{:02X}{:02X}{:02X}", c[0], c[1], c[2])
}

/// A coordinate with at most two decimals and no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn write(scene: &Scene) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, sans-serif">"#,
        w = scene.width,
        h = scene.height
    );
    out.push('\n');
    for m in &scene.marks {
        match m {
            Mark::Line {
                points,
                color,
                width,
            } => polyline(&mut out, points, *color, *width),
            Mark::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => rect(&mut out, (*x, *y, *w, *h), *fill, *stroke),
            Mark::Text { .. } => text(&mut out, m),
        }
    }
    out.push_str("</svg>\n");
    out
}

fn polyline(out: &mut String, points: &[(f64, f64)], color: Rgb, width: f64) {
    let pts: Vec<String> = points
        .iter()
        .map(|&(x, y)| format!("{},{}", num(x), num(y)))
        .collect();
    let _ = writeln!(
        out,
        r#"<polyline fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round" points="{}"/>"#,
        hex(color),
        num(width),
        pts.join(" ")
    );
}

fn rect(out: &mut String, (x, y, w, h): (f64, f64, f64, f64), fill: Rgb, stroke: Option<Rgb>) {
    let stroke = match stroke {
        Some(c) => format!(r#" stroke="{}" stroke-width="1""#, hex(c)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{stroke}/>"#,
        num(x),
        num(y),
        num(w),
        num(h),
        hex(fill)
    );
}

fn text(out: &mut String, m: &Mark) {
    let Mark::Text {
        x,
        y,
        size,
        anchor,
        vertical,
        color,
        text,
    } = m
    else {
        return;
    };
    let anchor = match anchor {
        Anchor::Start => "start",
        Anchor::Middle => "middle",
        Anchor::End => "end",
    };
    let rotate = if *vertical {
        format!(r#" transform="rotate(-90 {} {})""#, num(*x), num(*y))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="{}" text-anchor="{anchor}" dominant-baseline="middle" fill="{}"{rotate}>{}</text>"#,
        num(*x),
        num(*y),
        num(*size),
        hex(*color),
        escape(text)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_fraction() {
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(7.5), "7.5");
    }
}
