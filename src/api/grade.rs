//! `POST /v1/grade`: an assignment with its submission in, the result in the assignment's
//! format out. A broken assignment is 422 naming the check; a bad submission is a score of 0.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::body::read;
use super::error::AppError;
use super::evaluate::compute;
use super::{route, AppState, Route};
use crate::engine::Code;
use crate::grade::{self, assignment, format, AssignmentError};

pub fn routes() -> Vec<Route> {
    vec![route(Method::POST, "/v1/grade", grade_submission)]
}

impl From<AssignmentError> for AppError {
    fn from(e: AssignmentError) -> AppError {
        let mut a = AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Code::InvalidArgument,
            e.detail,
        );
        a.node = e.check;
        a
    }
}

async fn grade_submission(State(st): State<AppState>, body: Body) -> Result<Response, AppError> {
    let body = read(body, st.config.max_body_bytes).await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_json("the body is empty; send an assignment: {\"reference\", \"submission\", \"checks\", \"format\"}"));
    }
    let v: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| AppError::bad_json(super::json_error::describe(&body, &e)))?;
    drop(body);
    let (a, submission) = assignment::parse(&v)?;
    drop(v);
    let Some(submission) = submission else {
        return Err(AppError::bad_json("the body needs \"submission\": {\"cell\": \"...\"}, {\"notebook\": {...}}, {\"program\": {...}} or {\"values\": {...}}"));
    };
    let limits = st.config.limits.clone();
    // Two runs (reference and submission) of a cell or program: compute-pool work.
    let out = compute(&st, move || {
        let fmt = a.format;
        let prepared = grade::prepare(a, &limits)?;
        let report = match submission {
            Ok(s) => grade::grade(&prepared, &s, &limits),
            Err(why) => grade::ungradable(&prepared, format!("the submission {why}")),
        };
        Ok(format::render(&report, fmt))
    })
    .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        out.to_string(),
    )
        .into_response())
}
