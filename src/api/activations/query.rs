//! The query string of the activation routes, read strictly, and the choice of JSON or picture.

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::{header, HeaderMap, StatusCode};

use super::curve::Grid;
use crate::api::error::AppError;
use crate::engine::{Code, DType};
use crate::plot::Format;

/// Grid points per curve: enough for any screen, small enough that one request stays cheap.
pub const MAX_NUM: usize = 100_000;

/// The raw pairs, in order; a malformed query string is turned into problem+json by `params`.
pub type QueryPairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

pub fn bad(detail: impl Into<String>) -> AppError {
    AppError::from(crate::engine::Error::new(Code::InvalidArgument, detail))
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Out {
    Json,
    Image(Format),
}

pub struct Params {
    pub grid: Grid,
    pub alpha: Option<f64>,
    pub format: Option<Out>,
    pub names: Option<String>,
}

fn number(key: &str, v: &str) -> Result<f64, AppError> {
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(bad(format!(
            "query parameter {key}={v:?} must be a finite number"
        ))),
    }
}

/// The query string, strictly: unknown or repeated keys are refused so a typo is not ignored.
pub fn params(q: QueryPairs, allowed: &[&str]) -> Result<Params, AppError> {
    let Query(pairs) = q.map_err(|e| bad(format!("the query string does not parse: {e}")))?;
    let mut p = Params {
        grid: Grid {
            start: -10.0,
            stop: 10.0,
            num: 129,
            dtype: DType::F64,
        },
        alpha: None,
        format: None,
        names: None,
    };
    let mut seen = Vec::new();
    for (k, v) in &pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(bad(format!(
                "unknown query parameter {k:?}; this route takes {}",
                allowed.join(", ")
            )));
        }
        if seen.contains(&k) {
            return Err(bad(format!("query parameter {k:?} is given twice")));
        }
        seen.push(k);
        match k.as_str() {
            "start" => p.grid.start = number(k, v)?,
            "stop" => p.grid.stop = number(k, v)?,
            "alpha" => p.alpha = Some(number(k, v)?),
            "num" => p.grid.num = num(v)?,
            "dtype" => p.grid.dtype = dtype(v)?,
            "format" => p.format = Some(out_format(v)?),
            _ => p.names = Some(v.clone()),
        }
    }
    check_range(&p.grid)?;
    Ok(p)
}

fn num(v: &str) -> Result<usize, AppError> {
    let n: usize = v.trim().parse().map_err(|_| {
        bad(format!(
            "num={v:?} must be a whole number from 1 to {MAX_NUM}"
        ))
    })?;
    if n == 0 {
        return Err(bad("num=0 gives an empty grid; ask for 1 to 100000 points"));
    }
    if n > MAX_NUM {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::LimitExceeded,
            format!("num={n} is over the limit of {MAX_NUM} points"),
        ));
    }
    Ok(n)
}

fn dtype(v: &str) -> Result<DType, AppError> {
    match v {
        "float64" => Ok(DType::F64),
        "float32" => Ok(DType::F32),
        other => Err(bad(format!(
            "dtype={other:?} is not supported here; use float32 or float64"
        ))),
    }
}

fn out_format(v: &str) -> Result<Out, AppError> {
    match v {
        "json" => Ok(Out::Json),
        "svg" => Ok(Out::Image(Format::Svg)),
        "png" => Ok(Out::Image(Format::Png)),
        other => Err(bad(format!(
            "format={other:?} is unknown; use json, svg or png"
        ))),
    }
}

fn check_range(g: &Grid) -> Result<(), AppError> {
    if g.start >= g.stop {
        return Err(bad(format!(
            "start ({}) must be less than stop ({})",
            g.start, g.stop
        )));
    }
    // linspace steps by (stop - start) / (num - 1): that difference must exist in the dtype.
    let span_fits = match g.dtype {
        DType::F32 => (g.stop as f32 - g.start as f32).is_finite(),
        _ => (g.stop - g.start).is_finite(),
    };
    if !span_fits {
        return Err(bad(format!(
            "stop - start overflows {}; narrow the range",
            g.dtype.name()
        )));
    }
    Ok(())
}

/// `format=` wins; otherwise an Accept header naming an image type picks it (the first named,
/// q-values aside); otherwise the route's default.
pub fn negotiate(asked: Option<Out>, headers: &HeaderMap, default: Out) -> Out {
    if let Some(o) = asked {
        return o;
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let svg = accept.find("image/svg+xml");
    let png = accept.find("image/png");
    match (svg, png) {
        (Some(s), Some(p)) if p < s => Out::Image(Format::Png),
        (Some(_), _) => Out::Image(Format::Svg),
        (None, Some(_)) => Out::Image(Format::Png),
        (None, None) => default,
    }
}
