//! Where everything goes: panels become a `Scene` of lines, rectangles and text in fractional
//! pixel coordinates, which `svg` and `raster` draw without rounding them.

use ab_glyph::{Font, ScaleFont};

use super::scale::{curve, nice_ticks, tick, x_range, y_range};
use super::Panel;

/// Pixel size of a chart with one panel, and of each panel in a grid.
pub const SINGLE_SIZE: (u32, u32) = (800, 620);
pub const PANEL_SIZE: (u32, u32) = (520, 460);
const TITLE_HEIGHT: f64 = 56.0;

pub type Rgb = [u8; 3];
/// matplotlib's first two default colours, so the charts read like the seed notebook's.
pub const VALUE_COLOR: Rgb = [0x1f, 0x77, 0xb4];
pub const GRADIENT_COLOR: Rgb = [0xff, 0x7f, 0x0e];
const GRID: Rgb = [0xe4, 0xe4, 0xe4];
const FRAME: Rgb = [0x55, 0x55, 0x55];
const INK: Rgb = [0x22, 0x22, 0x22];
const LEGEND_BORDER: Rgb = [0xbb, 0xbb, 0xbb];
const WHITE: Rgb = [0xff, 0xff, 0xff];

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

pub enum Mark {
    /// An open polyline.
    Line {
        points: Vec<(f64, f64)>,
        color: Rgb,
        width: f64,
    },
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Rgb,
        stroke: Option<Rgb>,
    },
    /// Text whose anchor point is (x, y), vertically centred there; `vertical` turns it a
    /// quarter anticlockwise (a y-axis title).
    Text {
        x: f64,
        y: f64,
        size: f64,
        anchor: Anchor,
        vertical: bool,
        color: Rgb,
        text: String,
    },
}

pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub marks: Vec<Mark>,
}

/// Rows and columns for `n` panels: as square as possible, wider than tall (4 gives 2x2).
pub fn grid_shape(n: usize) -> (usize, usize) {
    let cols = (1..=n.max(1)).find(|c| c * c >= n).unwrap_or(1);
    (n.max(1).div_ceil(cols), cols)
}

/// The pixel size `render` uses for `n` panels.
pub fn size_for(n: usize) -> (u32, u32) {
    if n <= 1 {
        return SINGLE_SIZE;
    }
    let (rows, cols) = grid_shape(n);
    (
        PANEL_SIZE.0 * cols as u32,
        PANEL_SIZE.1 * rows as u32 + TITLE_HEIGHT as u32,
    )
}

pub fn scene(title: &str, panels: &[Panel]) -> Scene {
    let (width, height) = size_for(panels.len());
    let mut marks = vec![Mark::Rect {
        x: 0.0,
        y: 0.0,
        w: width as f64,
        h: height as f64,
        fill: WHITE,
        stroke: None,
    }];
    if let [one] = panels {
        let frame = Frame::new(0.0, 0.0, width as f64, height as f64, 26.0, 10);
        panel(&mut marks, one, &frame);
    } else {
        marks.push(text(
            width as f64 / 2.0,
            TITLE_HEIGHT / 2.0,
            26.0,
            Anchor::Middle,
            title,
        ));
        let (rows, cols) = grid_shape(panels.len());
        let (pw, ph) = (PANEL_SIZE.0 as f64, PANEL_SIZE.1 as f64);
        for (i, p) in panels.iter().enumerate() {
            let (r, c) = ((i / cols) as f64, (i % cols) as f64);
            let frame = Frame::new(c * pw, TITLE_HEIGHT + r * ph, pw, ph, 20.0, 6);
            panel(&mut marks, p, &frame);
        }
        debug_assert!(panels.len() <= rows * cols);
    }
    Scene {
        width,
        height,
        marks,
    }
}

/// A panel's box, its caption size and how many x ticks it aims for.
struct Frame {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    caption: f64,
    x_ticks: usize,
}

impl Frame {
    fn new(x: f64, y: f64, w: f64, h: f64, caption: f64, x_ticks: usize) -> Frame {
        Frame {
            x,
            y,
            w,
            h,
            caption,
            x_ticks,
        }
    }
}

/// One plotting area: its pixel box and the data ranges it maps.
struct Axes {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
}

impl Axes {
    fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x.0) / (self.x.1 - self.x.0) * self.width
    }
    fn py(&self, y: f64) -> f64 {
        self.top + self.height - (y - self.y.0) / (self.y.1 - self.y.0) * self.height
    }
}

fn text(x: f64, y: f64, size: f64, anchor: Anchor, s: &str) -> Mark {
    Mark::Text {
        x,
        y,
        size,
        anchor,
        vertical: false,
        color: INK,
        text: s.to_string(),
    }
}

fn panel(marks: &mut Vec<Mark>, p: &Panel, f: &Frame) {
    marks.push(text(
        f.x + f.w / 2.0,
        f.y + 10.0 + f.caption / 2.0,
        f.caption,
        Anchor::Middle,
        &p.title,
    ));
    let (left, right) = (f.x + 74.0, f.x + f.w - 22.0);
    let top = f.y + f.caption + 26.0;
    let bottom = f.y + f.h - 52.0;
    let gap = 16.0;
    let value_h = (bottom - top - gap) * 0.58;
    let x = x_range(p.z);
    let value_axes = Axes {
        left,
        top,
        width: right - left,
        height: value_h,
        x,
        y: y_range(p.z, p.value),
    };
    let grad_axes = Axes {
        left,
        top: top + value_h + gap,
        width: right - left,
        height: bottom - top - value_h - gap,
        x,
        y: y_range(p.z, p.gradient),
    };
    let xt = nice_ticks(x.0, x.1, f.x_ticks);
    for (axes, ys, color, label, desc, x_labels) in [
        (
            &value_axes,
            p.value,
            VALUE_COLOR,
            &p.value_label,
            "a(z)",
            false,
        ),
        (
            &grad_axes,
            p.gradient,
            GRADIENT_COLOR,
            &p.gradient_label,
            "da/dz",
            true,
        ),
    ] {
        axes_marks(marks, axes, &xt, desc, x_labels);
        for run in curve(p.z, ys) {
            let points = run.iter().map(|&(a, b)| (axes.px(a), axes.py(b))).collect();
            marks.push(Mark::Line {
                points,
                color,
                width: 2.0,
            });
        }
        legend(marks, axes, color, label);
    }
    marks.push(text(
        (left + right) / 2.0,
        bottom + 38.0,
        15.0,
        Anchor::Middle,
        "z",
    ));
}

fn axes_marks(marks: &mut Vec<Mark>, a: &Axes, xt: &[f64], desc: &str, x_labels: bool) {
    let (l, t, r, b) = (a.left, a.top, a.left + a.width, a.top + a.height);
    for &v in xt {
        let x = a.px(v);
        marks.push(Mark::Line {
            points: vec![(x, t), (x, b)],
            color: GRID,
            width: 1.0,
        });
        if x_labels {
            marks.push(text(x, b + 14.0, 12.0, Anchor::Middle, &tick(v)));
        }
    }
    for v in nice_ticks(a.y.0, a.y.1, ((a.height / 34.0) as usize).clamp(3, 9)) {
        let y = a.py(v);
        marks.push(Mark::Line {
            points: vec![(l, y), (r, y)],
            color: GRID,
            width: 1.0,
        });
        marks.push(text(l - 6.0, y, 12.0, Anchor::End, &tick(v)));
    }
    marks.push(Mark::Line {
        points: vec![(l, t), (r, t), (r, b), (l, b), (l, t)],
        color: FRAME,
        width: 1.0,
    });
    marks.push(Mark::Text {
        x: l - 58.0,
        y: (t + b) / 2.0,
        size: 15.0,
        anchor: Anchor::Middle,
        vertical: true,
        color: INK,
        text: desc.to_string(),
    });
}

fn legend(marks: &mut Vec<Mark>, a: &Axes, color: Rgb, label: &str) {
    let size = 14.0;
    let (x, y) = (a.left + 10.0, a.top + 10.0);
    let w = 22.0 + 8.0 + text_width(label, size) + 16.0;
    marks.push(Mark::Rect {
        x,
        y,
        w,
        h: 26.0,
        fill: WHITE,
        stroke: Some(LEGEND_BORDER),
    });
    marks.push(Mark::Line {
        points: vec![(x + 8.0, y + 13.0), (x + 30.0, y + 13.0)],
        color,
        width: 2.0,
    });
    marks.push(text(x + 38.0, y + 13.0, size, Anchor::Start, label));
}

/// The advance width of `s` at `size` pixels, in the bundled font.
pub fn text_width(s: &str, size: f64) -> f64 {
    let font = super::font().as_scaled(size as f32);
    let mut w = 0.0;
    let mut prev = None;
    for c in s.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            w += font.kern(p, id);
        }
        w += font.h_advance(id);
        prev = Some(id);
    }
    w as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_are_as_square_as_possible() {
        assert_eq!(grid_shape(1), (1, 1));
        assert_eq!(grid_shape(2), (1, 2));
        assert_eq!(grid_shape(3), (2, 2));
        assert_eq!(grid_shape(4), (2, 2));
        assert_eq!(grid_shape(5), (2, 3));
        assert_eq!(grid_shape(11), (3, 4));
    }
}
