//! The ops: one enum, one variant per op family, each family in its own file with its
//! shape/dtype rule, forward kernel and VJP side by side (see `unary.rs` for the pattern).
//! `registry` holds every op's TensorFlow signature, the single source of names and paths.

mod attrs;
mod binary;
mod cotangent;
mod create;
mod differentiable;
mod linalg;
mod logic;
mod nn;
mod reduce;
pub mod registry;
mod scan;
mod shape;
mod unary;
mod wrong_shape;
mod xent;

pub use attrs::Attrs;
pub use binary::Binary;
pub use cotangent::FoldedZero;
pub use create::{Create, LikeFill, RandomKernels, RandomKind, Stream};
pub use linalg::Linalg;
pub use logic::{Compare, Logic};
pub use nn::Nn;
pub use reduce::{Kind as ReduceKind, Reduce};
pub use scan::{Scan, ScanKind};
pub use shape::{check_resource_gather, ShapeOp};
pub use unary::{GradientForm, Unary};
pub use wrong_shape::{broadcast_gradient_args, Shape, Site};

use super::autodiff::{Ctx, Val};
use super::error::{arg_err, no_gradient_err, Code, Error, Result};
use super::tensor::Tensor;
use super::Limits;
use registry::Family;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Op {
    Create(Box<Create>),
    Unary(Unary),
    Binary(Binary),
    Logic(Logic),
    Reduce(Reduce),
    Shape(ShapeOp),
    Linalg(Linalg),
    Nn(Nn),
    /// Internal: reduce_prod's VJP is built from cumulative products, as TensorFlow's is.
    Scan(Scan),
}

/// The canonical name of an op written as a TensorFlow path or alias; other names (`watch`,
/// unknown ones) pass unchanged.
pub fn canonical_name(name: &str) -> &str {
    registry::lookup(name).map_or(name, |d| d.name)
}

/// Node kinds that are no op: `watch` is `tape.watch(...)` written as a node.
const PSEUDO_OPS: &[&str] = &["watch"];

/// The known op closest to a misspelt one (edit distance at most 2), if any.
fn suggest(name: &str) -> Option<&'static str> {
    let short = name.rsplit('.').next().unwrap_or(name);
    registry::op_names()
        .chain(PSEUDO_OPS.iter().copied())
        .map(|op| (edit_distance(short, op), op))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, op)| op)
}

/// Levenshtein distance, for suggesting a name close to a misspelt one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The families in the order `Op::parse` tries them for a name the registry does not know.
const FAMILIES: [Family; 8] = [
    Family::Create,
    Family::Unary,
    Family::Binary,
    Family::Logic,
    Family::Reduce,
    Family::Shape,
    Family::Linalg,
    Family::Nn,
];

impl Op {
    /// Builds an op from its (canonical) name and attributes; unknown names are `unknown_op`.
    pub fn parse(name: &str, attrs: &Attrs, lim: &Limits) -> Result<Op> {
        Op::parse_in(registry::lookup(name).map(|d| d.family), name, attrs, lim)
    }

    /// `parse` for a caller that has looked the name up in the registry already: a registry
    /// name is read by its own family's parser alone (each reads only its own names; a test
    /// checks it for every name), where trying them all in turn compared the name with a
    /// few dozen others. A name the registry does not know goes through every family.
    pub fn parse_in(family: Option<Family>, name: &str, attrs: &Attrs, lim: &Limits) -> Result<Op> {
        let own = match family {
            Some(f) => Op::parse_family(f, name, attrs, lim)?,
            None => None,
        };
        let op = match own {
            Some(op) => op,
            None => match FAMILIES
                .iter()
                .find_map(|&f| Op::parse_family(f, name, attrs, lim).transpose())
            {
                Some(op) => op?,
                None => {
                    let hint = match suggest(name) {
                        Some(s) => format!("; did you mean \"{s}\"?"),
                        None => String::new(),
                    };
                    return Err(Error::new(
                        Code::UnknownOp,
                        format!("unknown op \"{name}\"{hint}"),
                    ));
                }
            },
        };
        attrs.reject_unused()?;
        Ok(op)
    }

    /// The op of `family` that `name` names, if that family has one by that name.
    fn parse_family(family: Family, name: &str, attrs: &Attrs, lim: &Limits) -> Result<Option<Op>> {
        Ok(match family {
            Family::Create => Create::parse(name, attrs, lim)?.map(|c| Op::Create(Box::new(c))),
            Family::Unary => Unary::parse(name, attrs)?.map(Op::Unary),
            Family::Binary => Binary::parse(name).map(Op::Binary),
            Family::Logic => Logic::parse(name, attrs)?.map(Op::Logic),
            Family::Reduce => Reduce::parse(name, attrs)?.map(Op::Reduce),
            Family::Shape => ShapeOp::parse(name, attrs)?.map(Op::Shape),
            Family::Linalg => Linalg::parse(name, attrs)?.map(Op::Linalg),
            Family::Nn => Nn::parse(name, attrs)?.map(Op::Nn),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Op::Create(o) => o.name(),
            Op::Unary(o) => o.name(),
            Op::Binary(o) => o.name(),
            Op::Logic(o) => o.name(),
            Op::Reduce(o) => o.name(),
            Op::Shape(o) => o.name(),
            Op::Linalg(o) => o.name(),
            Op::Nn(o) => o.name(),
            Op::Scan(o) => o.name(),
        }
    }

    /// How many tensor inputs the op takes: (min, max).
    pub fn arity(&self) -> (usize, usize) {
        match self {
            Op::Create(o) => o.arity(),
            Op::Unary(_) | Op::Reduce(_) | Op::Scan(_) => (1, 1),
            Op::Binary(_) => (2, 2),
            Op::Logic(o) => o.arity(),
            Op::Shape(o) => o.arity(),
            Op::Linalg(_) => (2, 2),
            Op::Nn(o) => o.arity(),
        }
    }

    pub fn check_arity(&self, n: usize) -> Result<()> {
        let (lo, hi) = self.arity();
        if n < lo || n > hi {
            let want = if lo == hi {
                format!("{lo}")
            } else if hi == usize::MAX {
                format!("at least {lo}")
            } else {
                format!("{lo} to {hi}")
            };
            return Err(arg_err(format!(
                "{} takes {want} input(s) in \"inputs\", but {n} were given",
                self.name()
            )));
        }
        Ok(())
    }

    /// Whether TensorFlow has a gradient for this op (ops without one are never recorded).
    /// Whether a recording tape records this op: every differentiable op, and also the ones
    /// TensorFlow records with a gradient of `None` (`floor`, `ones_like`...), whose outputs are
    /// then tensors the tape knows (`dy/d floor(x)` exists).
    pub fn recorded(&self) -> bool {
        match self {
            Op::Create(c) => c.is_like(),
            Op::Unary(u) => u.recorded(),
            Op::Binary(_) => true,
            _ => self.differentiable(),
        }
    }

    pub fn differentiable(&self) -> bool {
        match self {
            Op::Create(_) => false,
            Op::Unary(u) => u.differentiable(),
            Op::Binary(b) => b.differentiable(),
            Op::Logic(l) => l.differentiable(),
            Op::Reduce(r) => r.differentiable(),
            _ => true,
        }
    }

    /// TensorFlow's type name of a recorded op it registers no gradient for (one that raises
    /// `LookupError` once a gradient reaches it); None for every op with a gradient.
    pub fn without_gradient(&self) -> Option<&'static str> {
        matches!(self, Op::Binary(Binary::SoftsignGrad)).then_some("SoftsignGrad")
    }

    /// Whether `gradient_error` can give an error for this op: the walk it asks for is
    /// skipped for tapes without such ops.
    pub fn may_fail_its_gradient(&self) -> bool {
        self.without_gradient().is_some()
            || matches!(
                self,
                Op::Nn(Nn::SoftmaxCrossEntropy { .. } | Nn::SoftmaxCrossEntropyKernel { .. })
            )
    }

    /// The error TensorFlow raises on reaching this recorded op from the targets, whichever
    /// source is asked for (it runs the gradient function of every op a gradient reaches):
    /// an op without a gradient, or a gradient function that fails for these inputs. `traced`
    /// says which inputs the tape traces.
    pub fn gradient_error(&self, inputs: &[&Tensor], traced: &[bool]) -> Option<Error> {
        if let Some(op_type) = self.without_gradient() {
            return Some(no_gradient_err(op_type));
        }
        match self {
            Op::Nn(n) => n.gradient_error(inputs, traced),
            _ => None,
        }
    }

    /// Ops TensorFlow itself builds from other ops run as those ops, so their gradients
    /// (and gradients of gradients) are exactly TensorFlow's.
    pub fn expand(&self, ctx: &mut Ctx, inputs: &[&Val]) -> Option<Result<Val>> {
        match self {
            // tf.cast to the dtype a tensor already has returns that tensor itself
            Op::Logic(Logic::Cast(d)) if inputs.first().is_some_and(|x| x.tensor.dtype() == *d) => {
                Some(Ok(inputs[0].clone()))
            }
            Op::Unary(u) => u.expand(ctx, inputs),
            Op::Reduce(r) => r.expand(ctx, inputs),
            Op::Linalg(l) => l.expand(ctx, inputs),
            Op::Nn(n) => n.expand(ctx, inputs),
            _ => None,
        }
    }

    /// The op's kernel as TensorFlow's CPU runs it, denormals flushed to zero: an arithmetic
    /// kernel reads a subnormal input as zero and writes a subnormal result as zero.
    pub fn forward(&self, inputs: &[&Tensor], lim: &Limits) -> Result<Tensor> {
        if !self.flushes_denormals() {
            return self.kernel(inputs, lim);
        }
        let out = if inputs.iter().any(|t| t.has_subnormal()) {
            let flushed: Vec<Option<Tensor>> =
                inputs.iter().map(|t| t.without_denormals()).collect();
            let inputs: Vec<&Tensor> = inputs
                .iter()
                .zip(&flushed)
                .map(|(&t, f)| f.as_ref().unwrap_or(t))
                .collect();
            self.kernel(&inputs, lim)?
        } else {
            self.kernel(inputs, lim)?
        };
        Ok(out.without_denormals().unwrap_or(out))
    }

    /// Data movement (reshape, gather, where, identity) and sign-bit ops (neg, abs) copy bits,
    /// so they keep a subnormal; every kernel that computes flushes it.
    fn flushes_denormals(&self) -> bool {
        match self {
            Op::Create(_) | Op::Shape(_) => false,
            Op::Unary(u) => !matches!(
                u,
                Unary::Identity | Unary::StopGradient | Unary::Negative | Unary::Abs
            ),
            Op::Logic(l) => !matches!(l, Logic::Where | Logic::Not | Logic::And | Logic::Or),
            _ => true,
        }
    }

    fn kernel(&self, inputs: &[&Tensor], lim: &Limits) -> Result<Tensor> {
        match self {
            Op::Create(o) => o.forward(inputs, lim),
            Op::Unary(o) => o.forward(inputs[0]),
            Op::Binary(o) => o.forward(inputs[0], inputs[1]),
            Op::Logic(o) => o.forward(inputs),
            Op::Reduce(o) => o.forward(inputs[0]),
            Op::Shape(o) => o.forward(inputs, lim),
            Op::Linalg(o) => o.forward(inputs[0], inputs[1], lim),
            Op::Nn(o) => o.forward(inputs),
            Op::Scan(o) => o.forward(inputs[0]),
        }
    }

    /// Vector-Jacobian product: the gradient of each input given `g`, the output's gradient.
    /// `g` may carry leading batch dimensions (`[B] + out.shape`: a batch of cotangents, one per
    /// Jacobian row); every VJP keeps them, so a Jacobian is one reverse pass, not B of them.
    pub fn vjp(
        &self,
        ctx: &mut Ctx,
        inputs: &[&Val],
        out: &Val,
        g: &Val,
        needs: &[bool],
    ) -> Result<Vec<Option<Val>>> {
        let args = VjpArgs {
            inputs,
            out,
            g,
            lead: g.tensor.rank() - out.tensor.rank(),
            needs,
        };
        match self {
            Op::Create(_) => Ok(vec![None; inputs.len()]),
            Op::Unary(o) => o.vjp(ctx, &args).map(|x| vec![x]),
            Op::Binary(o) => o.vjp(ctx, &args),
            Op::Logic(o) => o.vjp(ctx, &args),
            Op::Reduce(o) => o.vjp(ctx, &args).map(|x| vec![Some(x)]),
            Op::Shape(o) => o.vjp(ctx, &args),
            Op::Linalg(o) => o.vjp(ctx, &args),
            Op::Nn(o) => o.vjp(ctx, &args),
            Op::Scan(o) => o.vjp(ctx, &args).map(|x| vec![Some(x)]),
        }
    }
}

/// What every family's VJP receives: the op's inputs and output as recorded, the output's
/// gradient `g` (with `lead` leading batch dimensions: a batch of cotangents, one per Jacobian
/// row), and which inputs need a gradient at all.
pub struct VjpArgs<'a> {
    pub inputs: &'a [&'a Val],
    pub out: &'a Val,
    pub g: &'a Val,
    pub lead: usize,
    pub needs: &'a [bool],
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse_in` reads a registry name with its family's parser alone: that parser knows the
    /// name, and no family tried before it in `FAMILIES` does, so trying them all in turn would
    /// build the same op.
    #[test]
    fn each_registry_name_is_read_by_its_own_family_and_no_earlier_one() {
        let lim = Limits::default();
        for def in registry::all() {
            let attrs = Attrs::new(def.name, &[]);
            let own = Op::parse_family(def.family, def.name, &attrs, &lim);
            assert!(!matches!(own, Ok(None)), "{}", def.name);
            for &f in FAMILIES.iter().take_while(|&&f| f != def.family) {
                let other = Op::parse_family(f, def.name, &attrs, &lim);
                assert!(matches!(other, Ok(None)), "{} read as {f:?}", def.name);
            }
        }
    }
}
