//! Why a source's gradient is `None`: read from what was recorded (the context's provenance of
//! every value, and the tape's own trace and timeline), never guessed from names.
//!
//! For a source `s` and targets `t` on tape `T`: the values on some path `s -> t` are found by a
//! forward walk from `s` and a backward walk from `t` over the provenance records between them;
//! each op on such a path that `T` did not record is a break, and its reason follows from when
//! it ran (before `T` opened, after `T` stopped) or what it is (`stop_gradient`, no gradient).

use std::collections::{HashMap, HashSet};

use super::{Note, Reason};
use crate::engine::autodiff::{Tape, TapeId, Val, ValId};
use crate::engine::provenance::Kind;
use crate::engine::workspace::{Binding, Workspace};

/// Notes for the sources whose gradient is `None` (`null[i]`), on the tape that answered.
///
/// `targets` and `sources` carry the names the request used. Call it after the gradient (or
/// Jacobian) call: the tape's trace is then complete. The cells interpreter calls this for a
/// `tape.gradient(...)` in a cell and puts the notes in the cell's answer.
pub fn why_null(
    ws: &Workspace,
    tape: TapeId,
    targets: &[(&str, &Val)],
    sources: &[(&str, &Val)],
    null: &[bool],
) -> Vec<Note> {
    let Some(t) = ws.ctx.tape(tape) else {
        return Vec::new();
    };
    let names = Names::of(ws);
    sources
        .iter()
        .zip(null)
        .filter(|(_, n)| **n)
        .map(|((name, s), _)| explain_source(ws, t, &names, targets, name, s))
        .collect()
}

/// The note for a second derivative that is `None` while the first (`first`) is not: `tape`
/// is the outer tape that recorded the first derivative. A first derivative with no path back
/// to the source is `constant_gradient` (the target is linear in it); any other break keeps
/// its own reason.
pub fn why_null_second(
    ws: &Workspace,
    tape: TapeId,
    target: &str,
    first: &Val,
    source: (&str, &Val),
) -> Note {
    let Some(t) = ws.ctx.tape(tape) else {
        return constant_gradient(target, source.0);
    };
    let names = Names::of(ws);
    let label = format!("the first derivative of {target}");
    let note = explain_source(ws, t, &names, &[(&label, first)], source.0, source.1);
    match note.reason {
        Reason::NotConnected | Reason::NotWatched => constant_gradient(target, source.0),
        _ => note,
    }
}

fn constant_gradient(target: &str, s: &str) -> Note {
    Note::new(
        Some(s),
        Reason::ConstantGradient,
        None,
        format!("the first derivative of {target} with respect to {s} does not depend on {s} ({target} is linear in it), so TensorFlow answers None for the second derivative: read it as zeros (unconnected_gradients=\"zero\")"),
    )
}

/// Names of values (bound tensors and variables) by id, for naming the node where a path breaks.
struct Names<'a> {
    by_id: HashMap<ValId, &'a str>,
    variables: HashMap<ValId, (&'a str, bool)>,
}

impl<'a> Names<'a> {
    fn of(ws: &'a Workspace) -> Names<'a> {
        let mut by_id = HashMap::new();
        let mut variables = HashMap::new();
        for (_, v) in ws.variables() {
            variables.insert(v.val.id, (v.name.as_str(), v.trainable));
        }
        for (name, b) in ws.names() {
            let id = match b {
                Binding::Tensor(v) => v.id,
                Binding::Variable(id) => match ws.variable(id) {
                    Some(v) => v.val.id,
                    None => continue,
                },
                Binding::None => continue,
            };
            by_id.insert(id, name.as_str());
        }
        Names { by_id, variables }
    }

    fn node(&self, id: ValId, op: &str) -> String {
        match self.by_id.get(&id) {
            Some(n) => n.to_string(),
            None => format!("an intermediate {op}"),
        }
    }
}

fn explain_source(
    ws: &Workspace,
    tape: &Tape,
    names: &Names,
    targets: &[(&str, &Val)],
    s_name: &str,
    s: &Val,
) -> Note {
    let note = |reason, node: Option<String>, detail: String| {
        Note::new(Some(s_name), reason, node, detail)
    };
    let t_name = match targets {
        [(t, _)] => t.to_string(),
        _ => "the targets".to_string(),
    };
    if !s.tensor.dtype().is_float() {
        return note(Reason::IntegerSource, None, format!(
            "{s_name} is {}: TensorFlow differentiates only floating-point tensors (it logs a warning and answers None); make it float32 or float64 (write a float literal such as 1.0, or give \"dtype\": \"float32\")",
            s.tensor.dtype()
        ));
    }
    let traced = tape.traces(s.id);
    let variable = names.variables.get(&s.id).copied();
    match variable {
        Some((v, false)) if !traced => {
            return note(Reason::NotTrainable, None, format!(
                "{v} is a Variable created with trainable=false, so reading it does not watch it: create it trainable, or watch it explicitly (tape.watch({s_name}))"
            ))
        }
        Some((v, true)) if !traced && !tape.watch_accessed_variables => {
            return note(Reason::WatchAccessedVariablesOff, None, format!(
                "the tape was opened with watch_accessed_variables=false, so reading the variable {v} did not watch it: watch it explicitly (tape.watch({s_name})) or open the tape with watch_accessed_variables=true"
            ))
        }
        _ => {}
    }

    let prov = &ws.ctx.prov;
    let upto = targets.iter().map(|(_, t)| t.id).max().unwrap_or(0);
    let recs = prov.between(s.id, upto);
    // forward from s, without and with assignments into variables
    let mut plain: HashSet<ValId> = HashSet::from([s.id]);
    let mut assigned: HashSet<ValId> = HashSet::from([s.id]);
    let mut vias: Vec<ValId> = Vec::new();
    let assigns = prov.assigns();
    let mut next_assign = assigns.partition_point(|a| a.at < s.id);
    for r in recs {
        while next_assign < assigns.len() && assigns[next_assign].at < r.id {
            let a = assigns[next_assign];
            if assigned.contains(&a.from) {
                assigned.insert(a.variable);
                vias.push(a.variable);
            }
            next_assign += 1;
        }
        let ins = prov.inputs(r);
        if ins.iter().any(|i| plain.contains(i)) {
            plain.insert(r.id);
        }
        if ins.iter().any(|i| assigned.contains(i)) {
            assigned.insert(r.id);
        }
    }
    let reaches = |set: &HashSet<ValId>| targets.iter().any(|(_, t)| set.contains(&t.id));
    let mut found: Option<Note> = None;
    if reaches(&plain) {
        // backward from the targets: the values on some path s -> t
        let mut on_path: HashSet<ValId> = targets.iter().map(|(_, t)| t.id).collect();
        for r in recs.iter().rev() {
            if on_path.contains(&r.id) && plain.contains(&r.id) {
                on_path.extend(prov.inputs(r).iter().filter(|i| plain.contains(i)));
            }
        }
        // whether every path s -> t passes through `cut`: walk forward from s without it
        let is_cut = |cut: ValId| {
            let mut reach: HashSet<ValId> = HashSet::from([s.id]);
            for r in recs
                .iter()
                .filter(|r| r.id != cut && on_path.contains(&r.id))
            {
                if prov.inputs(r).iter().any(|i| reach.contains(i)) {
                    reach.insert(r.id);
                }
            }
            !targets.iter().any(|(_, t)| reach.contains(&t.id))
        };
        for r in recs {
            if !on_path.contains(&r.id) {
                continue;
            }
            // an op on the tape that has no gradient (round) still breaks the path
            let traced = tape.traces(r.id);
            let node = names.node(r.id, r.op.0);
            let op = r.op.0;
            // an unnamed identity is a variable's read: the note names the node built on it
            let read = op == "identity" && !names.by_id.contains_key(&r.id);
            if read || traced {
            } else if r.id <= tape.opened_at {
                offer(&mut found, note(Reason::RecordedBeforeTape, Some(node.clone()), format!(
                    "{node} ({op}) was computed before the tape opened (in setup, or an earlier call), so the tape never saw the path from {s_name} to {t_name}: compute it while the tape records"
                )));
            } else if tape.stopped_at.is_some_and(|at| r.id > at) {
                offer(&mut found, note(Reason::RecordingPaused, Some(node.clone()), format!(
                    "{node} ({op}) ran while the tape was stopped, so the path from {s_name} to {t_name} was not recorded: compute it before stopping the tape"
                )));
            }
            let breaks = match r.kind {
                Kind::StopGradient => Reason::StopGradient,
                Kind::NotDifferentiable | Kind::IntegerOutput => Reason::NotDifferentiable,
                Kind::Differentiable => continue,
            };
            if found.as_ref().is_some_and(|f| f.reason <= breaks) {
                continue;
            }
            // "every path" only where it is true: another path may break elsewhere instead
            let paths = if is_cut(r.id) {
                "every path"
            } else {
                "one path (the others break elsewhere)"
            };
            found = Some(if breaks == Reason::StopGradient {
                note(breaks, Some(node.clone()), format!(
                    "{paths} from {s_name} to {t_name} passes through stop_gradient at {node}: remove it if the gradient should flow"
                ))
            } else {
                let why = if r.kind == Kind::IntegerOutput {
                    " (its output is an integer)"
                } else {
                    ""
                };
                note(breaks, Some(node.clone()), format!(
                    "{paths} from {s_name} to {t_name} passes through {node} ({op}){why}, which has no gradient (argmax, round, comparisons and casts to integers have none): compute {t_name} with differentiable ops"
                ))
            });
        }
    } else if reaches(&assigned) {
        // the assigned variable the targets read
        let mut read: HashSet<ValId> = targets.iter().map(|(_, t)| t.id).collect();
        for r in recs.iter().rev() {
            if read.contains(&r.id) {
                read.extend(prov.inputs(r));
            }
        }
        let via = vias.iter().rev().find(|v| read.contains(v));
        let v = via
            .map(|id| names.node(*id, "variable"))
            .unwrap_or_else(|| "a variable".into());
        offer(&mut found, note(Reason::ThroughAssign, Some(v.clone()), format!(
            "{t_name} depends on {s_name} only through an assignment to the variable {v}: assignment is not differentiable, so {t_name} reads the variable, not {s_name}; use {s_name} itself in the computation (or differentiate with respect to {v})"
        )));
    }
    if !traced && variable.is_none() {
        let what = if prov.get(s.id).is_some_and(|r| !prov.inputs(r).is_empty()) {
            "a computed tensor"
        } else {
            "a constant"
        };
        offer(&mut found, note(Reason::NotWatched, Some(s_name.to_string()), format!(
            "{s_name} is {what} and this tape does not watch it: add it to the tape's watch list (tape.watch({s_name})) or make it a Variable"
        )));
    }
    found.unwrap_or_else(|| {
        note(Reason::NotConnected, None, format!(
            "{t_name} does not depend on {s_name}: nothing the tape recorded leads from {s_name} to {t_name}; use {s_name} in computing {t_name}, or drop it from the sources"
        ))
    })
}

/// Keeps `n` when its reason comes before the one found so far (the reasons' precedence).
fn offer(found: &mut Option<Note>, n: Note) {
    if found.as_ref().is_none_or(|f| n.reason < f.reason) {
        *found = Some(n);
    }
}
