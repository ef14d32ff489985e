//! TensorFlow 2.15's CPU float kernels as its wheel computes them: Eigen's packet math (AVX,
//! 8 float32 or 4 float64 lanes, built without FMA, so every `pmadd` rounds twice) over the whole
//! packets of the flat array, and the scalar path (glibc's libm) over the tail that does not
//! fill a packet. Each Eigen routine is emulated lane by lane, bit for bit.
//!
//! The tail is global: TensorFlow's thread pool splits an array into blocks whose sizes are
//! multiples of the packet, so only the last `len % lanes` elements take the scalar path
//! (measured with the oracle on sizes 1 to 1,000,003).

pub mod f32x8;
pub mod f64x4;
pub mod grads;
pub mod matvec;
pub mod pow;
pub mod tf;

/// Lanes of one AVX packet of float32.
pub const F32_LANES: usize = 8;
/// Lanes of one AVX packet of float64.
pub const F64_LANES: usize = 4;

/// `packet` over the elements that fill whole packets of `lanes`, `scalar` over the rest: how
/// Eigen's `TensorExecutor` evaluates an elementwise expression.
pub fn packets_then_tail<T: Copy>(
    xs: impl ExactSizeIterator<Item = T>,
    lanes: usize,
    packet: impl Fn(T) -> T,
    scalar: impl Fn(T) -> T,
) -> Vec<T> {
    let split = xs.len() / lanes * lanes;
    xs.enumerate()
        .map(|(i, x)| if i < split { packet(x) } else { scalar(x) })
        .collect()
}

/// The two-input form of [`packets_then_tail`], for the gradient kernels.
pub fn packets_then_tail2<T: Copy>(
    xs: impl ExactSizeIterator<Item = (T, T)>,
    lanes: usize,
    packet: impl Fn(T, T) -> T,
    scalar: impl Fn(T, T) -> T,
) -> Vec<T> {
    let split = xs.len() / lanes * lanes;
    xs.enumerate()
        .map(|(i, (a, b))| {
            if i < split {
                packet(a, b)
            } else {
                scalar(a, b)
            }
        })
        .collect()
}

/// Row-major indices of the last `len % lanes` elements of an array of `shape` (lanes: one AVX
/// packet of `F`), the elements Eigen's executor evaluates with scalar code. Where the scalar
/// and packet code disagree only on a tie (`std::max` keeps its first operand, AVX `maxps` its
/// second), fixing these few up after a packet-semantics pass costs nothing measurable.
pub fn scalar_tail<F>(shape: &[usize]) -> Vec<ndarray::IxDyn> {
    let lanes = 32 / std::mem::size_of::<F>();
    let len: usize = shape.iter().product();
    (len - len % lanes..len)
        .map(|mut k| {
            let mut idx = vec![0; shape.len()];
            for (i, &d) in shape.iter().enumerate().rev() {
                idx[i] = k % d;
                k /= d;
            }
            ndarray::IxDyn(&idx)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_is_what_does_not_fill_a_packet() {
        let out = packets_then_tail(0..11, 4, |_| 1, |_| 2);
        assert_eq!(out, [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2]);
        let out = packets_then_tail(0..3, 8, |_| 1, |_| 2);
        assert_eq!(out, [2, 2, 2]);
    }

    #[test]
    fn the_scalar_tail_of_a_matrix_is_its_last_elements_in_row_major_order() {
        let idx = |v: &[usize]| ndarray::IxDyn(v);
        assert_eq!(scalar_tail::<f64>(&[2, 3]), [idx(&[1, 1]), idx(&[1, 2])]);
        assert_eq!(scalar_tail::<f32>(&[3, 3]), [idx(&[2, 2])]);
        assert!(scalar_tail::<f32>(&[2, 4]).is_empty());
        assert!(scalar_tail::<f32>(&[0, 3]).is_empty());
    }
}
