// Accounts (administrators): list, create, change role and districts, reset a
// password, disable / enable. Every change goes through the API (and its audit log).
"use strict";

const ROLES = ["viewer", "technician", "operator", "admin"];

function splitDistricts(text) {
  return text.split(",").map((d) => d.trim()).filter(Boolean);
}

function stateText(user) {
  if (user.disabled) return T("web.users.disabled");
  if (user.locked) return T("web.users.locked");
  return T("web.users.active");
}

function userRow(user) {
  const role = el("select", { class: "role", "aria-label": T("web.users.role_of", { user: user.username }) });
  for (const r of ROLES) role.append(el("option", { value: r, selected: r === user.role }, T("web.role." + r)));
  const districts = el("input", {
    class: "districts", value: user.districts.join(", "), list: "known-districts", autocomplete: "off",
    "aria-label": T("web.users.districts_of", { user: user.username }),
  });
  const patch = async (body, button) => {
    button.disabled = true;
    try {
      await api("PATCH", "/users/" + user.id, body);
      await load();
      toast(T("web.users.changed", { user: user.username }), "good");
    } catch (e) { failed(e); button.disabled = false; }
  };
  const saveButton = el("button", {
    type: "button", class: "save",
    onclick: (event) => patch({ role: role.value, districts: splitDistricts(districts.value) }, event.currentTarget),
  }, T("web.save"));
  const toggle = el("button", {
    type: "button", class: user.disabled ? "enable" : "disable danger",
    onclick: (event) => patch({ disabled: !user.disabled }, event.currentTarget),
  }, user.disabled ? T("web.users.enable") : T("web.users.disable"));
  return el("tr", { "data-user": user.username, "data-id": user.id, class: user.disabled ? "disabled" : null },
    el("th", { scope: "row" }, user.username),
    el("td", {}, role),
    el("td", {}, districts),
    el("td", { class: "state" }, stateText(user)),
    el("td", {}, el("div", { class: "row" }, saveButton, toggle)));
}

async function load() {
  const users = await api("GET", "/users");
  document.querySelector("#users tbody").replaceChildren(...users.map(userRow));
  const pick = document.getElementById("r-user");
  const chosen = pick.value;
  pick.replaceChildren(...users.map((u) => el("option", { value: u.id, selected: String(u.id) === chosen }, u.username)));
}

async function create(event) {
  event.preventDefault();
  const error = document.getElementById("u-error");
  error.textContent = "";
  const body = {
    username: document.getElementById("u-name").value.trim(),
    password: document.getElementById("u-password").value,
    role: document.getElementById("u-role").value,
    districts: splitDistricts(document.getElementById("u-districts").value),
    lang: document.getElementById("u-lang").value,
  };
  try {
    const user = await api("POST", "/users", body);
    document.getElementById("user-form").reset();
    await load();
    toast(T("web.users.created", { user: user.username }), "good");
  } catch (e) { error.textContent = e.message; }
}

async function resetPassword(event) {
  event.preventDefault();
  const error = document.getElementById("r-error");
  error.textContent = "";
  const pick = document.getElementById("r-user");
  const name = pick.selectedOptions[0] ? pick.selectedOptions[0].textContent : "";
  try {
    await api("PUT", "/users/" + pick.value + "/password", { password: document.getElementById("r-password").value });
    document.getElementById("r-password").value = "";
    await load();
    toast(T("web.users.reset_done", { user: name }), "good");
  } catch (e) { error.textContent = e.message; }
}

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("user-form").addEventListener("submit", create);
  document.getElementById("reset-form").addEventListener("submit", resetPassword);
  const rooms = await api("GET", "/rooms").catch(() => []);
  fillSelect(document.getElementById("known-districts"), [...new Set(rooms.map((r) => r.district))].sort(byName));
  await load().catch(failed);
  document.body.dataset.ready = "1";
});
