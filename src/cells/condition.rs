//! Conditions (`if`, `elif`, `while`, `assert`, `x if c else y`, a comprehension's `if`) tested
//! as CPython 3.11 compiles them (compile.c `compiler_jump_if`): `not`, `and`, `or` and a
//! conditional expression are taken apart, and each operand's truth is tested on its own.
//!
//! Where a failing truth test (the truth of an array of several elements) is placed follows
//! CPython's positions: at the statement or expression the condition belongs to, or, once a
//! comparison has been tested, at that comparison (`if x > 0 and w:` fails at `x > 0`).

use ruff_python_ast::{BoolOp, Expr, UnaryOp};
use ruff_text_size::{Ranged, TextRange};

use super::interp::Interp;
use super::raise::Raise;

impl Interp<'_> {
    /// The truth of the condition `e`, an error of its truth placed at `place` (the statement
    /// or expression it belongs to) unless a comparison tested before takes the place.
    pub fn condition(&mut self, e: &Expr, place: impl Ranged) -> Result<bool, Raise> {
        let mut place = place.range();
        self.jump_if(e, &mut place)
    }

    fn jump_if(&mut self, e: &Expr, place: &mut TextRange) -> Result<bool, Raise> {
        match e {
            Expr::UnaryOp(u) if u.op == UnaryOp::Not => Ok(!self.jump_if(&u.operand, place)?),
            Expr::BoolOp(b) => {
                let mut t = b.op == BoolOp::And;
                for x in &b.values {
                    t = self.jump_if(x, place)?;
                    if t != (b.op == BoolOp::And) {
                        break;
                    }
                }
                Ok(t)
            }
            Expr::If(i) => match self.jump_if(&i.test, place)? {
                true => self.jump_if(&i.body, place),
                false => self.jump_if(&i.orelse, place),
            },
            _ => {
                if let Expr::Compare(c) = e {
                    *place = c.range();
                }
                let v = self.eval(e)?;
                self.truth(&v).map_err(|r| self.locate(r, place))
            }
        }
    }
}
