// The app's map: a deck.gl Deck built from the pydeck JSON of geo.render.deck, in the page
// (Streamlit custom component v2), with a tap/click that always selects.
//
// Why not st.pydeck_chart: its deck.gl recognises a click only when the press lasts under
// 250 ms by the page's clock (hammer.js Tap, Date.now() at handling) and does a synchronous
// picking pass on pointerdown. A finger held a little longer, or a busy phone or laptop
// (the picking pass itself took 75-100 ms in software GL), lost the click with no sign; the
// first click after a page load was lost most often. Here a tap is judged by the events' own
// time stamps (when the person pressed and released), with 1.5 s of grace, and picked once
// on release. Layers whose JSON did not change are reused, so a rerun redraws nothing.
//
// Everything shown comes from the server as data; tooltip text is set as text, never HTML.

const LIBS = (window.__dioramaMapLibs = window.__dioramaMapLibs || {});
const MAPS = (window.__dioramaMaps = window.__dioramaMaps || new WeakMap());
const TAP_MS = 1500;  // longest press still taken as a tap
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

function convertLayers(lib, state, specLayers) {
  // reuse the converted layer when its JSON did not change: deck.gl then keeps its buffers
  const cache = state.layerCache;
  const next = new Map();
  const layers = [];
  for (const spec of specLayers || []) {
    if (!spec) continue;
    const text = JSON.stringify(spec);
    let layer = cache.get(text);
    if (!layer) layer = state.converter.convert(spec);
    next.set(text, layer);
    layers.push(layer);
  }
  state.layerCache = next;
  return layers;
}

function render(lib, state) {
  const layers = [...convertLayers(lib, state, state.spec.layers)];
  if (state.mode) layers.push(highlightLayer(lib, state));
  state.deck.setProps({ layers });
}

function onTap(state, x, y) {
  if (!state.mode || !state.pick.length) return;  // a map for looking (tooltips only)
  if (!state.drawn) { state.pendingTap = [x, y]; return; }  // taken once the layers are drawn
  const info = state.deck.pickObject({ x, y, radius: 3, layerIds: state.pick });
  if (!info || !info.object || !info.layer) return;  // outside the city: keep the choice
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
    if (moved <= TAP_PX && e.timeStamp - d.t <= TAP_MS) {
      const rect = el.getBoundingClientRect();
      onTap(state, e.clientX - rect.left, e.clientY - rect.top);
    }
  }, true);
  el.addEventListener("pointercancel", e => down.delete(e.pointerId), true);
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
    const view = state.spec.initialViewState;
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
      onAfterRender: () => {
        if (state.drawn || !state.deck.props.layers.length) return;
        if (!state.deck.props.layers.every(l => l.isLoaded)) return;
        state.drawn = true;
        state.el.dataset.drawn = "1";
        const tap = state.pendingTap;
        state.pendingTap = null;
        if (tap) setTimeout(() => onTap(state, tap[0], tap[1]), 0);
      },
    });
    watchTaps(state);
    state.viewKey = viewKey;
  } else if (viewKey !== state.viewKey) {
    state.deck.setProps({ initialViewState: state.spec.initialViewState });
    state.viewKey = viewKey;
  }
  state.el.dataset.selected = state.selected ? state.selected.h || "" : "";
  render(lib, state);
  return () => {
    if (state.deck) state.deck.finalize();
    state.el.remove();
    MAPS.delete(parentElement);
  };
}
