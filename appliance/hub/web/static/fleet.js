// The fleet grid: every room as a tile, grouped by district, live from the event stream.
"use strict";

const THUMB_EVERY_MS = 30000;
const rooms = new Map(); // id → {room, detail, tile, visible, loaded}
// Details, presets and pictures only for the tiles on screen: a province's 31 rooms load
// at once, a country's thousands as the operator scrolls (no request storm at load).
const onScreen = new IntersectionObserver((seen) => {
  for (const item of seen) {
    const entry = rooms.get(item.target.dataset.room);
    if (!entry) continue;
    entry.visible = item.isIntersecting;
    if (entry.visible && !entry.loaded) {
      entry.loaded = true;
      loadDetail(entry);
    }
  }
}, { rootMargin: "200px" });

// The tile's colour is the room's health; a meeting under way is its own badge beside
// it (a healthy room in a meeting still counts under the "healthy" filter).
function tileStatus(room) {
  return roomStatus({ ...room, in_meeting: false });
}

function tileFor(room) {
  const status = tileStatus(room);
  const tile = el("article", { class: "tile status-" + status, id: "room-" + room.id, "data-room": room.id },
    el("h3", {}, el("a", { href: "/rooms/" + encodeURIComponent(room.id) }, room.name)),
    el("p", { class: "status", "data-status": status }, T("web.status." + status)),
    el("p", { class: "badge in-meeting", hidden: true }, T("web.status.in_meeting")),
    el("p", { class: "last-check" }, T("web.check.never")),
    el("img", { class: "thumb", alt: room.name, width: 160, height: 90, hidden: true }),
    el("div", { class: "presets row" }));
  return tile;
}

function setMeeting(entry) {
  const badge = entry.tile.querySelector(".in-meeting");
  badge.hidden = !entry.room.in_meeting;
  if (entry.room.in_meeting && entry.room.meeting) badge.title = entry.room.meeting.title || "";
  else badge.removeAttribute("title");
}

function setStatus(entry) {
  const status = tileStatus(entry.room);
  entry.tile.className = "tile status-" + status;
  const label = entry.tile.querySelector(".status");
  label.dataset.status = status;
  label.textContent = T("web.status." + status);
  applyFilters();
}

function setLastCheck(entry, overall, at) {
  const line = entry.tile.querySelector(".last-check");
  line.textContent = checkLabel(overall) + " · " + timeText(at);
  line.dataset.overall = overall || "";
}

function firstCamera(detail) {
  const cam = (detail.devices || []).find((d) => d.kind === "camera");
  return cam ? cam.id : null;
}

async function refreshThumb(entry) {
  const camera = entry.detail && firstCamera(entry.detail);
  if (!camera || !entry.room.online) return;
  const img = entry.tile.querySelector(".thumb");
  try {
    const url = "/api/v1/rooms/" + encodeURIComponent(entry.room.id) + "/cameras/" +
      encodeURIComponent(camera) + "/snapshot";
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const blob = await response.blob();
    if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(blob);
    img.hidden = false;
    img.dataset.loaded = String(Date.now());
  } catch (e) { /* the next round tries again */ }
}

function presetButtons(entry) {
  const box = entry.tile.querySelector(".presets");
  box.replaceChildren();
  if (!CAN_COMMAND || !entry.detail) return;
  for (const [camera, names] of Object.entries(entry.detail.presets || {})) {
    for (const name of names) {
      box.append(el("button", {
        type: "button", class: "preset", "data-camera": camera, "data-preset": name,
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          try {
            await api("POST", "/rooms/" + encodeURIComponent(entry.room.id) + "/cameras/" +
              encodeURIComponent(camera) + "/presets/" + encodeURIComponent(name) + "/recall");
            toast(T("web.preset.recalled", { room: entry.room.name, preset: name }), "good");
            refreshThumb(entry);
          } catch (e) { failed(e); } finally { button.disabled = false; }
        },
      }, name));
    }
  }
}

async function loadDetail(entry) {
  try {
    entry.detail = await api("GET", "/rooms/" + encodeURIComponent(entry.room.id));
    presetButtons(entry);
    refreshThumb(entry);
  } catch (e) { /* offline rooms have little detail: keep the tile */ }
  try {
    const checks = await api("GET", "/rooms/" + encodeURIComponent(entry.room.id) + "/checks?limit=1");
    if (checks.length) setLastCheck(entry, checks[0].overall, checks[0].at);
  } catch (e) { /* no history yet */ }
}

function applyFilters() {
  const district = document.getElementById("filter-district").value;
  const status = document.getElementById("filter-status").value;
  let shown = 0;
  for (const entry of rooms.values()) {
    const visible = (!district || entry.room.district === district) &&
      (!status || roomStatus(entry.room) === status);
    entry.tile.hidden = !visible;
    if (visible) shown += 1;
  }
  for (const group of document.querySelectorAll(".district")) {
    group.hidden = !group.querySelector(".tile:not([hidden])");
  }
  document.getElementById("fleet-count").textContent = T("web.fleet.count", { shown, total: rooms.size });
}

async function load() {
  const list = await api("GET", "/rooms");
  const fleet = document.getElementById("fleet");
  fleet.replaceChildren();
  if (!list.length) fleet.append(el("p", {}, T("web.no_rooms")));
  const districts = [...new Set(list.map((r) => r.district))].sort((a, b) => a.localeCompare(b, "vi"));
  const select = document.getElementById("filter-district");
  for (const d of districts) select.append(el("option", { value: d }, d));
  for (const district of districts) {
    const grid = el("div", { class: "tiles" });
    fleet.append(el("section", { class: "district", "aria-label": district }, el("h2", {}, district), grid));
    for (const room of list.filter((r) => r.district === district)) {
      const entry = { room, detail: null, tile: tileFor(room), visible: false, loaded: false };
      rooms.set(room.id, entry);
      setMeeting(entry);
      grid.append(entry.tile);
      onScreen.observe(entry.tile);
    }
  }
  fleet.setAttribute("aria-busy", "false");
  applyFilters();
}

function onPresence(event) {
  const entry = rooms.get(event.room_id);
  if (!entry) return;
  entry.room.online = event.online;
  entry.room.status = event.online ? (event.health || entry.room.health || "unknown") : "offline";
  if (event.health) entry.room.health = event.health;
  setStatus(entry);
  if (event.online && !entry.detail && entry.visible) loadDetail(entry);
}

function onHealth(event) {
  const entry = rooms.get(event.room_id);
  if (!entry) return;
  entry.room.health = event.health;
  if (entry.room.online) entry.room.status = event.health;
  setStatus(entry);
}

function onMeeting(event) {
  const entry = rooms.get(event.room_id);
  if (!entry) return;
  entry.room.in_meeting = Boolean(event.in_meeting);
  entry.room.meeting = event.in_meeting ? { meeting_id: event.meeting_id, title: event.title, starts_at: event.starts_at, ends_at: event.ends_at } : null;
  setMeeting(entry);
}

function onCheckResult(event) {
  const entry = rooms.get(event.room_id);
  if (entry) setLastCheck(entry, event.overall, event.at);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("filter-district").addEventListener("change", applyFilters);
  document.getElementById("filter-status").addEventListener("change", applyFilters);
  load().catch(failed);
  liveEvents({
    presence: onPresence,
    health: onHealth,
    "check.result": onCheckResult,
    meeting: onMeeting,
    resync: () => location.reload(),
  });
  setInterval(() => {
    for (const entry of rooms.values()) if (entry.visible) refreshThumb(entry);
  }, THUMB_EVERY_MS);
});
