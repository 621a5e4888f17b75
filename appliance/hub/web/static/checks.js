// The fleet check: start it on all / a district / chosen rooms, follow each room's
// progress, then the results matrix (rooms × items); a cell shows its message and fix.
"use strict";

let roomsById = new Map();
let current = null; // the fleet run
const results = new Map(); // room id → stored check result
let pollTimer = null;

function progressRow(rc) {
  const room = roomsById.get(rc.room_id) || { name: rc.room_id };
  let row = document.getElementById("progress-" + rc.room_id);
  if (!row) {
    row = el("li", { id: "progress-" + rc.room_id, "data-room": rc.room_id },
      el("label", { for: "bar-" + rc.room_id }, room.name),
      el("progress", { id: "bar-" + rc.room_id, max: 1, value: 0 }),
      el("span", { class: "state" }, ""));
    document.getElementById("room-progress").append(row);
  }
  const bar = row.querySelector("progress");
  const finished = rc.state === "done" || rc.state === "failed" || rc.overall;
  bar.max = Math.max(rc.total || 1, 1);
  bar.value = finished ? bar.max : (rc.done || 0);
  row.querySelector(".state").textContent = rc.overall ? checkLabel(rc.overall)
    : rc.error ? T("web.check.failed_room", { error: rc.error.message || rc.error.kind || "" })
    : (rc.done || 0) + "/" + (rc.total || "?");
  row.className = "state-" + (rc.overall || rc.state || "");
}

function overall(run) {
  const rooms = run.rooms || [];
  let sum = 0;
  for (const rc of rooms) {
    const finished = rc.overall || rc.error || rc.state === "done" || rc.state === "failed";
    sum += finished ? 1 : (rc.total ? (rc.done || 0) / rc.total : 0);
  }
  const percent = rooms.length ? Math.round((100 * sum) / rooms.length) : 0;
  document.getElementById("overall-progress").value = percent;
  document.getElementById("overall-text").textContent = percent + " %";
  return percent;
}

async function poll() {
  if (!current) return;
  try {
    current = await api("GET", "/checks/" + encodeURIComponent(current.id));
  } catch (e) { return; }
  for (const rc of current.rooms) progressRow(rc);
  overall(current);
  if (current.finished_at) {
    clearInterval(pollTimer);
    pollTimer = null;
    await loadResults();
  }
}

async function loadResults() {
  results.clear();
  await Promise.all(current.rooms.filter((rc) => rc.run_id).map(async (rc) => {
    try {
      results.set(rc.room_id, await api("GET", "/rooms/" + encodeURIComponent(rc.room_id) +
        "/checks/" + encodeURIComponent(rc.run_id)));
    } catch (e) { /* shown as missing */ }
  }));
  matrix();
}

function matrix() {
  const table = document.getElementById("matrix");
  table.replaceChildren();
  const itemIds = [];
  for (const result of results.values()) {
    for (const item of result.data.results || []) {
      if (!itemIds.includes(item.id)) itemIds.push(item.id);
    }
  }
  const head = el("tr", {}, el("th", { scope: "col" }, T("web.csv.room")));
  for (const id of itemIds) head.append(el("th", { scope: "col", class: "item-id" }, id));
  table.append(el("thead", {}, head));
  const body = el("tbody");
  for (const rc of current.rooms) {
    const room = roomsById.get(rc.room_id) || { name: rc.room_id };
    const result = results.get(rc.room_id);
    const row = el("tr", { "data-room": rc.room_id, class: "overall-" + (result ? result.overall : "none") },
      el("th", { scope: "row" }, room.name + " · " + checkLabel(result ? result.overall : null)));
    const byId = new Map(((result && result.data.results) || []).map((i) => [i.id, i]));
    for (const id of itemIds) {
      const item = byId.get(id);
      const status = item ? item.status : "none";
      row.append(el("td", { class: "cell status-" + status },
        el("button", {
          type: "button", class: "cell-button", "data-item": id, "data-status": status,
          "aria-label": room.name + " · " + id + " · " + checkLabel(status),
          onclick: () => showCell(room, rc, item),
        }, checkLabel(status))));
    }
    body.append(row);
  }
  table.append(body);
  document.getElementById("export-csv").disabled = results.size === 0;
}

function showCell(room, rc, item) {
  const box = document.getElementById("cell-detail");
  box.replaceChildren();
  if (!item) { box.append(el("p", {}, checkLabel(null))); return; }
  box.append(
    el("h3", {}, room.name + " · " + item.id + " · " + checkLabel(item.status)),
    el("p", { class: "message" }, message(item.message)),
    el("p", { class: "hint" }, T("web.check.hint") + ": " + (message(item.remediation) || "—")));
  for (const name of Object.values(item.evidence || {})) {
    if (/\.(jpe?g|png)$/i.test(name)) {
      box.append(el("img", {
        class: "evidence", alt: T("web.check.evidence") + " " + name, width: 320,
        src: "/api/v1/rooms/" + encodeURIComponent(rc.room_id) + "/checks/" + encodeURIComponent(rc.run_id) + "/evidence/" + encodeURIComponent(name),
      }));
    }
  }
}

function exportCsv() {
  const quote = (v) => '"' + String(v ?? "").replaceAll('"', '""') + '"';
  const lines = [[T("web.csv.room"), T("web.csv.item"), T("web.csv.status"), T("web.csv.message"), T("web.csv.hint")].map(quote).join(",")];
  for (const rc of current.rooms) {
    const room = roomsById.get(rc.room_id) || { name: rc.room_id };
    const result = results.get(rc.room_id);
    for (const item of (result && result.data.results) || []) {
      lines.push([room.name, item.id, item.status, message(item.message), message(item.remediation)].map(quote).join(","));
    }
  }
  // UTF-8 with a BOM: spreadsheets then read the Vietnamese letters right.
  const blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
  const link = el("a", { href: URL.createObjectURL(blob), download: "kiem-tra-" + current.id + ".csv" });
  document.body.append(link);
  link.click();
  link.remove();
}

async function start(event) {
  event.preventDefault();
  const scope = document.querySelector("input[name=scope]:checked").value;
  const body = scope === "all" ? { all: true }
    : scope === "district" ? { district: document.getElementById("check-district").value }
    : { room_ids: [...document.querySelectorAll("#check-rooms input:checked")].map((i) => i.value) };
  try {
    current = await api("POST", "/checks", body);
  } catch (e) { failed(e); return; }
  document.getElementById("room-progress").replaceChildren();
  document.getElementById("matrix").replaceChildren();
  for (const rc of current.rooms) progressRow(rc);
  overall(current);
  clearInterval(pollTimer);
  pollTimer = setInterval(poll, 1000);
}

function onProgress(event) {
  if (!current) return;
  const rc = current.rooms.find((r) => r.room_id === event.room_id);
  if (!rc || (event.id && event.id !== current.id)) return;
  Object.assign(rc, event);
  progressRow(rc);
  overall(current);
}

document.addEventListener("DOMContentLoaded", async () => {
  const list = await api("GET", "/rooms").catch((e) => { failed(e); return []; });
  roomsById = new Map(list.map((r) => [r.id, r]));
  const form = document.getElementById("check-form");
  if (form) {
    const districts = [...new Set(list.map((r) => r.district))].sort((a, b) => a.localeCompare(b, "vi"));
    for (const d of districts) document.getElementById("check-district").append(el("option", { value: d }, d));
    const choices = document.getElementById("check-rooms");
    for (const r of list) {
      choices.append(el("label", {}, el("input", { type: "checkbox", value: r.id }), " " + r.name));
    }
    form.addEventListener("submit", start);
  }
  document.getElementById("export-csv").addEventListener("click", exportCsv);
  liveEvents({ "fleet.progress": onProgress, "fleet.done": () => poll() });
  // /checks?id=F: one earlier run (the schedule page links a meeting's automatic check).
  const shown = new URLSearchParams(location.search).get("id");
  if (shown) await show(shown);
  document.body.dataset.ready = "1"; // the form's handler is on (before: a native submit)
});

async function show(fleetId) {
  try {
    current = await api("GET", "/checks/" + encodeURIComponent(fleetId));
  } catch (e) { failed(e); return; }
  for (const rc of current.rooms) progressRow(rc);
  overall(current);
  if (current.finished_at) await loadResults();
  else pollTimer = setInterval(poll, 1000);
}
