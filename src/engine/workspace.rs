//! A TensorFlow eager context: named tensors and variables over one `Ctx` and its tapes.
//! `/v1/evaluate` runs a program in a fresh workspace; a session keeps one.

use std::collections::{BTreeMap, HashMap};

use smallvec::SmallVec;

use super::autodiff::{Ctx, TapeId, Val};
use super::error::{arg_err, Code, Error, Result};
use super::lit::{tensor_from_lit, Lit};
use super::ops::{registry, Attrs, Op, RandomKernels};
use super::tensor::Tensor;
use super::Limits;

/// A node's, input's or op's name. Programs name things in a few characters: held
/// inline up to 24 bytes, such a name costs no allocation when a body is decoded, nor when a
/// node's result is bound. It is serialized as a string, so stored sessions read the same.
pub type Name = compact_str::CompactString;

/// One node of a graph: `{"name", "op", "inputs", ...attributes}`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NodeSpec {
    pub name: Option<Name>,
    pub op: Name,
    pub inputs: Vec<Input>,
    pub attrs: Vec<(String, Lit)>,
}

/// An input: the name of an earlier value, or an inline (weakly typed) literal.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Input {
    Name(Name),
    Literal(Lit),
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Variable {
    /// Every read of a variable has this one id, so a tape traces the variable, not a copy.
    pub val: Val,
    pub trainable: bool,
    pub name: String,
}

impl Variable {
    /// The name as TensorFlow's `.name` reads it, with the output suffix (`W:0`): a variable
    /// made by a request keeps the name it was given, one made by a cell keeps TensorFlow's.
    pub fn tf_name(&self) -> String {
        if self.name.ends_with(":0") {
            self.name.clone()
        } else {
            format!("{}:0", self.name)
        }
    }

    /// The name as it was given (`W`), without TensorFlow's output suffix.
    pub fn given_name(&self) -> &str {
        self.name.strip_suffix(":0").unwrap_or(&self.name)
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Binding {
    Tensor(Val),
    /// A name bound to a variable (by its id), as Python binds `W = tf.Variable(...)`.
    Variable(String),
    /// A name bound to None, as `dW = g.gradient(L, U)` binds it when U is not connected.
    None,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Workspace {
    pub ctx: Ctx,
    names: HashMap<Name, Binding, NameHasher>,
    /// Variables by id: names need not be unique (TensorFlow allows two named `w`), ids are.
    vars: BTreeMap<String, Variable>,
    /// Names that are int32 only because their literal had no decimal point (`[1, 0]`), with
    /// the literal as written: a dtype_mismatch on them says so, since JSON clients (Swagger
    /// UI, `jq -c`, JavaScript) turn `1.0` into `1` without asking.
    #[serde(skip, default)]
    int_literals: HashMap<String, String>,
    /// Where each seeded random node's kernel stands (a session stores it after its other
    /// parts, `sessions/codec.rs`).
    #[serde(skip, default)]
    pub random_kernels: RandomKernels,
}

/// The workspace's name table hasher (see `foldhash` in Cargo.toml).
type NameHasher = foldhash::fast::RandomState;

/// Longest name accepted for a node, variable or tensor.
pub const MAX_NAME_BYTES: usize = 256;

/// Refuses names that would bloat every error message. An empty name is a name, as it is to
/// TensorFlow (`tf.Variable(1.0, name="")`, a dict key `""`).
pub fn check_name(name: &str) -> Result<()> {
    if name.len() > MAX_NAME_BYTES {
        let head: String = name.chars().take(24).collect();
        return Err(arg_err(format!(
            "the name \"{head}...\" is {} bytes long; names are at most {MAX_NAME_BYTES}",
            name.len()
        )));
    }
    Ok(())
}

/// TensorFlow's error for a None passed where a tensor goes (an op input, a target, a source).
/// Why the name is None is the session's to add (`sessions::none_why`).
pub fn is_none(name: &str) -> Error {
    arg_err(format!(
        "\"{name}\" is None, and None is not a tensor. TensorFlow: Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) to a Tensor."
    ))
}

pub fn unknown(name: &str) -> Error {
    if matches!(name, "NaN" | "Infinity" | "-Infinity") {
        return Error::new(
            Code::UnknownTensor,
            format!("\"{name}\" as an input is read as a name; to pass the number, write it as a literal: [\"{name}\"] or {{\"value\": \"{name}\"}}"),
        );
    }
    let name: String = if name.len() > MAX_NAME_BYTES {
        name.chars().take(64).chain("...".chars()).collect()
    } else {
        name.to_string()
    };
    Error::new(
        Code::UnknownTensor,
        format!("\"{name}\" names nothing defined before this point; define it earlier (a variable, a setup node or a graph node)"),
    )
}

impl Workspace {
    pub fn new(limits: Limits) -> Workspace {
        Workspace {
            int_literals: HashMap::new(),
            ctx: Ctx::new(limits),
            names: HashMap::default(),
            vars: BTreeMap::new(),
            random_kernels: RandomKernels::default(),
        }
    }

    /// Room for a program of `values` named values: the name table and the provenance records
    /// (a value's op, its reads and its gradient's ops) are sized once instead of growing.
    pub fn reserve(&mut self, values: usize) {
        self.names.reserve(values);
        self.ctx.prov.reserve(4 * values);
    }

    pub fn contains(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }

    pub fn binding(&self, name: &str) -> Option<&Binding> {
        self.names.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = (&Name, &Binding)> {
        self.names.iter()
    }

    pub fn bind(&mut self, name: &str, v: Val) {
        self.names.insert(Name::from(name), Binding::Tensor(v));
    }

    /// Binds a node's result: a node whose result is a variable itself (a cast to the
    /// variable's own dtype, which TensorFlow answers with the variable) binds that variable.
    /// The name is `run_node`'s own string, kept as the key. Whether the name was unbound
    /// before (a program refuses a name bound twice; a session rebinds it).
    pub fn bind_node(&mut self, name: Name, v: Val) -> bool {
        let var = self.vars.iter().find(|(_, var)| var.val.id == v.id);
        let binding = match var.map(|(id, _)| id.clone()) {
            Some(id) => Binding::Variable(id),
            None => Binding::Tensor(v),
        };
        self.names.insert(name, binding).is_none()
    }

    /// Binds `name` to the variable with id `id` (a cell's `W2 = W` binds one variable twice).
    pub fn bind_variable(&mut self, name: &str, id: &str) {
        self.names
            .insert(Name::from(name), Binding::Variable(id.to_string()));
    }

    /// Binds `name` to None, as Python's `dW = g.gradient(L, U)` does for an unconnected U.
    pub fn bind_none(&mut self, name: &str) {
        self.names.insert(Name::from(name), Binding::None);
    }

    pub fn remove(&mut self, name: &str) -> Option<Binding> {
        self.names.remove(name)
    }

    /// `tf.Variable(value, trainable=..., name=...)` with id `id`, bound to `bind`.
    pub fn add_variable(
        &mut self,
        bind: &str,
        id: &str,
        value: Tensor,
        trainable: bool,
        name: &str,
    ) -> Val {
        let val = self.ctx.constant(value);
        self.vars.insert(
            id.to_string(),
            Variable {
                val: val.clone(),
                trainable,
                name: name.to_string(),
            },
        );
        self.names
            .insert(Name::from(bind), Binding::Variable(id.to_string()));
        val
    }

    pub fn variable(&self, id: &str) -> Option<&Variable> {
        self.vars.get(id)
    }

    /// Whether `v` is a variable's own value (its handle, to a tape), not a tensor.
    pub fn is_variable_value(&self, v: &Val) -> bool {
        self.vars.values().any(|var| var.val.id == v.id)
    }

    pub fn variables(&self) -> impl Iterator<Item = (&String, &Variable)> {
        self.vars.iter()
    }

    /// Replaces a variable's value in place (same id), as `assign` does.
    pub fn assign(&mut self, id: &str, value: Tensor) -> Result<()> {
        let v = self
            .vars
            .get_mut(id)
            .ok_or_else(|| arg_err(format!("\"{id}\" is not a variable")))?;
        v.val.tensor = std::sync::Arc::new(value);
        Ok(())
    }

    /// What a name stands for, by the one rule every route follows: a bound name first (a
    /// tensor, a variable, or None), then a variable id.
    fn lookup(&self, name: &str) -> Result<(&Val, Option<&Variable>)> {
        let var = |id: &str| self.vars.get(id).map(|v| (&v.val, Some(v)));
        match self.names.get(name) {
            Some(Binding::Tensor(v)) => Ok((v, None)),
            Some(Binding::Variable(id)) => var(id).ok_or_else(|| unknown(name)),
            Some(Binding::None) => Err(is_none(name)),
            None => var(name).ok_or_else(|| unknown(name)),
        }
    }

    /// The current value behind a name, without counting as an access by a tape.
    pub fn value(&self, name: &str) -> Result<&Val> {
        self.lookup(name).map(|(v, _)| v)
    }

    /// The value a request names (a target or source), with the name attributed on error.
    pub fn value_of(&self, name: &str) -> Result<Val> {
        self.value(name).cloned().map_err(|e| e.at(Some(name)))
    }

    /// `value_of` for each of a request's names.
    pub fn values_of(&self, names: &super::program::Names) -> Result<Vec<Val>> {
        names.list().into_iter().map(|n| self.value_of(n)).collect()
    }

    /// Reads a name as an op input: a trainable variable read while a tape records is
    /// watched by that tape (unless it was opened with watch_accessed_variables=false).
    fn read(&mut self, name: &str) -> Result<Val> {
        let (val, var) = self.lookup(name)?;
        let (val, is_var) = (val.clone(), var.is_some());
        let auto = var.is_some_and(|v| v.trainable);
        if auto {
            for id in self.ctx.recording_tapes() {
                if self
                    .ctx
                    .tape(id)
                    .is_some_and(|t| t.watch_accessed_variables)
                {
                    self.ctx.watch_variable(id, &val)?;
                }
            }
        }
        // A read no recording tape watches is a new tensor, as TensorFlow's ReadVariableOp
        // makes one: watching the variable afterwards does not link this earlier read.
        if is_var && !self.ctx.traced_by_a_recording_tape(&val) {
            let read = self.ctx.constant(val.tensor.as_ref().clone());
            // the read still comes from the variable: why-null notes follow it back
            let float = read.tensor.dtype().is_float();
            let identity = super::ops::Op::Unary(super::ops::Unary::Identity);
            self.ctx.prov.record(read.id, &identity, &[&val], float);
            return Ok(read);
        }
        Ok(val)
    }

    /// `tape.watch(name)` on one tape, or on every recording tape.
    pub fn watch(&mut self, tape: Option<TapeId>, name: &str) -> Result<()> {
        let (v, var) = self.lookup(name)?;
        let (v, var) = (v.clone(), var.is_some());
        let tapes = match tape {
            Some(id) => vec![id],
            None => self.ctx.recording_tapes().to_vec(),
        };
        for id in tapes {
            // a variable's handle, of a trainable dtype whatever the variable holds
            match var {
                true => self.ctx.watch_variable(id, &v)?,
                false => self.ctx.watch(id, &v)?,
            }
        }
        Ok(())
    }

    /// Runs one node; returns its name and value (a `watch` node returns None).
    pub fn run_node(&mut self, node: &NodeSpec) -> Result<Option<(Name, Val)>> {
        let at = node.name.as_deref();
        // one registry lookup gives the canonical name and the family that parses it
        let def = registry::lookup(&node.op);
        let op_name = def.map_or(node.op.as_str(), |d| d.name);
        if op_name == "watch" {
            if self.ctx.recording_tapes().is_empty() {
                return Err(arg_err("watch only means something while a tape records: put it in \"graph\", not \"setup\"").at(at));
            }
            for input in &node.inputs {
                match input {
                    Input::Name(n) => self.watch(None, n).map_err(|e| e.at(at))?,
                    Input::Literal(_) => {
                        return Err(arg_err(
                            "watch takes names of tensors or variables, not literals",
                        )
                        .at(at))
                    }
                }
            }
            return Ok(None);
        }
        let attrs = Attrs::new(op_name, &node.attrs);
        let mut op = Op::parse_in(def.map(|d| d.family), op_name, &attrs, &self.ctx.limits)
            .map_err(|e| e.at(at))?;
        let kernel = match &mut op {
            Op::Create(c) => self.random_kernels.resume(c),
            _ => None,
        };
        let Some(name) = at else {
            return Err(arg_err(format!(
                "a {op_name} node needs a \"name\" so its result can be used"
            )));
        };
        check_name(name)?;
        if let Some(var) = self.cast_to_own_dtype(&op, &node.inputs) {
            return Ok(Some((name.into(), var)));
        }
        // A node takes a few inputs: their values and references stay on the stack, each value
        // moved once (the vector is some 450 bytes, and copying it cost more than a heap one).
        // Names are read first, in order; literals then become constants in order.
        let mut vals: SmallVec<[Val; 4]> = SmallVec::new();
        for input in &node.inputs {
            if let Input::Name(n) = input {
                vals.push(self.read(n).map_err(|e| e.at(at))?);
            }
        }
        if vals.len() < node.inputs.len() {
            // Python scalars and lists take the dtype of the first non-bool tensor operand.
            let hint = vals
                .iter()
                .map(|v| v.tensor.dtype())
                .find(|d| *d != super::dtype::DType::Bool);
            let mut named = std::mem::take(&mut vals).into_iter();
            for input in &node.inputs {
                let v = match input {
                    Input::Name(_) => named.next().expect("every name was read above"),
                    Input::Literal(lit) => {
                        let t = tensor_from_lit(lit, hint, self.ctx.limits.max_tensor_elements)
                            .map_err(|e| e.at(at))?;
                        self.ctx.constant(t)
                    }
                };
                vals.push(v);
            }
        }
        op.check_arity(vals.len()).map_err(|e| e.at(at))?;
        let refs: SmallVec<[&Val; 4]> = vals.iter().collect();
        let out = match self.resource_gather(&op, &node.inputs) {
            true => self.ctx.apply_resource(&op, &refs),
            false => self.ctx.apply_owned(op, &refs),
        }
        .map_err(|e| self.literal_hint(e, &node.inputs).at(at))?;
        if let Some(k) = kernel {
            self.random_kernels.advance(k, out.tensor.len());
        }
        if op_name == "constant" && !node.attrs.iter().any(|(k, _)| k == "dtype") {
            if let Some((_, lit)) = node.attrs.iter().find(|(k, _)| k == "value") {
                self.note_int_literal(name, lit, out.tensor.dtype());
            }
        }
        Ok(Some((name.into(), out)))
    }

    /// Whether a node is a variable's own `ResourceGather`: TensorFlow's `tf.gather(v, i,
    /// axis=0)` of a variable calls `v.sparse_read(i)` (any other axis gathers from a read).
    fn resource_gather(&self, op: &Op, inputs: &[Input]) -> bool {
        let gather = matches!(op, Op::Shape(super::ops::ShapeOp::Gather { axis: 0 }));
        gather
            && matches!(inputs.first(), Some(Input::Name(n)) if matches!(self.lookup(n), Ok((_, Some(_)))))
    }

    /// `tf.cast(v, v.dtype)` of a variable is the variable itself, not a read of it (no tape
    /// watches it for the cast): the variable's own value, which `bind_node` binds as it.
    fn cast_to_own_dtype(&self, op: &Op, inputs: &[Input]) -> Option<Val> {
        let Op::Logic(super::ops::Logic::Cast(dtype)) = op else {
            return None;
        };
        let [Input::Name(n)] = inputs else {
            return None;
        };
        match self.lookup(n) {
            Ok((val, Some(_))) if val.tensor.dtype() == *dtype => Some(val.clone()),
            _ => None,
        }
    }

    /// TensorFlow's `jacobian` and `batch_jacobian` read a variable target while they make the
    /// tape record (and every other recording tape sees the read): a trainable one is then
    /// watched by each that watches accessed variables, so `jacobian(W, W)` is the identity.
    pub fn watch_variable_target(&mut self, tape: TapeId, target: &str) {
        self.watch_accessed(target, Some(tape));
    }

    /// `unconnected_gradients="zero"`: TensorFlow fills a None with `zeros_like(source)`,
    /// which reads a variable source: a recording tape that watches accessed variables
    /// watches that read, and then records the zeros, which it can differentiate by.
    pub fn fill_unconnected(
        &mut self,
        grads: Vec<Option<Val>>,
        sources: &super::program::Names,
        ss: &[Val],
        zero: bool,
    ) -> Vec<Option<Val>> {
        if zero {
            for (name, g) in sources.list().into_iter().zip(&grads) {
                if g.is_none() {
                    self.watch_accessed(name, None);
                }
            }
        }
        super::autodiff::fill_unconnected(&mut self.ctx, grads, ss, zero)
    }

    /// A trainable variable `name` read outside an op: every recording tape (and `also`) that
    /// watches accessed variables and is not used up watches it; a name that is no trainable
    /// variable is left alone.
    fn watch_accessed(&mut self, name: &str, also: Option<TapeId>) {
        let Ok((val, Some(var))) = self.lookup(name) else {
            return;
        };
        if !var.trainable {
            return;
        }
        let val = val.clone();
        let mut tapes = self.ctx.recording_tapes();
        tapes.extend(also);
        for t in tapes {
            let watches = self
                .ctx
                .tape(t)
                .is_some_and(|t| t.watch_accessed_variables && !t.exhausted);
            if watches {
                let _ = self.ctx.watch_variable(t, &val);
            }
        }
    }

    /// Remembers that `name` is int32 because `lit` (given without a dtype) has no decimal point.
    pub fn note_int_literal(&mut self, name: &str, lit: &Lit, dtype: super::dtype::DType) {
        if dtype == super::dtype::DType::I32 && super::lit::lit_kind(lit).is_some() {
            self.int_literals
                .insert(name.to_string(), short_literal(lit));
        }
    }

    /// A dtype_mismatch on an input that is int32 only because of its literal's spelling
    /// says how to write it as a float.
    fn literal_hint(&self, mut e: super::error::Error, inputs: &[Input]) -> super::error::Error {
        if e.code != super::error::Code::DtypeMismatch {
            return e;
        }
        for input in inputs {
            if let Input::Name(n) = input {
                if let Some(lit) = self.int_literals.get(n.as_str()) {
                    e.detail = format!(
                        "{}; {n} is int32 because {lit} has no decimal point: write 1.0 rather than 1, or give \"dtype\": \"float32\"",
                        e.detail
                    );
                    break;
                }
            }
        }
        e
    }
}

/// A literal as a student wrote it, cut short: `[1, 0]`, `[[1, 0], [0, 1]]`, `[1, 2, 3, ...]`.
fn short_literal(lit: &Lit) -> String {
    fn go(l: &Lit, out: &mut String, budget: &mut usize) {
        if *budget == 0 {
            return;
        }
        match l {
            Lit::Int(i) => {
                *budget -= 1;
                out.push_str(&i.to_string());
            }
            Lit::List(items) => {
                out.push('[');
                for (k, it) in items.iter().enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    if *budget == 0 {
                        out.push_str("...");
                        break;
                    }
                    go(it, out, budget);
                }
                out.push(']');
            }
            _ => out.push_str("..."),
        }
    }
    let mut out = String::new();
    go(lit, &mut out, &mut 8);
    out
}
