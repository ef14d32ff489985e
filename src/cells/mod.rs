//! Notebook cells: a safe subset of Python, TensorFlow and NumPy run on the engine.
//!
//! - `format`: printing as Python, TensorFlow and NumPy print.

pub mod format;
