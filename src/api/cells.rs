//! `POST /v1/cells`: a notebook cell's text in (a `text/x-python` body, or JSON `{"source",
//! "outputs", "encoding"}`), what it printed, left and raised out.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value as JsonValue};

use super::body::{parse, read};
use super::decode::{encoding, only, Encoding};
use super::encode::TensorJson;
use super::error::AppError;
use super::json::Json;
use super::{route, AppState, Route};
use crate::cells::{CellOutcome, CellValue, Kernel, Refusal};

pub fn routes() -> Vec<Route> {
    vec![route(Method::POST, "/v1/cells", run_cell)]
}

/// A cell request: its text, the names to answer, how tensors are written.
pub struct CellRequest {
    pub source: String,
    pub outputs: Option<Vec<String>>,
    pub encoding: Encoding,
}

/// The body as a cell: Python text when the Content-Type says so, else the JSON form.
pub fn cell_request(headers: &HeaderMap, bytes: &[u8]) -> Result<CellRequest, AppError> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ctype.starts_with("text/") {
        let source = std::str::from_utf8(bytes)
            .map_err(|_| AppError::bad_json("the cell is not UTF-8 text"))?
            .to_string();
        return Ok(CellRequest {
            source,
            outputs: None,
            encoding: Encoding::Json,
        });
    }
    let v = parse(bytes)?;
    let m = v.as_object().ok_or_else(|| {
        AppError::bad_json(
            "the body must be a JSON object {\"source\": \"...\"} or a text/x-python cell",
        )
    })?;
    only(m, &["source", "outputs", "encoding"], "the body")?;
    let source = match m.get("source") {
        Some(Json::Str(s)) => s.to_string(),
        _ => {
            return Err(AppError::bad_json(
                "\"source\" must be the cell's text as a string",
            ))
        }
    };
    let outputs = match m.get("outputs") {
        None | Some(Json::Null) => None,
        Some(Json::List(items)) => Some(
            items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| AppError::bad_json("\"outputs\" must be a list of names"))?,
        ),
        Some(_) => return Err(AppError::bad_json("\"outputs\" must be a list of names")),
    };
    Ok(CellRequest {
        source,
        outputs,
        encoding: encoding(m)?,
    })
}

async fn run_cell(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let bytes = read(body, st.config.max_body_bytes).await?;
    let req = cell_request(&headers, &bytes)?;
    let limits = st.config.cell_limits();
    let outcome = super::evaluate::compute(&st, move || {
        let mut kernel = Kernel::new(limits.engine.clone());
        Ok(
            crate::cells::run(&req.source, &limits, &mut kernel, req.outputs.as_deref())
                .map(|o| answer(&o, req.encoding)),
        )
    })
    .await?;
    Ok(match outcome {
        Ok(body) => (
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
        Err(r) => refusal(&r),
    })
}

/// A Python float as JSON: non-finite ones as the strings tensors use.
fn float_json(f: f64) -> JsonValue {
    if f.is_nan() {
        json!("NaN")
    } else if f.is_infinite() {
        json!(if f > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        json!(f)
    }
}

/// The 200 answer: `{stdout, values, error}`.
pub fn answer(o: &CellOutcome, enc: Encoding) -> JsonValue {
    let mut values = Map::new();
    for (name, v) in &o.values {
        let j = match v {
            CellValue::Tensor(t) => {
                serde_json::to_value(TensorJson(t, enc)).unwrap_or(JsonValue::Null)
            }
            CellValue::Int(i) => json!(i),
            CellValue::Float(f) => float_json(*f),
            CellValue::Bool(b) => json!(b),
            CellValue::Str(s) => json!(s),
            CellValue::None => JsonValue::Null,
        };
        values.insert(name.clone(), j);
    }
    let error = o.error.as_ref().map(|e| {
        json!({"type": e.kind, "code": e.code, "line": e.line, "column": e.column, "detail": e.detail})
    });
    json!({"stdout": o.stdout, "values": values, "error": error})
}

/// A cell that cannot run: problem+json 422 with `syntax_error` / `unsupported`, line and column.
pub fn refusal(r: &Refusal) -> Response {
    let title = match r.code {
        "syntax_error" => "The cell is not valid Python",
        "unsupported" => "The cell uses something outside the cell subset",
        _ => "Limit exceeded",
    };
    let body = json!({
        "type": format!("/docs#error-{}", r.code),
        "title": title,
        "status": 422,
        "detail": format!("line {}, column {}: {}", r.line, r.column, r.detail),
        "code": r.code,
        "line": r.line,
        "column": r.column,
    });
    let mut resp = (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response();
    resp.extensions_mut()
        .insert(super::metrics::ErrorCode(r.code, None));
    resp
}
