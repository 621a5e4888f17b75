// Rooms administration (administrators): add a room, issue its enrolment token (shown
// once, with a copy button), maintenance on / off.
"use strict";

function roomRow(room) {
  const maintenance = el("button", {
    type: "button", class: "maintenance", "aria-pressed": room.maintenance ? "true" : "false",
    onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        await api("PUT", "/rooms/" + encodeURIComponent(room.id) + "/maintenance", { on: !room.maintenance });
        toast(T(room.maintenance ? "web.rooms_admin.maintenance_unset" : "web.rooms_admin.maintenance_set", { room: room.name }), "good");
        await load();
      } catch (e) { failed(e); button.disabled = false; }
    },
  }, room.maintenance ? T("web.rooms_admin.maintenance_off") : T("web.rooms_admin.maintenance_on"));
  const token = el("button", {
    type: "button", class: "token", "aria-label": T("web.rooms_admin.token_label", { room: room.name }),
    onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        const issued = await api("POST", "/rooms/" + encodeURIComponent(room.id) + "/enrolment-token", {});
        showToken(room, issued);
      } catch (e) { failed(e); } finally { button.disabled = false; }
    },
  }, T("web.rooms_admin.token"));
  const status = roomStatus(room);
  return el("tr", { "data-room": room.id, id: "admin-room-" + room.id },
    el("th", { scope: "row" }, el("code", {}, room.id)),
    el("td", {}, el("a", { href: "/rooms/" + encodeURIComponent(room.id) }, room.name)),
    el("td", {}, room.district),
    el("td", { class: "enrolled" }, room.enrolled ? T("web.yes") : T("web.no")),
    el("td", {}, el("span", { class: "badge status-" + status }, T("web.status." + status))),
    el("td", { class: "maintenance-state" }, room.maintenance ? T("web.yes") : T("web.no")),
    el("td", {}, el("div", { class: "row" }, maintenance, token)));
}

function showToken(room, issued) {
  const box = document.getElementById("token-box");
  document.getElementById("token-h").textContent = T("web.rooms_admin.token_for", { room: room.name, time: vnTime(issued.expires_at) });
  const field = document.getElementById("token-value");
  field.value = issued.token;
  box.dataset.room = room.id;
  box.hidden = false;
  field.focus();
  field.select();
}

async function copyToken() {
  const field = document.getElementById("token-value");
  try {
    // The clipboard API needs a secure context (https or localhost); a hub on a plain
    // LAN address falls back to the selection.
    if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(field.value);
    else { field.select(); document.execCommand("copy"); }
    toast(T("web.rooms_admin.copied"), "good");
  } catch (e) { field.select(); failed(e); }
}

async function load() {
  const rooms = await api("GET", "/rooms");
  rooms.sort((a, b) => byName(a.district, b.district) || byName(a.name, b.name));
  document.querySelector("#rooms-admin tbody").replaceChildren(...rooms.map(roomRow));
  const known = document.getElementById("known-districts");
  known.replaceChildren();
  fillSelect(known, [...new Set(rooms.map((r) => r.district))].sort(byName));
}

async function add(event) {
  event.preventDefault();
  const error = document.getElementById("ra-error");
  error.textContent = "";
  const body = {
    id: document.getElementById("ra-id").value.trim(),
    name: document.getElementById("ra-name").value.trim(),
    district: document.getElementById("ra-district").value.trim(),
  };
  try {
    const room = await api("POST", "/rooms", body);
    toast(T("web.rooms_admin.added", { room: room.name }), "good");
    document.getElementById("room-form").reset();
    await load();
  } catch (e) { error.textContent = e.message; }
}

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("room-form").addEventListener("submit", add);
  document.getElementById("token-copy").addEventListener("click", copyToken);
  await load().catch(failed);
  document.body.dataset.ready = "1";
});
