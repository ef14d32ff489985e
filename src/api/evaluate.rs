//! `POST /v1/evaluate`: one self-contained program in, values and gradients out.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::body::{parse, read};
use super::encode::EvaluationJson;
use super::error::AppError;
use super::json::arena_for;
use super::later;
use super::{decode, route, AppState, Route};
use crate::engine::{Answer, Code, Evaluation, Program, Request};

pub fn routes() -> Vec<Route> {
    vec![route(Method::POST, "/v1/evaluate", evaluate)]
}

/// Programs estimated below this many element-operations run inline (see `estimated_work`).
const INLINE_WORK: u64 = 1 << 20;

/// Bodies from this size on are parsed and decoded off the async worker (`off_worker`):
/// megabytes of JSON take milliseconds, and `/healthz` queued behind them on the same worker.
const LARGE_BODY: usize = 64 << 10;

async fn evaluate(State(st): State<AppState>, body: Body) -> Result<Response, AppError> {
    let body = read(body, st.config.max_body_bytes).await?;
    let limits = st.config.limits.clone();
    let decoded = || {
        let arena = arena_for(&body);
        let value = parse(&body, &arena)?;
        decode::program(&value, limits.max_tensor_elements)
    };
    let (program, encoding) = if body.len() < LARGE_BODY {
        decoded()?
    } else {
        off_worker(decoded)?
    };
    drop(body);
    let small = program.estimated_work() < INLINE_WORK;
    let metrics = st.metrics.clone();
    let run = move || {
        let (mut ev, values) = program.run_keeping_values(&limits)?;
        name_request_errors(&program, &mut ev);
        metrics.count_result_errors(&ev.results);
        let bytes = EvaluationJson(&ev, encoding)
            .to_vec()
            .map_err(|e| AppError::bad_json(e.to_string()));
        // freeing what the program computed waits until the answer is on its way
        later::drop_later((program, ev, values));
        bytes
    };
    let bytes = if small {
        timed(&st, run)?
    } else {
        compute(&st, run).await?
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// A request's own error names the node at fault as a whole-program error does (issue 17: one
/// error object everywhere): the engine's attribution when it made one, else the request's
/// target, the first one of a list.
fn name_request_errors(program: &Program, ev: &mut Evaluation) {
    for (r, a) in program.requests.iter().zip(&mut ev.results) {
        if let Answer::Error(e) = a {
            let target = match r {
                Request::Gradient { target, .. } => target.list().first().copied(),
                Request::Jacobian { target, .. }
                | Request::BatchJacobian { target, .. }
                | Request::Hessian { target, .. } => Some(target.as_str()),
            };
            if e.node.is_none() {
                *e = e.clone().at(target);
            }
        }
    }
}

/// Runs engine work under the concurrency bound. On the multi-threaded runtime the work stays
/// on the thread that received the request (handing it to another core costs more than a small
/// program takes) while `block_in_place` lets the runtime move its other tasks elsewhere, so
/// `/healthz` keeps answering during heavy work.
pub async fn compute<T, F>(st: &AppState, f: F) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, AppError>,
{
    let permit =
        tokio::time::timeout(st.config.queue_wait, st.compute.clone().acquire_owned()).await;
    let Ok(Ok(_permit)) = permit else {
        let mut e = AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::LimitExceeded,
            format!(
                "all {} evaluation slots are busy (max_concurrent_evaluations); retry after a second",
                st.config.max_concurrent_evaluations
            ),
        );
        e.retry_after = Some(1);
        return Err(e);
    };
    off_worker(|| timed(st, f))
}

/// Runs small work inline on this worker when an evaluation slot is free at once (it still holds
/// the slot, so at most `max_concurrent_evaluations` run so), else as `compute` does: handing
/// the worker's other tasks to another thread costs tens of microseconds, more than a small
/// cell takes.
pub async fn compute_small<T, F>(st: &AppState, f: F) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, AppError>,
{
    match st.compute.clone().try_acquire_owned() {
        Ok(_permit) => timed(st, f),
        Err(_) => compute(st, f).await,
    }
}

/// Runs blocking work on the current thread while, on the multi-threaded runtime,
/// `block_in_place` hands this worker's other tasks to another thread.
fn off_worker<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Runs `f`, recording its compute time in the evaluation histogram.
fn timed<T>(st: &AppState, f: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let out = f();
    st.metrics.observe_evaluation(started.elapsed());
    out
}
