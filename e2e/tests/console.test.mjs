// End-to-end tests of the embargo web console in headless Chromium.
//
// The server must already run (scripts/e2e.sh starts it): EMBARGO_URL names
// it. Screenshots go to SCREENSHOTS (default ../artifacts/screenshots).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.EMBARGO_URL || "http://127.0.0.1:8080").replace(/\/$/, "");
const SHOTS = process.env.SCREENSHOTS || path.resolve(here, "../../artifacts/screenshots");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(SHOTS, { recursive: true });

let browser;
let context;
let page;

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
  page = await context.newPage();
  page.setDefaultTimeout(15000);
});

after(async () => {
  if (browser) await browser.close();
});

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
    for (const ext of ["csv", "html"]) {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: ext.toUpperCase(), exact: true }).click(),
      ]);
      const body = readFileSync(await download.path(), "utf8");
      if (ext === "csv") assert.match(body.split("\n")[0], /^position_id,/);
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
    assert.match(await page.locator("[data-testid=recent]").innerText(), /different company: e2e check/);
    await shot("review");
  });

  it("is usable on a phone-sized screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${BASE}/?q=Hikvision`);
    await page.locator("[data-testid=results] li").first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 400, `no horizontal scrolling (${width}px)`);
    await shot("search-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
