// keapsim dashboard: actions go to the admin JSON API; panels are re-fetched as server-rendered
// HTML (/_keapsim/ui/panels/<name>), the journal and the clock every second or so.
"use strict";

const ADMIN = document.body.dataset.admin || "/_keapsim";
const TENANT = document.body.dataset.tenant || "";
const LIVE_PANELS = ["journal", "clock", "faults", "hooks", "records", "outbox"];
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
  const focused = document.activeElement;
  const editing = focused && section.contains(focused) && focused.matches("input, select, textarea");
  if (editing && !force) return;
  // A refresh must not wipe a form the user has filled in (or one showing an error about
  // what they typed): the fresh panel gets the live form back in place of its blank one.
  const fresh = document.createElement("div");
  fresh.innerHTML = html;
  for (const form of section.querySelectorAll("form[id]")) {
    const blank = fresh.querySelector("#" + CSS.escape(form.id));
    if (blank && isFilledIn(form)) blank.replaceWith(form);
  }
  section.replaceChildren(...fresh.childNodes);
}

function isFilledIn(form) {
  const message = form.querySelector(".form-message");
  if (message && !message.hidden) return true;
  return Array.from(form.elements).some((field) => {
    if (field.tagName === "SELECT") {
      // Without a "selected" attribute, a select starts on its first option.
      const initial = Math.max(0, Array.from(field.options).findIndex((o) => o.defaultSelected));
      return field.selectedIndex !== initial;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    return field.tagName !== "BUTTON" && "defaultValue" in field && field.value !== field.defaultValue;
  });
}

function refreshAll() {
  const names = ["clock", "tenants", "contacts", "records", "outbox", "faults", "journal", "hooks"];
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
      message = errorText(payload) || message;
    } catch (ignored) { /* not JSON */ }
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

// The admin API's 400 names each bad field; a rule-level problem has no field of its own.
function errorText(payload) {
  if (Array.isArray(payload.details) && payload.details.length) {
    return payload.details
      .map((d) => (d.field && d.field !== "(body)" ? d.field + ": " : "") + d.message)
      .join("; ");
  }
  return payload.error || payload.message || "";
}

// On failure the panels are left as they are: re-rendering would wipe the form the user is
// correcting. The message also goes into the form, where the user is looking.
async function act(description, action, form) {
  const formMessage = form ? form.querySelector(".form-message") : null;
  if (formMessage) formMessage.hidden = true;
  try {
    await action();
  } catch (err) {
    showMessage(err.message, true);
    if (formMessage) {
      formMessage.textContent = err.message;
      formMessage.hidden = false;
    }
    return;
  }
  showMessage(description, false);
  await refreshAll().catch((err) => showMessage(err.message, true));
}

function faultFromForm(form) {
  const data = new FormData(form);
  const rule = {};
  for (const key of ["method", "path", "tenant", "effect", "canned", "name", "decline_code", "charge_source"]) {
    const value = (data.get(key) || "").trim();
    if (value) rule[key] = value;
  }
  for (const key of ["status", "times", "latency", "contact_id"]) {
    const value = (data.get(key) || "").trim();
    if (value) rule[key] = Number(value);
  }
  if (data.get("apply_then_fail")) rule.apply_then_fail = true;
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
    }, form);
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
