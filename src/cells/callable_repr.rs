//! How functions, methods and a tape print, as CPython, TensorFlow 2.15 and NumPy 1.26 write
//! them: `<function reduce_sum at 0x...>`, `<ufunc 'exp'>`, `<built-in method sum of
//! numpy.ndarray object at 0x...>`, `<bound method TensorShape.as_list of TensorShape([2])>`.
//! Where Python shows an object's address, the subset shows one of its own (ids differ from
//! run to run in Python too). `function_reprs.txt` holds the names whose repr is not
//! `<function NAME at ...>` (NumPy's ufuncs and C functions, TensorFlow's `_v2` functions),
//! written from the oracle's `repr` of each subset name.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::value::{Function, Value};

/// How a library or Python function shows itself: its repr and str, its class's name and
/// its `__name__`.
pub struct Builtin {
    pub repr: String,
    pub str: String,
    pub class: String,
    pub name: String,
}

/// Where the library or Python builtin at `path` shows itself: one address a path, as every
/// `np.sum` in a cell is one object in Python (each access makes a new value here, and their
/// heap addresses would differ from access to access, or meet by chance).
pub fn address(path: &str) -> usize {
    const BUILTINS: usize = 0x7f10_0000_0000;
    use std::hash::BuildHasher;
    let hash = foldhash::fast::FixedState::default().hash_one(path);
    BUILTINS + (hash as usize % (1 << 28)) * 0x10
}

/// The offset of the function a NumPy dispatcher wraps from the dispatcher itself: `str` of
/// `np.sum` shows the implementation's address and `repr` the dispatcher's, so the two differ.
const WRAPPED_AT: usize = 0x6a30;

/// The library or Python builtin at `path`, its address written as `addr`.
pub fn builtin(path: &str, addr: usize) -> Builtin {
    // name -> (repr, str, class, __name__), each with `{addr}` for the address
    type Row = (&'static str, &'static str, &'static str, &'static str);
    static TABLE: OnceLock<HashMap<&'static str, Row>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        include_str!("function_reprs.txt")
            .lines()
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some((f.next()?, (f.next()?, f.next()?, f.next()?, f.next()?)))
            })
            .collect()
    });
    let at = format!("{addr:#x}");
    if let Some((repr, str, class, name)) = table.get(path) {
        let str_at = match *class {
            "_ArrayFunctionDispatcher" => format!("{:#x}", addr.wrapping_sub(WRAPPED_AT)),
            _ => at.clone(),
        };
        return Builtin {
            repr: repr.replace("{addr}", &at),
            str: str.replace("{addr}", &str_at),
            class: class.to_string(),
            name: name.to_string(),
        };
    }
    let name = path.rsplit('.').next().unwrap_or(path).to_string();
    let (text, class) = match path.split_once('.') {
        // TensorFlow's and NumPy's API functions are Python functions
        // a class's function (`tf.GradientTape.gradient`) shows its qualified name
        Some(("tf" | "np", rest)) => {
            let qualified = match rest.rsplit_once('.') {
                Some(("GradientTape", _)) => format!("GradientTape.{name}"),
                _ => name.clone(),
            };
            (format!("<function {qualified} at {at}>"), "function")
        }
        // Python's builtins and math's functions are C functions, named without their module
        _ => (
            format!("<built-in function {name}>"),
            "builtin_function_or_method",
        ),
    };
    Builtin {
        str: text.clone(),
        repr: text,
        class: class.to_string(),
        name,
    }
}

/// `repr` of a cell's own `def` or lambda.
pub fn function(f: &Function, addr: usize) -> String {
    format!("<function {} at {addr:#x}>", f.name)
}

/// `repr` of a tape, a Python object without a repr of its own.
pub fn tape(addr: usize) -> String {
    format!("<tensorflow.python.eager.backprop.GradientTape object at {addr:#x}>")
}

/// `repr` of `receiver.name` unbound from a call, given the receiver's own repr, for the
/// receivers whose methods are Python methods (`bound method`) or C methods (`built-in
/// method`); None for the others.
pub fn method(receiver: &Value, name: &str, receiver_repr: &str, addr: usize) -> Option<String> {
    let bound = |class: &str| format!("<bound method {class}.{name} of {receiver_repr}>");
    let built_in = |class: &str| format!("<built-in method {name} of {class} object at {addr:#x}>");
    Some(match receiver {
        Value::Tensor(_) => bound("_EagerTensorBase"),
        Value::Variable(_) => bound("BaseResourceVariable"),
        Value::Shape(_) => bound("TensorShape"),
        Value::Tape(_) => bound("GradientTape"),
        Value::Array(_) => built_in("numpy.ndarray"),
        Value::NpScalar(_) => built_in(&format!("numpy.{}", receiver.type_name())),
        Value::List(_) => built_in("list"),
        Value::Tuple(_) => built_in("tuple"),
        Value::Str(_) => built_in("str"),
        _ => return None,
    })
}
