"""The app's map component (ui/deckmap.py): offline libraries, their provenance, its contract."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest

from ui import deckmap
from ui.places import picked_cell

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"


def test_the_map_libraries_are_served_by_the_app_itself():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True
    for name in deckmap._VENDOR.values():
        assert (VENDOR / name).stat().st_size > 10_000, name
    # the component asks for exactly these files, under the server's static path
    urls = deckmap._libs()
    assert set(urls) == {"deck", "json", "h3"}
    assert all(u.startswith("/app/static/vendor/") for u in urls.values())


def test_vendored_files_are_the_published_ones():
    """static/vendor/README.md lists each file's sha256 as taken from the npm registry."""
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"\| `([^`]+\.js)` \|[^|]*\|[^|]*\| `([0-9a-f]{64})` \|", readme))
    assert set(listed) == set(deckmap._VENDOR.values())
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_the_map_script_reads_data_as_text_and_has_no_network_address():
    js = (ROOT / "ui" / "assets" / "deckmap.js").read_text(encoding="utf-8")
    assert "http://" not in js and "https://" not in js
    # tooltips are text: innerHTML only ever fills a detached textarea to decode entities
    assert js.count("innerHTML") == 1 and "t.innerHTML = s" in js
    assert "eval(" not in js and "new Function" not in js


def test_a_selection_has_the_shape_pages_read():
    tap = {"indices": {"pin": [3]}, "objects": {"pin": [{"h": "89283082803ffff", "v": "x"}]},
           "tap": 7}
    assert picked_cell(tap) == "89283082803ffff"
    assert picked_cell({"objects": {"pin": [{"h": "not a cell"}]}}) is None
    assert picked_cell(None) is None


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        deckmap.deck_map(None, key="k", height=100, mode="lasso")  # type: ignore[arg-type]
