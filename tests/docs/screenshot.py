"""Takes a screenshot of /docs running the seed example, as a new user would: open the page in
headless Chromium (Debian's `chromium`), expand POST /v1/evaluate, "Try it out" with the
documented seed example, "Execute", and capture the response. Needs `websocket-client`.

    python3 tests/docs/screenshot.py --base-url http://127.0.0.1:8080 --out docs.png
"""
import argparse
import base64
import json
import subprocess
import tempfile
import time
import urllib.request

import websocket

ap = argparse.ArgumentParser()
ap.add_argument("--base-url", default="http://127.0.0.1:8080")
ap.add_argument("--out", default="docs.png")
ap.add_argument("--port", type=int, default=19222)
args = ap.parse_args()

profile = tempfile.mkdtemp()
chrome = subprocess.Popen(
    ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
     f"--remote-debugging-port={args.port}", "--window-size=1280,2200", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{args.port}/json"))
            page = next(p for p in pages if p["type"] == "page")
            break
        except Exception:
            time.sleep(0.1)
    ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
    ids = iter(range(1, 10**6))

    def call(method, **params):
        i = next(ids)
        ws.send(json.dumps({"id": i, "method": method, "params": params}))
        while True:
            msg = json.loads(ws.recv())
            if msg.get("id") == i:
                return msg.get("result", {})

    def js(expr):
        r = call("Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True)
        return r.get("result", {}).get("value")

    def click(expr):
        """A real mouse click at the element's centre, as a user's."""
        js(expr + ".scrollIntoView({block: 'center'})")
        time.sleep(0.2)
        r = js("(() => { const b = " + expr + ".getBoundingClientRect(); return [b.x + b.width / 2, b.y + b.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            call("Input.dispatchMouseEvent", type=kind, x=r[0], y=r[1], button="left", clickCount=1)
        time.sleep(0.3)

    def wait_for(expr, what, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if js(f"!!({expr})"):
                return
            time.sleep(0.2)
        raise SystemExit(f"timed out waiting for {what}")

    call("Page.enable")
    call("Emulation.setDeviceMetricsOverride", width=1280, height=2200, deviceScaleFactor=1, mobile=False)
    call("Page.navigate", url=args.base_url + "/docs")
    op = "document.querySelector('#operations-evaluate-evaluate')"
    wait_for(op, "the evaluate operation")
    click(op + ".querySelector('button.opblock-summary-control')")
    wait_for(op + ".querySelector('.try-out__btn')", "Try it out")
    time.sleep(1.0)
    if not js("!!(" + op + ".querySelector('button.execute'))"):
        click(op + ".querySelector('.try-out__btn')")
    buttons = js("Array.from(" + op + ".querySelectorAll('button')).map(b => b.className).join(' | ')")
    wait_for(op + ".querySelector('button.execute')", f"Execute (buttons: {buttons})")
    # the documented seed example, chosen in the examples menu as a user chooses it
    chose = js("""(() => {
        const sel = Array.from(""" + op + """.querySelectorAll('select'))
            .find(s => Array.from(s.options).some(o => o.value === 'seed'));
        if (!sel) return false;
        const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;
        set.call(sel, 'seed');
        sel.dispatchEvent(new Event('change', {bubbles: true}));
        return true;
    })()""")
    if not chose:
        raise SystemExit("no examples menu with the seed example")
    time.sleep(0.5)
    click(op + ".querySelector('button.execute')")
    wait_for(op + ".querySelector('.live-responses-table .response-col_status')", "the response")
    time.sleep(0.5)
    status = js(op + ".querySelector('.live-responses-table tbody .response-col_status').innerText.trim()")
    body = js(op + ".querySelector('.live-responses-table .microlight, .live-responses-table pre').innerText")
    print("status", status)
    print(body[:400])
    js(op + ".querySelector('.live-responses-table').scrollIntoView({block: 'center'})")
    time.sleep(0.3)
    shot = call("Page.captureScreenshot", format="png")
    with open(args.out, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    print("wrote", args.out)
    if not status.startswith("200") or '"results"' not in body:
        raise SystemExit("the seed example did not answer 200 with results from /docs")
finally:
    chrome.kill()
