//! Where a subscript reads: NumPy's indexing rules (and TensorFlow's StridedSlice, which has
//! no advanced indices and checks in its own order) turned into the result's shape and the
//! flat source offset of every element.

use super::Item;
use crate::cells::raise::{Raise, RaiseKind};
use crate::engine::tensor::Tensor;

/// Python's slice of a dimension of size n: the indices it selects.
pub(super) fn slice_indices(
    n: usize,
    a: Option<i64>,
    b: Option<i64>,
    c: Option<i64>,
) -> Vec<usize> {
    let (start, stop, step) = slice_bounds(n, a, b, c);
    let mut out = Vec::with_capacity(slice_len(n, a, b, c));
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i += step;
    }
    out
}

/// How many positions `slice_indices` gives, counted without listing them.
pub(super) fn slice_len(n: usize, a: Option<i64>, b: Option<i64>, c: Option<i64>) -> usize {
    let (start, stop, step) = slice_bounds(n, a, b, c);
    let count = if step > 0 && stop > start {
        (stop - start - 1) / step + 1
    } else if step < 0 && start > stop {
        (start - stop - 1) / -step + 1
    } else {
        0
    };
    count as usize
}

/// A slice's first position, the bound it stops before, and its step, within `n` items
/// (Python's `slice.indices(n)`).
pub(super) fn slice_bounds(
    n: usize,
    a: Option<i64>,
    b: Option<i64>,
    c: Option<i64>,
) -> (i64, i64, i64) {
    let n = n as i64;
    let step = c.unwrap_or(1);
    let norm = |x: i64, lo: i64, hi: i64| {
        let x = if x < 0 { x + n } else { x };
        x.clamp(lo, hi)
    };
    let (start, stop) = if step > 0 {
        (
            a.map_or(0, |x| norm(x, 0, n)),
            b.map_or(n, |x| norm(x, 0, n)),
        )
    } else {
        (
            a.map_or(n - 1, |x| norm(x, -1, n - 1)),
            b.map_or(-1, |x| norm(x, -1, n - 1)),
        )
    };
    (start, stop, step)
}

/// An output axis of an index: a slice of a source axis, a new axis, or the advanced indices.
enum Axis {
    Sel { src: usize, idx: Vec<usize> },
    New,
    Adv,
}

/// Where an index reads: the result's shape and the flat offset of each element.
pub(super) struct Plan {
    pub shape: Vec<usize>,
    pub offsets: Vec<usize>,
}

/// NumPy's (and, without advanced items, TensorFlow's) indexing rules for a shape.
pub(super) fn plan(shape: &[usize], items: &[Item], tf: bool, max: usize) -> Result<Plan, Raise> {
    let expanded = expand_ellipsis(shape, items, tf)?;
    let sel = Selection::of(shape, &expanded, tf)?;
    sel.offsets(shape, max)
}

/// TensorFlow's StridedSlice error, as its kernel words it.
fn strided_slice_error(detail: String) -> Raise {
    Raise::new(
        RaiseKind::InvalidArgumentError,
        crate::cells::kernel_errors::framed(
            "StridedSlice",
            &detail,
            "StridedSlice",
            Some("strided_slice/"),
        ),
    )
}

/// How many source axes an item reads.
fn consumes(item: &Item) -> usize {
    match item {
        Item::NewAxis | Item::Ellipsis => 0,
        Item::Mask(m) => m.rank(),
        Item::Int(_) | Item::Slice(..) | Item::Adv(_) => 1,
    }
}

/// The items with `...` (or the missing trailing axes) spelled out as full slices, after the
/// checks TensorFlow's StridedSlice (`tf`) or NumPy make before reading any axis.
fn expand_ellipsis(shape: &[usize], items: &[Item], tf: bool) -> Result<Vec<Item>, Raise> {
    let ellipses = items.iter().filter(|i| matches!(i, Item::Ellipsis)).count();
    if ellipses > 1 {
        return Err(if tf {
            strided_slice_error(
                "Multiple ellipses in slice spec not allowed (keep one `...`)".into(),
            )
        } else {
            Raise::index_error("an index can only have a single ellipsis ('...')")
        });
    }
    let consumed: usize = items.iter().map(consumes).sum();
    if tf && shape.is_empty() && consumed > 0 {
        return Err(strided_slice_error(
            "Attempting to slice scalar input. (a 0-d tensor has no axis to index: only x[...] or x[None] apply)".into(),
        ));
    }
    if consumed > shape.len() {
        return Err(if tf {
            strided_slice_error(format!(
                "Index out of range using input dim {}; input has only {} dims",
                shape.len(),
                shape.len()
            ))
        } else {
            Raise::index_error(format!(
                "too many indices for array: array is {}-dimensional, but {consumed} were indexed",
                shape.len()
            ))
        });
    }
    let rest = || std::iter::repeat_n(Item::Slice(None, None, None), shape.len() - consumed);
    let mut expanded = Vec::new();
    let mut seen_ellipsis = false;
    for it in items {
        if let Item::Ellipsis = it {
            expanded.extend(rest());
            seen_ellipsis = true;
        } else {
            expanded.push(it.clone());
        }
    }
    if !seen_ellipsis {
        expanded.extend(rest());
    }
    Ok(expanded)
}

/// What each output axis reads, with the advanced indices (ints count as such beside them),
/// which broadcast together, and the source axes an int fixes. An advanced index reads a
/// source axis, or none (NumPy's scalar boolean: a new axis of length 1 or 0).
struct Selection {
    axes: Vec<Axis>,
    adv: Vec<(Option<usize>, Vec<usize>)>,
    adv_len: Option<usize>,
    fixed: Vec<(usize, usize)>,
}

/// Index `i` (negative from the end) into an axis of `n`: out of range is TensorFlow's
/// StridedSlice error on a tensor (`tf`), NumPy's IndexError on an array.
fn int_index(i: i64, src: usize, n: usize, tf: bool) -> Result<usize, Raise> {
    let n = n as i64;
    let k = if i < 0 { i + n } else { i };
    if k < 0 || k >= n {
        return Err(if tf {
            // the kernel names the index after adding the dimension to a negative one
            strided_slice_error(format!("slice index {k} of dimension {src} out of bounds."))
        } else {
            Raise::index_error(format!(
                "index {i} is out of bounds for axis {src} with size {n}"
            ))
        });
    }
    Ok(k as usize)
}

/// The length the advanced indices so far (`so_far`) and one more of `len` broadcast to.
fn broadcast_len(so_far: Option<usize>, len: usize) -> Result<Option<usize>, Raise> {
    match so_far {
        Some(l) if l != len && len != 1 && l != 1 => Err(Raise::index_error(format!("shape mismatch: indexing arrays could not be broadcast together with shapes ({l},) ({len},)"))),
        Some(1) | None => Ok(Some(len)),
        other => Ok(other),
    }
}

impl Selection {
    fn of(shape: &[usize], expanded: &[Item], tf: bool) -> Result<Selection, Raise> {
        let any_adv = expanded
            .iter()
            .any(|i| matches!(i, Item::Adv(_) | Item::Mask(_)));
        let mut adv: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
        let mut adv_len: Option<usize> = None;
        let mut axes = Vec::new();
        let mut adv_positions = Vec::new();
        let mut fixed: Vec<(usize, usize)> = Vec::new();
        let mut src = 0;
        for it in expanded {
            match it {
                Item::NewAxis => axes.push(Axis::New),
                Item::Slice(_, _, Some(0)) => {
                    return Err(if tf {
                        strided_slice_error(format!("strides[{src}] must be non-zero"))
                    } else {
                        Raise::value_error("slice step cannot be zero")
                    })
                }
                Item::Slice(a, b, c) => {
                    axes.push(Axis::Sel {
                        src,
                        idx: slice_indices(shape[src], *a, *b, *c),
                    });
                    src += 1;
                }
                Item::Int(i) => {
                    let k = int_index(*i, src, shape[src], tf)?;
                    if any_adv {
                        adv_positions.push(axes.len());
                        adv.push((Some(src), vec![k]));
                    } else {
                        fixed.push((src, k));
                    }
                    src += 1;
                }
                Item::Adv(list) => {
                    if tf {
                        return Err(Raise::type_error("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar tf.int32/tf.int64 tensors are valid indices; use tf.gather for a list of indices"));
                    }
                    let idx = list
                        .iter()
                        .map(|&i| int_index(i, src, shape[src], false))
                        .collect::<Result<Vec<_>, _>>()?;
                    adv_len = broadcast_len(adv_len, idx.len())?;
                    adv_positions.push(axes.len());
                    adv.push((Some(src), idx));
                    src += 1;
                }
                Item::Mask(m) => {
                    check_mask_shape(shape, src, m)?;
                    let coords = mask_coordinates(m);
                    let n = match coords.first() {
                        Some(c) => c.len(),
                        None => usize::from(m.to_f64_vec()[0] != 0.0),
                    };
                    adv_len = broadcast_len(adv_len, n)?;
                    adv_positions.push(axes.len());
                    if m.rank() == 0 {
                        adv.push((None, vec![0; n]));
                    }
                    for c in coords {
                        adv.push((Some(src), c));
                        src += 1;
                    }
                }
                Item::Ellipsis => {}
            }
        }
        if any_adv {
            // adjacent advanced indices keep their place; separated ones go first (NumPy's rule)
            let adjacent = adv_positions.windows(2).all(|w| w[1] == w[0]);
            let at = if adjacent { adv_positions[0] } else { 0 };
            axes.insert(at.min(axes.len()), Axis::Adv);
        }
        Ok(Selection {
            axes,
            adv,
            adv_len,
            fixed,
        })
    }

    /// The result's shape and the flat offset in the source of each of its elements.
    fn offsets(&self, shape: &[usize], max: usize) -> Result<Plan, Raise> {
        let adv_n = self.adv_len.unwrap_or(1);
        let mut strides = vec![1usize; shape.len()];
        for d in (0..shape.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * shape[d + 1];
        }
        let out_shape: Vec<usize> = self
            .axes
            .iter()
            .map(|a| match a {
                Axis::Sel { idx, .. } => idx.len(),
                Axis::New => 1,
                Axis::Adv => adv_n,
            })
            .collect();
        let total = crate::engine::tensor::checked_numel(&out_shape, max).map_err(Raise::from)?;
        let base: usize = self.fixed.iter().map(|(d, k)| k * strides[*d]).sum();
        let mut offsets = Vec::with_capacity(total);
        let mut pos = vec![0usize; self.axes.len()];
        for _ in 0..total {
            let mut o = base;
            for (a, &p) in self.axes.iter().zip(&pos) {
                match a {
                    Axis::Sel { src, idx } => o += idx[p] * strides[*src],
                    Axis::New => {}
                    Axis::Adv => {
                        for (s, idx) in &self.adv {
                            if let Some(s) = s {
                                o += idx[if idx.len() == 1 { 0 } else { p }] * strides[*s];
                            }
                        }
                    }
                }
            }
            offsets.push(o);
            for d in (0..self.axes.len()).rev() {
                pos[d] += 1;
                if pos[d] < out_shape[d] {
                    break;
                }
                pos[d] = 0;
            }
        }
        Ok(Plan {
            shape: out_shape,
            offsets,
        })
    }
}

/// NumPy's check of a boolean index against the axes it covers, from `src` on.
fn check_mask_shape(shape: &[usize], src: usize, mask: &Tensor) -> Result<(), Raise> {
    for (j, (&m, &n)) in mask.shape().iter().zip(&shape[src..]).enumerate() {
        if m != n {
            return Err(Raise::index_error(format!(
                "boolean index did not match indexed array along dimension {}; dimension is {n} but corresponding boolean dimension is {m}",
                src + j
            )));
        }
    }
    Ok(())
}

/// `np.nonzero(mask)`: for each axis, the coordinates of the nonzero elements, in order.
pub(super) fn mask_coordinates(mask: &Tensor) -> Vec<Vec<usize>> {
    let shape = mask.shape();
    let mut coords = vec![Vec::new(); shape.len()];
    let mut idx = vec![0usize; shape.len()];
    for x in mask.to_f64_vec() {
        if x != 0.0 {
            for (c, &i) in coords.iter_mut().zip(&idx) {
                c.push(i);
            }
        }
        for d in (0..shape.len()).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    coords
}
