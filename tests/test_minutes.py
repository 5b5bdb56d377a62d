"""Workshop minutes: static images render and every piece of user text is escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from util import load_shipped

from geo import access as sc
from geo import grid
from geo.participation import minutes

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_minutes_escape_user_text_and_embed_images():
    b = load_shipped("maebashi")
    base = sc.Engine.from_bundle(b)
    s = base.copy()
    cell = grid.to_strings(b.cells[:1])[0]
    s.apply(sc.add("bus_stop", cell, name=PAYLOAD))
    png = minutes.diff_map_png(base, s, "bus_stop", boundary=b.boundary, title=PAYLOAD)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    radar = minutes.radar_png(pd.Series({"a": 0.2, "b": 0.5}), pd.Series({"a": 0.3, "b": 0.5}))
    assert radar[:4] == b"\x89PNG"
    html = minutes.session_html(
        title=PAYLOAD, city="maebashi", created=datetime(2026, 1, 1, tzinfo=UTC),
        agenda=[PAYLOAD],
        groups=[minutes.GroupMinutes(name=PAYLOAD, scenarios=[minutes.ScenarioMinutes(
            name=PAYLOAD, modifications=s.mods, figures=sc.compare(base, s),
            map_png=png, comments=[{"text": PAYLOAD, "nickname": PAYLOAD}])])])
    assert "<script>" not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;") >= 6
    assert "data:image/png;base64," in html
    assert "bus_stop" in html
