//! The contract a user reads: the OpenAPI document (YAML as written, JSON converted once) and a
//! Swagger UI page whose assets are compiled in, so `/docs` works with no internet access.

use std::sync::OnceLock;

use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};

use super::error::AppError;
use super::path::Segment;
use super::{route, Route};

pub const OPENAPI_YAML: &str = include_str!("../../openapi/openapi.yaml");
const INDEX: &str = include_str!("../../openapi/docs/index.html");
const BUNDLE: &str = include_str!("../../openapi/docs/swagger-ui-bundle.js");
const CSS: &str = include_str!("../../openapi/docs/swagger-ui.css");

pub fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/openapi.yaml", yaml),
        route(Method::GET, "/openapi.json", json),
        route(Method::GET, "/docs", index),
        route(Method::GET, "/docs/{asset}", asset),
    ]
}

/// The document as JSON, parsed from the YAML on first use.
pub fn openapi() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_norway::from_str(OPENAPI_YAML)
            .expect("openapi/openapi.yaml is valid YAML (checked by the tests)")
    })
}

async fn yaml() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], OPENAPI_YAML).into_response()
}

async fn json() -> Response {
    axum::Json(openapi()).into_response()
}

async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX).into_response()
}

async fn asset(Segment(name): Segment) -> Result<Response, AppError> {
    let (ct, body) = match name.as_str() {
        "swagger-ui-bundle.js" => ("application/javascript", BUNDLE),
        "swagger-ui.css" => ("text/css", CSS),
        _ => {
            return Err(AppError::not_found(format!(
                "no documentation asset \"{name}\""
            )))
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response())
}
