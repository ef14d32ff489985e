//! The seed network in-process, as a cell and as a program, each as its HTTP handler runs it
//! (cell: parse, run, answer JSON; program: parse JSON, decode, run, answer JSON), in a loop:
//! the mean time of each and their ratio, and a steady loop to profile under callgrind or perf.
//!
//!     cargo run --release --example cells_loop                    # both, 2,000 turns each
//!     cargo run --release --example cells_loop -- cell 200        # one side only (for a profiler)

use std::hint::black_box;
use std::time::Instant;

use gradtape::api::{body, cells, decode, encode::EvaluationJson};
use gradtape::cells::{CellLimits, Kernel};
use gradtape::engine::Limits;

#[global_allocator]
static GLOBAL: gradtape::alloc::Mimalloc = gradtape::alloc::Mimalloc;

const CELL: &str = include_str!("cells/seed_cell.py");
const PROGRAM: &str = include_str!("cells/seed_program.json");

fn run_cell(limits: &CellLimits) -> usize {
    let mut kernel = Kernel::new(limits.engine.clone());
    let outcome = gradtape::cells::run(CELL, limits, &mut kernel, None).expect("the cell runs");
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    cells::answer(&outcome, decode::Encoding::Json).len()
}

fn run_program(limits: &Limits) -> usize {
    let arena = gradtape::api::json::arena_for(PROGRAM.as_bytes());
    let json = body::parse(PROGRAM.as_bytes(), &arena).expect("the program parses");
    let (p, enc) = decode::program(&json, limits.max_tensor_elements).expect("it decodes");
    let ev = p.run(limits).expect("it runs");
    EvaluationJson(&ev, enc).to_vec().expect("it encodes").len()
}

fn time(turns: usize, mut f: impl FnMut() -> usize) -> f64 {
    for _ in 0..turns / 10 {
        black_box(f());
    }
    let started = Instant::now();
    for _ in 0..turns {
        black_box(f());
    }
    started.elapsed().as_secs_f64() * 1e6 / turns as f64
}

fn main() {
    // the server's threads have a cell's stack to spare (cli/serve.rs), and so does this one
    std::thread::Builder::new()
        .stack_size(gradtape::cells::STACK_BYTES + (4 << 20))
        .spawn(side_by_side)
        .expect("a thread")
        .join()
        .expect("the loop runs");
}

fn side_by_side() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let side = args.first().map_or("both", String::as_str);
    let turns = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
    let cell_limits = CellLimits::default();
    let limits = Limits::default();
    let cell = (side != "program").then(|| time(turns, || run_cell(&cell_limits)));
    let program = (side != "cell").then(|| time(turns, || run_program(&limits)));
    if let Some(c) = cell {
        println!("seed_cell    {c:8.1} us");
    }
    if let Some(p) = program {
        println!("seed_program {p:8.1} us");
    }
    if let (Some(c), Some(p)) = (cell, program) {
        println!("ratio        {:8.2}", c / p);
    }
}
