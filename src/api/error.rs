//! The one error type handlers return: RFC 9457 problem+json with the engine's stable codes,
//! and the codes only the HTTP layer gives.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::engine::{Code, Error};
use crate::sessions::StoreError;

/// The `code` of a problem answer: the engine's, or one that only HTTP has a word for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiCode {
    Engine(Code),
    /// The body is not JSON, or not JSON of the shape the route reads.
    InvalidJson,
    /// Not now, through no fault of the request (a busy session, a session store that is
    /// down): retry after the `Retry-After` seconds.
    Unavailable,
    /// A path the service has, asked with a method it does not answer there.
    MethodNotAllowed,
}

impl ApiCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiCode::Engine(code) => code.as_str(),
            ApiCode::InvalidJson => "invalid_json",
            ApiCode::Unavailable => "unavailable",
            ApiCode::MethodNotAllowed => "method_not_allowed",
        }
    }

    /// The problem's `title`.
    pub fn title(self) -> &'static str {
        match self {
            ApiCode::Engine(code) => engine_title(code),
            ApiCode::InvalidJson => "The body is not JSON of the expected shape",
            ApiCode::Unavailable => "Unavailable, retry later",
            ApiCode::MethodNotAllowed => "Method not allowed",
        }
    }
}

impl From<Code> for ApiCode {
    fn from(code: Code) -> ApiCode {
        ApiCode::Engine(code)
    }
}

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: ApiCode,
    /// The node, variable, check or request target at fault, when there is one.
    pub node: Option<String>,
    pub detail: String,
    /// Seconds a client should wait before retrying (503 when the compute pool is full).
    pub retry_after: Option<u64>,
}

impl AppError {
    pub fn new(
        status: StatusCode,
        code: impl Into<ApiCode>,
        detail: impl Into<String>,
    ) -> AppError {
        AppError {
            status,
            code: code.into(),
            node: None,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn bad_json(detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, ApiCode::InvalidJson, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, Code::NotFound, detail)
    }
}

/// The HTTP status of an engine error: 422 for a program TensorFlow would refuse.
pub fn status_of(code: Code) -> StatusCode {
    match code {
        Code::TapeExhausted => StatusCode::CONFLICT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<Error> for AppError {
    fn from(error: Error) -> AppError {
        let mut detail = error.detail;
        if error.code == Code::UnknownOp {
            detail.push_str("; GET /v1/ops lists every op with its inputs and attributes");
        }
        AppError {
            status: status_of(error.code),
            code: error.code.into(),
            node: error.node,
            detail,
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
        let mut e = AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ApiCode::Unavailable,
            detail,
        );
        e.retry_after = Some(1);
        e
    }
}

fn engine_title(code: Code) -> &'static str {
    match code {
        Code::UnknownOp => "Unknown op",
        Code::UnknownTensor => "Unknown tensor name",
        Code::DuplicateName => "Name used twice",
        Code::DtypeMismatch => "Dtype mismatch",
        Code::ShapeMismatch => "Shape mismatch",
        Code::InvalidArgument => "Invalid argument",
        Code::LimitExceeded => "Limit exceeded",
        Code::TapeExhausted => "Tape exhausted",
        Code::NotFound => "Not found",
        Code::Internal => "Internal error",
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.code.as_str();
        let mut body = json!({
            "type": format!("/docs#error-{code}"),
            "title": self.code.title(),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": code,
        });
        if let Some(node) = &self.node {
            body["node"] = json!(node);
        }
        let mut resp = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response();
        resp.extensions_mut()
            .insert(super::metrics::ErrorCode(code, self.node.clone()));
        // a body that stopped arriving leaves the request unfinished: the connection closes
        // after this answer, and says so
        if self.status == StatusCode::REQUEST_TIMEOUT {
            resp.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
        }
        if let Some(s) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        resp
    }
}
