#!/usr/bin/env python3
"""Two builds answer alike: POSTs every conformance case (this repo's and /work/shared's), every
fuzz corpus file and some malformed bodies to /v1/evaluate on two servers, and reports each
answer (status and body bytes, `request_id` aside) that differs. For a change meant to leave
answers alone (a faster parser, an allocator), byte for byte, errors included.

    python3 tests/bench/same.py http://127.0.0.1:8080 http://127.0.0.1:8081
"""
import glob, json, re, sys, urllib.request, urllib.error
a, b = sys.argv[1], sys.argv[2]
bodies = []
import os
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
for d in [root + "/tests/conformance/cases", "/work/shared/conformance/cases"]:
    for f in sorted(glob.glob(d + "/*.json")):
        try:
            bodies.append((f, json.dumps(json.load(open(f))["request"]).encode()))
        except Exception:
            pass
for f in sorted(glob.glob(root + "/tests/fuzz/corpus/**/*", recursive=True)):
    try:
        bodies.append((f, open(f, "rb").read()))
    except Exception:
        pass
bad = [b"", b"{", b'{"graph": [1,]}', b'{"graph": "x\\ty"}', b'[1] x', b'{"a":1e400}', b'{"variables":[{"name":"W","value":[01]}]}',
       b'{"variables":[{"name":"W","value":[1.5e-400, -0, 123456789012345678901]}],"outputs":["W"]}',
       b'{"variables":[{"name":"W\\u00e9","value":2.5}],"outputs":["W\\u00e9"]}', b'\xff\xfe', b'{"outputs":[]} ', b'  \n{"outputs" : [ ] }\t']
bodies += [("bad%d" % i, x) for i, x in enumerate(bad)]
def post(base, body):
    req = urllib.request.Request(base + "/v1/evaluate", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, re.sub(rb'"request_id":"[0-9a-f]+"', b'', e.read())
diff = 0
for name, body in bodies:
    ra, rb = post(a, body), post(b, body)
    if ra != rb:
        diff += 1
        print("DIFF", name, ra[0], rb[0], ra[1][:200], rb[1][:200])
print(len(bodies), "bodies,", diff, "differ")
sys.exit(1 if diff else 0)
