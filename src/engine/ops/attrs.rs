//! Typed access to a node's attributes, with TensorFlow's argument names; an attribute no op
//! reads is an error, so a typo like `axsi` is reported instead of silently ignored.

use std::cell::RefCell;

use smallvec::SmallVec;

use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, shape_err, Result};
use crate::engine::lit::{shape_from_lit, unknown_dtype, Lit};

pub struct Attrs<'a> {
    items: &'a [(String, Lit)],
    op: &'a str,
    /// The attributes the op asked for, present or not (named in the unknown-attribute error);
    /// an op asks for a few, so they stay on the stack (every node's parse made a vector).
    used: RefCell<SmallVec<[&'static str; 8]>>,
}

impl<'a> Attrs<'a> {
    pub fn new(op: &'a str, items: &'a [(String, Lit)]) -> Attrs<'a> {
        Attrs {
            items,
            op,
            used: RefCell::new(SmallVec::new()),
        }
    }

    /// The attribute, with JSON `null` read as absent (TensorFlow's `None` default).
    pub fn get(&self, key: &'static str) -> Option<&'a Lit> {
        if !self.used.borrow().contains(&key) {
            self.used.borrow_mut().push(key);
        }
        let (_, v) = self.items.iter().find(|(k, _)| k == key)?;
        (!matches!(v, Lit::Null)).then_some(v)
    }

    fn bad(&self, key: &'static str, want: &str, got: &Lit) -> crate::engine::error::Error {
        arg_err(format!(
            "{}: \"{key}\" must be {want}, not {}",
            self.op,
            got.kind_name()
        ))
    }

    pub fn required(&self, key: &'static str) -> Result<&'a Lit> {
        self.get(key)
            .ok_or_else(|| arg_err(format!("{} needs the attribute \"{key}\"", self.op)))
    }

    /// A float where an integer goes is TensorFlow's TypeError ("Cannot convert 0.0 to
    /// EagerTensor of dtype int32"): a dtype error; anything else is a bad argument.
    fn bad_int(&self, key: &'static str, want: &str, got: &Lit) -> crate::engine::error::Error {
        let e = self.bad(key, want, got);
        match got {
            Lit::Float(_) => dtype_err(e.detail),
            _ => e,
        }
    }

    /// An integer; `true`/`false` are Python's 1 and 0, as TensorFlow reads them.
    pub fn int(&self, key: &'static str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Lit::Int(i)) => Ok(Some(*i)),
            Some(Lit::Bool(b)) => Ok(Some(i64::from(*b))),
            Some(other) => Err(self.bad_int(key, "an integer", other)),
        }
    }

    /// One axis that TensorFlow also takes as a one-element list (`expand_dims`, `concat`:
    /// their axis is a tensor with one element, of any rank).
    pub fn one_axis(&self, key: &'static str) -> Result<Option<i64>> {
        match self.get(key) {
            Some(v @ Lit::List(_)) => match self.axes(key)?.as_deref() {
                Some(&[a]) => Ok(Some(a)),
                _ => Err(self.bad(key, "an integer (or a list of one)", v)),
            },
            _ => self.int(key),
        }
    }

    pub fn req_one_axis(&self, key: &'static str) -> Result<i64> {
        self.required(key)?;
        Ok(self.one_axis(key)?.expect("checked present"))
    }

    /// A Python truth value, as `bool(keepdims)` reads it: 0 and 0.0 are false.
    pub fn truthy(&self, key: &'static str, default: bool) -> Result<bool> {
        match self.get(key) {
            Some(Lit::Int(i)) => Ok(*i != 0),
            Some(Lit::Float(x)) => Ok(*x != 0.0),
            _ => self.flag(key, default),
        }
    }

    pub fn req_int(&self, key: &'static str) -> Result<i64> {
        self.required(key)?;
        Ok(self.int(key)?.expect("checked present"))
    }

    pub fn flag(&self, key: &'static str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(Lit::Bool(b)) => Ok(*b),
            Some(other) => Err(self.bad(key, "true or false", other)),
        }
    }

    pub fn number(&self, key: &'static str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.bad(key, "a number", v)),
        }
    }

    pub fn ints(&self, key: &'static str) -> Result<Option<Vec<i64>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Lit::List(items)) => items
                .iter()
                .map(|x| match x {
                    Lit::Int(i) => Ok(*i),
                    Lit::Bool(b) => Ok(i64::from(*b)),
                    other => Err(self.bad_int(key, "a list of integers", other)),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            // a scalar where a 1-D tensor goes: TensorFlow's kernels say "Expected multiples
            // to be 1-D, but got shape []", a shape error
            Some(v @ (Lit::Int(_) | Lit::Bool(_))) => Err(shape_err(format!(
                "{}: \"{key}\" must be a list of integers (a 1-D tensor), not {}; write [{}]",
                self.op,
                v.kind_name(),
                v.as_f64()
                    .map_or_else(|| "...".to_string(), |x| x.to_string())
            ))),
            Some(other) => Err(self.bad_int(key, "a list of integers", other)),
        }
    }

    /// `axis` as reductions take it: an integer, a list of integers (nested lists are read
    /// flat, as TensorFlow reads an axis tensor of any rank), or null for all axes.
    pub fn axes(&self, key: &'static str) -> Result<Option<Vec<i64>>> {
        fn flat(v: &Lit, out: &mut Vec<i64>) -> std::result::Result<(), Lit> {
            match v {
                Lit::Int(i) => out.push(*i),
                Lit::Bool(b) => out.push(i64::from(*b)),
                Lit::List(items) => items.iter().try_for_each(|x| flat(x, out))?,
                other => return Err(other.clone()),
            }
            Ok(())
        }
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let mut out = Vec::new();
                flat(v, &mut out)
                    .map_err(|bad| self.bad_int(key, "an integer or a list of integers", &bad))?;
                Ok(Some(out))
            }
        }
    }

    pub fn shape(&self, key: &'static str) -> Result<Vec<usize>> {
        let v = self.required(key)?;
        shape_from_lit(v, key).map_err(|e| arg_err(format!("{}: {}", self.op, e.detail)))
    }

    /// A shape that TensorFlow also takes as one integer, as `tf.ones(3)` is `tf.ones([3])`
    /// (ones, zeros and fill; `tf.random.normal(3)` and `tf.broadcast_to` refuse it).
    pub fn shape_or_length(&self, key: &'static str) -> Result<Vec<usize>> {
        match self.required(key)? {
            Lit::Int(n) if *n >= 0 => Ok(vec![*n as usize]),
            Lit::Int(n) => Err(arg_err(format!("{}: dimension {n} must be >= 0", self.op))),
            _ => self.shape(key),
        }
    }

    pub fn dtype(&self, key: &'static str) -> Result<Option<DType>> {
        match self.get(key) {
            None => Ok(None),
            Some(Lit::Str(s)) => DType::parse(s).map(Some).ok_or_else(|| unknown_dtype(s)),
            Some(other) => Err(self.bad(key, "a dtype name such as \"float32\"", other)),
        }
    }

    /// Whether `k` is a parameter the op takes only at its default (`Support::DefaultOnly`)
    /// and `v` is that default, as TensorFlow's signature writes it (`output_type: "int64"`
    /// for argmax, `beta: 1.0` for silu): such an attribute changes nothing and is accepted.
    fn at_its_default(&self, k: &str, v: &Lit) -> bool {
        use super::registry::{ParamDefault as D, Support};
        let Some(def) = super::registry::lookup(self.op) else {
            return false;
        };
        def.params.iter().any(|p| {
            p.name == k
                && p.support == Support::DefaultOnly
                && match (p.default, v) {
                    (D::None, Lit::Null) => true,
                    (D::Bool(d), Lit::Bool(b)) => d == *b,
                    (D::Int(d), Lit::Int(i)) => d == *i,
                    (D::Float(d), Lit::Float(f)) => d == *f,
                    (D::Float(d), Lit::Int(i)) => d == *i as f64,
                    (D::DType(d), Lit::Str(s)) => DType::parse(s) == Some(d),
                    _ => false,
                }
        })
    }

    pub fn reject_unused(&self) -> Result<()> {
        let used = self.used.borrow();
        if let Some((k, _)) = self
            .items
            .iter()
            .find(|(k, v)| !used.contains(&k.as_str()) && !self.at_its_default(k, v))
        {
            let known: &[&str] = &used;
            let takes = if known.is_empty() {
                "no attributes".to_string()
            } else {
                known.join(", ")
            };
            return Err(arg_err(format!(
                "{} has no attribute \"{k}\" (it takes {takes})",
                self.op
            )));
        }
        Ok(())
    }
}
