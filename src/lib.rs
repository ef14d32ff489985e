//! gradtape: TensorFlow 2.15's `tf.Variable` and `tf.GradientTape` as an HTTP service, answering
//! as TensorFlow 2.15 eager would (numbers, `None`s and errors), without Python.
//!
//! # The layers
//! ```text
//!   api/ (axum: decode JSON, encode JSON, problem+json)      cli/ (clap: serve, grade, run)
//!     │                 │                  │                        │
//!     ▼                 ▼                  ▼                        ▼
//!   sessions/        cells/             grade/  ───────────────► cells/, engine/
//!   (a kept eager    (a notebook cell:  (assignments, checks,
//!    context; memory  Ruff's parser, an  feedback, Gradescope
//!    or Redis store)  evaluator)         and PrairieLearn)
//!     │                 │
//!     ▼                 ▼
//!   engine/  tensors, dtypes, ops and their VJPs, tapes, programs, explanations
//! ```
//! - [`engine`] is pure computation: no HTTP, no JSON, no async. Everything above it calls it.
//! - [`api`] is thin: it reads a body into a value of the engine's (a
//!   [`engine::program::Program`], a cell's text, a session call), hands it to the engine on a
//!   compute slot, and writes the answer. Wire words (status codes, `invalid_json`, paths such as
//!   `graph[3].op`) live only here.
//! - [`cells`] runs a cell's AST on the engine; [`sessions`] keeps a workspace between calls
//!   ([`sessions::store`]: in the process, or in Redis for several replicas); [`grade`] runs a
//!   reference and a submission (cells, programs or values) and compares them; [`plot`] draws
//!   activation curves; [`config`] reads the `GRADTAPE_*` environment.
//!
//! # A request's path (`POST /v1/evaluate`)
//! 1. `api::body` reads the body (bounded) into the borrowed JSON tree of `api::json`.
//! 2. `api::decode` turns it into a [`engine::program::Program`]: each node's op is bound through
//!    the op registry ([`engine::ops::registry`]) exactly as a Python call binds its arguments.
//! 3. `api::evaluate` runs it on a compute slot ([`engine::program::Program::run`]): setup nodes,
//!    the tape, the graph nodes (each op checks its dtypes and shapes, then computes), then each
//!    request as a reverse pass over the tape ([`engine::autodiff`]).
//! 4. `api::encode` writes the outputs and results; `api::notes` adds why a gradient is `None`
//!    ([`engine::explain`]).
//!
//! A cell takes the same path from step 3, with [`cells`] in place of the JSON decoder: a call
//! such as `tf.nn.softmax(z, axis=0)` is bound through the same registry.
//!
//! # Invariants
//! - **One op registry.** Every op's TensorFlow paths, parameters in TensorFlow's order, kinds,
//!   defaults, dtypes and differentiability are in `engine/ops/registry/table.rs`; the JSON
//!   decoder, cells, `GET /v1/ops`, the activation list, the OpenAPI op table and the README's
//!   op list are built from or checked against it. Arity and argument binding are checked there,
//!   in one place.
//! - **VJPs are written with the engine's own ops.** So a gradient is itself recorded by an
//!   outer tape, which is how Hessians and second derivatives work (two nested tapes, as in
//!   TensorFlow), with no second implementation of any derivative.
//! - **TensorFlow is the reference.** Where this crate is silent, it answers as TensorFlow 2.15
//!   eager does; the conformance cases (`tests/conformance/`) are TensorFlow's own answers.
//! - **Limits before allocation.** Every tensor, Jacobian, matmul and program is checked against
//!   [`engine::Limits`] before it is built; a cell also counts its steps.
//! - **`unsafe` in two audited places**: the call into the `gemm` crate (`engine/gemm.rs`), and
//!   in `engine/eigen/` the CPU's `rcp`/`rsqrt` estimate instructions and the C library's `erf`,
//!   which TensorFlow's kernels use and whose exact bits gradtape must reproduce.
//!
//! # Adding an op
//! 1. In its family's file under `engine/ops/` (`unary.rs`, `binary.rs`, `nn.rs`, ...): the
//!    variant, its name in the family's `parse` and `name`, its forward kernel and its VJP. The
//!    compiler finds every `match` to extend.
//! 2. One entry in `engine/ops/registry/table.rs`: paths, TensorFlow's parameters (check them with
//!    `inspect.signature`, and add them to `tests/registry/tf_signatures.json`), dtypes, gradient,
//!    summary. Name resolution, suggestions, cells, `GET /v1/ops` and the activation list follow.
//! 3. A conformance case made by the TensorFlow oracle in `tests/conformance/cases/`; for a
//!    differentiable op outside the unary family, a case in `tests/it/gradcheck.rs`.
//! 4. `GRADTAPE_BLESS=1 cargo test openapi_op_table` regenerates the OpenAPI op table;
//!    `tests/it/registry.rs` and `tests/it/ops.rs` fail until every place agrees.

pub mod api;
pub mod cells;
pub mod config;
pub mod engine;
pub mod grade;
pub mod plot;
pub mod sessions;
