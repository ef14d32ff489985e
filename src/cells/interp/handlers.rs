//! `try`/`except`/`else`/`finally` and `raise`: which exceptions a handler catches (by class,
//! as `exceptions.rs` orders them), the name `except ... as e` binds for the block alone, and
//! re-raising with the place the exception was first raised.

use std::sync::Arc;

use ruff_python_ast::{self as ast, ExceptHandler};

use super::{Flow, Interp};
use crate::cells::exceptions::{self, catchable, PyException};
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

impl Interp<'_> {
    pub(super) fn exec_try(&mut self, t: &ast::StmtTry) -> Result<Flow, Raise> {
        let result = match self.exec_block(&t.body) {
            Ok(Flow::Normal) if !t.orelse.is_empty() => self.exec_block(&t.orelse),
            Ok(flow) => Ok(flow),
            Err(r) if catchable(&r) => self.handle(r, &t.handlers),
            Err(r) => Err(r),
        };
        // a gradtape limit ends the cell at once: a `finally` could otherwise go on working
        if matches!(&result, Err(r) if !catchable(r)) || t.finalbody.is_empty() {
            return result;
        }
        match self.exec_block(&t.finalbody)? {
            // Python drops the block's exception or return for the `finally`'s own flow
            Flow::Normal => result,
            flow => Ok(flow),
        }
    }

    /// Runs the first handler that catches `r`, or gives `r` back.
    fn handle(&mut self, r: Raise, handlers: &[ExceptHandler]) -> Result<Flow, Raise> {
        for h in handlers {
            let ExceptHandler::ExceptHandler(h) = h;
            if let Some(ty) = &h.type_ {
                let cls = self.eval(ty)?;
                let e = exceptions::caught(&r);
                if !self.catches(&e, &cls).map_err(|x| self.locate(x, &**ty))? {
                    continue;
                }
            }
            let e = exceptions::caught(&r);
            if let Some(name) = &h.name {
                self.bind(name.as_str(), Value::Exception(e.clone()));
            }
            self.handling.push(e);
            let done = self.exec_block(&h.body);
            self.handling.pop();
            // Python deletes the name at the end of the block, whatever the block did
            if let Some(name) = &h.name {
                self.unbind(name.as_str());
            }
            return done;
        }
        Err(r)
    }

    /// Whether `except cls` catches `e`: `cls` a class or a tuple of classes.
    fn catches(&self, e: &PyException, cls: &Value) -> Result<bool, Raise> {
        let classes = match cls {
            Value::Tuple(_) => cls.items().unwrap_or_default(),
            _ => vec![cls.clone()],
        };
        let mut yes = false;
        for c in &classes {
            match exceptions::matches(e, c) {
                Some(m) => yes |= m,
                None => {
                    return Err(Raise::type_error(
                        "catching classes that do not inherit from BaseException is not allowed",
                    ))
                }
            }
        }
        Ok(yes)
    }

    /// `raise`, `raise E`, `raise E(...)`, `raise E from cause`: the Raise it makes.
    pub(super) fn exec_raise(&mut self, r: &ast::StmtRaise) -> Raise {
        let Some(exc) = &r.exc else {
            return match self.handling.last().cloned() {
                Some(e) => exceptions::raise_of(self, &e),
                None => Raise::new(RaiseKind::RuntimeError, "No active exception to reraise"),
            };
        };
        let e = match self.exception(exc, "exceptions must derive from BaseException") {
            Ok(e) => e,
            Err(x) => return x,
        };
        if let Some(cause) = &r.cause {
            // the cause is checked as Python checks it, and then only chains tracebacks
            match self.eval(cause) {
                Ok(Value::None) => {}
                Ok(v) if exceptions::class_value(&v).is_some() => {}
                Ok(Value::Exception(_)) => {}
                Ok(_) => {
                    return Raise::type_error("exception causes must derive from BaseException")
                }
                Err(x) => return x,
            }
        }
        exceptions::raise_of(self, &e)
    }

    /// The exception object `raise x` raises: `x` itself, or a class called with no arguments.
    fn exception(&mut self, x: &ast::Expr, refusal: &str) -> Result<Arc<PyException>, Raise> {
        let v = self.eval(x)?;
        if let Value::Exception(e) = v {
            return Ok(e);
        }
        match exceptions::class_value(&v) {
            Some(c) => match exceptions::construct(self, c, Vec::new(), Vec::new())? {
                Value::Exception(e) => Ok(e),
                _ => Err(Raise::type_error(refusal.to_string())),
            },
            None => Err(Raise::type_error(refusal.to_string())),
        }
    }
}
