//! `np.meshgrid`: coordinate arrays from one-dimensional ones, as NumPy 1.26's
//! `function_base.meshgrid` builds them (reshape, broadcast, copy).

use crate::engine::tensor::Tensor;

use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

pub const NAMES: &[&str] = &["meshgrid"];

/// `np.meshgrid(*xi, copy=True, sparse=False, indexing='xy')`: a list of one array per
/// input, each broadcast to the grid (only reshaped when `sparse`); 'xy' puts the first
/// input along axis 1 and the second along axis 0.
pub fn call(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let (mut copy, mut sparse, mut xy) = (true, false, true);
    for (k, v) in kwargs {
        match k.as_str() {
            "copy" => copy = v.truthy()?,
            "sparse" => sparse = v.truthy()?,
            "indexing" => {
                xy = match &v {
                    Value::Str(s) if &**s == "xy" => true,
                    Value::Str(s) if &**s == "ij" => false,
                    _ => {
                        return Err(Raise::value_error(
                            "Valid values for `indexing` are 'xy' and 'ij'.",
                        ))
                    }
                }
            }
            _ => {
                return Err(Raise::type_error(format!(
                    "meshgrid() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    if !copy {
        // NumPy answers broadcast views sharing memory; the subset's arrays are copies
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            "np.meshgrid(copy=False) is not in the cell subset; the default copy=True is",
        ));
    }
    let ndim = args.len();
    let along = |axis: usize, n: usize| -> Vec<usize> {
        (0..ndim).map(|d| if d == axis { n } else { 1 }).collect()
    };
    let mut output = Vec::with_capacity(ndim);
    for (i, a) in args.iter().enumerate() {
        let t = it.np_tensor(a)?;
        let axis = match (xy && ndim > 1, i) {
            (true, 0) => 1,
            (true, 1) => 0,
            _ => i,
        };
        output.push(t.reshape(&along(axis, t.len()))?);
    }
    if !sparse {
        let shape: Vec<usize> = (0..ndim)
            .map(|d| output.iter().map(|t| t.shape()[d]).max().unwrap_or(1))
            .collect();
        output = output
            .iter()
            .map(|t| {
                t.broadcast_to(&shape)
                    .map(|b| Tensor::from_f64s(&shape, &b.to_f64_vec(), t.dtype()))
                    .expect("each input runs along its own axis")
            })
            .collect::<Result<Vec<_>, _>>()?;
    }
    Ok(Value::list(output.into_iter().map(Value::array).collect()))
}
