//! A cell's text to Ruff's AST, or the SyntaxError CPython 3.11 raises for it: the message,
//! line and column `compile(src, '<cell>', 'exec')` gives, so a student sees what a notebook
//! shows.
//!
//! - `tokens`: the tokenizer's errors, which win over the parser's
//! - `parse_error`: Ruff's parse error as CPython's parser words and places it
//! - `compile`: the symbol table's and compiler's checks after a successful parse

mod compile;
mod parse_error;
mod tokens;

use ruff_python_ast::ModModule;
use ruff_python_parser::{Mode, ParseOptions};
use ruff_text_size::TextSize;

use super::raise::Refusal;
use super::source::LineIndex;
use parse_error::Place;

/// Parses `text` as CPython would compile it.
pub fn parse(text: &str, lines: &LineIndex) -> Result<ModModule, Refusal> {
    let refuse = |detail: String, place: Place| {
        let (line, column) = match place {
            Place::Offset(o) => lines.at(TextSize::new(o as u32)),
            Place::LineColumn(l, c) => (l, c),
        };
        Refusal {
            code: "syntax_error",
            detail,
            line,
            column,
        }
    };
    let scan = tokens::scan(text);
    if let Some((message, at)) = scan.error {
        let place = match at {
            tokens::At::Offset(o) => Place::Offset(o),
            tokens::At::LineColumn(l, c) => Place::LineColumn(l, c),
        };
        return Err(refuse(message, place));
    }
    let parsed = ruff_python_parser::parse_unchecked(text, ParseOptions::from(Mode::Module));
    if let Some(e) = parsed.errors().first() {
        // a bracket left open: pegen says so when the parse stopped at the end of the text or
        // on a later line than the bracket's (the parser ran on into the following lines)
        if let Some((bracket, open)) = scan.unclosed {
            let stop = e.location.start().to_usize();
            let at_end = text[stop..].trim().is_empty();
            if at_end || lines.at(e.location.start()).0 > lines.at(TextSize::new(open as u32)).0 {
                return Err(refuse(
                    format!("'{bracket}' was never closed"),
                    Place::Offset(open),
                ));
            }
        }
        let (message, place) = parse_error::cpython(text, e, &scan, parsed.tokens());
        return Err(refuse(message, place));
    }
    let module = match parsed.try_into_module() {
        Some(m) => m.into_syntax(),
        None => return Err(refuse("invalid syntax".into(), Place::Offset(0))),
    };
    match compile::check(&module.body) {
        Some((message, at)) => Err(refuse(message, Place::Offset(at.to_usize()))),
        None => Ok(module),
    }
}
