//! Why a source's gradient is `None`: read from what was recorded (the context's provenance of
//! every value, and the tape's own trace and timeline), never guessed from names.
//!
//! For a source `s` and targets `t` on tape `T`: the values on some path `s -> t` are found by a
//! forward walk from `s` and a backward walk from `t` over the provenance records between them;
//! each op on such a path that `T` did not record is a break, and its reason follows from when
//! it ran (before `T` opened, in any stretch `T` was stopped, before `s` was watched) or what it
//! is (`stop_gradient`, no gradient). A target an earlier gradient call made by `s` is a first
//! derivative: no path back to `s` there is `constant_gradient`.

use std::collections::{HashMap, HashSet};

use super::{Note, Reason};
use crate::engine::autodiff::{Tape, TapeId, Val, ValId};
use crate::engine::provenance::{Kind, Provenance, Rec};
use crate::engine::workspace::{Binding, Workspace};

/// Who asks: the wording of a note follows what the student wrote (a program's `setup` and
/// session calls, or a cell's lines and `with` blocks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Front {
    Program,
    Cell,
}

/// Notes for the sources whose gradient is `None` (`null[i]`), on the tape that answered.
///
/// `targets` and `sources` carry the names the request used. Call it after the gradient (or
/// Jacobian) call: the tape's trace is then complete.
pub fn why_null(
    ws: &Workspace,
    tape: TapeId,
    targets: &[(&str, &Val)],
    sources: &[(&str, &Val)],
    null: &[bool],
) -> Vec<Note> {
    why_null_from(Front::Program, ws, tape, targets, sources, null)
}

/// [`why_null`] worded for `front`: the cells interpreter calls this for a
/// `tape.gradient(...)` in a cell and puts the notes in the cell's answer.
pub fn why_null_from(
    front: Front,
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
        .map(|((name, s), _)| {
            let note = explain_source(front, ws, t, &names, targets, name, s);
            // a target some earlier gradient call made by this source is a first derivative:
            // no path back to the source means it is linear there
            let first = targets
                .iter()
                .find(|(_, t)| ws.ctx.prov.is_derivative(t.id, s.id));
            match first {
                Some((t_name, _)) if note.reason == Reason::NotConnected => {
                    derivative_constant(front, t_name, name)
                }
                _ => note,
            }
        })
        .collect()
}

fn derivative_constant(front: Front, t: &str, s: &str) -> Note {
    let zero = match front {
        Front::Program => "unconnected_gradients=\"zero\"",
        Front::Cell => "unconnected_gradients=tf.UnconnectedGradients.ZERO",
    };
    Note::new(
        Some(s),
        Reason::ConstantGradient,
        None,
        format!("{t} is a derivative by {s} that no longer depends on {s} (what it differentiates is linear in {s}), so TensorFlow answers None for the second derivative: read it as zeros ({zero})"),
    )
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
    let note = explain_source(
        Front::Program,
        ws,
        t,
        &names,
        &[(&label, first)],
        source.0,
        source.1,
    );
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
        // a name bound to the value itself wins over a variable's own name (a cell binds `v`
        // to the variable it calls `Variable#2`)
        let mut named = Vec::new();
        for (name, b) in ws.names() {
            let (id, own) = match b {
                Binding::Tensor(v) => (v.id, true),
                Binding::Variable(id) => match ws.variable(id) {
                    Some(v) => (v.val.id, false),
                    None => continue,
                },
                Binding::None => continue,
            };
            named.push((own, id, name.as_str()));
        }
        named.sort_by_key(|(own, _, _)| *own);
        for (_, id, name) in named {
            by_id.insert(id, name);
        }
        Names { by_id, variables }
    }
}

fn explain_source(
    front: Front,
    ws: &Workspace,
    tape: &Tape,
    names: &Names,
    targets: &[(&str, &Val)],
    s_name: &str,
    s: &Val,
) -> Note {
    let upto = targets.iter().map(|(_, t)| t.id).max().unwrap_or(0);
    let q = Query {
        front,
        prov: &ws.ctx.prov,
        tape,
        names,
        targets,
        s_name,
        s,
        t_name: match targets {
            [(t, _)] => t.to_string(),
            _ => "the targets".to_string(),
        },
        recs: ws.ctx.prov.between(s.id, upto),
    };
    if let Some(n) = q.source_itself() {
        return n;
    }
    let mut found: Option<Note> = None;
    let reach = q.reach();
    if q.reaches(&reach.plain) {
        q.breaks_on_paths(&reach.plain, &mut found);
    } else if q.reaches(&reach.assigned) {
        offer(&mut found, q.through_assign(&reach.vias));
    }
    if let Some(n) = q.not_watched() {
        offer(&mut found, n);
    }
    found.unwrap_or_else(|| q.not_connected())
}

/// One source's question: why no recorded path carries `targets`' gradient back to `s`.
struct Query<'a> {
    front: Front,
    prov: &'a Provenance,
    tape: &'a Tape,
    names: &'a Names<'a>,
    targets: &'a [(&'a str, &'a Val)],
    s_name: &'a str,
    s: &'a Val,
    t_name: String,
    /// The provenance records from `s` up to the last target, oldest first.
    recs: &'a [Rec],
}

/// The values reachable forward from the source: through ops only (`plain`), and through
/// assignments into variables as well (`assigned`, with the variables assigned on the way).
struct Reach {
    plain: HashSet<ValId>,
    assigned: HashSet<ValId>,
    vias: Vec<ValId>,
}

impl Query<'_> {
    fn note(&self, reason: Reason, node: Option<String>, detail: String) -> Note {
        Note::new(Some(self.s_name), reason, node, detail)
    }

    fn reaches(&self, set: &HashSet<ValId>) -> bool {
        self.targets.iter().any(|(_, t)| set.contains(&t.id))
    }

    /// "does" or "do", as the target is one or several.
    fn t_does(&self) -> &'static str {
        if self.targets.len() == 1 {
            "does"
        } else {
            "do"
        }
    }

    /// The node an op's output is, for a note: its name, or, for an unnamed intermediate, the
    /// first named value computed from it (`node`) and a phrase for the op itself (`what`,
    /// "the argmax in computing y").
    fn node(&self, r: &Rec, on_path: &HashSet<ValId>) -> (String, String) {
        let op = r.op.0;
        if let Some(n) = self.names.by_id.get(&r.id) {
            return (n.to_string(), format!("{n} ({op})"));
        }
        let mut from: HashSet<ValId> = HashSet::from([r.id]);
        let named = self
            .recs
            .iter()
            .filter(|x| x.id > r.id && on_path.contains(&x.id))
            .find_map(|x| {
                if !self.prov.inputs(x).iter().any(|i| from.contains(i)) {
                    return None;
                }
                from.insert(x.id);
                self.names.by_id.get(&x.id).copied()
            });
        let named = named.map_or_else(|| self.t_name.clone(), str::to_string);
        (named.clone(), format!("the {op} in computing {named}"))
    }

    /// Reasons in the source itself: its dtype, or a variable the tape does not watch.
    fn source_itself(&self) -> Option<Note> {
        let (s, s_name) = (self.s, self.s_name);
        if !s.tensor.dtype().is_float() {
            let literal = match self.front {
                Front::Program => "give \"dtype\": \"float32\"",
                Front::Cell => "pass dtype=tf.float32",
            };
            return Some(self.note(Reason::IntegerSource, None, format!(
                "{s_name} is {}: TensorFlow differentiates only floating-point tensors (it logs a warning and answers None); make it float32 or float64 (write a float literal such as 1.0, or {literal})",
                s.tensor.dtype()
            )));
        }
        if self.tape.traces(s.id) {
            return None;
        }
        // the variable as the asker calls it
        let called = |v: &str| match self.front {
            Front::Program => v.to_string(),
            Front::Cell => s_name.to_string(),
        };
        let (t, f) = match self.front {
            Front::Program => ("true", "false"),
            Front::Cell => ("True", "False"),
        };
        match self.names.variables.get(&s.id).copied() {
            Some((v, false)) => Some(self.note(Reason::NotTrainable, None, format!(
                "{} is a Variable created with trainable={f}, so reading it does not watch it: create it trainable, or watch it explicitly (tape.watch({s_name}))",
                called(v)
            ))),
            Some((v, true)) if !self.tape.watch_accessed_variables => Some(self.note(Reason::WatchAccessedVariablesOff, None, format!(
                "the tape was opened with watch_accessed_variables={f}, so reading the variable {} did not watch it: watch it explicitly (tape.watch({s_name})) or open the tape with watch_accessed_variables={t}",
                called(v)
            ))),
            _ => None,
        }
    }

    fn reach(&self) -> Reach {
        let s = self.s.id;
        let mut r = Reach {
            plain: HashSet::from([s]),
            assigned: HashSet::from([s]),
            vias: Vec::new(),
        };
        let assigns = self.prov.assigns();
        let mut next_assign = assigns.partition_point(|a| a.at < s);
        for rec in self.recs {
            while next_assign < assigns.len() && assigns[next_assign].at < rec.id {
                let a = assigns[next_assign];
                if r.assigned.contains(&a.from) {
                    r.assigned.insert(a.variable);
                    r.vias.push(a.variable);
                }
                next_assign += 1;
            }
            let ins = self.prov.inputs(rec);
            if ins.iter().any(|i| r.plain.contains(i)) {
                r.plain.insert(rec.id);
            }
            if ins.iter().any(|i| r.assigned.contains(i)) {
                r.assigned.insert(rec.id);
            }
        }
        r
    }

    /// The values on some path `s -> t`: backward from the targets over what `s` reaches.
    fn on_path(&self, plain: &HashSet<ValId>) -> HashSet<ValId> {
        let mut on_path: HashSet<ValId> = self.targets.iter().map(|(_, t)| t.id).collect();
        for r in self.recs.iter().rev() {
            if on_path.contains(&r.id) && plain.contains(&r.id) {
                on_path.extend(self.prov.inputs(r).iter().filter(|i| plain.contains(i)));
            }
        }
        on_path
    }

    /// Whether every path `s -> t` passes through `cut`: a forward walk from `s` without it.
    fn is_cut(&self, on_path: &HashSet<ValId>, cut: ValId) -> bool {
        let mut reach: HashSet<ValId> = HashSet::from([self.s.id]);
        for r in self
            .recs
            .iter()
            .filter(|r| r.id != cut && on_path.contains(&r.id))
        {
            if self.prov.inputs(r).iter().any(|i| reach.contains(i)) {
                reach.insert(r.id);
            }
        }
        !self.reaches(&reach)
    }

    /// Each op on a path that the tape did not record, or that has no gradient, is a break.
    fn breaks_on_paths(&self, plain: &HashSet<ValId>, found: &mut Option<Note>) {
        let on_path = self.on_path(plain);
        // the notes name nodes by walking the records: only for a note that would be kept
        let kept =
            |found: &Option<Note>, reason: Reason| found.as_ref().is_none_or(|f| reason < f.reason);
        for r in self.recs.iter().filter(|r| on_path.contains(&r.id)) {
            if let Some(reason) = self.unrecorded(r) {
                if kept(found, reason) {
                    *found = Some(self.unrecorded_note(r, reason, &on_path));
                }
            }
            let breaks = match r.kind {
                Kind::StopGradient => Reason::StopGradient,
                Kind::NotDifferentiable | Kind::IntegerOutput => Reason::NotDifferentiable,
                Kind::Differentiable => continue,
            };
            if kept(found, breaks) {
                let cut = self.is_cut(&on_path, r.id);
                *found = Some(self.no_gradient(r, breaks, cut, &on_path));
            }
        }
    }

    /// Why an op on a path was not recorded, if it was not: it ran before the tape opened,
    /// while it was stopped, or (the source being watched now) before the source was watched.
    fn unrecorded(&self, r: &Rec) -> Option<Reason> {
        // an unnamed identity is a variable's read: the note names the node built on it
        let read = r.op.0 == "identity" && !self.names.by_id.contains_key(&r.id);
        if read || self.tape.traces(r.id) {
            None
        } else if r.id <= self.tape.opened_at {
            Some(Reason::RecordedBeforeTape)
        } else if self.tape.made_while_paused(r.id) {
            Some(Reason::RecordingPaused)
        } else if self.tape.traces(self.s.id) && r.kind == Kind::Differentiable {
            Some(Reason::NotWatched)
        } else {
            None
        }
    }

    fn unrecorded_note(&self, r: &Rec, reason: Reason, on_path: &HashSet<ValId>) -> Note {
        let (s_name, t_name) = (self.s_name, &self.t_name);
        let (node, what) = self.node(r, on_path);
        let detail = match (reason, self.front) {
            (Reason::RecordedBeforeTape, Front::Program) => format!(
                "{what} was computed before the tape opened (in setup, or an earlier call), so the tape never saw the path from {s_name} to {t_name}: compute it while the tape records"
            ),
            (Reason::RecordedBeforeTape, Front::Cell) => format!(
                "{what} was computed before the tape's with block (or before tape.reset()), so the tape never saw the path from {s_name} to {t_name}: compute it inside the with block"
            ),
            (Reason::RecordingPaused, Front::Program) => format!(
                "{what} ran while the tape was stopped, so the path from {s_name} to {t_name} was not recorded: compute it while the tape records (before stopping it, or after resuming it)"
            ),
            (Reason::RecordingPaused, Front::Cell) => format!(
                "{what} ran while the tape was not recording (under stop_recording(), or outside its with block), so the path from {s_name} to {t_name} was not recorded: compute it inside the with block, outside stop_recording()"
            ),
            _ => format!(
                "{s_name} was watched only after {what} was computed from it, so the tape did not record that step: call tape.watch({s_name}) before using {s_name}"
            ),
        };
        self.note(reason, Some(node), detail)
    }

    /// `stop_gradient` or an op with no gradient on a path; "every path" only where it is true.
    fn no_gradient(&self, r: &Rec, reason: Reason, cut: bool, on_path: &HashSet<ValId>) -> Note {
        let (s_name, t_name) = (self.s_name, &self.t_name);
        let (node, what) = self.node(r, on_path);
        let paths = if cut {
            "every path"
        } else {
            "one path (the others break elsewhere)"
        };
        if reason == Reason::StopGradient {
            let at = if self.names.by_id.contains_key(&r.id) {
                format!("stop_gradient at {node}")
            } else {
                what
            };
            return self.note(reason, Some(node), format!(
                "{paths} from {s_name} to {t_name} passes through {at}: remove it if the gradient should flow"
            ));
        }
        let why = if r.kind == Kind::IntegerOutput {
            " (its output is an integer)"
        } else {
            ""
        };
        self.note(reason, Some(node), format!(
            "{paths} from {s_name} to {t_name} passes through {what}{why}, which has no gradient (argmax, round, comparisons and casts to integers have none): compute {t_name} with differentiable ops"
        ))
    }

    /// The targets read a variable that an assignment from `s` wrote.
    fn through_assign(&self, vias: &[ValId]) -> Note {
        let (s_name, t_name) = (self.s_name, &self.t_name);
        let mut read: HashSet<ValId> = self.targets.iter().map(|(_, t)| t.id).collect();
        for r in self.recs.iter().rev() {
            if read.contains(&r.id) {
                read.extend(self.prov.inputs(r));
            }
        }
        let v = vias
            .iter()
            .rev()
            .find(|v| read.contains(v))
            .and_then(|id| self.names.by_id.get(id))
            .map_or_else(|| "a variable".to_string(), |n| n.to_string());
        self.note(Reason::ThroughAssign, Some(v.clone()), format!(
            "{t_name} depends on {s_name} only through an assignment to the variable {v}: assignment is not differentiable, so {t_name} reads the variable, not {s_name}; use {s_name} itself in the computation (or differentiate with respect to {v})"
        ))
    }

    fn not_watched(&self) -> Option<Note> {
        let (s, s_name) = (self.s, self.s_name);
        if self.tape.traces(s.id) || self.names.variables.contains_key(&s.id) {
            return None;
        }
        let what = if self
            .prov
            .get(s.id)
            .is_some_and(|r| !self.prov.inputs(r).is_empty())
        {
            "a computed tensor"
        } else {
            "a constant"
        };
        Some(self.note(Reason::NotWatched, Some(s_name.to_string()), format!(
            "{s_name} is {what} and this tape does not watch it: add it to the tape's watch list (tape.watch({s_name})) or make it a Variable"
        )))
    }

    fn not_connected(&self) -> Note {
        let (s_name, t_name) = (self.s_name, &self.t_name);
        self.note(Reason::NotConnected, None, format!(
            "{t_name} {} not depend on {s_name}: nothing the tape recorded leads from {s_name} to {t_name}; use {s_name} in computing {t_name}, or drop it from the sources",
            self.t_does()
        ))
    }
}

/// Keeps `n` when its reason comes before the one found so far (the reasons' precedence).
fn offer(found: &mut Option<Note>, n: Note) {
    if found.as_ref().is_none_or(|f| n.reason < f.reason) {
        *found = Some(n);
    }
}
