//! Any bytes as a notebook cell: Ruff's parser, the subset check, the evaluator and every op
//! it binds, under small limits. A panic, a hang or unbounded memory is a bug; an exception or
//! a refusal is the cell's answer.
#![no_main]

use gradtape::cells::{self, CellLimits, Kernel};
use gradtape::engine::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    let limits = CellLimits {
        engine: Limits {
            max_tensor_elements: 1 << 12,
            max_jacobian_elements: 1 << 12,
            max_nodes: 256,
            max_requests: 8,
            max_request_elements: 1 << 16,
            max_matmul_flops: 1 << 20,
            max_compute_ms: 200,
            max_check_passes: 64,
        },
        max_steps: 10_000,
        max_source_bytes: 1 << 14,
        max_stdout_bytes: 1 << 14,
        max_python_bytes: 1 << 24,
    };
    let mut kernel = Kernel::new(limits.engine.clone());
    let _ = cells::run(source, &limits, &mut kernel, None);
});
