//! NumPy in a cell: arrays are `Value::Array` over the engine's `Tensor` (float64 by default,
//! int64 for Python ints, float32 from a tensor's `.numpy()`), NumPy scalars `Value::NpScalar`;
//! both are computed outside every tape, with NumPy 1.26's typing.
//!
//! - `promote`: `np.promote_types` and `np.result_type` with value-based casting of scalars
//! - `arith`: the operators and two-argument ufuncs on arrays (`a * 2.5`, `a < b`)
//! - `build`: constructors (`np.array`, `np.zeros`, `np.eye`, `np.linspace`, `np.float32(x)`)
//! - `math`: elementwise functions (`np.exp`, `np.log`, `np.round`, `np.where`); `simd`: NumPy's
//!   own float32 `np.log` and `np.exp` kernels, bit for bit
//! - `funcs`, `linalg`, `reduce`: products, shapes, reductions and closeness tests; `diag`:
//!   `np.diag`, `np.diagonal`, `np.trace`; `accumulate`: `np.cumsum` and `np.cumprod`;
//!   `checks`: `np.isnan` and the like; `testing`: `np.testing.assert_allclose` and the other
//!   assertions; `norm`: `np.linalg.norm`
//! - `random`: the legacy global generator (`np.random.seed`, `rand`, `randn`, `normal`, ...),
//!   NumPy's own numbers for a seed
//! - `methods`: an array's attributes and methods (`.T`, `.reshape`, `.sum()`); `in_place`:
//!   `.sort()` and `.fill()`
//! - `args`: binding a call's arguments; `ints`: exact, wrapping int64 and int32 arithmetic

pub mod accumulate;
pub mod args;
pub mod arith;
pub mod build;
pub mod checks;
pub mod diag;
pub mod funcs;
pub mod grid;
pub mod in_place;
pub mod ints;
pub mod linalg;
pub mod math;
pub mod methods;
pub mod norm;
pub mod promote;
pub mod random;
pub mod reduce;
pub mod simd;
pub mod sorting;
pub mod testing;

use super::interp::Interp;
use super::raise::Raise;
use super::value::Value;

/// Whether the subset has the function `np.NAME`.
pub fn provides(name: &str) -> bool {
    build::NAMES.contains(&name)
        || math::provides(name)
        || funcs::provides(name)
        || diag::NAMES.contains(&name)
        || checks::NAMES.contains(&name)
        || testing::NAMES.contains(&name)
        || norm::NAMES.contains(&name)
        || random::NAMES.contains(&name)
        || grid::NAMES.contains(&name)
}

/// `np.NAME(*args, **kwargs)`; `Ok(None)` when the subset has no such function.
pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Option<Value>, Raise> {
    let v = if build::NAMES.contains(&name) {
        build::call(it, name, args, kwargs)?
    } else if math::provides(name) {
        math::call(it, name, args, kwargs)?
    } else if funcs::provides(name) {
        funcs::call(it, name, args, kwargs)?
    } else if diag::NAMES.contains(&name) {
        diag::call(it, None, name, args, kwargs)?
    } else if checks::NAMES.contains(&name) {
        checks::call(it, name, args, kwargs)?
    } else if testing::NAMES.contains(&name) {
        testing::call(it, name, args, kwargs)?
    } else if norm::NAMES.contains(&name) {
        norm::call(it, args, kwargs)?
    } else if random::NAMES.contains(&name) {
        random::call(it, name, args, kwargs)?
    } else if grid::NAMES.contains(&name) {
        grid::call(it, args, kwargs)?
    } else {
        return Ok(None);
    };
    Ok(Some(v))
}
