// The audit log: newest first, filtered by user / room / action, older rows on demand.
"use strict";

const PAGE_ROWS = 50;
const ARGS_MAX_CHARS = 160;
const KNOWN_ACTIONS = [
  "alert.ack", "auth.login", "auth.password", "meeting.create", "meeting.change",
  "meeting.delete", "meeting.import", "room.add", "room.delete", "room.enrolment_token",
  "room.import", "room.maintenance", "scene.create", "scene.update", "scene.delete",
  "token.create", "token.revoke", "user.create", "user.update", "user.password", "user.delete",
];
let roomsById = new Map();
let shown = 0;
let oldest = null; // id of the last row shown: the next page starts before it

function filters() {
  const query = new URLSearchParams({ limit: String(PAGE_ROWS) });
  const user = document.getElementById("audit-user").value.trim();
  const room = document.getElementById("audit-room").value;
  const action = document.getElementById("audit-action").value.trim();
  if (user) query.set("user", user);
  if (room) query.set("room", room);
  if (action) query.set("action", action);
  return query;
}

function argsText(args) {
  const text = args && Object.keys(args).length ? JSON.stringify(args) : "";
  return text.length > ARGS_MAX_CHARS ? text.slice(0, ARGS_MAX_CHARS - 1) + "…" : text;
}

function outcomeText(row) {
  const known = row.outcome === "ok" || row.outcome === "error";
  const label = known ? T("web.audit.outcome." + row.outcome) : row.outcome;
  return row.error ? label + ": " + row.error : label;
}

function auditRow(row) {
  const room = row.room_id ? (roomsById.get(row.room_id) || { name: row.room_id }).name : T("web.none");
  return el("tr", { "data-id": row.id, "data-action": row.action, class: "outcome-" + row.outcome },
    el("td", {}, vnTime(row.at)),
    el("td", { class: "who" }, row.who),
    el("td", {}, room),
    el("td", { class: "action" }, el("code", {}, row.action)),
    el("td", { class: "args" }, el("code", { title: JSON.stringify(row.args || {}) }, argsText(row.args))),
    el("td", { class: "outcome" }, outcomeText(row)),
    el("td", {}, (row.duration_s || 0).toFixed(2)));
}

async function page(more) {
  const query = filters();
  if (more && oldest !== null) query.set("before_id", String(oldest));
  const rows = await api("GET", "/audit?" + query.toString());
  const body = document.querySelector("#audit tbody");
  if (!more) { body.replaceChildren(); shown = 0; }
  body.append(...rows.map(auditRow));
  shown += rows.length;
  if (rows.length) oldest = rows[rows.length - 1].id;
  const actions = document.getElementById("audit-actions");
  const listed = new Set([...actions.options].map((o) => o.value));
  for (const row of rows) {
    if (!listed.has(row.action)) { actions.append(el("option", { value: row.action })); listed.add(row.action); }
  }
  document.getElementById("audit-more").hidden = rows.length < PAGE_ROWS;
  document.getElementById("audit-empty").hidden = shown > 0;
  document.getElementById("audit-count").textContent = T("web.audit.count", { count: shown });
}

document.addEventListener("DOMContentLoaded", async () => {
  const list = await api("GET", "/rooms").catch((e) => { failed(e); return []; });
  roomsById = new Map(list.map((r) => [r.id, r]));
  const select = document.getElementById("audit-room");
  for (const r of [...list].sort((a, b) => byName(a.name, b.name))) select.append(el("option", { value: r.id }, r.name));
  fillSelect(document.getElementById("audit-actions"), KNOWN_ACTIONS);
  document.getElementById("audit-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    oldest = null;
    page(false).catch(failed);
  });
  select.addEventListener("change", () => { oldest = null; page(false).catch(failed); });
  document.getElementById("audit-more").addEventListener("click", () => page(true).catch(failed));
  await page(false).catch(failed);
  document.body.dataset.ready = "1";
});
