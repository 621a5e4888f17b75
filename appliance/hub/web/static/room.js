// One room: camera control (press and hold to move), presets, live picture, microphone
// meters, displays, the readiness check with live progress and its history.
"use strict";

const ROOM = document.getElementById("room").dataset.room;
const R = "/rooms/" + encodeURIComponent(ROOM);
const SNAPSHOT_EVERY_MS = 3000;
const LEVEL_EVERY_MS = 2000;
let detail = null;
let camera = null;
let moving = false;
let checkRun = null;

function cam() { return R + "/cameras/" + encodeURIComponent(camera); }
function speed() { return Number(document.getElementById("speed").value); }

async function refreshSnapshot() {
  if (!camera || !detail || !detail.online) return;
  try {
    const response = await fetch("/api/v1" + cam() + "/snapshot", { credentials: "same-origin" });
    if (!response.ok) return;
    const img = document.getElementById("snapshot");
    if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(await response.blob());
    img.dataset.loaded = String(Date.now());
  } catch (e) { /* next round */ }
}

// -- press and hold: drive while pressed, stop on release (and on leaving the button) ----
async function drive(pan, tilt) {
  moving = true;
  try { await api("POST", cam() + "/drive", { pan, tilt, speed: speed() }); } catch (e) { failed(e); }
}
async function stop() {
  if (!moving) return;
  moving = false;
  try { await api("POST", cam() + "/stop"); } catch (e) { failed(e); }
  refreshSnapshot();
}
function holdable(button, start, end) {
  button.addEventListener("pointerdown", (e) => { button.setPointerCapture(e.pointerId); start(); });
  for (const kind of ["pointerup", "pointercancel", "lostpointercapture"]) button.addEventListener(kind, end);
  button.addEventListener("keydown", (e) => { if ((e.key === " " || e.key === "Enter") && !e.repeat) { e.preventDefault(); start(); } });
  button.addEventListener("keyup", (e) => { if (e.key === " " || e.key === "Enter") end(); });
}

const ARROWS = { ArrowLeft: ["left", "stop"], ArrowRight: ["right", "stop"], ArrowUp: ["stop", "up"], ArrowDown: ["stop", "down"] };

function wireControls() {
  for (const button of document.querySelectorAll("#ptz [data-pan]")) {
    holdable(button, () => drive(button.dataset.pan, button.dataset.tilt), stop);
  }
  const stopButton = document.getElementById("ptz-stop");
  stopButton.addEventListener("click", () => { moving = true; stop(); });
  document.getElementById("ptz").addEventListener("keydown", (e) => {
    const dir = ARROWS[e.key];
    if (dir && !e.repeat) { e.preventDefault(); drive(dir[0], dir[1]); }
  });
  document.getElementById("ptz").addEventListener("keyup", (e) => { if (ARROWS[e.key]) stop(); });
  for (const button of document.querySelectorAll("[data-zoom]")) {
    holdable(button,
      async () => { moving = true; try { await api("POST", cam() + "/zoom", { action: button.dataset.zoom }); } catch (e) { failed(e); } },
      async () => { if (!moving) return; moving = false; try { await api("POST", cam() + "/zoom", { action: "stop" }); } catch (e) { failed(e); } refreshSnapshot(); });
  }
  document.getElementById("focus-auto").addEventListener("click", () => api("POST", cam() + "/focus", { auto: true }).then(() => toast(T("web.saved"), "good"), failed));
  document.getElementById("focus-one-push").addEventListener("click", () => api("POST", cam() + "/focus", { action: "one_push" }).then(() => toast(T("web.saved"), "good"), failed));
  document.getElementById("preset-store").addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = document.getElementById("preset-name").value.trim();
    const number = Number(document.getElementById("preset-number").value);
    const reference = document.getElementById("preset-reference").checked;
    try {
      // With the reference picture, the room recalls the preset and waits for fresh
      // frames before it answers: the answer says whether the picture was kept.
      const out = (await api("POST", cam() + "/presets", { number, name, reference })).data || {};
      if (out.reference_error) toast(out.reference_error, "bad");
      else if (out.reference) toast(T("web.preset.stored_reference", { preset: name }), "good");
      else toast(T("web.preset.stored", { preset: name }), "good");
      await loadPresets();
    } catch (err) { failed(err); }
  });
  document.getElementById("run-check").addEventListener("click", runCheck);
}

async function loadPresets() {
  const box = document.getElementById("presets");
  box.replaceChildren();
  if (!camera) return;
  let presets = [];
  try { presets = (await api("GET", cam() + "/presets")).data || []; } catch (e) {
    const names = (detail.presets || {})[camera] || [];
    presets = names.map((name) => ({ name }));
  }
  for (const p of presets) {
    const label = p.name || String(p.number);
    box.append(el("button", {
      type: "button", class: "preset", "data-preset": label, disabled: !CAN_COMMAND,
      onclick: async () => {
        try {
          await api("POST", cam() + "/presets/" + encodeURIComponent(label) + "/recall");
          toast(T("web.preset.recalled", { room: detail.name, preset: label }), "good");
          refreshSnapshot();
        } catch (e) { failed(e); }
      },
    }, label));
  }
}

// -- audio meters, displays, devices -------------------------------------------------------
function meters() {
  const box = document.getElementById("meters");
  box.replaceChildren();
  for (const mic of (detail.devices || []).filter((d) => d.kind === "microphone")) {
    const meter = el("meter", { id: "level-" + mic.id, min: -90, max: 0, low: -60, high: -6, optimum: -20, value: -90 });
    box.append(el("label", { for: "level-" + mic.id }, mic.id + " "), meter, el("span", { class: "level-text", id: "level-text-" + mic.id }, "—"));
  }
}
async function readLevels() {
  if (!detail || !detail.online) return;
  for (const mic of (detail.devices || []).filter((d) => d.kind === "microphone")) {
    try {
      const level = await api("GET", R + "/audio/" + encodeURIComponent(mic.id) + "/level?seconds=0.3");
      const reading = level.data || level;
      const value = Math.max(-90, Number(reading.rms_dbfs ?? reading.peak_dbfs ?? -90));
      document.getElementById("level-" + mic.id).value = value;
      document.getElementById("level-text-" + mic.id).textContent = T("web.level.db", { value: value.toFixed(1) });
    } catch (e) { /* the next reading tries again */ }
  }
}
function displays() {
  const box = document.getElementById("displays");
  box.replaceChildren();
  for (const d of (detail.devices || []).filter((x) => x.kind === "display")) {
    const row = el("div", { class: "row" }, el("span", {}, d.id + " "));
    if (CAN_COMMAND) {
      const path = R + "/displays/" + encodeURIComponent(d.id);
      const act = (method, sub, body) => () => api(method, path + sub, body).then(() => toast(T("web.saved"), "good"), failed);
      row.append(
        el("button", { type: "button", onclick: act("POST", "/power", { on: true }) }, TEXTS["web.display.on"] || "On"),
        el("button", { type: "button", onclick: act("POST", "/power", { on: false }) }, TEXTS["web.display.off"] || "Off"),
        el("button", { type: "button", onclick: act("POST", "/show", { what: "pattern" }) }, TEXTS["web.display.pattern"] || "Pattern"),
        el("button", { type: "button", onclick: act("POST", "/show", { what: "slate" }) }, TEXTS["web.display.slate"] || "Slate"));
    }
    box.append(row);
  }
}
function devices() {
  const list = document.getElementById("devices");
  list.replaceChildren();
  for (const d of detail.devices || []) {
    list.append(el("li", { class: "device state-" + d.state }, d.id + " · " + d.kind + " · " + d.state + (d.last_error ? " · " + d.last_error : "")));
  }
}

// -- readiness check -----------------------------------------------------------------------
async function runCheck() {
  const state = document.getElementById("check-state");
  const bar = document.getElementById("check-progress");
  try {
    const run = await api("POST", "/checks", { room_ids: [ROOM] });
    checkRun = (run.rooms[0] || {}).run_id || null;
    bar.hidden = false; bar.value = 0;
    state.textContent = T("web.check.running", { done: 0, total: "?" });
  } catch (e) { failed(e); }
}
function onProgress(event) {
  if (event.room_id !== ROOM) return;
  const bar = document.getElementById("check-progress");
  if (typeof event.done === "number" && event.total) {
    bar.hidden = false; bar.max = event.total; bar.value = event.done;
    document.getElementById("check-state").textContent = T("web.check.running", { done: event.done, total: event.total });
  }
}
function onResult(event) {
  if (event.room_id !== ROOM) return;
  const bar = document.getElementById("check-progress");
  bar.value = bar.max;
  document.getElementById("check-state").textContent = T("web.check.done", { result: checkLabel(event.overall) });
  loadHistory();
}
async function loadHistory() {
  const box = document.getElementById("history");
  let results = [];
  try { results = await api("GET", R + "/checks?limit=10"); } catch (e) { return; }
  box.replaceChildren();
  for (const result of results) {
    const items = (result.data.results || []);
    const bad = items.filter((i) => i.status === "fail" || i.status === "warn");
    const details = el("details", { class: "run", open: result === results[0] ? true : null },
      el("summary", {}, timeText(result.at) + " · " + checkLabel(result.overall) + " · " + T("web.check.items", { count: items.length, bad: bad.length })));
    const table = el("table", { class: "items" }, el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, "ID"), el("th", { scope: "col" }, T("web.csv.status")),
      el("th", { scope: "col" }, T("web.csv.message")), el("th", { scope: "col" }, T("web.check.hint")))));
    const body = el("tbody");
    for (const item of items) {
      const evidence = Object.values(item.evidence || {}).map((name) => el("a", {
        href: "/api/v1" + R + "/checks/" + encodeURIComponent(result.run_id) + "/evidence/" + encodeURIComponent(name),
        target: "_blank", rel: "noopener",
      }, T("web.check.evidence") + " "));
      body.append(el("tr", { class: "item status-" + item.status, "data-item": item.id },
        el("td", {}, item.id), el("td", {}, checkLabel(item.status)),
        el("td", {}, message(item.message)), el("td", {}, message(item.remediation), ...evidence)));
    }
    table.append(body);
    details.append(table);
    box.append(details);
  }
}

async function load() {
  detail = await api("GET", R);
  document.getElementById("room-name").textContent = detail.name;
  document.getElementById("room-district").textContent = detail.district;
  const status = roomStatus(detail);
  const badge = document.getElementById("room-status");
  badge.textContent = T("web.status." + status);
  badge.className = "badge status-" + status;
  const select = document.getElementById("camera-select");
  select.replaceChildren();
  for (const d of (detail.devices || []).filter((x) => x.kind === "camera")) select.append(el("option", { value: d.id }, d.id));
  camera = select.value || null;
  select.addEventListener("change", () => { camera = select.value; loadPresets(); refreshSnapshot(); });
  if (!detail.online) toast(T("web.room.not_online"), "bad");
  await loadPresets();
  meters(); displays(); devices();
  refreshSnapshot();
  loadHistory();
}

document.addEventListener("DOMContentLoaded", () => {
  if (CAN_COMMAND) wireControls();
  load().catch(failed);
  liveEvents({
    "check.progress": onProgress,
    "fleet.progress": onProgress,
    "check.result": onResult,
    presence: (e) => { if (e.room_id === ROOM) load().catch(failed); },
  });
  setInterval(refreshSnapshot, SNAPSHOT_EVERY_MS);
  setInterval(readLevels, LEVEL_EVERY_MS);
});
