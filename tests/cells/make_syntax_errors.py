#!/usr/bin/env python3
"""Write tests/cells/syntax_errors.json: cells and the SyntaxError CPython 3.11 raises for each.

    python3 tests/cells/make_syntax_errors.py

Each snippet is compiled as `compile(src, '<cell>', 'exec')`; the table keeps its message, line
and column (offset), or `"valid": true` where Python compiles it (gradtape must then not call it
a syntax error). tests/it/syntax_errors.rs holds gradtape to every row.
"""
import json
import os
import sys

SNIPPETS = [
    # the compiler's and symbol table's checks: nothing of such a cell runs
    "print(0)\nbreak\nprint(1)\n",
    "for i in range(3):\n    def f():\n        break\n    f()\n",
    "def f():\n    for i in range(2):\n        pass\n    break\n",
    "def f(x):\n    if x:\n        return\n    break\n",
    "def f():\n    continue\n",
    "print(0)\ncontinue\n",
    "x = 1\nreturn x\n",
    "for i in range(2):\n    return i\n",
    "class A:\n    return 1\n",
    "for i in range(2):\n    continue\nbreak\n",
    "for x in 1, 2:\n    pass\nelse:\n    break\n",
    "while True:\n    pass\nelse:\n    break\n",
    "print(1, sep=' ', sep=',')\n",
    "f(a=1, a=2, b=3, b=4)\n",
    "print(f(x=1, x=2))\n",
    "def f(a, a):\n    return a\n",
    "def f(a, a=1):\n    pass\n",
    "def f(a, b=1, a=2):\n    pass\n",
    "def f(a, *, a):\n    pass\n",
    "def f(x, y, x=3, *, z, z=1):\n    pass\n",
    "g = lambda a, a: a\n",
    "def f(a, a):\n    break\n",
    "break\ndef f(a, a):\n    pass\n",
    "f(x=1, x=2)\nreturn\n",
    "return\nf(x=1, x=2)\n",
    "nonlocal x\n",
    "nonlocal x\nbreak\n",
    "break\nnonlocal x\n",
    "*a = [1, 2]\n",
    "a, *b, *c = [1, 2, 3]\n",
    "for *a in x:\n    pass\n",
    "x = *a\n",
    "yield 1\n",
    "await x\n",
    "def f():\n    await x\n",
    "x = [await y for y in z]\n",
    "x = lambda: (yield)\n",
    "f(1 for x in y)\n",
    "*a, = x\n",
    "[*a] = x\n",
    "print(*a, *b)\n",
    "x = [*a, *b]\n",
    "def f():\n    for i in range(3):\n        if i:\n            break\n        continue\n    return i\n",
]


# Where gradtape still answers otherwise, and why: the test holds these only to being refused.
DIFFERS = {}


def main():
    rows = []
    for src in SNIPPETS:
        try:
            compile(src, "<cell>", "exec")
            rows.append({"source": src, "valid": True})
        except SyntaxError as e:
            row = {"source": src, "message": e.msg, "line": e.lineno, "column": e.offset}
            if src in DIFFERS:
                row["differs"] = DIFFERS[src]
            rows.append(row)
    if sys.version_info[:2] != (3, 11):
        sys.exit("run this with Python 3.11: messages and places differ between versions")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "syntax_errors.json")
    with open(out, "w") as f:
        json.dump(rows, f, indent=1)
        f.write("\n")
    print(f"{len(rows)} rows -> {out}")


if __name__ == "__main__":
    main()
