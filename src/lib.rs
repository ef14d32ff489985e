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
//! 0. `api::listen` accepts the connection and serves it with hyper, polling it through
//!    `api::self_wake` (a wake from inside its own poll is another turn, not a wake-up of an
//!    idle worker), and reads a body of known length to its end first (`body::gather`), so
//!    that a route answering without it leaves the connection open; a client that stops
//!    sending a head or a body for the read timeout loses its connection (a body's is answered
//!    408); `api::access` gives the request its id, its log line and its metrics. What a
//!    request leaves for later (its log line, freeing its values) runs once hyper has written
//!    the answer (`api::later`).
//! 1. `api::body` parses the body (bounded) into the borrowed JSON tree of `api::json`.
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
//!   decoder, cells, `GET /v1/ops`, the activation list and the OpenAPI op table are built
//!   from or checked against it. Arity and argument binding are checked there,
//!   in one place.
//! - **VJPs are written with the engine's own ops.** So a gradient is itself recorded by an
//!   outer tape, which is how Hessians and second derivatives work (two nested tapes, as in
//!   TensorFlow), with no second implementation of any derivative.
//! - **TensorFlow is the reference.** Where this crate is silent, it answers as TensorFlow 2.15
//!   eager does; the conformance cases (`tests/conformance/`) are TensorFlow's own answers.
//! - **Limits before allocation.** Every tensor, Jacobian, matmul and program is checked against
//!   [`engine::Limits`] before it is built; a cell also counts its steps.
//! - **`unsafe` in three audited places**: the call into the `gemm` crate (`engine/gemm.rs`),
//!   in `engine/eigen/` the CPU's `rcp`/`rsqrt` estimate instructions and the C library's `erf`,
//!   which TensorFlow's kernels use and whose exact bits gradtape must reproduce, and the global
//!   allocator's calls into mimalloc (`alloc.rs`).
//!
//! # Adding an op
//! Traced from `softsign`, an elementwise unary op: eight edits in five files. The first (the
//! variant) starts it; then the compiler asks for two more and tests fail until the other five
//! are made.
//! 1. `engine/ops/unary.rs`: the variant (`Softsign`). The compiler then asks for (2) its
//!    forward arm in `float_exact` and (3) its VJP arm in `vjp`; a derivative of more than one
//!    step is a function beside its formula in `unary/grad.rs`. Another family has the same
//!    three places in its own file (`binary.rs`, `nn.rs`, ...).
//! 4. `unary.rs`'s `NAMES`: `("softsign", Unary::Softsign)`, the name `parse` and `name` read
//!    (test: `every_op_parses_with_its_required_attributes`).
//! 5. `engine/ops/registry/table.rs`: one entry, with its paths, TensorFlow's parameters in
//!    order, dtypes, gradient and summary (`activation(..)` around it for `/v1/activations`).
//!    Name resolution, suggestions, cells, `GET /v1/ops` and, for a unary op, the
//!    finite-difference check follow from it (test: `every_unary_name_is_in_the_registry`).
//! 6. `tests/registry/tf_signatures.json`: `inspect.signature` of each path in TensorFlow 2.15
//!    (test: `signatures_are_tensorflows`).
//! 7. `tests/conformance/cases/`: a case made by the TensorFlow oracle
//!    (test: `every_op_has_a_conformance_case`); a differentiable op outside the unary family
//!    also needs a case in `tests/it/gradcheck.rs` (test: `every_differentiable_op_is_checked`).
//! 8. `openapi/openapi.yaml`'s op table, written by
//!    `GRADTAPE_BLESS=1 cargo test openapi_op_table` (test: `openapi_op_table_is_the_registry`).
//!
//! An activation also gets a title and a reading in `api/activations.rs` and
//! `api/activations/reading.rs`, and its name in `tests/it/activations.rs`'s list.

pub mod alloc;
pub mod api;
pub mod cells;
pub mod config;
pub mod engine;
pub mod grade;
pub mod plot;
pub mod sessions;
