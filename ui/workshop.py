"""Workshop in the UI: the shared baseline engine, the group's scenario engine, links, maps."""

from __future__ import annotations

import io
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from geo import access as sc
from geo import grid
from geo.access import siting
from geo.kinds import KIND_BY_KEY, KINDS
from geo.participation import minutes
from geo.participation.store import Scenario, Session, TokenMismatch, Workshop
from geo.settings import settings

from . import state
from .cache import get_bundle
from .i18n import lang, t
from .voices import error_text, get_store

GROUP = "wd_group"  # the joined group: token, ids, names (this browser session only)
FACILITATOR = "wd_fac"  # the facilitator's token (this browser session only)
ENGINE = "wd_engine"  # {"id", "version", "engine"} of the scenario being edited
#: Query parameter of a join link (``/workshop?join=TOKEN``), kept in the URL while joined.
JOIN_PARAM = "join"
#: Cookie in which a browser remembers the facilitator key (see :func:`keep_on_device`).
DEVICE_COOKIE = "wd_fac"
#: How long a browser remembers the facilitator key.
DEVICE_SECONDS = 7 * 24 * 3600
#: Session key of the "remember on this device" setting (on by default).
REMEMBER = "wd_fac_remember"
_DEVICE_TRIED = "_wd_fac_device_tried"  # the remembered key was looked at in this session
#: Shape of a key that may be written into the cookie script: URL-safe characters only.
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")


def workshop() -> Workshop:
    """The workshop tables of the shared store."""
    return Workshop(get_store())


@st.cache_resource(show_spinner=False, max_entries=8)
def baseline(city: str, mode: str) -> sc.Engine:
    """The locked baseline of a city (shared, never modified: scenarios work on copies)."""
    return sc.Engine.from_bundle(get_bundle(city), mode=mode)  # type: ignore[arg-type]


def join_url(token: str) -> str:
    """The join link of a group: under ``DIORAMA_PUBLIC_URL`` when set, else under the address
    the facilitator is using (so a laptop opened by its LAN address gives links that the
    participants' phones can open)."""
    base = settings().public_url or ""
    if not base:
        try:
            here = urlsplit(st.context.url or "")
        except Exception:  # no browser context (bare scripts, some tests)
            here = urlsplit("")
        base = f"{here.scheme}://{here.netloc}" if here.scheme and here.netloc else ""
    base = (base or "http://localhost:8501").rstrip("/")
    return f"{base}/workshop?join={token}"


# --- participants: the joined group -------------------------------------------------------

def current_group(*, show_error: bool = True) -> dict[str, str] | None:
    """The workshop group this browser joined, or None.

    Taken from session state, else restored from the join link's token in the URL
    (``?join=TOKEN``), so that a participant who reloads the workshop page or the diorama page
    stays in the group. Pages call this instead of reading ``st.session_state[GROUP]``.

    The token is checked with :meth:`Workshop.join` on every call, so a link the facilitator
    renewed, or a session that was deleted, stops working at once on every page: the reason
    (e.g. "このリンクは無効になりました…") is shown with ``st.error`` unless ``show_error`` is
    false, the group is dropped from the session and None is returned. Either way the token
    stays in the URL (it is written back when a page was opened without it), so a reload
    comes back to the group, or to the same message.

    Returns
    -------
    dict or None
        ``token``, ``group_id``, ``group`` (name), ``session_id``, ``title``, ``city``.
    """
    ss = st.session_state
    held = ss.get(GROUP) or {}
    token = st.query_params.get(JOIN_PARAM) or held.get("token")
    if not token:
        return None
    if st.query_params.get(JOIN_PARAM) != token:
        st.query_params[JOIN_PARAM] = token
    try:
        session, group = workshop().join(token)
    except TokenMismatch as exc:  # UnknownLink / LinkRevoked: a message about the link
        ss.pop(GROUP, None)
        ss.pop(ENGINE, None)
        if show_error:
            st.error(error_text(exc))
        return None
    joined = {"token": token, "group_id": group.id, "group": group.name,
              "session_id": session.id, "title": session.title, "city": session.city}
    if held != joined:
        if held.get("session_id") != session.id:  # a new arrival: show the session's city
            state.set_value(state.CITY, session.city)
        ss[GROUP] = joined
    return joined


def leave_group() -> None:
    """Forget the joined group in this browser session and drop ``?join=`` from the URL."""
    ss = st.session_state
    for k in (GROUP, ENGINE, "dio_sid"):
        ss.pop(k, None)
    if JOIN_PARAM in st.query_params:
        del st.query_params[JOIN_PARAM]


# --- the facilitator: the same session and links after a reload or on another machine -------

def facilitator_key() -> str | None:
    """The facilitator key of this browser session, or None.

    Once per browser session, a key this device remembers (:func:`keep_on_device`) is taken
    back when it still opens a session: a reload, or a laptop closed and opened again, gets
    the same session without typing the key.
    """
    ss = st.session_state
    if ss.get(FACILITATOR):
        return str(ss[FACILITATOR])
    if ss.get(_DEVICE_TRIED):
        return None
    ss[_DEVICE_TRIED] = True
    saved = _device_cookie()
    if saved is None or not _KEY_SHAPE.fullmatch(saved):
        return None
    try:
        workshop().facilitator_session(saved)
    except TokenMismatch:  # the session was deleted (elsewhere): keep_on_device forgets it
        ss["ws_device_gone"] = True
        return None
    ss[FACILITATOR] = saved
    return saved


def open_session(key: str) -> Session:
    """Open the facilitator's view of the session ``key`` opens in this browser session.

    Raises
    ------
    TokenMismatch
        If the key opens no session (:class:`geo.participation.store.workshop.WrongFacilitatorKey`).
    """
    session = workshop().facilitator_session(key.strip())
    ss = st.session_state
    ss[FACILITATOR] = key.strip()
    ss[_DEVICE_TRIED] = True
    for k in ("ws_export", "ws_renew_ask", "ws_renewed"):
        ss.pop(k, None)
    return session


def leave_session() -> None:
    """Close the facilitator's view here; :func:`keep_on_device` then forgets the key."""
    ss = st.session_state
    for k in (FACILITATOR, "ws_export", "ws_renew_ask", "ws_renewed"):
        ss.pop(k, None)
    ss[_DEVICE_TRIED] = True  # the cookie read at the start of the session is stale now


def group_links(ws: Workshop, key: str) -> dict[str, str | None]:
    """The join link (URL) of every group of the key's session, by group id; None where the
    link cannot be shown again (a group made before links were derived from the key)."""
    return {gid: None if tok is None else join_url(tok)
            for gid, tok in ws.group_links(key).items()}


def _device_cookie() -> str | None:
    """The facilitator key this browser sent when the session started, if any."""
    try:
        value = st.context.cookies.get(DEVICE_COOKIE)
    except Exception:  # no browser context (bare scripts, some tests)
        return None
    return value if isinstance(value, str) and value else None


def keep_on_device(key: str | None) -> None:
    """Make this browser remember ``key`` (when :data:`REMEMBER` is on) or nothing.

    The key goes into a cookie (``SameSite=Strict``, 7 days, ``Secure`` over https) written by
    a tiny script, never into the URL or onto the screen. Streamlit reads cookies only when
    the browser session starts, so the script is drawn on every run while the wanted cookie
    differs from the one the session started with (writing it again changes nothing). Call it
    on every run of the workshop page's facilitator part.
    """
    want = key if key and st.session_state.get(REMEMBER, True) else None
    if want == _device_cookie():
        return
    if want is None:
        cookie = f"{DEVICE_COOKIE}=; Max-Age=0"
    elif _KEY_SHAPE.fullmatch(want):  # URL-safe characters only: nothing else enters the script
        cookie = f"{DEVICE_COOKIE}={want}; Max-Age={DEVICE_SECONDS}"
    else:
        return
    st.html("<script>document.cookie = '" + cookie + "; Path=/; SameSite=Strict' + "
            "(location.protocol === 'https:' ? '; Secure' : '');</script>",
            unsafe_allow_javascript=True)


def qr_png(url: str) -> bytes:
    """QR code of a link as PNG."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=5, border=2)
    return buf.getvalue()


def scenario_engine(s: Scenario) -> sc.Engine:
    """The engine of a scenario, rebuilt only when the stored version moved on.

    Kept in session state (it belongs to this browser's group, never to the shared cache).
    """
    ss = st.session_state
    cached = ss.get(ENGINE)
    if cached and cached["id"] == s.id and cached["version"] == s.version:
        return cached["engine"]  # type: ignore[no-any-return]
    eng = baseline(s.city, s.mode).with_modifications(sc.loads(s.modifications))
    ss[ENGINE] = {"id": s.id, "version": s.version, "engine": eng}
    return eng


def apply_and_save(s: Scenario, mod: sc.Modification) -> tuple[Scenario, sc.Change, float]:
    """Apply one edit incrementally, then save it with the version it was made on.

    Returns the saved scenario, what changed and the recompute time in ms. A stale save
    (someone else in the group saved first) raises ``StaleScenario`` and the engine is
    rebuilt from the database on the next run.
    """
    ss = st.session_state
    eng = scenario_engine(s)
    trial = eng.copy()
    t0 = time.perf_counter()
    change = trial.apply(mod)
    ms = (time.perf_counter() - t0) * 1000
    group = ss[GROUP]
    try:
        saved = workshop().save_scenario(group_token=group["token"], scenario_id=s.id,
                                         expected_version=s.version,
                                         modifications=sc.dumps(trial.mods))
    except Exception:
        ss.pop(ENGINE, None)
        raise
    ss[ENGINE] = {"id": saved.id, "version": saved.version, "engine": trial}
    return saved, change, ms


def target_cell(h: str) -> str:
    """The res-10 cell where a facility goes for a clicked cell (centre child if coarser)."""
    return grid.at_resolution(h, 10)


def kind_name(kind: str) -> str:
    """Display name of a kind."""
    k = KIND_BY_KEY[kind]
    return k.ja if lang() == "ja" else k.en


def factor_kinds() -> dict[str, list[str]]:
    """Well-Being factor (Japanese name) → the coverage kinds that inform it."""
    out: dict[str, list[str]] = {}
    for k in KINDS:
        out.setdefault(k.factor, []).append(k.key)
    return out


def before_after_table(base: sc.Engine, scen: sc.Engine) -> pd.DataFrame:
    """Per kind: covered people and rate before / after and the change (display frame)."""
    c = sc.compare(base, scen)
    c = c[(c["facilities_before"] > 0) | (c["facilities_after"] > 0)]
    before, after = (c[col].round(0).astype("Int64") for col in ("covered_before", "covered_after"))
    out = pd.DataFrame({
        t("dio_kind"): [kind_name(k) for k in c.index],
        # whole people, rates in % with one decimal (ui.format's rules; numbers stay sortable)
        t("dio_before") + " " + t("dio_covered"): before,
        t("dio_after") + " " + t("dio_covered"): after,
        "Δ " + t("dio_covered"): after - before,  # the change of the figures as shown
        t("dio_before") + " " + t("dio_rate") + " (%)": (c["rate_before"] * 100).round(1),
        t("dio_after") + " " + t("dio_rate") + " (%)": (c["rate_after"] * 100).round(1),
        "Δ pt": (c["rate_change"] * 100).round(1),
        t("dio_cells_gained"): c["cells_gained"], t("dio_cells_lost"): c["cells_lost"]})
    return out.reset_index(drop=True)


def radar(base: sc.Engine, scen: sc.Engine) -> bytes:
    """Radar PNG of the objective factor scores, baseline vs scenario."""
    from geo.participation.store import FACTORS

    fk = factor_kinds()
    # Japanese spoke labels need a font with Japanese glyphs; without one, English labels
    ja = lang() == "ja" and minutes.cjk_font() is not None
    labels = None if ja else {f.ja: f.en for f in FACTORS}
    return minutes.radar_png(sc.factor_scores(base, fk), sc.factor_scores(scen, fk),
                             labels=labels,
                             names=(t("dio_before"), t("dio_after")))


def suggestions(scen: sc.Engine, kind: str, n: int) -> pd.DataFrame:
    """Top ``n`` sites for ``kind`` in the scenario."""
    return siting.suggest(scen, kind, n=n)


def session_exports(ws: Workshop, session_id: str) -> tuple[str, bytes | None, str]:
    """(HTML minutes, the same minutes as an A4 PDF, GeoJSON of every group's modifications)
    of a session, in the facilitator's language. The PDF is ``None`` where WeasyPrint or
    Pango is missing (the HTML prints the same pages from a browser)."""
    from geo.participation import minutes_pdf

    from .places import town_of

    sessions = [s for s in [ws.facilitator_session(st.session_state[FACILITATOR])]
                if s.id == session_id]
    sess = sessions[0]
    b = get_bundle(sess.city)
    doc = minutes.session_minutes(ws, sess, bundle=b, baseline=baseline,
                                  place=lambda cell: town_of(b, cell), lang=lang())
    html = minutes.session_html(doc)
    try:
        pdf: bytes | None = minutes_pdf.html_to_pdf(html)
    except minutes_pdf.PdfUnavailable:
        pdf = None
    feats: list[dict[str, Any]] = []
    for g in ws.groups(session_id):
        for s in ws.scenarios(group_id=g.id):
            feats.extend(sc.modifications_geojson(
                sc.loads(s.modifications),
                properties={"group": g.name, "scenario": s.name})["features"])
    geojson = json.dumps({"type": "FeatureCollection", "features": feats},
                         ensure_ascii=False)
    return html, pdf, geojson
