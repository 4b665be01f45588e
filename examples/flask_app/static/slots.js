// The free-slot finder: times when every chosen client is free (the library's find_slots,
// through GET /api/slots), listed as buttons and shaded on the calendar; a slot's button
// opens the new-event form at that time.
"use strict";

const MAX_LISTED_SLOTS = 40;

function drawSlotClients() {
  const box = document.getElementById("slot-clients");
  // A client keeps its tick across redraws; one that was not listed before starts ticked.
  const shown = new Set([...box.querySelectorAll("input")].map((i) => i.value));
  const chosen = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
  const connected = scopedClients().filter((c) => c.authorized);
  box.replaceChildren(el("legend", {}, "Clients"), ...connected.map((client) => {
    const pick = el("input", { type: "checkbox", name: "clients", value: client.id });
    pick.checked = !shown.has(client.id) || chosen.has(client.id);
    return el("label", {}, pick, client.name);
  }));
  const form = document.getElementById("slot-form");
  const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
  if (!form.elements.from.value) form.elements.from.value = day(0);
  if (!form.elements.to.value) form.elements.to.value = day(7);
}

const drawCalendar = loaders.calendar;
loaders.calendar = async () => {
  await drawCalendar();
  drawSlotClients();
};

// Overlapping slots of one grid merged into the windows they cover (for the shading).
function freeWindows(slots) {
  const windows = [];
  for (const slot of slots) {
    const last = windows[windows.length - 1];
    if (last && Date.parse(slot.start) <= Date.parse(last.end)) last.end = slot.end;
    else windows.push({ ...slot });
  }
  return windows;
}

function showSlots(slots) {
  calendar.getEventSourceById("free-slots")?.remove();
  calendar.addEventSource({ id: "free-slots", events: freeWindows(slots).map((w) => ({ start: w.start, end: w.end, display: "background", classNames: ["free-slot"] })) });
  const format = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  const list = document.getElementById("slot-list");
  if (!slots.length) {
    list.replaceChildren(el("li", { className: "muted" }, "No time when everyone is free."));
    return;
  }
  list.replaceChildren(...slots.slice(0, MAX_LISTED_SLOTS).map((slot) => {
    const start = new Date(slot.start);
    const end = new Date(slot.end);
    const book = () => openCreate({ start, end, allDay: false, startStr: slot.start, endStr: slot.end }).catch((e) => showAlert(e.message, "error"));
    return el("li", {}, el("button", { type: "button", className: "slot", onclick: book }, start.toLocaleString([], format)));
  }), ...(slots.length > MAX_LISTED_SLOTS ? [el("li", { className: "muted" }, `and ${slots.length - MAX_LISTED_SLOTS} more`)] : []));
  calendar.gotoDate(slots[0].start);
}

document.getElementById("slot-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const clients = [...form.querySelectorAll("[name=clients]:checked")].map((i) => i.value);
  if (!clients.length) { showAlert("Choose at least one client.", "info"); return; }
  const params = new URLSearchParams({
    clients: clients.join(","),
    duration: form.elements.duration.value,
    time_min: new Date(`${form.elements.from.value}T00:00:00`).toISOString(),
    time_max: new Date(`${form.elements.to.value}T23:59:59`).toISOString(),
    step: form.elements.step.value,
    time_zone: zone,
  });
  if (form.elements.working_hours.value) params.set("working_hours", form.elements.working_hours.value);
  if (form.elements.buffer.value) params.set("buffer", form.elements.buffer.value);
  try {
    const found = await api("GET", `/api/slots?${params}`);
    showSlots(found.slots);
  } catch (err) {
    showAlert(err.message, "error");
  }
});
