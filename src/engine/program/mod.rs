//! One `/v1/evaluate` program: variables, setup, a tape over the graph, outputs, and the
//! gradient / jacobian / batch_jacobian / hessian requests, answered in order.

mod answer;

pub use answer::output_grads;

use super::dtype::DType;
use super::error::{limit_err, Code, Error, Result};
use super::explain::numcheck::Check;
use super::explain::Note;
use super::lit::{tensor_from_lit, Lit};
use super::tensor::Tensor;
use super::workspace::{NodeSpec, Workspace};
use super::Limits;

#[derive(Clone, Debug, PartialEq)]
pub struct VarSpec {
    pub name: String,
    pub value: Lit,
    pub dtype: Option<String>,
    pub trainable: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TapeSpec {
    pub persistent: bool,
    pub watch_accessed_variables: bool,
    pub watch: Vec<String>,
}

impl Default for TapeSpec {
    fn default() -> TapeSpec {
        TapeSpec {
            persistent: false,
            watch_accessed_variables: true,
            watch: Vec::new(),
        }
    }
}

/// A name or a list of names; results mirror the form asked.
#[derive(Clone, Debug, PartialEq)]
pub enum Names {
    One(String),
    Many(Vec<String>),
}

impl Names {
    pub fn list(&self) -> Vec<&str> {
        match self {
            Names::One(s) => vec![s.as_str()],
            Names::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
    /// Results laid out as the names were asked: one for a name, a list for a list.
    pub fn shape<T>(&self, mut items: Vec<T>) -> Shaped<T> {
        match self {
            Names::One(_) => Shaped::One(items.remove(0)),
            Names::Many(_) => Shaped::Many(items),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Shaped<T> {
    One(T),
    Many(Vec<T>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Gradient {
        target: Names,
        sources: Names,
        output_gradients: Option<Lit>,
        zero: bool,
        /// `"check"`: the step of a numerical check of the answer, if one was asked.
        check: Option<f64>,
    },
    Jacobian {
        target: String,
        sources: Names,
        zero: bool,
        check: Option<f64>,
    },
    /// Unconnected sources are zeros whatever `unconnected_gradients` says, as in TensorFlow;
    /// `zero` ("zero") gives them the source's dtype, "none" the target's.
    BatchJacobian {
        target: String,
        source: String,
        zero: bool,
        check: Option<f64>,
    },
    Hessian {
        target: String,
        sources: Names,
        check: Option<f64>,
    },
}

impl Request {
    /// The step of the numerical check this request asks for, if any.
    pub fn check(&self) -> Option<f64> {
        match self {
            Request::Gradient { check, .. }
            | Request::Jacobian { check, .. }
            | Request::BatchJacobian { check, .. }
            | Request::Hessian { check, .. } => *check,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub variables: Vec<VarSpec>,
    pub setup: Vec<NodeSpec>,
    pub tape: TapeSpec,
    pub graph: Vec<NodeSpec>,
    pub outputs: Vec<String>,
    pub requests: Vec<Request>,
}

#[derive(Clone, Debug)]
pub enum Answer {
    Gradient(Shaped<Option<Tensor>>),
    Jacobian(Shaped<Option<Tensor>>),
    BatchJacobian(Option<Tensor>),
    Hessian(Shaped<Option<Tensor>>),
    Error(Error),
}

#[derive(Clone, Debug)]
pub struct Evaluation {
    pub outputs: Vec<(String, Tensor)>,
    pub results: Vec<Answer>,
    /// Where the forward pass first went non-finite (empty when every value is finite).
    pub notes: Vec<Note>,
    /// Beside each result: why a source's gradient is None, where a gradient went non-finite.
    pub result_notes: Vec<Vec<Note>>,
    /// Beside each result that asked for one: the numerical check.
    pub checks: Vec<Option<Check>>,
}

/// Elements a literal holds, counted without building it.
fn lit_elements(l: &Lit) -> u64 {
    match l {
        Lit::List(items) => items.iter().map(lit_elements).sum::<u64>().max(1),
        Lit::Map(m) => m.iter().map(|(_, v)| lit_elements(v)).sum(),
        Lit::Tensor(t) => t.len() as u64,
        _ => 1,
    }
}

/// Names a product op (matmul, matvec, tensordot). Every name and path of those three ends as
/// its canonical name does (a test checks it), so other names need no registry lookup.
fn is_product(op: &str) -> bool {
    const PRODUCTS: [&str; 3] = ["matmul", "matvec", "tensordot"];
    PRODUCTS.iter().any(|p| op.ends_with(p)) && PRODUCTS.contains(&super::ops::canonical_name(op))
}

impl Program {
    /// A cheap upper-bound guess at the work this program takes, made before running it, in
    /// element-operations: small programs run on the thread that received them (handing work
    /// to another core costs more than they take), large ones go to the compute pool.
    pub fn estimated_work(&self) -> u64 {
        let mut elements: u64 = self.variables.iter().map(|v| lit_elements(&v.value)).sum();
        let mut has_matmul = false;
        for n in self.setup.iter().chain(&self.graph) {
            for input in &n.inputs {
                if let super::workspace::Input::Literal(l) = input {
                    elements += lit_elements(l);
                }
            }
            for (k, v) in &n.attrs {
                elements += match (k.as_str(), v) {
                    ("value", l) => lit_elements(l),
                    // sizes an op will create: shape products, counts, depths, multiples
                    ("shape" | "multiples", Lit::List(ds)) => ds
                        .iter()
                        .map(|d| d.as_f64().unwrap_or(0.0).max(1.0) as u64)
                        .fold(1u64, u64::saturating_mul),
                    ("num" | "depth" | "num_rows" | "limit", l) => {
                        l.as_f64().unwrap_or(0.0).abs() as u64
                    }
                    _ => 0,
                };
            }
            has_matmul |= is_product(&n.op);
        }
        let nodes = (self.setup.len() + self.graph.len() + 1) as u64;
        let mut work = elements.saturating_add(1).saturating_mul(nodes);
        if has_matmul {
            work = work.saturating_mul(((elements as f64).sqrt() as u64).max(1));
        }
        let second_order = self
            .requests
            .iter()
            .any(|r| !matches!(r, Request::Gradient { .. }));
        let requests = self.requests.len() as u64 + 1;
        work.saturating_mul(requests)
            .saturating_mul(if second_order { 16 } else { 1 })
    }

    /// Runs the whole program; a program-level error (422) is `Err`, a request's own error
    /// is an `Answer::Error` in its place.
    pub fn run(&self, limits: &Limits) -> Result<Evaluation> {
        self.run_keeping_values(limits).map(|(ev, _)| ev)
    }

    /// `run`, handing back the workspace that holds every value computed, for a caller that
    /// frees them when it suits it (the server: once the answer is on its way).
    pub fn run_keeping_values(&self, limits: &Limits) -> Result<(Evaluation, Workspace)> {
        let nodes = self.setup.len() + self.graph.len();
        if nodes > limits.max_nodes {
            return Err(limit_err(format!(
                "the program has {nodes} nodes; the limit max_nodes is {}",
                limits.max_nodes
            )));
        }
        if self.requests.len() > limits.max_requests {
            return Err(limit_err(format!(
                "the program has {} requests; the limit max_requests is {}",
                self.requests.len(),
                limits.max_requests
            )));
        }
        let mut ws = Workspace::new(limits.clone());
        ws.reserve(self.variables.len() + nodes);
        self.define_variables(&mut ws)?;
        run_nodes(&mut ws, &self.setup)?;
        let tape = ws
            .ctx
            .open_tape(self.tape.persistent, self.tape.watch_accessed_variables);
        for w in &self.tape.watch {
            ws.watch(Some(tape), w).map_err(|e| e.at(Some(w)))?;
        }
        run_nodes(&mut ws, &self.graph)?;
        ws.ctx.stop_tape(tape)?;

        let mut outputs = Vec::with_capacity(self.outputs.len());
        for o in &self.outputs {
            outputs.push((
                o.clone(),
                ws.value(o)
                    .map_err(|e| e.at(Some(o)))?
                    .tensor
                    .as_ref()
                    .clone(),
            ));
        }
        let mut results = Vec::with_capacity(self.requests.len());
        let mut result_notes = Vec::with_capacity(self.requests.len());
        for r in &self.requests {
            let (answer, notes) = self.answer(&mut ws, tape, r, limits)?;
            results.push(answer);
            result_notes.push(notes);
        }
        let mut ev = Evaluation {
            outputs,
            results,
            notes: Vec::new(),
            result_notes,
            checks: Vec::new(),
        };
        super::explain::evaluate::annotate(self, &mut ev, limits)?;
        Ok((ev, ws))
    }

    /// The program's variables, setup, tape and graph run again in a fresh workspace, for
    /// `explain`: in float64 with `promote_f64`, with `numerics` watching for non-finite
    /// values, and with the value named `perturbed.0` replaced by `perturbed.1` (a variable
    /// from the start, a node's value as soon as it is computed, through an `add` so that a
    /// tape still traces it).
    pub fn replay(
        &self,
        limits: &Limits,
        promote_f64: bool,
        numerics: bool,
        perturbed: Option<(&str, &Tensor)>,
    ) -> Result<(Workspace, usize)> {
        let mut ws = Workspace::new(limits.clone());
        ws.ctx.promote_f64 = promote_f64;
        if numerics {
            ws.ctx.numerics = Some(Box::default());
        }
        self.define_variables(&mut ws)?;
        if let Some((name, t)) = perturbed {
            if ws.variable(name).is_some() {
                ws.assign(name, t.clone())?;
            }
        }
        let run = |ws: &mut Workspace, nodes: &[NodeSpec]| -> Result<()> {
            for n in nodes {
                if let Some((name, v)) = ws.run_node(n)? {
                    let v = match perturbed {
                        Some((p, t)) if *p == name && v.tensor.shape() == t.shape() => {
                            let delta =
                                super::ops::Binary::Sub.forward(t, &v.tensor.cast(t.dtype()))?;
                            let delta = ws.ctx.constant(delta);
                            ws.ctx.add(&v, &delta)?
                        }
                        _ => v,
                    };
                    ws.bind_node(name, v);
                }
            }
            Ok(())
        };
        run(&mut ws, &self.setup)?;
        let tape = ws
            .ctx
            .open_tape(self.tape.persistent, self.tape.watch_accessed_variables);
        for w in &self.tape.watch {
            ws.watch(Some(tape), w)?;
        }
        if let Some(n) = ws.ctx.numerics.as_deref_mut() {
            n.phase = 0;
        }
        run(&mut ws, &self.graph)?;
        ws.ctx.stop_tape(tape)?;
        Ok((ws, tape))
    }

    fn define_variables(&self, ws: &mut Workspace) -> Result<()> {
        for v in &self.variables {
            let at = Some(v.name.as_str());
            super::workspace::check_name(&v.name)?;
            if ws.contains(&v.name) {
                return Err(duplicate(&v.name));
            }
            let dtype = match &v.dtype {
                Some(s) => {
                    Some(DType::parse(s).ok_or_else(|| super::lit::unknown_dtype(s).at(at))?)
                }
                None => None,
            };
            let t = tensor_from_lit(&v.value, dtype, ws.ctx.limits.max_tensor_elements)
                .map_err(|e| e.at(at))?;
            if dtype.is_none() {
                ws.note_int_literal(&v.name, &v.value, t.dtype());
            }
            ws.add_variable(&v.name, &v.name, t, v.trainable, &v.name);
        }
        Ok(())
    }
}

fn duplicate(name: &str) -> Error {
    Error::new(
        Code::DuplicateName,
        format!("the name \"{name}\" is used twice; names are unique across variables and nodes"),
    )
    .at(Some(name))
}

fn run_nodes(ws: &mut Workspace, nodes: &[NodeSpec]) -> Result<()> {
    // A name used twice is found where the node binds it (one lookup of the name, not two); a
    // node that fails is checked for it then, so the error is the one the name check first
    // would give: a program stops at its first error, whatever the failed node did.
    for n in nodes {
        match ws.run_node(n) {
            Ok(Some((name, v))) => {
                if !ws.bind_node(name, v) {
                    let name = n.name.as_deref().expect("a bound node has a name");
                    return Err(duplicate(name));
                }
            }
            Ok(None) => {}
            Err(e) => match &n.name {
                Some(name) if ws.contains(name) && n.op != "watch" => {
                    // Unknown ops are reported before duplicates, as the reference does.
                    let op = super::ops::canonical_name(&n.op);
                    let attrs = super::ops::Attrs::new(op, &n.attrs);
                    super::ops::Op::parse(op, &attrs, &ws.ctx.limits)
                        .map_err(|e| e.at(Some(name)))?;
                    return Err(duplicate(name));
                }
                _ => return Err(e),
            },
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_product;
    use crate::engine::ops::registry;

    #[test]
    fn every_name_of_a_product_op_ends_as_its_canonical_name() {
        for def in registry::all() {
            let product = matches!(def.name, "matmul" | "matvec" | "tensordot");
            for key in [def.name].iter().chain(def.paths).chain(def.aliases) {
                assert_eq!(is_product(key), product, "{key}");
                if product {
                    assert!(key.ends_with(def.name), "{key}");
                }
            }
        }
        assert!(!is_product("tf.nn.matmul") && !is_product("not_a_matvec"));
    }
}
