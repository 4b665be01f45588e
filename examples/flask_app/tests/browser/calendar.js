// The calendar page in headless Chromium: sign in, switch client and back, see two clients'
// events overlaid in their own colors with their double booking outlined and listed, find a
// free slot for both, create an event by clicking a free time, drag an event to move it (and
// see a stale one refused), rename one occurrence of a series (the others stay), run a bulk
// job, an ICS import job and a mirror sync and watch their progress bars finish. Screenshots go to
// SCREENSHOTS. Prints {"errors", "colors", "conflicts", "conflictList", "slots", "progress", "imported", "mirrored"}.
// Usage: node calendar.js http://127.0.0.1:PORT   (CHROMIUM, OPERATOR, PASSWORD, SCREENSHOTS)
const path = require("path");
const { chromium } = require("playwright-core");

const WEEK = "2026-03-02";
const ICS = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//browser test//EN",
  "BEGIN:VEVENT", "UID:maths@school.test", "DTSTART:20260316T080000Z", "DTEND:20260316T090000Z", "SUMMARY:Maths", "END:VEVENT",
  "BEGIN:VEVENT", "UID:trip@school.test", "DTSTART;VALUE=DATE:20260318", "SUMMARY:School trip", "END:VEVENT",
  "END:VCALENDAR", ""].join("\r\n");
const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

// The page coordinates of a time on a day of the week grid.
async function slot(page, date, time) {
  const column = await page.locator(`td.fc-timegrid-col[data-date="${date}"]`).boundingBox();
  const row = await page.locator(`td.fc-timegrid-slot-lane[data-time="${time}"]`).boundingBox();
  return { x: column.x + column.width / 2, y: row.y + row.height / 2 };
}

// Drags the event titled `title` by its top edge to `time` on `date`.
async function drag(page, title, date, time) {
  const box = await page.locator("#calendar-grid .fc-event", { hasText: title }).boundingBox();
  const to = await slot(page, date, time);
  await page.mouse.move(box.x + box.width / 2, box.y + 8);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 20, box.y + 30, { steps: 5 });
  await page.mouse.move(to.x, to.y, { steps: 15 });
  await page.mouse.up();
}

// A screenshot without the passing notices.
async function shot(page, name) {
  if (!process.env.SCREENSHOTS) return;
  await page.evaluate(() => document.getElementById("alerts").replaceChildren());
  await page.screenshot({ path: path.join(process.env.SCREENSHOTS, name) });
}

async function eventColors(page) {
  return page.$$eval("#calendar-grid .fc-event", (els) => [...new Set(els.map((e) => getComputedStyle(e).backgroundColor))]);
}

let page = null;
const errors = [];
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "chromium", args: flags });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, timezoneId: "UTC", locale: "en-US" });
  page.on("pageerror", (e) => errors.push(e.message));
  // (the browser logs the expected 412 of the stale drag)
  page.on("console", (m) => { if (m.type() === "error" && !m.text().includes("status of 412")) errors.push(m.text()); });
  const base = process.argv[2];

  await page.goto(`${base}/?date=${WEEK}#calendar`);
  await page.fill("[name=username]", process.env.OPERATOR);
  await page.fill("[name=password]", process.env.PASSWORD);
  await page.click("button[type=submit]");
  await page.goto(`${base}/?date=${WEEK}#calendar`);
  await page.waitForSelector("#calendar-grid .fc-event >> text=Globex review");
  await page.waitForSelector("#calendar-grid .fc-event >> text=Acme board");

  // Switch client: Acme only, then every client again.
  await page.selectOption("#scope", { label: "Acme" });
  await page.waitForSelector("#calendar-grid .fc-event >> text=Globex review", { state: "detached" });
  await page.waitForSelector("#calendar-grid .fc-event >> text=Acme board");
  await page.selectOption("#scope", { label: "All clients" });
  await page.waitForSelector("#calendar-grid .fc-event >> text=Globex review");
  const colors = await eventColors(page);

  // The double booking across the two clients: both events outlined, the pair listed once.
  await page.waitForSelector("#conflict-list .conflict-item");
  const conflicts = await page.$$eval("#calendar-grid .fc-event.conflict", (els) => els.map((e) => e.textContent).sort());
  const conflictList = await page.$$eval("#conflict-list .conflict-item", (els) => els.map((e) => e.textContent));
  await shot(page, "flask-calendar-week.png");

  // A 45-minute slot when both clients are free on Tuesday morning.
  await page.fill("#slot-form [name=duration]", "45m");
  await page.fill("#slot-form [name=from]", "2026-03-03");
  await page.fill("#slot-form [name=to]", "2026-03-03");
  await page.fill("#slot-form [name=working_hours]", "09:00-12:00");
  await page.click("#slot-form button[type=submit]");
  await page.waitForSelector("#slot-list button.slot");
  const slots = await page.$$eval("#slot-list button.slot", (els) => els.map((e) => e.textContent));
  await page.waitForSelector("#calendar-grid .free-slot");
  await shot(page, "flask-calendar-slots.png");

  // Create by clicking a free time (Thursday 15:00).
  const free = await slot(page, "2026-03-05", "15:00:00");
  await page.mouse.click(free.x, free.y);
  await page.waitForSelector("#cal-event-modal[open]");
  await page.fill("#cal-event-form [name=summary]", "Made by a click");
  await page.click("#cal-event-form button[value=save]");
  await page.waitForSelector("#calendar-grid .fc-event >> text=Made by a click");

  // Drag "Acme board" (Tuesday 10:00) to Wednesday 13:00.
  await drag(page, "Acme board", "2026-03-04", "13:00:00");
  await page.waitForSelector("text=Event saved.");
  await page.waitForSelector('td.fc-timegrid-col[data-date="2026-03-04"] .fc-event >> text=Acme board');

  // Someone changes "Globex review" elsewhere; dragging the stale copy overwrites nothing.
  await page.evaluate(async () => {
    const { entry } = calendar.getEvents().find((e) => e.title === "Globex review").extendedProps;
    await api("PATCH", entryUrl(entry, entry.event.id), { description: "changed elsewhere" });
  });
  await drag(page, "Globex review", "2026-03-06", "09:00:00");
  await page.waitForSelector("text=changed meanwhile, reloaded");
  await page.waitForSelector('td.fc-timegrid-col[data-date="2026-03-03"] .fc-event >> text=Globex review');

  // One occurrence of the weekly series gets its own title; the others keep theirs.
  await page.click("#calendar-grid .fc-event >> text=Weekly sync");
  await page.fill("#cal-event-form [name=summary]", "Weekly sync (special)");
  await page.click("#cal-event-form button[value=save]");
  await page.click("#recurring-modal button[value=occurrence]");
  await page.waitForSelector("#calendar-grid .fc-event >> text=Weekly sync (special)");
  await page.click(".fc-next-button");
  await page.waitForSelector("#calendar-grid .fc-event-title:text-is(\"Weekly sync\")");
  await page.click(".fc-prev-button");
  await page.waitForSelector("#calendar-grid .fc-event >> text=Weekly sync (special)");
  await shot(page, "flask-calendar-edited.png");

  // A bulk job: shift this week's Globex review by an hour, with a progress bar.
  await page.click("nav >> text=Jobs");
  await page.selectOption("#job-form [name=operation]", "shift");
  await page.fill("#job-form [name=from]", "2026-03-01");
  await page.fill("#job-form [name=to]", "2026-03-07");
  await page.fill("#job-form [name=q]", "Globex review");
  await page.fill("#job-form [name=shift_minutes]", "60");
  await page.click("#job-form button[type=submit]");
  await page.waitForSelector("#job-state >> text=done", { timeout: 90000 });
  const progress = await page.$eval("#job-progress", (p) => [p.value, p.max]);

  // An ICS import job into Acme's calendar, watched to the end.
  await page.selectOption("#ics-import-form [name=client_id]", { label: "Acme" });
  await page.setInputFiles("#ics-import-form [name=file]", { name: "school.ics", mimeType: "text/calendar", buffer: Buffer.from(ICS) });
  await page.click("#ics-import-form button[type=submit]");
  await page.waitForSelector("#job-title >> text=import school.ics");
  await page.waitForSelector("#job-state >> text=done", { timeout: 90000 });
  const imported = { count: await page.textContent("#job-count"), result: await page.textContent("#job-result") };

  // A mirror sync of both clients; the mirror's table then lists their calendars.
  await page.click("#sync-form button[type=submit]");
  await page.waitForSelector("#job-title >> text=mirror sync");
  await page.waitForSelector("#job-state >> text=done", { timeout: 90000 });
  await page.waitForFunction(() => document.querySelectorAll("#sync-rows tr").length === 2);
  const mirrored = await page.$$eval("#sync-rows tr", (rows) => rows.map((r) => [...r.cells].slice(0, 3).map((c) => c.textContent)));
  await shot(page, "flask-jobs.png");

  await page.click("nav >> text=Calendar");
  await page.click(".fc-dayGridMonth-button");
  await page.waitForSelector("#calendar-grid .fc-daygrid-event >> text=Acme offsite");
  await shot(page, "flask-calendar-month.png");

  console.log(JSON.stringify({ errors, colors, conflicts, conflictList, slots, progress, imported, mirrored }));
  await browser.close();
})().catch(async (e) => {
  console.error("FAIL", e.message, JSON.stringify(errors));
  if (page && process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, "failure.png") }).catch(() => {});
  process.exit(1);
});
