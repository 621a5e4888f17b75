// Shared by every page: texts, the JSON API with the session's CSRF token, the event
// stream, small DOM helpers. No framework, no build step, nothing from outside the hub.
"use strict";

const LANG = document.body.dataset.lang || "vi";
const CAN_COMMAND = document.body.dataset.canCommand === "1";
const CAN_OPERATE = document.body.dataset.canOperate === "1";
const TEXTS = JSON.parse(document.getElementById("texts").textContent);

function T(key, params) {
  let text = TEXTS[key] || key;
  for (const [name, value] of Object.entries(params || {})) {
    text = text.split("{" + name + "}").join(String(value));
  }
  return text;
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|; )hub_csrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : "";
}

class RawBody {
  constructor(text, type) { this.text = text; this.type = type; }
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.detail)) || "HTTP " + status);
    this.status = status;
    this.body = body;
  }
}

// body: sent as JSON; or {text, type} to send a file's text as it is (text/calendar…).
async function api(method, path, body) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { "Accept-Language": LANG, "X-CSRF-Token": csrfToken() },
  };
  if (body instanceof RawBody) {
    init.headers["Content-Type"] = body.type;
    init.body = body.text;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch("/api/v1" + path, init);
  if (response.status === 401 && !location.pathname.startsWith("/login")) {
    location.href = "/login?next=" + encodeURIComponent(location.pathname);
    throw new ApiError(401, null);
  }
  const type = response.headers.get("content-type") || "";
  // A 204 may still say JSON (FastAPI's default response class) but has no body.
  const text = type.includes("json") ? await response.text() : "";
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let toastTimer = null;
function toast(message, kind) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = "show " + (kind || "info");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.className = ""; }, 5000);
}

function failed(error) {
  toast(T("web.error", { error: error.message }), "bad");
}

// The hub's Server-Sent Events; the browser reconnects by itself (retry from the hub).
function liveEvents(handlers) {
  const source = new EventSource("/api/v1/events");
  for (const [kind, handler] of Object.entries(handlers)) {
    source.addEventListener(kind, (event) => handler(JSON.parse(event.data)));
  }
  return source;
}

// A room's colour and label: maintenance › offline › the agent's health.
function roomStatus(room) {
  if (room.maintenance) return "maintenance";
  if (room.in_meeting && room.online) return "in_meeting";
  return room.status || (room.online ? room.health : "offline");
}

function checkLabel(overall) {
  return T("web.check.result." + (overall || "none"));
}

function timeText(epoch) {
  if (!epoch) return T("web.check.never");
  return new Date(epoch * 1000).toLocaleString(LANG === "vi" ? "vi-VN" : "en-GB");
}

// The province's wall clock (UTC+7, no daylight saving), whatever the browser's zone:
// meetings are planned in Vietnam time. "dd/mm/yyyy HH:MM".
const VN_OFFSET_S = 7 * 3600;
function vnParts(epoch) {
  return new Date((epoch + VN_OFFSET_S) * 1000).toISOString(); // "yyyy-mm-ddTHH:MM:SS.sssZ"
}
function vnTime(epoch) {
  if (!epoch) return T("web.check.never");
  const iso = vnParts(epoch);
  return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) + " " + iso.slice(11, 16);
}
// For <input type=datetime-local> / <input type=date> (the API reads zone-less as UTC+7).
function vnInput(epoch) { return vnParts(epoch).slice(0, 16); }
function vnDate(epoch) { return vnParts(epoch).slice(0, 10); }

function byName(a, b) { return a.localeCompare(b, "vi"); }

function fillSelect(select, values, label) {
  for (const value of values) select.append(el("option", { value }, label ? label(value) : value));
}

function message(texts) {
  if (!texts) return "";
  return texts[LANG] || texts.vi || texts.en || "";
}

document.addEventListener("DOMContentLoaded", () => {
  const logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      try { await api("POST", "/auth/logout"); } catch (e) { /* gone anyway */ }
      location.href = "/login";
    });
  }
});
