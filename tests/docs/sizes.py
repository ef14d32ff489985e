#!/usr/bin/env python3
"""Lists the source files over 500 lines and the functions over 80 lines in src/.

A function's length runs from its `fn` line to its closing brace, found by matching braces
with strings, chars and comments skipped. Test code does not count: files named `tests*.rs`
or `tests/*.rs`, and anything inside a `#[cfg(test)]` item.

    python3 tests/docs/sizes.py [--files N] [--fns N] [ROOT]
"""
import argparse
import pathlib
import re
import sys


def code_only(text):
    """The text with comments, strings and char literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif (m := re.match(r'b?r(#*)"', text[i:i + 300])) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = '"' + m.group(1)
            j = text.find(close, i + m.end())
            j = n if j < 0 else j + len(close)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'" and (m := re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12])):
            out.append(" " * m.end())
            i += m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def matching_brace(code, open_at):
    depth = 0
    for j in range(open_at, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(code) - 1


def test_spans(code):
    """Character spans of items under #[cfg(test)]."""
    spans = []
    for m in re.finditer(r"#\[cfg\(test\)\]", code):
        brace, semi = code.find("{", m.end()), code.find(";", m.end())
        if brace < 0 or (0 <= semi < brace):
            continue
        spans.append((m.start(), matching_brace(code, brace)))
    return spans


def functions(path):
    text = path.read_text()
    code = code_only(text)
    skip = test_spans(code)
    line_of = lambda pos: code.count("\n", 0, pos) + 1
    for m in re.finditer(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)", code):
        if any(a <= m.start() <= b for a, b in skip):
            continue
        # The body is the first `{` at bracket depth 0 after the name; a `;` first means no body.
        depth, j = 0, m.end()
        while j < len(code):
            ch = code[j]
            if ch in "([<":
                depth += 1
            elif ch in ")]>" and not (ch == ">" and code[j - 1] == "-"):
                depth -= 1
            elif ch == ";" and depth <= 0:
                j = -1
                break
            elif ch == "{" and depth <= 0:
                break
            j += 1
        if j < 0 or j >= len(code):
            continue
        end = matching_brace(code, j)
        yield m.group(1), line_of(m.start()), line_of(end) - line_of(m.start()) + 1


def is_test_file(path):
    return path.name.startswith("tests") or "tests" in path.parts[:-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default="src")
    ap.add_argument("--files", type=int, default=500, help="report files over this many lines")
    ap.add_argument("--fns", type=int, default=80, help="report functions over this many lines")
    args = ap.parse_args()
    files = sorted(pathlib.Path(args.root).rglob("*.rs"))
    long_files = [(len(p.read_text().splitlines()), p) for p in files]
    long_files = [(n, p) for n, p in long_files if n > args.files]
    long_fns = []
    for p in files:
        if is_test_file(p):
            continue
        long_fns += [(n, f"{p}:{line}", name) for name, line, n in functions(p) if n > args.fns]
    print(f"files over {args.files} lines: {len(long_files)}")
    for n, p in sorted(long_files, reverse=True):
        print(f"  {n:5}  {p}{'  (test code)' if is_test_file(p) else ''}")
    print(f"functions over {args.fns} lines (test code excluded): {len(long_fns)}")
    for n, where, name in sorted(long_fns, reverse=True):
        print(f"  {n:5}  {where}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
