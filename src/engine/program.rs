//! One `/v1/evaluate` program: variables, setup, a tape over the graph, outputs, and the
//! gradient / jacobian / batch_jacobian / hessian requests, answered in order.

use super::autodiff::Val;
use super::dtype::DType;
use super::error::{arg_err, limit_err, Code, Error, Result};
use super::lit::{lit_kind, tensor_from_lit, Lit};
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
    },
    Jacobian {
        target: String,
        sources: Names,
        zero: bool,
    },
    BatchJacobian {
        target: String,
        source: String,
        zero: bool,
    },
    Hessian {
        target: String,
        sources: Names,
    },
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
            let op = super::ops::canonical_name(&n.op);
            has_matmul |= matches!(op, "matmul" | "matvec" | "tensordot");
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
            outputs.push((o.clone(), ws.value(o).map_err(|e| e.at(Some(o)))?.t.clone()));
        }
        let mut results = Vec::with_capacity(self.requests.len());
        for r in &self.requests {
            results.push(self.answer(&mut ws, tape, r, limits)?);
        }
        Ok(Evaluation { outputs, results })
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

    fn answer(
        &self,
        ws: &mut Workspace,
        tape: usize,
        r: &Request,
        limits: &Limits,
    ) -> Result<Answer> {
        // A name that does not exist fails the whole program; anything else fails this request.
        let answer = match r {
            Request::Gradient {
                target,
                sources,
                output_gradients,
                zero,
            } => {
                let (ts, ss) = (ws.values_of(target)?, ws.values_of(sources)?);
                let computed = output_grads(target, output_gradients, &ts, limits)
                    .and_then(|og| ws.ctx.gradient(tape, &ts, &ss, og, *zero));
                computed.map(|g| {
                    Answer::Gradient(sources.shape(g.into_iter().map(|v| v.map(|v| v.t)).collect()))
                })
            }
            Request::Jacobian {
                target,
                sources,
                zero,
            } => {
                let (t, ss) = (ws.value_of(target)?, ws.values_of(sources)?);
                ws.ctx
                    .jacobian(tape, &t, &ss, *zero)
                    .map(|j| Answer::Jacobian(sources.shape(j)))
            }
            Request::BatchJacobian {
                target,
                source,
                zero,
            } => {
                let (t, s) = (ws.value_of(target)?, ws.value_of(source)?);
                ws.ctx
                    .batch_jacobian(tape, &t, &s, *zero)
                    .map(Answer::BatchJacobian)
            }
            Request::Hessian { target, sources } => {
                ws.value_of(target)?;
                ws.values_of(sources)?;
                let mut out = Vec::new();
                let mut failed = None;
                for s in sources.list() {
                    match self.hessian(target, s, limits) {
                        Ok(h) => out.push(h),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                match failed {
                    Some(e) => Err(e),
                    None => Ok(Answer::Hessian(sources.shape(out))),
                }
            }
        };
        match answer {
            Ok(a) => Ok(a),
            Err(e) if e.code == Code::LimitExceeded => Err(e),
            Err(e) => Ok(Answer::Error(e)),
        }
    }

    /// Second derivatives as TensorFlow takes them: the program runs again under an outer and
    /// an inner persistent tape; the inner gradient, recorded by the outer tape, is then
    /// differentiated by the outer tape's Jacobian. The request's own tape is not used.
    fn hessian(&self, target: &str, source: &str, limits: &Limits) -> Result<Option<Tensor>> {
        let mut ws = Workspace::new(limits.clone());
        self.define_variables(&mut ws)?;
        let outer = ws.ctx.open_tape(true, true);
        let inner = ws.ctx.open_tape(true, true);
        run_nodes(&mut ws, &self.setup)?;
        for w in &self.tape.watch {
            ws.watch(None, w)?;
        }
        run_nodes(&mut ws, &self.graph)?;
        ws.ctx.stop_tape(inner)?;
        let (t, s) = (ws.value(target)?.clone(), ws.value(source)?.clone());
        let g = ws
            .ctx
            .gradient(inner, &[t], std::slice::from_ref(&s), None, false)?
            .pop()
            .flatten();
        ws.ctx.stop_tape(outer)?;
        match g {
            None => Ok(None),
            Some(g) => Ok(ws.ctx.jacobian(outer, &g, &[s], false)?.pop().flatten()),
        }
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
    for n in nodes {
        if let Some(name) = &n.name {
            if ws.contains(name) && n.op != "watch" {
                // Unknown ops are reported before duplicates, as the reference does.
                let op = super::ops::canonical_name(&n.op);
                let attrs = super::ops::Attrs::new(op, &n.attrs);
                super::ops::Op::parse(op, &attrs, &ws.ctx.limits).map_err(|e| e.at(Some(name)))?;
                return Err(duplicate(name));
            }
        }
        if let Some((name, v)) = ws.run_node(n)? {
            ws.bind(&name, v);
        }
    }
    Ok(())
}

/// `output_gradients`: one literal per target, typed as its target.
pub fn output_grads(
    target: &Names,
    og: &Option<Lit>,
    ts: &[Val],
    limits: &Limits,
) -> Result<Option<Vec<Tensor>>> {
    let Some(og) = og else { return Ok(None) };
    let lits: Vec<&Lit> = match (target, og) {
        (Names::One(_), l) => vec![l],
        (Names::Many(_), Lit::List(items)) if items.len() == ts.len() => items.iter().collect(),
        (Names::Many(_), _) => {
            return Err(arg_err(format!(
                "output_gradients must be a list of {} tensors, one per target",
                ts.len()
            )));
        }
    };
    lits.into_iter()
        .zip(ts)
        .map(|(l, t)| {
            if matches!(lit_kind(l), Some(super::lit::Kind::Float)) && !t.t.dtype().is_float() {
                return Err(super::error::dtype_err(
                    "output_gradients: a float gradient for an integer target",
                ));
            }
            let og = tensor_from_lit(l, Some(t.t.dtype()), limits.max_tensor_elements)?;
            if og.dtype() != t.t.dtype() {
                return Err(super::error::dtype_err(format!(
                    "output_gradients is {} but its target is {}; give it the target's dtype",
                    og.dtype(),
                    t.t.dtype()
                )));
            }
            Ok(og)
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}
