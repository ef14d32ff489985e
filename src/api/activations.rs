//! `GET /v1/activations/{name}` and `GET /v1/activations/plot`: activation curves and their
//! gradients (computed by the tape, as `/v1/evaluate` would) as JSON, SVG or PNG.

mod curve;
mod query;
mod reading;

use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use self::curve::{Curve, DEFAULT_ALPHA, NAMES};
use self::query::{bad, negotiate, params, Out, QueryPairs};
use super::decode::Encoding;
use super::encode::TensorJson;
use super::error::AppError;
use super::evaluate::compute;
use super::path::Segment;
use super::{route, AppState, Route};
use crate::engine::{Code, DType};
use crate::plot::{self, Format, Panel};

/// The seed notebook's figure.
const DEFAULT_PLOT: [&str; 4] = ["sigmoid", "tanh", "relu", "leaky_relu"];
/// Every activation once, and then a few repeats at most.
const MAX_PANELS: usize = 16;
/// Points across all panels of one picture: an SVG spends ~8 bytes a point per curve, so this
/// keeps a picture under ~10 MB however the query is written.
const MAX_PLOTTED: usize = 500_000;

pub fn routes() -> Vec<Route> {
    // matchit ranks the static `plot` segment above the `{name}` capture, so the order of these
    // two routes does not matter; a test pins that.
    vec![
        route(Method::GET, "/v1/activations", list),
        route(Method::GET, "/v1/activations/plot", plot_many),
        route(Method::GET, "/v1/activations/{name}", one),
    ]
}

async fn list() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "names": *NAMES }))
}

fn known(name: &str) -> Option<&'static str> {
    NAMES.iter().copied().find(|n| *n == name)
}

fn known_list() -> String {
    NAMES.join(", ")
}

/// alpha is a parameter of leaky_relu only (`tf.nn.elu` has none).
fn alpha_for(name: &str, asked: Option<f64>) -> Option<f64> {
    (name == "leaky_relu").then(|| asked.unwrap_or(DEFAULT_ALPHA))
}

/// A chart's title for an activation: its usual spelling, or its registry name for an activation
/// that has none here yet (a test lists every registered activation, so none ships without one).
fn title(name: &'static str) -> &'static str {
    match name {
        "sigmoid" => "Sigmoid",
        "tanh" => "Tanh",
        "relu" => "ReLU",
        "leaky_relu" => "Leaky ReLU",
        "elu" => "ELU",
        "selu" => "SELU",
        "gelu" => "GELU",
        "softplus" => "Softplus",
        "softsign" => "Softsign",
        "silu" => "SiLU",
        "relu6" => "ReLU6",
        other => other,
    }
}

struct Drawn {
    z: Vec<f64>,
    value: Vec<f64>,
    gradient: Vec<f64>,
    title: String,
    value_label: String,
}

impl Drawn {
    fn of(c: &Curve) -> Drawn {
        let call = match c.alpha {
            Some(a) => format!("{}(z, alpha={a})", c.name),
            None => format!("{}(z)", c.name),
        };
        Drawn {
            z: c.z.to_f64_vec(),
            value: c.value.to_f64_vec(),
            gradient: c.gradient.to_f64_vec(),
            title: format!("{} activation and gradient", title(c.name)),
            value_label: format!("activated score a = {call}"),
        }
    }
    fn panel(&self) -> Panel<'_> {
        Panel {
            title: self.title.clone(),
            value_label: self.value_label.clone(),
            gradient_label: "gradient da/dz (from the tape)".into(),
            z: &self.z,
            value: &self.value,
            gradient: &self.gradient,
        }
    }
}

fn image(format: Format, bytes: Vec<u8>) -> Response {
    let ct = match format {
        Format::Svg => "image/svg+xml",
        Format::Png => "image/png",
    };
    (
        [(header::CONTENT_TYPE, ct), (header::VARY, "Accept")],
        bytes,
    )
        .into_response()
}

/// A float32 summary number as its shortest float32 decimal (0.19661193, not 0.1966119259...).
fn wire(v: f64, dtype: DType) -> f64 {
    match dtype {
        DType::F32 if v.is_finite() => (v as f32).to_string().parse().unwrap_or(v),
        _ => v,
    }
}

#[derive(Serialize)]
struct CurveJson<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    alpha: Option<f64>,
    z: TensorJson<'a>,
    value: TensorJson<'a>,
    gradient: TensorJson<'a>,
    max_abs_gradient: f64,
    argmax_z: f64,
    vanishing_share: f64,
    reading: String,
}

fn curve_json(c: &Curve) -> Result<Vec<u8>, AppError> {
    let (s, d) = (&c.summary, c.z.dtype());
    let body = CurveJson {
        name: c.name,
        alpha: c.alpha,
        z: TensorJson(&c.z, Encoding::Json),
        value: TensorJson(&c.value, Encoding::Json),
        gradient: TensorJson(&c.gradient, Encoding::Json),
        max_abs_gradient: wire(s.max_abs_gradient, d),
        argmax_z: wire(s.argmax_z, d),
        vanishing_share: s.vanishing_share,
        reading: reading::reading(c),
    };
    serde_json::to_vec(&body).map_err(|e| AppError::bad_json(e.to_string()))
}

/// Drawing fails only on a bug (the inputs are checked and non-finite points dropped), so it
/// is a 500 whose detail stays in the log.
fn plot_err(e: plot::PlotError) -> AppError {
    tracing::error!("{e}");
    AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        Code::Internal,
        "the chart could not be drawn (a bug, logged); please report it with the request",
    )
}

async fn one(
    State(st): State<AppState>,
    Segment(name): Segment,
    headers: HeaderMap,
    q: QueryPairs,
) -> Result<Response, AppError> {
    let name = known(&name).ok_or_else(|| {
        AppError::not_found(format!(
            "unknown activation {name:?}; known: {}",
            known_list()
        ))
    })?;
    let p = params(q, &["start", "stop", "num", "alpha", "dtype", "format"])?;
    if p.alpha.is_some() && name != "leaky_relu" {
        return Err(bad(format!(
            "alpha is a parameter of leaky_relu only, not of {name}"
        )));
    }
    let out = negotiate(p.format, &headers, Out::Json);
    let (alpha, limits) = (alpha_for(name, p.alpha), st.config.limits.clone());
    let bytes = compute(&st, move || {
        let c = curve::compute(name, alpha, &p.grid, &limits)?;
        match out {
            Out::Json => curve_json(&c),
            Out::Image(f) => {
                let d = Drawn::of(&c);
                plot::render(&d.title, &[d.panel()], f).map_err(plot_err)
            }
        }
    })
    .await?;
    Ok(match out {
        Out::Json => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::VARY, "Accept"),
            ],
            bytes,
        )
            .into_response(),
        Out::Image(f) => image(f, bytes),
    })
}

async fn plot_many(
    State(st): State<AppState>,
    headers: HeaderMap,
    q: QueryPairs,
) -> Result<Response, AppError> {
    let p = params(
        q,
        &["names", "start", "stop", "num", "alpha", "dtype", "format"],
    )?;
    let names: Vec<&'static str> = match &p.names {
        None => DEFAULT_PLOT.to_vec(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|n| {
                known(n).ok_or_else(|| {
                    bad(format!(
                        "names: unknown activation {n:?}; known: {}",
                        known_list()
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    if names.is_empty() || names.len() > MAX_PANELS {
        return Err(bad(format!(
            "names lists {} activations; give 1 to {MAX_PANELS}, comma-separated",
            names.len()
        )));
    }
    if names.len() * p.grid.num > MAX_PLOTTED {
        return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::LimitExceeded, format!(
                "{} panels of {} points is over the {MAX_PLOTTED} points one picture may hold; lower num",
                names.len(),
                p.grid.num
            ),
        ));
    }
    if p.alpha.is_some() && !names.contains(&"leaky_relu") {
        return Err(bad(
            "alpha is a parameter of leaky_relu only, and names does not include it",
        ));
    }
    let Out::Image(format) = negotiate(p.format, &headers, Out::Image(Format::Png)) else {
        return Err(bad("the plot route draws pictures: format=png or format=svg (JSON is per activation, at /v1/activations/{name})"));
    };
    let (limits, grid, asked) = (st.config.limits.clone(), p.grid, p.alpha);
    let bytes = compute(&st, move || {
        let drawn = names
            .iter()
            .map(|n| curve::compute(n, alpha_for(n, asked), &grid, &limits).map(|c| Drawn::of(&c)))
            .collect::<Result<Vec<_>, _>>()?;
        let panels: Vec<Panel> = drawn.iter().map(Drawn::panel).collect();
        let title = format!(
            "Activations and their gradients, z = linspace({}, {}, {}) {}",
            grid.start,
            grid.stop,
            grid.num,
            grid.dtype.name()
        );
        plot::render(&title, &panels, format).map_err(plot_err)
    })
    .await?;
    Ok(image(format, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_activation_has_a_chart_title() {
        for name in NAMES.iter() {
            assert_ne!(title(name), *name, "add {name} to title()");
        }
    }
}
