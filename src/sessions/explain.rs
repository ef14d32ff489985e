//! A session's gradients, Jacobians and graph calls with their notes: why a
//! source's gradient is null, and where a value first went non-finite; and with `"check"`, the
//! numerical check of a gradient or Jacobian (`replay`: the tape's ops run again). Sessions keep
//! `numerics` on while they compute: a session call is one student's step, and finding the
//! first NaN afterwards would mean replaying calls that are gone.

use super::session::Session;
use crate::engine::autodiff::{unconnected_jacobian, Entry};
use crate::engine::explain::numcheck::Check;
use crate::engine::explain::replay::{self, Of};
use crate::engine::explain::{why_null, Note, Numerics, Reason};
use crate::engine::program::output_grads;
use crate::engine::{Lit, Names, Result, Shaped, Tensor, Val};

fn listed<T: Clone>(s: &Shaped<T>) -> Vec<T> {
    match s {
        Shaped::One(t) => vec![t.clone()],
        Shaped::Many(ts) => ts.clone(),
    }
}

/// Runs `f` with `numerics` on and returns its result and the note on its first non-finite
/// value, if one went non-finite from finite inputs.
fn watching_numerics<T>(
    s: &mut Session,
    f: impl FnOnce(&mut Session) -> Result<T>,
) -> Result<(T, Option<Note>)> {
    s.ws.ctx.numerics = Some(Box::<Numerics>::default());
    let out = f(s);
    let numerics = s.ws.ctx.numerics.take();
    let out = out?;
    Ok((out, numerics.and_then(|n| n.note(&s.ws, 0))))
}

/// `run_graph`, with the note on the first node whose finite inputs gave a NaN or infinity.
pub fn run_graph(
    s: &mut Session,
    nodes: &[crate::engine::NodeSpec],
) -> Result<(Vec<String>, Vec<Note>)> {
    let (bound, note) = watching_numerics(s, |s| s.run_graph(nodes))?;
    Ok((bound, note.into_iter().collect()))
}

/// The notes of one answer: why-null for each `None`, then where a non-finite gradient began.
fn answer_notes(
    s: &Session,
    tape: &str,
    targets: &[(&str, &Val)],
    sources: (&Names, &[Val]),
    answer: &[Option<Val>],
    vjp_note: Option<Note>,
) -> Result<Vec<Note>> {
    let t = s.tape_index(tape)?;
    let null: Vec<bool> = answer.iter().map(Option::is_none).collect();
    let mut notes = Vec::new();
    if null.contains(&true) {
        let ss: Vec<(&str, &Val)> = sources.0.list().into_iter().zip(sources.1).collect();
        notes = why_null(&s.ws, t, targets, &ss, &null);
    }
    if answer.iter().flatten().any(|v| v.tensor.has_non_finite()) {
        notes.push(vjp_note.unwrap_or_else(|| Note::new(None, Reason::NonFinite, None,
            "the values this gradient is computed from are already non-finite: the notes of the graph call that computed them say where they began".into())));
    }
    Ok(notes)
}

/// What a gradient call answers: the results mirroring the sources, their notes, and the
/// numerical check when one was asked.
pub type Answered = (Shaped<Option<Val>>, Vec<Note>, Option<Check>);

/// What `tape` recorded so far, when a check will run it again (a non-persistent tape forgets
/// it as it answers).
fn recorded(s: &Session, tape: &str, check: Option<f64>) -> Result<Option<Vec<Entry>>> {
    if check.is_none() {
        return Ok(None);
    }
    let t = s.tape_index(tape)?;
    Ok(s.ws.ctx.tape(t).map(|t| t.recorded().to_vec()))
}

/// `replay::check` of `answer` by `sources`, with step `eps`, when one was asked.
fn checked(
    s: &Session,
    recorded: Option<Vec<Entry>>,
    eps: Option<f64>,
    of: Of,
    sources: (&Names, &[Val]),
    answer: &[Option<Val>],
) -> Result<Option<Check>> {
    let (Some(recorded), Some(eps)) = (recorded, eps) else {
        return Ok(None);
    };
    let names: Vec<(&str, &Val)> = sources.0.list().into_iter().zip(sources.1).collect();
    let answer: Vec<Option<&Tensor>> = answer
        .iter()
        .map(|a| a.as_ref().map(|v| &*v.tensor))
        .collect();
    replay::check(&recorded, of, &names, &answer, eps, &s.ws.ctx.limits)
}

/// `Session::gradient` with its notes; `zero` fills unconnected sources after the notes are
/// taken (a zero only because of `unconnected_gradients="zero"` gets a note too). `check` is
/// the step of a numerical check of the answer.
pub fn gradient(
    s: &mut Session,
    tape: &str,
    target: &Names,
    sources: &Names,
    og: &Option<Lit>,
    zero: bool,
    check: Option<f64>,
) -> Result<Answered> {
    let ts = s.ws.values_of(target)?;
    let ss = s.ws.values_of(sources)?;
    let rec = recorded(s, tape, check)?;
    let (g, vjp) = watching_numerics(s, |s| s.gradient(tape, target, sources, og, false))?;
    let g = listed(&g);
    let tnames: Vec<(&str, &Val)> = target.list().into_iter().zip(&ts).collect();
    let notes = answer_notes(s, tape, &tnames, (sources, &ss), &g, vjp)?;
    let g = s.ws.fill_unconnected(g, sources, &ss, zero);
    let ogs = match check {
        Some(_) => output_grads(target, og, &ts, &s.ws.ctx.limits)?,
        None => None,
    };
    let of = Of::Gradient {
        targets: &ts,
        output_gradients: ogs.as_deref(),
    };
    let check = checked(s, rec, check, of, (sources, &ss), &g)?;
    Ok((sources.shape(g), notes, check))
}

/// `Session::jacobian` with its notes, as `gradient`; `batch` is `batch_jacobian` (one
/// source, zeros where unconnected, as TensorFlow answers, so no notes).
pub fn jacobian(
    s: &mut Session,
    tape: &str,
    target: &str,
    sources: &Names,
    (zero, batch): (bool, bool),
    check: Option<f64>,
) -> Result<Answered> {
    let tv = s.ws.value_of(target)?;
    let ss = s.ws.values_of(sources)?;
    let rec = recorded(s, tape, check)?;
    if batch {
        let j = listed(&s.jacobian(tape, target, sources, zero, true)?);
        let of = Of::BatchJacobian { target: &tv };
        let check = checked(s, rec, check, of, (sources, &ss), &j)?;
        return Ok((sources.shape(j), Vec::new(), check));
    }
    let (j, vjp) = watching_numerics(s, |s| s.jacobian(tape, target, sources, false, false))?;
    let j = listed(&j);
    let notes = answer_notes(s, tape, &[(target, &tv)], (sources, &ss), &j, vjp)?;
    let j: Vec<Option<Val>> = j
        .into_iter()
        .zip(&ss)
        .map(|(j, src)| {
            j.or_else(|| zero.then(|| s.ws.ctx.constant(unconnected_jacobian(&tv, src))))
        })
        .collect();
    let check = checked(
        s,
        rec,
        check,
        Of::Jacobian { target: &tv },
        (sources, &ss),
        &j,
    )?;
    Ok((sources.shape(j), notes, check))
}
