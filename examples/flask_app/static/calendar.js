// The stacked calendar (FullCalendar): every selected client's calendars overlaid, one color
// per client; click or drag over a free time to create, drag or resize to move (sent with the
// event's etag), and on a recurring event the choice between this occurrence and the whole
// series. Conflicts (the feed's `conflicts_with`) are outlined and listed.
"use strict";

const palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let calendar = null;

function clientColor(id) {
  const index = state.clients.findIndex((c) => c.id === id);
  return palette[Math.max(index, 0) % palette.length];
}

function entryUrl(entry, eventId) {
  const base = `/api/clients/${entry.client_id}/calendars/${encodeURIComponent(entry.calendar_id)}/events`;
  return eventId ? `${base}/${encodeURIComponent(eventId)}` : base;
}

loaders.calendar = async () => {
  if (!window.FullCalendar) throw new Error("FullCalendar is not installed: run `npm ci` in examples/flask_app.");
  drawLegend();
  if (!calendar) {
    calendar = new FullCalendar.Calendar(document.getElementById("calendar-grid"), {
      initialView: "timeGridWeek",
      initialDate: new URLSearchParams(location.search).get("date") || undefined,  // ?date=2026-03-02
      headerToolbar: { left: "prev,next today", center: "title", right: "timeGridDay,timeGridWeek,dayGridMonth" },
      nowIndicator: true,
      selectable: true,
      selectMirror: true,
      editable: true,
      height: 720,
      scrollTime: "08:00:00",
      events: feed,
      select: (info) => openCreate(info).catch((e) => showAlert(e.message, "error")),
      eventDrop: (info) => moveEvent(info),
      eventResize: (info) => moveEvent(info),
      eventClick: (info) => openEdit(info.event.extendedProps.entry),
      // (the selection's placeholder event has no entry)
      eventClassNames: (arg) => ((arg.event.extendedProps.conflicts || []).length ? ["conflict"] : []),
      eventDidMount: (arg) => { arg.el.dataset.client = arg.event.extendedProps.entry?.client_id || ""; },
    });
    calendar.render();
  } else {
    calendar.refetchEvents();
    calendar.updateSize();
  }
};

function drawLegend() {
  document.getElementById("calendar-legend").replaceChildren(...scopedClients().map((client) => {
    const swatch = el("span", { className: "swatch" });
    swatch.style.background = clientColor(client.id);
    return el("span", { className: "legend-item" }, swatch, client.name);
  }));
}

async function feed(info, success, failure) {
  try {
    const params = new URLSearchParams({ time_min: info.start.toISOString(), time_max: info.end.toISOString(), time_zone: zone });
    const data = await api("GET", `/api/calendar?${params}`);
    showProblems(data.errors);
    listConflicts(data.entries);
    success(data.entries.map(toCalendarEvent));
  } catch (e) {
    failure(e);
    showAlert(e.message, "error");
  }
}

function toCalendarEvent(entry) {
  const event = entry.event;
  const color = clientColor(entry.client_id);
  return {
    id: `${entry.client_id}|${entry.calendar_id}|${event.id}`,
    title: event.summary || "(no title)",
    start: event.start?.dateTime || event.start?.date,
    end: event.end?.dateTime || event.end?.date,  // all-day ends are exclusive, as in Google
    allDay: Boolean(event.start?.date),
    backgroundColor: color,
    borderColor: color,
    extendedProps: { entry, conflicts: entry.conflicts_with || [] },
  };
}

function showProblems(errors) {
  document.getElementById("calendar-problems").replaceChildren(...errors.map((e) =>
    el("p", {}, `${clientName(e.client_id)}: ${e.message}`)));
}

// Each double booking once: the pair's titles, clients and when they overlap.
function listConflicts(entries) {
  const pairs = [];
  entries.forEach((entry, i) => (entry.conflicts_with || []).forEach((j) => { if (i < j) pairs.push([entry, entries[j]]); }));
  const describe = (e) => `${e.event.summary || "(no title)"} (${e.client || clientName(e.client_id)})`;
  const overlap = (a, b) => {
    const from = new Date(Math.max(Date.parse(a.start), Date.parse(b.start)));
    const to = new Date(Math.min(Date.parse(a.end), Date.parse(b.end)));
    return `${from.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })}–${to.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`;
  };
  document.getElementById("conflict-list").replaceChildren(...(pairs.length
    ? pairs.map(([a, b]) => el("li", { className: "conflict-item" }, el("strong", {}, overlap(a, b)), ` · ${describe(a)} × ${describe(b)}`))
    : [el("li", { className: "muted" }, "No double bookings in this range.")]));
}

// ---------- create and edit ----------

async function openCreate(info) {
  const usable = scopedClients().filter((c) => c.authorized);
  if (!usable.length) { showAlert("No selected client is connected to Google yet (see OAuth).", "info"); return; }
  const form = document.getElementById("cal-event-form");
  form.reset();
  state.calEdit = { mode: "create", start: info.start, end: info.end, allDay: info.allDay, startStr: info.startStr, endStr: info.endStr };
  document.getElementById("cal-event-title").textContent = "New event";
  document.getElementById("cal-event-delete").hidden = true;
  document.getElementById("cal-event-when").textContent = info.allDay
    ? `${info.startStr} (all day)` : `${info.start.toLocaleString()} – ${info.end.toLocaleTimeString()}`;
  fillSelect(form.elements.client_id, usable, usable[0].id, (c) => c.name);
  form.elements.client_id.disabled = false;
  form.elements.calendar_id.disabled = false;
  await fillCalendars(form.elements.client_id.value);
  document.getElementById("cal-event-modal").showModal();
}

async function fillCalendars(clientId, selected) {
  const select = document.getElementById("cal-event-form").elements.calendar_id;
  const calendars = await api("GET", `/api/clients/${clientId}/calendars`);
  const writable = calendars.filter((c) => ["owner", "writer"].includes(c.access_role));
  fillSelect(select, writable, selected || writable.find((c) => c.primary)?.id, (c) => c.summary || c.id);
}

document.querySelector("#cal-event-form [name=client_id]").addEventListener("change", (e) =>
  fillCalendars(e.target.value).catch((err) => showAlert(err.message, "error")));

function openEdit(entry) {
  const form = document.getElementById("cal-event-form");
  form.reset();
  state.calEdit = { mode: "edit", entry };
  document.getElementById("cal-event-title").textContent = "Edit event";
  document.getElementById("cal-event-delete").hidden = false;
  document.getElementById("cal-event-when").textContent = `${whenText(entry.event.start)} · ${clientName(entry.client_id)}`;
  fillSelect(form.elements.client_id, state.clients.filter((c) => c.id === entry.client_id), entry.client_id, (c) => c.name);
  fillSelect(form.elements.calendar_id, [{ id: entry.calendar_id }], entry.calendar_id, (c) => c.id);
  form.elements.client_id.disabled = true;
  form.elements.calendar_id.disabled = true;
  form.elements.summary.value = entry.event.summary || "";
  form.elements.description.value = entry.event.description || "";
  document.getElementById("cal-event-modal").showModal();
}

document.getElementById("cal-event-modal").addEventListener("close", (event) => {
  const action = event.target.returnValue;
  const edit = state.calEdit;
  if (!edit || !["save", "delete"].includes(action)) return;
  const run = edit.mode === "create" ? createEvent(edit) : action === "delete" ? removeEvent(edit.entry) : saveEvent(edit.entry);
  run.catch((e) => showAlert(e.message, "error")).finally(() => calendar.refetchEvents());
});

async function createEvent(edit) {
  const form = document.getElementById("cal-event-form");
  const when = (date, text) => (edit.allDay ? { date: text.slice(0, 10) } : { dateTime: date.toISOString(), timeZone: zone });
  const entry = { client_id: form.elements.client_id.value, calendar_id: form.elements.calendar_id.value };
  await api("POST", entryUrl(entry), {
    summary: form.elements.summary.value,
    description: form.elements.description.value,
    start: when(edit.start, edit.startStr),
    end: when(edit.end, edit.endStr),
  });
  showAlert("Event created.");
}

// The event to change for this entry: itself, its series (loaded fresh), or null if the
// operator cancelled.
async function target(entry, verb) {
  const event = entry.event;
  if (!event.recurringEventId) return event;
  const choice = await askRecurring(`"${event.summary || "(no title)"}" repeats. ${verb} this occurrence or the whole series?`);
  if (choice === "series") return api("GET", entryUrl(entry, event.recurringEventId));
  return choice ? event : null;
}

async function saveEvent(entry) {
  const form = document.getElementById("cal-event-form");
  const changes = { summary: form.elements.summary.value, description: form.elements.description.value };
  const event = await target(entry, "Change");
  if (!event) return;
  await conditional(() => api("PATCH", entryUrl(entry, event.id), changes, { "If-Match": event.etag }));
}

async function removeEvent(entry) {
  const event = await target(entry, "Delete");
  if (!event) return;
  await api("DELETE", entryUrl(entry, event.id));
  showAlert("Event deleted.");
}

// ---------- drag and resize ----------

function shiftWhen(when, duration) {
  if (!duration) return when;
  if (when.date) {
    const day = new Date(`${when.date}T12:00:00Z`);
    day.setUTCDate(day.getUTCDate() + duration.days + 30 * duration.months);
    return { ...when, date: day.toISOString().slice(0, 10) };
  }
  const moved = new Date(when.dateTime);
  moved.setDate(moved.getDate() + duration.days + 30 * duration.months);
  moved.setTime(moved.getTime() + duration.milliseconds);
  return { ...when, dateTime: moved.toISOString() };
}

function whenOf(date, dateStr, allDay, before) {
  if (allDay) return { date: dateStr.slice(0, 10) };
  return { dateTime: date.toISOString(), timeZone: before?.timeZone || zone };
}

async function moveEvent(info) {
  const entry = info.event.extendedProps.entry;
  if (info.event.allDay !== info.oldEvent.allDay) {
    info.revert();
    showAlert("Timed and all-day events cannot be turned into each other by dragging; edit the event instead.", "info");
    return;
  }
  try {
    const event = await target(entry, "Move");
    if (!event) { info.revert(); return; }
    let changes;
    if (event.id === entry.event.id) {
      const end = info.event.end || info.event.start;
      changes = {
        start: whenOf(info.event.start, info.event.startStr, info.event.allDay, event.start),
        end: whenOf(end, info.event.endStr || info.event.startStr, info.event.allDay, event.end),
      };
    } else {  // the whole series: its first occurrence moves by the same amount
      changes = { start: shiftWhen(event.start, info.delta || info.startDelta), end: shiftWhen(event.end, info.delta || info.endDelta) };
    }
    await conditional(() => api("PATCH", entryUrl(entry, event.id), changes, { "If-Match": event.etag }));
  } catch (e) {
    info.revert();
    showAlert(e.message, "error");
  }
  calendar.refetchEvents();
}

// Runs a conditional write; a stale etag (412) reloads instead of overwriting.
async function conditional(write) {
  try {
    await write();
    showAlert("Event saved.");
  } catch (e) {
    if (e.status !== 412) throw e;
    showAlert("This event changed meanwhile, reloaded: nothing was overwritten.", "info");
  }
}
