"""Differential fuzz of POST /v1/cells against TensorFlow 2.15: random notebook cells in the
cell subset (../../../shared/spec/cells.md: tf ops, tapes, variables, NumPy, prints, errors) run
through the oracle's run_cell.py (real TensorFlow, in this process) and through a live server,
compared as the shared conformance's run_cells.py compares a cell case (stdout numbers within
their dtype's tolerance, values, error type and line).

A disagreement is minimized (top-level statements dropped while the first difference keeps its
kind) and saved as a cell case ({"name", "about", "source", "random", "stdout", "values",
"error"}, the format of tests/conformance/cells/) with gradtape's answer beside it, one or two
per class; `--cases DIR` writes them where `cargo test` replays them.

usage: /tmp/tf/bin/python tests/cells/fuzz_cells.py --base-url URL [--n 300] [--seed 1]
           [--save DIR] [--tf-cache FILE] [--gen cells|more|notebook] [--strict]
                                                           run, minimize, save
       /tmp/tf/bin/python tests/cells/fuzz_cells.py --precompute --tf-cache FILE --n N --seed S
       /tmp/tf/bin/python tests/cells/fuzz_cells.py --show SEED    print one generated cell
       /tmp/tf/bin/python tests/cells/fuzz_cells.py --base-url URL --files A.py B.py [--strict]
Needs TensorFlow (the oracle) and /work/shared: ORACLE and CONFORMANCE name other places.
The runs and what they found: ../sessions/README.md.
"""
import argparse, ast, json, os, re, sys, time

sys.path.insert(0, os.environ.get("ORACLE", "/work/shared/oracle"))
sys.path.insert(0, os.environ.get("CONFORMANCE", "/work/shared/conformance"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cellgen, cellgen_more, cellgen_notebook  # noqa: E402

GENERATORS = {"cells": cellgen.make_cell, "more": cellgen_more.make_cell,
              "notebook": cellgen_notebook.make_cell}
make_cell = GENERATORS["cells"]


CACHE = {}  # source -> TF's answer, read from and added to --tf-cache


def tf_answer(source):
    if source not in CACHE:
        import run_cell  # noqa: E402  (imports TensorFlow)
        CACHE[source] = run_cell.run_cell(source)
    return CACHE[source]


def load_cache(path):
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                d = json.loads(line)
                CACHE[d["source"]] = d["answer"]


def precompute(a):
    """TF's answers for the cells of a seed, appended to --tf-cache (no server needed)."""
    with open(a.tf_cache, "a") as f:
        for k in range(a.n):
            src = make_cell(a.seed * 100000 + k)
            if src not in CACHE:
                f.write(json.dumps({"source": src, "answer": tf_answer(src)}) + "\n")
                f.flush()


def zero_size_aware(compare_tensor):
    """The conformance comparison, except that a zero-size tensor's value is `[]` whatever its
    shape (NumPy's tolist() of a [0, 1] array is `[]`, as gradtape writes it)."""
    def compare(exp, got, where):
        if (isinstance(exp, dict) and isinstance(got, dict) and 0 in (exp.get("shape") or [1])
                and got.get("dtype") == exp["dtype"] and got.get("shape") == exp["shape"]
                and got.get("value") == exp["value"] == []):
            return []
        return compare_tensor(exp, got, where)
    return compare


def differ(base, source, exp=None):
    """(messages, TF's answer, (status, server's answer)) for one cell."""
    import run_cells
    from run_cells import compare, post
    if not getattr(run_cells.compare_tensor, "zero_size_aware", False):
        run_cells.compare_tensor = zero_size_aware(run_cells.compare_tensor)
        run_cells.compare_tensor.zero_size_aware = True
    exp = exp or tf_answer(source)
    case = {"source": source, "random": False, **exp}
    status, body = post(base.rstrip("/") + "/v1/cells", {"source": source})
    msgs = compare(case, status, body)
    if not msgs and STRICT:
        msgs = strict_differences(exp, status, body)
    return msgs, exp, (status, body)


STRICT = False  # --strict: also the layout of stdout and the text of an error's detail


def strict_differences(exp, status, body):
    """What a student would still see differ once the tolerant comparison agrees: stdout byte for
    byte where every number is written the same (so alignment and wrapping must match too), and
    an error's detail where type and line agree."""
    from run_cells import NUMBER
    if status != 200 or not isinstance(body, dict):
        return []
    got_out = body.get("stdout", "")
    if got_out != exp["stdout"] and NUMBER.findall(got_out) == NUMBER.findall(exp["stdout"]):
        j = next((j for j, (x, y) in enumerate(zip(exp["stdout"], got_out)) if x != y),
                 min(len(exp["stdout"]), len(got_out)))
        return [f"strict: stdout layout at char {j}: expected {exp['stdout'][max(0, j - 30):j + 30]!r}, "
                f"got {got_out[max(0, j - 30):j + 30]!r}"]
    e, g = exp.get("error"), body.get("error")
    if e and g and e.get("detail") != g.get("detail"):
        return [f"strict: error detail: expected {e.get('detail')!r}, got {g.get('detail')!r}"]
    return []


def signature(msg):
    """A first difference with its numbers, quoted text and names taken out: the class it is of."""
    s = re.sub(r"'[^']*'|\"[^\"]*\"", "Q", msg)
    s = re.sub(r"values\.\w+", "values.N", s)
    s = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "#", s)
    return s[:140]


def statements(source):
    """Top-level statements as (first line, last line), 1-based."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [(n.lineno, n.end_lineno) for n in tree.body]


def minimize(base, source, sig):
    """Greedily drops top-level statements (imports kept) while the first difference keeps `sig`."""
    lines = source.splitlines(keepends=True)
    changed = True
    while changed:
        changed = False
        src = "".join(lines)
        for first, last in reversed(statements(src)):
            if lines[first - 1].startswith("import "):
                continue
            cand = lines[: first - 1] + lines[last:]
            msgs, _, _ = differ(base, "".join(cand))
            if msgs and signature(msgs[0]) == sig:
                lines, changed = cand, True
                break
    return "".join(lines)


def save_case(save, cls_index, sig, seed, source, exp, got, msg):
    name = f"fuzz_cell_{cls_index}_s{seed}"
    case = {"name": name, "about": f"fuzz_cells.py seed cell {seed}: {msg}"[:300], "random": False,
            "source": source, "stdout": exp["stdout"], "values": exp["values"], "error": exp["error"]}
    with open(os.path.join(save, name + ".json"), "w") as f:
        json.dump(case, f, indent=1)
    with open(os.path.join(save, name + ".gradtape.json"), "w") as f:
        json.dump({"class": sig, "status": got[0], "answer": got[1]}, f, indent=1)


def fuzz(a):
    os.makedirs(a.save, exist_ok=True)
    agree = disagree = tf_errors = 0
    classes = {}
    t0 = time.time()
    for k in range(a.n):
        seed = a.seed * 100000 + k
        source = make_cell(seed)
        msgs, exp, got = differ(a.base_url, source)
        tf_errors += exp["error"] is not None
        if not msgs:
            agree += 1
            continue
        disagree += 1
        sig = signature(msgs[0])
        hits = classes.setdefault(sig, [])
        hits.append(seed)
        print(f"DISAGREE c{seed}: {msgs[0][:220]}", flush=True)
        if len(hits) <= a.keep:
            small = minimize(a.base_url, source, sig)
            m2, exp2, got2 = differ(a.base_url, small)
            if not m2:  # the difference needs what minimizing dropped
                small, m2, exp2, got2 = source, msgs, exp, got
            save_case(a.save, list(classes).index(sig) + 1, sig, seed, small, exp2, got2, m2[0])
    dt = time.time() - t0
    print(f"\n{a.n} cells (seed {a.seed}) in {dt:.0f} s: {agree} agree with TF, {disagree} disagree; "
          f"{tf_errors} raised in TF")
    for sig, seeds in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(seeds):4d}  {sig}   e.g. c{seeds[0]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save", default="target/fuzz-found-cells")
    ap.add_argument("--keep", type=int, default=2, help="cases saved per class")
    ap.add_argument("--show", type=int, help="print the cell of this seed and TF's answer")
    ap.add_argument("--tf-cache", help="a JSON-lines file of TF's answers, read and (with --precompute) written")
    ap.add_argument("--precompute", action="store_true", help="only run TF on the cells, into --tf-cache")
    ap.add_argument("--gen", choices=sorted(GENERATORS), default="cells",
                    help="cellgen.py's cells, cellgen_more.py's (more of the subset), or "
                         "cellgen_notebook.py's (the notebook patterns, and prints)")
    ap.add_argument("--files", nargs="+", help="hand-written cells (.py) to compare instead of generated ones")
    ap.add_argument("--strict", action="store_true",
                    help="also stdout byte for byte where the numbers are written alike, and errors' detail")
    a = ap.parse_args()
    global make_cell, STRICT
    make_cell = GENERATORS[a.gen]
    STRICT = a.strict
    load_cache(a.tf_cache)
    if a.precompute:
        return precompute(a)
    if a.show is not None:
        src = make_cell(a.show)
        print(src)
        print(json.dumps(tf_answer(src), indent=1)[:3000])
        if a.base_url:
            msgs, _, got = differ(a.base_url, src)
            print("gradtape:", json.dumps(got[1], indent=1)[:3000])
            print("differences:", msgs)
        return
    if not a.base_url:
        ap.error("--base-url is needed to fuzz")
    if a.files:
        return check_files(a)
    fuzz(a)


def check_files(a):
    """Hand-written cells through run_cell.py and the server; the first difference of each."""
    bad = 0
    for path in a.files:
        with open(path) as f:
            source = f.read()
        msgs, _, _ = differ(a.base_url, source)
        bad += bool(msgs)
        print(f"{'DIFFER' if msgs else 'agree '} {path}" + (f": {msgs[0][:400]}" if msgs else ""))
    print(f"{len(a.files)} cells: {len(a.files) - bad} agree with TF, {bad} differ")


if __name__ == "__main__":
    main()
