//! Printing as Python 3.11, TensorFlow 2.15 and NumPy 1.26 print: what a cell's `print`,
//! `%`-formatting, f-strings and `str.format` write.
//!
//! - `numpy`: `str`/`repr` of arrays and NumPy scalars (`np.array2string`'s rules).
//! - `tf`: `tf.Tensor(...)`, `<tf.Variable ...>`, shapes, dtypes, `IndexedSlices`.
//! - `py`: the `FmtArg` value, `str`/`repr`, float repr, `%` ([`py::percent`]), format specs
//!   ([`py::format_spec`], [`py::format_value`]) and `str.format` ([`py::str_format`]).
//! - `digits`: the decimal digits underneath (shortest round-trip and exact rounding for f32
//!   and f64), with NumPy's Dragon4 positional and scientific layouts.
//!
//! Pure functions over the engine's `Tensor` and plain values; no evaluator state.

pub mod digits;
mod layout;
pub mod numpy;
mod percent;
pub mod py;
mod spec;
mod template;
pub mod tf;
pub mod tf_print;

#[cfg(test)]
mod tests_digits;
#[cfg(test)]
mod tests_numpy;
#[cfg(test)]
mod tests_py;
