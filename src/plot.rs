//! Charts of a curve and its gradient (one panel, or a grid of panels), as SVG or PNG bytes.
//! Knows nothing of HTTP or of the engine: it draws the numbers it is given.
//!
//! Text is laid out (and, for PNG, rasterised) with a font compiled into the binary, so a
//! container with no system fonts and no fontconfig still gets labelled charts.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle, RGBColor};

/// DejaVu Sans (Bitstream Vera licence, see src/plot/README.md).
const FONT: &[u8] = include_bytes!("plot/DejaVuSans.ttf");
/// plotters looks fonts up by family; every text style below asks for this one.
const FAMILY: &str = "sans-serif";

/// matplotlib's first two default colours, so the charts read like the seed notebook's.
const VALUE_COLOR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const GRADIENT_COLOR: RGBColor = RGBColor(0xff, 0x7f, 0x0e);

/// Pixel size of a chart with one panel, and of each panel in a grid.
pub const SINGLE_SIZE: (u32, u32) = (800, 560);
pub const PANEL_SIZE: (u32, u32) = (520, 400);
const TITLE_HEIGHT: u32 = 56;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

/// One panel: a curve `value(z)` and its gradient over the same grid.
pub struct Panel<'a> {
    pub title: String,
    pub value_label: String,
    pub gradient_label: String,
    pub z: &'a [f64],
    pub value: &'a [f64],
    pub gradient: &'a [f64],
}

#[derive(Debug)]
pub struct PlotError(pub String);

impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "drawing the chart failed: {}", self.0)
    }
}

impl std::error::Error for PlotError {}

fn err(e: impl std::fmt::Display) -> PlotError {
    PlotError(e.to_string())
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
        PANEL_SIZE.1 * rows as u32 + TITLE_HEIGHT,
    )
}

/// Draws the panels (one: a single chart; more: a grid under `title`) as SVG or PNG.
pub fn render(title: &str, panels: &[Panel], format: Format) -> Result<Vec<u8>, PlotError> {
    static FONT_ONCE: Once = Once::new();
    FONT_ONCE.call_once(|| {
        // The font is compiled in and known to parse; a failure here is a build mistake.
        register_font(FAMILY, FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("bundled font does not parse"));
    });
    let (w, h) = size_for(panels.len());
    match format {
        Format::Svg => {
            let mut s = String::new();
            draw(
                SVGBackend::with_string(&mut s, (w, h)).into_drawing_area(),
                title,
                panels,
            )?;
            Ok(s.into_bytes())
        }
        Format::Png => {
            let mut rgb = vec![0u8; w as usize * h as usize * 3];
            draw(
                BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area(),
                title,
                panels,
            )?;
            encode_png(&rgb, w, h)
        }
    }
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    panels: &[Panel],
) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(err)?;
    if let [one] = panels {
        draw_panel(&root, one, 26)?;
    } else {
        let (_, h) = root.dim_in_pixel();
        let (head, body) = root.split_vertically(TITLE_HEIGHT.min(h));
        let (w, _) = head.dim_in_pixel();
        let centred = Pos::new(HPos::Center, VPos::Center);
        let style = TextStyle::from((FAMILY, 26).into_font()).pos(centred);
        head.draw_text(title, &style, (w as i32 / 2, TITLE_HEIGHT as i32 / 2))
            .map_err(err)?;
        let (rows, cols) = grid_shape(panels.len());
        for (cell, p) in body.split_evenly((rows, cols)).iter().zip(panels) {
            draw_panel(cell, p, 20)?;
        }
    }
    root.present().map_err(err)
}

/// Finite (z, y) points only: a NaN or an infinity would wreck the axis range and the line.
fn points<'a>(z: &'a [f64], y: &'a [f64]) -> impl Iterator<Item = (f64, f64)> + 'a {
    z.iter()
        .zip(y)
        .map(|(&a, &b)| (a, b))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
}

/// The y range over both curves, with room at the top for the legend.
fn y_range(p: &Panel) -> (f64, f64) {
    let ys = points(p.z, p.value)
        .chain(points(p.z, p.gradient))
        .map(|(_, y)| y);
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    (lo - 0.05 * span, hi + 0.35 * span)
}

fn x_range(z: &[f64]) -> (f64, f64) {
    let finite = || z.iter().copied().filter(|v| v.is_finite());
    let lo = finite().fold(f64::INFINITY, f64::min);
    let hi = finite().fold(f64::NEG_INFINITY, f64::max);
    match (lo.is_finite(), hi > lo) {
        (true, true) => (lo, hi),
        (true, false) => (lo - 1.0, lo + 1.0),
        _ => (-1.0, 1.0),
    }
}

/// Tick labels without float noise: "-10", "0.25", "0.00005", "1.5e-6", "2e6".
fn tick(v: f64) -> String {
    fn trim(m: &str) -> &str {
        if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        }
    }
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() >= 0.95e-5 && v.abs() < 1e6 {
        return trim(&format!("{v:.6}")).to_string();
    }
    let s = format!("{v:.3e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    format!("{}e{exp}", trim(mantissa))
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Panel,
    caption_size: u32,
) -> Result<(), PlotError> {
    let (x0, x1) = x_range(p.z);
    let (y0, y1) = y_range(p);
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, (FAMILY, caption_size))
        .margin(14)
        .margin_right(26)
        .x_label_area_size(44)
        .y_label_area_size(58)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("z")
        .y_desc("a(z) and da/dz")
        .axis_desc_style((FAMILY, 15))
        .label_style((FAMILY, 12))
        .x_labels(11)
        .y_labels(9)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .max_light_lines(0)
        .bold_line_style(RGBColor(0xe4, 0xe4, 0xe4))
        .draw()
        .map_err(err)?;
    for (ys, label, color) in [
        (p.value, &p.value_label, VALUE_COLOR),
        (p.gradient, &p.gradient_label, GRADIENT_COLOR),
    ] {
        chart
            .draw_series(LineSeries::new(points(p.z, ys), color.stroke_width(2)))
            .map_err(err)?
            .label(label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(0xbb, 0xbb, 0xbb))
        .label_font((FAMILY, 14))
        .draw()
        .map_err(err)
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

    #[test]
    fn ticks_read_short() {
        assert_eq!(tick(-10.0), "-10");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(1e-5), "0.00001");
        assert_eq!(tick(-0.00009999999999999999), "-0.0001");
        assert_eq!(tick(1.5e-6), "1.5e-6");
        assert_eq!(tick(-5e-4), "-0.0005");
        assert_eq!(tick(0.30000000000000004), "0.3");
        assert_eq!(tick(2e6), "2e6");
    }
}
