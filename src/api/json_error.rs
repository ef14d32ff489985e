//! A JSON syntax error told the way a student can fix it: where in the body it is, as a path
//! (`tape.persistent`, `graph[2].inputs`), and what Python habit caused it (`True`, `None`,
//! single quotes), rather than a column in a one-line body.

/// Describes `err`, a syntax error serde_json found in `body`.
pub fn describe(body: &[u8], err: &serde_json::Error) -> String {
    let at = offset(body, err.line(), err.column());
    let path = path_at(&body[..at.min(body.len())]);
    let place = if path.is_empty() {
        String::new()
    } else {
        format!(" at {path}")
    };
    let multi_line = body.iter().filter(|&&b| b == b'\n').count() > 1;
    let line = if multi_line {
        format!(" (line {}, column {})", err.line(), err.column())
    } else {
        String::new()
    };
    let what = match python_spelling(body, at) {
        Some(hint) => hint.to_string(),
        None => strip_position(&err.to_string()),
    };
    format!("the body is not valid JSON{place}{line}: {what}")
}

/// serde_json's message without its own " at line 1 column 23" tail.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// The byte offset of a 1-based line and column (serde_json counts columns in bytes).
fn offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match body[start..].iter().position(|&b| b == b'\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)).min(body.len())
}

/// What a Python literal looks like in JSON, if the error sits on one.
fn python_spelling(body: &[u8], at: usize) -> Option<&'static str> {
    let from = at.saturating_sub(1);
    let rest = &body[from.min(body.len())..];
    let rest = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != b':' && *b != b',' && *b != b'[')
        .map_or(rest, |i| &rest[i..]);
    const HINTS: &[(&str, &str)] = &[
        ("True", "JSON spells it true, not True (Python's spelling)"),
        (
            "False",
            "JSON spells it false, not False (Python's spelling)",
        ),
        ("None", "JSON spells it null, not None (Python's spelling)"),
        ("nan", "JSON has no NaN: write the string \"NaN\""),
        ("NaN", "JSON has no NaN: write the string \"NaN\""),
        ("inf", "JSON has no infinity: write the string \"Infinity\""),
        (
            "Infinity",
            "JSON has no infinity: write the string \"Infinity\"",
        ),
        (
            "-inf",
            "JSON has no infinity: write the string \"-Infinity\"",
        ),
        (
            "-Infinity",
            "JSON has no infinity: write the string \"-Infinity\"",
        ),
        (
            "'",
            "JSON strings take double quotes (\"...\"), not single quotes",
        ),
    ];
    HINTS
        .iter()
        .find(|(py, _)| rest.starts_with(py.as_bytes()))
        .map(|(_, hint)| *hint)
}

enum Frame {
    Object { key: Option<String> },
    Array { index: usize },
}

/// The path of the value being read at the end of `prefix`, a prefix of a JSON document.
fn path_at(prefix: &[u8]) -> String {
    let mut stack: Vec<Frame> = Vec::new();
    let mut last_string: Option<String> = None;
    let mut i = 0;
    while i < prefix.len() {
        match prefix[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < prefix.len() && prefix[i] != b'"' {
                    i += if prefix[i] == b'\\' { 2 } else { 1 };
                }
                let end = i.min(prefix.len());
                last_string = Some(String::from_utf8_lossy(&prefix[start..end]).into_owned());
            }
            b'{' => stack.push(Frame::Object { key: None }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b':' => {
                if let Some(Frame::Object { key }) = stack.last_mut() {
                    *key = last_string.take();
                }
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { key }) => *key = None,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut out = String::new();
    for f in &stack {
        match f {
            Frame::Object { key: Some(k) } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Frame::Object { key: None } => {}
            Frame::Array { index } => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body: &str) -> String {
        let err = serde_json::from_str::<serde_json::Value>(body).unwrap_err();
        describe(body.as_bytes(), &err)
    }

    #[test]
    fn python_literals_are_named_with_their_path() {
        assert_eq!(
            check(r#"{"graph": [], "tape": {"persistent": True}}"#),
            "the body is not valid JSON at tape.persistent: JSON spells it true, not True (Python's spelling)"
        );
        assert_eq!(
            check(r#"{"graph": [{"name": "a", "op": "constant", "value": None}]}"#),
            "the body is not valid JSON at graph[0].value: JSON spells it null, not None (Python's spelling)"
        );
        assert_eq!(
            check(r#"{"outputs": ['L']}"#),
            "the body is not valid JSON at outputs[0]: JSON strings take double quotes (\"...\"), not single quotes"
        );
    }

    #[test]
    fn other_errors_keep_serdes_words_and_lines_only_when_there_are_several() {
        assert_eq!(
            check(r#"{"graph": [1, 2,]}"#),
            "the body is not valid JSON at graph[2]: trailing comma"
        );
        let multi = "{\n  \"graph\": [\n    {\"op\": }\n  ]\n}\n";
        assert_eq!(
            check(multi),
            "the body is not valid JSON at graph[0].op (line 3, column 12): expected value"
        );
    }
}
