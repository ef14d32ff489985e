//! A TensorFlow eager context: named tensors and variables over one `Ctx` and its tapes.
//! `/v1/evaluate` runs a program in a fresh workspace; a session keeps one.

use std::collections::HashMap;

use super::autodiff::{Ctx, TapeId, Val};
use super::error::{arg_err, Code, Error, Result};
use super::lit::{tensor_from_lit, Lit};
use super::ops::{canonical_name, Attrs, Op};
use super::tensor::Tensor;
use super::Limits;

/// One node of a graph: `{"name", "op", "inputs", ...attributes}`.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSpec {
    pub name: Option<String>,
    pub op: String,
    pub inputs: Vec<Input>,
    pub attrs: Vec<(String, Lit)>,
}

/// An input: the name of an earlier value, or an inline (weakly typed) literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    Name(String),
    Literal(Lit),
}

#[derive(Clone, Debug)]
pub struct Variable {
    /// Every read of a variable has this one id, so a tape traces the variable, not a copy.
    pub val: Val,
    pub trainable: bool,
    pub name: String,
}

#[derive(Clone, Debug)]
pub enum Binding {
    Tensor(Val),
    Variable(Variable),
}

#[derive(Clone, Debug)]
pub struct Workspace {
    pub ctx: Ctx,
    names: HashMap<String, Binding>,
}

pub fn unknown(name: &str) -> Error {
    Error::new(Code::UnknownTensor, format!("\"{name}\" names nothing defined before this point; define it earlier (a variable, a setup node or a graph node)"))
}

impl Workspace {
    pub fn new(limits: Limits) -> Workspace {
        Workspace {
            ctx: Ctx::new(limits),
            names: HashMap::new(),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.names.contains_key(name)
    }

    pub fn binding(&self, name: &str) -> Option<&Binding> {
        self.names.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = (&String, &Binding)> {
        self.names.iter()
    }

    pub fn bind(&mut self, name: &str, v: Val) {
        self.names.insert(name.to_string(), Binding::Tensor(v));
    }

    pub fn remove(&mut self, name: &str) -> Option<Binding> {
        self.names.remove(name)
    }

    /// `tf.Variable(value, trainable=...)` bound to `key`.
    pub fn add_variable(&mut self, key: &str, value: Tensor, trainable: bool, name: &str) -> Val {
        let val = self.ctx.constant(value);
        self.names.insert(
            key.to_string(),
            Binding::Variable(Variable {
                val: val.clone(),
                trainable,
                name: name.to_string(),
            }),
        );
        val
    }

    /// Replaces a variable's value in place (same id), as `assign` does.
    pub fn assign(&mut self, key: &str, value: Tensor) -> Result<()> {
        let Some(Binding::Variable(v)) = self.names.get_mut(key) else {
            return Err(arg_err(format!("\"{key}\" is not a variable")));
        };
        v.val.t = value;
        Ok(())
    }

    /// The current value behind a name, without counting as an access by a tape.
    pub fn value(&self, name: &str) -> Result<&Val> {
        match self.names.get(name) {
            Some(Binding::Tensor(v)) => Ok(v),
            Some(Binding::Variable(v)) => Ok(&v.val),
            None => Err(unknown(name)),
        }
    }

    /// Reads a name as an op input: a trainable variable read while a tape records is
    /// watched by that tape (unless it was opened with watch_accessed_variables=false).
    fn read(&mut self, name: &str) -> Result<Val> {
        let (val, auto) = match self.names.get(name) {
            Some(Binding::Tensor(v)) => (v.clone(), false),
            Some(Binding::Variable(v)) => (v.val.clone(), v.trainable),
            None => return Err(unknown(name)),
        };
        if auto {
            for id in self.ctx.recording_tapes() {
                if self
                    .ctx
                    .tape(id)
                    .is_some_and(|t| t.watch_accessed_variables)
                {
                    self.ctx.watch(id, &val)?;
                }
            }
        }
        Ok(val)
    }

    /// `tape.watch(name)` on one tape, or on every recording tape.
    pub fn watch(&mut self, tape: Option<TapeId>, name: &str) -> Result<()> {
        let v = self.value(name)?.clone();
        match tape {
            Some(id) => self.ctx.watch(id, &v),
            None => self
                .ctx
                .recording_tapes()
                .into_iter()
                .try_for_each(|id| self.ctx.watch(id, &v)),
        }
    }

    /// Runs one node; returns its name and value (a `watch` node returns None).
    pub fn run_node(&mut self, node: &NodeSpec) -> Result<Option<(String, Val)>> {
        let at = node.name.as_deref();
        let op_name = canonical_name(&node.op);
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
        let attrs = Attrs::new(&op_name, &node.attrs);
        let op = Op::parse(&op_name, &attrs, &self.ctx.limits).map_err(|e| e.at(at))?;
        let Some(name) = at else {
            return Err(arg_err(format!(
                "a {op_name} node needs a \"name\" so its result can be used"
            )));
        };
        let mut vals: Vec<Option<Val>> = Vec::with_capacity(node.inputs.len());
        for input in &node.inputs {
            vals.push(match input {
                Input::Name(n) => Some(self.read(n).map_err(|e| e.at(at))?),
                Input::Literal(_) => None,
            });
        }
        // Python scalars and lists take the dtype of the first non-bool tensor operand.
        let hint = vals
            .iter()
            .flatten()
            .map(|v| v.t.dtype())
            .find(|d| *d != super::dtype::DType::Bool);
        for (slot, input) in vals.iter_mut().zip(&node.inputs) {
            if let Input::Literal(lit) = input {
                let t = tensor_from_lit(lit, hint, self.ctx.limits.max_tensor_elements)
                    .map_err(|e| e.at(at))?;
                *slot = Some(self.ctx.constant(t));
            }
        }
        let vals: Vec<Val> = vals.into_iter().flatten().collect();
        op.check_arity(vals.len()).map_err(|e| e.at(at))?;
        let refs: Vec<&Val> = vals.iter().collect();
        let out = self.ctx.apply(&op, &refs).map_err(|e| e.at(at))?;
        Ok(Some((name.to_string(), out)))
    }
}
