//! Any bytes as a `/v1/evaluate` body: JSON decoding, literal typing, the shape and dtype rules
//! of every op, and gradients, under small limits. A panic or a hang is a bug.
#![no_main]

use gradtape::api::{body, decode};
use gradtape::engine::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The server's own parse: the borrowed JSON tree of `api::json`.
    let arena = gradtape::api::json::arena_for(data);
    let Ok(value) = body::parse(data, &arena) else { return };
    let limits = Limits {
        max_tensor_elements: 1 << 12,
        max_jacobian_elements: 1 << 12,
        max_nodes: 64,
        max_requests: 8,
        max_request_elements: 1 << 16,
        max_matmul_flops: 1 << 20,
        max_compute_ms: 200,
        max_check_passes: 64,
    };
    if let Ok((program, _)) = decode::program(&value, limits.max_tensor_elements) {
        let _ = program.run(&limits);
    }
});
