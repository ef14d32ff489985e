//! The evaluator's state and its statements: names (a cell's globals, a function's locals),
//! the engine workspace, what `print` wrote, and the step budget.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use ruff_text_size::Ranged;

mod handlers;
pub(crate) mod scope;
mod stmt;

use super::raise::{Raise, RaiseKind};
use super::source::LineIndex;
use super::value::{Function, Scope, Value};
use crate::engine::Workspace;

/// Entering or leaving a `with` block: starts or stops a tape.
type Switch = Box<dyn Fn(&mut Workspace) -> crate::engine::Result<()>>;

/// What a statement did to the flow of its block.
pub enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
}

/// The locals of one call of a `def` function (or of one run of a comprehension, which
/// Python 3.11 runs as a function of its own), and the cell text its body comes from.
struct Frame {
    scope: Arc<Scope>,
    /// The frame's local names: one of them unbound is UnboundLocalError, not a global.
    locals: Locals,
    lines: Arc<LineIndex>,
}

/// Where a frame's local names are listed.
enum Locals {
    Function(Arc<Function>),
    /// A comprehension's: the names its `for` clauses bind.
    Comprehension(HashSet<String>),
}

impl Locals {
    fn contains(&self, name: &str) -> bool {
        match self {
            Locals::Function(f) => f.locals.contains(name),
            Locals::Comprehension(names) => names.contains(name),
        }
    }
}

/// Frames of `def` calls a cell may nest: Python's limit of 1000 less the frames the oracle's
/// `run_cell` itself takes, so `depth(995)` of a one-line recursion runs and `depth(996)` raises.
pub const MAX_CALL_DEPTH: usize = 996;

/// Stack a call must leave for the deepest body the checks allow (`source::MAX_DEPTH` levels of
/// expressions); less is a RecursionError before the thread's stack could overflow.
const STACK_MARGIN: usize = 4 << 20;

pub struct Interp<'k> {
    pub ws: &'k mut Workspace,
    pub globals: &'k mut HashMap<String, Value>,
    frames: Vec<Frame>,
    /// The text of the cell being run (a frame carries its own).
    pub lines: Arc<LineIndex>,
    pub out: String,
    /// What `tf.print` wrote: TensorFlow writes it to stderr, which is not the cell's stdout.
    pub err: String,
    steps: u64,
    max_steps: u64,
    max_stdout: usize,
    /// Bytes of Python strings, lists and tuples the cell has made, and how many it may
    /// (`budget.rs`).
    pub(super) python_bytes: usize,
    pub max_python_bytes: usize,
    started: Instant,
    /// Notes for the answer (`notes.rs`), and the gradient call being made.
    pub notes: Vec<super::notes::CellNote>,
    pub call_site: Option<super::notes::CallSite>,
    /// The per-source notes of the last gradient call, for the assignment that binds it.
    pub last_gradient: Option<Vec<Option<super::notes::CellNote>>>,
    /// Why a name bound to a None gradient is None (kept by the kernel across cells).
    pub why_none: HashMap<String, super::notes::CellNote>,
    /// Where each non-finite value the engine saw began: its numerics phase and the
    /// statement (line, column) during which it appeared (`notes.rs`).
    pub non_finite_at: Vec<(usize, usize, usize)>,
    /// `tf.random`'s seeds: the global seed, the op seeds drawn from it, the kernels' calls.
    pub random: super::tf::random::RandomState,
    /// The Philox stream the random op a `tf.random` call is about to make draws from (set
    /// by `tf::random::draw` around its op call, taken by `apply`).
    pub next_stream: Option<crate::engine::ops::Stream>,
    /// The variable and index each slice of a variable was read with (`v[0].assign(7)`).
    pub sliced_variables: HashMap<crate::engine::autodiff::ValId, super::index::SliceOfVariable>,
    /// Attributes a cell gave its tensors and variables (`t.foo = 3`), as Python keeps them in
    /// the object's `__dict__`: by the object's key (`attrs::instance_key`) and name.
    pub instance_attrs: HashMap<(String, String), Value>,
    /// What each variable was given as `trainable` where that is no bool (`tf.Variable(1.0,
    /// 'bias')` passes the name there): TensorFlow keeps it as given, and watches by its truth.
    pub trainable_given: HashMap<Arc<str>, crate::engine::lit::Lit>,
    /// The exceptions whose `except` blocks are running, innermost last (what a bare `raise`
    /// raises again).
    handling: Vec<Arc<super::exceptions::PyException>>,
}

impl<'k> Interp<'k> {
    pub fn new(
        ws: &'k mut Workspace,
        globals: &'k mut HashMap<String, Value>,
        lines: Arc<LineIndex>,
        max_steps: u64,
        max_stdout: usize,
    ) -> Interp<'k> {
        Interp {
            ws,
            globals,
            frames: Vec::new(),
            lines,
            out: String::new(),
            err: String::new(),
            steps: 0,
            max_steps,
            max_stdout,
            python_bytes: 0,
            max_python_bytes: super::CellLimits::default().max_python_bytes,
            started: Instant::now(),
            notes: Vec::new(),
            call_site: None,
            last_gradient: None,
            why_none: HashMap::new(),
            non_finite_at: Vec::new(),
            random: Default::default(),
            next_stream: None,
            sliced_variables: HashMap::new(),
            instance_attrs: HashMap::new(),
            trainable_given: HashMap::new(),
            handling: Vec::new(),
        }
    }

    /// The locals of the innermost `def` call, if one runs.
    pub fn locals(&self) -> Option<MutexGuard<'_, HashMap<String, Value>>> {
        self.frames.last().map(|f| f.scope.vars())
    }

    /// The scope a function defined now closes over.
    pub fn closure(&self) -> Option<Arc<Scope>> {
        self.frames.last().map(|f| f.scope.clone())
    }

    pub fn at_top_level(&self) -> bool {
        self.frames.is_empty()
    }

    /// How many calls are running (0 at the cell's top level).
    pub fn call_depth(&self) -> usize {
        self.frames.len()
    }

    /// Counts one statement, loop turn or call against GRADTAPE_MAX_CELL_STEPS; a loop of
    /// pure Python also meets the compute-time limit here, as no op checks the clock for it.
    pub fn step(&mut self) -> Result<(), Raise> {
        self.steps += 1;
        if self.steps > self.max_steps {
            return Err(Raise::new(
                RaiseKind::LimitExceeded,
                format!("the cell ran more than {} steps (statements, loop turns and calls; GRADTAPE_MAX_CELL_STEPS); make the loop shorter", self.max_steps),
            ));
        }
        if self.steps.is_multiple_of(4096) {
            let ms = self.ws.ctx.limits.max_compute_ms;
            if self.started.elapsed().as_millis() as u64 > ms {
                return Err(Raise::new(
                    RaiseKind::LimitExceeded,
                    format!("the cell computed for longer than max_compute_ms = {ms} ms; make it smaller"),
                ));
            }
        }
        Ok(())
    }

    /// Appends to stdout, within the bound on what a cell may print.
    pub fn write(&mut self, s: &str) -> Result<(), Raise> {
        self.write_room(s.len())?;
        self.out.push_str(s);
        Ok(())
    }

    /// Appends to stderr (`tf.print`), within the same bound as stdout, which both share.
    pub fn write_err(&mut self, s: &str) -> Result<(), Raise> {
        self.write_room(s.len())?;
        self.err.push_str(s);
        Ok(())
    }

    /// Refuses `n` more bytes of stdout and stderr past the bound on what a cell may print.
    pub fn write_room(&self, n: usize) -> Result<(), Raise> {
        if self.out.len() + self.err.len() + n > self.max_stdout {
            return Err(Raise::new(
                RaiseKind::LimitExceeded,
                format!(
                    "the cell printed more than {} bytes; print less",
                    self.max_stdout
                ),
            ));
        }
        Ok(())
    }

    pub fn current_lines(&self) -> Arc<LineIndex> {
        match self.frames.last() {
            Some(f) => f.lines.clone(),
            None => self.lines.clone(),
        }
    }

    /// Attributes a raise to `node` unless an inner expression already has it.
    pub fn locate(&self, mut r: Raise, node: &impl Ranged) -> Raise {
        if r.at.is_none() && !r.flow {
            r.at = Some(match self.frames.last() {
                Some(f) => f.lines.at(node.start()),
                None => self.lines.at(node.start()),
            });
        }
        r
    }

    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(f) = self.frames.last() {
            if let Some(v) = f.scope.vars().get(name) {
                return Some(v.clone());
            }
            if f.locals.contains(name) {
                return None;
            }
            let mut outer = f.scope.parent.as_ref();
            while let Some(s) = outer {
                if let Some(v) = s.vars().get(name) {
                    return Some(v.clone());
                }
                outer = s.parent.as_ref();
            }
        }
        self.globals
            .get(name)
            .cloned()
            .or_else(|| super::builtins::builtin(name))
    }

    pub fn bind(&mut self, name: &str, v: Value) {
        match self.frames.last_mut() {
            Some(f) => f.scope.vars().insert(name.to_string(), v),
            None => self.globals.insert(name.to_string(), v),
        };
    }

    fn unbind(&mut self, name: &str) -> bool {
        match self.frames.last_mut() {
            Some(f) => f.scope.vars().remove(name).is_some(),
            None => self.globals.remove(name).is_some(),
        }
    }

    /// Calls a `def` function: binds its parameters as Python does, runs its body in a frame.
    pub fn call_function(
        &mut self,
        f: &Arc<super::value::Function>,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    ) -> Result<Value, Raise> {
        self.step()?;
        self.check_depth()?;
        let params = &f.def.parameters.args;
        if args.len() > params.len() {
            return Err(too_many_positional(f, args.len()));
        }
        let mut slots: Vec<Option<Value>> = args.into_iter().map(Some).collect();
        slots.resize(params.len(), None);
        for (k, v) in kwargs {
            let Some(i) = params.iter().position(|p| p.name().as_str() == k) else {
                return Err(Raise::type_error(format!(
                    "{}() got an unexpected keyword argument '{k}'",
                    f.name
                )));
            };
            if slots[i].is_some() {
                return Err(Raise::type_error(format!(
                    "{}() got multiple values for argument '{k}'",
                    f.name
                )));
            }
            slots[i] = Some(v);
        }
        let missing: Vec<&str> = params
            .iter()
            .zip(&slots)
            .zip(&f.defaults)
            .filter(|((_, slot), default)| slot.is_none() && default.is_none())
            .map(|((p, _), _)| p.name().as_str())
            .collect();
        if !missing.is_empty() {
            return Err(missing_positional(f, &missing));
        }
        let mut locals = HashMap::new();
        for ((p, slot), default) in params.iter().zip(slots).zip(&f.defaults) {
            let Some(v) = slot.or_else(|| default.clone()) else {
                unreachable!("a missing argument is refused above")
            };
            locals.insert(p.name().as_str().to_string(), v);
        }
        let scope = Arc::new(Scope {
            vars: Mutex::new(locals),
            parent: f.closure.clone(),
        });
        self.frames.push(Frame {
            scope: scope.clone(),
            locals: Locals::Function(f.clone()),
            lines: f.source.clone(),
        });
        let result = self.exec_block(&f.def.body);
        self.frames.pop();
        drop_self_references(&scope);
        match result? {
            Flow::Return(v) => Ok(v),
            _ => Ok(Value::None),
        }
    }

    /// Runs `f` in a scope of its own binding `locals`, as Python 3.11 runs a comprehension:
    /// its variables do not outlive it, except in the closures made in it (`[lambda x: x + k
    /// for k in range(3)]` all read the comprehension's last `k`), and it reads the names of
    /// the scopes around it.
    pub fn in_comprehension<T>(
        &mut self,
        locals: HashSet<String>,
        f: impl FnOnce(&mut Self) -> Result<T, Raise>,
    ) -> Result<T, Raise> {
        self.check_depth()?;
        let scope = Arc::new(Scope {
            vars: Mutex::new(HashMap::new()),
            parent: self.closure(),
        });
        self.frames.push(Frame {
            scope: scope.clone(),
            locals: Locals::Comprehension(locals),
            lines: self.current_lines(),
        });
        let result = f(self);
        self.frames.pop();
        drop_self_references(&scope);
        result
    }

    /// A RecursionError when one more frame would pass Python's limit or the thread's stack.
    fn check_depth(&self) -> Result<(), Raise> {
        let low_stack = stacker::remaining_stack().is_some_and(|r| r < STACK_MARGIN);
        if self.frames.len() >= MAX_CALL_DEPTH || low_stack {
            return Err(Raise::new(
                RaiseKind::RecursionError,
                format!(
                    "maximum recursion depth exceeded: a cell nests at most {MAX_CALL_DEPTH} calls (fewer with deeply nested expressions)"
                ),
            ));
        }
        Ok(())
    }
}

/// A function defined in a finished frame and bound in it holds the scope that holds it: drop
/// those bindings, so that the pair is freed (one returned keeps the rest of the scope; it
/// cannot call itself by name afterwards, which no cell of the subset needs).
fn drop_self_references(scope: &Arc<Scope>) {
    scope.vars().retain(|_, v| {
        !matches!(v, Value::Function(g) if g.closure.as_ref().is_some_and(|c| Arc::ptr_eq(c, scope)))
    });
}

impl Interp<'_> {
    /// A name `lookup` did not find: a function's local not bound yet, or no name at all.
    pub fn name_error(&self, name: &str) -> Raise {
        match self.frames.last() {
            Some(f) if f.locals.contains(name) => Raise::new(
                RaiseKind::UnboundLocalError,
                format!(
                    "cannot access local variable '{name}' where it is not associated with a value"
                ),
            ),
            _ => Raise::new(
                RaiseKind::NameError,
                format!("name '{name}' is not defined"),
            ),
        }
    }
}

/// CPython's TypeError for a call given more positional arguments than `f` has parameters:
/// `f() takes 1 positional argument but 2 were given`, `f() takes from 1 to 2 positional
/// arguments but 3 were given`.
fn too_many_positional(f: &super::value::Function, given: usize) -> Raise {
    let total = f.defaults.len();
    let required = f.defaults.iter().filter(|d| d.is_none()).count();
    let plural = if total == 1 { "" } else { "s" };
    let takes = if required < total {
        format!("from {required} to {total}")
    } else {
        total.to_string()
    };
    let were = if given == 1 { "was" } else { "were" };
    Raise::type_error(format!(
        "{}() takes {takes} positional argument{plural} but {given} {were} given",
        f.name
    ))
}

/// CPython's TypeError for parameters without a value: `f() missing 1 required positional
/// argument: 'b'`, `... 3 required positional arguments: 'a', 'b', and 'c'`.
fn missing_positional(f: &super::value::Function, names: &[&str]) -> Raise {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    let list = match &quoted[..] {
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
        [] => String::new(),
    };
    let plural = if names.len() == 1 { "" } else { "s" };
    Raise::type_error(format!(
        "{}() missing {} required positional argument{plural}: {list}",
        f.name,
        names.len()
    ))
}
