// The calendar page in headless Chromium: sign in, switch client and back, see two clients'
// events overlaid in their own colors, create an event by clicking a free time, drag an event
// to move it (and see a stale one refused), rename one occurrence of a series (the others stay), run a bulk job and watch
// its progress bar finish. Screenshots go to SCREENSHOTS. Prints {"errors": [...], "colors": [...]}.
// Usage: node calendar.js http://127.0.0.1:PORT   (CHROMIUM, OPERATOR, PASSWORD, SCREENSHOTS)
const path = require("path");
const { chromium } = require("playwright-core");

const WEEK = "2026-03-02";
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
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, timezoneId: "UTC" });
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
  await shot(page, "flask-calendar-week.png");

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
  await shot(page, "flask-jobs.png");

  await page.click("nav >> text=Calendar");
  await page.click(".fc-dayGridMonth-button");
  await page.waitForSelector("#calendar-grid .fc-daygrid-event >> text=Acme offsite");
  await shot(page, "flask-calendar-month.png");

  console.log(JSON.stringify({ errors, colors, progress }));
  await browser.close();
})().catch(async (e) => {
  console.error("FAIL", e.message, JSON.stringify(errors));
  if (page && process.env.SCREENSHOTS) await page.screenshot({ path: path.join(process.env.SCREENSHOTS, "failure.png") }).catch(() => {});
  process.exit(1);
});
