"""Writes src/cells/numpy/keywords.txt: for each name a NumPy 1.26 function, ufunc or ndarray
method goes by (`sum`, `array`, `astype`, `normal`), the keyword arguments NumPy takes under that
name, one name a line as `NAME<TAB>kw kw ...` (the union over np, np.linalg, np.random,
np.testing and np.ndarray, since a cell's NumPy binds calls by the short name). gradtape reads
it to tell a keyword NumPy takes and the subset lacks (refused, naming it) from one NumPy has no
such parameter for (NumPy's own TypeError).

    TF_CPP_MIN_LOG_LEVEL=3 /tmp/tf/bin/python tests/cells/numpy_keywords.py > src/cells/numpy/keywords.txt
"""
import inspect
import re

import numpy as np

# what every ufunc call takes beside its operands (numpy.org: "Optional keyword arguments")
UFUNC_KEYWORDS = ["out", "where", "casting", "order", "dtype", "subok", "signature", "extobj"]


def doc_parameters(name, doc):
    """Parameter names from the signature a C function's docstring opens with:
    `arange([start,] stop[, step,], dtype=None, *, like=None)`."""
    m = re.search(r"\b" + re.escape(name) + r"\(", doc or "")
    if not m:
        return None
    depth, i = 1, m.end()
    while i < len(doc) and depth:
        depth += {"(": 1, ")": -1}.get(doc[i], 0)
        i += 1
    inner = doc[m.end():i - 1]
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        if depth == 0:
            cur += ch
    parts.append(cur)
    out = []
    for part in parts:
        part = part.replace("[", " ").replace("]", " ").strip()
        if part.startswith("*"):
            continue
        part = part.split("=")[0].strip()
        if re.fullmatch(r"[A-Za-z_]\w*", part) and part != "self":
            out.append(part)
    return out


def parameters(name, f):
    if isinstance(f, np.ufunc):
        return ["x", "x1", "x2"] + UFUNC_KEYWORDS
    try:
        sig = inspect.signature(f)
        return [p.name for p in sig.parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY)]
    except (TypeError, ValueError):
        return doc_parameters(name, getattr(f, "__doc__", None))


def main():
    table = {}
    sources = [np, np.linalg, np.random, np.testing]
    for mod in sources:
        for n in dir(mod):
            if n.startswith("_"):
                continue
            f = getattr(mod, n)
            if callable(f) and not isinstance(f, type):
                ps = parameters(n, f)
                if ps:
                    table.setdefault(n, set()).update(ps)
    for n in dir(np.ndarray):
        if n.startswith("_"):
            continue
        f = getattr(np.ndarray, n)
        if callable(f):
            ps = doc_parameters(n, f.__doc__)
            if ps:
                table.setdefault(n, set()).update(ps)
    for n in sorted(table):
        print(n + "\t" + " ".join(sorted(table[n])))


main()
