//! The one error type handlers return: RFC 9457 problem+json with the engine's stable codes.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::engine::{Code, Error};
use crate::sessions::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub error: Error,
    /// Seconds a client should wait before retrying (503 when the compute pool is full).
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, code: Code, detail: impl Into<String>) -> AppError {
        AppError {
            status,
            error: Error::new(code, detail),
            retry_after: None,
        }
    }

    pub fn bad_json(detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, Code::InvalidJson, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, Code::NotFound, detail)
    }
}

/// The HTTP status of an engine error: 422 for a program TensorFlow would refuse.
pub fn status_of(code: Code) -> StatusCode {
    match code {
        Code::InvalidJson => StatusCode::BAD_REQUEST,
        Code::TapeExhausted => StatusCode::CONFLICT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<Error> for AppError {
    fn from(mut error: Error) -> AppError {
        if error.code == Code::UnknownOp {
            error
                .detail
                .push_str("; GET /v1/ops lists every op with its inputs and attributes");
        }
        AppError {
            status: status_of(error.code),
            error,
            retry_after: None,
        }
    }
}

/// A store's refusals: the engine's errors as they are, the rest 503 with `Retry-After`.
impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        let detail = match e {
            StoreError::Engine(e) => return AppError::from(e),
            StoreError::Busy(waited) => format!(
                "another call held this session for the whole {} ms this call waited; retry after a second",
                waited.as_millis()
            ),
            StoreError::LeaseLost => "this call ran longer than its lease on the session and another call took it over; nothing was applied: retry".to_string(),
            StoreError::Down { store, detail } => {
                tracing::warn!(store, %detail, "session store unavailable");
                format!("the session store ({store}) is unavailable ({detail}); session calls answer again once it is back (GET /readyz tells), and /v1/evaluate keeps answering")
            }
        };
        let mut e = AppError::new(StatusCode::SERVICE_UNAVAILABLE, Code::Unavailable, detail);
        e.retry_after = Some(1);
        e
    }
}

pub fn title(code: Code) -> &'static str {
    match code {
        Code::InvalidJson => "The body is not JSON of the expected shape",
        Code::UnknownOp => "Unknown op",
        Code::UnknownTensor => "Unknown tensor name",
        Code::DuplicateName => "Name used twice",
        Code::DtypeMismatch => "Dtype mismatch",
        Code::ShapeMismatch => "Shape mismatch",
        Code::InvalidArgument => "Invalid argument",
        Code::LimitExceeded => "Limit exceeded",
        Code::TapeExhausted => "Tape exhausted",
        Code::NotFound => "Not found",
        Code::Unavailable => "Unavailable, retry later",
        Code::Internal => "Internal error",
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.error.code.as_str();
        let mut body = json!({
            "type": format!("/docs#error-{code}"),
            "title": title(self.error.code),
            "status": self.status.as_u16(),
            "detail": self.error.detail,
            "code": code,
        });
        if let Some(node) = &self.error.node {
            body["node"] = json!(node);
        }
        let mut resp = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response();
        resp.extensions_mut()
            .insert(super::metrics::ErrorCode(code, self.error.node.clone()));
        if let Some(s) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        resp
    }
}
