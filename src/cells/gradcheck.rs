//! `tf.test.compute_gradient(f, x, delta=None)`: the cell's function `f` (a `def` or a
//! `lambda`) handed to the engine's `numcheck::compute_gradient`, which runs it once per row
//! of the theoretical Jacobian and twice per column of the numerical one. The answer is
//! TensorFlow's: a pair of tuples of NumPy arrays, one `[y_size, x_size]` array per `x`.

use crate::engine::autodiff::{Ctx, Val};
use crate::engine::explain::numcheck;
use crate::engine::{Code, Error};

use super::interp::Interp;
use super::raise::Raise;
use super::tape::bind_args;
use super::value::Value;

pub fn compute_gradient(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut s = bind_args("compute_gradient", &["f", "x", "delta"], args, kwargs)?.into_iter();
    let (f, x, delta) = (s.next().flatten(), s.next().flatten(), s.next().flatten());
    let f = f.ok_or_else(|| {
        Raise::type_error("compute_gradient() missing 1 required positional argument: 'f'")
    })?;
    let x = x.ok_or_else(|| {
        Raise::type_error("compute_gradient() missing 1 required positional argument: 'x'")
    })?;
    let delta = match delta {
        None | Some(Value::None) => None,
        Some(Value::Float(d)) => Some(d),
        Some(Value::Int(d)) => Some(d as f64),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "delta must be a number, not {}",
                other.type_name()
            )))
        }
    };
    let items = match &x {
        Value::List(_) | Value::Tuple(_) => x.items().unwrap_or_default(),
        _ => {
            return Err(Raise::type_error(
                "compute_gradient's x is a list of tensors (tf.test.compute_gradient(f, [x]))",
            ))
        }
    };
    let mut xs = Vec::with_capacity(items.len());
    for v in &items {
        xs.push(it.to_val(v, None)?.into_tensor());
    }
    // the engine runs `f` in the context it is handed: the kernel's own context is moved
    // there for the check and put back after, so `f` sees the cell's variables and names
    let limits = it.ws.ctx.limits.clone();
    let mut ctx = std::mem::replace(&mut it.ws.ctx, Ctx::new(limits));
    let mut raised: Option<Raise> = None;
    let mut run_f = |ctx: &mut Ctx, vals: &[Val]| -> crate::engine::Result<Val> {
        std::mem::swap(&mut it.ws.ctx, ctx);
        let args = vals.iter().cloned().map(Value::Tensor).collect();
        let out = it
            .call(f.clone(), args, Vec::new())
            .and_then(|y| it.to_val(&y, None));
        std::mem::swap(&mut it.ws.ctx, ctx);
        out.map_err(|r| {
            let detail = r.detail.clone();
            raised.get_or_insert(r);
            Error::new(Code::InvalidArgument, detail)
        })
    };
    let result = numcheck::compute_gradient(&mut ctx, &xs, delta, &mut run_f);
    it.ws.ctx = ctx;
    let (theoretical, numerical) = match (result, raised) {
        (Ok(pair), _) => pair,
        (Err(_), Some(r)) => return Err(r),
        (Err(e), None) => return Err(Raise::from_engine(e)),
    };
    let arrays = |ts: Vec<crate::engine::tensor::Tensor>| {
        Value::tuple(ts.into_iter().map(Value::array).collect())
    };
    Ok(Value::tuple(vec![arrays(theoretical), arrays(numerical)]))
}
