"""Scenario features for the tape calls the shared oracle's generator does not make:
`with g.stop_recording():` (stop_recording, resume), entering `with g:` again (resume after stop),
`g.reset()`, a tape named on creation, and batch_jacobian as its own route. `install(D)` adds
them to session_diff.py's generator and teaches its client and comparison the routes.
"""


def install(D):
    S = D.S
    for kind in ("stop_recording", "resume", "reset", "batch_jacobian"):
        S.ROUTES[kind] = ("POST", "/tapes/{tape}/" + kind)
    compare = S.compare_call

    def compare_call(call, exp, got):
        kind = call["kind"]
        if kind in ("stop_recording", "resume", "reset") and exp[0] == got[0] and exp[0] < 400:
            return S._cmp_tape(exp[1], got[1], "tape")
        if kind == "batch_jacobian":
            call = {**call, "kind": "jacobian"}
        return compare(call, exp, got)

    S.compare_call = compare_call
    D.Gen = extend_gen(D.Gen)


def extend_gen(Gen):
    class MoreTapes(Gen):
        def tape_call(self, kind, lab):
            return self.do({"kind": kind, "tape": lab})

        def open_named(self, persistent=None):
            """A tape named on creation: `with tf.GradientTape() as g:` names it g."""
            r = self.rng
            lab = self.open(persistent=persistent)
            call = self.calls[-1]
            if r.random() < 0.7 and call["kind"] == "open_tape":
                # the emulator already opened it unnamed: reopen it by its name instead
                self.calls.pop(), self.expected.pop()
                tid = self.emu.labels.pop(lab)
                g = self.emu.tapes.pop(tid)
                if g._recording:
                    g._pop_tape()
                self.emu.nt -= 1
                taken = [n for n in self.emu.tapes if not n.startswith("t")]
                name = r.choice(taken) if taken and r.random() < 0.15 else self.fresh("g")
                body = dict(call.get("body") or {}, name=name)
                self.do({"kind": "open_tape", "label": lab, "body": body})
            return lab

        def f_pause(self):
            """with g.stop_recording(): what runs inside is a constant to g; then it records again."""
            r = self.rng
            x = self.source()
            if x is None:
                return
            t = self.open_named(persistent=r.random() < 0.6)
            self.watch(t, [x])
            y1 = self.chain(x, 1)
            self.tape_call("stop_recording", t)
            if r.random() < 0.2:
                self.tape_call("stop_recording", t)  # nested stop_recording is TF's error
            y2 = self.fresh("y")
            self.graph([{"name": y2, "op": "multiply", "inputs": [y1, x]}])
            if r.random() < 0.3:
                self.gradient(t, y1, x)  # a gradient while paused
            self.tape_call("resume", t)
            y3 = self.fresh("y")
            self.graph([{"name": y3, "op": r.choice(["multiply", "add"]), "inputs": [y1, x]}])
            if r.random() < 0.6:
                self.stop(t)
            for target in r.sample([y1, y2, y3], r.choice([1, 2, 3])):
                self.gradient(t, target, x, **({"unconnected_gradients": "zero"} if r.random() < 0.2 else {}))

        def f_reenter(self):
            """resume after stop enters `with g:` again: it records with what it watched."""
            r = self.rng
            x = self.source()
            if x is None:
                return
            t = self.open_named(persistent=r.random() < 0.5)
            self.watch(t, [x])
            y1 = self.chain(x, 1)
            self.stop(t)
            if r.random() < 0.5:
                self.gradient(t, y1, x)
            self.tape_call("resume", t)
            if r.random() < 0.3:
                self.tape_call("resume", t)  # entering twice
            y2 = self.chain(x, 1)
            if r.random() < 0.5:
                self.stop(t)
            self.gradient(t, y2, x)
            if r.random() < 0.5:
                self.gradient(t, y1, x)

        def f_reset(self):
            """g.reset() forgets what was recorded and watched; on a stopped tape it is refused."""
            r = self.rng
            x = self.source()
            if x is None:
                return
            t = self.open_named(persistent=r.random() < 0.6)
            self.watch(t, [x])
            y1 = self.chain(x, 1)
            if r.random() < 0.3:
                self.stop(t)
            self.tape_call("reset", t)
            if r.random() < 0.5:
                self.watch(t, [x])
            y2 = self.chain(x, 1)
            if r.random() < 0.5:
                self.stop(t)
            self.gradient(t, y2, x)
            if r.random() < 0.5:
                self.gradient(t, y1, x)

        def f_batch_route(self):
            """batch_jacobian on its own route with the body of jacobian."""
            r = self.rng
            shape = r.choice([[2, 2], [3, 2], [2, 3], [2], []])
            c = self.constant(shape=shape)
            t = self.open_named(persistent=r.random() < 0.6)
            self.watch(t, [c])
            y = self.fresh("y")
            nodes = [{"name": y, "op": r.choice(["sin", "square", "tanh"]), "inputs": [c]}]
            if len(shape) == 2 and r.random() < 0.4:
                nodes.append({"name": self.fresh("s"), "op": "reduce_sum", "inputs": [y], "axis": 1,
                              "keepdims": True})
            self.graph(nodes)
            target = nodes[-1]["name"]
            if r.random() < 0.6:
                self.stop(t)
            body = {"target": target}
            key = r.choice(["sources", "source", "sources_list"])
            if key == "sources_list":
                body["sources"] = [c] if r.random() < 0.8 else [c, c]
            else:
                body[key] = c
            if r.random() < 0.3:
                body["bind"] = self.fresh("B") if key != "sources_list" else [self.fresh("B")] * len(body["sources"])
            if r.random() < 0.2:
                body["unconnected_gradients"] = "zero"
            self.do({"kind": "batch_jacobian", "tape": t, "body": body})
            if body.get("bind") and r.random() < 0.5:
                b = body["bind"]
                self.do({"kind": "get_tensor", "name": b if isinstance(b, str) else b[0]})

        def noise(self):
            r = self.rng
            tapes = self.live_tapes()
            if tapes and r.random() < 0.08:
                return self.tape_call(r.choice(["stop_recording", "resume", "reset"]), r.choice(tapes))
            return super().noise()

        FEATURES = Gen.FEATURES + ["f_pause", "f_pause", "f_reenter", "f_reset", "f_batch_route"]

    return MoreTapes
