//! Where a value first went non-finite: the first op whose inputs were all finite and whose
//! output was not, in the forward pass or inside a VJP, as `tf.debugging.enable_check_numerics`
//! reports it. Off unless a caller sets `ctx.numerics`: scanning every output costs a pass over
//! it, so `/v1/evaluate` replays a program with it on only when an answer holds a NaN or an
//! infinity.

use std::collections::HashMap;

use super::{Note, Reason};
use crate::engine::autodiff::{Val, ValId};
use crate::engine::ops::Op;
use crate::engine::tensor::Tensor;
use crate::engine::workspace::{Binding, Workspace};

/// The first non-finite event of each phase.
#[derive(Clone, Debug, Default)]
pub struct Numerics {
    /// The forward node whose VJP runs now (its output id and op), set by the backward pass.
    pub vjp_of: Option<(ValId, &'static str)>,
    /// Which part of the work runs: the caller numbers them (0 for the forward pass, then one
    /// per request) and finds each part's event by it.
    pub phase: usize,
    pub events: Vec<Event>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub phase: usize,
    /// The output's id and the op that made it.
    pub id: ValId,
    pub op: &'static str,
    pub vjp_of: Option<(ValId, &'static str)>,
    /// The first non-finite element: its index and value.
    pub index: Vec<usize>,
    pub output: f64,
    /// Each input's value at that index (None where the input is not elementwise with it).
    pub values: Vec<Option<f64>>,
}

fn first_non_finite(t: &Tensor) -> Option<usize> {
    match t {
        Tensor::F32(a) => a.iter().position(|x| !x.is_finite()),
        Tensor::F64(a) => a.iter().position(|x| !x.is_finite()),
        _ => None,
    }
}

fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (k, &d) in shape.iter().enumerate().rev() {
        if d > 0 {
            idx[k] = flat % d;
            flat /= d;
        }
    }
    idx
}

/// The input's element that broadcasting pairs with `idx` of the output, if it broadcasts.
fn broadcast_value(input: &Tensor, idx: &[usize], out_shape: &[usize]) -> Option<f64> {
    let shape = input.shape();
    if shape.len() > idx.len() {
        return None;
    }
    let lead = idx.len() - shape.len();
    let mut flat = 0;
    for (k, &d) in shape.iter().enumerate() {
        let i = if d == 1 {
            0
        } else if d == out_shape[lead + k] {
            idx[lead + k]
        } else {
            return None;
        };
        flat = flat * d + i;
    }
    input.to_f64_vec().get(flat).copied()
}

impl Numerics {
    /// Called by the context after each op (only while `ctx.numerics` is set).
    pub fn observe(&mut self, op: &Op, inputs: &[&Val], out: &Val) {
        if self.events.last().is_some_and(|e| e.phase == self.phase) {
            return;
        }
        let Some(flat) = first_non_finite(&out.tensor) else {
            return;
        };
        if inputs.iter().any(|v| first_non_finite(&v.tensor).is_some()) {
            return;
        }
        let index = unravel(flat, out.tensor.shape());
        let values = inputs
            .iter()
            .map(|v| broadcast_value(&v.tensor, &index, out.tensor.shape()))
            .collect();
        self.events.push(Event {
            phase: self.phase,
            id: out.id,
            op: op.name(),
            vjp_of: self.vjp_of,
            output: out.tensor.to_f64_vec()[flat],
            index,
            values,
        });
    }

    pub fn event(&self, phase: usize) -> Option<&Event> {
        self.events.iter().find(|e| e.phase == phase)
    }

    /// The note for `phase`'s first non-finite value, naming nodes as `ws` binds them.
    pub fn note(&self, ws: &Workspace, phase: usize) -> Option<Note> {
        let e = self.event(phase)?;
        let names = bound_names(ws);
        // (node, phrase): its name, or for an unnamed intermediate the first named value
        // computed from it ("the log in computing p")
        let name = |id: ValId, op: &str| match names.get(&id) {
            Some(n) => (n.to_string(), format!("{n} ({op})")),
            None => match named_from(ws, &names, id) {
                Some(n) => (n.to_string(), format!("the {op} in computing {n}")),
                None => (
                    format!("an intermediate {op}"),
                    format!("an intermediate {op}"),
                ),
            },
        };
        let vals: Vec<String> = e.values.iter().flatten().map(|v| number(*v)).collect();
        let of = match vals.len() {
            0 => String::new(),
            1 => format!(" of {}", vals[0]),
            _ => format!(" of {}", vals.join(" and ")),
        };
        let at = format!("{:?}", e.index);
        let got = number(e.output);
        let (node, detail) = match e.vjp_of {
            None => {
                let (node, what) = name(e.id, e.op);
                (
                    node,
                    format!(
                        "{what} is the first non-finite value: {}{of} at index {at} gives {got}, from finite inputs; {}",
                        e.op, advice(e.op)
                    ),
                )
            }
            Some((fid, fop)) => {
                let (node, what) = name(fid, fop);
                let zero_times_inf = e.values.iter().flatten().any(|v| *v == 0.0);
                let hint = if zero_times_inf {
                    "; if a where() did not take this branch, its zero gradient times this still gives NaN: keep the branch's input in the op's domain (e.g. where(x > 0, x, 1) before the op)"
                } else {
                    ""
                };
                (node, format!(
                    "the gradient of {what} went non-finite: its {}{of} at index {at} gives {got}, from finite values{hint}",
                    e.op
                ))
            }
        };
        let mut note = Note::new(None, Reason::NonFinite, Some(node), detail);
        note.index = Some(e.index.clone());
        note.values = Some(e.values.clone());
        Some(note)
    }
}

/// The note on an input (a variable or constant no op made) that holds a NaN or an infinity
/// as given, when no op made one: every value computed from it carries it.
pub fn input_note(ws: &Workspace) -> Option<Note> {
    let names = bound_names(ws);
    let mut inputs: Vec<(&str, &Val)> = ws
        .names()
        .filter_map(|(n, b)| match b {
            Binding::Tensor(v) => Some((n.as_str(), v)),
            Binding::Variable(id) => ws.variable(id).map(|v| (n.as_str(), &v.val)),
            Binding::None => None,
        })
        .filter(|(_, v)| ws.ctx.prov.get(v.id).is_none())
        .filter(|(n, v)| names.get(&v.id) == Some(n))
        .collect();
    // the first one made, as the forward pass met it
    inputs.sort_by_key(|(_, v)| v.id);
    let (name, v) = inputs
        .into_iter()
        .find(|(_, v)| first_non_finite(&v.tensor).is_some())?;
    let flat = first_non_finite(&v.tensor)?;
    let index = unravel(flat, v.tensor.shape());
    let got = number(v.tensor.to_f64_vec()[flat]);
    let mut note = Note::new(None, Reason::NonFinite, Some(name.to_string()), format!(
        "{name} holds {got} at index {index:?} as given: no op made it, and every value computed from it carries it; give {name} finite values"
    ));
    note.index = Some(index);
    Some(note)
}

/// What usually fixes a non-finite value from this op.
fn advice(op: &str) -> &'static str {
    match op {
        "log" | "log1p" => "keep its argument positive (log_softmax, or softmax_cross_entropy_with_logits, instead of log(softmax), or add a small epsilon)",
        "divide" | "reciprocal" => "guard the denominator (tf.math.divide_no_nan, or add a small epsilon)",
        "exp" => "subtract the maximum first (reduce_logsumexp and softmax do), or use a float64 input",
        "sqrt" | "rsqrt" | "pow" => "keep the base non-negative (and away from 0 where the exponent is negative)",
        _ => "check that the inputs are in the op's domain",
    }
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        format!("{v}")
    }
}

/// The first named value computed (through recorded provenance) from the value `id`.
fn named_from<'a>(ws: &Workspace, names: &HashMap<ValId, &'a str>, id: ValId) -> Option<&'a str> {
    let prov = &ws.ctx.prov;
    let mut from = std::collections::HashSet::from([id]);
    prov.between(id, ValId::MAX).iter().find_map(|r| {
        if !prov.inputs(r).iter().any(|i| from.contains(i)) {
            return None;
        }
        from.insert(r.id);
        names.get(&r.id).copied()
    })
}

fn bound_names(ws: &Workspace) -> HashMap<ValId, &str> {
    let mut by_id = HashMap::new();
    // a name bound to the value itself wins over a variable's own name
    for own in [false, true] {
        for (name, b) in ws.names() {
            let id = match b {
                Binding::Tensor(v) if own => Some(v.id),
                Binding::Variable(id) if !own => ws.variable(id).map(|v| v.val.id),
                _ => None,
            };
            if let Some(id) = id {
                by_id.insert(id, name.as_str());
            }
        }
    }
    by_id
}
