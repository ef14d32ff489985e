#!/usr/bin/env python3
"""Writes src/cells/function_reprs.txt: the TensorFlow, NumPy and Python names of the cell subset
whose repr is not `<function NAME at 0x...>` (tf./np.) or `<built-in function NAME>` (Python's
and math's), or whose str, class or `__name__` is not that default's, as
`name<TAB>repr<TAB>str<TAB>class<TAB>__name__` with the address written `{addr}` (NumPy's
dispatchers print as C functions, `<built-in function dot>`, and repr as Python ones).

    TF_CPP_MIN_LOG_LEVEL=3 /tmp/tf/bin/python tests/cells/function_reprs.py http://127.0.0.1:PORT

The names come from src/cells/known_api.txt and Python's builtins; a name is kept when a server of
this build runs `f = NAME` without error (it is in the subset). `range` is added by hand: it is a
class, skipped here with the others, and the subset's `range` is a function value."""
import builtins, json, os, re, sys, urllib.request
import numpy as np
import tensorflow as tf

here = os.path.dirname(os.path.abspath(__file__))
base = sys.argv[1].rstrip("/")
names = [l.strip() for l in open(os.path.join(here, "..", "..", "src", "cells", "known_api.txt")) if l.strip()]
names += [n for n in dir(builtins) if not n.startswith("_")]
lines = []
for n in names:
    try:
        obj = builtins
        if n.startswith(("tf.", "np.")):
            root, *rest = n.split(".")
            obj = tf if root == "tf" else np
        else:
            rest = [n]
        for r in rest:
            obj = getattr(obj, r)
    except Exception:
        continue
    if isinstance(obj, type) or type(obj).__name__ == "module" or not callable(obj):
        continue
    text = re.sub(r" at 0x[0-9a-f]+", " at {addr}", repr(obj))
    shown = re.sub(r" at 0x[0-9a-f]+", " at {addr}", str(obj))
    last = n.rsplit(".", 1)[-1]
    library = n.startswith(("tf.", "np."))
    default = f"<function {last} at {{addr}}>" if library else f"<built-in function {last}>"
    default_class = "function" if library else "builtin_function_or_method"
    class_name, name = type(obj).__name__, getattr(obj, "__name__", last)
    if (text, shown, class_name, name) == (default, default, default_class, last):
        continue
    if not text.startswith("<") or text.startswith("<Keras"):
        continue
    src = f"import tensorflow as tf\nimport numpy as np\nf = {n}\n"
    req = urllib.request.Request(base + "/v1/cells", data=json.dumps({"source": src}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            if json.loads(r.read()).get("error") is None:
                lines.append(f"{n}\t{text}\t{shown}\t{class_name}\t{name}")
    except urllib.error.HTTPError:
        pass
lines.append("range\t<class 'range'>\t<class 'range'>\ttype\trange")
with open(os.path.join(here, "..", "..", "src", "cells", "function_reprs.txt"), "w") as f:
    f.write("\n".join(sorted(lines[:-1]) + lines[-1:]) + "\n")
print(len(lines))
