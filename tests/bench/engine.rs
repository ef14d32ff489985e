//! Engine benchmarks (criterion) for workloads W1-W5: the program run alone, JSON already
//! decoded, as TensorFlow's and JAX's in-process numbers are measured.
//!
//!     cargo bench --bench engine                 # all five, and W2's matrix product alone
//!     cargo bench --bench engine -- --write DIR  # the workloads as JSON files, for tests/bench/http.sh

mod workloads;

use criterion::Criterion;
use gradtape::api::{body, decode};
use gradtape::engine::Limits;
use std::hint::black_box;

// The allocator the server runs with (src/main.rs), so the engine is measured as it serves.
#[global_allocator]
static GLOBAL: gradtape::alloc::Mimalloc = gradtape::alloc::Mimalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let dir = std::path::Path::new(args.get(i + 1).expect("--write DIR"));
        std::fs::create_dir_all(dir).expect("create the directory");
        for (name, program) in workloads::workloads() {
            std::fs::write(dir.join(format!("{name}.json")), program.to_string())
                .expect("write a workload");
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    let limits = Limits::default();
    for (name, program) in workloads::workloads() {
        let text = program.to_string();
        let arena = gradtape::api::json::arena_for(text.as_bytes());
        let json = body::parse(text.as_bytes(), &arena).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let (p, _) = decode::program(&json, limits.max_tensor_elements)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        p.run(&limits).unwrap_or_else(|e| panic!("{name}: {e}"));
        c.bench_function(name, |b| {
            b.iter(|| black_box(p.run(&limits).expect("runs")))
        });
    }
    // The product W2 is made of twice (forward, and dL/dW1 transposed), alone.
    let a = ndarray::Array2::from_shape_fn((256, 784), |(i, j)| ((i * 7 + j) % 13) as f32 * 0.1);
    let b = ndarray::Array2::from_shape_fn((784, 512), |(i, j)| ((i + 3 * j) % 11) as f32 * 0.1);
    let mut out = ndarray::Array2::<f32>::zeros((256, 512));
    c.bench_function("gemm_256x784x512_engine", |bch| {
        bch.iter(|| gradtape::engine::gemm::matmul_into(a.view(), b.view(), out.view_mut()))
    });
    c.final_summary();
}
