// firecover serve: the what-if planning page. Plain JavaScript on Leaflet; every text that comes
// from the plan (station names, reasons) is written with textContent, never as HTML.
"use strict";

const fc = { map: null, meta: null, state: null, session: null, layers: {}, adding: false,
             busy: false, suggestion: null };
window.firecover = fc;  // for the browser tests

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function status(message, isError) {
  const s = document.getElementById("status");
  s.textContent = message || "";
  s.classList.toggle("error", !!isError);
}

async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(path, opts);
  let data = null;
  try { data = await res.json(); } catch (e) { data = { error: "bad answer from the server" }; }
  if (!res.ok) {
    const err = new Error(data && data.error ? data.error : "HTTP " + res.status);
    err.status = res.status;
    throw err;
  }
  return data;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94",
                 "#f7b6d2", "#9edae5", "#dbdb8d", "#393b79", "#637939", "#8c6d31"];
const colours = new Map();  // a colour per station, kept while the page is open
function colour(name) {
  if (!colours.has(name)) colours.set(name, PALETTE[colours.size % PALETTE.length]);
  return colours.get(name);
}

function fmt(x, digits) {
  return x === null || x === undefined ? "—" : Number(x).toFixed(digits);
}

function verdict(row) {
  if (!row.inside) return ["规划区外 outside the planning area", "none"];
  if (row.limit_km2 === null && row.class_key === "logistics") return ["无辖区 no district", "none"];
  if (row.compliant) return ["达标 pass", "pass"];
  return ["不达标 fail", "fail"];
}

async function edit(action, body) {
  if (fc.busy) return;
  fc.busy = true;
  const t0 = performance.now();
  status("计算中 computing…");
  try {
    const data = await api("/api/sessions/" + fc.session + "/" + action, body || {});
    render(data);
    status(describe(data.change) + " (" + Math.round(performance.now() - t0) + " ms)");
  } catch (e) {
    status(e.message, true);
    if (fc.state) render(fc.state);  // put dragged markers back
  } finally {
    fc.busy = false;
  }
}

function describe(change) {
  if (!change || change.newly_covered_km2 === null) return "";
  const parts = ["新增覆盖 newly covered " + fmt(change.newly_covered_km2, 2) + " km²",
                 "失去覆盖 no longer covered " + fmt(change.uncovered_km2, 2) + " km²"];
  if (change.shrunk.length) {
    parts.push("辖区缩小 shrunk: " + change.shrunk.map(
      (s) => s.station + " " + fmt(s.before_km2, 2) + "→" + fmt(s.after_km2, 2)).join(", "));
  }
  return parts.join("; ");
}

function render(data) {
  fc.state = data;
  for (const key of ["jurisdictions", "gaps", "service_areas", "stations", "zone"]) {
    if (fc.layers[key]) { fc.map.removeLayer(fc.layers[key]); delete fc.layers[key]; }
  }
  fc.layers.jurisdictions = L.geoJSON(data.layers.jurisdictions, {
    style: (f) => ({ color: colour(f.properties.station), weight: 1,
                     fillColor: colour(f.properties.station), fillOpacity: 0.35 }),
  }).addTo(fc.map);
  fc.layers.service_areas = L.geoJSON(data.layers.service_areas, {
    style: (f) => ({ color: colour(f.properties.station), weight: 1.5, dashArray: "4 3",
                     fill: false }),
  }).addTo(fc.map);
  fc.layers.gaps = L.geoJSON(data.layers.gaps, {
    style: () => ({ color: "#b91c1c", weight: 1, fillColor: "#ef4444", fillOpacity: 0.55 }),
  }).addTo(fc.map);
  const markers = L.layerGroup();
  for (const row of data.stations) {
    const icon = L.divIcon({
      className: "", iconSize: [16, 16],
      html: '<div class="station-icon' + (row.approximate ? " approx" : "") +
            '" style="width:16px;height:16px;background:' + colour(row.name) + '"></div>' });
    const m = L.marker([row.lat, row.lon], { icon: icon, draggable: true, title: row.name });
    // a DOM node, not a string: Leaflet writes a string tooltip as HTML
    m.bindTooltip(el("span", {}, row.name + (row.approximate ? "（位置近似 approximate）" : "")));
    m.on("dragend", () => {
      const p = m.getLatLng();
      edit("move", { name: row.name, lon: p.lng, lat: p.lat });
    });
    m.stationName = row.name;
    markers.addLayer(m);
  }
  fc.layers.stations = markers.addTo(fc.map);
  if (fc.suggestion) {
    fc.layers.zone = L.layerGroup([
      L.geoJSON(fc.suggestion.zone, {
        style: () => ({ color: "#7c3aed", weight: 2, fillColor: "#a78bfa", fillOpacity: 0.3 }) }),
      L.circleMarker([fc.suggestion.lat, fc.suggestion.lon], {
        radius: 7, color: "#7c3aed", fillColor: "#fff", fillOpacity: 1, weight: 3 })
        .bindTooltip(el("span", {}, "推荐站址 suggested site " + fc.suggestion.site)),
    ]).addTo(fc.map);
  }
  renderTable(data);
  renderSummary(data);
  document.getElementById("undo").disabled = !data.can_undo;
  document.getElementById("redo").disabled = !data.can_redo;
  if (data.year !== null) document.getElementById("year").value = String(data.year);
  document.getElementById("driving").value = data.summary.driving_min;
  document.getElementById("turnout").value = data.summary.turnout_min;
}

function renderTable(data) {
  const body = document.querySelector("#stations tbody");
  body.replaceChildren();
  for (const row of data.stations) {
    const tr = el("tr", { "data-station": row.name });
    tr.append(el("td", {}, row.name + (row.approximate ? " ≈" : "")));
    tr.append(el("td", {}, row.class_zh));
    tr.append(el("td", { class: "num" }, fmt(row.area_km2, 2)));
    tr.append(el("td", { class: "num" }, row.limit_km2 === null ? "—" : fmt(row.limit_km2, 0)));
    tr.append(el("td", { class: "num" }, fmt(row.max_arrival_min, 2)));
    tr.append(el("td", { class: "num" },
                 row.reached_share === null ? "—" : fmt(Math.floor(row.reached_share * 1000) / 10, 1) + " %"));
    const [text, cls] = verdict(row);
    const td = el("td", { class: cls }, text);
    if (row.reasons.length) td.title = row.reasons.join("; ");
    tr.append(td);
    const rm = el("button", { type: "button", "data-remove": row.name }, "删除 Remove");
    rm.addEventListener("click", () => edit("remove", { name: row.name }));
    const cell = el("td");
    cell.append(rm);
    tr.append(cell);
    body.append(tr);
  }
}

function renderSummary(data) {
  const s = data.summary;
  const box = document.getElementById("summary");
  box.replaceChildren();
  box.append(el("div", {}, "规划区 Planning area " + fmt(s.area_km2, 2) + " km² · 消防站 stations " +
                s.stations + " · 应建数 required by area " + s.required_by_area));
  box.append(el("div", {}, s.budget_min + " 分钟内覆盖 covered within " + s.budget_min + " min: " +
                fmt(s.covered_km2, 2) + " km² (" + fmt(Math.floor(s.covered_share * 1000) / 10, 1) +
                " %) · 达标 pass " + s.compliant + " · 不达标 fail " + s.noncompliant));
  const change = document.getElementById("change");
  change.textContent = describe(data.change);
}

async function suggest() {
  status("推荐计算中 finding the best next site…");
  try {
    const r = await api("/api/sessions/" + fc.session + "/suggest", { loss: 0.01 });
    fc.suggestion = r;
    render(fc.state);
    const box = document.getElementById("suggestion");
    box.hidden = false;
    box.replaceChildren();
    box.append(el("div", {}, "推荐站址 Suggested site " + r.site + " (" + r.road_class + "): +" +
                  fmt(r.gain_km2, 2) + " km² · 选址范围 search zone: " + r.zone_candidates +
                  " 个候选点 candidates losing ≤ " + (r.zone_loss * 100) + " % of the covered area"));
    box.append(el("div", { class: "note" }, r.method));
    const add = el("button", { type: "button", "data-testid": "add-suggested" }, "在此新增 Add here");
    add.addEventListener("click", () => {
      fc.suggestion = null;
      box.hidden = true;
      edit("add", { lon: r.lon, lat: r.lat, class: document.getElementById("class").value,
                    urban_edge: document.getElementById("urban-edge").checked });
    });
    box.append(add);
    status("推荐完成 suggestion ready (" + r.seconds + " s)");
  } catch (e) {
    status(e.message, true);
  }
}

async function save(overwrite) {
  const path = document.getElementById("save-path").value;
  try {
    const r = await api("/api/sessions/" + fc.session + "/save", { path: path, overwrite: overwrite });
    status("已保存 saved " + r.saved);
  } catch (e) {
    if (e.status === 409 && !overwrite && window.confirm(e.message)) return save(true);
    status(e.message, true);
  }
}

async function exportRun() {
  const out = document.getElementById("export-path").value;
  status("导出中 writing the report files…");
  try {
    const r = await api("/api/sessions/" + fc.session + "/export", { out: out });
    status("已导出 written " + r.written.length + " files to " + out);
  } catch (e) {
    status(e.message, true);
  }
}

function legend() {
  const ctl = L.control({ position: "bottomleft" });
  ctl.onAdd = () => {
    const d = el("div", { class: "legend" });
    const items = [["#ef4444", "未覆盖 not covered"], ["#a78bfa", "选址范围 search zone"],
                   ["#999", "辖区 jurisdiction (colour per station)"]];
    for (const [c, label] of items) {
      const row = el("div");
      const i = el("i");
      i.style.background = c;
      row.append(i, document.createTextNode(label));
      d.append(row);
    }
    d.append(el("div", {}, "虚线 dashed: 响应时间内服务范围 service area within the budget · 虚线圈 dashed ring: 位置近似 approximate"));
    return d;
  };
  ctl.addTo(fc.map);
}

async function start() {
  fc.meta = await api("/api/meta");
  const m = fc.meta;
  document.getElementById("title").textContent = (m.name_zh || m.name) + " · 推演 what-if";
  document.getElementById("synthetic").hidden = !m.synthetic;
  document.getElementById("boundary-note").textContent = "规划区 planning area: " + m.boundary_note;
  document.getElementById("travel-model").textContent = m.travel_model || "";
  const year = document.getElementById("year");
  for (let y = m.first_year; m.first_year !== null && y <= m.last_year; y++) {
    year.append(el("option", { value: String(y) }, String(y)));
  }
  const cls = document.getElementById("class");
  for (const c of m.classes) cls.append(el("option", { value: c.key }, c.zh + " (" + c.limit_km2 + " km²)"));
  const [w, s, e, n] = m.bounds;
  fc.map = L.map("map", { preferCanvas: true }).fitBounds([[s, w], [n, e]]);
  L.control.scale({ imperial: false }).addTo(fc.map);
  legend();
  const base = await api("/api/base");
  L.geoJSON(base.roads, { style: () => ({ color: "#888", weight: 1 }), interactive: false }).addTo(fc.map);
  L.geoJSON(base.boundary, { style: () => ({ color: "#111", weight: 2, fill: false }), interactive: false }).addTo(fc.map);
  if (base.barriers) {
    L.geoJSON(base.barriers, { style: () => ({ color: "#0369a1", weight: 3 }), interactive: false }).addTo(fc.map);
  }
  const data = await api("/api/sessions", {});
  fc.session = data.session;
  render(data);
  fc.map.on("click", (ev) => {
    if (!fc.adding) return;
    const nameBox = document.getElementById("name");
    const body = { lon: ev.latlng.lng, lat: ev.latlng.lat, class: cls.value,
                   urban_edge: document.getElementById("urban-edge").checked };
    if (nameBox.value.trim()) body.name = nameBox.value;
    nameBox.value = "";
    edit("add", body);
  });
  const addBtn = document.getElementById("add-mode");
  addBtn.addEventListener("click", () => {
    fc.adding = !fc.adding;
    addBtn.classList.toggle("on", fc.adding);
    document.getElementById("map").classList.toggle("adding", fc.adding);
  });
  document.getElementById("undo").addEventListener("click", () => edit("undo"));
  document.getElementById("redo").addEventListener("click", () => edit("redo"));
  document.getElementById("suggest").addEventListener("click", suggest);
  document.getElementById("save").addEventListener("click", () => save(false));
  document.getElementById("export").addEventListener("click", exportRun);
  year.addEventListener("change", () => edit("year", { year: Number(year.value) }));
  document.getElementById("budget").addEventListener("click", () => edit("budget", {
    driving_min: Number(document.getElementById("driving").value),
    turnout_min: Number(document.getElementById("turnout").value) }));
  document.body.dataset.ready = "1";
  status("就绪 ready: " + data.stations.length + " 座消防站 stations (" + data.seconds + " s)");
}

start().catch((e) => status(e.message, true));
