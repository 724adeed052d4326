// keapsim dashboard: actions go to the admin JSON API; panels are re-fetched as server-rendered
// HTML (/_keapsim/ui/panels/<name>), the journal and the clock every second or so.
"use strict";

const ADMIN = document.body.dataset.admin || "/_keapsim";
const TENANT = document.body.dataset.tenant || "";
const LIVE_PANELS = ["journal", "clock", "faults"];
const REFRESH_MS = 1000;

function showMessage(text, isError) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = isError ? "error" : "ok";
  box.hidden = !text;
}

async function refreshPanel(name, force) {
  const query = TENANT ? "?tenant=" + encodeURIComponent(TENANT) : "";
  const response = await fetch(ADMIN + "/ui/panels/" + name + query, {cache: "no-store"});
  if (!response.ok) {
    throw new Error("panel " + name + ": HTTP " + response.status);
  }
  const html = await response.text();
  const section = document.getElementById("panel-" + name);
  if (!section) return;
  // A periodic refresh must not wipe a form the user is filling in.
  const focused = document.activeElement;
  const editing = focused && section.contains(focused) && focused.matches("input, select, textarea");
  if (force || !editing) {
    section.innerHTML = html;
  }
}

function refreshAll() {
  const names = ["clock", "tenants", "contacts", "faults", "journal"];
  return Promise.all(names.map((name) => refreshPanel(name, true)));
}

async function callAdmin(method, path, body) {
  const options = {method: method, headers: {}};
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(ADMIN + path, options);
  if (!response.ok) {
    let message = "HTTP " + response.status;
    try {
      const payload = await response.json();
      message = payload.error || payload.message || message;
    } catch (ignored) { /* not JSON */ }
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

async function act(description, action) {
  try {
    await action();
    showMessage(description, false);
  } catch (err) {
    showMessage(err.message, true);
  }
  await refreshAll().catch((err) => showMessage(err.message, true));
}

function faultFromForm(form) {
  const data = new FormData(form);
  const rule = {};
  for (const key of ["method", "path", "tenant", "canned", "name"]) {
    const value = (data.get(key) || "").trim();
    if (value) rule[key] = value;
  }
  for (const key of ["status", "times"]) {
    const value = (data.get(key) || "").trim();
    if (value) rule[key] = Number(value);
  }
  return rule;
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.action === "add-fault") {
    event.preventDefault();
    const rule = faultFromForm(form);
    act("fault rule added", async () => {
      await callAdmin("POST", "/faults", rule);
      form.reset();
    });
  } else if (form.dataset.action === "advance-clock") {
    event.preventDefault();
    const seconds = Number(new FormData(form).get("seconds"));
    act("clock advanced by " + seconds + " s", () => callAdmin("POST", "/clock/advance", {seconds}));
  }
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.dataset.removeFault) {
    const id = button.dataset.removeFault;
    act("fault rule " + id + " removed",
        () => callAdmin("DELETE", "/faults/" + encodeURIComponent(id)));
  } else if (button.dataset.resetTenant) {
    const id = button.dataset.resetTenant;
    if (!window.confirm("Forget all CRM data of tenant " + id + "?")) return;
    act("tenant " + id + " reset",
        () => callAdmin("POST", "/tenants/" + encodeURIComponent(id) + "/reset"));
  } else if (button.dataset.advance) {
    const seconds = Number(button.dataset.advance);
    act("clock advanced by " + seconds + " s", () => callAdmin("POST", "/clock/advance", {seconds}));
  }
});

let ticking = false;
setInterval(async () => {
  if (ticking || !document.getElementById("live").checked) return;
  ticking = true;
  try {
    await Promise.all(LIVE_PANELS.map((name) => refreshPanel(name, false)));
  } catch (err) {
    showMessage("refresh failed: " + err.message, true);
  } finally {
    ticking = false;
  }
}, REFRESH_MS);
