//! A route's path segments, percent-decoded, failing as problem+json: axum's own `Path`
//! rejection answers plain text (a segment that is not UTF-8 once decoded).

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use super::error::AppError;

/// The route's path parameters. A segment that is not UTF-8 once decoded can name nothing
/// the service holds, so it is a 404 as any other unknown name is.
async fn params(parts: &mut Parts) -> Result<RawPathParams, AppError> {
    RawPathParams::from_request_parts(parts, &())
        .await
        .map_err(|e| {
            AppError::not_found(format!(
                "{} names nothing here: {e} (percent-encode UTF-8 text)",
                parts.uri.path()
            ))
        })
}

/// The path segment `{key}`, percent-decoded.
pub async fn segment(parts: &mut Parts, key: &str) -> Result<String, AppError> {
    params(parts)
        .await?
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_string())
        .ok_or_else(|| AppError::not_found(format!("the path has no {{{key}}}")))
}

/// A route's one path parameter (`/v1/ops/{op}`), percent-decoded.
pub struct Segment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        params(parts)
            .await?
            .iter()
            .next()
            .map(|(_, v)| Segment(v.to_string()))
            .ok_or_else(|| AppError::not_found("the path has no parameter"))
    }
}
