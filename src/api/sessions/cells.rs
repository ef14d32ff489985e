//! `POST /v1/sessions/{session}/cells`: a notebook cell run in the session as in a kernel
//! (sessions/kernel.rs); the body and the answer are those of `POST /v1/cells`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::super::body::read;
use super::super::cells::{answer, cell_request, refusal};
use super::super::error::AppError;
use super::super::AppState;
use super::extract::AuthedSession;
use super::{with_session, Access};
use crate::cells::Refusal;

pub async fn run_cell(
    State(st): State<AppState>,
    s: AuthedSession,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let bytes = read(body, st.config.max_body_bytes).await?;
    let req = cell_request(&headers, &bytes)?;
    let limits = st.config.cell_limits();
    let out = with_session(&st, &s, Access::Compute, |state| {
        let outcome =
            crate::sessions::kernel::run_cell(state, &req.source, &limits, req.outputs.as_deref())?;
        Ok(match outcome {
            // the answer's text, as `POST /v1/cells` writes it
            Ok(o) => json!({"answer": answer(&o, req.encoding)}),
            Err(r) => json!({"refusal": {"code": r.code, "detail": r.detail, "line": r.line, "column": r.column}}),
        })
    })
    .await?;
    Ok(match (out.get("refusal"), out["answer"].as_str()) {
        (None, Some(body)) => (
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
        (r, _) => refusal(&refusal_of(r.unwrap_or(&Value::Null))),
    })
}

/// A refusal read back from the JSON it was kept as (a resent call's answer is kept as JSON).
fn refusal_of(r: &Value) -> Refusal {
    let code = match r["code"].as_str() {
        Some("syntax_error") => "syntax_error",
        Some("unsupported") => "unsupported",
        _ => "limit_exceeded",
    };
    let n = |k: &str| r[k].as_u64().unwrap_or(1) as usize;
    Refusal {
        code,
        detail: r["detail"].as_str().unwrap_or("").to_string(),
        line: n("line"),
        column: n("column"),
    }
}
