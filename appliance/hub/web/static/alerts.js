// Alerts: what is wrong now (open, acknowledged) and what was (resolved), filtered by
// state, district and room, acknowledged with one button, live from the event stream.
"use strict";

const HISTORY_LIMIT = 200;
const alerts = new Map(); // id → alert (GET /alerts/{id} shape, with its data)
let roomsById = new Map();

function roomName(id) {
  const room = roomsById.get(id);
  return room ? room.name : id;
}

function ruleText(alert) {
  return T("web.alert.rule." + alert.rule);
}

// The details from the alert's data, in the page's language (the stored summary is
// Vietnamese: it is written for the notifications).
function detailText(alert) {
  const data = alert.data || {};
  if (alert.rule === "check_failed" && (data.failed_items || []).length) {
    return T("web.alert.failed_items", { items: data.failed_items.join(", ") });
  }
  if (alert.rule === "device_lost") {
    return T("web.alert.device", { device: alert.subject, state: [data.state, data.error].filter(Boolean).join(" ") });
  }
  if (alert.rule === "offline" && data.reason) return T("web.alert.reason", { reason: data.reason });
  return alert.subject || T("web.none");
}

function ackedText(alert) {
  if (!alert.acked_by) return T("web.none");
  return T("web.alert.acked_line", { who: alert.acked_by, time: vnTime(alert.acked_at) });
}

function roomCell(alert) {
  return el("td", {}, el("a", { href: "/rooms/" + encodeURIComponent(alert.room_id) }, roomName(alert.room_id)));
}

function severityCell(alert) {
  return el("td", {}, el("span", { class: "badge severity-" + alert.severity }, T("web.alert.severity." + alert.severity)));
}

function ackButton(alert) {
  if (alert.state !== "open") return "";
  const label = T("web.alerts.ack_label", { room: roomName(alert.room_id), rule: ruleText(alert) });
  return el("button", {
    type: "button", class: "ack", "data-alert": alert.id, "aria-label": label,
    onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        const acked = await api("POST", "/alerts/" + alert.id + "/ack");
        upsert(acked);
        toast(T("web.alerts.acked", { room: roomName(acked.room_id), rule: ruleText(acked) }), "good");
      } catch (e) {
        button.disabled = false;
        failed(e);
        if (e.status === 409 || e.status === 404) refreshOne(alert.id);
      }
    },
  }, T("web.alerts.ack"));
}

function activeRow(alert) {
  const row = el("tr", { id: "alert-" + alert.id, class: "alert state-" + alert.state, "data-state": alert.state, "data-room": alert.room_id, "data-rule": alert.rule },
    el("td", {}, vnTime(alert.raised_at)),
    roomCell(alert),
    el("td", {}, ruleText(alert)),
    severityCell(alert),
    el("td", { class: "detail" }, detailText(alert)),
    el("td", { class: "state" }, T("web.alert.state." + alert.state)),
    el("td", { class: "acked" }, ackedText(alert)));
  if (CAN_COMMAND) row.append(el("td", {}, ackButton(alert)));
  return row;
}

function historyRow(alert) {
  return el("tr", { id: "alert-" + alert.id, class: "alert state-resolved", "data-state": alert.state, "data-room": alert.room_id, "data-rule": alert.rule },
    el("td", {}, vnTime(alert.raised_at)),
    el("td", {}, vnTime(alert.resolved_at)),
    roomCell(alert),
    el("td", {}, ruleText(alert)),
    severityCell(alert),
    el("td", { class: "detail" }, detailText(alert)),
    el("td", { class: "acked" }, ackedText(alert)));
}

function wanted(alert) {
  const state = document.getElementById("filter-state").value;
  const district = document.getElementById("filter-district").value;
  const room = document.getElementById("filter-room").value;
  const r = roomsById.get(alert.room_id);
  return (!state || alert.state === state) && (!room || alert.room_id === room) &&
    (!district || (r && r.district === district));
}

function render() {
  const all = [...alerts.values()].sort((a, b) => b.raised_at - a.raised_at || b.id - a.id);
  const active = all.filter((a) => a.state !== "resolved");
  const history = all.filter((a) => a.state === "resolved")
    .sort((a, b) => (b.resolved_at || 0) - (a.resolved_at || 0));
  const shownActive = active.filter(wanted);
  const shownHistory = history.filter(wanted).slice(0, HISTORY_LIMIT);
  document.querySelector("#active-alerts tbody").replaceChildren(...shownActive.map(activeRow));
  document.querySelector("#history-alerts tbody").replaceChildren(...shownHistory.map(historyRow));
  document.getElementById("active-empty").hidden = shownActive.length > 0;
  document.getElementById("history-empty").hidden = shownHistory.length > 0;
  const state = document.getElementById("filter-state").value;
  document.getElementById("active-section").hidden = state === "resolved";
  document.getElementById("history-section").hidden = state === "open" || state === "acknowledged";
  document.getElementById("alert-count").textContent = T("web.alerts.count", {
    active: active.length, open: active.filter((a) => a.state === "open").length,
  });
}

function upsert(alert) {
  alerts.set(alert.id, alert);
  render();
}

async function refreshOne(id) {
  try { upsert(await api("GET", "/alerts/" + id)); } catch (e) { /* not ours to see */ }
}

async function load() {
  const room = document.getElementById("filter-room").value;
  const query = room ? "&room=" + encodeURIComponent(room) : "";
  const [active, history] = await Promise.all([
    api("GET", "/alerts?state=active&limit=1000" + query),
    api("GET", "/alerts?state=resolved&limit=" + HISTORY_LIMIT + query),
  ]);
  alerts.clear();
  for (const alert of [...active, ...history]) alerts.set(alert.id, alert);
  render();
}

// The stream's alert events carry the alert's fields but not always its data: the row
// is read again from the API (which also applies the caller's scope).
async function onAlert(event) {
  await refreshOne(event.id);
  const alert = alerts.get(event.id);
  if (!alert) return;
  const params = { room: roomName(alert.room_id), rule: ruleText(alert) };
  if (event.event === "firing") toast(T("web.alerts.new", params), "bad");
  else if (event.event === "resolved") toast(T("web.alerts.gone", params), "good");
}

document.addEventListener("DOMContentLoaded", async () => {
  const list = await api("GET", "/rooms").catch((e) => { failed(e); return []; });
  roomsById = new Map(list.map((r) => [r.id, r]));
  fillSelect(document.getElementById("filter-district"), [...new Set(list.map((r) => r.district))].sort(byName));
  const roomSelect = document.getElementById("filter-room");
  for (const r of [...list].sort((a, b) => byName(a.name, b.name))) roomSelect.append(el("option", { value: r.id }, r.name));
  document.getElementById("filter-state").addEventListener("change", render);
  document.getElementById("filter-district").addEventListener("change", render);
  roomSelect.addEventListener("change", () => load().catch(failed));
  document.getElementById("alert-filters").addEventListener("submit", (e) => e.preventDefault());
  liveEvents({ alert: onAlert, resync: () => load().catch(failed) });
  await load().catch(failed);
  document.body.dataset.ready = "1";
});
