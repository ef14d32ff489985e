//! The Mersenne Twister (MT19937) that CPython's `random.Random` and NumPy's legacy `np.random`
//! both run, with each one's seeding: CPython's `init_by_array` over an integer's 32-bit words
//! (eager TensorFlow seeds a `random.Random` with the global seed, `tf.random.set_seed(s)`, and
//! draws each op seed a call does not give with `randint(0, 2**31 - 1)`), and NumPy's
//! `init_genrand` of a 32-bit seed (`np.random.seed(s)`).

const N: usize = 624;
const M: usize = 397;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Mt19937 {
    mt: Vec<u32>,
    index: usize,
}

impl Mt19937 {
    /// `random.Random(key)` for a key Python reduces to the integer `key` (an int's absolute
    /// value, a float's hash: `py_seed_key`).
    pub fn python(key: u64) -> Mt19937 {
        let words: Vec<u32> = if key >> 32 == 0 {
            vec![key as u32]
        } else {
            vec![key as u32, (key >> 32) as u32]
        };
        Mt19937::by_array(&words)
    }

    /// `init_genrand(seed)`: NumPy's `np.random.seed(seed)` for a seed below 2**32.
    pub fn numpy(seed: u32) -> Mt19937 {
        let mut mt = vec![0u32; N];
        mt[0] = seed;
        for i in 1..N {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Mt19937 { mt, index: N }
    }

    /// `init_by_array(words)`: CPython's seeding, and NumPy's for an array seed.
    pub fn by_array(words: &[u32]) -> Mt19937 {
        let mut mt = Mt19937::numpy(19_650_218).mt;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(words.len()) {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(words[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= words.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        Mt19937 { mt, index: N }
    }

    /// `genrand_uint32`: the next tempered 32-bit output.
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        let mt = &mut self.mt;
        let mix = |hi: u32, lo: u32, far: u32| {
            let y = (hi & 0x8000_0000) | (lo & 0x7fff_ffff);
            far ^ (y >> 1) ^ if y & 1 == 1 { 0x9908_b0df } else { 0 }
        };
        for k in 0..N {
            mt[k] = mix(mt[k], mt[(k + 1) % N], mt[(k + M) % N]);
        }
        self.index = 0;
    }

    /// `genrand_res53`: a double in [0, 1) from 27 and 26 bits of two outputs (CPython's
    /// `random()`, NumPy's `random_sample`).
    pub fn next_f64(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0
    }

    /// `randint(0, 2**31 - 1)`: `_randbelow(2**31)` draws 32 bits until one is below 2**31.
    pub fn op_seed(&mut self) -> i64 {
        loop {
            let r = self.next_u32();
            if r < 0x8000_0000 {
                return i64::from(r);
            }
        }
    }
}

/// The integer `random.Random(x)` seeds with: an int's absolute value, and for a float its
/// `hash()` (which is the int for a whole float), made absolute.
pub fn py_seed_key(x: f64) -> u64 {
    if x.fract() == 0.0 && x.abs() < 9.2e18 {
        return (x as i64).unsigned_abs();
    }
    py_float_hash(x).unsigned_abs()
}

/// CPython's `hash(float)` for a finite float: the value modulo 2**61 - 1, with the sign.
fn py_float_hash(x: f64) -> i64 {
    const BITS: i32 = 61;
    const MODULUS: u64 = (1 << BITS) - 1;
    if !x.is_finite() {
        return 0;
    }
    let (mut m, mut e) = frexp(x.abs());
    let mut h: u64 = 0;
    while m != 0.0 {
        h = ((h << 28) & MODULUS) | (h >> (BITS - 28));
        m *= 268_435_456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        h += y;
        if h >= MODULUS {
            h -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e % BITS
    } else {
        BITS - 1 - ((-1 - e) % BITS)
    };
    h = ((h << e) & MODULUS) | (h >> (BITS - e));
    let h = if x < 0.0 { -(h as i64) } else { h as i64 };
    if h == -1 {
        -2
    } else {
        h
    }
}

/// `frexp`: `x = m * 2**e` with `m` in [0.5, 1).
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 {
        return (0.0, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        let (m, e) = frexp(x * f64::from_bits(0x4350_0000_0000_0000)); // 2**54
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values CPython 3.11 gives: `r = random.Random(s); [r.randint(0, 2**31 - 1) for _ in
    /// range(3)]`, and `hash()` of floats.
    #[test]
    fn matches_cpython() {
        let draws = |key| {
            let mut r = Mt19937::python(key);
            [r.op_seed(), r.op_seed(), r.op_seed()]
        };
        assert_eq!(draws(0), [1654615998, 1806341205, 173879092]);
        assert_eq!(draws(42), [478163327, 107420369, 1181241943]);
        assert_eq!(draws(20251201), [170579735, 2105669884, 443974057]);
        assert_eq!(draws(1 << 40), [445128065, 1517081360, 282029048]);
        assert_eq!(py_float_hash(3.5), 1152921504606846979);
        assert_eq!(py_float_hash(-0.1), -230584300921369408);
        assert_eq!(py_float_hash(1e300), 1224995262755759164);
        assert_eq!(py_float_hash(5e-324), 16777216);
        assert_eq!(py_seed_key(3.0), 3);
    }
}
