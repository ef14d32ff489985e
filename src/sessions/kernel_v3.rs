//! A kernel as session format 3 stored it, read into today's: format 3 kept each name's values
//! as a tree of their own (two names for one list were two lists) and no `tf.random` state.
//! The variants' order is format 3's and must not change.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::kept::{Kept, Object};
use crate::engine::autodiff::{TapeId, Val};
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

#[derive(Deserialize)]
enum KeptV3 {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<KeptV3>),
    Tuple(Vec<KeptV3>),
    Tensor(Val),
    Array(Tensor),
    NpScalar(Tensor),
    Variable(String),
    IndexedSlices {
        indices: Tensor,
        values: Tensor,
        dense_shape: Vec<usize>,
        dense: Box<Val>,
    },
    Tape(TapeId),
    StopRecording(TapeId),
    Function {
        source: usize,
        start: u32,
        defaults: Vec<Option<KeptV3>>,
    },
    Module(String),
    Builtin(String),
    Method(Box<KeptV3>, String),
    DType(DType),
    NpDType(DType),
    Shape(Vec<usize>),
    Range(i64, i64, i64),
    Ellipsis,
    Unconnected(bool),
    Type(String),
}

#[derive(Deserialize)]
pub struct KernelStateV3 {
    names: BTreeMap<String, KeptV3>,
    sources: Vec<String>,
}

impl From<KernelStateV3> for super::kernel::KernelState {
    fn from(k: KernelStateV3) -> Self {
        let mut objects = Vec::new();
        let names = k
            .names
            .into_iter()
            .map(|(n, v)| (n, upgrade(v, &mut objects)))
            .collect();
        super::kernel::KernelState {
            names,
            objects,
            sources: k.sources,
            random: Default::default(),
            slices: Default::default(),
            trainables: Default::default(),
        }
    }
}

/// One format-3 value, its lists, tuples, arrays and functions each an object of its own.
fn upgrade(k: KeptV3, objects: &mut Vec<Object>) -> Kept {
    let object = |o: Object, objects: &mut Vec<Object>| {
        objects.push(o);
        Kept::Object(objects.len() - 1)
    };
    match k {
        KeptV3::None => Kept::None,
        KeptV3::Bool(b) => Kept::Bool(b),
        KeptV3::Int(i) => Kept::Int(i),
        KeptV3::Float(f) => Kept::Float(f),
        KeptV3::Str(s) => Kept::Str(s),
        KeptV3::List(items) => {
            let items = items.into_iter().map(|x| upgrade(x, objects)).collect();
            object(Object::List(items), objects)
        }
        KeptV3::Tuple(items) => {
            let items = items.into_iter().map(|x| upgrade(x, objects)).collect();
            object(Object::Tuple(items), objects)
        }
        KeptV3::Tensor(v) => Kept::Tensor(v),
        KeptV3::Array(t) => object(Object::Array(t), objects),
        KeptV3::NpScalar(t) => Kept::NpScalar(t),
        KeptV3::Variable(id) => Kept::Variable(id),
        KeptV3::IndexedSlices {
            indices,
            values,
            dense_shape,
            dense,
        } => Kept::IndexedSlices {
            indices,
            values,
            dense_shape,
            dense,
        },
        KeptV3::Tape(t) => Kept::Tape(t),
        KeptV3::StopRecording(t) => Kept::StopRecording(t),
        KeptV3::Function {
            source,
            start,
            defaults,
        } => {
            let defaults = defaults
                .into_iter()
                .map(|d| d.map(|d| upgrade(d, objects)))
                .collect();
            let f = Object::Function {
                source,
                start,
                defaults,
                closure: None,
            };
            object(f, objects)
        }
        KeptV3::Module(m) => Kept::Module(m),
        KeptV3::Builtin(b) => Kept::Builtin(b),
        KeptV3::Method(recv, name) => Kept::Method(Box::new(upgrade(*recv, objects)), name),
        KeptV3::DType(d) => Kept::DType(d),
        KeptV3::NpDType(d) => Kept::NpDType(d),
        KeptV3::Shape(s) => Kept::Shape(s),
        KeptV3::Range(a, b, c) => Kept::Range(a, b, c),
        KeptV3::Ellipsis => Kept::Ellipsis,
        KeptV3::Unconnected(z) => Kept::Unconnected(z),
        KeptV3::Type(t) => Kept::Type(t),
    }
}
