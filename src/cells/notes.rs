//! Notes beside a cell's answer: why a `tape.gradient(...)` or
//! `tape.jacobian(...)` source is None (or zeros only because of `unconnected_gradients=ZERO`),
//! and where a value first went non-finite. The engine finds the reasons (`engine::explain`);
//! this file says where in the cell the call is and what the cell called its operands.
//! TensorFlow prints nothing of this: notes never reach stdout.

use std::collections::HashMap;

use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

use super::interp::Interp;
use super::value::Value;
use crate::engine::autodiff::{TapeId, Val};
use crate::engine::explain::{why_null_from, Front, Note, Reason};
use crate::engine::Workspace;

/// Notes one cell may carry; a gradient in a loop that is None every turn gives one note.
const MAX_NOTES: usize = 64;

/// Non-finite notes one cell may carry: a NaN made again on every turn of a loop gives one a
/// turn up to this many (the same line's notes are one in the answer).
const MAX_NON_FINITE_NOTES: usize = 16;

/// A note and the place in the cell it is about: the gradient call, or the statement whose op
/// first gave a NaN or an infinity.
#[derive(Clone, Debug, PartialEq)]
pub struct CellNote {
    pub line: usize,
    pub column: usize,
    pub note: Note,
    /// The gradient is zeros, not None, only because of `unconnected_gradients=ZERO`.
    pub zeros: bool,
    /// The name the cell bound the None gradient to (`dW = g.gradient(L, W)`), when it did.
    pub name: Option<String>,
}

/// The gradient call being made: where it is, and the cell's text for its target and for
/// each of its sources (flattened as the tape flattens them).
#[derive(Clone, Debug)]
pub struct CallSite {
    pub line: usize,
    pub column: usize,
    pub method: String,
    target: String,
    sources: Vec<String>,
    sources_whole: String,
}

/// The texts of the leaves of a list or tuple display (`[W, b]` gives `W`, `b`).
fn leaf_texts(it: &Interp, e: &Expr, out: &mut Vec<String>) {
    let lines = it.current_lines();
    match e {
        Expr::List(l) => l.elts.iter().for_each(|x| leaf_texts(it, x, out)),
        Expr::Tuple(t) => t.elts.iter().for_each(|x| leaf_texts(it, x, out)),
        other => out.push(lines.text_of(other).to_string()),
    }
}

impl CallSite {
    /// The site of `tape.<method>(target, sources, ...)`, `c` being that call.
    pub fn of(it: &Interp, c: &ExprCall, method: &str) -> CallSite {
        let lines = it.current_lines();
        let (line, column) = lines.at(c.start());
        let arg = |k: usize, name: &str| {
            c.arguments.args.get(k).or_else(|| {
                c.arguments
                    .keywords
                    .iter()
                    .find(|kw| kw.arg.as_ref().is_some_and(|a| a.as_str() == name))
                    .map(|kw| &kw.value)
            })
        };
        let source_name = if method == "batch_jacobian" {
            "source"
        } else {
            "sources"
        };
        let target = arg(0, "target").map_or_else(String::new, |e| lines.text_of(e).into());
        let (mut sources, mut sources_whole) = (Vec::new(), String::new());
        if let Some(e) = arg(1, source_name) {
            leaf_texts(it, e, &mut sources);
            sources_whole = lines.text_of(e).to_string();
        }
        CallSite {
            line,
            column,
            method: method.to_string(),
            target,
            sources,
            sources_whole,
        }
    }

    /// What the cell called the `k`-th of `n` flattened sources.
    fn source(&self, k: usize, n: usize) -> String {
        match self.sources.get(k) {
            Some(s) if self.sources.len() == n => s.clone(),
            _ if n == 1 => self.sources_whole.clone(),
            _ => format!("{}[{k}]", self.sources_whole),
        }
    }
}

/// Whether `e` is `<tape>.gradient(...)`, `.jacobian(...)` or `.batch_jacobian(...)`: an
/// assignment of such a call binds its sources' gradients in order.
pub fn is_gradient_call(e: &Expr) -> bool {
    let Expr::Call(c) = e else {
        return false;
    };
    matches!(&*c.func, Expr::Attribute(a)
        if matches!(a.attr.as_str(), "gradient" | "jacobian" | "batch_jacobian"))
}

/// Binds, for the length of `f`, the cell's tensors and variables under the cell's names in
/// the workspace, which is where the engine looks for names of nodes. A name the workspace
/// already binds (a session's) keeps its binding.
fn with_cell_names<T>(it: &mut Interp, f: impl FnOnce(&Workspace) -> T) -> T {
    let mut scope: HashMap<String, Val> = HashMap::new();
    let mut add = |ws: &Workspace, names: &HashMap<String, Value>| {
        for (n, v) in names {
            let val = match v {
                Value::Tensor(x) => Some(x.clone()),
                Value::Variable(id) | Value::UnreadVariable(id) => {
                    ws.variable(id).map(|var| var.val.clone())
                }
                _ => None,
            };
            if let Some(val) = val {
                scope.entry(n.clone()).or_insert(val);
            }
        }
    };
    if let Some(locals) = it.locals() {
        add(it.ws, &locals);
    }
    add(it.ws, it.globals);
    let mut bound = Vec::new();
    for (n, v) in scope {
        if !it.ws.contains(&n) {
            it.ws.bind(&n, v);
            bound.push(n);
        }
    }
    let out = f(it.ws);
    for n in bound {
        it.ws.remove(&n);
    }
    out
}

impl Interp<'_> {
    /// Records why the sources flagged in `null` got no gradient from the call at `site`, and
    /// returns each source's note (None where it has a gradient), in the sources' order.
    pub fn explain_nulls(
        &mut self,
        site: &CallSite,
        tape: TapeId,
        targets: &[Val],
        sources: &[Val],
        null: &[bool],
        zeros: bool,
    ) -> Vec<Option<CellNote>> {
        if !null.contains(&true) {
            return vec![None; sources.len()];
        }
        let names: Vec<String> = (0..sources.len())
            .map(|k| site.source(k, sources.len()))
            .collect();
        let target = if site.target.is_empty() {
            "the target".to_string()
        } else {
            site.target.clone()
        };
        let ts: Vec<(&str, &Val)> = targets.iter().map(|t| (target.as_str(), t)).collect();
        let ss: Vec<(&str, &Val)> = names.iter().map(String::as_str).zip(sources).collect();
        let notes = with_cell_names(self, |ws| {
            why_null_from(Front::Cell, ws, tape, &ts, &ss, null)
        });
        let mut notes = notes.into_iter();
        let per_source: Vec<Option<CellNote>> = null
            .iter()
            .enumerate()
            .map(|(k, &is_null)| {
                let note = if is_null { notes.next() } else { None };
                let note = note.map(|n| self.through_assign_result(n, &names[k], &target));
                note.map(|note| CellNote {
                    line: site.line,
                    column: site.column,
                    note,
                    zeros,
                    name: None,
                })
            })
            .collect();
        for n in per_source.iter().flatten() {
            self.add_note(n.clone());
        }
        per_source
    }

    /// A source the cell rebound to what an assign returned (`w = w.assign_sub(lr * g)`) is
    /// TensorFlow's `_UnreadVariable`: reading it does not make a tape watch the variable, so
    /// its gradient is None though `target` was computed from it. The engine sees only a path
    /// that is not there; this says why, and what to write instead.
    fn through_assign_result(&self, mut note: Note, source: &str, target: &str) -> Note {
        if note.reason == Reason::NotConnected
            && matches!(self.lookup(source), Some(Value::UnreadVariable(_)))
        {
            note.detail = format!(
                "{source} holds the value an assign returned (TensorFlow's _UnreadVariable: `{source} = {source}.assign_sub(...)` rebinds {source} to it), not the variable itself, and reading it does not make the tape watch the variable, so nothing leads from {source} to {target}; call `{source}.assign_sub(...)` without `{source} =`, or tape.watch({source}) before using it"
            );
        }
        note
    }

    /// Records `variable <- from` (an assign, assign_add or assign_sub, or a Variable made
    /// from a tensor or variable), so a gradient whose only path runs through it is
    /// `through_assign`. A Python value (a list, a number) has no path to record.
    pub fn note_assign(&mut self, variable: &str, from: &Value) {
        let from = match from {
            Value::Tensor(v) => Some(v.id),
            Value::Variable(id) | Value::UnreadVariable(id) => {
                self.ws.variable(id).map(|v| v.val.id)
            }
            _ => None,
        };
        let Some(from) = from else { return };
        if let Some(v) = self.ws.variable(variable) {
            let (now, var) = (self.ws.ctx.now(), v.val.id);
            self.ws.ctx.prov.assign(now, var, from);
        }
    }

    /// Adds a note unless the same one (same place, source and reason) is there already.
    pub fn add_note(&mut self, n: CellNote) {
        if self.notes.len() < MAX_NOTES && !self.notes.iter().any(|m| same_note(m, &n)) {
            self.notes.push(n);
        }
    }

    /// Gives the answer's copy of `n` the name the cell bound the gradient to.
    fn name_note(&mut self, n: &CellNote) {
        if let Some(m) = self.notes.iter_mut().find(|m| same_note(m, n)) {
            m.name
                .get_or_insert_with(|| n.name.clone().unwrap_or_default());
        }
    }

    /// Notes the non-finite value the engine saw last, if it is new, at the statement
    /// `(line, column)` that just ran, naming its node by the names the cell holds now, and
    /// lets the engine look for the next one: each statement whose own op (forward, or in a
    /// gradient's VJP) first made a NaN or an infinity gets its note (a loop's turns, one).
    pub fn place_non_finite(&mut self, (line, column): (usize, usize)) {
        let Some(n) = self.ws.ctx.numerics.as_deref_mut() else {
            return;
        };
        let placed = self.non_finite_at.last().map(|&(phase, _, _)| phase);
        let Some(phase) = n.events.last().map(|e| e.phase) else {
            return;
        };
        if Some(phase) == placed {
            return;
        }
        self.non_finite_at.push((phase, line, column));
        // past the cap the phase stays: the engine then records no further event
        if self.non_finite_at.len() < MAX_NON_FINITE_NOTES {
            n.phase += 1;
        }
        let Some(numerics) = self.ws.ctx.numerics.take() else {
            return;
        };
        let note = with_cell_names(self, |ws| numerics.note(ws, phase));
        self.ws.ctx.numerics = Some(numerics);
        if let Some(note) = note {
            self.add_note(CellNote {
                line,
                column,
                note,
                zeros: false,
                name: None,
            });
        }
    }

    /// Remembers, for names an assignment binds to a None gradient, why it is None, and
    /// forgets it for names bound to anything else. `per_source` holds the notes of the
    /// gradient call the assigned value comes straight from (None when it does not).
    pub fn remember_nones(
        &mut self,
        targets: &[Expr],
        v: &Value,
        per_source: Option<&[Option<CellNote>]>,
    ) {
        if !self.at_top_level() {
            return;
        }
        let Some(per_source) = per_source else {
            // not a gradient: every name assigned forgets why it was None, and the value
            // (which may be a list nested thousands deep) needs no walk
            for t in targets {
                for n in crate::cells::expr::target_names(t) {
                    self.why_none.remove(n.as_str());
                }
            }
            return;
        };
        let per_source = Some(per_source);
        for t in targets {
            let mut k = 0;
            self.remember_in(t, v, per_source, &mut k);
        }
    }

    fn remember_in(
        &mut self,
        target: &Expr,
        v: &Value,
        per_source: Option<&[Option<CellNote>]>,
        k: &mut usize,
    ) {
        let items = match v {
            Value::List(_) | Value::Tuple(_) => v.items(),
            _ => None,
        };
        match (target, items) {
            (Expr::Name(n), None) if matches!(v, Value::Dict(_)) => {
                self.why_none.remove(n.id.as_str());
                *k += leaves(v);
            }
            (Expr::Name(n), None) => {
                let note = per_source.and_then(|p| p.get(*k).cloned().flatten());
                match note {
                    Some(mut note) if matches!(v, Value::None) => {
                        note.name = Some(n.id.to_string());
                        self.name_note(&note);
                        self.why_none.insert(n.id.to_string(), note);
                    }
                    _ => {
                        self.why_none.remove(n.id.as_str());
                    }
                }
                *k += 1;
            }
            (Expr::Tuple(_) | Expr::List(_), Some(items)) => {
                let elts = match target {
                    Expr::Tuple(t) => &t.elts,
                    Expr::List(l) => &l.elts,
                    _ => return,
                };
                if elts.iter().any(Expr::is_starred_expr) {
                    // `a, *rest = grads`: no item is a gradient of its own source any more
                    for n in crate::cells::expr::target_names(target) {
                        self.why_none.remove(n.as_str());
                    }
                    return;
                }
                if elts.len() != items.len() {
                    return;
                }
                for (t, item) in elts.iter().zip(&items) {
                    self.remember_in(t, item, per_source, k);
                }
            }
            (Expr::Name(n), Some(items)) => {
                self.why_none.remove(n.id.as_str());
                *k += leaves(&Value::list(items));
            }
            _ => *k += leaves(v),
        }
    }
}

fn same_note(a: &CellNote, b: &CellNote) -> bool {
    (a.line, a.column, &a.note.source, a.note.reason)
        == (b.line, b.column, &b.note.source, b.note.reason)
}

/// The tensors in a (possibly nested) list or tuple of gradients.
fn leaves(v: &Value) -> usize {
    match v {
        Value::List(_) | Value::Tuple(_) => v.items().unwrap_or_default().iter().map(leaves).sum(),
        Value::Dict(d) => d.snapshot().iter().map(|(_, x)| leaves(x)).sum(),
        _ => 1,
    }
}
