"""What a user reads on a page run by AppTest, and the checks that it is in the user's language.

:func:`visible_texts` walks the whole element tree of an ``AppTest`` generically: every
element's protobuf message, field by field (labels, options, placeholders, help, bodies,
captions, metric values ...), plus what is encoded inside some fields: the headers and text
cells of Arrow tables (dataframes, chart data sets), the titles a Vega-Lite spec shows (an
encoding without a title shows its field name) and the text a deck.gl tooltip fills in.

:func:`untranslated` (Japanese UI) and :func:`japanese_leftovers` (English UI) return the
texts that are not in the user's language; data (town names, comments, facility names ...)
is excluded by the caller's vocabulary of data.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
from google.protobuf.message import Message

#: Proto fields that never reach the screen as text (ids, keys, urls, encoded payloads, styles).
HIDDEN_FIELDS = frozenset({
    "id", "form_id", "key", "url", "anchor", "icon", "tag", "element_type", "type",
    "color", "background_color", "theme", "format", "mime_type", "file_name", "style",
    "data", "json", "spec", "datasets", "columns", "value", "default", "set_value",
    "raw_value", "mapbox_token", "css_class", "selection_mode", "editing_mode",
    "fragment_id", "deploy_params", "page_script_hash", "page", "use_container_width",
    "width", "height", "scale", "src", "alt", "ids", "selection", "vega_lite_theme",
    "dimensions", "border", "delta_color", "chart_height", "scroll_behavior",
    "tooltip", "arrow_data", "component_name", "js_content", "css_content", "html_content",
    "js_source_path", "css_source_path",
})
#: Element types whose text is the user's own typing, not the app's.
TYPED = frozenset({"text_input", "text_area", "chat_input", "number_input", "date_input"})
#: Vega-Lite channels that draw a title (axis or legend) or a tooltip line.
TITLED = ("x", "y", "x2", "y2", "color", "fill", "stroke", "size", "shape", "opacity",
          "theta", "radius", "column", "row", "facet")


@dataclass(frozen=True)
class Text:
    """One visible text: where it is (element type and field) and what it says."""

    where: str
    text: str
    in_expander: bool = False


def _children(node: Any) -> Iterable[Any]:
    kids = getattr(node, "children", None) or {}
    return kids.values() if isinstance(kids, dict) else kids


def _proto_strings(msg: Message, path: str) -> Iterator[tuple[str, str]]:
    for field, value in msg.ListFields():
        if field.name in HIDDEN_FIELDS:
            continue
        where = f"{path}.{field.name}"
        values = list(value) if hasattr(value, "extend") else [value]  # repeated: a list
        for v in values:
            if isinstance(v, Message):
                yield from _proto_strings(v, where)
            elif isinstance(v, str) and v.strip():
                yield where, v


def arrow_texts(raw: bytes, config: str = "") -> Iterator[tuple[str, str]]:
    """Column headers (as shown: a configured label wins) and text cells of an Arrow table."""
    if not raw:
        return
    table = pa.ipc.open_stream(raw).read_all()
    meta = json.loads((table.schema.metadata or {}).get(b"pandas", b"{}") or b"{}")
    index_cols = {c if isinstance(c, str) else "" for c in meta.get("index_columns", [])}
    cfg = json.loads(config) if config else {}
    frame = table.to_pandas()
    for name in table.column_names:
        conf = cfg.get("_index" if name in index_cols else name) or {}
        if conf.get("hidden"):
            continue
        header = conf.get("label", name)
        if isinstance(header, str) and header.strip() and not header.startswith("__index_level"):
            yield "header", header
        if conf.get("help"):
            yield "header_help", conf["help"]
        col = frame.index if name in index_cols and name not in frame.columns else frame[name]
        for v in dict.fromkeys(col.tolist()):
            if isinstance(v, str) and v.strip():
                yield ("index" if name in index_cols else "cell"), v


def arrow_numbers(raw: bytes, config: str = "") -> Iterator[tuple[str, float]]:
    """(header as shown, value) of every non-whole number in the float columns of a table."""
    if not raw:
        return
    table = pa.ipc.open_stream(raw).read_all()
    cfg = json.loads(config) if config else {}
    frame = table.to_pandas()
    for name in frame.columns:
        conf = cfg.get(str(name)) or {}
        if conf.get("hidden") or not pd.api.types.is_float_dtype(frame[name]):
            continue
        header = str(conf.get("label", name))
        for v in dict.fromkeys(frame[name].dropna().tolist()):
            if math.isfinite(v) and v != round(v):
                yield header, float(v)


def vega_texts(spec_json: str) -> Iterator[tuple[str, str]]:
    """Titles a Vega-Lite spec draws, and the default (English) time format where one shows.

    A temporal axis or tooltip without an explicit ``format`` is drawn with Vega's English
    month names; it is reported as the text ``"<English month names>"``.
    """
    spec = json.loads(spec_json)
    yield from _vega_node(spec)


def _vega_node(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, list):
        for x in node:
            yield from _vega_node(x)
        return
    if not isinstance(node, dict):
        return
    for key in ("title", "description"):
        if key == "title" and isinstance(node.get(key), (str, list)):
            for s in [node[key]] if isinstance(node[key], str) else node[key]:
                yield "vega.title", str(s)
        elif key == "title" and isinstance(node.get(key), dict):
            yield from (("vega.title", str(v)) for v in [node[key].get("text")] if v)
    enc = node.get("encoding")
    if isinstance(enc, dict):
        for ch in (*TITLED, "tooltip"):
            for d in enc.get(ch) if isinstance(enc.get(ch), list) else [enc.get(ch)]:
                yield from _channel(ch, d)
    for key, value in node.items():
        if key not in ("encoding", "title", "datasets", "data", "config", "usermeta"):
            yield from _vega_node(value)


def _channel(ch: str, d: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(d, dict) or ("field" not in d and "aggregate" not in d):
        return
    guide = d.get("legend" if ch not in ("x", "y", "x2", "y2", "tooltip") else "axis", {})
    if ch == "tooltip":
        guide = {}
    if guide is None and ch != "tooltip":
        return
    title = d.get("title", (guide or {}).get("title", d.get("field")))
    if isinstance(title, str) and ch not in ("x2", "y2"):
        yield f"vega.{ch}", title
    if d.get("type") == "temporal" or str(d.get("field", "")).endswith(":T"):
        fmt = d.get("format") or (guide or {}).get("format") or (guide or {}).get("labelExpr")
        if not fmt or re.search(r"%[bBaA]", str(fmt)):
            yield f"vega.{ch}.time", "<English month names>"


def deck_texts(deck_json: str, tooltip: str = "") -> Iterator[tuple[str, str]]:
    """The tooltip of a deck.gl chart, filled in with the first record of each layer."""
    spec = json.loads(deck_json)
    tip = json.loads(tooltip) if tooltip else spec.get("tooltip")
    template = tip.get("text") or tip.get("html") if isinstance(tip, dict) else None
    if not template:
        return
    for layer in spec.get("layers", []):
        data = layer.get("data")
        if not (isinstance(data, list) and data and isinstance(data[0], dict)
                and layer.get("pickable")):
            continue
        rec = data[0]
        filled = re.sub(r"\{(\w+)\}", lambda m: str(rec.get(m.group(1), "")), template)
        yield "deck.tooltip", filled


def _encoded(proto: Message) -> Iterator[tuple[str, str]]:
    """Texts encoded inside fields: Arrow tables, Vega-Lite specs, deck.gl JSON."""
    names = {f.name for f in proto.DESCRIPTOR.fields}
    if "arrow_data" in names and proto.HasField("arrow_data"):
        yield from arrow_texts(proto.arrow_data.data, getattr(proto, "columns", ""))
        yield from ((f"number[{h}]", repr(v)) for h, v in
                    arrow_numbers(proto.arrow_data.data, getattr(proto, "columns", "")))
    if "spec" in names and isinstance(proto.spec, str) and proto.spec:
        yield from vega_texts(proto.spec)
    if "datasets" in names:
        for ds in proto.datasets:
            yield from (("dataset." + w, s) for w, s in arrow_texts(ds.data.data)
                        if w != "header")
    if "json" in names and "tooltip" in names and proto.json:
        yield from deck_texts(proto.json, proto.tooltip)
    if getattr(proto, "component_name", "") == "diorama_map" and proto.json:
        # the app's map (ui.deckmap): the deck spec, its tooltip, and what it says to people
        d = json.loads(proto.json)
        tip = json.dumps({"text": d["tooltip"]}) if d.get("tooltip") else ""
        yield from deck_texts(d["spec"], tip)
        yield "map.label", d["label"]
        yield "map.failed", d["failed"]


def visible_texts(at: Any) -> list[Text]:
    """Every text the page shows (see the module docstring)."""
    out: list[Text] = []

    def visit(node: Any, in_exp: bool) -> None:
        kind = getattr(node, "type", "") or type(node).__name__
        proto = getattr(node, "proto", None)
        if kind == "expander":
            in_exp = True
        if isinstance(proto, Message) and kind not in TYPED:
            pairs = list(_proto_strings(proto, kind))
            if kind == "html":  # what the browser shows of it: text outside tags and scripts
                pairs = [(w, TAG.sub(" ", SCRIPT.sub(" ", s))) for w, s in pairs]
            pairs += [(f"{kind}.{w}", s) for w, s in _encoded(proto)]
            out.extend(Text(w, s, in_exp) for w, s in pairs)
        for child in _children(node):
            visit(child, in_exp)

    visit(at._tree, False)
    return out


# ------------------------------------------------------------------------------------------
# What is not in the user's language
# ------------------------------------------------------------------------------------------

SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]*>")
MATERIAL = re.compile(r":material/[a-z_]+:")
H3_ID = re.compile(r"(?<![0-9a-f])8[0-9a-f]{14}(?![0-9a-f])")
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
JAPANESE = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u3400-\u9fff\uff66-\uff9f々〆ヵヶ]+")  # not ・
#: English words that must not show in the Japanese UI (internal names, library defaults).
ENGLISH_WORDS = frozenset(" ".join("""
none nan null true false nat inf
choose options option upload browse files file drag drop limit per select
visible hidden deleted restored hide restore delete purge reported
line network rank cell cells new covered cumulative uncovered population rate dist
station bus stop school park hall evacuation clinic welfare shop nursery
month year value series variable count index name town code kind status action reason
moderator who when what
before after total score area level measure factor age sex mean median
stay change ratio day night weekday holiday origin same city prefecture region elsewhere
estimated likely vacant households buildings sample upload
good concern idea
""".splitlines()).split())
#: ASCII that the Japanese UI may show: units, file formats, names of data and standards.
ALLOWED_ASCII = frozenset(" ".join("""
m km ms kb mb h csv geojson json html pdf qr qgis kepler gl id url gtfs jp osm pbf gpkg shp
zip toml xlsx lwc ebpm mlit n k jgd epsg wal sqlite postgresql cc by well being
""".splitlines()).split())


#: The sample-data label is bilingual on purpose (one label for screenshots and files in either
#: language: geo.samples.vacancy.SAMPLE_LABEL, geo.participation.survey.SAMPLE_LABEL).
SAMPLE_LABEL = "サンプルデータ / sample data"


def _shown(text: str) -> str:
    return MATERIAL.sub("", text).replace(SAMPLE_LABEL, "")


#: A web address as shown to be copied (join links, the app's own address).
URL = re.compile(r"https?://\S+")
#: A join link's token shown alone to copy (``secrets.token_urlsafe``: 32 characters of
#: letters, digits, ``-`` and ``_``), e.g. ``Cw0ha7fGLcVrw6uHnj4K0NyTE-HV-u_y``; a capital
#: letter in it tells it from a long snake_case identifier, which must still be caught.
TOKEN = re.compile(r"(?<![A-Za-z0-9_-])(?=[a-z0-9_-]*[A-Z])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")


def untranslated(texts: Iterable[Text], data_words: set[str]) -> list[Text]:
    """Texts of a Japanese page that show an internal identifier or English UI."""
    bad = []
    for x in texts:
        s = _shown(x.text)
        if H3_ID.search(s) and not x.in_expander:
            bad.append(x)
            continue
        s = H3_ID.sub("", s)
        # an address (a join link to copy) is not words: its random token may hold "_" or
        # an English-looking run of letters
        s = TOKEN.sub("", URL.sub("", s))
        if (".vega." in f".{x.where}" or x.where.endswith("header")) \
                and IDENTIFIER.fullmatch(s.strip()) and s.strip().lower() not in ALLOWED_ASCII:
            bad.append(x)  # a field or column name shown as a title
            continue
        words = {w for w in SNAKE.findall(s)} | {w for w in WORD.findall(s)}
        for w in words:
            low = w.lower()
            if w in data_words or low in ALLOWED_ASCII:
                continue
            if "_" in w or low in ENGLISH_WORDS or w in ("None", "nan", "NaN"):
                bad.append(x)
                break
    return bad


#: A number with three decimals or more (a raw fraction such as 0.323, or 112.7307 people);
#: a small area in km² (a hexagon of 0.015 km²) is how it is said.
RAW_DECIMAL = re.compile(r"(?<![\d.])\d[\d,]*\.\d{3,}(?![\d])(?!\s*k?m²)")
#: A figure of people with a decimal: "112.7人", "103,820.5 people".
FRACTIONAL_PEOPLE = re.compile(r"\d\.\d+\s*(?:人|people\b|persons?\b)")
#: Table headers of whole people (人口, 人数, (人), people, population) and of rates (率, %).
PEOPLE_HEADER = re.compile(r"人口|人数|\(人\)|（人）|\bpeople\b|population", re.I)
RATE_HEADER = re.compile(r"率|%|\brate\b|coverage", re.I)
#: Headers of data whose decimals are meant (coordinates, survey means on their 1-5 scale).
DECIMAL_HEADER = re.compile(r"経度|緯度|longitude|latitude|平均|mean|区間|interval", re.I)


def raw_numbers(texts: Iterable[Text]) -> list[Text]:
    """Texts that show a number as people do not read it (in either language): a raw
    fraction or more than two decimals, a fractional head count, and in tables a non-whole
    number of people or a rate with more than one decimal."""
    bad = []
    for x in texts:
        if "number[" in x.where:  # a float cell of a table: number[<header>]
            header = x.where[x.where.index("number[") + 7:-1]
            v = float(x.text)
            if DECIMAL_HEADER.search(header):
                continue
            if (PEOPLE_HEADER.search(header) and not RATE_HEADER.search(header)) \
                    or (RATE_HEADER.search(header) and round(v, 1) != v) \
                    or round(v, 2) != v:
                bad.append(x)
        elif not x.in_expander and (RAW_DECIMAL.search(x.text)
                                    or FRACTIONAL_PEOPLE.search(x.text)):
            bad.append(x)
    return bad


def japanese_leftovers(texts: Iterable[Text], data_text: str) -> list[Text]:
    """Texts of an English page with Japanese that is not data (``data_text`` holds all data)."""
    return [x for x in texts
            if any(run not in data_text for run in JAPANESE.findall(_shown(x.text)))
            or (H3_ID.search(x.text) and not x.in_expander)]
