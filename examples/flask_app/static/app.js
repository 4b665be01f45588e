// The calstack example UI: plain JavaScript over the JSON API, no build step. This file has
// the shared helpers, navigation, the "switch client" control and the table sections;
// calendar.js draws the stacked calendar and jobs.js the bulk jobs.
"use strict";

const state = { clients: [], credentials: [], settings: null, events: [], scope: null, me: null };
const csrfToken = document.querySelector("meta[name=csrf-token]").content;

// ---------- helpers ----------

function showAlert(message, kind = "success") {
  const box = document.createElement("div");
  box.className = `alert ${kind}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.textContent = message;
  document.getElementById("alerts").appendChild(box);
  setTimeout(() => box.remove(), kind === "error" ? 8000 : 4000);
}

async function api(method, path, body, headers = {}) {
  const options = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (method !== "GET") options.headers["X-CSRFToken"] = csrfToken;
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && data.error === "login_required") {
    location.assign(`/login?next=${encodeURIComponent(location.pathname + location.hash)}`);
  }
  if (!response.ok) {
    const field = data.field ? ` (${data.field})` : "";
    const hint = data.hint ? ` ${data.hint}` : "";
    const failure = new Error(`${data.message || response.statusText}${field}${hint}`);
    failure.status = response.status;
    throw failure;
  }
  return data;
}

// The clients the "switch client" control selects: one, or every client.
function scopedClients() {
  return state.scope ? state.clients.filter((c) => c.id === state.scope) : state.clients;
}

// Asks "this occurrence" or "the whole series"; resolves "occurrence", "series" or null.
function askRecurring(text) {
  const modal = document.getElementById("recurring-modal");
  document.getElementById("recurring-text").textContent = text;
  modal.returnValue = "";
  modal.showModal();
  return new Promise((resolve) => {
    modal.addEventListener("close", () => resolve(["occurrence", "series"].includes(modal.returnValue) ? modal.returnValue : null), { once: true });
  });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "onclick") node.addEventListener("click", value);
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

function clientName(id) {
  const client = state.clients.find((c) => c.id === id);
  return client ? client.name : id;
}

function whenText(when) {
  if (!when) return "";
  if (when.date) return `${when.date} (all day)`;
  return new Date(when.dateTime).toLocaleString();
}

function confirmDelete(title, text) {
  const modal = document.getElementById("confirm-modal");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  modal.showModal();
  return new Promise((resolve) => {
    modal.addEventListener("close", () => resolve(modal.returnValue === "ok"), { once: true });
  });
}

function fillSelect(select, items, value, label) {
  select.replaceChildren(...items.map((item) => el("option", { value: item.id }, label(item))));
  if (value) select.value = value;
}

// ---------- navigation ----------

const loaders = { dashboard: () => loadDashboard(), clients: () => loadClients(), events: () => loadEventsSection(), oauth: () => loadCredentials(), settings: () => loadSettings() };

function show(section) {
  const name = loaders[section] ? section : "calendar";
  for (const s of document.querySelectorAll(".section")) s.hidden = s.id !== name;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.section === name);
  state.section = name;
  loaders[name]().catch((e) => showAlert(e.message, "error"));
}

window.addEventListener("hashchange", () => show(location.hash.slice(1)));

// ---------- switch client ----------

async function loadScope() {
  [state.me, state.clients] = await Promise.all([api("GET", "/api/me"), api("GET", "/api/clients")]);
  state.scope = state.me.client_scope;
  document.getElementById("operator-name").textContent = state.me.username;
  const select = document.getElementById("scope");
  select.replaceChildren(el("option", { value: "" }, "All clients"), ...state.clients.map((c) => el("option", { value: c.id }, c.name)));
  select.value = state.scope || "";
}

document.getElementById("scope").addEventListener("change", async (e) => {
  try {
    state.me = await api("PUT", "/api/me/scope", { client_id: e.target.value || null });
    state.scope = state.me.client_scope;
    showAlert(state.scope ? `Showing ${clientName(state.scope)}.` : "Showing every client.", "info");
    show(state.section);
  } catch (err) {
    showAlert(err.message, "error");
  }
});

// ---------- dashboard ----------

async function loadDashboard() {
  state.clients = await api("GET", "/api/clients");
  const authorized = scopedClients().filter((c) => c.authorized);
  const attention = scopedClients().filter((c) => c.credentials.length && !c.authorized);
  document.getElementById("stat-clients").textContent = scopedClients().length;
  document.getElementById("stat-authorized").textContent = authorized.length;
  document.getElementById("stat-attention").textContent = attention.length;

  const from = new Date();
  const to = new Date(from.getTime() + 7 * 24 * 3600 * 1000);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const params = new URLSearchParams({ time_min: from.toISOString(), time_max: to.toISOString(), time_zone: zone });
  const body = document.getElementById("agenda");
  if (!authorized.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 3, className: "muted" }, "No client is connected to Google yet.")));
    return;
  }
  // The library's stacked agenda: one ordered timeline, double bookings flagged.
  const { entries } = await api("GET", `/api/agenda?${params}`);
  body.replaceChildren(...(entries.length
    ? entries.map((e) => el("tr", {}, el("td", {}, whenText(e.event.start)), el("td", {}, e.client),
      el("td", {}, e.event.summary || "(no title)", e.conflicts_with.length ? el("span", { className: "badge bad" }, " double-booked") : "")))
    : [el("tr", {}, el("td", { colspan: 3, className: "muted" }, "Nothing in the next 7 days."))]));
}

// ---------- clients ----------

async function loadClients() {
  state.clients = await api("GET", "/api/clients");
  const rows = state.clients.map((client) => el("tr", {},
    el("td", {}, client.name),
    el("td", {}, client.email),
    el("td", {}, client.authorized
      ? el("span", { className: "badge ok" }, "connected")
      : el("span", { className: "badge bad" }, client.credentials.length ? "needs consent" : "no credentials")),
    el("td", { className: "actions" },
      el("button", { type: "button", onclick: () => editClient(client).catch((e) => showAlert(e.message, "error")) }, "Edit"), " ",
      el("button", { type: "button", onclick: () => editCredential(null, client.id) }, "OAuth"), " ",
      el("button", { type: "button", onclick: () => { location.hash = "events"; state.pickClient = client.id; } }, "Events"), " ",
      el("button", { type: "button", className: "danger", onclick: () => deleteClient(client) }, "Delete"))));
  document.getElementById("client-rows").replaceChildren(...(rows.length ? rows
    : [el("tr", {}, el("td", { colspan: 4, className: "muted" }, "No clients yet."))]));
}

async function editClient(client) {
  const modal = document.getElementById("client-modal");
  const form = document.getElementById("client-form");
  form.reset();
  document.getElementById("client-modal-title").textContent = client ? "Edit client" : "Add client";
  form.elements.id.value = client?.id || "";
  form.elements.name.value = client?.name || "";
  form.elements.email.value = client?.email || "";
  form.elements.time_zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
  state.hoursBefore = "";
  if (client) {  // "mon 09:00-17:00; … (Europe/Zurich)" → the hours and the zone
    const { working_hours: hours } = await api("GET", `/api/clients/${client.id}/working_hours`);
    const parts = /^(.*) \(([^()]+)\)$/.exec(hours || "");
    if (parts) [, form.elements.working_hours.value, form.elements.time_zone.value] = parts;
    state.hoursBefore = `${form.elements.working_hours.value}|${form.elements.time_zone.value}`;
  }
  modal.showModal();
}

document.getElementById("client-modal").addEventListener("close", async (event) => {
  const modal = event.target;
  if (modal.returnValue !== "save") return;
  const form = document.getElementById("client-form");
  const id = form.elements.id.value;
  const payload = { name: form.elements.name.value, email: form.elements.email.value };
  const hours = form.elements.working_hours.value.trim();
  const zoneName = form.elements.time_zone.value.trim() || "UTC";
  try {
    const saved = id ? await api("PUT", `/api/clients/${id}`, payload) : await api("POST", "/api/clients", payload);
    if (`${hours}|${zoneName}` !== state.hoursBefore && (hours || state.hoursBefore)) {
      await api("PUT", `/api/clients/${saved.id}/working_hours`, { working_hours: hours || null, time_zone: zoneName });
    }
    showAlert(id ? "Client saved." : "Client added.");
    await loadClients();
  } catch (e) {
    showAlert(e.message, "error");
  }
});

async function deleteClient(client) {
  if (!(await confirmDelete("Delete client?", `${client.name} and its OAuth credentials will be deleted.`))) return;
  try {
    await api("DELETE", `/api/clients/${client.id}`);
    showAlert("Client deleted.");
    await loadClients();
  } catch (e) {
    showAlert(e.message, "error");
  }
}

// ---------- OAuth ----------

async function loadCredentials() {
  const query = state.scope ? `?client_id=${encodeURIComponent(state.scope)}` : "";
  [state.clients, state.credentials] = await Promise.all([api("GET", "/api/clients"), api("GET", `/api/oauth${query}`)]);
  const rows = state.credentials.map((c) => el("tr", {},
    el("td", {}, clientName(c.client_id)),
    el("td", {}, c.google_client_id),
    el("td", {}, c.scopes.map((s) => s.replace("https://www.googleapis.com/auth/", "")).join(", ")),
    el("td", {}, c.is_valid ? el("span", { className: "badge ok" }, "valid")
      : el("span", { className: "badge bad", title: c.last_error || "" }, c.last_error || "not authorized")),
    el("td", { className: "actions" },
      el("button", { type: "button", className: "primary", onclick: () => authorize(c) }, c.is_valid ? "Re-authorize" : "Authorize"), " ",
      el("button", { type: "button", onclick: () => editCredential(c) }, "Edit"), " ",
      el("button", { type: "button", onclick: () => revoke(c) }, "Revoke"), " ",
      el("button", { type: "button", className: "danger", onclick: () => deleteCredential(c) }, "Delete"))));
  document.getElementById("credential-rows").replaceChildren(...(rows.length ? rows
    : [el("tr", {}, el("td", { colspan: 5, className: "muted" }, "No OAuth credentials yet."))]));
}

async function editCredential(credential, clientId) {
  if (!state.clients.length) state.clients = await api("GET", "/api/clients");
  if (!state.settings) state.settings = await api("GET", "/api/settings");
  if (!state.clients.length) { showAlert("Add a client first.", "info"); return; }
  const form = document.getElementById("credential-form");
  form.reset();
  document.getElementById("credential-modal-title").textContent = credential ? "Edit OAuth credentials" : "Add OAuth credentials";
  fillSelect(form.elements.client_id, state.clients, credential?.client_id || clientId, (c) => c.name);
  form.elements.client_id.disabled = Boolean(credential);
  form.elements.id.value = credential?.id || "";
  form.elements.google_client_id.value = credential?.google_client_id || "";
  form.elements.google_client_secret.required = !credential;
  form.elements.scopes.value = (credential?.scopes || state.settings.default_scopes)
    .map((s) => s.replace("https://www.googleapis.com/auth/", "")).join(", ");
  form.elements.redirect_uri.value = credential?.redirect_uri || state.settings.redirect_uri;
  form.elements.account_email.value = credential?.account_email || "";
  document.getElementById("credential-modal").showModal();
}

document.getElementById("credential-modal").addEventListener("close", async (event) => {
  if (event.target.returnValue !== "save") return;
  const form = document.getElementById("credential-form");
  const id = form.elements.id.value;
  const payload = {
    google_client_id: form.elements.google_client_id.value,
    scopes: form.elements.scopes.value.split(",").map((s) => s.trim()).filter(Boolean),
    redirect_uri: form.elements.redirect_uri.value,
    account_email: form.elements.account_email.value,
  };
  if (form.elements.google_client_secret.value) payload.google_client_secret = form.elements.google_client_secret.value;
  try {
    if (id) {
      await api("PUT", `/api/oauth/${id}`, payload);
      showAlert("Credentials saved.");
    } else {
      payload.client_id = form.elements.client_id.value;
      const created = await api("POST", "/api/oauth", payload);
      showAlert("Credentials saved. Authorize them to connect the calendar.");
      if (location.hash !== "#oauth") location.hash = "oauth";
      state.credentials.push(created);
    }
    await loadCredentials();
  } catch (e) {
    showAlert(e.message, "error");
  }
});

async function authorize(credential) {
  try {
    const { url } = await api("POST", `/api/oauth/${credential.id}/authorize`);
    window.location.assign(url);
  } catch (e) {
    showAlert(e.message, "error");
  }
}

async function revoke(credential) {
  try {
    await api("POST", `/api/oauth/${credential.id}/revoke`);
    showAlert("Access revoked at Google.");
    await loadCredentials();
  } catch (e) {
    showAlert(e.message, "error");
  }
}

async function deleteCredential(credential) {
  if (!(await confirmDelete("Delete OAuth credentials?", `The grant for ${clientName(credential.client_id)} is revoked at Google and deleted.`))) return;
  try {
    await api("DELETE", `/api/oauth/${credential.id}`);
    showAlert("Credentials deleted.");
    await loadCredentials();
  } catch (e) {
    showAlert(e.message, "error");
  }
}

// ---------- events ----------

async function loadEventsSection() {
  state.clients = await api("GET", "/api/clients");
  const select = document.getElementById("event-client");
  const usable = scopedClients().filter((c) => c.authorized);
  fillSelect(select, usable, state.pickClient || select.value, (c) => c.name);
  state.pickClient = null;
  const from = document.getElementById("event-from");
  const to = document.getElementById("event-to");
  if (!from.value) from.value = new Date().toISOString().slice(0, 10);
  if (!to.value) to.value = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  if (!usable.length) {
    document.getElementById("event-rows").replaceChildren(
      el("tr", {}, el("td", { colspan: 4, className: "muted" }, "No client is connected to Google yet (see OAuth).")));
    return;
  }
  await loadCalendars();
}

async function loadCalendars() {
  const clientId = document.getElementById("event-client").value;
  const calendars = await api("GET", `/api/clients/${clientId}/calendars`);
  const select = document.getElementById("event-calendar");
  const primary = calendars.find((c) => c.primary);
  fillSelect(select, calendars, primary?.id, (c) => c.summary || c.id);
  await loadEvents();
}

async function loadEvents() {
  const clientId = document.getElementById("event-client").value;
  const calendarId = document.getElementById("event-calendar").value;
  if (!clientId || !calendarId) return;
  const params = new URLSearchParams();
  const from = document.getElementById("event-from").value;
  const to = document.getElementById("event-to").value;
  if (from) params.set("time_min", new Date(`${from}T00:00:00`).toISOString());
  if (to) params.set("time_max", new Date(`${to}T23:59:59`).toISOString());
  const q = document.getElementById("event-query").value;
  if (q) params.set("q", q);
  state.events = await api("GET", `/api/clients/${clientId}/calendars/${encodeURIComponent(calendarId)}/events?${params}`);
  const rows = state.events.map((event) => el("tr", {},
    el("td", {}, whenText(event.start)),
    el("td", {}, event.summary || "(no title)", event.recurringEventId ? el("span", { className: "muted" }, " ↻") : ""),
    el("td", {}, (event.attendees || []).map((a) => a.email).join(", ")),
    el("td", { className: "actions" },
      el("button", { type: "button", onclick: () => editEvent(event).catch((e) => showAlert(e.message, "error")) }, "Edit"), " ",
      el("button", { type: "button", className: "danger", onclick: () => deleteEvent(event) }, "Delete"))));
  document.getElementById("event-rows").replaceChildren(...(rows.length ? rows
    : [el("tr", {}, el("td", { colspan: 4, className: "muted" }, "No events in this range."))]));
}

document.getElementById("event-client").addEventListener("change", () => loadCalendars().catch((e) => showAlert(e.message, "error")));
document.getElementById("event-calendar").addEventListener("change", () => loadEvents().catch((e) => showAlert(e.message, "error")));
document.getElementById("event-filter").addEventListener("submit", (e) => {
  e.preventDefault();
  loadEvents().catch((err) => showAlert(err.message, "error"));
});

// All-day ends are exclusive in Google's API ("date" of the day after); the form shows the
// last day itself.
function shiftDate(date, days) {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function localInput(when, isEnd = false) {
  if (!when) return "";
  if (when.date) return isEnd ? shiftDate(when.date, -1) : when.date;
  const d = new Date(when.dateTime);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function setAllDay(form, allDay) {
  for (const name of ["start", "end"]) {
    const input = form.elements[name];
    const value = input.value;
    input.type = allDay ? "date" : "datetime-local";
    input.value = allDay ? value.slice(0, 10) : (value.length === 10 ? `${value}T09:00` : value);
  }
}

// Editing an occurrence of a recurring event asks first: "this occurrence" edits that
// instance alone, "the whole series" loads the series itself (with its recurrence) so the
// save keeps every other occurrence.
async function editEvent(event) {
  if (!document.getElementById("event-calendar").value) { showAlert("Pick a connected client first.", "info"); return; }
  if (event?.recurringEventId) {
    const choice = await askRecurring(`"${event.summary || "(no title)"}" repeats. Edit this occurrence or the whole series?`);
    if (!choice) return;
    if (choice === "series") event = await api("GET", eventUrl(event.recurringEventId));
  }
  const form = document.getElementById("event-form");
  form.reset();
  document.getElementById("event-modal-title").textContent = event ? "Edit event" : "New event";
  state.editing = event || null;
  form.elements.id.value = event?.id || "";
  form.elements.etag.value = event?.etag || "";
  form.elements.summary.value = event?.summary || "";
  form.elements.description.value = event?.description || "";
  const allDay = Boolean(event?.start?.date);
  form.elements.all_day.checked = allDay;
  setAllDay(form, allDay);
  form.elements.start.value = localInput(event?.start);
  form.elements.end.value = localInput(event?.end, true);
  form.elements.attendees.value = (event?.attendees || []).map((a) => a.email).join(", ");
  form.elements.recurrence.value = (event?.recurrence || []).join("\n");
  form.elements.recurrence.disabled = Boolean(event?.recurringEventId);  // one occurrence has none
  document.getElementById("event-modal").showModal();
}

document.querySelector("#event-form [name=all_day]").addEventListener("change", (e) => setAllDay(e.target.form, e.target.checked));

document.getElementById("event-modal").addEventListener("close", async (event) => {
  if (event.target.returnValue !== "save") return;
  const form = document.getElementById("event-form");
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const allDay = form.elements.all_day.checked;
  const when = (value, isEnd) => (allDay
    ? { date: isEnd ? shiftDate(value, 1) : value }
    : { dateTime: new Date(value).toISOString(), timeZone: zone });
  const base = state.editing ? { ...state.editing } : {};
  const payload = {
    ...base,
    summary: form.elements.summary.value,
    description: form.elements.description.value,
    start: when(form.elements.start.value, false),
    end: when(form.elements.end.value, true),
    attendees: form.elements.attendees.value.split(",").map((s) => s.trim()).filter(Boolean).map((email) => ({ email })),
    recurrence: form.elements.recurrence.value.split("\n").map((s) => s.trim()).filter(Boolean),
  };
  if (base.recurringEventId) delete payload.recurrence;
  const id = form.elements.id.value;
  try {
    if (id) {
      const headers = base.etag ? { "If-Match": base.etag } : {};
      await api("PUT", eventUrl(id), payload, headers);
      showAlert("Event saved.");
    } else {
      await api("POST", eventUrl(), payload);
      showAlert("Event created.");
    }
    await loadEvents();
  } catch (e) {
    showAlert(e.message, "error");
  }
});

// The events URL of the client and calendar picked in the Events section.
function eventUrl(id) {
  const clientId = document.getElementById("event-client").value;
  const calendarId = encodeURIComponent(document.getElementById("event-calendar").value);
  const base = `/api/clients/${clientId}/calendars/${calendarId}/events`;
  return id ? `${base}/${encodeURIComponent(id)}` : base;
}

async function deleteEvent(event) {
  let id = event.id;
  let what = "this event";
  if (event.recurringEventId) {
    const choice = await askRecurring(`"${event.summary || "(no title)"}" repeats. Delete this occurrence or the whole series?`);
    if (!choice) return;
    if (choice === "series") { id = event.recurringEventId; what = "every occurrence of this recurring event"; } else what = "this occurrence";
  }
  if (!(await confirmDelete("Delete event?", `${event.summary || "(no title)"}: ${what} will be deleted.`))) return;
  try {
    await api("DELETE", eventUrl(id));
    showAlert("Event deleted.");
    await loadEvents();
  } catch (e) {
    showAlert(e.message, "error");
  }
}

document.getElementById("add-event").addEventListener("click", () => editEvent(null).catch((e) => showAlert(e.message, "error")));
document.getElementById("add-client").addEventListener("click", () => editClient(null));
document.getElementById("add-credential").addEventListener("click", () => editCredential(null).catch((e) => showAlert(e.message, "error")));

// ---------- settings ----------

async function loadSettings() {
  state.settings = await api("GET", "/api/settings");
  const labels = {
    database: "Database", google_api_base: "Calendar API", google_auth_url: "Consent page",
    google_token_url: "Token endpoint", google_revoke_url: "Revocation endpoint",
    redirect_uri: "OAuth redirect URI", default_scopes: "Default scopes", calstack_version: "calstack",
  };
  const list = document.getElementById("settings-list");
  list.replaceChildren(...Object.entries(labels).flatMap(([key, label]) => [
    el("dt", {}, label), el("dd", {}, Array.isArray(state.settings[key]) ? state.settings[key].join(", ") : state.settings[key]),
  ]));
}

// ---------- start ----------

// After every deferred script (calendar.js and jobs.js add their sections' loaders).
document.addEventListener("DOMContentLoaded", async () => {
  const params = new URLSearchParams(location.search);
  if (params.get("authorized")) showAlert("Google Calendar connected.");
  if (params.get("oauth_error")) showAlert(`Google consent failed: ${params.get("oauth_error")}`, "error");
  if (params.has("authorized") || params.has("oauth_error")) history.replaceState(null, "", `/${location.hash}`);
  try {
    await loadScope();
  } catch (e) {
    showAlert(e.message, "error");
  }
  show(location.hash.slice(1) || "calendar");
});
