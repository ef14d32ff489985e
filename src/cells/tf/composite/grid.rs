//! `tf.meshgrid`, as `array_ops.meshgrid` writes it: each input reshaped to run along its own
//! axis, then multiplied by ones of the grid's shape, so a tape records a reshape and a
//! multiply and the gradient reaching each input is the sum over the other axes.

use super::*;

/// `tf.meshgrid(*args, indexing='xy', name=None)`: a list of one tensor per input; 'xy'
/// swaps the first two axes (Cartesian), 'ij' keeps them (matrix).
pub(super) fn meshgrid(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut indexing = Value::str("xy");
    for (k, v) in kwargs {
        match k.as_str() {
            "indexing" => indexing = v,
            "name" => {}
            _ => {
                return Err(Raise::type_error(format!(
                    "'{k}' is an invalid keyword argument for this function"
                )))
            }
        }
    }
    let xy = match &indexing {
        Value::Str(s) if &**s == "xy" => true,
        Value::Str(s) if &**s == "ij" => false,
        other => {
            let shown = super::super::super::print::str(it, other);
            return Err(Raise::value_error(format!(
                "Argument `indexing` parameter must be either 'xy' or 'ij', got '{shown}'"
            )));
        }
    };
    let ndim = args.len();
    if ndim == 0 {
        return Ok(Value::list(vec![]));
    }
    let vals = args
        .iter()
        .map(|a| it.to_val(a, None))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sizes: Vec<usize> = vals.iter().map(|v| v.tensor.len()).collect();
    let along =
        |axis: usize| -> Vec<i64> { (0..ndim).map(|d| if d == axis { -1 } else { 1 }).collect() };
    let mut output = Vec::with_capacity(ndim);
    for (i, v) in vals.iter().enumerate() {
        output.push(op(
            it,
            "reshape",
            vec![("shape", ints(&along(i)))],
            vec![v.clone()],
        )?);
    }
    if xy && ndim > 1 {
        // the first input runs along axis 1, the second along axis 0
        for (i, axis) in [(0, 1), (1, 0)] {
            let x = output[i].clone();
            output[i] = op(it, "reshape", vec![("shape", ints(&along(axis)))], vec![x])?;
        }
        sizes.swap(0, 1);
    }
    let ones = filled(it, &sizes, 1.0, vals[0].tensor.dtype())?;
    let grids = output
        .into_iter()
        .map(|x| {
            tf(
                it,
                "tf.math.multiply",
                vec![tensor(x), tensor(ones.clone())],
            )
            .map(tensor)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Value::list(grids))
}
