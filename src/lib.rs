//! gradtape: TensorFlow 2.15's `tf.Variable` and `tf.GradientTape` as an HTTP service.
//!
//! - `engine/`: tensors, ops and their VJPs, tapes, the program runner. No HTTP, no JSON.
//! - `api/`: axum handlers, JSON decoding/encoding, problem+json errors.
//! - `plot`: charts (SVG, PNG) of a curve and its gradient; no HTTP.
//! - `grade/`: grading a submission against an assignment (checks, feedback, graders' formats).
//! - `config`: flags and `GRADTAPE_*` environment variables.

pub mod api;
pub mod cells;
pub mod config;
pub mod engine;
pub mod grade;
pub mod plot;
pub mod sessions;
