// The whole user workflow in the Flask example's web UI, in headless Chromium: sign in, add a client
// (and see a refused duplicate), save OAuth credentials, authorize against the emulator, create,
// edit and delete an event, edit one occurrence of a weekly series (the others stay), open
// Settings. Prints {"errors": [...], "secretShown": bool}.
// Usage: node ui.js http://127.0.0.1:PORT   (CHROMIUM names the browser binary; OPERATOR and
// PASSWORD the operator to sign in as)
const { chromium } = require("playwright-core");
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const base = process.argv[2];
  await page.goto(`${base}/#clients`);
  await page.waitForURL(/\/login/);
  await page.fill("[name=username]", process.env.OPERATOR);
  await page.fill("[name=password]", process.env.PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForSelector("#calendar-grid.fc");  // signed in: the calendar is the home page
  await page.goto(`${base}/#clients`);
  await page.waitForSelector("#clients:not([hidden])");
  await page.click("#add-client");
  await page.fill("#client-form [name=name]", "Acme Ltd");
  await page.fill("#client-form [name=email]", "ops@acme.test");
  await page.click("#client-form button[value=save]");
  await page.waitForSelector("text=Client added.");
  await page.waitForSelector("#client-rows >> text=Acme Ltd");
  // Working hours: set in the client form, read back in its canonical form.
  await page.click("#client-rows >> text=Edit");
  await page.fill("#client-form [name=working_hours]", "mon-fri 09:00-17:00");
  await page.fill("#client-form [name=time_zone]", "Europe/Zurich");
  await page.click("#client-form button[value=save]");
  await page.waitForSelector("text=Client saved.");
  await page.click("#client-rows >> text=Edit");
  await page.waitForSelector("#client-modal[open]");
  const hours = [await page.inputValue("#client-form [name=working_hours]"), await page.inputValue("#client-form [name=time_zone]")];
  await page.click("#client-form button[value=cancel]");
  // bad input shows an error alert
  await page.click("#add-client");
  await page.fill("#client-form [name=name]", "Dup");
  await page.fill("#client-form [name=email]", "ops@acme.test");
  await page.click("#client-form button[value=save]");
  await page.waitForSelector(".alert.error");
  // OAuth from the client row
  await page.click("#client-rows >> text=OAuth");
  await page.fill("#credential-form [name=google_client_id]", "123-acme.apps.googleusercontent.com");
  await page.fill("#credential-form [name=google_client_secret]", "s3cret-value");
  await page.click("#credential-form button[value=save]");
  await page.waitForSelector("#credential-rows >> text=123-acme.apps.googleusercontent.com");
  await page.click("#credential-rows >> text=Authorize");
  await page.waitForURL(/authorized=/);
  await page.waitForSelector("text=Google Calendar connected.");
  await page.waitForSelector("#credential-rows >> text=valid");
  // Events
  await page.click("nav >> text=Events");
  await page.waitForSelector("#event-calendar option", { state: "attached" });
  await page.click("#add-event");
  const d = new Date(Date.now() + 86400000); const day = d.toISOString().slice(0, 10);
  await page.fill("#event-form [name=summary]", "Planning");
  await page.fill("#event-form [name=start]", `${day}T10:00`);
  await page.fill("#event-form [name=end]", `${day}T11:00`);
  await page.fill("#event-form [name=attendees]", "ann@acme.test");
  await page.click("#event-form button[value=save]");
  await page.waitForSelector("#event-rows >> text=Planning");
  await page.click("#event-rows >> text=Edit");
  await page.fill("#event-form [name=summary]", "Planning (moved)");
  await page.click("#event-form button[value=save]");
  await page.waitForSelector("#event-rows >> text=Planning (moved)");
  await page.click("#event-rows >> text=Delete");
  await page.click("#confirm-modal button[value=ok]");
  await page.waitForSelector("text=Event deleted.");
  // A weekly series: editing one occurrence keeps the others (it used to flatten the series).
  await page.click("#add-event");
  await page.fill("#event-form [name=summary]", "Weekly");
  await page.fill("#event-form [name=start]", `${day}T08:00`);
  await page.fill("#event-form [name=end]", `${day}T08:30`);
  await page.fill("#event-form [name=recurrence]", "RRULE:FREQ=WEEKLY;COUNT=3");
  await page.click("#event-form button[value=save]");
  await page.waitForFunction(() => document.querySelectorAll("#event-rows tr").length === 3);
  await page.locator("#event-rows tr").nth(1).locator("text=Edit").click();
  await page.click("#recurring-modal button[value=occurrence]");
  await page.fill("#event-form [name=summary]", "Weekly (this one)");
  await page.click("#event-form button[value=save]");
  await page.waitForSelector("#event-rows >> text=Weekly (this one)");
  const titles = await page.$$eval("#event-rows tr td:nth-child(2)", (tds) => tds.map((td) => td.textContent.trim()));
  if (JSON.stringify(titles) !== JSON.stringify(["Weekly ↻", "Weekly (this one) ↻", "Weekly ↻"])) {
    throw new Error(`editing one occurrence changed the series: ${JSON.stringify(titles)}`);
  }
  await page.click("nav >> text=Settings");
  await page.waitForSelector("#settings-list >> text=sqlite");
  const text = await page.content();
  console.log(JSON.stringify({ errors, secretShown: text.includes("s3cret-value"), hours }));
  await browser.close();
})().catch((e) => { console.error("FAIL", e.message); process.exit(1); });
