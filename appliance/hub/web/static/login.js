"use strict";
document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  try {
    await api("POST", "/auth/login", {
      username: document.getElementById("username").value,
      password: document.getElementById("password").value,
    });
    const next = new URLSearchParams(location.search).get("next") || "/";
    location.href = next.startsWith("/") && !next.startsWith("//") ? next : "/";
  } catch (e) {
    error.textContent = e.message;
  }
});
