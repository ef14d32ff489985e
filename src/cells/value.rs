//! The values a cell computes with: Python's own, TensorFlow's and NumPy's, over the engine's
//! tensors (a `tf.Tensor` is an engine `Val` that tapes trace; a NumPy array is a bare `Tensor`).

use std::sync::{Arc, Mutex};

use crate::engine::autodiff::{TapeId, Val};
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

pub use super::containers::{NamedTuple, PyList, PyTuple, NAMED_TUPLES, TOP_K};
pub use super::dict::{PyDict, ViewId, ViewKind};
use super::raise::{Raise, RaiseKind};

/// A user function from `def`: its statement, kept with the cell text it came from so that an
/// error inside it reports a line of that cell, and its defaults evaluated at definition.
#[derive(Debug)]
pub struct Function {
    pub name: String,
    pub def: ruff_python_ast::StmtFunctionDef,
    pub source: Arc<super::source::LineIndex>,
    pub defaults: Vec<Option<Value>>,
    /// The names its body binds, local to every call (`interp::scope`).
    pub locals: std::collections::HashSet<String>,
    /// The call it was defined in, whose names it reads (a closure), if it was defined in one.
    pub closure: Option<Arc<Scope>>,
}

impl Function {
    pub fn new(
        name: String,
        def: ruff_python_ast::StmtFunctionDef,
        source: Arc<super::source::LineIndex>,
        defaults: Vec<Option<Value>>,
        closure: Option<Arc<Scope>>,
    ) -> Function {
        let locals = super::interp::scope::local_names(&def.body);
        Function {
            name,
            def,
            source,
            defaults,
            locals,
            closure,
        }
    }
}

/// The names of one `def` call, shared with the functions defined in it, which read them
/// after the call returns (`make_scale(a)` returning `scale`, which reads `a`).
#[derive(Debug, Default)]
pub struct Scope {
    pub vars: Mutex<std::collections::HashMap<String, Value>>,
    /// The scope of the call that defined the running function, if any.
    pub parent: Option<Arc<Scope>>,
}

impl Scope {
    pub fn vars(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Value>> {
        self.vars.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A gradient TensorFlow gives as `tf.IndexedSlices` (a gradient through `tf.gather`).
#[derive(Clone, Debug)]
pub struct Slices {
    pub indices: Tensor,
    pub values: Tensor,
    pub dense_shape: Vec<usize>,
    /// The dense gradient, what `tf.convert_to_tensor` and the answer's values give.
    pub dense: Val,
}

#[derive(Clone, Debug)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    /// A Python list: shared and mutable (`append`), as Python lists are.
    List(PyList),
    Tuple(PyTuple),
    /// A Python dict: shared and mutable, insertion-ordered (`dict.rs`).
    Dict(PyDict),
    /// What a dict's `keys()`, `values()` and `items()` return: a live view of the dict, an
    /// object of its own.
    DictView(PyDict, ViewKind, ViewId),
    /// A `tf.Tensor` (EagerTensor).
    Tensor(Val),
    /// A NumPy `ndarray` (0-d ones included); never traced by a tape. Shared as NumPy's
    /// arrays are: `b = a` and a list holding `a` see `b[0] = 1` and `a -= 1`.
    Array(NdArray),
    /// A NumPy scalar (`np.float32(0.5)`, what `np.sum` or `x.numpy()` of a scalar give).
    NpScalar(Tensor),
    /// A `tf.Variable`, by its id in the workspace.
    Variable(Arc<str>),
    /// What `assign`, `assign_add` and `assign_sub` return: the same variable, which prints
    /// as `<tf.Variable 'UnreadVariable' ...>`.
    UnreadVariable(Arc<str>),
    IndexedSlices(Arc<Slices>),
    Tape(TapeId),
    /// What `tape.stop_recording()` returns: a context manager pausing the tape.
    StopRecording(TapeId),
    Function(Arc<Function>),
    /// A module or namespace: `tf`, `tf.math`, `np`, `tf.UnconnectedGradients`.
    Module(Arc<str>),
    /// A function of a module or a builtin, by its full path (`tf.reduce_sum`, `print`).
    Builtin(Arc<str>),
    /// A method bound to its receiver (`W.assign_sub`, `g.gradient`, `xs.append`).
    Method(Arc<(Value, String)>),
    DType(DType),
    NpDType(DType),
    /// A `TensorShape`.
    Shape(Vec<usize>),
    Range(i64, i64, i64),
    Ellipsis,
    /// `tf.UnconnectedGradients.ZERO` (true) or `.NONE` (false).
    Unconnected(bool),
    /// What `type(x)` gives: only its `__name__` is readable.
    Type(Arc<str>),
    /// A one-pass iterator: what `zip`, `enumerate`, `map` and `reversed` return.
    Iter(Arc<super::iterator::PyIter>),
    /// A `tf.compat.v1.Dimension` of a known size, as `x.shape.dims` lists them: an int to
    /// `__index__`, arithmetic and comparisons (`arith/dimension.rs`), printed `Dimension(2)`.
    Dimension(i64),
    /// An exception object (`except ... as e`, `ValueError("x")`; `exceptions.rs`).
    Exception(Arc<super::exceptions::PyException>),
    /// A Keras loss or optimizer object (`keras_object.rs`).
    Keras(super::keras_object::KerasRef),
    /// What `t.ref()` or `v.ref()` returns (TensorFlow's `Reference`): the tensor or variable,
    /// hashable and compared by that object's identity (`dict::ref_key`).
    Ref(Arc<Value>),
}

/// A NumPy array object: its contents change in place (item assignment, `+=`), and every
/// name and list holding it sees the change. A view (basic indexing, `.T`, a reshape of
/// contiguous elements) holds no elements of its own: it reads and writes some of its base
/// array's, as NumPy's views do, so a write through either shows in both.
#[derive(Clone, Debug)]
pub struct NdArray {
    base: Arc<Mutex<Tensor>>,
    view: Option<Arc<View>>,
    /// NumPy's `flags.writeable` cleared: `np.asarray` of an eager tensor views TensorFlow's
    /// buffer read-only, and every view of it is read-only too.
    read_only: bool,
}

/// Which elements of the base a view holds: their flat offsets in the view's own row-major
/// order, and the view's shape.
#[derive(Debug)]
struct View {
    offsets: Vec<usize>,
    shape: Vec<usize>,
}

impl NdArray {
    /// An address that stands for the array object in a repr (Python's `id`): the view's, or
    /// the base's for the array that owns its data.
    pub fn address(&self) -> usize {
        match &self.view {
            Some(v) => Arc::as_ptr(v) as *const u8 as usize,
            None => Arc::as_ptr(&self.base) as *const u8 as usize,
        }
    }

    pub fn new(t: Tensor) -> NdArray {
        NdArray {
            base: Arc::new(Mutex::new(t)),
            view: None,
            read_only: false,
        }
    }

    /// An array no write may change (`np.asarray` of an eager tensor).
    pub fn read_only(t: Tensor) -> NdArray {
        NdArray {
            read_only: true,
            ..NdArray::new(t)
        }
    }

    /// Whether no write may change it (NumPy's `flags.writeable` cleared).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// NumPy's ValueError for a write into a read-only array, in the words of the operation
    /// that writes (`assignment destination is read-only`, `output array is read-only`).
    pub fn check_writable(&self, refusal: &str) -> Result<(), super::raise::Raise> {
        match self.read_only {
            true => Err(super::raise::Raise::value_error(refusal)),
            false => Ok(()),
        }
    }

    fn base_tensor(&self) -> std::sync::MutexGuard<'_, Tensor> {
        self.base.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The array's current contents (a cheap copy for a base: the engine's tensors share
    /// their buffers; a view gathers its elements).
    pub fn get(&self) -> Tensor {
        let base = self.base_tensor().clone();
        match &self.view {
            None => base,
            Some(v) => base.take_flat(&v.offsets, &v.shape),
        }
    }

    /// Replaces the contents in place (of the same shape: item assignment and `+=` keep it);
    /// a view writes its elements into its base.
    pub fn set(&self, t: Tensor) {
        let mut base = self.base_tensor();
        match &self.view {
            None => *base = t,
            Some(v) => *base = base.put_flat(&v.offsets, &t),
        }
    }

    /// A view of this array's elements at `offsets` (flat, into this array's own row-major
    /// contents), shaped `shape`; a view of a view reads the same base.
    pub fn view(&self, offsets: &[usize], shape: &[usize]) -> NdArray {
        let offsets = match &self.view {
            None => offsets.to_vec(),
            Some(v) => offsets.iter().map(|&o| v.offsets[o]).collect(),
        };
        NdArray {
            base: self.base.clone(),
            view: Some(Arc::new(View {
                offsets,
                shape: shape.to_vec(),
            })),
            read_only: self.read_only,
        }
    }

    /// This array reshaped: a view where its elements lie one after another in the base (where
    /// NumPy's reshape gives a view), else a new array.
    pub fn reshaped(&self, t: Tensor) -> NdArray {
        let contiguous = match &self.view {
            None => true,
            Some(v) => v.offsets.windows(2).all(|w| w[1] == w[0] + 1),
        };
        if contiguous {
            let offsets: Vec<usize> = (0..t.len()).collect();
            self.view(&offsets, t.shape())
        } else {
            NdArray::new(t)
        }
    }

    /// Of a view: the array it was taken from, and its offsets and shape there.
    pub fn as_view(&self) -> Option<(NdArray, &[usize], &[usize])> {
        let v = self.view.as_ref()?;
        let base = NdArray {
            base: self.base.clone(),
            view: None,
            read_only: self.read_only,
        };
        Some((base, &v.offsets, &v.shape))
    }

    /// Whether both are the same array object (`a is b`).
    pub fn same(&self, other: &NdArray) -> bool {
        Arc::ptr_eq(&self.base, &other.base)
            && match (&self.view, &other.view) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }

    /// The array object's address: one key per object, for keeping sharing across cells.
    pub fn addr(&self) -> usize {
        match &self.view {
            None => Arc::as_ptr(&self.base) as usize,
            Some(v) => Arc::as_ptr(v) as usize,
        }
    }
}

impl Value {
    /// Whether this is a TensorFlow tensor or variable (what a tape can trace), not a Python
    /// or NumPy value.
    pub fn is_tf(&self) -> bool {
        matches!(
            self,
            Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_)
        )
    }

    /// A new NumPy array holding `t`.
    pub fn array(t: Tensor) -> Value {
        Value::Array(NdArray::new(t))
    }

    /// The contents of a NumPy array or scalar.
    pub fn np_contents(&self) -> Option<Tensor> {
        match self {
            Value::Array(a) => Some(a.get()),
            Value::NpScalar(t) => Some(t.clone()),
            _ => None,
        }
    }

    pub fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(PyList::new(items))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(PyTuple::new(items))
    }

    /// `type(x).__name__`.
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "NoneType".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::List(_) => "list".into(),
            Value::Tuple(t) => t.class().map_or("tuple", |c| c.class).into(),
            Value::Dict(_) => "dict".into(),
            Value::DictView(_, kind, _) => kind.name().into(),
            Value::Tensor(_) => "EagerTensor".into(),
            Value::Array(_) => "ndarray".into(),
            Value::NpScalar(t) => np_scalar_name(t.dtype()).into(),
            Value::Variable(_) => "ResourceVariable".into(),
            Value::UnreadVariable(_) => "_UnreadVariable".into(),
            Value::IndexedSlices(_) => "IndexedSlices".into(),
            Value::Tape(_) => "GradientTape".into(),
            Value::StopRecording(_) => "_GeneratorContextManager".into(),
            Value::Function(_) => "function".into(),
            Value::Module(_) => "module".into(),
            // a ufunc, NumPy's dispatcher, a Python function or a C one, as its table says
            Value::Builtin(p) => crate::cells::callable_repr::builtin(p, 0).class,
            // a variable slice's `assign` is a closure TensorFlow attaches to the tensor
            Value::Method(m) if matches!(&**m, (Value::Tensor(_), n) if n == "assign") => {
                "function".into()
            }
            Value::Method(_) => "method".into(),
            Value::DType(_) => "DType".into(),
            // NumPy 1.26's class of each dtype: `numpy.dtypes.Float64DType`
            Value::NpDType(d) => format!("{}DType", dtype_class_stem(*d)),
            Value::Shape(_) => "TensorShape".into(),
            Value::Range(..) => "range".into(),
            Value::Ellipsis => "ellipsis".into(),
            Value::Unconnected(_) => "UnconnectedGradients".into(),
            Value::Type(_) => "type".into(),
            Value::Iter(p) => p.name.into(),
            Value::Dimension(_) => "Dimension".into(),
            Value::Exception(e) => e.class.name.into(),
            Value::Keras(k) => super::keras_object::lock(k).class().into(),
            Value::Ref(_) => "Reference".into(),
        }
    }

    /// Python's truth value; tensors of one element as TensorFlow's `__bool__` reads them.
    pub fn truthy(&self) -> Result<bool, Raise> {
        Ok(match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !lock(l).is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) | Value::DictView(d, _, _) => !d.is_empty(),
            Value::Range(a, b, s) => range_len(*a, *b, *s) > 0,
            Value::Tensor(v) => tensor_truth(&v.tensor)?,
            Value::Array(a) => tensor_truth(&a.get())?,
            Value::NpScalar(t) => tensor_truth(t)?,
            Value::Dimension(n) => *n != 0,
            _ => true,
        })
    }

    /// How many items a list, tuple or range has, without copying them (`len`, indexing).
    pub fn seq_len(&self) -> Option<usize> {
        match self {
            Value::List(l) => Some(lock(l).len()),
            Value::Tuple(t) => Some(t.len()),
            Value::Range(a, b, s) => Some(range_len(*a, *b, *s).max(0) as usize),
            _ => None,
        }
    }

    /// Item `k` of a list, tuple or range, without copying the others.
    pub fn item_at(&self, k: usize) -> Option<Value> {
        match self {
            Value::List(l) => lock(l).get(k).cloned(),
            Value::Tuple(t) => t.get(k).cloned(),
            Value::Range(a, b, s) => {
                let k = i64::try_from(k).ok()?;
                (k < range_len(*a, *b, *s)).then(|| Value::Int(a + k * s))
            }
            _ => None,
        }
    }

    /// The items of a Python sequence (lists, tuples, ranges), for `for`, unpacking and `list()`.
    pub fn items(&self) -> Option<Vec<Value>> {
        match self {
            Value::List(l) => Some(lock(l).clone()),
            Value::Tuple(t) => Some(t.to_vec()),
            Value::Range(a, b, s) => {
                let n = range_len(*a, *b, *s);
                // a range longer than any tensor or list can hold is not listed (`for`, `in`
                // and `list()` read ranges without listing them, or refuse them first)
                if n > 1 << 24 {
                    return None;
                }
                Some((0..n).map(|k| Value::Int(a + k * s)).collect())
            }
            _ => None,
        }
    }
}

/// The stem of the class NumPy 1.26 gives a dtype object: `Float64`, `Bool`.
fn dtype_class_stem(d: DType) -> String {
    let name = d.name();
    let mut cs = name.chars();
    cs.next()
        .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
        .unwrap_or_default()
}

/// NumPy's scalar type name for a dtype: `float32`, `int64`, `bool_`.
pub fn np_scalar_name(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool_",
        _ => d.name(),
    }
}

/// A list's items; a poisoned lock (a panic elsewhere) still holds valid values.
pub fn lock(l: &Mutex<Vec<Value>>) -> std::sync::MutexGuard<'_, Vec<Value>> {
    l.lock().unwrap_or_else(|e| e.into_inner())
}

/// How many values `range(a, b, s)` yields.
pub fn range_len(a: i64, b: i64, s: i64) -> i64 {
    if s > 0 && b > a {
        (b - a - 1) / s + 1
    } else if s < 0 && a > b {
        (a - b - 1) / (-s) + 1
    } else {
        0
    }
}

/// NumPy's truth of an array, which a tensor's `__bool__` reads through `.numpy()`: an empty
/// one is False (NumPy 1.26 only warns), more than one element is ambiguous.
fn tensor_truth(t: &Tensor) -> Result<bool, Raise> {
    match t.len() {
        0 => Ok(false),
        1 => Ok(t.to_f64_vec()[0] != 0.0),
        _ => Err(Raise::new(
            RaiseKind::ValueError,
            "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()",
        )),
    }
}
