// The meeting schedule: the next 7 days, the rooms in meeting now (live), and for
// operators a form to add / change a meeting and an iCalendar import.
"use strict";

const MAX_ROOM_NAMES = 5;
let roomsById = new Map();
let meetings = [];
let editing = null; // the meeting being changed, or null for a new one

function roomNames(ids) {
  const names = ids.map((id) => (roomsById.get(id) || { name: id }).name);
  if (names.length <= MAX_ROOM_NAMES) return names.join(", ");
  return names.slice(0, MAX_ROOM_NAMES).join(", ") + " " +
    T("web.meeting.more_rooms", { count: names.length - MAX_ROOM_NAMES });
}

function meetingRow(m) {
  const occ = m.next || { starts_at: m.starts_at, ends_at: m.ends_at, check_at: null };
  const start = vnTime(occ.starts_at) + (m.in_progress ? " (" + T("web.meeting.under_way") + ")" : "");
  const row = el("tr", { id: "meeting-" + m.id, "data-meeting": m.id, class: m.in_progress ? "under-way" : null },
    el("td", { class: "title" }, m.title),
    el("td", { class: "rooms" }, roomNames(m.rooms)),
    el("td", { class: "start" }, start),
    el("td", { class: "end" }, vnTime(occ.ends_at)),
    el("td", {}, m.weekly ? T("web.yes") : T("web.no")),
    el("td", { class: "check-at" }, occ.check_at ? vnTime(occ.check_at) : T("web.meeting.no_check")),
    el("td", {}, m.last_fleet_check
      ? el("a", { class: "last-check", href: "/checks?id=" + encodeURIComponent(m.last_fleet_check) }, T("web.meeting.see_check"))
      : T("web.none")));
  if (CAN_OPERATE) {
    row.append(el("td", {}, el("div", { class: "row" },
      el("button", { type: "button", class: "edit", "aria-label": T("web.meeting.edit_label", { title: m.title }), onclick: () => edit(m) }, T("web.edit")),
      el("button", { type: "button", class: "delete danger", "aria-label": T("web.meeting.delete_label", { title: m.title }), onclick: () => remove(m) }, T("web.delete")))));
  }
  return row;
}

function renderMeetings() {
  const sorted = [...meetings].sort((a, b) => ((a.next || a).starts_at || 0) - ((b.next || b).starts_at || 0));
  document.querySelector("#meetings tbody").replaceChildren(...sorted.map(meetingRow));
  document.getElementById("no-meetings").hidden = sorted.length > 0;
}

function renderInMeeting() {
  const now = [...roomsById.values()].filter((r) => r.in_meeting)
    .sort((a, b) => byName(a.name, b.name));
  document.getElementById("in-meeting").replaceChildren(...now.map((r) => el("li", { "data-room": r.id },
    el("span", { class: "badge in-meeting" }, T("web.status.in_meeting")), " ",
    T("web.meeting.in_room", {
      room: r.name, title: (r.meeting && r.meeting.title) || "", end: r.meeting ? vnTime(r.meeting.ends_at) : "",
    }))));
  document.getElementById("nobody-in-meeting").hidden = now.length > 0;
}

async function loadMeetings() {
  meetings = await api("GET", "/meetings");
  renderMeetings();
}

async function loadRooms() {
  const list = await api("GET", "/rooms");
  roomsById = new Map(list.map((r) => [r.id, r]));
  renderInMeeting();
  return list;
}

// -- the form (operators) ------------------------------------------------------------

function roomChoices(list) {
  const box = document.getElementById("m-rooms");
  const districts = [...new Set(list.map((r) => r.district))].sort(byName);
  for (const district of districts) {
    const group = el("div", { class: "choice-group", role: "group", "aria-label": district }, el("strong", {}, district));
    for (const r of list.filter((x) => x.district === district).sort((a, b) => byName(a.name, b.name))) {
      group.append(el("label", {}, el("input", { type: "checkbox", name: "m-room", value: r.id }), " " + r.name));
    }
    box.append(group);
  }
}

function resetForm() {
  editing = null;
  document.getElementById("meeting-form").reset();
  document.getElementById("editor-h").textContent = T("web.meeting.new");
  document.getElementById("m-cancel").hidden = true;
  document.getElementById("m-error").textContent = "";
}

function edit(m) {
  editing = m;
  document.getElementById("editor-h").textContent = T("web.meeting.editing", { title: m.title });
  document.getElementById("m-title").value = m.title;
  document.getElementById("m-start").value = vnInput(m.starts_at);
  document.getElementById("m-end").value = vnInput(m.ends_at);
  for (const box of document.querySelectorAll("input[name=m-room]")) box.checked = m.rooms.includes(box.value);
  document.getElementById("m-weekly").checked = m.weekly;
  document.getElementById("m-until").value = m.until_at ? vnDate(m.until_at) : "";
  document.getElementById("m-check").value = String(Math.round(m.check_before_min));
  document.getElementById("m-power").checked = m.power_on;
  document.getElementById("m-cancel").hidden = false;
  document.getElementById("m-error").textContent = "";
  document.getElementById("m-title").focus();
}

async function save(event) {
  event.preventDefault();
  const error = document.getElementById("m-error");
  error.textContent = "";
  const roomIds = [...document.querySelectorAll("input[name=m-room]:checked")].map((i) => i.value);
  if (!roomIds.length) { error.textContent = T("web.meeting.pick_rooms"); return; }
  const weekly = document.getElementById("m-weekly").checked;
  const until = document.getElementById("m-until").value;
  const body = {
    title: document.getElementById("m-title").value.trim(),
    // Zone-less: the hub reads them as Vietnam time (UTC+7), as the labels say.
    start: document.getElementById("m-start").value,
    end: document.getElementById("m-end").value,
    room_ids: roomIds,
    weekly,
    until: weekly && until ? until + "T23:59:59" : null,
    check_before_min: Number(document.getElementById("m-check").value),
    power_on: document.getElementById("m-power").checked,
  };
  try {
    const saved = editing
      ? await api("PUT", "/meetings/" + editing.id, body)
      : await api("POST", "/meetings", body);
    toast(T("web.meeting.saved", { title: saved.title }), "good");
    resetForm();
    await loadMeetings();
  } catch (e) {
    error.textContent = e.message;
  }
}

async function remove(m) {
  if (!window.confirm(T("web.meeting.confirm_delete", { title: m.title }))) return;
  try {
    await api("DELETE", "/meetings/" + m.id);
    toast(T("web.meeting.deleted", { title: m.title }), "good");
    if (editing && editing.id === m.id) resetForm();
    await loadMeetings();
  } catch (e) { failed(e); }
}

async function importCalendar(event) {
  event.preventDefault();
  const result = document.getElementById("ical-result");
  result.textContent = "";
  result.className = "span";
  const file = document.getElementById("ical-file").files[0];
  if (!file) { result.textContent = T("web.ical.no_file"); return; }
  const minutes = Number(document.getElementById("ical-check").value);
  try {
    const outcome = await api("POST", "/meetings/import?check_before_min=" + encodeURIComponent(minutes),
      new RawBody(await file.text(), "text/calendar"));
    result.textContent = T("web.ical.done", { created: outcome.created.length, updated: outcome.updated.length });
    result.className = "span good";
    document.getElementById("ical-form").reset();
    await loadMeetings();
  } catch (e) {
    result.textContent = T("web.error", { error: e.message });
    result.className = "span error";
  }
}

// -- live ----------------------------------------------------------------------------

function onMeeting(event) {
  const room = roomsById.get(event.room_id);
  if (room) {
    room.in_meeting = Boolean(event.in_meeting);
    room.meeting = event.in_meeting
      ? { meeting_id: event.meeting_id, title: event.title, starts_at: event.starts_at, ends_at: event.ends_at }
      : null;
    renderInMeeting();
  }
  loadMeetings().catch(() => {}); // its "under way" flag
}

async function onMeetingCheck(event) {
  toast(T("web.meeting.check_started", { title: event.title || "" }), "info");
  await loadMeetings().catch(() => {});
  // The hub stores the run's id just after it announces it: take it from the event.
  const m = meetings.find((x) => x.id === event.meeting_id);
  if (m && event.fleet_id && m.last_fleet_check !== event.fleet_id) {
    m.last_fleet_check = event.fleet_id;
    renderMeetings();
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  liveEvents({
    meeting: onMeeting,
    "meeting.check": onMeetingCheck,
    resync: () => { loadRooms().catch(failed); loadMeetings().catch(failed); },
  });
  const list = await loadRooms().catch((e) => { failed(e); return []; });
  const form = document.getElementById("meeting-form");
  if (form) {
    roomChoices(list);
    form.addEventListener("submit", save);
    document.getElementById("m-cancel").addEventListener("click", resetForm);
    document.getElementById("ical-form").addEventListener("submit", importCalendar);
  }
  await loadMeetings().catch(failed);
  document.body.dataset.ready = "1";
});
