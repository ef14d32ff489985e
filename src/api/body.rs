//! Request bodies: read within the size limit and parsed as JSON, with problem+json errors
//! (axum's own rejections would answer plain text).

use axum::body::{to_bytes, Body};
use axum::http::StatusCode;
use serde_json::Value;

use super::error::AppError;
use crate::engine::Code;

/// Reads and parses a JSON body of at most `limit` bytes. Any Content-Type is accepted, since
/// `curl -d` sends a form type by default and students should not have to know that.
pub async fn json_body(body: Body, limit: usize) -> Result<Value, AppError> {
    parse(&read(body, limit).await?)
}

/// The body's bytes, or 413 `limit_exceeded` past `limit`.
pub async fn read(body: Body, limit: usize) -> Result<axum::body::Bytes, AppError> {
    to_bytes(body, limit).await.map_err(|_| {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::LimitExceeded,
            format!("the request body is larger than max_body_bytes = {limit} bytes; send large tensors as {{\"b64\", \"shape\", \"dtype\"}} or split the work"),
        )
    })
}

pub fn parse(bytes: &[u8]) -> Result<Value, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_json("the body is empty; send a JSON object"));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| AppError::bad_json(format!("the body is not valid JSON: {e}")))
}
