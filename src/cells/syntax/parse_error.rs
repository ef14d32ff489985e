//! Ruff's parse error, worded and placed as CPython 3.11's parser raises the SyntaxError for the
//! same text: its second pass (the `invalid_*` rules) names the common mistakes (a missing
//! colon, `print x`, `=` in a condition, a target that cannot be assigned), and its generic
//! error is "invalid syntax" at the token where the parse stopped, which is mostly where Ruff
//! stops too.

use ruff_python_ast::token::{Token, TokenKind};
use ruff_python_ast::Expr;
use ruff_python_parser::{ParseError, ParseErrorType as P};
use ruff_text_size::{Ranged, TextSize};

use super::tokens::Scan;

/// CPython's message and where it points (a byte offset, or a 1-based line and column).
pub enum Place {
    Offset(usize),
    LineColumn(usize, usize),
}

pub fn cpython(text: &str, e: &ParseError, scan: &Scan, tokens: &[Token]) -> (String, Place) {
    let start = e.location.start().to_usize();
    let at = Place::Offset(start);
    let slice = |r: std::ops::Range<usize>| text.get(r).unwrap_or("");
    let before = |k: usize| previous(tokens, start, k);
    match &e.error {
        P::ExpectedToken {
            expected: TokenKind::Colon,
            found: TokenKind::Newline,
        } => ("expected ':'".into(), at),
        // `if x = 1:`: invalid_named_expression
        P::ExpectedToken {
            expected: TokenKind::Colon,
            found: TokenKind::Equal,
        } => match (before(2), before(1)) {
            (Some(TokenKind::If | TokenKind::Elif | TokenKind::While), Some(TokenKind::Name)) => {
                let name = previous_range(tokens, start).map_or(start, |r| r.start);
                let message = "invalid syntax. Maybe you meant '==' or ':=' instead of '='?";
                (message.into(), Place::Offset(name))
            }
            _ => ("invalid syntax".into(), at),
        },
        // `a, b += 1`: invalid_assignment names the target from the statement's start
        P::ExpectedToken { found, .. } if is_augmented(*found) => {
            let stmt = statement_start(text, start);
            let name = expr_name(slice(stmt..start));
            let message = format!("'{name}' is an illegal expression for augmented assignment");
            (message, Place::Offset(stmt))
        }
        P::InvalidAugmentedAssignmentTarget => {
            let name = expr_name(slice(e.location.to_std_range()));
            let message = format!("'{name}' is an illegal expression for augmented assignment");
            (message, at)
        }
        P::InvalidAssignmentTarget => {
            let target = slice(e.location.to_std_range());
            let name = expr_name(target);
            let whole = statement_start(text, start) == start
                && text[e.location.end().to_usize()..]
                    .trim_start()
                    .starts_with('=');
            let message = if whole && in_bitwise_or(target) {
                format!("cannot assign to {name} here. Maybe you meant '==' instead of '='?")
            } else {
                format!("cannot assign to {name}")
            };
            (message, at)
        }
        P::InvalidDeleteTarget => {
            let name = expr_name(slice(e.location.to_std_range()));
            (format!("cannot delete {name}"), at)
        }
        // `print 'hello'`: invalid_legacy_expression
        P::SimpleStatementsOnSameLine
            if before(1) == Some(TokenKind::Name)
                && matches!(
                    before(2),
                    None | Some(
                        TokenKind::Newline
                            | TokenKind::Indent
                            | TokenKind::Dedent
                            | TokenKind::Semi
                    )
                )
                && previous_range(tokens, start)
                    .is_some_and(|r| matches!(slice(r), "print" | "exec")) =>
        {
            let r = previous_range(tokens, start).expect("checked");
            let name = slice(r.clone());
            let message =
                format!("Missing parentheses in call to '{name}'. Did you mean {name}(...)?");
            (message, Place::Offset(r.start))
        }
        // pegen raises these with the last token it read: the call's closing bracket
        P::PositionalAfterKeywordArgument | P::PositionalAfterKeywordUnpacking => {
            let message = if matches!(e.error, P::PositionalAfterKeywordArgument) {
                "positional argument follows keyword argument"
            } else {
                "positional argument follows keyword argument unpacking"
            };
            (
                message.into(),
                Place::Offset(closing(tokens, start).unwrap_or(start)),
            )
        }
        P::InvalidArgumentUnpackingOrder => (
            "iterable argument unpacking follows keyword argument unpacking".into(),
            at,
        ),
        P::UnexpectedIndentation => {
            // IndentationError at the indentation's width
            let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
            let rest = &text[line_start..];
            let width = rest.len() - rest.trim_start_matches([' ', '\t', '\x0c']).len();
            let line = text[..line_start].matches('\n').count() + 1;
            (
                "unexpected indent".into(),
                Place::LineColumn(line, width.max(1)),
            )
        }
        P::OtherError(m) if m.starts_with("Expected an indented block after ") => {
            let what = &m["Expected an indented block after ".len()..];
            let keyword = what.split('`').nth(1).unwrap_or("def");
            let (header, starts) = match keyword {
                "def" => ("function definition".to_string(), vec!["def ", "async def"]),
                "class" => ("class definition".to_string(), vec!["class "]),
                k => (format!("'{k}' statement"), vec![k]),
            };
            let line = text[..start].matches('\n').count() + 1;
            let header_line = text[..start]
                .lines()
                .enumerate()
                .filter(|(_, l)| starts.iter().any(|s| l.trim_start().starts_with(s)))
                .last()
                .map_or(line.saturating_sub(1), |(n, _)| n + 1);
            let message =
                format!("expected an indented block after {header} on line {header_line}");
            (message, at)
        }
        P::FStringError(f) => {
            use ruff_python_parser::InterpolatedStringErrorType as F;
            let message = match f {
                F::UnclosedLbrace => "f-string: expecting '}'",
                F::SingleRbrace => "f-string: single '}' is not allowed",
                F::InvalidConversionFlag => {
                    "f-string: invalid conversion character: expected 's', 'r', or 'a'"
                }
                _ => return ("invalid syntax".into(), at),
            };
            (
                message.into(),
                after_string(text, scan, start).unwrap_or(at),
            )
        }
        P::ExpectedExpression if empty_fstring_expression(text, scan, start) => (
            "f-string: empty expression not allowed".into(),
            after_string(text, scan, start).unwrap_or(at),
        ),
        P::UnparenthesizedGeneratorExpression => {
            ("Generator expression must be parenthesized".into(), at)
        }
        P::NonDefaultParamAfterDefaultParam => {
            ("non-default argument follows default argument".into(), at)
        }
        _ => ("invalid syntax".into(), at),
    }
}

fn is_augmented(k: TokenKind) -> bool {
    use TokenKind as T;
    matches!(
        k,
        T::PlusEqual
            | T::MinusEqual
            | T::StarEqual
            | T::SlashEqual
            | T::DoubleSlashEqual
            | T::PercentEqual
            | T::DoubleStarEqual
            | T::AtEqual
            | T::AmperEqual
            | T::VbarEqual
            | T::CircumflexEqual
            | T::LeftShiftEqual
            | T::RightShiftEqual
    )
}

/// The kind of the `k`th significant token before `offset` (1 is the one just before).
fn previous(tokens: &[Token], offset: usize, k: usize) -> Option<TokenKind> {
    let n = tokens.partition_point(|t| t.start() < TextSize::new(offset as u32));
    tokens[..n]
        .iter()
        .rev()
        .filter(|t| !t.kind().is_trivia() || t.kind() == TokenKind::Newline)
        .nth(k - 1)
        .map(Token::kind)
}

fn previous_range(tokens: &[Token], offset: usize) -> Option<std::ops::Range<usize>> {
    let n = tokens.partition_point(|t| t.start() < TextSize::new(offset as u32));
    tokens[..n]
        .iter()
        .rev()
        .find(|t| !t.kind().is_trivia())
        .map(|t| t.range().to_std_range())
}

/// The bracket that closes the one enclosing `offset`.
fn closing(tokens: &[Token], offset: usize) -> Option<usize> {
    let n = tokens.partition_point(|t| t.start() < TextSize::new(offset as u32));
    let mut depth = 0usize;
    for t in &tokens[n..] {
        match t.kind() {
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => depth += 1,
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace if depth == 0 => {
                return Some(t.start().to_usize())
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The first non-blank character of the line `offset` is on.
fn statement_start(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
    let rest = &text[line_start..];
    line_start + rest.len() - rest.trim_start().len()
}

/// Where the token after the string holding `offset` starts: CPython 3.11 parses an f-string's
/// fields after reading it and the token after it, and its errors point there.
fn after_string(text: &str, scan: &Scan, offset: usize) -> Option<Place> {
    let s = scan.strings.iter().find(|r| r.contains(&offset))?;
    let rest = &text[s.end..];
    Some(Place::Offset(
        s.end + rest.len() - rest.trim_start_matches([' ', '\t']).len(),
    ))
}

/// Whether `offset` is at an f-string field with nothing between its `{` and its end.
fn empty_fstring_expression(text: &str, scan: &Scan, offset: usize) -> bool {
    scan.strings.iter().any(|r| r.contains(&offset))
        && text[..offset].trim_end().ends_with('{')
        && text[offset..]
            .trim_start()
            .starts_with(['}', '!', ':', '='])
}

/// Whether an expression is one CPython's `bitwise_or` rule takes (not a comparison, `not`,
/// `and`/`or`, a conditional or a lambda), and not a display or a singleton it excludes.
fn in_bitwise_or(src: &str) -> bool {
    match ruff_python_parser::parse_expression(src) {
        Ok(p) => match p.expr() {
            Expr::Compare(_)
            | Expr::BoolOp(_)
            | Expr::If(_)
            | Expr::Lambda(_)
            | Expr::Named(_)
            | Expr::Tuple(_)
            | Expr::List(_)
            | Expr::Generator(_)
            | Expr::NoneLiteral(_)
            | Expr::BooleanLiteral(_) => false,
            Expr::UnaryOp(u) => u.op != ruff_python_ast::UnaryOp::Not,
            _ => true,
        },
        Err(_) => false,
    }
}

/// `_PyPegen_get_expr_name`: what CPython calls an expression in its messages.
fn expr_name(src: &str) -> &'static str {
    let Ok(p) = ruff_python_parser::parse_expression(src.trim()) else {
        return "expression";
    };
    match p.expr() {
        Expr::Attribute(_) => "attribute",
        Expr::Subscript(_) => "subscript",
        Expr::Starred(_) => "starred",
        Expr::Name(_) => "name",
        Expr::List(_) => "list",
        Expr::Tuple(_) => "tuple",
        Expr::Lambda(_) => "lambda",
        Expr::Call(_) => "function call",
        Expr::BoolOp(_) | Expr::BinOp(_) | Expr::UnaryOp(_) => "expression",
        Expr::Generator(_) => "generator expression",
        Expr::Yield(_) | Expr::YieldFrom(_) => "yield expression",
        Expr::Await(_) => "await expression",
        Expr::ListComp(_) => "list comprehension",
        Expr::SetComp(_) => "set comprehension",
        Expr::DictComp(_) => "dict comprehension",
        Expr::Dict(_) => "dict literal",
        Expr::Set(_) => "set display",
        Expr::FString(_) => "f-string expression",
        Expr::NoneLiteral(_) => "None",
        Expr::BooleanLiteral(b) if b.value => "True",
        Expr::BooleanLiteral(_) => "False",
        Expr::EllipsisLiteral(_) => "ellipsis",
        Expr::Compare(_) => "comparison",
        Expr::If(_) => "conditional expression",
        Expr::Named(_) => "named expression",
        _ => "literal",
    }
}
