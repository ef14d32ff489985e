//! `tf.print(*inputs, sep=' ', end='\n', summarize=3)`: TensorFlow writes its text to stderr,
//! which a cell answers as `stderr` beside `stdout` (the oracle's stdout never holds it).
//! A tensor is written as `SummarizeValue` writes it (`format::tf_print`), a string as it is,
//! any other Python value as its repr, with a tensor inside a list or tuple written as a tensor.

use crate::cells::format::tf_print::summarize;
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

/// How deep `tf.print` follows lists and tuples for the tensors in them.
const MAX_NESTING: usize = 100;

pub fn print(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let (mut sep, mut end, mut keep) = (" ".to_string(), "\n".to_string(), 3i64);
    for (k, v) in kwargs {
        match (k.as_str(), &v) {
            ("sep", Value::Str(s)) => sep = s.to_string(),
            ("end", Value::Str(s)) => end = s.to_string(),
            ("summarize", _) => keep = crate::cells::numpy::args::int_arg(&v)?,
            // the op's name names nothing in eager mode
            ("name", _) => {}
            // a cell has no `sys`, so no stream TensorFlow takes, only a file it cannot write
            ("output_stream", Value::Str(s)) if s.starts_with("file://") => {
                return Err(Raise::new(
                    RaiseKind::NotImplementedError,
                    "tf.print to a file is not in the cell subset: a cell's tf.print writes to stderr, answered as the cell's `stderr`; use print() for stdout",
                ))
            }
            ("output_stream", other) => {
                let shown = crate::cells::print::str(it, other);
                return Err(Raise::value_error(format!("Unsupported output stream, logging level, or file.{shown}. Supported streams are sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, tf.logging.error. File needs to be in the form of 'file://<filepath>'.")));
            }
            ("sep" | "end", other) => {
                return Err(Raise::type_error(format!(
                    "tf.print's {k}= is a string, not {}",
                    other.type_name()
                )))
            }
            _ => {
                return Err(Raise::type_error(format!(
                    "print_v2() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    let mut text = String::new();
    for (k, v) in args.iter().enumerate() {
        if k > 0 {
            text.push_str(&sep);
        }
        match v {
            Value::Str(s) => text.push_str(s),
            other => text.push_str(&shown(it, other, keep, 0)?),
        }
        it.write_room(text.len())?;
    }
    text.push_str(&end);
    it.write_err(&text)?;
    Ok(Value::None)
}

/// One input's text: a tensor's summary, a list's or tuple's items in Python's brackets, any
/// other value's repr.
fn shown(it: &mut Interp, v: &Value, keep: i64, depth: usize) -> Result<String, Raise> {
    Ok(match v {
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) => {
            let t = it.as_val(v)?.expect("a tensor");
            summarize(&t.tensor, keep)
        }
        Value::List(_) | Value::Tuple(_) if depth < MAX_NESTING => {
            let items = v.items().unwrap_or_default();
            let mut parts = Vec::with_capacity(items.len());
            for item in &items {
                parts.push(shown(it, item, keep, depth + 1)?);
                it.write_room(parts.iter().map(String::len).sum())?;
            }
            match (v, parts.len()) {
                (Value::Tuple(_), 1) => format!("({},)", parts[0]),
                (Value::Tuple(_), _) => format!("({})", parts.join(", ")),
                _ => format!("[{}]", parts.join(", ")),
            }
        }
        Value::List(_) | Value::Tuple(_) => {
            return Err(Raise::new(
                RaiseKind::NotImplementedError,
                format!(
                "tf.print of lists nested more than {MAX_NESTING} deep is not in the cell subset"
            ),
            ))
        }
        other => {
            // a long list is sized before its text is made, as print does
            it.write_room(crate::cells::budget::printed_len(it, other, usize::MAX / 2))?;
            crate::cells::print::repr(it, other)
        }
    })
}
