//! One `/v1/evaluate` body run in-process as its handler runs it (parse, decode, run, encode),
//! in a loop, counting the heap allocations each turn makes: the allocator here is the server's
//! (`gradtape::alloc`), behind a counter.
//!
//!     cargo run --release --example program_loop -- W1_seed.json 1000
//!
//! prints the allocations and bytes allocated per turn (the same every turn once warm), and is
//! a steady loop to profile under callgrind without the HTTP layer.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use gradtape::api::{body, decode, encode::EvaluationJson};
use gradtape::engine::Limits;

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on unchanged to the server's allocator, which upholds GlobalAlloc's contract.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(l.size() as u64, Relaxed);
        gradtape::alloc::Mimalloc.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        gradtape::alloc::Mimalloc.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, size: usize) -> *mut u8 {
        // a growing vector: counted as the allocation it replaces the old one with
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(size as u64, Relaxed);
        gradtape::alloc::Mimalloc.realloc(p, l, size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn turn(text: &[u8], limits: &Limits) -> usize {
    let arena = gradtape::api::json::arena_for(text);
    let json = body::parse(text, &arena).expect("the body parses");
    let (p, enc) = decode::program(&json, limits.max_tensor_elements).expect("it decodes");
    drop(arena);
    let ev = p.run(limits).expect("it runs");
    EvaluationJson(&ev, enc).to_vec().expect("it encodes").len()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().expect("a /v1/evaluate body (a JSON file)");
    let turns: u64 = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1000);
    let text = std::fs::read(path).expect("the body file");
    let limits = Limits::default();
    turn(&text, &limits);
    let (a0, b0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    let mut out = 0;
    for _ in 0..turns {
        out += std::hint::black_box(turn(&text, &limits));
    }
    let (a, b) = (ALLOCS.load(Relaxed) - a0, BYTES.load(Relaxed) - b0);
    println!(
        "{} allocations and {} bytes a turn ({turns} turns, {} answer bytes a turn)",
        a / turns,
        b / turns,
        out as u64 / turns
    );
}
