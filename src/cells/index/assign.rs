//! `v[...].assign(x)`: a slice of a variable is a tensor that remembers its variable and its
//! index (TensorFlow's `_SliceHelperVar` gives the sliced tensor an `assign`), and that
//! `assign` writes the slice's elements of the variable in place, as TensorFlow's
//! ResourceStridedSliceAssign does. It is a tensor in every other way: `v[0].assign_add` is an
//! AttributeError, and a slice of the slice has no `assign`.

use ndarray::{ArrayD, IxDyn};

use super::plan::plan;
use super::Item;
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;
use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::error::Code;
use crate::engine::tensor::{Elem, Tensor};

/// Where a variable's slice came from: the variable and the index items. A session keeps it
/// with the slice from cell to cell, so `row = W[0]` can be assigned in a later cell.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SliceOfVariable {
    variable: String,
    items: Vec<Item>,
}

/// Remembers that `slice` was read from `container` (a variable) with `items`.
pub(super) fn remember(it: &mut Interp, container: &Value, slice: &Val, items: &[Item]) {
    if let Value::Variable(id) | Value::UnreadVariable(id) = container {
        it.sliced_variables.insert(
            slice.id,
            SliceOfVariable {
                variable: id.to_string(),
                items: items.to_vec(),
            },
        );
    }
}

/// `v[index].assign(val, name=None)`: the variable's elements under `index` become `val`
/// (converted to the variable's dtype, broadcast to the slice); answers the variable as the
/// `_UnreadVariable` TensorFlow returns.
pub fn assign_slice(
    it: &mut Interp,
    slice: &Val,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    const WHAT: &str = "strided_slice.<locals>.assign";
    let Some(source) = it.sliced_variables.get(&slice.id).cloned() else {
        return Err(Raise::attr_error(
            "'tensorflow.python.framework.ops.EagerTensor' object has no attribute 'assign'",
        ));
    };
    let slots = crate::cells::tape::bind_args(WHAT, &["val", "name"], args, kwargs)?;
    let value = slots.into_iter().next().flatten().ok_or_else(|| {
        Raise::type_error(format!(
            "{WHAT}() missing 1 required positional argument: 'val'"
        ))
    })?;
    let cur = it
        .ws
        .variable(&source.variable)
        .map(|v| v.val.tensor.clone())
        .ok_or_else(|| Raise::value_error("the variable no longer exists"))?;
    let x = crate::cells::variable::converted(it, &value, cur.dtype())?;
    let p = plan(cur.shape(), &source.items, true, it.max_elems())?;
    // TensorFlow's kernel checks nothing of a slice without elements, and writes nothing
    if !p.offsets.is_empty() {
        let spread = spread_shape(x.shape(), &p.shape).ok_or_else(|| {
            Raise::new(
                RaiseKind::InvalidArgumentError,
                format!(
                    "{{{{function_node __wrapped__ResourceStridedSliceAssign_device_{}}}}} Cannot broadcast input shape {} into final shape {} [Op:ResourceStridedSliceAssign] name: strided_slice/_assign",
                    crate::cells::variable::CPU_DEVICE,
                    crate::cells::variable::kernel_shape(x.shape()),
                    crate::cells::variable::kernel_shape(&p.shape)
                ),
            )
            .with_code(Code::ShapeMismatch)
        })?;
        let new = write_elements(&cur, &x, &p.offsets, &spread)?;
        it.ws.assign(&source.variable, new)?;
    }
    crate::cells::variable::lazy_read_access(it, &source.variable)?;
    Ok(crate::cells::variable::unread_or_none(
        &source.variable,
        true,
    ))
}

/// The shape `value` spreads to over a slice of shape `slice`: their broadcast, which must
/// hold as many elements as the slice (so it is the slice's shape with leading 1s at most).
fn spread_shape(value: &[usize], slice: &[usize]) -> Option<Vec<usize>> {
    let b = crate::engine::kernels::broadcast_shape(value, slice)?;
    (b.iter().product::<usize>() == slice.iter().product::<usize>()).then_some(b)
}

/// `dst` with the elements at flat `offsets` replaced by `src` broadcast to `spread`, in the
/// slice's order; exact for every dtype (no detour through f64).
fn write_elements(
    dst: &Tensor,
    src: &Tensor,
    offsets: &[usize],
    spread: &[usize],
) -> Result<Tensor, Raise> {
    fn typed<T: Elem>(
        dst: &Tensor,
        src: &Tensor,
        offsets: &[usize],
        spread: &[usize],
    ) -> Option<Tensor> {
        let (d, s) = (T::array_in(dst)?, T::array_in(src)?);
        let mut data: Vec<T> = d.iter().copied().collect();
        for (o, x) in offsets.iter().zip(s.broadcast(IxDyn(spread))?.iter()) {
            data[*o] = *x;
        }
        let a = ArrayD::from_shape_vec(IxDyn(d.shape()), data).ok()?;
        Some(Tensor::from_array(a))
    }
    let out = match dst.dtype() {
        DType::F32 => typed::<f32>(dst, src, offsets, spread),
        DType::F64 => typed::<f64>(dst, src, offsets, spread),
        DType::I32 => typed::<i32>(dst, src, offsets, spread),
        DType::I64 => typed::<i64>(dst, src, offsets, spread),
        DType::Bool => typed::<bool>(dst, src, offsets, spread),
    };
    out.ok_or_else(|| Raise::value_error("the slice's value does not fit the variable"))
}
