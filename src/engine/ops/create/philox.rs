//! TensorFlow's random kernels on the CPU, bit for bit: the Philox4x32-10 counter generator
//! (`tensorflow/core/lib/random/philox_random.h`) and the distributions its
//! `RandomStandardNormal`, `RandomUniform` and `RandomUniformInt` kernels draw with
//! (`random_distributions.h`), filled as `FillPhiloxRandom` fills a tensor: group `i` of the
//! output (4 float32 or int32 values, 2 float64 or int64) comes from the generator's `i`-th
//! block, whatever the threads.

use crate::engine::dtype::DType;

/// TensorFlow's `DEFAULT_GRAPH_SEED`: the first of the pair when an op seed is given and no
/// global seed is set.
pub const DEFAULT_GRAPH_SEED: u64 = 87654321;

/// Where one call's numbers start: the kernel's seed pair (`seed`, `seed2` as
/// `random_seed.get_seed` gives them) and how many 128-bit blocks earlier calls of the same
/// cached kernel reserved (each reserves 256 a value: `ReserveRandomOutputs(n, 256)`).
/// (A random op is never recorded on a tape, so no stored session holds one.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stream {
    pub seed: u64,
    pub seed2: u64,
    pub skip: u64,
}

impl Stream {
    /// Blocks one call that draws `n` values reserves, moving the kernel's stream on.
    pub fn reserved(n: usize) -> u64 {
        (n as u64).wrapping_mul(256)
    }
}

/// Eager TensorFlow's kernel cache, for the random ops of a program or a session's nodes: one
/// kernel per op, dtype and seed pair, whose stream each call moves on, so two nodes with the
/// same seed draw different numbers, as two such calls do in one Python process.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Kernels(Vec<(KernelKey, u64)>);

/// A cached kernel: normal or uniform, the dtype, and the seed pair.
type KernelKey = (super::RandomKind, DType, u64, u64);

impl Kernels {
    /// Points a seeded random op at where its kernel's stream stands; the key to `advance`
    /// once it has drawn. None for any other op, and for a draw without a seed.
    pub fn resume(&self, op: &mut super::Create) -> Option<KernelKey> {
        let super::Create::Random {
            kind,
            stream: Some(stream),
            dtype,
            ..
        } = op
        else {
            return None;
        };
        let key = (*kind, *dtype, stream.seed, stream.seed2);
        stream.skip = self
            .0
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |(_, s)| *s);
        Some(key)
    }

    /// The kernel `key` drew `n` values.
    pub fn advance(&mut self, key: KernelKey, n: usize) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, skip)) => *skip = skip.wrapping_add(Stream::reserved(n)),
            None => self.0.push((key, Stream::reserved(n))),
        }
    }
}

const W32A: u32 = 0x9E37_79B9;
const W32B: u32 = 0xBB67_AE85;
const M4X32A: u32 = 0xD251_1F53;
const M4X32B: u32 = 0xCD9E_8D57;

/// `random::PhiloxRandom`: a 128-bit counter and a 64-bit key.
#[derive(Clone, Copy, Debug)]
struct Philox {
    counter: [u32; 4],
    key: [u32; 2],
}

impl Philox {
    /// `PhiloxRandom(seed_lo, seed_hi)`: the first seed is the key, the second the counter's
    /// high half.
    fn new(seed: u64, seed2: u64) -> Philox {
        Philox {
            counter: [0, 0, seed2 as u32, (seed2 >> 32) as u32],
            key: [seed as u32, (seed >> 32) as u32],
        }
    }

    /// `Skip(count)`: moves the counter on by `count` blocks, carrying across its 128 bits.
    fn skip(&mut self, count: u64) {
        let lo = count as u32;
        let mut hi = (count >> 32) as u32;
        self.counter[0] = self.counter[0].wrapping_add(lo);
        if self.counter[0] < lo {
            hi = hi.wrapping_add(1);
        }
        self.counter[1] = self.counter[1].wrapping_add(hi);
        if self.counter[1] < hi {
            self.counter[2] = self.counter[2].wrapping_add(1);
            if self.counter[2] == 0 {
                self.counter[3] = self.counter[3].wrapping_add(1);
            }
        }
    }

    /// The next block of four 32-bit values (ten rounds), then one step of the counter.
    fn next_block(&mut self) -> [u32; 4] {
        let mut c = self.counter;
        let mut k = self.key;
        for round in 0..10 {
            let p0 = u64::from(M4X32A) * u64::from(c[0]);
            let p1 = u64::from(M4X32B) * u64::from(c[2]);
            c = [
                (p1 >> 32) as u32 ^ c[1] ^ k[0],
                p1 as u32,
                (p0 >> 32) as u32 ^ c[3] ^ k[1],
                p0 as u32,
            ];
            if round < 9 {
                k = [k[0].wrapping_add(W32A), k[1].wrapping_add(W32B)];
            }
        }
        self.skip(1);
        c
    }
}

/// `Uint32ToFloat`: 23 random mantissa bits, in [0, 1).
fn unit_f32(x: u32) -> f32 {
    f32::from_bits((127 << 23) | (x & 0x7f_ffff)) - 1.0
}

/// `Uint64ToDouble`: 52 random mantissa bits (20 from `hi`, 32 from `lo`), in [0, 1).
fn unit_f64(hi: u32, lo: u32) -> f64 {
    let man = (u64::from(hi & 0xf_ffff) << 32) | u64::from(lo);
    f64::from_bits((1023 << 52) | man) - 1.0
}

/// `BoxMullerFloat`: the angle is rounded to float32 from a double product (`2.0f * M_PI`
/// is a double), and sine and cosine are glibc's `sincosf`, as TensorFlow's Linux build calls it.
fn box_muller_f32(x0: u32, x1: u32) -> (f32, f32) {
    let u1 = unit_f32(x0).max(1.0e-7);
    let v1 = (2.0 * std::f64::consts::PI * f64::from(unit_f32(x1))) as f32;
    let u2 = (-2.0f32 * u1.ln()).sqrt();
    let (s, c) = v1.sin_cos();
    (s * u2, c * u2)
}

/// `BoxMullerDouble`.
fn box_muller_f64(x: [u32; 4]) -> (f64, f64) {
    let u1 = unit_f64(x[0], x[1]).max(1.0e-7);
    let v1 = 2.0 * std::f64::consts::PI * unit_f64(x[2], x[3]);
    let u2 = (-2.0 * u1.ln()).sqrt();
    let (s, c) = v1.sin_cos();
    (s * u2, c * u2)
}

/// What a kernel draws: standard normal, standard normal kept within two standard deviations,
/// uniform in [0, 1), or integers in [lo, hi).
#[derive(Clone, Copy, Debug)]
pub enum Distribution {
    Normal,
    TruncatedNormal,
    Uniform,
    Int { lo: i64, hi: i64 },
}

/// `n` values of `dist` in `dtype` from `stream`, as f64 (each exact in `dtype`).
pub fn draw(stream: Stream, dist: Distribution, dtype: DType, n: usize) -> Vec<f64> {
    let mut gen = Philox::new(stream.seed, stream.seed2);
    gen.skip(stream.skip);
    let mut out = Vec::with_capacity(n);
    if let Distribution::TruncatedNormal = dist {
        let mut group = 0;
        while out.len() < n {
            let (values, len) = truncated_group(gen, group, dtype == DType::F64);
            out.extend_from_slice(&values[..len.min(n - out.len())]);
            group += 1;
        }
        return out;
    }
    while out.len() < n {
        let x = gen.next_block();
        let group: [f64; 4];
        let len = match (dist, dtype) {
            (Distribution::Normal, DType::F64) => {
                let (a, b) = box_muller_f64(x);
                group = [a, b, 0.0, 0.0];
                2
            }
            (Distribution::Normal | Distribution::TruncatedNormal, _) => {
                let (a, b) = box_muller_f32(x[0], x[1]);
                let (c, d) = box_muller_f32(x[2], x[3]);
                group = [a, b, c, d].map(f64::from);
                4
            }
            (Distribution::Uniform, DType::F64) => {
                group = [unit_f64(x[0], x[1]), unit_f64(x[2], x[3]), 0.0, 0.0];
                2
            }
            (Distribution::Uniform, _) => {
                group = x.map(|v| f64::from(unit_f32(v)));
                4
            }
            (Distribution::Int { lo, hi }, DType::I64) => {
                let range = (hi as u64).wrapping_sub(lo as u64);
                let pick = |a: u32, b: u32| {
                    let bits = u64::from(a) | (u64::from(b) << 32);
                    lo.wrapping_add((bits % range) as i64) as f64
                };
                group = [pick(x[0], x[1]), pick(x[2], x[3]), 0.0, 0.0];
                2
            }
            (Distribution::Int { lo, hi }, _) => {
                let (lo, hi) = (lo as i32, hi as i32);
                let range = (hi as u32).wrapping_sub(lo as u32);
                group = x.map(|v| f64::from(lo.wrapping_add((v % range) as i32)));
                4
            }
        };
        let take = len.min(n - out.len());
        out.extend_from_slice(&group[..take]);
    }
    out
}

/// One output group of `TruncatedNormalDistribution` (4 float32 or 2 float64 values), as
/// `FillPhiloxRandomTask` makes it for a distribution of variable sample count: the group's own
/// generator starts 256 blocks a value along the base (so groups do not depend on one another),
/// and `SingleSampleAdapter` hands it out one 32-bit value at a time to Box-Muller, which keeps
/// each value under 2 in magnitude and draws again for the rest.
fn truncated_group(base: Philox, group: u64, f64s: bool) -> ([f64; 4], usize) {
    let len = if f64s { 2 } else { 4 };
    let mut gen = base;
    gen.skip(group * 256 * len as u64 / 4);
    let mut block = [0u32; 4];
    let mut used = 4;
    let mut next = || {
        if used == 4 {
            block = gen.next_block();
            used = 0;
        }
        used += 1;
        block[used - 1]
    };
    let mut out = [0.0; 4];
    let mut got = 0;
    loop {
        let pair = if f64s {
            let x = [next(), next(), next(), next()];
            box_muller_f64(x)
        } else {
            let (a, b) = box_muller_f32(next(), next());
            (f64::from(a), f64::from(b))
        };
        for v in [pair.0, pair.1] {
            if v.abs() < 2.0 {
                out[got] = v;
                got += 1;
                if got == len {
                    return (out, len);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Philox4x32-10 known-answer vectors of Salmon et al. (Random123's kat_vectors), which
    /// TensorFlow's `philox_random_test` checks too.
    #[test]
    fn philox_known_answers() {
        let mut g = Philox {
            counter: [0; 4],
            key: [0; 2],
        };
        assert_eq!(
            g.next_block(),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        let mut g = Philox {
            counter: [u32::MAX; 4],
            key: [u32::MAX; 2],
        };
        assert_eq!(
            g.next_block(),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        let mut g = Philox {
            counter: [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            key: [0xa409_3822, 0x299f_31d0],
        };
        assert_eq!(
            g.next_block(),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn skip_carries_into_the_high_words() {
        let mut g = Philox::new(0, 0);
        g.counter = [u32::MAX, u32::MAX, 7, 0];
        g.skip(1);
        assert_eq!(g.counter, [0, 0, 8, 0]);
    }
}
