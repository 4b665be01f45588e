// Bulk jobs: the form starts one over the selected clients (POST /api/jobs), then a progress
// bar follows it (GET /api/jobs/<id>) until it is done, listing each failed item.
"use strict";

loaders.jobs = async () => {
  state.clients = await api("GET", "/api/clients");
  const form = document.getElementById("job-form");
  const connected = state.clients.filter((c) => c.authorized);
  fillSelect(form.elements.target_client, connected, form.elements.target_client.value, (c) => c.name);
  if (!form.elements.from.value) form.elements.from.value = new Date().toISOString().slice(0, 10);
  if (!form.elements.to.value) form.elements.to.value = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
};

document.getElementById("job-form").addEventListener("submit", async (e) => {
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
  try {
    const job = await api("POST", "/api/jobs", request);
    showAlert("Job started.", "info");
    await follow(job);
  } catch (err) {
    showAlert(err.message, "error");
  }
});

async function follow(job) {
  document.getElementById("job-status").hidden = false;
  document.getElementById("job-title").textContent = `${job.spec.operation} · job ${job.id.slice(0, 8)}`;
  for (;;) {
    drawJob(job);
    if (job.state === "done" || job.state === "failed") break;
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await api("GET", `/api/jobs/${job.id}`);
  }
  showAlert(job.state === "done" && !job.failures.length ? "Job finished." : "Job finished with failures.", job.failures.length ? "error" : "success");
}

function drawJob(job) {
  const bar = document.getElementById("job-progress");
  bar.max = Math.max(job.total || 0, 1);
  bar.value = job.done;
  document.getElementById("job-count").textContent = job.total === null ? "finding events…" : `${job.done} / ${job.total}`;
  const badge = document.getElementById("job-state");
  badge.textContent = job.state;
  badge.className = `badge ${job.state === "failed" ? "bad" : job.state === "done" ? "ok" : ""}`;
  document.getElementById("job-failures").replaceChildren(...job.failures.map((f) =>
    el("li", {}, el("code", {}, f.item || "job"), `: ${f.reason}`)));
}
