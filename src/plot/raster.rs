//! A scene drawn into an anti-aliased bitmap (tiny-skia for lines and boxes, ab_glyph's glyph
//! coverage for text) and encoded as an RGB PNG.

use ab_glyph::{point, Font, ScaleFont};
use tiny_skia::{LineCap, LineJoin, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};

use super::layout::{Anchor, Mark, Rgb, Scene};
use super::PlotError;

fn err(e: impl std::fmt::Display) -> PlotError {
    PlotError(e.to_string())
}

fn paint(c: Rgb) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c[0], c[1], c[2], 255);
    p.anti_alias = true;
    p
}

pub fn png(scene: &Scene) -> Result<Vec<u8>, PlotError> {
    let mut pix = Pixmap::new(scene.width, scene.height)
        .ok_or_else(|| err(format!("no {}x{} bitmap", scene.width, scene.height)))?;
    for m in &scene.marks {
        match m {
            Mark::Line {
                points,
                color,
                width,
            } => line(&mut pix, points, *color, *width),
            Mark::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                if let Some(r) = Rect::from_xywh(*x as f32, *y as f32, *w as f32, *h as f32) {
                    pix.fill_rect(r, &paint(*fill), Transform::identity(), None);
                }
                if let Some(c) = stroke {
                    let (x0, y0, x1, y1) = (*x, *y, x + w, y + h);
                    let ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
                    line(&mut pix, &ring, *c, 1.0);
                }
            }
            Mark::Text {
                x,
                y,
                size,
                anchor,
                vertical,
                color,
                text,
            } => draw_text(&mut pix, *x, *y, *size, *anchor, *vertical, *color, text),
        }
    }
    encode(&pix)
}

fn line(pix: &mut Pixmap, points: &[(f64, f64)], color: Rgb, width: f64) {
    let mut pb = PathBuilder::new();
    for (i, &(x, y)) in points.iter().enumerate() {
        if i == 0 {
            pb.move_to(x as f32, y as f32);
        } else {
            pb.line_to(x as f32, y as f32);
        }
    }
    let Some(path) = pb.finish() else { return };
    let stroke = Stroke {
        width: width as f32,
        line_cap: LineCap::Butt,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    pix.stroke_path(&path, &paint(color), &stroke, Transform::identity(), None);
}

/// The text's coverage laid out on one line: (width, height, alpha per pixel), baseline inside.
fn coverage(text: &str, size: f64) -> (usize, usize, Vec<f32>) {
    let font = super::font();
    let scaled = font.as_scaled(size as f32);
    let (ascent, descent) = (scaled.ascent(), scaled.descent());
    let height = (ascent - descent).ceil().max(1.0) as usize;
    let width = (super::layout::text_width(text, size).ceil() as usize).max(1) + 2;
    let mut mask = vec![0f32; width * height];
    let mut caret = 1.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(size as f32, point(caret, ascent));
        caret += scaled.h_advance(id);
        prev = Some(id);
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue;
        };
        let b = outlined.px_bounds();
        outlined.draw(|gx, gy, a| {
            let x = b.min.x as i64 + gx as i64;
            let y = b.min.y as i64 + gy as i64;
            if x >= 0 && y >= 0 && (x as usize) < width && (y as usize) < height {
                let cell = &mut mask[y as usize * width + x as usize];
                *cell = (*cell + a).min(1.0);
            }
        });
    }
    (width, height, mask)
}

#[allow(clippy::too_many_arguments)]
fn draw_text(
    pix: &mut Pixmap,
    x: f64,
    y: f64,
    size: f64,
    anchor: Anchor,
    vertical: bool,
    color: Rgb,
    text: &str,
) {
    let (w, h, mask) = coverage(text, size);
    let shift = match anchor {
        Anchor::Start => 0.0,
        Anchor::Middle => w as f64 / 2.0,
        Anchor::End => w as f64,
    };
    // the mask's baseline sits at its ascent; centre the line's ink box on y
    let (pw, ph) = (pix.width() as i64, pix.height() as i64);
    let data = pix.data_mut();
    for v in 0..h {
        for u in 0..w {
            let a = mask[v * w + u];
            if a <= 0.0 {
                continue;
            }
            let (sx, sy) = if vertical {
                // a quarter turn anticlockwise: the text reads bottom to top
                (x - h as f64 / 2.0 + v as f64, y + shift - u as f64)
            } else {
                (x - shift + u as f64, y - h as f64 / 2.0 + v as f64)
            };
            let (sx, sy) = (sx.round() as i64, sy.round() as i64);
            if sx < 0 || sy < 0 || sx >= pw || sy >= ph {
                continue;
            }
            let i = (sy * pw + sx) as usize * 4;
            for k in 0..3 {
                let old = data[i + k] as f32;
                data[i + k] = (old * (1.0 - a) + color[k] as f32 * a).round() as u8;
            }
        }
    }
}

fn encode(pix: &Pixmap) -> Result<Vec<u8>, PlotError> {
    // every mark is opaque over an opaque background, so premultiplied RGBA is plain RGB
    let rgb: Vec<u8> = pix
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, pix.width(), pix.height());
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(&rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}
