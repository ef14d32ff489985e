//! The one op registry: every op's canonical name, the TensorFlow paths it answers to, its
//! parameters in TensorFlow 2.15's order with their kinds and defaults, its dtypes, whether it
//! has a gradient, and a summary. Name resolution, suggestions, the activation list, the op
//! reference (`GET /v1/ops`) and the OpenAPI op table are all read from here.
//!
//! # Binding a call
//! A caller with a Python-style call (`tf.nn.softmax_cross_entropy_with_logits(y, logits=z)`)
//! or a JSON node does three steps:
//! 1. `lookup(name_or_path)` finds the [`OpDef`] (canonical name, TF path or alias);
//! 2. [`bind`] matches positional then keyword arguments to [`OpDef::params`] as Python does
//!    (too many positionals, an unknown keyword, a parameter given twice or a missing required
//!    one are errors naming the op and the parameter). [`ParamKind::Name`] (`name=`) is
//!    accepted and ignored. An [`Support::Extension`] parameter is keyword-only (TensorFlow
//!    lacks it); a [`Support::DefaultOnly`] one is bound, and `Op::parse` refuses it at any
//!    value but its default;
//! 3. the bound [`ParamKind::Tensor`] / [`ParamKind::TensorList`] values become the op's
//!    tensor inputs, in the order of `params` (a JSON node's `"inputs"` list holds exactly
//!    these, in this order); the [`ParamKind::Attr`] values given become attribute literals
//!    `(param.name, Lit)`, and `Op::parse(def.name, &Attrs::new(def.name, &attrs), limits)`
//!    builds the op (parameters not given take the defaults `Op::parse` applies, which are
//!    those in `default`).
//!
//! # Adding an op
//! The crate's top-level documentation (`src/lib.rs`) has the recipe, traced from `softsign`.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, Result};

mod table;

/// An op's signature and what gradtape knows about it.
#[derive(Debug)]
pub struct OpDef {
    /// The canonical name (`softmax`), the one `Op::parse` and `Op::name` use.
    pub name: &'static str,
    /// Every TensorFlow path this op answers to (`tf.nn.softmax`).
    pub paths: &'static [&'static str],
    /// Other plain names accepted for it (TensorFlow's internal names, such as `truediv`).
    pub aliases: &'static [&'static str],
    pub family: Family,
    /// TensorFlow 2.15's parameters, in its positional order.
    pub params: &'static [Param],
    /// The dtypes of the (main) tensor input; for creation ops without one, of the result.
    pub dtypes: &'static [DType],
    /// Whether TensorFlow has a gradient for it.
    pub differentiable: bool,
    /// Served by `/v1/activations`.
    pub activation: bool,
    pub summary: &'static str,
}

/// The op families, one per file in `ops/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Create,
    Unary,
    Binary,
    Logic,
    Reduce,
    Shape,
    Linalg,
    Nn,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Create => "creation",
            Family::Unary => "elementwise unary",
            Family::Binary => "elementwise binary",
            Family::Logic => "comparison and logic",
            Family::Reduce => "reduction",
            Family::Shape => "shape",
            Family::Linalg => "linear algebra",
            Family::Nn => "neural network",
        }
    }
}

#[derive(Debug)]
pub struct Param {
    /// TensorFlow's keyword name.
    pub name: &'static str,
    pub kind: ParamKind,
    /// TensorFlow's default; `Required` when the caller must give it.
    pub default: ParamDefault,
    pub support: Support,
    /// TensorFlow's Python hands the value given straight to the op's attribute, which its
    /// generated wrapper checks (`_execute.make_float`, `make_bool`, a list for a list): a
    /// Python or NumPy value only, never a tensor (`leaky_relu`'s alpha, `matmul`'s
    /// transpose_a, `squeeze`'s axis). Elsewhere TensorFlow's Python converts what it is
    /// given (`tf.concat(xs, axis=tf.constant(1))` runs).
    pub python_only: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// One tensor input.
    Tensor,
    /// A list of tensor inputs (`concat`'s and `stack`'s `values`).
    TensorList,
    /// An attribute literal, read by `Op::parse`.
    Attr(AttrKind),
    /// `name=`: accepted and ignored (gradtape names results by the node).
    Name,
}

/// What an attribute's literal must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrKind {
    Int,
    /// A list of integers.
    Ints,
    /// An integer, a list of integers, or null for every axis.
    Axis,
    Float,
    /// An integer or a float; which one it is decides the result's dtype.
    Number,
    Bool,
    /// A dtype name such as `"float32"`.
    DType,
    /// A list of non-negative integers.
    Shape,
    Str,
    /// A number, `true`/`false`, or a nested list of them.
    Value,
    /// `tensordot`'s axes: an integer or a pair of axis lists.
    TensordotAxes,
}

impl AttrKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrKind::Int => "int",
            AttrKind::Ints => "ints",
            AttrKind::Axis => "axis",
            AttrKind::Float => "float",
            AttrKind::Number => "number",
            AttrKind::Bool => "bool",
            AttrKind::DType => "dtype",
            AttrKind::Shape => "shape",
            AttrKind::Str => "string",
            AttrKind::Value => "value",
            AttrKind::TensordotAxes => "int or pair of ints",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamDefault {
    Required,
    /// Python's `None`.
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    DType(DType),
    /// A string; only `name=` has one (`tf.constant`'s is `'Const'`).
    Str(&'static str),
}

impl ParamDefault {
    /// The default as Python writes it (`None`, `False`, `0.2`, `tf.float32`, `'Const'`).
    pub fn python(self) -> String {
        match self {
            ParamDefault::Required => String::new(),
            ParamDefault::None => "None".into(),
            ParamDefault::Bool(true) => "True".into(),
            ParamDefault::Bool(false) => "False".into(),
            ParamDefault::Int(i) => i.to_string(),
            ParamDefault::Float(f) => format!("{f:?}"),
            ParamDefault::DType(d) => format!("tf.{}", d.name()),
            ParamDefault::Str(s) => format!("'{s}'"),
        }
    }
}

/// How far gradtape follows a TensorFlow parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    Full,
    /// TensorFlow takes it; gradtape runs only its default, and `Op::parse` refuses any other
    /// value.
    DefaultOnly,
    /// gradtape's own keyword-only parameter, which TensorFlow's function lacks.
    Extension,
}

impl Param {
    /// A tensor input or list of them (a JSON node's `"inputs"`), as opposed to an attribute.
    pub fn is_tensor(&self) -> bool {
        matches!(self.kind, ParamKind::Tensor | ParamKind::TensorList)
    }
}

impl OpDef {
    /// The tensor parameters, in order: what a JSON node's `"inputs"` holds.
    pub fn tensor_params(&self) -> impl Iterator<Item = &'static Param> {
        self.params.iter().filter(|p| p.is_tensor())
    }

    /// TensorFlow's signature as Python prints it, under one of the op's paths:
    /// `tf.nn.softmax(logits, axis=None, name=None)` (gradtape's extensions left out).
    pub fn signature(&self, path: &str) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .filter(|p| p.support != Support::Extension)
            .map(|p| match p.default {
                ParamDefault::Required => p.name.to_string(),
                d => format!("{}={}", p.name, d.python()),
            })
            .collect();
        format!("{path}({})", params.join(", "))
    }

    /// Whether `name=` is accepted (every op but `silu`).
    pub fn takes_name(&self) -> bool {
        self.params.iter().any(|p| p.kind == ParamKind::Name)
    }
}

const fn param(
    name: &'static str,
    kind: ParamKind,
    default: ParamDefault,
    support: Support,
) -> Param {
    Param {
        name,
        kind,
        default,
        support,
        python_only: false,
    }
}
/// An attribute TensorFlow takes only as a Python value ([`Param::python_only`]).
const fn python_only(mut p: Param) -> Param {
    p.python_only = true;
    p
}
const fn tensor(name: &'static str) -> Param {
    param(
        name,
        ParamKind::Tensor,
        ParamDefault::Required,
        Support::Full,
    )
}
/// A tensor TensorFlow defaults to `None` (`tf.where`'s x and y); gradtape needs it all the same,
/// which the op's arity check reports.
const fn tensor_or_none(name: &'static str) -> Param {
    param(name, ParamKind::Tensor, ParamDefault::None, Support::Full)
}
const fn tensors(name: &'static str) -> Param {
    param(
        name,
        ParamKind::TensorList,
        ParamDefault::Required,
        Support::Full,
    )
}
const fn attr(name: &'static str, kind: AttrKind, default: ParamDefault) -> Param {
    param(name, ParamKind::Attr(kind), default, Support::Full)
}
const fn unsupported(name: &'static str, kind: AttrKind, default: ParamDefault) -> Param {
    param(name, ParamKind::Attr(kind), default, Support::DefaultOnly)
}
const fn ext(name: &'static str, kind: AttrKind, default: ParamDefault) -> Param {
    param(name, ParamKind::Attr(kind), default, Support::Extension)
}
const NAME: Param = param("name", ParamKind::Name, ParamDefault::None, Support::Full);
/// `name=` where TensorFlow's default is a string rather than `None`.
const fn name_default(default: &'static str) -> Param {
    param(
        "name",
        ParamKind::Name,
        ParamDefault::Str(default),
        Support::Full,
    )
}

/// Every op, in the registry's order (by family).
pub fn all() -> &'static [OpDef] {
    table::OPS
}

/// The op a canonical name, alias or TensorFlow path names (`tf.nn.log` is no TensorFlow
/// function and finds nothing).
pub fn lookup(name_or_path: &str) -> Option<&'static OpDef> {
    // foldhash reads a name eight bytes at a time (FNV's byte loop and SipHash cost a program
    // thousands of instructions); the keys are fixed, so a client's name meets short chains
    type Index = HashMap<&'static str, &'static OpDef, foldhash::fast::RandomState>;
    static INDEX: LazyLock<Index> = LazyLock::new(|| {
        let mut index = Index::default();
        for def in all() {
            for key in [def.name].iter().chain(def.paths).chain(def.aliases) {
                index.insert(*key, def);
            }
        }
        index
    });
    INDEX.get(name_or_path).copied()
}

/// Binds positional then keyword arguments to `def`'s parameters as Python does, returning
/// every parameter with its value, if given (see the module documentation).
pub fn bind<T>(
    def: &OpDef,
    positional: Vec<T>,
    keywords: Vec<(String, T)>,
) -> Result<Vec<(&'static Param, Option<T>)>> {
    bind_params(
        def.name,
        def.params.iter().collect(),
        positional,
        keywords,
        true,
    )
}

/// `bind` over a chosen subset of parameters (a JSON node binds only the tensor ones, its
/// attributes being keyed already); `require` reports missing required parameters.
pub(crate) fn bind_params<T>(
    op: &str,
    params: Vec<&'static Param>,
    positional: Vec<T>,
    keywords: Vec<(String, T)>,
    require: bool,
) -> Result<Vec<(&'static Param, Option<T>)>> {
    let positional_params = params
        .iter()
        .filter(|p| p.support != Support::Extension)
        .count();
    if positional.len() > positional_params {
        let names: Vec<&str> = params
            .iter()
            .filter(|p| p.support != Support::Extension)
            .map(|p| p.name)
            .collect();
        return Err(arg_err(format!(
            "{op} takes at most {positional_params} positional argument(s) ({}), but {} were given",
            names.join(", "),
            positional.len()
        )));
    }
    let mut bound: Vec<(&'static Param, Option<T>)> =
        params.into_iter().map(|p| (p, None)).collect();
    let mut positional_slots = bound
        .iter_mut()
        .filter(|(p, _)| p.support != Support::Extension);
    for value in positional {
        let (_, slot) = positional_slots.next().expect("counted above");
        *slot = Some(value);
    }
    for (key, value) in keywords {
        let Some((p, slot)) = bound.iter_mut().find(|(p, _)| p.name == key) else {
            let names: Vec<&str> = bound.iter().map(|(p, _)| p.name).collect();
            return Err(arg_err(format!(
                "{op} got an unexpected keyword argument \"{key}\" (it takes {})",
                names.join(", ")
            )));
        };
        if slot.is_some() {
            return Err(arg_err(format!(
                "{op} got multiple values for argument \"{}\"",
                p.name
            )));
        }
        *slot = Some(value);
    }
    if require {
        if let Some((p, _)) = bound
            .iter()
            .find(|(p, v)| v.is_none() && p.default == ParamDefault::Required)
        {
            return Err(arg_err(format!(
                "{op} is missing the required argument \"{}\"",
                p.name
            )));
        }
    }
    Ok(bound)
}

/// Every canonical op name, in the registry's order.
pub fn op_names() -> impl Iterator<Item = &'static str> {
    all().iter().map(|d| d.name)
}

/// The activations `/v1/activations` serves, in the order it lists them.
pub fn activation_names() -> impl Iterator<Item = &'static str> {
    all().iter().filter(|d| d.activation).map(|d| d.name)
}
