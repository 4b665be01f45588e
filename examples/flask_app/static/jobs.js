// Background jobs: bulk operations over the selected clients, ICS import and export of a
// client's calendar, and mirror sync runs (POST /api/jobs); a progress bar then follows the
// job (GET /api/jobs/<id>) until it is done, listing each failed item, with the exported
// file's link when there is one. The mirror's state is listed below.
"use strict";

loaders.jobs = async () => {
  state.clients = await api("GET", "/api/clients");
  const connected = scopedClients().filter((c) => c.authorized);
  for (const select of document.querySelectorAll("#job-form [name=target_client], #ics-import-form [name=client_id], #ics-export-form [name=client_id]")) {
    fillSelect(select, select.name === "target_client" ? state.clients.filter((c) => c.authorized) : connected, select.value, (c) => c.name);
  }
  const form = document.getElementById("job-form");
  if (!form.elements.from.value) form.elements.from.value = new Date().toISOString().slice(0, 10);
  if (!form.elements.to.value) form.elements.to.value = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
  await loadSyncStatus();
};

async function startJob(request) {
  try {
    const job = await api("POST", "/api/jobs", request);
    showAlert("Job started.", "info");
    await follow(job);
  } catch (err) {
    showAlert(err.message, "error");
  }
}

document.getElementById("job-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = e.target;
  const operation = form.elements.operation.value;
  const request = {
    kind: "bulk",
    operation,
    query: {
      clients: scopedClients().filter((c) => c.authorized).map((c) => c.id),
      time_min: new Date(`${form.elements.from.value}T00:00:00`).toISOString(),
      time_max: new Date(`${form.elements.to.value}T23:59:59`).toISOString(),
      q: form.elements.q.value || null,
    },
  };
  if (operation === "shift") request.shift_minutes = Number(form.elements.shift_minutes.value);
  if (operation === "copy" || operation === "move") {
    request.target = { client_id: form.elements.target_client.value, calendar_id: form.elements.target_calendar.value || "primary" };
  }
  startJob(request);
});

document.getElementById("ics-import-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const file = form.elements.file.files[0];
  if (!file) return;
  startJob({
    kind: "ics_import",
    client_id: form.elements.client_id.value,
    calendar_id: form.elements.calendar_id.value || "primary",
    ics: await file.text(),
    file_name: file.name,
    skip_invalid: form.elements.skip_invalid.checked,
  });
});

document.getElementById("ics-export-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const form = e.target;
  const request = { kind: "ics_export", client_id: form.elements.client_id.value, calendar_id: form.elements.calendar_id.value || "primary" };
  if (form.elements.from.value) request.time_min = new Date(`${form.elements.from.value}T00:00:00`).toISOString();
  if (form.elements.to.value) request.time_max = new Date(`${form.elements.to.value}T23:59:59`).toISOString();
  startJob(request);
});

document.getElementById("sync-form").addEventListener("submit", (e) => {
  e.preventDefault();
  startJob({ kind: "mirror_sync", clients: scopedClients().filter((c) => c.authorized).map((c) => c.id) });
});

function jobTitle(job) {
  const client = job.spec.client_id ? ` · ${clientName(job.spec.client_id)}` : "";
  const what = { bulk: job.spec.operation, ics_import: `import ${job.spec.file_name || ""}`, ics_export: "export", mirror_sync: "mirror sync" }[job.kind];
  return `${what}${client} · job ${job.id.slice(0, 8)}`;
}

async function follow(job) {
  document.getElementById("job-status").hidden = false;
  document.getElementById("job-title").textContent = jobTitle(job);
  for (;;) {
    drawJob(job);
    if (job.state === "done" || job.state === "failed") break;
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await api("GET", `/api/jobs/${job.id}`);
  }
  showAlert(job.state === "done" && !job.failures.length ? "Job finished." : "Job finished with failures.", job.failures.length ? "error" : "success");
  if (job.kind === "mirror_sync") await loadSyncStatus();
}

function resultText(job) {
  const r = job.result;
  if (!r) return "";
  if (job.kind === "ics_import") return `${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged.`;
  if (job.kind === "ics_export") return `${r.events} events. `;
  if (job.kind === "mirror_sync") return `${r.calendars} calendars synced: ${r.upserted} events stored, ${r.deleted} removed.`;
  return "";
}

function drawJob(job) {
  const bar = document.getElementById("job-progress");
  bar.max = Math.max(job.total || 0, 1);
  bar.value = job.done;
  document.getElementById("job-count").textContent = job.total === null ? "starting…" : `${job.done} / ${job.total}`;
  const badge = document.getElementById("job-state");
  badge.textContent = job.state;
  badge.className = `badge ${job.state === "failed" ? "bad" : job.state === "done" ? "ok" : ""}`;
  document.getElementById("job-failures").replaceChildren(...job.failures.map((f) =>
    el("li", {}, el("code", {}, f.item || "job"), `: ${f.reason}`)));
  const result = document.getElementById("job-result");
  result.replaceChildren(resultText(job));
  if (job.kind === "ics_export" && job.state === "done") {
    result.append(el("a", { href: `/api/jobs/${job.id}/file`, id: "job-download", download: "" }, "Download the .ics file"));
  }
}

async function loadSyncStatus() {
  const rows = await api("GET", "/api/sync/status");
  const mine = rows.filter((r) => !state.scope || r.client_id === state.scope);
  document.getElementById("sync-rows").replaceChildren(...(mine.length ? mine.map((r) => el("tr", {},
    el("td", {}, clientName(r.client_id)), el("td", {}, r.summary || r.calendar_id), el("td", {}, r.events),
    el("td", {}, r.last_synced ? new Date(r.last_synced).toLocaleString() : "never"),
    el("td", {}, r.parked_reason ? `parked: ${r.parked_reason}` : r.last_error ? `failing: ${r.last_error}` : "ok")))
    : [el("tr", {}, el("td", { colspan: "5", className: "muted" }, "Not synced yet."))]));
}
