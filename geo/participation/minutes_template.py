"""The minutes' HTML template and its print CSS (A4 portrait), shared by the HTML and the PDF.

The same HTML is what the facilitator downloads and what WeasyPrint lays out as the PDF, so
the page rules (``@page``: A4 portrait, margins, running title, page numbers; a new page for
each group and each scenario; nothing split across pages that should stay whole) live in the
``@media print`` part of the one style sheet. Tables are ``width: 100%`` with
``table-layout: fixed`` so that no table is wider than the page, and long words wrap.
"""

from __future__ import annotations

__all__ = ["CSS", "FONT_STACK", "LEGEND", "TEMPLATE", "css"]

#: The map legend's entries: colour key (see ``MAP_COLOURS``) and the mark printed.
LEGEND = (("kept", "●"), ("gained", "●"), ("lost", "●"), ("existing", "•"), ("added", "★"),
          ("removed", "×"))

#: Fonts with Japanese glyphs first (Noto Sans CJK JP, Debian's fonts-noto-cjk, which
#: WeasyPrint embeds as a subset), then the common Japanese system fonts, then any sans-serif.
FONT_STACK = ('"Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", '
              '"Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", sans-serif')

CSS = """
@page {
  size: A4 portrait;
  margin: 20mm 16mm 18mm 16mm;
  @top-left { content: string(doctitle); font-size: 8pt; color: #555; }
  @top-right { content: string(group); font-size: 8pt; color: #555; }
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; }
}
@page :first { @top-left { content: none; } @top-right { content: none; } }
html { font-family: FONTS; font-size: 10pt; line-height: 1.5; color: #111; }
body { margin: 0; }
h1 { font-size: 18pt; margin: 0 0 2mm; string-set: doctitle content(); }
h1 .sub { font-size: 12pt; font-weight: normal; color: #444; }
h2 { font-size: 14pt; margin: 0 0 3mm; padding-bottom: 1mm; border-bottom: 2px solid #377eb8;
     string-set: group content(); }
h3 { font-size: 12pt; margin: 0 0 2mm; }
h4 { font-size: 10pt; margin: 4mm 0 1mm; color: #333; }
h2, h3, h4 { break-after: avoid; }
p, li { orphans: 2; widows: 2; }
ol, ul { margin: 0 0 2mm; padding-left: 6mm; }
table { width: 100%; max-width: 100%; table-layout: fixed; border-collapse: collapse;
        font-size: 8.5pt; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; vertical-align: top;
         overflow-wrap: anywhere; word-break: normal; }
th { background: #eef3f8; text-align: left; font-weight: bold; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; }
.meta th { width: 28%; }
.kind-note { display: block; font-size: 7.5pt; color: #555; }
img { max-width: 100%; height: auto; }
.figs { margin: 2mm 0 0; text-align: center; break-inside: avoid; }
figure { display: inline-block; margin: 0 0 1mm; vertical-align: top; break-inside: avoid; }
.figs.two figure { width: 49%; }
.figs.three figure.map { width: 31%; }
.figs.three figure.radar { width: 37%; }
figure img { display: block; width: 100%; height: auto; }
figure.map img { object-fit: contain; }
.figs.two figure.map img { height: 88mm; }
.figs.three figure.map img { height: 74mm; }
figcaption { font-size: 8pt; color: #333; text-align: center; }
.legend { font-size: 8pt; margin: 0 0 2mm; text-align: center; break-before: avoid; }
.legend .item { white-space: nowrap; margin: 0 2mm; }
.mark { display: inline-block; width: 3.2mm; text-align: center; margin-right: 0.8mm;
        font-weight: bold; }
.mark.kept { color: KEPT; } .mark.gained { color: GAINED; } .mark.lost { color: LOST; }
.mark.existing { color: EXISTING; } .mark.added { color: ADDED; }
.mark.removed { color: LOST; }
.contents li { break-inside: avoid; }
.note { font-size: 8.5pt; color: #333; }
.slot { border: 1px dashed #999; min-height: 16mm; padding: 1mm 2mm; }
.slot p { color: #777; margin: 0; }
.comments li { break-inside: avoid; }
.ckind { font-size: 7.5pt; border: 1px solid #999; border-radius: 2px; padding: 0 1mm;
         margin-right: 1mm; }
.who { color: #555; }
.group { break-before: page; }
.scenario + .scenario { break-before: page; }
.scenario { margin-top: 3mm; }
footer { margin-top: 6mm; font-size: 8pt; color: #666; }
@media screen {
  body { max-width: 178mm; margin: 1em auto; padding: 0 1em; }
  .group { border-top: 3px solid #377eb8; margin-top: 2em; padding-top: 1em; }
  .scenario + .scenario { border-top: 1px solid #ccc; padding-top: 1em; }
}
"""


def css(colours: dict[str, str]) -> str:
    """The style sheet with the font stack and the map legend's colours filled in."""
    out = CSS.replace("FONTS", FONT_STACK)
    for key, colour in colours.items():
        out = out.replace(key.upper(), colour)
    return out


TEMPLATE = """<!doctype html>
<html lang="{{ w.lang_attr }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} — {{ w.minutes }}</title>
<style>{{ css }}</style>
</head><body>
<header>
<h1>{{ title }} <span class="sub">{{ w.minutes }}</span></h1>
<table class="meta">
<tr><th>{{ w.date }}</th><td>{{ held_on }}</td></tr>
<tr><th>{{ w.city }}</th><td>{{ city }}</td></tr>
<tr><th>{{ w.groups_n }}</th><td>{{ groups|length }}</td></tr>
<tr><th>{{ w.scenarios_n }}</th><td>{{ n_scenarios }}</td></tr>
</table>
</header>
{% if agenda %}<h4>{{ w.agenda }}</h4>
<ol class="agenda">{% for a in agenda %}<li>{{ a }}</li>{% endfor %}</ol>{% endif %}
<h4>{{ w.contents }}</h4>
<ol class="contents">{% for g in groups %}<li>{{ g.name }}{% if g.scenarios %}:
{% for s in g.scenarios %}{{ s.name }}{% if not loop.last %}{{ w.list_sep }}{% endif %}
{%- endfor %}{% endif %}
</li>{% endfor %}</ol>
<h4>{{ w.how_to_read }}</h4>
<p class="note">{{ w.read_maps }}</p>
<p class="note">{{ w.read_figures }}{% if note %} {{ note }}{% endif %}</p>
{% for g in groups %}<section class="group"><h2>{{ g.name }}</h2>
{% if not g.scenarios %}<p>{{ w.no_scenario }}</p>{% endif %}
{% for s in g.scenarios %}<section class="scenario"><h3>{{ s.name }}</h3>
<h4>{{ w.changes }}</h4>
{% if s.changes %}<ol class="changes">{% for c in s.changes %}<li>{{ c }}</li>{% endfor %}</ol>
{% else %}<p>{{ w.no_change }}</p>{% endif %}
{% if s.rows %}<h4>{{ w.figures }}</h4>
<table class="figures">
<colgroup><col style="width:21%"><col style="width:12%"><col style="width:22%">
<col style="width:12%"><col style="width:18%"><col style="width:15%"></colgroup>
<thead><tr><th>{{ w.col_kind }}</th><th>{{ w.col_facilities }}</th><th>{{ w.col_covered }}</th>
<th>{{ w.col_change }}</th><th>{{ w.col_rate }}</th><th>{{ w.col_rate_change }}</th></tr></thead>
<tbody>{% for r in s.rows %}<tr><td>{{ r.kind }}<span class="kind-note">{{ r.radius }}</span></td>
<td class="num">{{ r.facilities }}</td><td class="num">{{ r.covered }}</td>
<td class="num">{{ r.change }}</td><td class="num">{{ r.rate }}</td>
<td class="num">{{ r.rate_change }}</td></tr>{% endfor %}</tbody>
</table>{% endif %}
{% set n = s.maps|length + (1 if s.radar else 0) %}
{% if n %}<div class="figs {{ 'three' if n == 3 else 'two' }}">
{%- for m in s.maps %}<figure class="map" data-kind-name="{{ m.name }}">
<img alt="{{ m.caption }}" src="data:image/png;base64,{{ m.png }}">
<figcaption>{{ m.caption }}</figcaption></figure>
{%- endfor %}{% if s.radar %}<figure class="radar"><img alt="{{ w.radar }}"
src="data:image/png;base64,{{ s.radar }}"><figcaption>{{ w.radar }}: {{ w.radar_caption }}
</figcaption></figure>{% endif %}</div>
{% if s.maps %}<p class="legend">{% for key, mark in legend %}<span class="item">
<span class="mark {{ key }}">{{ mark }}</span>{{ w['legend_' ~ key] }}</span>
{% endfor %}</p>{% endif %}{% endif %}
<h4>{{ w.comments }}</h4>
{% if s.comments %}<ul class="comments">{% for c in s.comments %}<li>
{% if c.kind %}<span class="ckind">{{ c.kind }}</span>{% endif %}{{ c.text }}
<span class="who">— {{ c.nickname or w.anonymous }}</span></li>{% endfor %}</ul>
{% else %}<p>{{ w.no_comments }}</p>{% endif %}
<h4>{{ w.proposals }}</h4>
<div class="slot">{% if s.proposals %}<ul class="proposals">{% for p in s.proposals %}
<li>{{ p }}</li>{% endfor %}</ul>{% else %}<p>{{ w.no_proposals }}</p>{% endif %}</div>
</section>{% endfor %}</section>{% endfor %}
<footer><p>{{ w.footer }}</p></footer>
</body></html>"""
