//! Cases whose answer depends on the CPU TensorFlow runs on, in two ways that TensorFlow and
//! gradtape both take from the CPU:
//! - its `rcpps` / `rsqrtps` estimate tables (Intel's and AMD's differ): an RMSprop run over
//!   hundreds of steps amplifies one estimate's last bit into the third digit;
//! - its instruction sets, by which oneDNN picks the kernel of a float32 product and so the
//!   order of its sums (`gradtape::engine::onednn_sgemm`): AVX-512 or AVX2 only. gradtape
//!   answers as the AVX-512 reference machine on any CPU unless `GRADTAPE_TF_CPU` says
//!   otherwise (`gradtape::engine::cpu`), so here this is the CPU it answers as, not the one
//!   the test runs on.
//!
//! Such a case holds what TensorFlow answered on the recording machine (an AVX-512 CPU) and,
//! under `"other_cpus"`, what it answered elsewhere, each under the fingerprint of its tables
//! (`fingerprint`; none for a case that depends on the instruction sets only) and its `"isa"`
//! (`avx512` where absent). `tests/cells/add_cpu_variant.py` writes a cell's,
//! `tests/conformance/make_case.py --this-cpu` a program's. A case that differs on a CPU of
//! another kind prints this CPU's fingerprint and instruction sets with the difference.

use gradtape::engine::cpu;
use gradtape::engine::eigen::f32x8::{rcp_estimate, rsqrt_estimate};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;

/// This CPU's tables in one word: a hash of the `rsqrtps` and `rcpps` estimates of 8,192
/// float32 values spread over two binades (the tables repeat by binade). The word is stored in
/// case files, so it is FNV-1a, whose value no library release changes; it is computed once.
pub fn fingerprint() -> &'static str {
    static WORD: OnceLock<String> = OnceLock::new();
    WORD.get_or_init(|| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for i in 0..4096u32 {
            for x in [1.0 + i as f32 / 4096.0, 2.0 + i as f32 / 2048.0] {
                for bits in [rsqrt_estimate(x).to_bits(), rcp_estimate(x).to_bits()] {
                    h = (h ^ bits as u64).wrapping_mul(0x100_0000_01b3);
                }
            }
        }
        format!("{h:016x}")
    })
}

/// The instruction sets of the CPU gradtape answers as, as cases name them.
pub fn isa() -> &'static str {
    cpu::isa().name()
}

/// What a failure of `case` adds where its answer depends on the CPU (it has `other_cpus`):
/// this CPU, and the script (`recorder`) that records TensorFlow's answer for it.
pub fn hint(case: &Value, recorder: &str) -> String {
    if !case["other_cpus"].is_array() {
        return String::new();
    }
    format!(
        " (depends on the CPU; this one has tables {}, isa {}: {recorder} records TensorFlow's answer for it)",
        fingerprint(),
        isa()
    )
}

/// The variant of `case` recorded for a CPU like this one, if any.
fn variant(case: &Value) -> Option<&Value> {
    case["other_cpus"].as_array()?.iter().find(|v| {
        let tables = v["fingerprint"].as_str().is_none_or(|f| f == fingerprint());
        tables && v["isa"].as_str().unwrap_or("avx512") == isa()
    })
}

/// What TensorFlow answered to cell `case` on a CPU like this one: its variant for this CPU
/// where one was recorded, else the case as the recording machine answered it.
pub fn for_this_cpu(case: &Value) -> Cow<'_, Value> {
    with_keys(case, &["stdout", "values", "error"])
}

/// The same for a program case, whose answer is its `"expect"`.
pub fn program_for_this_cpu(case: &Value) -> Cow<'_, Value> {
    with_keys(case, &["expect"])
}

fn with_keys<'a>(case: &'a Value, keys: &[&str]) -> Cow<'a, Value> {
    let Some(variant) = variant(case) else {
        return Cow::Borrowed(case);
    };
    let mut case = case.clone();
    for &key in keys {
        case[key] = variant[key].clone();
    }
    Cow::Owned(case)
}
