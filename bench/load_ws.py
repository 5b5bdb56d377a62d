"""Load run at the protocol level: N sessions over T seconds, no browsers.

Each session does what a citizen's browser does on みんなの声, over Streamlit's own WebSocket
protocol: it loads the page (``GET /comments``, keeping the cookies it is given, then the
WebSocket ``/_stcore/stream`` with those cookies and a run of the page), picks a town from
the list "町丁を選ぶ (地図を使わない場合)" (the non-map way to choose a place), chooses the
Well-Being factor (selectbox "関連するWell-Being因子", no default), then in the form the kind
(radio "種類", no default), the text and the consent, and presses "投稿"; the acknowledgement
"投稿しました (番号 #N)" arrives inside the confirmation dialog. Town, factor and kind are
drawn (seeded) from the options the page offers. Every session's text is unique
(``load-<run id>-<i>``).

When the socket drops (a replica killed behind a proxy), the session reconnects as a reload
of the tab does: it opens a new socket with the same cookies and the same URL query
string — ``?k=`` is the tab's nonce, from which the page derives a submission's idempotency
key — offers its old session id for resumption, reruns the page and does the steps again
with the same town, factor, kind and text. A post whose acknowledgement was lost is
therefore re-sent with the same key: the store answers "already received" (another session
stored it) or stores it now, never twice. A session gives up after ``--attempts`` sockets.

Times are what the server takes (no rendering happens here): page = ``GET`` + WebSocket
handshake + the page's run streamed back in full (the map's payload too); submit = from
pressing "投稿" to the run that shows the acknowledgement, including any reconnection on
the way. After the run every session's text is counted in the database: an acknowledged
comment stored zero times is *lost*, any text stored more than once is *duplicated*, and an
acknowledged number that holds another text is *wrong*.

    .venv/bin/python bench/load_ws.py              # its own server (fresh SQLite), 50 over 30 s
    .venv/bin/python bench/load_ws.py --url http://127.0.0.1:8600 --sessions 200 --over 60 \\
        --database "$DIORAMA_DATABASE_URL" --page-p95 2

Prints one table with PASS/FAIL against the targets given as options (defaults: page
P95 < 1 s, submit P95 < 1 s, 0 errors, 0 lost or duplicated); exits 0 unless ``--strict``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

PAGE = "comments"
TOWN_LABEL = "町丁を選ぶ"
FACTOR_LABEL = "関連するWell-Being因子"
KIND_LABEL = "種類"
TEXT_LABEL = "本文"
CONSENT_LABEL = "同意します"
SUBMIT_LABEL = "投稿"
FORM = "c_form_"  # the comment form's id (c_form_<n>), not the reply popovers
POSTED = "投稿しました"  # the acknowledgement with the comment's number, in the dialog
ALREADY = "すでに受け付けています"  # a re-sent submission that another session stored
SQLITE_FILE = "comments.sqlite3"


class AppError(Exception):
    """The page answered, but not as a citizen expects (a traceback, a missing widget)."""


@dataclass
class Widget:
    label: str
    id: str
    form: str
    kind: str
    options: list[str]
    fragment: str = ""  # the st.fragment it is drawn in: its changes rerun only that part


@dataclass
class Targets:
    page_p95: float = 1.0
    submit_p95: float = 1.0
    errors: int = 0
    lost: int = 0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


# --- HTTP and the WebSocket, as the browser uses them ----------------------------------------


async def http_get(base: str, path: str, cookies: dict[str, str], timeout: float) -> int:
    """``GET base+path`` (plain HTTP/1.1, as the browser loads the page); keeps Set-Cookie."""
    u = urlsplit(base)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(u.hostname, u.port or 80), timeout)
    try:
        head = [f"GET {path} HTTP/1.1", f"Host: {u.netloc}", "Accept: text/html",
                "Connection: close"]
        if cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    header = raw.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    if not header or len(header[0].split()) < 2:
        raise ConnectionError(f"GET {path}: no HTTP answer")
    for line in header[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            k, _, v = value.strip().split(";", 1)[0].partition("=")
            cookies[k.strip()] = v.strip()
    return int(header[0].split()[1])


class Client:
    """One browser tab: cookies, the URL's query string, the session id, the open socket."""

    def __init__(self, base: str, timeout: float) -> None:
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.query = ""  # the tab's URL query string (the page puts ?k=<nonce> there)
        self.session_id = ""
        self.page_hash = ""
        self.ws: Any = None
        self.widgets: list[Widget] = []
        self.texts: list[str] = []
        self.states: dict[str, Any] = {}  # widget values the tab holds (sent on every run)

    async def open(self) -> None:
        """Load the page and open the socket (a reload of the tab: same URL, same cookies)."""
        import websockets

        path = f"/{PAGE}" + (f"?{self.query}" if self.query else "")
        status = await http_get(self.base, path, self.cookies, self.timeout)
        if status != 200:
            raise ConnectionError(f"GET {path}: HTTP {status}")
        protocols = ["streamlit"]
        if self.session_id:  # offered for resumption, as the browser does after a drop
            protocols += [self.cookies.get("_streamlit_xsrf", "none"), self.session_id]
        headers = {"Origin": self.base}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.ws = await websockets.connect(
            self.base.replace("http://", "ws://", 1) + "/_stcore/stream",
            subprotocols=protocols, additional_headers=headers, max_size=None,
            open_timeout=self.timeout, ping_interval=None, close_timeout=1)
        self.states.clear()
        self.page_hash = ""

    async def close(self) -> None:
        if self.ws is not None:
            ws, self.ws = self.ws, None
            with contextlib.suppress(Exception):  # the socket is gone either way
                await ws.close()

    async def run(self, trigger: Any = None, *, page: str = "", fragment: str = "") -> None:
        """One rerun with the tab's widget values (and a button press), to the end of the run;
        with ``fragment``, of that fragment only (as the browser does for its widgets)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_name = page
        msg.rerun_script.page_script_hash = "" if page else self.page_hash
        msg.rerun_script.fragment_id = fragment
        for s in [*self.states.values(), *([trigger] if trigger is not None else [])]:
            msg.rerun_script.widget_states.widgets.append(s)
        self.widgets.clear()
        self.texts.clear()
        await self.ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=self.timeout))
            kind = fwd.WhichOneof("type")
            if kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash
                self.session_id = fwd.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                self.page_hash = fwd.navigation.page_script_hash
            elif kind == "page_not_found":
                raise AppError(f"page not found: {fwd.page_not_found.page_name}")
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._element(fwd.delta.new_element, fwd.delta.fragment_id)
            elif kind == "script_finished":
                status = fwd.script_finished
                if status in (ForwardMsg.FINISHED_SUCCESSFULLY,
                              ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    return
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise AppError("the script failed to compile")
                # FINISHED_EARLY_FOR_RERUN: the app switched pages; its next run follows

    def _element(self, el: Any, fragment: str = "") -> None:
        etype = el.WhichOneof("type")
        proto = getattr(el, etype)
        if etype in ("markdown", "alert", "toast"):
            self.texts.append(getattr(proto, "body", ""))
        elif etype == "exception":
            self.texts.append("EXCEPTION " + proto.message)
        label, wid = getattr(proto, "label", None), getattr(proto, "id", None)
        if isinstance(label, str) and isinstance(wid, str) and wid:
            options = [str(o) for o in getattr(proto, "options", [])]
            self.widgets.append(Widget(label, wid, str(getattr(proto, "form_id", "")),
                                       etype, options, fragment))

    def widget(self, starts: str, *, form: str = "") -> Widget:
        """The widget (in a form whose id starts with ``form``) labelled exactly ``starts``,
        else whose label starts with it, else whose label contains it."""
        for test in (str.__eq__, str.startswith, str.__contains__):
            for w in self.widgets:
                if test(w.label, starts) and w.form.startswith(form):
                    return w
        raise AppError(f"no widget labelled {starts!r}{' in ' + form if form else ''}; "
                       f"texts: {' | '.join(t[:40] for t in self.texts)[-300:]}")

    def set(self, w: Widget, **value: Any) -> None:
        self.states[w.id] = state(w.id, **value)

    def said(self, text: str) -> str | None:
        return next((t for t in self.texts if text in t), None)


def state(wid: str, **value: Any) -> Any:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    s = WidgetState(id=wid)
    for k, v in value.items():
        setattr(s, k, v)
    return s


# --- one citizen --------------------------------------------------------------------------


class Gate:
    """Holds sessions before they press "投稿" until opened (tests: kill a replica while
    every session has a socket open)."""

    def __init__(self) -> None:
        self.arrived = 0
        self.opened = asyncio.Event()

    async def wait(self) -> None:
        self.arrived += 1
        await self.opened.wait()


async def one_session(url: str, i: int, run_id: str, *, timeout: float = 60.0,
                      attempts: int = 5, seed: int = 1, think: float = 0.0,
                      gate: Gate | None = None, live: dict[int, Client] | None = None,
                      client: Client | None = None) -> dict[str, Any]:
    """Open みんなの声, pick a town, a factor and a kind, post, read the acknowledgement;
    reconnect (up to ``attempts`` sockets) when the socket drops.

    ``think``: seconds (on average; 0.5–1.5×, seeded) a person takes before each step, with
    the socket open. ``live`` holds the session's client while it runs (to see its cookies
    from outside). ``client``: a tab used before (its cookies and ``?k=``): the same ``i``,
    ``run_id`` and ``seed`` then send the very same submission again.
    """
    import websockets

    r: dict[str, Any] = {"i": i, "text": f"load-{run_id}-{i}", "reconnects": 0,
                         "repage_s": []}
    rng = random.Random(f"{seed}-{i}")  # the choices; the same for the same session
    pause = random.Random(f"{seed}-{i}-think")
    c = client or Client(url, timeout)
    r["client"] = c
    if live is not None:
        live[i] = c

    async def thinking() -> None:
        if think > 0 and not r["reconnects"]:  # after a reconnect the steps are replayed
            await asyncio.sleep(think * pause.uniform(0.5, 1.5))
    choice: dict[str, str] = {}
    pressed: float | None = None
    dropped: Exception | None = None
    try:
        for attempt in range(attempts):
            if attempt:
                r["reconnects"] += 1
                await asyncio.sleep(min(0.5 * attempt, 2.0))  # the browser backs off too
            try:
                t0 = time.perf_counter()
                await c.open()
                await c.run(page=PAGE)
                elapsed = time.perf_counter() - t0
                if "page_s" in r:  # a reload after a dropped socket
                    r["repage_s"].append(elapsed)
                else:
                    r["page_s"] = elapsed
                await thinking()
                town = c.widget(TOWN_LABEL)
                choice.setdefault("town", rng.choice(town.options))
                c.set(town, string_value=choice["town"])
                await c.run()
                await thinking()
                factor = c.widget(FACTOR_LABEL)
                choice.setdefault("factor", rng.choice(factor.options))
                c.set(factor, string_value=choice["factor"])
                await c.run(fragment=factor.fragment)
                await thinking()
                if gate is not None and not gate.opened.is_set():
                    await gate.wait()
                kind = c.widget(KIND_LABEL, form=FORM)
                choice.setdefault("kind", rng.choice(kind.options))
                c.set(kind, string_value=choice["kind"])
                c.set(c.widget(TEXT_LABEL, form=FORM), string_value=r["text"])
                c.set(c.widget(CONSENT_LABEL, form=FORM), bool_value=True)
                button = c.widget(SUBMIT_LABEL, form=FORM)
                submit = state(button.id, trigger_value=True)
                pressed = pressed or time.perf_counter()
                await c.run(submit, fragment=button.fragment)
                r["submit_s"] = time.perf_counter() - pressed
                r.update(choice)
                if ack := c.said(POSTED):
                    m = re.search(r"#(\d+)", ack)
                    r["acked"], r["id"] = True, int(m.group(1)) if m else None
                elif c.said(ALREADY):
                    r["acked"], r["already"] = True, True
                else:
                    r["error"] = "no acknowledgement: " + " | ".join(
                        t[:40] for t in c.texts)[-300:]
                return r
            except TimeoutError:
                raise  # a server that does not answer is an error, not a dropped socket
            except (websockets.ConnectionClosed, websockets.InvalidHandshake, OSError) as exc:
                dropped = exc
                await c.close()
        r["error"] = f"gave up after {attempts} sockets: {type(dropped).__name__}: {dropped}"
    except TimeoutError:
        r["error"] = f"no answer within {timeout:g} s"
    except AppError as exc:
        r["error"] = str(exc)[:300]
    except Exception as exc:  # a load run reports, it does not stop
        r["error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        await c.close()
        r["cookies"] = dict(c.cookies)
        if live is not None:
            live.pop(i, None)
        if any(t.startswith("EXCEPTION") for t in c.texts):
            r.setdefault("error", next(t for t in c.texts if t.startswith("EXCEPTION"))[:300])
    return r


async def drive(url: str, n: int, over: float, run_id: str, **kw: Any) -> list[dict[str, Any]]:
    """``n`` sessions whose start times are spread (seeded, uniformly) over ``over`` seconds."""
    rng = random.Random(1)
    starts = sorted(rng.uniform(0, over) for _ in range(n))
    t0 = time.perf_counter()

    async def later(i: int, at: float) -> dict[str, Any]:
        await asyncio.sleep(max(0.0, at - (time.perf_counter() - t0)))
        r = await one_session(url, i, run_id, **kw)
        r["start_s"] = at
        return r

    return list(await asyncio.gather(*(later(i, at) for i, at in enumerate(starts))))


# --- what was stored, and the table ------------------------------------------------------------


def stored(database: str, prefix: str) -> list[tuple[int, str]]:
    """``(id, text)`` of every stored comment whose text starts with ``prefix``.

    ``database``: a ``postgresql://`` URL, an SQLite file, or the folder holding
    ``comments.sqlite3`` (the app's ``DIORAMA_DATA_DIR``). Plain SQL on the ``comments``
    table, so the check does not depend on the library's API.
    """
    like = prefix.replace("%", r"\%").replace("_", r"\_") + "%"
    if database.startswith(("postgresql://", "postgres://")):
        import psycopg

        with psycopg.connect(database) as conn:
            rows = conn.execute("SELECT id, body FROM comments WHERE body LIKE %s ESCAPE '\\'",
                                [like]).fetchall()
    else:
        path = Path(database)
        if path.is_dir():
            path = path / SQLITE_FILE
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT id, body FROM comments WHERE body LIKE ? ESCAPE '\\'",
                                [like]).fetchall()
        finally:
            conn.close()
    return [(int(a), str(b)) for a, b in rows]


@dataclass
class Outcome:
    """One run's figures and whether each target was met."""

    title: str
    results: list[dict[str, Any]]
    targets: Targets
    rows: list[tuple[int, str]] | None  # None: the database was not checked
    lines: list[tuple[str, str, str, str]] = field(default_factory=list)
    ok: bool = True

    def __post_init__(self) -> None:
        res, tg = self.results, self.targets
        page = [r["page_s"] for r in res if "page_s" in r]
        submit = [r["submit_s"] for r in res if "submit_s" in r]
        errors = [r for r in res if "error" in r]
        acked = [r for r in res if r.get("acked")]

        def verdict(good: bool) -> str:
            self.ok &= good
            return "PASS" if good else "FAIL"

        for name, vals, target in (("page", page, tg.page_p95), ("submit", submit,
                                                                  tg.submit_p95)):
            p95 = pct(vals, 95)
            self.lines.append((f"{name} P50 / P95 / max",
                               f"{pct(vals, 50):.2f} / {p95:.2f} / "
                               f"{max(vals, default=float('nan')):.2f} s",
                               f"P95 < {target:g} s", verdict(bool(vals) and p95 < target)))
        self.lines.append(("errors", str(len(errors)), f"≤ {tg.errors}",
                           verdict(len(errors) <= tg.errors)))
        if self.rows is None:
            self.lines.append(("lost or duplicated", "not checked", f"≤ {tg.lost}", "FAIL"))
            self.ok = False
            self.lost = self.duplicated = self.wrong = -1
        else:
            texts = [t for _, t in self.rows]
            by_id = dict(self.rows)
            count = {t: texts.count(t) for t in set(texts)}
            self.lost = sum(1 for r in acked if count.get(r["text"], 0) == 0)
            self.duplicated = sum(1 for n in count.values() if n > 1)
            self.wrong = sum(1 for r in acked if r.get("id") and by_id.get(r["id"]) != r["text"])
            bad = self.lost + self.duplicated + self.wrong
            self.lines.append(("lost or duplicated",
                               f"{bad} (lost {self.lost}, twice {self.duplicated}, "
                               f"wrong # {self.wrong})", f"≤ {tg.lost}", verdict(bad <= tg.lost)))
        self.stored_n = None if self.rows is None else len(self.rows)
        self.acked_n = len(acked)
        self.already_n = sum(1 for r in acked if r.get("already"))
        self.reconnected = sum(1 for r in res if r["reconnects"])
        self.errors = errors

    def table(self) -> str:
        out = [self.title,
               f"sessions {len(self.results)}, acknowledged {self.acked_n} "
               f"(of which 'already received' after a reconnect: {self.already_n}), "
               f"stored {'?' if self.stored_n is None else self.stored_n}, "
               f"sessions that reconnected {self.reconnected} "
               f"({sum(r['reconnects'] for r in self.results)} reconnections)"]
        w = max(len(x[1]) for x in self.lines)
        out.append(f"  {'metric':22s} {'measured':{w}s}  {'target':10s}  result")
        out += [f"  {a:22s} {b:{w}s}  {c:10s}  {d}" for a, b, c, d in self.lines]
        out += [f"  error in session {r['i']}: {r['error']}" for r in self.errors[:5]]
        out.append(f"  RESULT: {'PASS' if self.ok else 'FAIL'}")
        return "\n".join(out)


def outcome(title: str, results: list[dict[str, Any]], targets: Targets,
            database: str | None, run_id: str) -> Outcome:
    rows = stored(database, f"load-{run_id}-") if database else None
    if rows is not None:  # warm-up sessions share the prefix; they are not counted
        mine = {r["text"] for r in results}
        rows = [(i, t) for i, t in rows if t in mine]
    return Outcome(title, results, targets, rows)


def warm(urls: Iterable[str], run_id: str, timeout: float) -> None:
    """One uncounted session per URL: the shared caches (bundle, layers) fill once per
    server, as they do when the facilitator opens the app before the room arrives."""
    for n, u in enumerate(urls):
        r = asyncio.run(one_session(u, n, f"{run_id}-warm", timeout=max(timeout, 120)))
        print(f"warm-up {u}: page {r.get('page_s', float('nan')):.2f} s, "
              f"submit {r.get('submit_s', float('nan')):.2f} s {r.get('error', '')}", flush=True)


def add_target_options(ap: argparse.ArgumentParser, *, page: float = 1.0) -> None:
    ap.add_argument("--page-p95", type=float, default=page, help="target: page P95 below (s)")
    ap.add_argument("--submit-p95", type=float, default=1.0,
                    help="target: submit P95 below (s)")
    ap.add_argument("--max-errors", type=int, default=0, help="target: at most this many errors")
    ap.add_argument("--max-lost", type=int, default=0,
                    help="target: at most this many lost, duplicated or wrong comments")


def targets_of(args: argparse.Namespace) -> Targets:
    return Targets(args.page_p95, args.submit_p95, args.max_errors, args.max_lost)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="an already running server or proxy (default: start one "
                    "on 127.0.0.1 with a fresh SQLite store)")
    ap.add_argument("--database", help="where the comments are stored, for the lost check: "
                    "postgresql:// URL, SQLite file or data folder (default with --url: "
                    "$DIORAMA_DATABASE_URL)")
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--over", type=float, default=30.0, help="arrival window in seconds")
    ap.add_argument("--warm", type=int, default=1, help="uncounted warm-up sessions first")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="longest wait for one answer (s)")
    ap.add_argument("--attempts", type=int, default=5, help="sockets a session may open")
    ap.add_argument("--think", type=float, default=0.0,
                    help="average seconds a person takes before each step (socket open)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    add_target_options(ap)
    args = ap.parse_args()
    run_id = f"{int(time.time())}"
    kw = {"timeout": args.timeout, "attempts": args.attempts, "think": args.think}

    def go(url: str, database: str | None) -> Outcome:
        warm([url] * args.warm, run_id, args.timeout)
        print(f"{args.sessions} protocol sessions over {args.over:g} s against {url}",
              flush=True)
        results = asyncio.run(drive(url, args.sessions, args.over, run_id, **kw))
        return outcome(f"load_ws: {args.sessions} sessions over {args.over:g} s, {url}",
                       results, targets_of(args), database, run_id)

    if args.url:
        result = go(args.url, args.database or os.environ.get("DIORAMA_DATABASE_URL"))
    else:
        sys.path[:0] = [str(ROOT / "tests")]
        from browser_support import app_server

        with tempfile.TemporaryDirectory() as tmp, app_server(Path(tmp)) as (url, _):
            result = go(url, tmp)
    print(result.table())
    if args.strict and not result.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
