"""Load run at the protocol level: N sessions over T seconds, no browsers.

Each session speaks Streamlit's own WebSocket protocol, as the browser does: it opens the
comments page (みんなの声: the map of comments and the form), picks a town (the non-map way to
pin), fills the form and posts. Times are what the server takes: from sending the request to
the end of the script run the server streams back, including the transfer of every element
(the map's payload too) over the loopback. No rendering happens, so unlike ``bench/load.py``
(50 headless Chromiums on the server's own cores) this shows the server's capacity alone; a
real room brings its own devices. Prints P50/P95 page load and submit times, errors, and lost
comments (acknowledged but not stored, or stored twice). Targets (issue: a full workshop room):
P95 page < 2 s, submit < 1 s, 0 errors, 0 lost.

    .venv/bin/python bench/load_ws.py                  # 50 sessions over 30 s
    .venv/bin/python bench/load_ws.py --sessions 100 --over 30
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_support import app_server  # noqa: E402
from load import pct  # noqa: E402

TOWN = "粕川町稲里"
TEXT_LABEL = "本文"
CONSENT_LABEL = "同意します"
DONE = "投稿しました"


class Session:
    """One protocol-level session: reruns with widget states, collects widgets and texts."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.query = ""
        self.page_hash = ""  # the page the server last ran; sent back like the browser does
        self.widgets: list[tuple[str, str, str]] = []  # (label, widget id, form id)
        self.texts: list[str] = []

    async def run(self, states: list[Any] | None = None, *, page: str = "") -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_name = page
        msg.rerun_script.page_script_hash = "" if page else self.page_hash
        for s in states or []:
            msg.rerun_script.widget_states.widgets.append(s)
        self.widgets.clear()
        self.texts.clear()
        await self.ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=120))
            kind = fwd.WhichOneof("type")
            if kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash
            elif kind == "navigation":
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._element(fwd.delta.new_element)
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError("the script failed to compile")
                # FINISHED_EARLY_FOR_RERUN: the app switched pages; its next run follows

    def _element(self, el: Any) -> None:
        etype = el.WhichOneof("type")
        proto = getattr(el, etype)
        if etype in ("markdown", "alert", "toast"):
            self.texts.append(getattr(proto, "body", ""))
        elif etype == "exception":
            self.texts.append("EXCEPTION " + proto.message)
        label, wid = getattr(proto, "label", None), getattr(proto, "id", None)
        if isinstance(label, str) and isinstance(wid, str) and wid:
            self.widgets.append((label, wid, str(getattr(proto, "form_id", ""))))

    def widget(self, starts: str, *, form: str = "") -> str:
        """The id of the first widget (in a form whose id starts with ``form``) whose label
        starts with ``starts`` (else contains it)."""
        for test in (str.startswith, str.__contains__):
            for label, wid, form_id in self.widgets:
                if test(label, starts) and form_id.startswith(form):
                    return wid
        raise KeyError(f"no widget labelled {starts!r} in form {form!r}; "
                       f"have {[w[0] for w in self.widgets][:20]}")

    def said(self, text: str) -> bool:
        return any(text in t for t in self.texts)


def state(wid: str, **value: Any) -> Any:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    s = WidgetState(id=wid)
    for k, v in value.items():
        setattr(s, k, v)
    return s


async def one_session(url: str, i: int, results: list[dict], run_id: str) -> None:
    import websockets

    r: dict = {"i": i, "text": f"load-{run_id}-{i}"}
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"],
                                      additional_headers={"Origin": url},
                                      max_size=None) as ws:
            s = Session(ws)
            t0 = time.perf_counter()
            await s.run(page="comments")
            r["page_s"] = time.perf_counter() - t0
            town = state(s.widget("町丁を選ぶ"), string_value=TOWN)
            await s.run([town])
            # the comment form (c_form_<n>), not the reply forms in the list
            states = [town,
                      state(s.widget(TEXT_LABEL, form="c_form_"), string_value=r["text"]),
                      state(s.widget(CONSENT_LABEL, form="c_form_"), bool_value=True)]
            submit = state(s.widget("投稿", form="c_form_"), trigger_value=True)
            t1 = time.perf_counter()
            await s.run([*states, submit])
            r["submit_s"] = time.perf_counter() - t1
            r["acked"] = s.said(DONE)
            if not r["acked"]:
                r["error"] = "no acknowledgement: " + " | ".join(x[:30] for x in s.texts)[-300:]
    except Exception as exc:
        r["error"] = f"{type(exc).__name__}: {exc}"[:300]
    results.append(r)


async def drive(url: str, n: int, over: float, run_id: str) -> list[dict]:
    results: list[dict] = []
    rng = random.Random(1)
    starts = sorted(rng.uniform(0, over) for _ in range(n))
    t0 = time.perf_counter()

    async def later(i: int, at: float) -> None:
        await asyncio.sleep(max(0.0, at - (time.perf_counter() - t0)))
        await one_session(url, i, results, run_id)

    await asyncio.gather(*(later(i, at) for i, at in enumerate(starts)))
    return results


def report(results: list[dict], data_dir: Path, run_id: str) -> None:
    from geo.participation.store import open_store

    page = [r["page_s"] for r in results if "page_s" in r]
    submit = [r["submit_s"] for r in results if "submit_s" in r]
    errors = [r for r in results if "error" in r]
    rows = open_store(str(data_dir)).comments_frame(city="maebashi", include_hidden=True)
    texts = [str(x) for x in rows["text"]]
    acked = [r["text"] for r in results if r.get("acked")]
    lost = [t for t in acked if texts.count(t) != 1]
    ours = sum(1 for x in texts if x.startswith(f"load-{run_id}-"))
    print(f"sessions {len(results)}, acknowledged {len(acked)}, stored {ours}")
    for name, vals, target in (("page load", page, 2.0), ("submit", submit, 1.0)):
        if vals:
            p95 = pct(vals, 95)
            print(f"{name:10s} P50 {pct(vals, 50):6.2f} s  P95 {p95:6.2f} s  max {max(vals):6.2f} s"
                  f"   target P95 < {target:g} s: {'PASS' if p95 < target else 'FAIL'}")
    print(f"errors     {len(errors)}   target 0: {'PASS' if not errors else 'FAIL'}")
    for r in errors[:5]:
        print(f"   session {r['i']}: {r['error']}")
    print(f"lost       {len(lost)}   target 0: {'PASS' if not lost else 'FAIL'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--over", type=float, default=30.0, help="arrival window in seconds")
    args = ap.parse_args()
    run_id = f"{int(time.time())}"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        # each session posts once; the per-session rate limit is not what is measured here
        with app_server(data) as (url, _):
            # one session first, not counted: the shared caches (bundle, layers) fill once per
            # server, as they do when the facilitator opens the app before the room arrives
            warm: list[dict] = []
            asyncio.run(one_session(url, -1, warm, f"{run_id}-warm"))
            print(f"warm-up session: page {warm[0].get('page_s', float('nan')):.2f} s, "
                  f"submit {warm[0].get('submit_s', float('nan')):.2f} s "
                  f"{warm[0].get('error', '')}")
            print(f"{args.sessions} protocol sessions over {args.over:g} s against {url}")
            results = asyncio.run(drive(url, args.sessions, args.over, run_id))
        report(results, data, run_id)


if __name__ == "__main__":
    main()
