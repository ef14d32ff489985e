//! Conversions between cell values and the engine's: Python literals to tensors (TensorFlow's
//! `convert_to_tensor` typing, or NumPy's), values to attribute literals, and running one op.

use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::lit::{
    lit_fits, python_kind, ragged_prefix, tensor_from_lit, tf_conversion_error, Kind, Lit,
};
use crate::engine::ops::{Attrs, Op};
use crate::engine::tensor::Tensor;

use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::{lock, Value};

/// TensorFlow's word for a dtype in its op errors (`float` for float32, `double` for float64).
pub fn tf_word(d: DType) -> &'static str {
    match d {
        DType::F32 => "float",
        DType::F64 => "double",
        DType::I32 => "int32",
        DType::I64 => "int64",
        DType::Bool => "bool",
    }
}

/// TensorFlow's true division (`a / b`, `tf.divide`) checks the two dtypes in Python before any
/// kernel runs, so tensors of two dtypes are a TypeError, not the kernel's InvalidArgumentError.
pub fn truediv_dtype_error(a: DType, b: DType) -> Raise {
    Raise::type_error(format!(
        "`x` and `y` must have the same dtype, got tf.{} != tf.{}.",
        a.name(),
        b.name()
    ))
    .with_code(crate::engine::Code::DtypeMismatch)
}

/// A Python value (number, bool, nested list or tuple of them) as a literal; None otherwise.
pub fn to_lit(v: &Value) -> Option<Lit> {
    Some(match v {
        Value::None => Lit::Null,
        Value::Bool(b) => Lit::Bool(*b),
        Value::Int(i) | Value::Dimension(i) => Lit::Int(*i),
        Value::Float(f) => Lit::Float(*f),
        Value::Str(s) => Lit::Str(s.to_string()),
        Value::DType(d) | Value::NpDType(d) => Lit::Str(d.name().into()),
        Value::Builtin(p) => Lit::Str(np_dtype_path(p)?.name().into()),
        Value::List(l) => Lit::List(lock(l).iter().map(to_lit).collect::<Option<_>>()?),
        Value::Tuple(t) => Lit::List(t.iter().map(to_lit).collect::<Option<_>>()?),
        Value::Range(..) => Lit::List(v.items()?.iter().map(to_lit).collect::<Option<_>>()?),
        Value::Shape(d) => Lit::List(d.iter().map(|&x| Lit::Int(x as i64)).collect()),
        Value::Tensor(x) => tensor_lit(&x.tensor),
        Value::Array(_) | Value::NpScalar(_) => tensor_lit(&v.np_contents()?),
        _ => return None,
    })
}

/// The shape of a nested Python list TensorFlow converts to an empty tensor: its conversion
/// reads each dimension from the first item at that depth and, once one is zero (`[[], [1]]`
/// is 2 by 0), has no element to fill and looks at nothing else. None for any other value,
/// and for a list with no nested list (`[]` converts as it always does).
pub fn empty_by_first_items(v: &Value) -> Option<Vec<usize>> {
    let mut shape = Vec::new();
    let mut at = v.clone();
    while let Value::List(_) | Value::Tuple(_) = at {
        let items = at.items()?;
        shape.push(items.len());
        match items.into_iter().next() {
            Some(first) => at = first,
            None => return (shape.len() > 1).then_some(shape),
        }
    }
    None
}

fn has_variable(v: &Value) -> bool {
    match v {
        Value::Variable(_) | Value::UnreadVariable(_) => true,
        Value::List(_) | Value::Tuple(_) => v.items().is_some_and(|xs| xs.iter().any(has_variable)),
        _ => false,
    }
}

/// A scalar literal as the Python value it was made from; None for a list or an object.
pub fn lit_value(l: &Lit) -> Value {
    match l {
        Lit::Bool(b) => Value::Bool(*b),
        Lit::Int(i) => Value::Int(*i),
        Lit::Float(f) => Value::Float(*f),
        Lit::Str(s) => Value::str(s.as_str()),
        Lit::Null | Lit::List(_) | Lit::Map(_) | Lit::Tensor(_) => Value::None,
    }
}

/// A tensor given where an attribute goes (`axis=tf.constant(0)`, a shape from `tf.shape`).
fn tensor_lit(t: &Tensor) -> Lit {
    fn nest(t: &Tensor, vals: &[f64], shape: &[usize], int: bool) -> Lit {
        match shape.split_first() {
            None => {
                if int {
                    Lit::Int(vals[0] as i64)
                } else if t.dtype() == DType::Bool {
                    Lit::Bool(vals[0] != 0.0)
                } else {
                    Lit::Float(vals[0])
                }
            }
            Some((&n, rest)) => {
                let step: usize = rest.iter().product();
                Lit::List(
                    (0..n)
                        .map(|k| nest(t, &vals[k * step..], rest, int))
                        .collect(),
                )
            }
        }
    }
    let vals = t.to_f64_vec();
    nest(t, &vals, t.shape(), t.dtype().is_int())
}

/// `np.float32` and friends named as dtypes.
pub fn np_dtype_path(p: &str) -> Option<DType> {
    match p {
        "np.float32" => Some(DType::F32),
        "np.float64" => Some(DType::F64),
        "np.int32" => Some(DType::I32),
        "np.int64" => Some(DType::I64),
        "np.bool_" | "bool" => Some(DType::Bool),
        "float" => Some(DType::F64),
        "int" => Some(DType::I64),
        _ => None,
    }
}

/// A value naming a dtype: `tf.float32`, `np.float64`, `'float32'`, `a.dtype`.
pub fn dtype_of_value(v: &Value) -> Option<DType> {
    match v {
        Value::DType(d) | Value::NpDType(d) => Some(*d),
        Value::Builtin(p) => np_dtype_path(p),
        Value::Str(s) => DType::parse(s),
        _ => None,
    }
}

/// `tf.as_dtype(v)`, as every TensorFlow `dtype=` argument reads it: Python's `float` is
/// float32 and `bool` bool, TensorFlow's names (`"float"` is float32, `"double"` float64);
/// `int`, other classes and unknown names are a TypeError. `Ok(None)`: a dtype TensorFlow
/// knows that the cell subset lacks (`"half"`, `"string"`), left for the op to refuse.
pub fn tf_dtype_of_value(v: &Value) -> Result<Option<DType>, Raise> {
    let not_a_dtype = |shown: String| {
        Raise::type_error(format!(
            "Cannot convert the argument `type_value`: {shown} to a TensorFlow DType."
        ))
    };
    match v {
        Value::DType(d) | Value::NpDType(d) => Ok(Some(*d)),
        Value::Builtin(p) if &**p == "float" => Ok(Some(DType::F32)),
        Value::Builtin(p) => match np_dtype_path(p) {
            Some(d) if p.starts_with("np.") || &**p == "bool" => Ok(Some(d)),
            _ if super::builtins::types::same_class(v, v).is_some() => {
                Err(not_a_dtype(format!("<class '{p}'>")))
            }
            _ => Err(not_a_dtype(format!("<built-in function {p}>"))),
        },
        Value::Type(name) => Err(not_a_dtype(format!("<class '{name}'>"))),
        // a DataType enum value: `tf.zeros(2, 3)` is int32 zeros
        Value::Int(n) => match n {
            1 => Ok(Some(DType::F32)),
            2 => Ok(Some(DType::F64)),
            3 => Ok(Some(DType::I32)),
            9 => Ok(Some(DType::I64)),
            10 => Ok(Some(DType::Bool)),
            4..=8 | 11..=23 => Ok(None),
            _ => Err(not_a_dtype(n.to_string())),
        },
        Value::Str(s) => match &**s {
            "float" => Ok(Some(DType::F32)),
            name if DType::parse(name).is_some() && !name.starts_with("tf.") => {
                Ok(DType::parse(name))
            }
            "half" | "float16" | "bfloat16" | "int8" | "int16" | "uint8" | "uint16" | "uint32"
            | "uint64" | "string" | "complex64" | "complex128" | "complex" | "resource"
            | "variant" | "qint8" | "quint8" | "qint16" | "quint16" | "qint32" => Ok(None),
            name => Err(not_a_dtype(format!("'{name}'"))),
        },
        _ => Ok(None),
    }
}

/// TensorFlow types a Python sequence by its first number: one that starts with a bool and
/// holds another number is refused ("mixed types") unless a non-bool dtype converts it.
pub fn mixed_types_error(v: &Value, dtype: Option<DType>) -> Result<(), Raise> {
    fn leaves(v: &Value, out: &mut Vec<bool>) {
        match v {
            Value::List(_) | Value::Tuple(_) => {
                for x in v.items().unwrap_or_default() {
                    leaves(&x, out);
                }
            }
            Value::Bool(_) => out.push(true),
            Value::Int(_) | Value::Float(_) => out.push(false),
            _ => {}
        }
    }
    if !matches!(v, Value::List(_) | Value::Tuple(_)) || !matches!(dtype, None | Some(DType::Bool))
    {
        return Ok(());
    }
    let mut is_bool = Vec::new();
    leaves(v, &mut is_bool);
    if is_bool.first() == Some(&true) && is_bool.contains(&false) {
        return Err(Raise::value_error(
            "Can't convert Python sequence with mixed types to Tensor.",
        ));
    }
    Ok(())
}

/// Python strings never become numbers in a tensor: a sequence mixing them with numbers is
/// "mixed types", and one of strings alone does not convert to a number `dtype` (without one
/// TensorFlow makes a string tensor of it).
pub fn strings_error(it: &mut Interp, v: &Value, dtype: Option<DType>) -> Result<(), Raise> {
    fn count(v: &Value, strings: &mut usize, numbers: &mut usize) {
        match v {
            Value::List(_) | Value::Tuple(_) => {
                for x in v.items().unwrap_or_default() {
                    count(&x, strings, numbers);
                }
            }
            Value::Str(_) => *strings += 1,
            Value::Bool(_) | Value::Int(_) | Value::Float(_) => *numbers += 1,
            _ => {}
        }
    }
    if !matches!(v, Value::List(_) | Value::Tuple(_)) {
        return Ok(());
    }
    let (mut strings, mut numbers) = (0, 0);
    count(v, &mut strings, &mut numbers);
    match dtype {
        _ if strings == 0 => Ok(()),
        _ if numbers > 0 => Err(Raise::value_error(
            "Can't convert Python sequence with mixed types to Tensor.",
        )),
        Some(d) => Err(Raise::type_error(format!(
            "Cannot convert {} to EagerTensor of dtype {}",
            super::print::repr(it, v),
            tf_word(d)
        ))
        .with_code(crate::engine::Code::DtypeMismatch)),
        None => Err(string_tensor_refused(it, v)),
    }
}

/// `tf.cast` of Python strings (`tf.cast("1", tf.float32)`): TensorFlow makes them a string
/// tensor and its Cast kernel has no string conversion, an UnimplementedError; None for any
/// other cast.
pub fn cast_of_strings(args: &[Value], kwargs: &[(String, Value)]) -> Option<Raise> {
    fn strings_only(v: &Value) -> bool {
        match v {
            Value::Str(_) => true,
            Value::List(_) | Value::Tuple(_) => {
                let items = v.items().unwrap_or_default();
                !items.is_empty() && items.iter().all(strings_only)
            }
            _ => false,
        }
    }
    let keyword = |name: &str| kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let x = args.first().or_else(|| keyword("x"))?;
    let Value::DType(d) = args.get(1).or_else(|| keyword("dtype"))? else {
        return None;
    };
    strings_only(x).then(|| {
        Raise::new(
            RaiseKind::Class("tf.errors.UnimplementedError"),
            format!(
                "{{{{function_node __wrapped__Cast_device_/job:localhost/replica:0/task:0/device:CPU:0}}}} Cast string to {} is not supported [Op:Cast] name: ",
                tf_word(*d)
            ),
        )
    })
}

/// What a cell raises where TensorFlow would make a `tf.string` tensor (`tf.constant('Gray
/// wolf')`, a list of strings): the subset's tensors hold numbers and bools, so the cell stops
/// with a refusal that names the dtype, not with an error TensorFlow itself never gives.
pub fn string_tensor_refused(it: &mut Interp, v: &Value) -> Raise {
    Raise::new(
        RaiseKind::NotImplementedError,
        format!(
            "string tensors are not in the cell subset: TensorFlow would make {} a tf.string tensor, and a cell's tensors hold float32, float64, int32, int64 or bool",
            super::print::repr(it, v)
        ),
    )
}

/// The dtype `tf.constant` gives a Python value without a dtype: its kind's (float32, int32,
/// bool), but int64 when an integer does not fit int32, and float64 when its first number is
/// a NumPy float64 (TensorFlow types a list by its first element's class: `[a.sum(), 2.0]`
/// is float64, `[2.0, a.sum()]` float32). A finite float that float32 cannot hold is
/// TensorFlow's ValueError there, though the same float given a float32 dtype becomes inf.
pub fn python_dtype(v: &Value, lit: &Lit) -> Result<Option<DType>, Raise> {
    fn first_is_f64(v: &Value) -> bool {
        match v {
            Value::NpScalar(t) => t.dtype() == DType::F64,
            Value::Array(a) => a.get().dtype() == DType::F64,
            Value::List(_) | Value::Tuple(_) => v
                .items()
                .and_then(|xs| xs.first().map(first_is_f64))
                .unwrap_or(false),
            _ => false,
        }
    }
    fn wide(l: &Lit) -> bool {
        match l {
            Lit::Int(i) => i32::try_from(*i).is_err(),
            Lit::List(xs) => xs.iter().any(wide),
            _ => false,
        }
    }
    let Some(kind) = python_kind(lit) else {
        return Ok(None);
    };
    let d = match kind {
        Kind::Float if first_is_f64(v) => DType::F64,
        Kind::Int if wide(lit) => DType::I64,
        k => k.default_dtype(),
    };
    if d == DType::F32 {
        f32_range(lit)?;
    }
    Ok(Some(d))
}

/// TensorFlow's ValueError for a finite Python float that float32 cannot hold, where its
/// conversion has no dtype to go by and so infers float32 (`tf.constant(1e39)`).
pub fn f32_range(lit: &Lit) -> Result<(), Raise> {
    fn past_f32(l: &Lit) -> bool {
        match l {
            Lit::Float(f) => f.is_finite() && (*f as f32).is_infinite(),
            Lit::List(xs) => xs.iter().any(past_f32),
            _ => false,
        }
    }
    if past_f32(lit) {
        return Err(Raise::value_error(
            "Can't convert Python sequence with a value out of range for a double-precision float.",
        ));
    }
    Ok(())
}

/// NumPy's default dtype for a Python literal: float64, int64, bool.
pub fn np_default(kind: Kind) -> DType {
    match kind {
        Kind::Float => DType::F64,
        Kind::Int => DType::I64,
        Kind::Bool => DType::Bool,
    }
}

/// Whether a (nested) list or tuple holds a tensor or variable, which TensorFlow packs.
pub fn holds_tf(v: &Value) -> bool {
    match v {
        Value::List(_) | Value::Tuple(_) => v
            .items()
            .unwrap_or_default()
            .iter()
            .any(|x| Value::is_tf(x) || holds_tf(x)),
        _ => false,
    }
}

/// The dtype of a tensor or variable, without reading the variable (no tape watches it).
pub fn tf_dtype(it: &Interp, v: &Value) -> Option<DType> {
    match v {
        Value::Tensor(x) => Some(x.tensor.dtype()),
        Value::Variable(id) | Value::UnreadVariable(id) => {
            it.ws.variable(id).map(|v| v.val.tensor.dtype())
        }
        _ => None,
    }
}

/// The dtype of the first tensor or variable in a nested list, as
/// `_get_dtype_from_nested_lists` finds it.
fn first_tf_dtype(it: &Interp, v: &Value) -> Option<DType> {
    match v {
        Value::List(_) | Value::Tuple(_) => v
            .items()
            .unwrap_or_default()
            .iter()
            .find_map(|x| first_tf_dtype(it, x)),
        v => tf_dtype(it, v),
    }
}

impl Interp<'_> {
    pub fn max_elems(&self) -> usize {
        self.ws.ctx.limits.max_tensor_elements
    }

    /// `v` with each variable in it (itself, or an item of a list or tuple) read: where an op
    /// takes a shape, axis, size or scalar as an attribute, TensorFlow converts a variable as
    /// it converts any tensor.
    pub fn read_variables(&mut self, v: Value) -> Result<Value, Raise> {
        Ok(match v {
            Value::Variable(id) => Value::Tensor(self.read_var(&id)?),
            Value::UnreadVariable(id) => Value::Tensor(super::variable::read_unread(self, &id)?),
            Value::List(_) | Value::Tuple(_)
                if v.items().is_some_and(|xs| xs.iter().any(has_variable)) =>
            {
                let items = v.items().expect("a sequence");
                let read = items
                    .into_iter()
                    .map(|x| self.read_variables(x))
                    .collect::<Result<Vec<_>, _>>()?;
                if matches!(v, Value::List(_)) {
                    Value::list(read)
                } else {
                    Value::tuple(read)
                }
            }
            other => other,
        })
    }

    /// A variable's current value as an op input: a trainable variable read while a tape
    /// records (with watch_accessed_variables) is watched by that tape, as TensorFlow does.
    pub fn read_var(&mut self, id: &str) -> Result<Val, Raise> {
        let (val, trainable) = match self.ws.variable(id) {
            Some(v) => (v.val.clone(), v.trainable),
            None => {
                return Err(Raise::value_error(format!(
                    "the variable {id} no longer exists"
                )))
            }
        };
        if trainable {
            for t in self.ws.ctx.recording_tapes() {
                if self
                    .ws
                    .ctx
                    .tape(t)
                    .is_some_and(|t| t.watch_accessed_variables)
                {
                    self.ws.ctx.watch_variable(t, &val)?;
                }
            }
        }
        Ok(val)
    }

    /// `v.value()`, `tf.convert_to_tensor(v)`: the variable read into a
    /// tensor of its own, recorded as read from the variable, so a gradient flows through it
    /// to the variable while a gradient with respect to it is its own (TensorFlow's
    /// ReadVariableOp makes a new tensor on each read, and a tape that watches the variable
    /// records it whatever the variable's dtype).
    pub fn read_into_tensor(&mut self, id: &str) -> Result<Val, Raise> {
        let val = self.read_var(id)?;
        self.apply_resource("identity", vec![], vec![val])
    }

    /// Python's truth of a value (`if v:`, `bool(v)`, `not v`): a variable's is its value's,
    /// ambiguous for more than one element, as TensorFlow's `__bool__` reads it.
    pub fn truth(&mut self, v: &Value) -> Result<bool, Raise> {
        match v {
            Value::Variable(id) | Value::UnreadVariable(id) => match self.ws.variable(id) {
                // the value read as NumPy reads it: TensorFlow's message is NumPy's
                Some(x) => Value::NpScalar(x.val.tensor.as_ref().clone()).truthy(),
                None => Ok(true),
            },
            _ => v.truthy(),
        }
    }

    /// A tensor-like value (tensor, variable, array) as an engine value, without conversion.
    pub fn as_val(&mut self, v: &Value) -> Result<Option<Val>, Raise> {
        Ok(match v {
            Value::Tensor(x) => Some(x.clone()),
            Value::Variable(id) => Some(self.read_var(id)?),
            Value::UnreadVariable(id) => Some(super::variable::read_unread(self, id)?),
            Value::Array(_) | Value::NpScalar(_) => {
                let t = self.np_tensor(v)?;
                Some(self.ws.ctx.constant(t))
            }
            Value::IndexedSlices(s) => Some(s.dense.clone()),
            _ => None,
        })
    }

    /// `tf.convert_to_tensor(v, dtype_hint=hint)`: tensors keep their dtype, Python literals
    /// take the hint when they fit it, else their own kind's TensorFlow dtype.
    pub fn to_val(&mut self, v: &Value, hint: Option<DType>) -> Result<Val, Raise> {
        if let Some(x) = self.as_val(v)? {
            return Ok(x);
        }
        if let Some(shape) = empty_by_first_items(v) {
            let t = Tensor::full(&shape, 0.0, hint.unwrap_or(DType::F32));
            return Ok(self.ws.ctx.constant(t));
        }
        if holds_tf(v) {
            // TensorFlow converts with the hint first and, when that raises, without it
            if let Some(h) = hint {
                match self.autopack_as(v, Some(h)) {
                    Err(r) if matches!(r.kind, RaiseKind::TypeError | RaiseKind::ValueError) => {}
                    other => return other,
                }
            }
            return self.autopack_as(v, None);
        }
        if let Value::List(_) | Value::Tuple(_) = v {
            strings_error(self, v, None)?;
            mixed_types_error(v, hint)?;
            if let Some(x) = self.pack(v, hint)? {
                return Ok(x);
            }
        }
        if let Value::Str(_) = v {
            return Err(string_tensor_refused(self, v));
        }
        let Some(lit) = to_lit(v) else {
            return Err(unsupported_conversion(self, v));
        };
        // a weak literal takes the hint it fits, else Python's own typing
        let hint = match hint {
            Some(d) if lit_fits(&lit, d) => Some(d),
            _ => python_dtype(v, &lit)?,
        };
        let t = tensor_from_lit(&lit, hint, self.max_elems()).map_err(|e| tf_lit_error(&lit, e))?;
        Ok(self.ws.ctx.constant(t))
    }

    /// `tf.convert_to_tensor(v, dtype=d)` as operator overloads do it: a Python value must
    /// fit `d` (`TypeError: Cannot convert 0.5 to EagerTensor of dtype int32`), an array is
    /// converted, a tensor of another dtype is refused by the op.
    pub fn to_val_as(&mut self, v: &Value, d: DType) -> Result<Val, Raise> {
        match v {
            Value::Array(_) | Value::NpScalar(_) => {
                let t = self.np_tensor(v)?;
                let t = if t.dtype() == d { t } else { t.cast(d) };
                return Ok(self.ws.ctx.constant(t));
            }
            Value::Tensor(_)
            | Value::Variable(_)
            | Value::UnreadVariable(_)
            | Value::IndexedSlices(_) => return Ok(self.as_val(v)?.expect("tensor-like")),
            Value::List(_) | Value::Tuple(_) if empty_by_first_items(v).is_some() => {
                let shape = empty_by_first_items(v).unwrap_or_default();
                return Ok(self.ws.ctx.constant(Tensor::full(&shape, 0.0, d)));
            }
            // `[v, v] * t`, a tf.concat piece `[x]`: packed, as TensorFlow's conversion of a
            // list holding tensors is a recorded Pack
            Value::List(_) | Value::Tuple(_) if holds_tf(v) => return self.autopack_as(v, Some(d)),
            Value::List(_) | Value::Tuple(_) => strings_error(self, v, Some(d))?,
            Value::Str(_) => {
                return Err(Raise::type_error(format!(
                    "Cannot convert {} to EagerTensor of dtype {}",
                    super::print::repr(self, v),
                    tf_word(d)
                ))
                .with_code(crate::engine::Code::DtypeMismatch))
            }
            _ => {}
        }
        let lit = to_lit(v).filter(|l| !matches!(l, Lit::Null | Lit::Str(_)));
        let Some(lit) = lit else {
            return Err(unsupported_conversion(self, v));
        };
        if !lit_fits(&lit, d) {
            return Err(Raise::type_error(format!(
                "Cannot convert {} to EagerTensor of dtype {}",
                super::print::repr(self, v),
                d.name()
            ))
            .with_code(crate::engine::Code::DtypeMismatch));
        }
        let t =
            tensor_from_lit(&lit, Some(d), self.max_elems()).map_err(|e| tf_lit_error(&lit, e))?;
        Ok(self.ws.ctx.constant(t))
    }

    /// A list holding NumPy values (`[np.float32(1.0), a]`) packed as `tf.stack` packs it;
    /// None when the list holds only Python literals.
    fn pack(&mut self, v: &Value, hint: Option<DType>) -> Result<Option<Val>, Raise> {
        let items = v.items().unwrap_or_default();
        let tensorish = |x: &Value| {
            matches!(
                x,
                Value::Tensor(_)
                    | Value::Variable(_)
                    | Value::UnreadVariable(_)
                    | Value::Array(_)
                    | Value::NpScalar(_)
                    | Value::List(_)
                    | Value::Tuple(_)
            )
        };
        if items.is_empty()
            || !items.iter().any(|x| {
                matches!(
                    x,
                    Value::Tensor(_)
                        | Value::Variable(_)
                        | Value::UnreadVariable(_)
                        | Value::Array(_)
                        | Value::NpScalar(_)
                )
            })
            || !items.iter().all(tensorish)
        {
            if items
                .iter()
                .any(|x| matches!(x, Value::List(_) | Value::Tuple(_)))
                && items.iter().all(tensorish)
            {
                // nested lists holding tensors further down
                let mut vals = Vec::new();
                for x in &items {
                    match self.pack(x, hint)? {
                        Some(p) => vals.push(p),
                        None => return Ok(None),
                    }
                }
                return self.stack(vals).map(Some);
            }
            return Ok(None);
        }
        let mut vals = Vec::new();
        // TensorFlow packs a list to the dtype of its first tensor; NumPy values are cast
        let first_tensor = items.iter().find_map(|x| match x {
            Value::Tensor(t) => Some(t.tensor.dtype()),
            Value::Variable(id) | Value::UnreadVariable(id) => {
                self.ws.variable(id).map(|v| v.val.tensor.dtype())
            }
            _ => None,
        });
        let d = hint.or(first_tensor).or_else(|| {
            items.iter().find_map(|x| match x {
                Value::Array(_) | Value::NpScalar(_) => x.np_contents().map(|t| t.dtype()),
                _ => None,
            })
        });
        for x in &items {
            vals.push(match d {
                Some(d) => self.to_val_as(x, d)?,
                None => self.to_val(x, None)?,
            });
        }
        self.stack(vals).map(Some)
    }

    /// A list holding tensors or variables (`tf.convert_to_tensor([a, b])`, `[[1.0], [x]]`,
    /// `[v, v] * t`) as TensorFlow's `_autopacking_conversion_function` converts it: to the
    /// dtype asked for, else the first tensor's; asked for another dtype than the first
    /// tensor's, every tensor in it is cast first.
    pub fn autopack_as(&mut self, v: &Value, dtype: Option<DType>) -> Result<Val, Raise> {
        let inferred = first_tf_dtype(self, v);
        let cast = dtype.is_some() && dtype != inferred;
        match dtype.or(inferred) {
            Some(d) => self.autopack(v, d, cast),
            None => Err(Raise::value_error("a list holding tensors has no tensor")),
        }
    }

    /// TensorFlow's `_autopacking_helper`: each item a tensor or variable as it is (cast, when
    /// `cast`), a list holding one packed in turn, anything else (a literal, a list of
    /// literals, an array) converted to `d`, and the pieces packed by a recorded Pack, so
    /// gradients reach every tensor and variable in the list.
    fn autopack(&mut self, v: &Value, d: DType, cast: bool) -> Result<Val, Raise> {
        let items = v.items().unwrap_or_default();
        let all_tf = items.iter().all(Value::is_tf);
        let mut vals = Vec::new();
        for x in &items {
            vals.push(match x {
                Value::List(_) | Value::Tuple(_) if holds_tf(x) => self.autopack(x, d, cast)?,
                _ if Value::is_tf(x) => {
                    let t = self.as_val(x)?.expect("a tensor or variable");
                    match t.tensor.dtype() {
                        have if have == d => t,
                        _ if cast => {
                            let to = vec![("dtype".into(), Lit::Str(d.name().into()))];
                            self.apply("cast", to, vec![t])?
                        }
                        // all tensors: TensorFlow packs them as they are, and Pack refuses
                        _ if all_tf => t,
                        have => {
                            return Err(Raise::type_error(format!(
                                "Cannot convert a list containing a tensor of dtype {} to <dtype: '{}'> (Tensor is: {})",
                                have.name(),
                                d.name(),
                                super::print::repr(self, x)
                            )))
                        }
                    }
                }
                _ => self.to_val_as(x, d)?,
            });
        }
        self.stack(vals)
    }

    fn stack(&mut self, vals: Vec<Val>) -> Result<Val, Raise> {
        self.apply("stack", vec![("axis".into(), Lit::Int(0))], vals)
    }

    /// Runs one op by its canonical name on engine values, recorded by the recording tapes.
    pub fn apply(
        &mut self,
        name: &str,
        attrs: Vec<(String, Lit)>,
        inputs: Vec<Val>,
    ) -> Result<Val, Raise> {
        let run = |it: &mut Self| {
            let mut op = it.parse_op_engine(name, &attrs, inputs.len())?;
            if let (Some(s), Op::Create(c)) = (it.next_stream.take(), &mut op) {
                if let Some(stream) = c.stream_mut() {
                    *stream = Some(s);
                }
            }
            let refs: Vec<&Val> = inputs.iter().collect();
            it.ws.ctx.apply(&op, &refs)
        };
        // a refusal is worded as TensorFlow's kernel words it, where that is known
        run(self).map_err(|e| super::kernel_errors::raise(name, &attrs, &inputs, e))
    }

    /// `apply` for one of a variable's own ops (`inputs[0]` the variable's value): recorded
    /// by a tape that watches the variable whatever its dtype (`Ctx::apply_resource`).
    pub fn apply_resource(
        &mut self,
        name: &str,
        attrs: Vec<(String, Lit)>,
        inputs: Vec<Val>,
    ) -> Result<Val, Raise> {
        let op = self.parse_op(name, &attrs, inputs.len())?;
        let refs: Vec<&Val> = inputs.iter().collect();
        Ok(self.ws.ctx.apply_resource(&op, &refs)?)
    }

    /// The op `name` with `attrs`, checked to take `arity` inputs.
    fn parse_op(&self, name: &str, attrs: &[(String, Lit)], arity: usize) -> Result<Op, Raise> {
        Ok(self.parse_op_engine(name, attrs, arity)?)
    }

    fn parse_op_engine(
        &self,
        name: &str,
        attrs: &[(String, Lit)],
        arity: usize,
    ) -> Result<Op, crate::engine::Error> {
        let op = Op::parse(name, &Attrs::new(name, attrs), &self.ws.ctx.limits)?;
        op.check_arity(arity)?;
        Ok(op)
    }

    /// Runs one op on bare tensors, outside every tape (NumPy's arithmetic).
    pub fn compute(
        &mut self,
        name: &str,
        attrs: Vec<(String, Lit)>,
        inputs: &[&Tensor],
    ) -> Result<Tensor, Raise> {
        let op = Op::parse(name, &Attrs::new(name, &attrs), &self.ws.ctx.limits)?;
        op.check_arity(inputs.len())?;
        let vals: Vec<Val> = inputs
            .iter()
            .map(|t| self.ws.ctx.constant((*t).clone()))
            .collect();
        let refs: Vec<&Val> = vals.iter().collect();
        // constants are traced by no tape, so nothing here is recorded; a refusal is
        // TensorFlow's text where kernel_errors knows it (a Mul of two dtypes)
        match self.ws.ctx.apply(&op, &refs) {
            Ok(out) => Ok(out.into_tensor()),
            Err(e) => Err(super::kernel_errors::raise(name, &attrs, &vals, e)),
        }
    }

    /// A value as a bare tensor with NumPy's typing of Python literals (float64, int64).
    pub fn np_tensor(&mut self, v: &Value) -> Result<Tensor, Raise> {
        match v {
            Value::Tensor(x) => Ok(x.tensor.as_ref().clone()),
            Value::Variable(id) => Ok(self.read_var(id)?.into_tensor()),
            Value::UnreadVariable(id) => Ok(super::variable::read_unread(self, id)?.into_tensor()),
            Value::Array(a) => Ok(a.get()),
            Value::NpScalar(t) => Ok(t.clone()),
            Value::IndexedSlices(s) => Ok(s.dense.tensor.as_ref().clone()),
            Value::List(_) | Value::Tuple(_) if super::numpy::build::holds_arrays(v) => {
                super::numpy::build::from_sequence(self, v)
            }
            _ => {
                let lit = to_lit(v)
                    .filter(|l| !matches!(l, Lit::Null | Lit::Str(_)))
                    .ok_or_else(|| {
                        Raise::type_error(format!(
                            "a NumPy array cannot hold a '{}'",
                            v.type_name()
                        ))
                    })?;
                let d = python_kind(&lit).map(np_default);
                tensor_from_lit(&lit, d, self.max_elems()).map_err(|e| np_lit_error(&lit, e))
            }
        }
    }
}

/// TensorFlow's refusal of a value no tensor can be made of (a dict, a function), naming its
/// class as Python prints it.
pub fn unsupported_conversion(it: &mut Interp, v: &Value) -> Raise {
    Raise::value_error(format!(
        "Attempt to convert a value ({}) with an unsupported type (<class '{}'>) to a Tensor.",
        super::print::repr(it, v),
        super::builtins::types::qualified(&v.type_name())
    ))
}

/// A literal TensorFlow cannot convert: a ragged one in TensorFlow's words, else gradtape's.
pub fn tf_lit_error(lit: &Lit, e: crate::engine::Error) -> Raise {
    Raise::value_error(tf_conversion_error(lit).map_or(e.detail, str::to_string))
}

/// A literal NumPy cannot make an array of: a ragged one in NumPy 1.26's words, with the
/// shape it discovered, else gradtape's.
fn np_lit_error(lit: &Lit, e: crate::engine::Error) -> Raise {
    match ragged_prefix(lit) {
        Some(shape) => Raise::value_error(format!(
            "setting an array element with a sequence. The requested array has an inhomogeneous shape after {} dimensions. The detected shape was {} + inhomogeneous part.",
            shape.len(),
            super::print::tuple_text(&shape)
        )),
        None => Raise::value_error(e.detail),
    }
}
