//! Cell cases whose answer depends on the CPU's `rcpps` / `rsqrtps` estimate tables (Intel's and
//! AMD's differ; TensorFlow and gradtape both take the CPU's own): an RMSprop run over hundreds
//! of steps amplifies one estimate's last bit into the third digit. Such a case holds what
//! TensorFlow answered on the recording machine and, under `"other_cpus"`, what it answered on
//! CPUs with other tables, each under the fingerprint of its tables (`fingerprint`), written by
//! `tests/cells/add_cpu_variant.py`. A case that differs on a CPU of a third kind prints this CPU's
//! fingerprint with the difference.

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

/// What TensorFlow answered to `case` on a CPU with this one's tables: its variant for this
/// CPU's fingerprint where one was recorded, else the case as the recording machine answered
/// it (a CPU with tables of a third kind then differs, and its own variant is to be recorded).
pub fn for_this_cpu(case: &Value) -> Cow<'_, Value> {
    let variant = case["other_cpus"]
        .as_array()
        .and_then(|others| others.iter().find(|v| v["fingerprint"] == fingerprint()));
    let Some(variant) = variant else {
        return Cow::Borrowed(case);
    };
    let mut case = case.clone();
    for key in ["stdout", "values", "error"] {
        case[key] = variant[key].clone();
    }
    Cow::Owned(case)
}
