//! Each request of a program answered on the tape that recorded its graph: gradients and
//! Jacobians with their why-null notes, Hessians by rerunning the program under nested tapes.

use super::{run_nodes, Answer, Names, Program, Request};
use crate::engine::autodiff::Val;
use crate::engine::error::{arg_err, Code, Result};
use crate::engine::explain::{why_null, why_null_second, Note};
use crate::engine::lit::{lit_kind, tensor_from_lit, Lit};
use crate::engine::tensor::Tensor;
use crate::engine::workspace::Workspace;
use crate::engine::Limits;

impl Program {
    /// One request's answer, and the notes on its `None` gradients.
    pub fn answer(
        &self,
        ws: &mut Workspace,
        tape: usize,
        r: &Request,
        limits: &Limits,
    ) -> Result<(Answer, Vec<Note>)> {
        // A name that does not exist fails the whole program; anything else fails this request.
        let answer = match r {
            Request::Gradient {
                target,
                sources,
                output_gradients,
                zero,
                ..
            } => {
                let (ts, ss) = (ws.values_of(target)?, ws.values_of(sources)?);
                let og = (target, output_gradients, ts.as_slice());
                gradient(ws, tape, og, (sources, &ss), *zero, limits)
            }
            Request::Jacobian {
                target,
                sources,
                zero,
                ..
            } => {
                ws.watch_variable_target(tape, target);
                let (t, ss) = (ws.value_of(target)?, ws.values_of(sources)?);
                jacobian(ws, tape, (target, &t), (sources, &ss), *zero)
            }
            Request::BatchJacobian {
                target,
                source,
                zero,
                ..
            } => {
                ws.watch_variable_target(tape, target);
                let (t, s) = (ws.value_of(target)?, ws.value_of(source)?);
                ws.ctx
                    .batch_jacobian_connected(tape, &t, &s, *zero)
                    .map(|(j, connected)| {
                        // TensorFlow answers zeros for an unconnected source: the note says why
                        let why = match connected {
                            true => Vec::new(),
                            false => why_null(ws, tape, &[(target, &t)], &[(source, &s)], &[true]),
                        };
                        (Answer::BatchJacobian(Some(j.into_tensor())), why)
                    })
            }
            Request::Hessian {
                target, sources, ..
            } => {
                ws.value_of(target)?;
                ws.values_of(sources)?;
                self.hessians(target, sources, limits)
            }
        };
        match answer {
            Ok(a) => Ok(a),
            Err(e) if e.code == Code::LimitExceeded => Err(e),
            Err(e) => Ok((Answer::Error(e), Vec::new())),
        }
    }

    fn hessians(
        &self,
        target: &str,
        sources: &Names,
        limits: &Limits,
    ) -> Result<(Answer, Vec<Note>)> {
        let mut out = Vec::new();
        let mut notes = Vec::new();
        for s in sources.list() {
            let (h, note) = self.hessian(target, s, limits)?;
            out.push(h);
            notes.extend(note);
        }
        Ok((Answer::Hessian(sources.shape(out)), notes))
    }

    /// Second derivatives as TensorFlow takes them: the program runs again under an outer and
    /// an inner persistent tape; the inner gradient, recorded by the outer tape, is then
    /// differentiated by the outer tape's Jacobian. The request's own tape is not used.
    fn hessian(
        &self,
        target: &str,
        source: &str,
        limits: &Limits,
    ) -> Result<(Option<Tensor>, Option<Note>)> {
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
            .gradient(
                inner,
                std::slice::from_ref(&t),
                std::slice::from_ref(&s),
                None,
                false,
            )?
            .pop()
            .flatten();
        ws.ctx.stop_tape(outer)?;
        match g {
            None => {
                let why = why_null(&ws, inner, &[(target, &t)], &[(source, &s)], &[true]);
                Ok((None, why.into_iter().next()))
            }
            Some(g) => {
                let h = ws
                    .ctx
                    .jacobian(outer, &g, std::slice::from_ref(&s), false)?
                    .pop()
                    .flatten();
                let why = h
                    .is_none()
                    .then(|| why_null_second(&ws, outer, target, &g, (source, &s)));
                Ok((h, why))
            }
        }
    }
}

/// `tape.gradient(targets, sources, output_gradients)` and its notes.
fn gradient(
    ws: &mut Workspace,
    tape: usize,
    (target, output_gradients, ts): (&Names, &Option<Lit>, &[Val]),
    (sources, ss): (&Names, &[Val]),
    zero: bool,
    limits: &Limits,
) -> Result<(Answer, Vec<Note>)> {
    ws.ctx.check_usable(tape)?;
    let og = output_grads(target, output_gradients, ts, limits)?;
    let g = ws.ctx.gradient(tape, ts, ss, og, false)?;
    let notes = null_notes(ws, tape, target, ts, sources, ss, &g);
    let g = ws.fill_unconnected(g, sources, ss, zero);
    let g = g.into_iter().map(|v| v.map(|v| v.into_tensor())).collect();
    Ok((Answer::Gradient(sources.shape(g)), notes))
}

/// `tape.jacobian(target, sources)` and its notes.
fn jacobian(
    ws: &mut Workspace,
    tape: usize,
    (target, t): (&String, &Val),
    (sources, ss): (&Names, &[Val]),
    zero: bool,
) -> Result<(Answer, Vec<Note>)> {
    let j = ws.ctx.jacobian(tape, t, ss, false)?;
    let names = Names::One(target.clone());
    let notes = null_notes(ws, tape, &names, std::slice::from_ref(t), sources, ss, &j);
    let j = j.into_iter().zip(ss).map(|(j, s)| {
        j.or_else(|| zero.then(|| crate::engine::autodiff::unconnected_jacobian(t, s)))
    });
    Ok((Answer::Jacobian(sources.shape(j.collect())), notes))
}

/// Why-null notes for the `None` entries of one gradient or Jacobian answer (none when every
/// source has one: the analysis runs only for a `None`).
fn null_notes<T>(
    ws: &Workspace,
    tape: usize,
    targets: &Names,
    ts: &[Val],
    sources: &Names,
    ss: &[Val],
    answer: &[Option<T>],
) -> Vec<Note> {
    let null: Vec<bool> = answer.iter().map(Option::is_none).collect();
    if !null.contains(&true) {
        return Vec::new();
    }
    let ts: Vec<(&str, &Val)> = targets.list().into_iter().zip(ts).collect();
    let ss: Vec<(&str, &Val)> = sources.list().into_iter().zip(ss).collect();
    why_null(ws, tape, &ts, &ss, &null)
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
            if matches!(lit_kind(l), Some(crate::engine::lit::Kind::Float))
                && !t.tensor.dtype().is_float()
            {
                return Err(crate::engine::error::dtype_err(
                    "output_gradients: a float gradient for an integer target",
                ));
            }
            let og = tensor_from_lit(l, Some(t.tensor.dtype()), limits.max_tensor_elements)?;
            if og.dtype() != t.tensor.dtype() {
                return Err(crate::engine::error::dtype_err(format!(
                    "output_gradients is {} but its target is {}; give it the target's dtype",
                    og.dtype(),
                    t.tensor.dtype()
                )));
            }
            Ok(og)
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}
