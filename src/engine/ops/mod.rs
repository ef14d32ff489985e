//! The op registry: one enum, one variant per op family, each family in its own file with its
//! shape/dtype rule, forward kernel and VJP side by side (see `unary.rs` for the pattern).

mod attrs;
mod binary;
mod build;
mod create;
mod linalg;
mod logic;
mod nn;
mod reduce;
mod shape;
mod unary;

pub use attrs::Attrs;
pub use binary::Binary;
pub use create::Create;
pub use linalg::Linalg;
pub use logic::{Compare, Logic};
pub use nn::Nn;
pub use reduce::Reduce;
pub use shape::ShapeOp;
pub use unary::Unary;

use super::autodiff::{Ctx, Val};
use super::error::{arg_err, Code, Error, Result};
use super::tensor::Tensor;
use super::Limits;

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Op {
    Create(Create),
    Unary(Unary),
    Binary(Binary),
    Logic(Logic),
    Reduce(Reduce),
    Shape(ShapeOp),
    Linalg(Linalg),
    Nn(Nn),
}

/// TensorFlow paths each op answers to (the oracle's table): `tf.nn.softmax` is `softmax`, but
/// `tf.nn.log` is no TensorFlow function and stays unknown.
const TF_PATHS: &[(&str, &str)] = &[
    ("tf.abs", "abs"),
    ("tf.add", "add"),
    ("tf.argmax", "argmax"),
    ("tf.argmin", "argmin"),
    ("tf.broadcast_to", "broadcast_to"),
    ("tf.cast", "cast"),
    ("tf.concat", "concat"),
    ("tf.constant", "constant"),
    ("tf.divide", "divide"),
    ("tf.equal", "equal"),
    ("tf.exp", "exp"),
    ("tf.expand_dims", "expand_dims"),
    ("tf.eye", "eye"),
    ("tf.fill", "fill"),
    ("tf.gather", "gather"),
    ("tf.greater", "greater"),
    ("tf.greater_equal", "greater_equal"),
    ("tf.identity", "identity"),
    ("tf.less", "less"),
    ("tf.less_equal", "less_equal"),
    ("tf.linalg.eye", "eye"),
    ("tf.linalg.matmul", "matmul"),
    ("tf.linalg.matvec", "matvec"),
    ("tf.linalg.tensordot", "tensordot"),
    ("tf.linspace", "linspace"),
    ("tf.math.abs", "abs"),
    ("tf.math.add", "add"),
    ("tf.math.argmax", "argmax"),
    ("tf.math.argmin", "argmin"),
    ("tf.math.ceil", "ceil"),
    ("tf.math.cos", "cos"),
    ("tf.math.divide", "divide"),
    ("tf.math.equal", "equal"),
    ("tf.math.erf", "erf"),
    ("tf.math.exp", "exp"),
    ("tf.math.floor", "floor"),
    ("tf.math.greater", "greater"),
    ("tf.math.greater_equal", "greater_equal"),
    ("tf.math.less", "less"),
    ("tf.math.less_equal", "less_equal"),
    ("tf.math.log", "log"),
    ("tf.math.log1p", "log1p"),
    ("tf.math.log_softmax", "log_softmax"),
    ("tf.math.logical_and", "logical_and"),
    ("tf.math.logical_not", "logical_not"),
    ("tf.math.logical_or", "logical_or"),
    ("tf.math.maximum", "maximum"),
    ("tf.math.minimum", "minimum"),
    ("tf.math.multiply", "multiply"),
    ("tf.math.negative", "negative"),
    ("tf.math.not_equal", "not_equal"),
    ("tf.math.pow", "pow"),
    ("tf.math.reciprocal", "reciprocal"),
    ("tf.math.reduce_logsumexp", "reduce_logsumexp"),
    ("tf.math.reduce_max", "reduce_max"),
    ("tf.math.reduce_mean", "reduce_mean"),
    ("tf.math.reduce_min", "reduce_min"),
    ("tf.math.reduce_prod", "reduce_prod"),
    ("tf.math.reduce_sum", "reduce_sum"),
    ("tf.math.round", "round"),
    ("tf.math.rsqrt", "rsqrt"),
    ("tf.math.sigmoid", "sigmoid"),
    ("tf.math.sign", "sign"),
    ("tf.math.sin", "sin"),
    ("tf.math.softplus", "softplus"),
    ("tf.math.sqrt", "sqrt"),
    ("tf.math.square", "square"),
    ("tf.math.squared_difference", "squared_difference"),
    ("tf.math.subtract", "subtract"),
    ("tf.math.tanh", "tanh"),
    ("tf.matmul", "matmul"),
    ("tf.maximum", "maximum"),
    ("tf.minimum", "minimum"),
    ("tf.multiply", "multiply"),
    ("tf.negative", "negative"),
    ("tf.nn.elu", "elu"),
    ("tf.nn.gelu", "gelu"),
    ("tf.nn.l2_loss", "l2_loss"),
    ("tf.nn.leaky_relu", "leaky_relu"),
    ("tf.nn.log_softmax", "log_softmax"),
    ("tf.nn.relu", "relu"),
    ("tf.nn.relu6", "relu6"),
    ("tf.nn.selu", "selu"),
    ("tf.nn.sigmoid", "sigmoid"),
    (
        "tf.nn.sigmoid_cross_entropy_with_logits",
        "sigmoid_cross_entropy_with_logits",
    ),
    ("tf.nn.silu", "silu"),
    ("tf.nn.softmax", "softmax"),
    (
        "tf.nn.softmax_cross_entropy_with_logits",
        "softmax_cross_entropy_with_logits",
    ),
    ("tf.nn.softplus", "softplus"),
    ("tf.nn.softsign", "softsign"),
    (
        "tf.nn.sparse_softmax_cross_entropy_with_logits",
        "sparse_softmax_cross_entropy_with_logits",
    ),
    ("tf.nn.tanh", "tanh"),
    ("tf.not_equal", "not_equal"),
    ("tf.one_hot", "one_hot"),
    ("tf.ones", "ones"),
    ("tf.ones_like", "ones_like"),
    ("tf.pow", "pow"),
    ("tf.random.normal", "random_normal"),
    ("tf.random.uniform", "random_uniform"),
    ("tf.range", "range"),
    ("tf.reduce_logsumexp", "reduce_logsumexp"),
    ("tf.reduce_max", "reduce_max"),
    ("tf.reduce_mean", "reduce_mean"),
    ("tf.reduce_min", "reduce_min"),
    ("tf.reduce_prod", "reduce_prod"),
    ("tf.reduce_sum", "reduce_sum"),
    ("tf.reshape", "reshape"),
    ("tf.round", "round"),
    ("tf.sigmoid", "sigmoid"),
    ("tf.sign", "sign"),
    ("tf.slice", "slice"),
    ("tf.sqrt", "sqrt"),
    ("tf.square", "square"),
    ("tf.squeeze", "squeeze"),
    ("tf.stack", "stack"),
    ("tf.stop_gradient", "stop_gradient"),
    ("tf.subtract", "subtract"),
    ("tf.tanh", "tanh"),
    ("tf.tensordot", "tensordot"),
    ("tf.tile", "tile"),
    ("tf.transpose", "transpose"),
    ("tf.where", "where"),
    ("tf.zeros", "zeros"),
    ("tf.zeros_like", "zeros_like"),
];

/// The canonical name of an op written as a TensorFlow path; other names pass unchanged.
/// Plain names skip the table search (it had been 5% of a small program's run).
pub fn canonical_name(name: &str) -> &str {
    if !name.starts_with("tf.") {
        return name;
    }
    match TF_PATHS.binary_search_by(|(path, _)| path.cmp(&name)) {
        Ok(i) => TF_PATHS[i].1,
        Err(_) => name,
    }
}

/// Every canonical op name, for suggestions and the docs.
pub const OP_NAMES: &[&str] = &[
    "constant",
    "ones",
    "zeros",
    "fill",
    "ones_like",
    "zeros_like",
    "linspace",
    "range",
    "eye",
    "one_hot",
    "random_normal",
    "random_uniform",
    "identity",
    "stop_gradient",
    "negative",
    "abs",
    "sign",
    "exp",
    "log",
    "log1p",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "erf",
    "floor",
    "ceil",
    "round",
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "softplus",
    "softsign",
    "silu",
    "add",
    "subtract",
    "multiply",
    "divide",
    "pow",
    "maximum",
    "minimum",
    "squared_difference",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "equal",
    "not_equal",
    "logical_and",
    "logical_or",
    "logical_not",
    "where",
    "cast",
    "reduce_sum",
    "reduce_mean",
    "reduce_max",
    "reduce_min",
    "reduce_prod",
    "reduce_logsumexp",
    "argmax",
    "argmin",
    "reshape",
    "transpose",
    "expand_dims",
    "squeeze",
    "concat",
    "stack",
    "tile",
    "broadcast_to",
    "slice",
    "gather",
    "matmul",
    "matvec",
    "tensordot",
    "softmax",
    "log_softmax",
    "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits",
    "l2_loss",
    "watch",
];

/// The known op closest to a misspelt one (edit distance at most 2), if any.
fn suggest(name: &str) -> Option<&'static str> {
    fn distance(a: &str, b: &str) -> usize {
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
    let short = name.rsplit('.').next().unwrap_or(name);
    OP_NAMES
        .iter()
        .map(|op| (distance(short, op), *op))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, op)| op)
}

impl Op {
    /// Builds an op from its (canonical) name and attributes; unknown names are `unknown_op`.
    pub fn parse(name: &str, attrs: &Attrs, lim: &Limits) -> Result<Op> {
        let op = if let Some(c) = Create::parse(name, attrs, lim)? {
            Op::Create(c)
        } else if let Some(u) = Unary::parse(name, attrs)? {
            Op::Unary(u)
        } else if let Some(b) = Binary::parse(name) {
            Op::Binary(b)
        } else if let Some(l) = Logic::parse(name, attrs)? {
            Op::Logic(l)
        } else if let Some(r) = Reduce::parse(name, attrs)? {
            Op::Reduce(r)
        } else if let Some(s) = ShapeOp::parse(name, attrs)? {
            Op::Shape(s)
        } else if let Some(l) = Linalg::parse(name, attrs)? {
            Op::Linalg(l)
        } else if let Some(n) = Nn::parse(name, attrs)? {
            Op::Nn(n)
        } else {
            let hint = match suggest(name) {
                Some(s) => format!("did you mean \"{s}\"? "),
                None => String::new(),
            };
            return Err(Error::new(
                Code::UnknownOp,
                format!("unknown op \"{name}\"; {hint}the op table in the API docs (GET /docs) lists what gradtape supports"),
            ));
        };
        attrs.reject_unused()?;
        Ok(op)
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
        }
    }

    /// How many tensor inputs the op takes: (min, max).
    pub fn arity(&self) -> (usize, usize) {
        match self {
            Op::Create(o) => o.arity(),
            Op::Unary(_) | Op::Reduce(_) => (1, 1),
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
            _ => self.differentiable(),
        }
    }

    pub fn differentiable(&self) -> bool {
        match self {
            Op::Create(_) => false,
            Op::Unary(u) => u.differentiable(),
            Op::Logic(l) => l.differentiable(),
            Op::Reduce(r) => r.differentiable(),
            _ => true,
        }
    }

    /// Ops TensorFlow itself builds from other ops run as those ops, so their gradients
    /// (and gradients of gradients) are exactly TensorFlow's.
    pub fn expand(&self, ctx: &mut Ctx, inputs: &[&Val]) -> Option<Result<Val>> {
        match self {
            // tf.cast to the dtype a tensor already has returns that tensor itself
            Op::Logic(Logic::Cast(d)) if inputs.first().is_some_and(|x| x.t.dtype() == *d) => {
                Some(Ok(inputs[0].clone()))
            }
            Op::Unary(u) => u.expand(ctx, inputs),
            Op::Reduce(r) => r.expand(ctx, inputs),
            Op::Linalg(l) => l.expand(ctx, inputs),
            Op::Nn(n) => n.expand(ctx, inputs),
            _ => None,
        }
    }

    pub fn forward(&self, inputs: &[&Tensor], lim: &Limits) -> Result<Tensor> {
        match self {
            Op::Create(o) => o.forward(inputs, lim),
            Op::Unary(o) => o.forward(inputs[0]),
            Op::Binary(o) => o.forward(inputs[0], inputs[1]),
            Op::Logic(o) => o.forward(inputs),
            Op::Reduce(o) => o.forward(inputs[0]),
            Op::Shape(o) => o.forward(inputs, lim),
            Op::Linalg(o) => o.forward(inputs[0], inputs[1], lim),
            Op::Nn(o) => o.forward(inputs),
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
        let lead = g.t.rank() - out.t.rank();
        match self {
            Op::Create(_) => Ok(vec![None; inputs.len()]),
            Op::Unary(o) => o.vjp(ctx, inputs[0], out, g).map(|x| vec![x]),
            Op::Binary(o) => o.vjp(ctx, inputs[0], inputs[1], out, g, lead),
            Op::Logic(o) => o.vjp(ctx, inputs, g, lead),
            Op::Reduce(o) => o.vjp(ctx, inputs[0], out, g, lead).map(|x| vec![Some(x)]),
            Op::Shape(o) => o.vjp(ctx, inputs, g, lead),
            Op::Linalg(o) => o.vjp(ctx, inputs[0], inputs[1], g, lead, needs),
            Op::Nn(o) => o.vjp(ctx, inputs, out, g, lead, needs),
        }
    }
}
