//! Creation ops: constant, ones/zeros/fill, *_like, linspace, range, eye, one_hot, and the
//! seeded random initialisers. None has a gradient. Sizes are checked before allocating.

mod kernels;
mod parse;
mod philox;

pub use philox::{Kernels as RandomKernels, Stream};

use super::Attrs;
use crate::engine::dtype::DType;
use crate::engine::error::Result;
use crate::engine::lit::tensor_from_lit;
use crate::engine::tensor::{checked_numel, Tensor};
use crate::engine::Limits;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FillKind {
    Ones,
    Zeros,
    Fill,
}

/// What `Create::Like` fills its input's shape with (zeros first: the stored session format
/// encodes it as the byte 0 or 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LikeFill {
    Zeros,
    Ones,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Create {
    Constant(Tensor),
    /// ones, zeros and fill: `value` is a scalar tensor of the result's dtype.
    Fill {
        shape: Vec<usize>,
        value: Tensor,
        kind: FillKind,
    },
    /// ones_like and zeros_like.
    Like {
        fill: LikeFill,
    },
    Linspace {
        start: f64,
        stop: f64,
        num: i64,
        dtype: DType,
        cast: Option<DType>,
    },
    Range {
        start: f64,
        limit: f64,
        delta: f64,
        dtype: DType,
    },
    Eye {
        rows: i64,
        cols: i64,
        dtype: DType,
    },
    OneHot {
        depth: i64,
        dtype: DType,
        on: f64,
        off: f64,
    },
    Random {
        kind: RandomKind,
        shape: Vec<usize>,
        a: f64,
        b: f64,
        /// Where the numbers come from; None draws afresh each run.
        stream: Option<Stream>,
        dtype: DType,
    },
}

/// Which of TensorFlow's random kernels an op runs (a cell's kernel cache, stored with a
/// session, keys on it: new kinds go last).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RandomKind {
    Normal,
    Uniform,
    TruncatedNormal,
}

impl RandomKind {
    /// The kind of the registry's op `name`, if it is a random op.
    pub fn named(name: &str) -> Option<RandomKind> {
        match name {
            "random_normal" => Some(RandomKind::Normal),
            "truncated_normal" => Some(RandomKind::TruncatedNormal),
            "random_uniform" => Some(RandomKind::Uniform),
            _ => None,
        }
    }

    /// The registry's name for the op.
    pub fn name(self) -> &'static str {
        match self {
            RandomKind::Normal => "random_normal",
            RandomKind::TruncatedNormal => "truncated_normal",
            RandomKind::Uniform => "random_uniform",
        }
    }

    /// Whether the op scales a standard draw by `stddev` and shifts it by `mean` (else by
    /// `maxval - minval` and `minval`).
    pub fn is_normal(self) -> bool {
        self != RandomKind::Uniform
    }
}

impl Create {
    /// `ones_like` / `zeros_like`: recorded by a tape (with a `None` gradient), as TensorFlow does.
    pub fn is_like(&self) -> bool {
        matches!(self, Create::Like { .. })
    }

    /// A random op's stream, for a caller that keeps TensorFlow's seed state (a cell's
    /// `tf.random.set_seed` and kernel cache); None for the other ops.
    pub fn stream_mut(&mut self) -> Option<&mut Option<Stream>> {
        match self {
            Create::Random { stream, .. } => Some(stream),
            _ => None,
        }
    }

    pub fn parse(name: &str, a: &Attrs, lim: &Limits) -> Result<Option<Create>> {
        let max = lim.max_tensor_elements;
        Ok(Some(match name {
            "constant" => Create::Constant(tensor_from_lit(
                a.required("value")?,
                a.dtype("dtype")?,
                max,
            )?),
            "ones" | "zeros" => parse::ones_or_zeros(name, a)?,
            "fill" => parse::fill(a, max)?,
            "ones_like" => Create::Like {
                fill: LikeFill::Ones,
            },
            "zeros_like" => Create::Like {
                fill: LikeFill::Zeros,
            },
            "linspace" => parse::linspace(a)?,
            "range" => parse::range(a)?,
            "eye" => {
                let rows = a.req_int("num_rows")?;
                Create::Eye {
                    rows,
                    cols: a.int("num_columns")?.unwrap_or(rows),
                    dtype: a.dtype("dtype")?.unwrap_or(DType::F32),
                }
            }
            "one_hot" => parse::one_hot(a)?,
            "random_normal" | "truncated_normal" | "random_uniform" => parse::random(name, a)?,
            _ => return Ok(None),
        }))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Create::Constant(_) => "constant",
            Create::Fill {
                kind: FillKind::Ones,
                ..
            } => "ones",
            Create::Fill {
                kind: FillKind::Zeros,
                ..
            } => "zeros",
            Create::Fill {
                kind: FillKind::Fill,
                ..
            } => "fill",
            Create::Like {
                fill: LikeFill::Ones,
            } => "ones_like",
            Create::Like {
                fill: LikeFill::Zeros,
            } => "zeros_like",
            Create::Linspace { .. } => "linspace",
            Create::Range { .. } => "range",
            Create::Eye { .. } => "eye",
            Create::OneHot { .. } => "one_hot",
            Create::Random { kind, .. } => kind.name(),
        }
    }

    pub fn arity(&self) -> (usize, usize) {
        match self {
            Create::Like { .. } | Create::OneHot { .. } => (1, 1),
            _ => (0, 0),
        }
    }

    pub fn forward(&self, ins: &[&Tensor], lim: &Limits) -> Result<Tensor> {
        let max = lim.max_tensor_elements;
        match self {
            Create::Constant(t) => Ok(t.clone()),
            Create::Fill { shape, value, .. } => {
                checked_numel(shape, max)?;
                Ok(Tensor::full(shape, value.to_f64_vec()[0], value.dtype()))
            }
            Create::Like { fill } => Ok(Tensor::full(
                ins[0].shape(),
                if *fill == LikeFill::Ones { 1.0 } else { 0.0 },
                ins[0].dtype(),
            )),
            Create::Linspace {
                start,
                stop,
                num,
                dtype,
                cast,
            } => kernels::linspace(*start, *stop, *num, *dtype, *cast, max),
            Create::Range {
                start,
                limit,
                delta,
                dtype,
            } => kernels::range(*start, *limit, *delta, *dtype, max),
            Create::Eye { rows, cols, dtype } => kernels::eye(*rows, *cols, *dtype, max),
            Create::OneHot {
                depth,
                dtype,
                on,
                off,
            } => kernels::one_hot(ins[0], *depth, *dtype, (*on, *off), max),
            Create::Random {
                kind,
                shape,
                a,
                b,
                stream,
                dtype,
            } => kernels::random(*kind, shape, (*a, *b), *stream, *dtype, max),
        }
    }
}
