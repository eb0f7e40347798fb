"""The HTML map's legend, its layer switch (a year switch and one box per layer) and page CSS.

The switch is a small Leaflet control written here rather than ``L.control.layers``: a layer
shown on the page is a *(year, theme)* group, visible exactly when its year is the chosen one
and its theme box is ticked (a theme keeps its tick across years). Layers common to every year
(roads, boundary, barriers) have a box only. The page records the groups in
``window.firecoverMap`` (``visible()`` lists the shown ``year/theme`` keys) so a browser test
can check what is drawn (Leaflet draws vectors on a canvas, not as DOM nodes).

All text is HTML-escaped here; labels come from the glossary in the run's language.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["FONT_STACK", "LegendEntry", "Switch", "legend_html", "page_css", "switch_script"]

#: The planner's system fonts first (Windows, macOS, Linux), then any sans-serif.
FONT_STACK = (
    '"微软雅黑", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", '
    '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'
)


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a swatch (``kind`` point / patch / line / ramp) and its label."""

    kind: str
    label: str
    fill: str = "none"
    stroke: str = "none"
    weight: float = 1.0
    dash: str | None = None
    opacity: float = 1.0
    size: float = 7.0
    ramp: tuple[str, ...] = ()


def _swatch(e: LegendEntry) -> str:
    dash = f' stroke-dasharray="{html.escape(e.dash)}"' if e.dash else ""
    stroke = f'stroke="{e.stroke}" stroke-width="{e.weight:g}"{dash}'
    if e.kind == "point":
        return (f'<svg width="24" height="20"><circle cx="12" cy="10" r="{e.size:g}" '
                f'fill="{e.fill}" fill-opacity="{e.opacity:g}" {stroke}/></svg>')  # fmt: skip
    if e.kind == "line":
        return f'<svg width="24" height="20"><line x1="1" y1="10" x2="23" y2="10" {stroke}/></svg>'
    if e.kind == "ramp":
        stops = "".join(
            f'<stop offset="{i / max(len(e.ramp) - 1, 1):.3f}" stop-color="{c}"/>'
            for i, c in enumerate(e.ramp)
        )
        return (f'<svg width="24" height="20"><defs><linearGradient id="fc-ramp">{stops}'
                '</linearGradient></defs><rect x="1" y="4" width="22" height="12" '
                'fill="url(#fc-ramp)"/></svg>')  # fmt: skip
    return (f'<svg width="24" height="20"><rect x="2" y="3" width="20" height="14" '
            f'fill="{e.fill}" fill-opacity="{e.opacity:g}" {stroke}/></svg>')  # fmt: skip


def legend_html(title: str, entries: Sequence[LegendEntry]) -> str:
    """The legend box (bottom right), one row per entry."""
    rows = "".join(
        f'<div class="fc-legend-row" data-label="{html.escape(e.label)}">{_swatch(e)}'
        f"<span>{html.escape(e.label)}</span></div>"
        for e in entries
    )
    return (f'<div class="fc-legend" id="fc-legend"><div class="fc-legend-title">'
            f"{html.escape(title)}</div>{rows}</div>")  # fmt: skip


def page_css() -> str:
    """Page style: the CJK font stack on every text of the page (map, popups, labels)."""
    return f"""
<style>
  html, body, .leaflet-container, .leaflet-popup-content, .leaflet-tooltip, .fc-title,
  .fc-legend, .fc-switch {{ font-family: {FONT_STACK}; }}
  .folium-map {{ background: #f4f2ee; }}
  .fc-title {{ position: fixed; top: 10px; left: 60px; z-index: 1000; background: white;
    padding: 6px 12px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
    font-size: 14px; line-height: 1.4; }}
  .fc-title b {{ font-size: 16px; }}
  .fc-stamp {{ color: #b71c1c; font-weight: bold; border: 2px solid #b71c1c;
    padding: 1px 6px; margin-top: 4px; display: inline-block; }}
  .fc-note {{ color: #616161; font-size: 12px; }}
  .fc-station-label {{ font-weight: bold; color: #b71c1c; }}
  .fc-legend {{ position: fixed; bottom: 24px; right: 10px; z-index: 1000; background: white;
    padding: 6px 10px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
    font-size: 12px; max-height: 45vh; overflow-y: auto; }}
  .fc-legend-title, .fc-switch-title {{ font-weight: bold; font-size: 13px; margin: 2px 0; }}
  .fc-legend-row {{ display: flex; align-items: center; gap: 6px; line-height: 20px; }}
  .fc-switch {{ background: white; padding: 6px 10px; border-radius: 4px; font-size: 12px;
    box-shadow: 0 1px 4px rgba(0,0,0,.3); max-height: 50vh; overflow-y: auto; }}
  .fc-switch label {{ display: block; line-height: 20px; cursor: pointer; }}
  .fc-years label {{ display: inline-block; margin-right: 8px; }}
</style>
"""


@dataclass(frozen=True)
class Switch:
    """What the layer switch shows.

    Attributes
    ----------
    years : list of str
        Year keys in order (the last is selected at start); one entry ``""`` for a run
        without years (the year row is then not shown).
    themes : list of (key, label, shown)
        Per-year layer kinds, bottom to top.
    groups : dict
        ``year → theme → JavaScript variable`` of the Leaflet group.
    shared : list of (key, label, shown, variable, on_top)
        Layers common to every year; drawn below the yearly layers, or above them when
        ``on_top``.
    """

    years: list[str]
    themes: list[tuple[str, str, bool]]
    groups: dict[str, dict[str, str]]
    shared: list[tuple[str, str, bool, str, bool]]


def switch_script(map_var: str, switch: Switch, year_title: str, layers_title: str) -> str:
    """JavaScript adding the year switch and layer boxes to ``map_var`` (run after the groups
    are defined). Labels are escaped for HTML; variable names are folium's own."""

    def esc(text: str) -> str:
        return json.dumps(html.escape(text), ensure_ascii=False)

    years = json.dumps(switch.years, ensure_ascii=False)
    themes = "[" + ",".join(
        f"{{key:{json.dumps(k)},label:{esc(lbl)},on:{str(on).lower()}}}"
        for k, lbl, on in switch.themes
    ) + "]"  # fmt: skip
    groups = "{" + ",".join(
        json.dumps(y, ensure_ascii=False) + ":{"
        + ",".join(f"{json.dumps(t)}:{v}" for t, v in per.items()) + "}"
        for y, per in switch.groups.items()
    ) + "}"  # fmt: skip
    shared = "[" + ",".join(
        f"{{key:{json.dumps(k)},label:{esc(lbl)},on:{str(on).lower()},layer:{v},"
        f"top:{str(top).lower()}}}"
        for k, lbl, on, v, top in switch.shared
    ) + "]"  # fmt: skip
    return f"""
(function () {{
  var map = {map_var}, years = {years}, themes = {themes}, groups = {groups}, shared = {shared};
  var state = {{year: years[years.length - 1], on: {{}}}};
  themes.forEach(function (t) {{ state.on[t.key] = t.on; }});
  shared.forEach(function (s) {{ state.on[s.key] = s.on; }});
  // bottom to top: shared layers below, the chosen year's layers, shared layers on top
  var stack = shared.filter(function (s) {{ return !s.top; }}).concat(themes,
    shared.filter(function (s) {{ return s.top; }}));
  function layerOf(s) {{ return s.layer || (groups[state.year] || {{}})[s.key]; }}
  function apply() {{
    // re-add in stack order: the canvas draws layers in the order they were added
    map.eachLayer(function (l) {{
      var mine = shared.some(function (s) {{ return s.layer === l; }}) || years.some(
        function (y) {{ return Object.values(groups[y] || {{}}).includes(l); }});
      if (mine) map.removeLayer(l);
    }});
    stack.forEach(function (s) {{
      var g = layerOf(s);
      if (g && state.on[s.key]) map.addLayer(g);
    }});
    themes.concat(shared).forEach(function (t) {{
      var box = document.querySelector('.fc-switch input[data-theme="' + t.key + '"]');
      if (box) box.disabled = !shared.includes(t) && !(groups[state.year] || {{}})[t.key];
    }});
  }}
  var Control = L.Control.extend({{
    options: {{position: "topright"}},
    onAdd: function () {{
      var div = L.DomUtil.create("div", "fc-switch");
      div.id = "fc-switch";
      var out = "";
      if (years.length > 1 || years[0] !== "") {{
        out += '<div class="fc-switch-title">' + {esc(year_title)} + '</div><div class="fc-years">';
        years.forEach(function (y) {{
          out += '<label><input type="radio" name="fc-year" data-year="' + y + '" value="' + y
            + '"' + (y === state.year ? " checked" : "") + "> " + y + "</label>";
        }});
        out += "</div>";
      }}
      out += '<div class="fc-switch-title">' + {esc(layers_title)} + "</div>";
      themes.concat(shared).slice().reverse().forEach(function (t) {{
        out += '<label><input type="checkbox" data-theme="' + t.key + '"'
          + (state.on[t.key] ? " checked" : "") + "> " + t.label + "</label>";
      }});
      div.innerHTML = out;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      div.addEventListener("change", function (ev) {{
        var el = ev.target;
        if (el.name === "fc-year") state.year = el.value;
        else if (el.dataset.theme) state.on[el.dataset.theme] = el.checked;
        apply();
      }});
      return div;
    }}
  }});
  new Control().addTo(map);
  // station labels that would overlap an earlier one are hidden (shown again when zoomed in)
  function declutter() {{
    var kept = [];
    document.querySelectorAll(".fc-station-label").forEach(function (el) {{
      el.style.visibility = "";
      var r = el.getBoundingClientRect(), hit = kept.some(function (k) {{
        return r.left < k.right && k.left < r.right && r.top < k.bottom && k.top < r.bottom;
      }});
      if (hit) el.style.visibility = "hidden"; else kept.push(r);
    }});
  }}
  map.on("zoomend moveend", declutter);
  map.getContainer().addEventListener("change", function () {{ setTimeout(declutter, 250); }});
  L.control.scale({{imperial: false}}).addTo(map);  // metres only
  apply();
  declutter();
  window.firecoverMap = {{
    map: map, groups: groups, state: state,
    visible: function () {{
      var out = [];
      Object.keys(groups).forEach(function (y) {{
        Object.keys(groups[y]).forEach(function (t) {{
          if (map.hasLayer(groups[y][t])) out.push(y + "/" + t);
        }});
      }});
      shared.forEach(function (s) {{ if (map.hasLayer(s.layer)) out.push("*/" + s.key); }});
      return out;
    }},
    declutter: declutter
  }};
  document.body.dataset.ready = "1";
}})();
"""
