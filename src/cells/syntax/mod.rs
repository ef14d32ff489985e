//! A cell's text to Ruff's AST, or the SyntaxError CPython 3.11 raises for it: the message,
//! line and column `compile(src, '<cell>', 'exec')` gives, so a student sees what a notebook
//! shows.
//!
//! - `compile`: the symbol table's and compiler's checks after a successful parse

mod compile;

use ruff_python_ast::ModModule;

use super::raise::Refusal;
use super::source::LineIndex;

/// Parses `text` as CPython would compile it.
pub fn parse(text: &str, lines: &LineIndex) -> Result<ModModule, Refusal> {
    let refuse = |detail: String, at| {
        let (line, column) = lines.at(at);
        Refusal {
            code: "syntax_error",
            detail,
            line,
            column,
        }
    };
    let module = match ruff_python_parser::parse_module(text) {
        Ok(p) => p.into_syntax(),
        Err(e) => {
            return Err(refuse(
                format!("invalid syntax: {}", e.error),
                e.location.start(),
            ))
        }
    };
    match compile::check(&module.body) {
        Some((message, at)) => Err(refuse(message, at)),
        None => Ok(module),
    }
}
