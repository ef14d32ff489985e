//! Charts of a curve and its gradient (one panel, or a grid of panels), as SVG or PNG bytes.
//! Knows nothing of HTTP or of the engine: it draws the numbers it is given.
//!
//! `layout` turns panels into a scene of lines, rectangles and text in exact (fractional)
//! pixel coordinates; `svg` writes that scene as text and `raster` draws it anti-aliased. Each
//! panel puts the activation and its gradient on two stacked axes that share `z`, each with its
//! own scale, so a gradient of 0..1 next to a curve of 0..10 is not squashed into a strip.
//!
//! Text is measured (and, for PNG, rasterised) with a font compiled into the binary, so a
//! container with no system fonts and no fontconfig still gets labelled charts.

mod layout;
mod raster;
mod scale;
mod svg;

pub use layout::{grid_shape, size_for, PANEL_SIZE, SINGLE_SIZE};

/// DejaVu Sans (Bitstream Vera licence, see src/plot/README.md).
const FONT: &[u8] = include_bytes!("DejaVuSans.ttf");

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

/// The bundled font, parsed once.
fn font() -> &'static ab_glyph::FontRef<'static> {
    static PARSED: std::sync::OnceLock<ab_glyph::FontRef<'static>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        // The font is compiled in and known to parse; a failure here is a build mistake.
        ab_glyph::FontRef::try_from_slice(FONT)
            .unwrap_or_else(|_| panic!("the bundled font does not parse"))
    })
}

/// Draws the panels (one: a single chart; more: a grid under `title`) as SVG or PNG.
pub fn render(title: &str, panels: &[Panel], format: Format) -> Result<Vec<u8>, PlotError> {
    let scene = layout::scene(title, panels);
    match format {
        Format::Svg => Ok(svg::write(&scene).into_bytes()),
        Format::Png => raster::png(&scene),
    }
}
