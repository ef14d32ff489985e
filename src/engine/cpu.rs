//! The CPU whose TensorFlow gradtape answers as. TensorFlow's oneDNN kernels choose by the
//! instruction sets of the CPU they run on, so the last bits of a float32 product
//! (`onednn_sgemm`) and of a softmax (`onednn`) differ from one kind of CPU to another. gradtape
//! answers as TensorFlow on the reference machine (AVX-512, where TensorFlow turns oneDNN on by
//! default) whatever CPU it runs on, so that replicas on mixed hardware agree; `emulate` (from
//! `GRADTAPE_TF_CPU`) makes it answer as TensorFlow with oneDNN on a CPU with AVX2 only, and
//! `turn_onednn` (from `GRADTAPE_TF_ONEDNN`) as TensorFlow with oneDNN off, its default on CPUs
//! without AVX-512 (`TF_ENABLE_ONEDNN_OPTS=0` anywhere): Eigen's softmax and vector products.

use std::sync::OnceLock;

/// The kinds of CPU whose oneDNN kernels gradtape models.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Isa {
    /// AVX-512 F, CD, BW, DQ and VL (oneDNN's `avx512_core`): the reference machine.
    Avx512,
    /// AVX2 and FMA without AVX-512.
    Avx2,
}

impl Isa {
    /// The name `GRADTAPE_TF_CPU` and the conformance cases use.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
        }
    }

    pub fn from_name(name: &str) -> Option<Isa> {
        [Isa::Avx512, Isa::Avx2]
            .into_iter()
            .find(|i| i.name() == name)
    }
}

static EMULATED: OnceLock<Isa> = OnceLock::new();

/// The CPU gradtape answers as: `Isa::Avx512` unless `emulate` chose another first.
pub fn isa() -> Isa {
    *EMULATED.get_or_init(|| Isa::Avx512)
}

/// Answers as TensorFlow on `isa` from now on, process-wide. The first choice stands (a
/// process answers as one CPU throughout); `Err` holds it where it differs from `isa`.
pub fn emulate(isa: Isa) -> Result<(), Isa> {
    first_choice(&EMULATED, isa)
}

/// Sets `cell` to `value` unless it holds a choice already; `Err` holds that choice where it
/// differs.
fn first_choice<T: Copy + PartialEq>(cell: &OnceLock<T>, value: T) -> Result<(), T> {
    let chosen = *cell.get_or_init(|| value);
    if chosen == value {
        Ok(())
    } else {
        Err(chosen)
    }
}

static ONEDNN: OnceLock<bool> = OnceLock::new();

/// Whether the TensorFlow gradtape answers as runs oneDNN's kernels: true unless `turn_onednn`
/// chose otherwise first.
pub fn onednn() -> bool {
    *ONEDNN.get_or_init(|| true)
}

/// Answers as TensorFlow with oneDNN `on` or off from now on, process-wide; as with `emulate`,
/// the first choice stands and `Err` holds it where it differs.
pub fn turn_onednn(on: bool) -> Result<(), bool> {
    first_choice(&ONEDNN, on)
}
