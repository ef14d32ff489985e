//! The gradient engine: tensors, dtypes, ops with their VJPs, tapes, and the program runner.
//! Pure computation: no HTTP, no JSON, no async. The service wraps it.
//!
//! - `tensor`, `dtype`, `lit`: values and TensorFlow's typing of literals
//! - `ops/`: one enum of ops, a file per family, forward and VJP side by side
//! - `autodiff`: the context, tapes, gradient / jacobian / batch_jacobian
//! - `workspace`: named values and variables (a TensorFlow eager context)
//! - `eigen`, `onednn`: TensorFlow's CPU float kernels emulated bit for bit
//! - `wire`: the compact serde form of tensors (raw little-endian bytes), for stored sessions
//! - `program`: one `/v1/evaluate` program run start to finish, hessians included
//! - `provenance`, `explain/`: how each value was made, and from it why a gradient is None,
//!   where a NaN began, and a numerical check of a gradient

pub mod autodiff;
pub mod cpu;
pub mod dtype;
pub mod eigen;
pub mod error;
pub mod explain;
pub mod gemm;
pub mod kernels;
pub mod lit;
pub mod onednn;
pub mod onednn_sgemm;
pub mod ops;
pub mod program;
pub mod provenance;
pub mod tensor;
pub mod wire;
pub mod workspace;

pub use autodiff::{Ctx, TapeId, Val};
pub use dtype::DType;
pub use error::{Code, Error, Result};
pub use lit::Lit;
pub use program::{Answer, Evaluation, Names, Program, Request, Shaped, TapeSpec, VarSpec};
pub use tensor::Tensor;
pub use workspace::{Input, Name, NodeSpec, Workspace};

/// Bounds the engine enforces before it allocates; the service sets them from its config.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Elements in any one tensor (a literal, an op's result).
    pub max_tensor_elements: usize,
    /// Elements of one Jacobian, Hessian or batch Jacobian result.
    pub max_jacobian_elements: usize,
    /// Nodes in one program (setup and graph together) or one session graph call.
    pub max_nodes: usize,
    /// Requests in one program.
    pub max_requests: usize,
    /// Elements all ops of one request may produce together (bounds memory and work).
    pub max_request_elements: usize,
    /// Multiply-adds one matmul may take (bounds the one op a deadline cannot interrupt).
    pub max_matmul_flops: u64,
    /// Wall-clock time one request may compute, checked between ops.
    pub max_compute_ms: u64,
    /// Evaluations one numerical gradient check may take (two per source element).
    // not part of a stored session's bytes (sessions/codec.rs format 1): the store's own
    // configuration governs a session it reads
    #[serde(skip, default = "default_check_passes")]
    pub max_check_passes: usize,
}

fn default_check_passes() -> usize {
    4096
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_tensor_elements: 16 << 20,
            max_jacobian_elements: 4 << 20,
            max_nodes: 10_000,
            max_requests: 256,
            max_request_elements: 1 << 28,
            max_matmul_flops: 1 << 34,
            max_compute_ms: 10_000,
            max_check_passes: default_check_passes(),
        }
    }
}
