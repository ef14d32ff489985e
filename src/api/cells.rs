//! `POST /v1/cells`: a notebook cell's text in (a `text/x-python` body, or JSON `{"source",
//! "outputs", "encoding"}`), what it printed, left and raised out.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value as JsonValue};

use super::body::{parse, read};
use super::decode::{encoding, only, Encoding};
use super::encode::TensorJson;
use super::error::AppError;
use super::json::Json;
use super::{route, AppState, Route};
use crate::cells::{CellNote, CellOutcome, CellValue, Kernel, Refusal};

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
    let arena = super::json::arena_for(bytes);
    let v = parse(bytes, &arena)?;
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
    let small = is_small(&req.source);
    let run = move || {
        let mut kernel = Kernel::new(limits.engine.clone());
        Ok(
            crate::cells::run(&req.source, &limits, &mut kernel, req.outputs.as_deref())
                .map(|o| answer(&o, req.encoding)),
        )
    };
    let outcome = if small {
        super::evaluate::compute_small(&st, run).await?
    } else {
        super::evaluate::compute(&st, run).await?
    };
    Ok(match outcome {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(r) => refusal(&r),
    })
}

/// A cell with no loop, function or comprehension and a few statements: its work is a handful
/// of ops (each still bounded by the op limits), so it runs inline as a small program does.
fn is_small(source: &str) -> bool {
    const REPEATS: [&str; 5] = ["for ", "while ", "def ", "lambda", "async "];
    source.len() <= 4096
        && source.lines().count() <= 40
        && !REPEATS.iter().any(|k| source.contains(k))
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

/// One value a cell left, written as `/v1/evaluate` writes it: tensors straight from their
/// elements (a float32 prints as its shortest decimal, `0.14506263`, not as the float64 it
/// widens to), Python values as plain JSON.
struct ValueJson<'a>(&'a CellValue, Encoding);

impl Serialize for ValueJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            CellValue::Tensor(t) => TensorJson(t, self.1).serialize(s),
            CellValue::Int(i) => s.serialize_i64(*i),
            CellValue::Float(f) => float_json(*f).serialize(s),
            CellValue::Bool(b) => s.serialize_bool(*b),
            CellValue::Str(v) => s.serialize_str(v),
            CellValue::None => s.serialize_none(),
        }
    }
}

struct ValuesJson<'a>(&'a [(String, CellValue)], Encoding);

impl Serialize for ValuesJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (name, v) in self.0 {
            m.serialize_entry(name, &ValueJson(v, self.1))?;
        }
        m.end()
    }
}

/// A cell's note: the engine's note (`source` is the cell's text for it) with the line and
/// column of the gradient call, or of the statement where a value first went non-finite.
pub fn cell_note(n: &CellNote) -> JsonValue {
    let mut v = super::notes::note(&n.note);
    v["line"] = json!(n.line);
    v["column"] = json!(n.column);
    v
}

/// The 200 answer's JSON text: `{stdout, values, error}`, and `stderr` and `notes` when there
/// are any.
pub fn answer(o: &CellOutcome, enc: Encoding) -> String {
    let error = o.error.as_ref().map(|e| {
        json!({"type": e.kind, "code": e.code, "line": e.line, "column": e.column, "detail": e.detail})
    });
    let notes: Vec<JsonValue> = o.notes.iter().map(cell_note).collect();
    let mut m = serde_json::Serializer::new(Vec::with_capacity(256 + o.stdout.len()));
    let written = (|| {
        let mut w = m.serialize_map(None)?;
        w.serialize_entry("stdout", &o.stdout)?;
        if !o.stderr.is_empty() {
            w.serialize_entry("stderr", &o.stderr)?;
        }
        w.serialize_entry("values", &ValuesJson(&o.values, enc))?;
        w.serialize_entry("error", &error)?;
        if !notes.is_empty() {
            w.serialize_entry("notes", &notes)?;
        }
        SerializeMap::end(w)
    })();
    match written {
        Ok(()) => String::from_utf8(m.into_inner()).unwrap_or_default(),
        // writing into a Vec fails only on a value JSON cannot hold, which tensors never are
        Err(e) => json!({"stdout": o.stdout, "values": {}, "error": {"type": "RuntimeError",
            "code": "internal", "line": 1, "column": 1, "detail": e.to_string()}})
        .to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::is_small;

    #[test]
    fn only_straight_line_cells_are_small() {
        assert!(is_small(
            "import tensorflow as tf\nx = tf.ones(3)\nprint(x)"
        ));
        assert!(!is_small("for i in range(10**9):\n  pass"));
        assert!(!is_small("while True:\n  pass"));
        assert!(!is_small("xs = [i * i for i in range(5)]"));
        assert!(!is_small("f = lambda x: x\n"));
        assert!(!is_small(&"x = 1\n".repeat(41)));
    }
}
