// Scenes: named sets of (room, camera, preset) recalled together. Everyone sees the list;
// technicians and up recall, operators and up create, change and delete (the API checks
// each; the page leaves out what the role cannot use). A recall shows each room's outcome
// as it comes: the hub publishes it on the event stream (scene.outcome, with the
// recall_id this page chose), and the recall's answer, which waits for the last room,
// fills in whatever the stream did not bring.
"use strict";

let rooms = new Map(); // id → the room's summary (GET /rooms)
const details = new Map(); // id → a promise of the room's detail (cameras, presets) or null
let scenes = [];
let editing = null; // the scene being changed, or null for a new one
let recall = null; // the recall under way: {id, scene, rows: Map(item key → <tr>), done}

function roomName(id) {
  const room = rooms.get(id);
  return room ? room.name : T("web.scenes.unknown_room", { room: id });
}

function itemKey(roomId, camera) { return roomId + "\n" + camera; }

// -- the list --------------------------------------------------------------------------

function sceneRow(s) {
  const items = el("ul", { class: "plain items" }, ...s.items.map((i) => el("li", {
    "data-room": i.room_id, "data-camera": i.camera, "data-preset": i.preset,
  }, T("web.scenes.item_text", { room: roomName(i.room_id), camera: i.camera, preset: i.preset }))));
  const row = el("tr", { id: "scene-" + s.id, "data-scene": s.id },
    el("th", { scope: "row", class: "name" }, s.name),
    el("td", {}, items));
  if (CAN_COMMAND) {
    const actions = el("div", { class: "row" },
      el("button", { type: "button", class: "recall", "aria-label": T("web.scenes.recall_label", { name: s.name }), onclick: () => recallScene(s) }, T("web.scenes.recall")));
    if (CAN_OPERATE) {
      actions.append(
        el("button", { type: "button", class: "edit", "aria-label": T("web.scenes.edit_label", { name: s.name }), onclick: () => edit(s) }, T("web.edit")),
        el("button", { type: "button", class: "delete danger", "aria-label": T("web.scenes.delete_label", { name: s.name }), onclick: () => remove(s) }, T("web.delete")));
    }
    row.append(el("td", {}, actions));
  }
  return row;
}

function renderScenes() {
  document.querySelector("#scenes tbody").replaceChildren(...scenes.map(sceneRow));
  document.getElementById("no-scenes").hidden = scenes.length > 0;
  setBusy(recall !== null);
}

async function loadScenes() {
  scenes = await api("GET", "/scenes");
  scenes.sort((a, b) => byName(a.name, b.name));
  renderScenes();
}

async function loadRooms() {
  const list = await api("GET", "/rooms");
  rooms = new Map(list.sort((a, b) => byName(a.name, b.name)).map((r) => [r.id, r]));
}

// Buttons stay disabled while a recall runs: one recall at a time, and no scene changes
// under it.
function setBusy(on) {
  for (const button of document.querySelectorAll("#scenes button, #s-save")) button.disabled = on;
  document.getElementById("scenes").setAttribute("aria-busy", on ? "true" : "false");
}

// -- recall ----------------------------------------------------------------------------

function recallId() {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function outcomeKind(o) {
  if (o.ok) return "ok";
  const kind = o.error && o.error.kind;
  return kind === "superseded" || kind === "offline" ? kind : "error";
}

function outcomeText(kind, error) {
  if (kind === "ok") return T("web.scenes.outcome.ok");
  // Offline and superseded say it all in the page's language; the hub's / agent's own
  // message (English) is for the other errors, which have no text of their own here.
  if (kind === "offline") return T("web.scenes.outcome.offline");
  if (kind === "superseded") return T("web.scenes.outcome.superseded");
  return T("web.scenes.outcome.error", { kind: (error && error.kind) || "?", message: (error && error.message) || "" });
}

function recallSummary() {
  const total = recall.rows.size;
  document.getElementById("recall-summary").textContent =
    T("web.scenes.recalling", { done: recall.done, total });
}

function showOutcome(o) {
  if (recall === null) return;
  const row = recall.rows.get(itemKey(o.room_id, o.camera));
  if (!row || row.dataset.outcome !== "pending") return;
  const kind = outcomeKind(o);
  row.dataset.outcome = kind;
  row.className = "outcome outcome-" + kind;
  row.querySelector(".result").textContent = outcomeText(kind, o.error);
  recall.done += 1;
  recallSummary();
}

async function recallScene(s) {
  if (recall !== null) return;
  recall = { id: recallId(), scene: s, rows: new Map(), done: 0 };
  setBusy(true);
  const rows = s.items.map((i) => {
    const row = el("tr", { class: "outcome outcome-pending", "data-room": i.room_id, "data-camera": i.camera, "data-outcome": "pending" },
      el("th", { scope: "row" }, roomName(i.room_id)),
      el("td", {}, i.camera),
      el("td", {}, i.preset),
      el("td", { class: "result" }, T("web.scenes.outcome.pending")));
    recall.rows.set(itemKey(i.room_id, i.camera), row);
    return row;
  });
  const panel = document.getElementById("recall-panel");
  document.getElementById("recall-h").textContent = T("web.scenes.recall_of", { name: s.name });
  document.querySelector("#recall-outcomes tbody").replaceChildren(...rows);
  const summary = document.getElementById("recall-summary");
  summary.className = "";
  panel.hidden = false;
  panel.dataset.state = "running";
  recallSummary();
  panel.scrollIntoView({ block: "nearest" });
  try {
    const answer = await api("POST", "/scenes/" + s.id + "/recall?recall_id=" + recall.id);
    for (const o of answer.outcomes) showOutcome(o);
    summary.textContent = T("web.scenes.summary", { ok: answer.ok, failed: answer.failed, total: answer.outcomes.length });
    summary.className = answer.failed ? "error" : "good";
  } catch (e) {
    // The hub refused the recall as a whole (scene gone, no right…): no room answered.
    for (const row of recall.rows.values()) {
      if (row.dataset.outcome !== "pending") continue;
      row.dataset.outcome = "error";
      row.className = "outcome outcome-error";
      row.querySelector(".result").textContent = T("web.error", { error: e.message });
    }
    summary.textContent = T("web.error", { error: e.message });
    summary.className = "error";
  } finally {
    panel.dataset.state = "done";
    recall = null;
    setBusy(false);
  }
}

// -- the form (operators) --------------------------------------------------------------

// A room's cameras and their presets as the hub knows them ({camera: [preset…]}); {} when
// the hub knows none (the form then takes typed names).
function roomPresets(roomId) {
  if (!details.has(roomId)) {
    details.set(roomId, api("GET", "/rooms/" + encodeURIComponent(roomId)).then((d) => {
      const known = {};
      for (const device of d.devices || []) if (device.kind === "camera") known[device.id] = [];
      for (const [camera, names] of Object.entries(d.presets || {})) known[camera] = [...names];
      return known;
    }).catch(() => ({})));
  }
  return details.get(roomId);
}

// A <select> of the known values (the current one kept even if the hub no longer lists
// it), or a text field when the hub knows none.
function choiceField(cls, values, current) {
  if (!values.length) return el("input", { class: cls, value: current || "", maxlength: "64", autocomplete: "off" });
  const select = el("select", { class: cls }, el("option", { value: "" }, T("web.scenes.choose")));
  const all = current && !values.includes(current) ? [...values, current] : values;
  fillSelect(select, all);
  select.value = current || (values.length === 1 ? values[0] : "");
  return select;
}

function itemRows() { return [...document.querySelectorAll("#s-items tbody tr")]; }

function relabel() {
  itemRows().forEach((row, index) => {
    const n = index + 1;
    row.querySelector(".room").setAttribute("aria-label", T("web.scenes.item_room", { n }));
    row.querySelector(".camera").setAttribute("aria-label", T("web.scenes.item_camera", { n }));
    row.querySelector(".preset").setAttribute("aria-label", T("web.scenes.item_preset", { n }));
    row.querySelector(".remove").setAttribute("aria-label", T("web.scenes.item_remove", { n }));
  });
}

async function fillCameras(row, camera, preset) {
  const roomId = row.querySelector(".room").value;
  const known = roomId ? await roomPresets(roomId) : {};
  if (row.querySelector(".room").value !== roomId) return; // changed again meanwhile
  const cameraField = choiceField("camera", Object.keys(known).sort(), camera);
  row.querySelector("td.camera-cell").replaceChildren(cameraField);
  cameraField.addEventListener("change", () => fillPresets(row, known, ""));
  fillPresets(row, known, preset);
}

function fillPresets(row, known, preset) {
  const names = known[row.querySelector(".camera").value] || [];
  row.querySelector("td.preset-cell").replaceChildren(choiceField("preset", names, preset));
  relabel();
}

function addItem(item) {
  const roomSelect = el("select", { class: "room" }, el("option", { value: "" }, T("web.scenes.choose")));
  const districts = [...new Set([...rooms.values()].map((r) => r.district))].sort(byName);
  for (const district of districts) {
    const group = el("optgroup", { label: district });
    for (const r of rooms.values()) if (r.district === district) group.append(el("option", { value: r.id }, r.name));
    roomSelect.append(group);
  }
  if (item && !rooms.has(item.room_id)) roomSelect.append(el("option", { value: item.room_id }, roomName(item.room_id)));
  roomSelect.value = item ? item.room_id : "";
  const row = el("tr", { class: "item" },
    el("td", {}, roomSelect),
    el("td", { class: "camera-cell" }, el("input", { class: "camera", value: item ? item.camera : "", maxlength: "64" })),
    el("td", { class: "preset-cell" }, el("input", { class: "preset", value: item ? item.preset : "", maxlength: "64" })),
    el("td", {}, el("button", { type: "button", class: "remove", onclick: () => { row.remove(); relabel(); } }, T("web.scenes.remove"))));
  roomSelect.addEventListener("change", () => fillCameras(row, "", ""));
  document.querySelector("#s-items tbody").append(row);
  relabel();
  return fillCameras(row, item ? item.camera : "", item ? item.preset : "");
}

function resetForm() {
  editing = null;
  document.getElementById("scene-form").reset();
  document.querySelector("#s-items tbody").replaceChildren();
  document.getElementById("editor-h").textContent = T("web.scenes.new");
  document.getElementById("s-cancel").hidden = true;
  showError("");
}

function showError(text, field) {
  document.getElementById("s-error").textContent = text;
  for (const node of document.querySelectorAll("#scene-form [aria-invalid]")) node.removeAttribute("aria-invalid");
  if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
}

async function edit(s) {
  resetForm();
  editing = s;
  document.getElementById("editor-h").textContent = T("web.scenes.editing", { name: s.name });
  document.getElementById("s-name").value = s.name;
  document.getElementById("s-cancel").hidden = false;
  await Promise.all(s.items.map((i) => addItem(i)));
  document.getElementById("s-name").focus();
}

// The form's items, or an error said in the page's language with the field to fix.
function readItems() {
  const items = [];
  const seen = new Map();
  const rows = itemRows();
  for (const [index, row] of rows.entries()) {
    const n = index + 1;
    const room = row.querySelector(".room");
    const camera = row.querySelector(".camera");
    const preset = row.querySelector(".preset");
    for (const field of [room, camera, preset]) {
      if (!field.value.trim()) return { error: T("web.scenes.incomplete", { n }), field };
    }
    const key = itemKey(room.value, camera.value.trim());
    if (seen.has(key)) {
      return { error: T("web.scenes.twice", { n, first: seen.get(key), camera: camera.value.trim(), room: roomName(room.value) }), field: camera };
    }
    seen.set(key, n);
    items.push({ room_id: room.value, camera: camera.value.trim(), preset: preset.value.trim() });
  }
  if (!items.length) return { error: T("web.scenes.need_items"), field: document.getElementById("s-add") };
  return { items };
}

async function save(event) {
  event.preventDefault();
  const nameField = document.getElementById("s-name");
  const name = nameField.value.trim();
  if (!name) { showError(T("web.scenes.need_name"), nameField); return; }
  const read = readItems();
  if (read.error) { showError(read.error, read.field); return; }
  showError("");
  const body = { name, items: read.items };
  const button = document.getElementById("s-save");
  button.disabled = true;
  try {
    const saved = editing
      ? await api("PUT", "/scenes/" + editing.id, body)
      : await api("POST", "/scenes", body);
    toast(T("web.scenes.saved", { name: saved.name }), "good");
    resetForm();
    await loadScenes();
  } catch (e) {
    showError(e.message); // the hub's own message, in the page's language
  } finally {
    button.disabled = recall !== null;
  }
}

async function remove(s) {
  if (!window.confirm(T("web.scenes.confirm_delete", { name: s.name }))) return;
  try {
    await api("DELETE", "/scenes/" + s.id);
    toast(T("web.scenes.deleted", { name: s.name }), "good");
    if (editing && editing.id === s.id) resetForm();
    await loadScenes();
  } catch (e) { failed(e); }
}

document.addEventListener("DOMContentLoaded", async () => {
  if (CAN_COMMAND) {
    const source = liveEvents({ "scene.outcome": (o) => { if (recall !== null && o.recall_id === recall.id) showOutcome(o); } });
    source.addEventListener("open", () => { document.body.dataset.live = "1"; });
  }
  await loadRooms().catch(failed);
  const form = document.getElementById("scene-form");
  if (form) {
    form.addEventListener("submit", save);
    document.getElementById("s-add").addEventListener("click", async () => {
      await addItem(null);
      const rows = itemRows();
      rows[rows.length - 1].querySelector(".room").focus();
    });
    document.getElementById("s-cancel").addEventListener("click", resetForm);
  }
  await loadScenes().catch(failed);
  document.body.dataset.ready = "1";
});
