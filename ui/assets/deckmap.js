// The app's map: a deck.gl Deck built from the pydeck JSON of geo.render.deck, in the page
// (Streamlit custom component v2), with a tap/click that always selects.
//
// Why not st.pydeck_chart: its deck.gl recognises a click only when the press lasts under
// 250 ms by the page's clock (hammer.js Tap, Date.now() at handling) and does a synchronous
// picking pass on pointerdown. A finger held a little longer, or a busy phone or laptop
// (the picking pass itself took 75-100 ms in software GL), lost the click with no sign; the
// first click after a page load was lost most often. Here a tap is judged by the events' own
// time stamps (when the person pressed and released), with 5 s of grace, and picked once
// on release. Layers whose JSON did not change are reused, so a rerun redraws nothing.
//
// Everything shown comes from the server as data; tooltip text is set as text, never HTML.

const LIBS = (window.__dioramaMapLibs = window.__dioramaMapLibs || {});
const MAPS = (window.__dioramaMaps = window.__dioramaMaps || new WeakMap());
// longest press still taken as a tap: the map has no long-press gesture, so a press that
// stays put is a tap however slow the hand (or the device: under load a 0.8 s press was
// stamped 1.7-2.6 s); only a hand resting on the map for seconds is not
const TAP_MS = 5000;
const TAP_PX = 10;    // farthest a finger may slide during a tap (CSS pixels)

function loadScript(src) {
  if (!LIBS[src]) {
    LIBS[src] = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.async = false;
      s.onload = () => resolve();
      s.onerror = () => { delete LIBS[src]; reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }
  return LIBS[src];
}

async function libraries(urls) {
  if (!window.__dioramaDeck) {
    window.__dioramaDeck = (async () => {
      await loadScript(urls.h3);      // H3HexagonLayer reads globalThis.h3
      await loadScript(urls.deck);    // sets globalThis.deck
      const full = window.deck;
      await loadScript(urls.json);    // reads globalThis.deck (core), then replaces it
      const json = window.deck;
      window.deck = full;
      return { deck: full, json };
    })();
  }
  return window.__dioramaDeck;
}

function decodeEntities(s) {
  // values arrive HTML-escaped (geo.render.deck.tooltip_text); a textarea decodes them as
  // text without running anything, and the result is shown with textContent
  const t = document.createElement("textarea");
  t.innerHTML = s;
  return t.value;
}

function tooltipText(template, object) {
  if (!template || !object) return null;
  const text = template.replace(/\{([^{}]+)\}/g, (m, name) => {
    const v = Object.prototype.hasOwnProperty.call(object, name) ? object[name] : null;
    if (v === null || v === undefined) return "";
    return typeof v === "number" ? v.toLocaleString(document.documentElement.lang || "ja") : String(v);
  });
  return decodeEntities(text);
}

let taps = 0;

function highlightLayer(lib, state) {
  const data = state.mode === "multi" ? [...state.multi.values()].map(v => v.object)
    : state.selected ? [state.selected] : [];
  return new lib.deck.H3HexagonLayer({
    id: "__selected",
    data: data.filter(d => d && typeof d.h === "string"),
    getHexagon: d => d.h,
    getFillColor: [255, 200, 0, 170],
    getLineColor: [20, 20, 20, 255],
    lineWidthMinPixels: 3,
    stroked: true, filled: true, extruded: false, pickable: false,
  });
}

function tileLayer(lib, spec) {
  // raster tiles (the optional base map): each tile's image drawn over its bounds
  return new lib.deck.TileLayer({
    id: spec.id, data: spec.data, minZoom: spec.minZoom, maxZoom: spec.maxZoom,
    tileSize: spec.tileSize || 256, opacity: spec.opacity ?? 1, pickable: false,
    onTileError: () => { /* offline or blocked: the map stays without a base map */ },
    renderSubLayers: props => {
      const [[west, south], [east, north]] = props.tile.boundingBox;
      return new lib.deck.BitmapLayer(props, { data: null, image: props.data,
                                              bounds: [west, south, east, north] });
    },
  });
}

function convertLayers(lib, state, specLayers) {
  // reuse the converted layer when its JSON did not change: deck.gl then keeps its buffers
  const cache = state.layerCache;
  const next = new Map();
  const layers = [], labels = [];
  for (const spec of specLayers || []) {
    if (!spec) continue;
    const text = JSON.stringify(spec);
    let layer = cache.get(text);
    if (!layer) layer = spec["@@type"] === "TileLayer" ? tileLayer(lib, spec) : state.converter.convert(spec);
    next.set(text, layer);
    // a layer with "minZoom" (names) is drawn from that zoom on, above every other layer
    if (spec.minZoom !== undefined) {
      labels.push(layer.clone({ visible: (state.zoom ?? 0) >= spec.minZoom }));
    } else layers.push(layer);
  }
  state.layerCache = next;
  state.thresholds = (specLayers || []).filter(x => x && x.minZoom !== undefined).map(x => x.minZoom);
  return [...layers, ...labels];
}

function baseLayers(lib, state) {
  // the base map, under everything, once its tiles were seen to load (see probeBasemap)
  const bm = state.basemap;
  if (!bm || !BASEMAPS[bm.url] || BASEMAPS[bm.url].ok !== true) return [];
  if (!state.tiles || state.tiles.url !== bm.url) {
    state.tiles = { url: bm.url, layer: tileLayer(lib, { id: "__basemap", data: bm.url, minZoom: 0,
                                                        maxZoom: 18, tileSize: 256, opacity: 0.9 }) };
  }
  return [state.tiles.layer];
}

const BASEMAPS = (window.__dioramaBasemaps = window.__dioramaBasemaps || {});

function tileUrl(template, lon, lat, zoom) {
  const z = Math.max(0, Math.min(18, Math.round(zoom)));
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return template.replace("{z}", z).replace("{x}", x).replace("{y}", y);
}

function probeBasemap(state) {
  // one tile of the map's centre: drawn if it loads within 5 s, else the map stays as it is
  // (no message: the town borders and names are the map); asked once per page load
  const bm = state.basemap;
  if (!bm) return;
  let entry = BASEMAPS[bm.url];
  if (!entry) {
    const v = state.spec.initialViewState || {};
    entry = BASEMAPS[bm.url] = { ok: null, waiting: [] };
    const img = new Image();
    const done = ok => {
      if (entry.ok !== null) return;
      entry.ok = ok;
      img.onload = img.onerror = null;
      for (const f of entry.waiting.splice(0)) f();
    };
    const timer = setTimeout(() => done(false), 5000);
    img.onload = () => { clearTimeout(timer); done(true); };
    img.onerror = () => { clearTimeout(timer); done(false); };
    img.crossOrigin = "anonymous";
    img.referrerPolicy = "no-referrer";
    img.src = tileUrl(bm.url, v.longitude || 0, v.latitude || 0, v.zoom || 10);
  }
  if (entry.ok === null) entry.waiting.push(() => state.deck && render(state.lib, state));
}

function showCredit(state) {
  const bm = state.basemap;
  const on = !!(bm && BASEMAPS[bm.url] && BASEMAPS[bm.url].ok);
  if (!state.credit) {
    state.credit = document.createElement("div");
    state.credit.className = "diorama-map-credit";
    state.el.appendChild(state.credit);
  }
  state.credit.textContent = on ? bm.attribution : "";
  state.credit.style.display = on ? "block" : "none";
  state.el.dataset.basemap = on ? "on" : "off";
}

function render(lib, state) {
  const layers = [...baseLayers(lib, state), ...convertLayers(lib, state, state.spec.layers)];
  if (state.mode) layers.push(highlightLayer(lib, state));
  state.deck.setProps({ layers });
  state.el.dataset.labels = String(layers.filter(l => l.props.visible && l.props.minZoom !== undefined).length);
  showCredit(state);
}

function onTap(state, x, y) {
  if (!state.mode || !state.pick.length) return;  // a map for looking (tooltips only)
  if (!state.drawn) {  // taken once the layers are drawn
    state.pendingTap = [x, y];
    state.el.dataset.lastTap = "waiting for the layers";
    return;
  }
  const info = state.deck.pickObject({ x, y, radius: 3, layerIds: state.pick });
  if (!info || !info.object || !info.layer) {  // outside the city: keep the choice
    state.el.dataset.lastTap = "nothing there";
    return;
  }
  state.el.dataset.lastTap = "chose " + info.layer.id;
  const layerId = info.layer.id;
  const object = info.object;
  taps += 1;  // numbers the taps: choosing again a cell a town list replaced is still news
  let selection;
  if (state.mode === "multi") {
    const id = layerId + "\u0000" + info.index;
    if (state.multi.has(id)) state.multi.delete(id);
    else state.multi.set(id, { layerId, index: info.index, object });
    const indices = {}, objects = {};
    for (const v of state.multi.values()) {
      (indices[v.layerId] = indices[v.layerId] || []).push(v.index);
      (objects[v.layerId] = objects[v.layerId] || []).push(v.object);
    }
    selection = { indices, objects, tap: taps };
  } else {
    if (state.selected && state.selected.h === object.h) return;  // already the choice
    state.selected = object;
    selection = { indices: { [layerId]: [info.index] }, objects: { [layerId]: [object] }, tap: taps };
  }
  render(state.lib, state);
  state.el.dataset.selected = state.mode === "multi" ? String(state.multi.size) : object.h || "";
  state.setStateValue("selection", selection);
}

function fitted(lib, state) {
  // the server's view, zoomed so the city outline fills this map as wide as it is drawn
  // (the server knows the height, not the width: a phone and a wide screen differ)
  const view = { ...(state.spec.initialViewState || {}) };
  const outline = (state.spec.layers || []).find(l => l && l.id === "boundary");
  const width = state.el.clientWidth, height = state.el.clientHeight;
  if (!outline || !outline.data || !width || !height || view.pitch) return view;
  let w = 180, s = 90, e = -180, n = -90;
  const walk = c => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  for (const f of outline.data.features || []) if (f.geometry) walk(f.geometry.coordinates);
  if (!(e > w && n > s)) return view;
  try {
    const vp = new lib.deck.WebMercatorViewport({ width, height });
    const fit = vp.fitBounds([[w, s], [e, n]], { padding: Math.min(24, width / 10, height / 10) });
    return { ...view, longitude: fit.longitude, latitude: fit.latitude,
             zoom: Math.min(fit.zoom, 16) };
  } catch (err) {
    return view;
  }
}

function watchTaps(state) {
  const down = new Map();
  const el = state.el;
  el.addEventListener("pointerdown", e => {
    down.set(e.pointerId, { x: e.clientX, y: e.clientY, t: e.timeStamp });
  }, true);
  el.addEventListener("pointerup", e => {
    const d = down.get(e.pointerId);
    down.delete(e.pointerId);
    if (!d || down.size > 0) return;  // a second finger: a pinch, not a tap
    if (e.button !== undefined && e.button > 0) return;
    const moved = Math.hypot(e.clientX - d.x, e.clientY - d.y);
    // what the last press was, for anyone asking why a tap did nothing (tests print it)
    el.dataset.lastPress = `${Math.round(e.timeStamp - d.t)} ms, ${Math.round(moved)} px`;
    if (moved <= TAP_PX && e.timeStamp - d.t <= TAP_MS) {
      const rect = el.getBoundingClientRect();
      onTap(state, e.clientX - rect.left, e.clientY - rect.top);
    }
  }, true);
  el.addEventListener("pointercancel", e => {
    if (down.delete(e.pointerId)) el.dataset.lastPress = "cancelled by the browser";
  }, true);
}

export default async function (component) {
  const { data, parentElement, setStateValue } = component;
  let state = MAPS.get(parentElement);
  if (!state) {
    const el = document.createElement("div");
    el.className = "diorama-map";
    el.setAttribute("data-testid", "dioramaMap");
    el.setAttribute("role", "application");
    parentElement.appendChild(el);
    state = { el, layerCache: new Map(), selected: null, viewKey: null };
    MAPS.set(parentElement, state);
  }
  state.setStateValue = setStateValue;
  state.el.style.height = data.height + "px";
  state.el.setAttribute("aria-label", data.label || "");
  state.basemap = data.basemap || null;
  state.pick = data.pick || [];
  state.mode = data.mode || null;  // "single", "multi" or null (no selection)
  state.multi = state.multi || new Map();
  state.tooltip = data.tooltip || null;
  let lib;
  try {
    lib = await libraries(data.libs);
  } catch (err) {
    state.el.textContent = data.failed || String(err);
    return;
  }
  state.lib = lib;
  state.spec = JSON.parse(data.spec);
  if (!state.converter) {
    state.converter = new lib.json.JSONConverter({
      configuration: new lib.json.JSONConfiguration({ classes: lib.deck }),
    });
  }
  const chosen = data.selected || null;
  if (!chosen) state.selected = null;
  else if (!state.selected || state.selected.h !== chosen) state.selected = { h: chosen };
  const viewKey = JSON.stringify(state.spec.initialViewState);
  if (!state.deck) {
    const view = fitted(lib, state);
    state.deck = new lib.deck.Deck({
      parent: state.el,
      width: "100%",
      height: "100%",
      initialViewState: view,
      // a click is a selection, never a zoom
      controller: { doubleClickZoom: false },
      getTooltip: info => {
        const text = tooltipText(state.tooltip, info && info.object);
        return text ? { text, style: { whiteSpace: "pre-line", fontSize: "13px" } } : null;
      },
      onLoad: () => { state.el.dataset.ready = "1"; },
      onViewStateChange: ({ viewState }) => {
        const before = state.zoom ?? 0;
        state.zoom = viewState.zoom;
        // names appear or go as the zoom crosses their threshold
        if ((state.thresholds || []).some(z => (before >= z) !== (viewState.zoom >= z))) {
          render(state.lib, state);
        }
      },
      onAfterRender: () => {
        if (state.drawn || !state.deck.props.layers.length) return;
        // the data layers, that is: base map tiles may never come (offline)
        const TileLayer = state.lib.deck.TileLayer;
        if (!state.deck.props.layers.every(l => l.isLoaded || l instanceof TileLayer)) return;
        state.drawn = true;
        state.el.dataset.drawn = "1";
        const tap = state.pendingTap;
        state.pendingTap = null;
        if (tap) setTimeout(() => onTap(state, tap[0], tap[1]), 0);
      },
    });
    watchTaps(state);
    state.viewKey = viewKey;
    state.zoom = view ? view.zoom : 0;
  } else if (viewKey !== state.viewKey) {
    state.deck.setProps({ initialViewState: fitted(lib, state) });
    state.viewKey = viewKey;
    state.zoom = state.spec.initialViewState ? state.spec.initialViewState.zoom : state.zoom;
  }
  probeBasemap(state);
  state.el.dataset.selected = state.selected ? state.selected.h || "" : "";
  render(lib, state);
  // Streamlit calls this both when the map leaves the page and when this render was
  // overtaken by a newer one before it finished (the data changed while the libraries or the
  // module were still loading, as happens on a busy machine). The map is shared by every
  // render into the same element, so only the first case may end it: an overtaken render's
  // clean-up that ended it left the page with no map at all.
  return () => {
    setTimeout(() => {
      if (parentElement.isConnected || MAPS.get(parentElement) !== state) return;
      if (state.deck) state.deck.finalize();
      state.el.remove();
      MAPS.delete(parentElement);
    }, 0);
  };
}
