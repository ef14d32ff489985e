//! The errors CPython 3.11's tokenizer finds, which win over any the parser finds (pegen tokenizes
//! the whole source after a parse error, and a tokenizer error replaces the parser's): strings
//! left open, brackets closed wrongly or nested past 200, and indentation that matches no outer
//! level. Also where brackets are left open at the end, and where each string literal is.

/// Brackets CPython's tokenizer nests at most (`MAXLEVEL`).
const MAX_LEVEL: usize = 200;

/// What the scan found.
#[derive(Default)]
pub struct Scan {
    /// The first tokenizer error: CPython's message and the byte offset it points at, or for
    /// an indentation error its 1-based line and column.
    pub error: Option<(String, At)>,
    /// The innermost bracket still open at the end: the character and its byte offset.
    pub unclosed: Option<(char, usize)>,
    /// Byte ranges of string literals (prefix to closing quote).
    pub strings: Vec<std::ops::Range<usize>>,
}

/// Where a tokenizer error points.
pub enum At {
    Offset(usize),
    LineColumn(usize, usize),
}

/// Scans `text` as CPython's tokenizer reads it.
pub fn scan(text: &str) -> Scan {
    let b = text.as_bytes();
    let mut out = Scan::default();
    let mut brackets: Vec<(u8, usize, usize)> = Vec::new(); // (char, offset, line)
                                                            // indentation stacks as tokenizer.c keeps them: tabs to multiples of 8, and tabs as 1
    let mut indents = vec![(0usize, 0usize)];
    let mut line = 1;
    let mut at_line_start = true;
    let mut i = 0;
    let fail = |out: &mut Scan, message: String, at: At| {
        out.error.get_or_insert((message, at));
    };
    while i < b.len() && out.error.is_none() {
        if at_line_start && brackets.is_empty() {
            at_line_start = false;
            let (mut col, mut alt, start) = (0, 0, i);
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\x0c') {
                match b[i] {
                    b'\t' => (col, alt) = ((col / 8 + 1) * 8, alt + 1),
                    b'\x0c' => (col, alt) = (0, 0),
                    _ => (col, alt) = (col + 1, alt + 1),
                }
                i += 1;
            }
            let blank = i >= b.len() || matches!(b[i], b'#' | b'\n' | b'\r' | b'\\');
            if !blank {
                let &(top, top_alt) = indents.last().expect("never empty");
                let inconsistent = if col == top {
                    alt != top_alt
                } else if col > top {
                    indents.push((col, alt));
                    alt <= top_alt
                } else {
                    while indents.len() > 1 && col < indents.last().expect("never empty").0 {
                        indents.pop();
                    }
                    let &(top, top_alt) = indents.last().expect("never empty");
                    if col != top {
                        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
                        let width = text[start..end].trim_end_matches('\r').chars().count();
                        let message = "unindent does not match any outer indentation level";
                        fail(&mut out, message.into(), At::LineColumn(line, width + 1));
                        break;
                    }
                    alt != top_alt
                };
                if inconsistent {
                    let message = "inconsistent use of tabs and spaces in indentation";
                    fail(&mut out, message.into(), At::LineColumn(line, 1));
                    break;
                }
            }
            continue;
        }
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                at_line_start = true;
                i += 1;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' if b.get(i + 1) == Some(&b'\n') => {
                line += 1;
                i += 2;
            }
            b'(' | b'[' | b'{' => {
                if brackets.len() >= MAX_LEVEL {
                    fail(
                        &mut out,
                        "too many nested parentheses".into(),
                        At::Offset(i),
                    );
                    break;
                }
                brackets.push((c, i, line));
                i += 1;
            }
            b')' | b']' | b'}' => {
                match brackets.pop() {
                    None => fail(
                        &mut out,
                        format!("unmatched '{}'", c as char),
                        At::Offset(i),
                    ),
                    Some((open, _, open_line)) if open != opener(c) => {
                        let mut message = format!(
                            "closing parenthesis '{}' does not match opening parenthesis '{}'",
                            c as char, open as char
                        );
                        if open_line != line {
                            message.push_str(&format!(" on line {open_line}"));
                        }
                        fail(&mut out, message, At::Offset(i));
                    }
                    Some(_) => {}
                }
                i += 1;
            }
            b'\'' | b'"' => {
                let start = string_start(b, i);
                match string_end(b, i) {
                    Ok((end, lines)) => {
                        out.strings.push(start..end);
                        line += lines;
                        i = end;
                    }
                    Err((triple, lines)) => {
                        let message = if triple {
                            format!(
                                "unterminated triple-quoted string literal (detected at line {})",
                                line + lines
                            )
                        } else {
                            format!(
                                "unterminated string literal (detected at line {})",
                                line + lines
                            )
                        };
                        fail(&mut out, message, At::Offset(start));
                    }
                }
            }
            _ => i += 1,
        }
    }
    if out.error.is_none() {
        out.unclosed = brackets.last().map(|&(c, at, _)| (c as char, at));
    }
    out
}

fn opener(close: u8) -> u8 {
    match close {
        b')' => b'(',
        b']' => b'[',
        _ => b'{',
    }
}

/// Where a string whose quote is at `quote` starts: at its prefix (`f`, `rb`, ...), if any.
fn string_start(b: &[u8], quote: usize) -> usize {
    let mut s = quote;
    while s > 0
        && quote - s < 2
        && matches!(b[s - 1].to_ascii_lowercase(), b'r' | b'b' | b'u' | b'f')
    {
        s -= 1;
    }
    // a prefix is a whole word: `xf'a'` is the name `xf` and a string
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    if s > 0 && word(b[s - 1]) {
        quote
    } else {
        s
    }
}

/// The end (past the closing quote) of the string whose opening quote is at `i` and the line
/// breaks in it, or (whether it is triple-quoted, the line breaks up to the end of the text or
/// of the line) where it is never closed.
fn string_end(b: &[u8], i: usize) -> Result<(usize, usize), (bool, usize)> {
    let q = b[i];
    let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    let mut lines = 0;
    while j < b.len() {
        match b[j] {
            b'\\' => {
                if b.get(j + 1) == Some(&b'\n') {
                    lines += 1;
                }
                j += 2;
                continue;
            }
            b'\n' if !triple => return Err((false, lines)),
            b'\n' => lines += 1,
            c if c == q && (!triple || (b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q))) => {
                return Ok((j + if triple { 3 } else { 1 }, lines));
            }
            _ => {}
        }
        j += 1;
    }
    // CPython counts the line the end of the text is on, not a line after a final line break
    if b.last() == Some(&b'\n') && lines > 0 {
        lines -= 1;
    }
    Err((triple, lines))
}
