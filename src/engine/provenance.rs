//! How each value was produced: the op, its inputs and whether it could carry a gradient, one
//! small record per op application (recorded or not by any tape), plus assignments into
//! variables. `explain` reads it to say why a gradient is `None`; nothing else depends on it.
//!
//! A record is a push onto two vectors (no hashing, no tensor kept alive): ids only grow, so the
//! records stay sorted by id and a lookup is a binary search.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::autodiff::ValId;
use super::ops::Op;

/// Records kept at most; past it the older half is dropped (a long session forgets its oldest
/// history: a note about a path that old falls back to the reasons the tape alone gives).
pub const MAX_RECORDS: usize = 1 << 20;

/// Whether an op application can pass a gradient from its inputs to its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Differentiable,
    StopGradient,
    /// No gradient in TensorFlow (argmax, round, comparisons, creation ops).
    NotDifferentiable,
    /// A differentiable op whose output is an integer or bool (a cast to an integer).
    IntegerOutput,
}

/// An op's canonical name, kept as a `&'static str` in memory and as text when serialized.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpName(pub &'static str);

impl Serialize for OpName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for OpName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OpName, D::Error> {
        let s = String::deserialize(d)?;
        let known = super::ops::registry::op_names().find(|n| *n == s);
        Ok(OpName(known.unwrap_or("op")))
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Rec {
    /// The output's id.
    pub id: ValId,
    pub op: OpName,
    pub kind: Kind,
    start: u32,
    len: u32,
}

/// `variable <- from` (an `assign`, `assign_add`, `assign_sub`, or a Variable made from a
/// tensor), at the moment `at` (the context's id counter then).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Assign {
    pub at: ValId,
    pub variable: ValId,
    pub from: ValId,
}

/// The values one `gradient` or `jacobian` call made (ids in `(after, upto]`), and the
/// sources it differentiated by: a target among them is a first derivative, whose own
/// derivative by one of those sources is a second derivative.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Derivative {
    pub after: ValId,
    pub upto: ValId,
    pub sources: Vec<ValId>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Provenance {
    recs: Vec<Rec>,
    inputs: Vec<ValId>,
    assigns: Vec<Assign>,
    derivatives: Vec<Derivative>,
}

impl Provenance {
    pub fn record(
        &mut self,
        id: ValId,
        op: &Op,
        inputs: &[&super::autodiff::Val],
        float_out: bool,
    ) {
        let kind = if matches!(op, Op::Unary(super::ops::Unary::StopGradient)) {
            Kind::StopGradient
        } else if !op.differentiable() {
            Kind::NotDifferentiable
        } else if !float_out {
            Kind::IntegerOutput
        } else {
            Kind::Differentiable
        };
        if self.recs.len() >= MAX_RECORDS {
            self.forget_older_half();
        }
        let start = self.inputs.len() as u32;
        self.inputs.extend(inputs.iter().map(|v| v.id));
        self.recs.push(Rec {
            id,
            op: OpName(op.name()),
            kind,
            start,
            len: inputs.len() as u32,
        });
    }

    /// Room for `records` more records of up to two inputs each, so a program's records are
    /// pushed without the vectors growing (and copying) along the way.
    pub fn reserve(&mut self, records: usize) {
        self.recs.reserve(records);
        self.inputs.reserve(2 * records);
    }

    pub fn assign(&mut self, at: ValId, variable: ValId, from: ValId) {
        if self.assigns.len() >= MAX_RECORDS {
            self.assigns.drain(..MAX_RECORDS / 2);
        }
        self.assigns.push(Assign { at, variable, from });
    }

    /// Records that the values made in `(after, upto]` are derivatives by `sources`.
    pub fn derivative(&mut self, after: ValId, upto: ValId, sources: &[super::autodiff::Val]) {
        if upto <= after {
            return;
        }
        if self.derivatives.len() >= MAX_RECORDS {
            self.derivatives.drain(..MAX_RECORDS / 2);
        }
        self.derivatives.push(Derivative {
            after,
            upto,
            sources: sources.iter().map(|s| s.id).collect(),
        });
    }

    /// Whether `value` came out of a `gradient` or `jacobian` call by `source`.
    pub fn is_derivative(&self, value: ValId, source: ValId) -> bool {
        let k = self.derivatives.partition_point(|d| d.upto < value);
        self.derivatives
            .get(k)
            .is_some_and(|d| value > d.after && d.sources.contains(&source))
    }

    fn forget_older_half(&mut self) {
        let keep = self.recs.split_off(self.recs.len() / 2);
        let base = keep.first().map_or(0, |r| r.start);
        self.inputs.drain(..base as usize);
        self.recs = keep
            .into_iter()
            .map(|r| Rec {
                start: r.start - base,
                ..r
            })
            .collect();
    }

    /// Records kept.
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    /// The newest `n` records (and every assignment), as a session is stored.
    pub fn newest(&self, n: usize) -> Provenance {
        let keep = &self.recs[self.recs.len().saturating_sub(n)..];
        let base = keep.first().map_or(0, |r| r.start);
        Provenance {
            recs: keep
                .iter()
                .map(|r| Rec {
                    start: r.start - base,
                    ..*r
                })
                .collect(),
            inputs: self.inputs[base as usize..].to_vec(),
            assigns: self.assigns.clone(),
            derivatives: self.derivatives.clone(),
        }
    }

    /// The record of the op that produced `id`, if an op did (constants have none).
    pub fn get(&self, id: ValId) -> Option<&Rec> {
        self.recs
            .binary_search_by_key(&id, |r| r.id)
            .ok()
            .map(|i| &self.recs[i])
    }

    pub fn inputs(&self, r: &Rec) -> &[ValId] {
        &self.inputs[r.start as usize..(r.start + r.len) as usize]
    }

    /// Records with ids in `(after, upto]`, oldest first.
    pub fn between(&self, after: ValId, upto: ValId) -> &[Rec] {
        let lo = self.recs.partition_point(|r| r.id <= after);
        let hi = self.recs.partition_point(|r| r.id <= upto);
        &self.recs[lo..hi.max(lo)]
    }

    pub fn assigns(&self) -> &[Assign] {
        &self.assigns
    }
}
