// End-to-end tests of the embargo web console in headless Chromium.
//
// The server must already run (scripts/e2e.sh starts it), in open mode (no
// API key yet): EMBARGO_URL names it. The last test creates the first key
// and signs in with it. Screenshots go to SCREENSHOTS (default
// ../artifacts/screenshots), with page-times.json: the server time of every
// page loaded (its Server-Timing header). With PAGE_BUDGET_MS set, every
// page must be answered within that budget.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.EMBARGO_URL || "http://127.0.0.1:8080").replace(/\/$/, "");
const SHOTS = process.env.SCREENSHOTS || path.resolve(here, "../../artifacts/screenshots");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// The server's binary and database (for an import while it runs).
const EMBARGO_BIN = process.env.EMBARGO_BIN;
const EMBARGO_DB = process.env.EMBARGO_DB;
mkdirSync(SHOTS, { recursive: true });

const BUDGET_MS = process.env.PAGE_BUDGET_MS ? Number(process.env.PAGE_BUDGET_MS) : null;

let browser;
let context;
let page;
// Every request the pages made (none may leave the server), and the server
// time of every page (document) answered.
const requested = [];
const pageTimes = [];

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  context.on("request", (r) => requested.push(r.url()));
  context.on("response", (r) => {
    if (r.request().resourceType() !== "document") return;
    const timing = r.headers()["server-timing"] || "";
    const m = /app;dur=([\d.]+)/.exec(timing);
    if (m) pageTimes.push({ url: r.url().slice(BASE.length), status: r.status(), ms: Number(m[1]) });
  });
  page = await context.newPage();
  page.setDefaultTimeout(15000);
});

after(async () => {
  writeFileSync(path.join(SHOTS, "page-times.json"), JSON.stringify(pageTimes, null, 2));
  if (browser) await browser.close();
});

// The page's width fits the viewport (no horizontal scrolling).
async function fitsWidth(max) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  return width <= max + 1 ? null : width;
}

describe("embargo console", () => {
  it("searches for Xiaomi as you type", async () => {
    await page.goto(`${BASE}/`);
    await assert.doesNotReject(page.locator("[data-testid=dataline]").first().waitFor());
    await page.locator("input[name=q]").pressSequentially("Xiaomi", { delay: 30 });
    const first = page.locator("[data-testid=results] li").first();
    await first.waitFor();
    assert.match(await first.innerText(), /xiaomi/i);
    assert.equal(await first.locator("mark").count() > 0, true, "the matched name is highlighted");
    assert.match(page.url(), /q=Xiaomi/, "the URL follows the search");
    await shot("search-xiaomi");
  });

  it("searches for Hikvision and opens its entity page with a timeline", async () => {
    await page.goto(`${BASE}/?q=Hikvision`);
    const results = page.locator("[data-testid=results] li");
    await results.first().waitFor();
    assert.match(await results.first().innerText(), /hikvision/i);
    await shot("search-hikvision");
    await results.first().locator(".title a").click();
    await page.waitForURL(/\/entity\//);
    const timeline = page.locator("[data-testid=timeline] svg");
    await timeline.waitFor();
    assert.ok((await timeline.locator("g.band").count()) >= 1, "one band per program");
    assert.ok((await timeline.locator("rect.inforce").count()) >= 1, "a designation is drawn");
    await assert.doesNotReject(page.locator("#why .decision").first().waitFor());
    await shot("entity-hikvision");
  });

  it("shows Xiaomi's injunction and vacatur on its timeline", async () => {
    await page.goto(`${BASE}/?q=Xiaomi+Corporation&list=us_dod_1237`);
    const link = page.locator("[data-testid=results] li .title a").first();
    await link.waitFor();
    await link.click();
    await page.waitForURL(/\/entity\//);
    const svg = page.locator("[data-testid=timeline] svg");
    await svg.waitFor();
    assert.ok((await svg.locator("[data-kind=injunction]").count()) >= 1, "injunction marker");
    assert.ok((await svg.locator("[data-kind=vacatur]").count()) >= 1, "vacatur marker");
    await shot("entity-xiaomi");
  });

  it("runs a diff between two consolidated-list versions and downloads it", async () => {
    await page.goto(`${BASE}/lists`);
    await page.locator("[data-testid=lists]").waitFor();
    await shot("lists");
    await page.goto(`${BASE}/lists/us_ofac_cons`);
    const from = page.locator("select[name=from]");
    const to = page.locator("select[name=to]");
    const options = await from.locator("option").allInnerTexts();
    assert.ok(options.length >= 2, "at least two versions");
    await from.selectOption({ index: options.length - 1 });
    await to.selectOption({ index: 0 });
    await page.getByRole("button", { name: "Show differences" }).click();
    await page.waitForURL(/\/diff\?/);
    const summary = await page.locator("[data-testid=diff-summary]").innerText();
    assert.match(summary, /\d+ added/);
    assert.ok((await page.locator("[data-testid=diff] tbody tr").count()) > 0, "diff rows");
    await page.locator("input[name=q]").fill("CMIC");
    const status = await page.locator("#diff-status").innerText();
    assert.match(status, /rows shown/);
    await shot("diff-cons");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV" }).click(),
    ]);
    const csv = readFileSync(await download.path(), "utf8");
    assert.match(csv.split("\n")[0], /^list,from_version,to_version,change,entity_id/);
  });

  it("checks a trade in Xiaomi at 2021-03-16", async () => {
    await page.goto(`${BASE}/trade`);
    await page.locator("input[name=security]").fill("Xiaomi Corporation");
    await page.locator("select[name=side]").selectOption("buy");
    await page.locator("input[name=date]").fill("2021-03-16");
    await page.locator("input[name=time]").fill("10:00");
    await page.locator("input[name=zone]").fill("America/New_York");
    await page.getByRole("button", { name: "Check" }).click();
    const answer = page.locator("[data-testid=trade-answer]");
    await answer.waitFor();
    const text = await answer.innerText();
    assert.match(text, /2021-03-16 10:00:00 EDT/);
    assert.match(text, /xiaomi/i);
    assert.match(text, /injunction/i, "the injunction is among the reasons");
    const outcome = await answer.locator("[data-testid=outcome]").first().innerText();
    assert.equal(outcome.trim(), "allowed");
    await shot("trade-xiaomi-2021-03-16");
  });

  it("uploads a small portfolio and downloads the report", async () => {
    await page.goto(`${BASE}/portfolio`);
    const csv = [
      "position_id,isin,ticker,market,name,quantity,held_since",
      "p1,,,,Hangzhou Hikvision Digital Technology Co Ltd,200,",
      "p2,,,,Xiaomi Corporation,1000,",
      "p3,US0378331005,,,Apple Inc,10,",
    ].join("\n");
    await page.locator("input[type=file]").setInputFiles({
      name: "holdings.csv", mimeType: "text/csv", buffer: Buffer.from(csv),
    });
    await page.locator("input[name=date]").fill("2024-06-03");
    await page.getByRole("button", { name: "Screen portfolio" }).click();
    await page.locator("[data-testid=portfolio-report]").waitFor();
    assert.equal(await page.locator("[data-testid=positions] tbody tr").count(), 3);
    const positions = await page.locator("[data-testid=positions]").innerText();
    assert.match(positions, /prohibited/, "Hikvision is on NS-CMIC");
    await shot("portfolio");
    for (const ext of ["csv", "json", "html"]) {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: ext.toUpperCase(), exact: true }).click(),
      ]);
      const body = readFileSync(await download.path(), "utf8");
      if (ext === "csv") assert.match(body.split("\n")[0], /^position_id,/);
      else if (ext === "json") assert.equal(JSON.parse(body).report.positions.length, 3);
      else assert.match(body, /<html/i);
    }
  });

  it("dismisses a match, which is then suppressed", async () => {
    await page.goto(`${BASE}/review?q=Xiaomi+Corp`);
    const items = page.locator("[data-testid=review-matches] > li");
    await items.first().waitFor();
    const before = await items.count();
    const entity = await items.first().getAttribute("data-entity");
    await items.first().locator("input[name=comment]").fill("different company: e2e check");
    await items.first().getByRole("button", { name: "Dismiss" }).click();
    await page.locator("[data-testid=flash]").waitFor();
    assert.match(await page.locator("[data-testid=flash]").innerText(), /Dismissed/);
    assert.match(await page.locator("[data-testid=suppressed]").innerText(), /1 dismissed/);
    assert.equal(await page.locator(`[data-testid=review-matches] > li[data-entity="${entity}"]`).count(), 0);
    assert.equal(await items.count(), before - 1);
    const recent = await page.locator("[data-testid=recent] tbody tr").first().innerText();
    assert.match(recent, /different company: e2e check/);
    assert.match(recent, /\tXiaomi Corp\t/, "the decision names its query");
    await shot("review");
  });

  it("filters by list and answers as of a chosen date", async () => {
    await page.goto(`${BASE}/?q=Hikvision`);
    await page.locator("[data-testid=results] li").first().waitFor();
    await page.locator("select[name=list]").selectOption("us_dod_1260h");
    await page.waitForURL(/list=us_dod_1260h/);
    const rows = page.locator("[data-testid=results] li");
    await rows.first().waitFor();
    for (const text of await rows.allInnerTexts()) assert.match(text, /DoD 1260H/);
    assert.match(await page.locator("#results [data-testid=dataline]").innerText(), /^Latest list versions/);
    // The 1260H list of the bundled data is dated 2026: in 2020 it is not there.
    await page.locator("input[name=as_of]").fill("2020-01-01");
    await page.waitForURL(/as_of=2020-01-01/);
    await page.locator("#results [data-testid=dataline]", { hasText: "As of 2020-01-01" }).waitFor();
    await page.locator("#results .empty").waitFor();
    assert.match(await page.locator("#results .empty").innerText(), /as of 2020-01-01/);
    await shot("search-filters-as-of");
  });

  it("works from the keyboard", async () => {
    await page.goto(`${BASE}/lists`);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), "Skip to content");
    await page.goto(`${BASE}/`);
    await page.locator("h1").click();
    await page.keyboard.press("/");
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute("name")), "q");
    await page.keyboard.type("Hikvision", { delay: 20 });
    await page.locator("[data-testid=results] li").first().waitFor();
    let inResults = false;
    for (let i = 0; i < 20 && !inResults; i++) {
      await page.keyboard.press("Tab");
      inResults = await page.evaluate(() => !!document.activeElement.closest("[data-testid=results]"));
    }
    assert.ok(inResults, "Tab reaches the results");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/entity\//);
    await page.locator("[data-testid=timeline]").waitFor();
  });

  it("shows a listed company's Chinese name from the bundled data in Han and pinyin", async () => {
    await page.goto(`${BASE}/entity/us_dod_1260h:hangzhou-hikvision-digital-technology-co-ltd`);
    const names = page.locator("[data-testid=names]");
    const han = names.locator(".han");
    assert.equal(await han.first().innerText(), "杭州海康威视数字技术股份有限公司");
    assert.match(await names.locator(".pinyin").first().innerText(), /^háng zhōu hǎi kāng wēi shì/);
    await shot("entity-bundled-han-pinyin");
  });

  it("shows Chinese names in Han and pinyin", async () => {
    // OFAC's lists publish Latin names only: import an FtM record
    // with the Chinese names of a listed company (a list of its own, which
    // the screening snapshots leave out) and open it.
    assert.ok(EMBARGO_BIN && EMBARGO_DB, "EMBARGO_BIN and EMBARGO_DB name the server's binary and database");
    execFileSync(EMBARGO_BIN, ["--db", EMBARGO_DB, "--quiet", "import", "ftm", path.join(here, "../fixtures/local_names.ftm.jsonl")]);
    await page.goto(`${BASE}/entity/ftm:hikvision`);
    const names = page.locator("[data-testid=names]");
    assert.match(await names.innerText(), /Also known as · Han/);
    const han = names.locator(".han");
    assert.equal(await han.count(), 2);
    assert.equal(await han.first().innerText(), "杭州海康威视数字技术股份有限公司");
    assert.equal(await han.first().getAttribute("lang"), null);
    assert.equal(await han.first().locator("xpath=..").getAttribute("lang"), "zh");
    assert.match(await names.locator(".pinyin").first().innerText(), /^háng zhōu hǎi kāng wēi shì/);
    await shot("entity-han-pinyin");
  });

  it("explains the legal effect at a chosen instant", async () => {
    await page.goto(`${BASE}/entity/us_ofac_cons:30923`);
    assert.match(await page.locator("#securities + .table-wrap").innerText(), /US16941M1099/);
    const why = page.locator("#why");
    await why.locator("input[name=at_date]").fill("2021-03-16");
    await why.locator("input[name=at_time]").fill("10:00");
    await why.locator("input[name=at_zone]").fill("America/New_York");
    await why.getByRole("button", { name: "Explain" }).click();
    await page.waitForURL(/at_date=2021-03-16/);
    await page.locator("#why h3", { hasText: "At 2021-03-16T10:00:00-04:00" }).waitFor();
    assert.ok((await page.locator("#why .decision").count()) >= 2, "today and the chosen instant");
    await shot("entity-china-mobile-why");
  });

  it("explains empty results and errors", async () => {
    await page.goto(`${BASE}/?q=Zzyzx+Quiet+Meadow+Bakery`);
    assert.match(await page.locator("#results .empty").innerText(), /No listed party matches/);
    const resp = await page.goto(`${BASE}/entity/us_ofac_sdn:no-such-id`);
    assert.equal(resp.status(), 404);
    assert.match(await page.locator("[role=alert]").innerText(), /No entity 'us_ofac_sdn:no-such-id'/);
    await shot("error-unknown-entity");
    const bad = await page.goto(`${BASE}/lists/us_ofac_cons/diff?from=yesterday`);
    assert.equal(bad.status(), 400);
    assert.match(await page.locator("[role=alert]").innerText(), /from:/);
    const trade = await page.goto(`${BASE}/trade?security=Xiaomi&side=buy&date=16.03.2021`);
    assert.equal(trade.status(), 400);
    assert.match(await page.locator("[role=alert]").innerText(), /expected YYYY-MM-DD/);
  });

  it("is usable on a phone-sized screen, every page", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const pages = {
      "search": "/?q=Hikvision",
      "entity": "/entity/us_ofac_cons:30923",
      "lists": "/lists",
      "versions": "/lists/us_ofac_cons",
      "diff": "/lists/us_ofac_cons/diff?from=v1&to=v3",
      "trade": "/trade?security=Xiaomi+Corporation&side=buy&date=2021-03-16&time=10:00",
      "portfolio": "/portfolio",
      "review": "/review?q=Xiaomi+Corp",
      "keys": "/keys",
      "login": "/login",
    };
    const wide = [];
    for (const [name, url] of Object.entries(pages)) {
      await page.goto(`${BASE}${url}`);
      const w = await fitsWidth(390);
      if (w) wide.push(`${name} (${w}px)`);
      await shot(`phone-${name}`);
    }
    assert.deepEqual(wide, [], "pages wider than the phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("loads nothing from outside the server", async () => {
    assert.ok(requested.length > 20, "requests were recorded");
    const outside = requested.filter((u) => !u.startsWith(BASE) && !u.startsWith("data:") && !u.startsWith("blob:"));
    assert.deepEqual(outside, []);
  });

  it("answers every page fast", async () => {
    assert.ok(pageTimes.length > 20, "server times were recorded");
    const slowest = [...pageTimes].sort((a, b) => b.ms - a.ms).slice(0, 5);
    console.log("slowest pages (server time):", slowest.map((p) => `${p.url} ${p.ms} ms`).join("; "));
    if (BUDGET_MS !== null) {
      const over = pageTimes.filter((p) => p.ms > BUDGET_MS);
      assert.deepEqual(over, [], `pages over ${BUDGET_MS} ms`);
    }
  });

  // Last: it ends open mode.
  it("creates the first API key and signs in with it", async () => {
    await page.goto(`${BASE}/`);
    await page.getByRole("link", { name: "API keys" }).click();
    await page.waitForURL(/\/keys$/);
    await page.locator("input[name=name]").fill("e2e admin");
    await page.locator("select[name=role]").selectOption("admin");
    await page.getByRole("button", { name: "Create key" }).click();
    const created = page.locator("[data-testid=new-key]");
    await created.waitFor();
    const secret = (await created.locator("code").innerText()).trim();
    assert.match(secret, /^emb_/);
    assert.match(await page.locator("[data-testid=keys]").innerText(), /e2e admin/);
    await shot("keys");
    await created.getByRole("link", { name: "sign in with this key" }).click();
    await page.waitForURL(/\/login/);
    await page.locator("input[name=key]").fill("emb_wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.match(await page.locator("[role=alert]").innerText(), /Not signed in/);
    await shot("login-refused");
    await page.locator("input[name=key]").fill(secret);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".who", { hasText: "Signed in as e2e admin" }).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === "embargo_session");
    assert.ok(cookie, "a session cookie");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.equal(await page.locator("[data-testid=open-banner]").count(), 0);
    await page.goto(`${BASE}/lists`);
    await page.locator("[data-testid=lists]").waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    await shot("login");
    await page.goto(`${BASE}/review`);
    await page.waitForURL(/\/login\?next=\/review/);
    // The API now needs the key too.
    const api = await page.request.get(`${BASE}/v1/lists`);
    assert.equal(api.status(), 401);
    const withKey = await page.request.get(`${BASE}/v1/lists`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(withKey.status(), 200);
  });
});
