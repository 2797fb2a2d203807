// The dashboard in a real browser (playwright-core driving Debian's Chromium headless) against the API
// process serving the built dashboard: a buyer sends an offer, the supplier sees it arrive live in a second
// browser context and counters it, the buyer's timeline updates without a reload and the buyer accepts;
// a shipment's chart grows while a simulated edge device records readings and a violation appears; a block
// and a transaction open with the ledger's own hash and fields. A screenshot of each page is saved to
// test/e2e/screenshots/.
//
// Needs the dashboard built (`npm run build` does it; WEB_ROOT overrides where it is looked for) and
// Chromium at /usr/bin/chromium (CHROMIUM overrides).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadProfile } from '../../network/client/src';
import type { Devnet } from '../../network/devnet/src/devnet';
import { startApiServer, type ApiServer } from '../../api/src/server';
import { startEdge, type Edge } from '../../edge/src/edge';
import {
  CreateOfferDocument,
  CreateShipmentDocument,
  WebBlockDocument,
  WebNegotiationDocument,
  WebShipmentDocument,
  WebTransactionDocument,
} from '../../schema/generated/operations';
import { REPO_ROOT, removeDir, startTestDevnet } from '../integration/helpers';
import { adminKeyOf, createUserKey, dataOf, gql, newApiDir } from './api-helpers';
import { provisionEdge, type EdgeWorld } from './edge-helpers';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const VIEWPORT = { width: 1280, height: 800 };

const ROOT = REPO_ROOT;
/** The built dashboard beside the compiled API (dist/web), else the repository's dist/web. */
const WEB_ROOT =
  process.env.WEB_ROOT ??
  [path.resolve(__dirname, '..', '..', 'web'), path.join(ROOT, 'dist', 'web')].find((d) =>
    existsSync(path.join(d, 'index.html')),
  );
const SHOTS = path.join(ROOT, 'test', 'e2e', 'screenshots');

const log = pino({ level: process.env.WEB_TEST_LOG ?? 'silent' });

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

void describe('dashboard in a browser', () => {
  let devnet: Devnet | undefined;
  let api: ApiServer | undefined;
  let apiDir: { dataDir: string; secret: string } | undefined;
  let browser: Browser | undefined;
  let edge: Edge | undefined;
  const contexts: BrowserContext[] = [];
  const dirs: string[] = [];
  let base = '';
  let buyer: { partyId: string; apiKey: string };
  let supplier: { partyId: string; apiKey: string };
  let supplierAdmin: string;
  let buyerPage: Page;
  const RFQ = 'rfq-web-1';
  const SHIPMENT = 'ship-web-1';

  before(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM`,
      );
    if (!WEB_ROOT)
      throw new Error(
        `the dashboard is not built (no index.html in dist/web): run npm run build, or vite build --config web/vite.config.ts`,
      );
    mkdirSync(SHOTS, { recursive: true });
    devnet = await startTestDevnet({
      chaincodes: [{ name: 'manusquare', path: path.join(ROOT, 'chaincode') }],
    });
    apiDir = newApiDir();
    api = await startApiServer({
      profile: await loadProfile(path.join(devnet.dataDir, 'network.json')),
      dataDir: apiDir.dataDir,
      walletSecret: apiDir.secret,
      port: 0,
      host: '127.0.0.1',
      webRoot: WEB_ROOT,
      orgAdmins: devnet.cas.map((ca) => ({
        mspId: ca.mspId,
        enrollmentId: ca.bootstrap.enrollmentID,
        secret: ca.bootstrap.enrollmentSecret,
      })),
      log,
    });
    base = `http://127.0.0.1:${api.port}`;
    buyer = await createUserKey(api, adminKeyOf(api, 'Org1MSP'), 'buyer');
    supplier = await createUserKey(api, adminKeyOf(api, 'Org2MSP'), 'supplier');
    supplierAdmin = (await createUserKey(api, adminKeyOf(api, 'Org2MSP'), 'ops-admin', 'admin')).apiKey;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await edge?.close().catch(() => undefined);
    await api?.close();
    await devnet?.stop();
    if (devnet) await removeDir(devnet.dataDir);
    if (apiDir) await removeDir(apiDir.dataDir);
    for (const d of dirs) await removeDir(d);
  });

  async function newPage(): Promise<Page> {
    const context = await browser!.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => console.error(`[browser] ${err.message}`));
    return page;
  }

  async function signIn(page: Page, apiKey: string): Promise<void> {
    await page.goto(`${base}/`);
    await page.fill('input[name=apiKey]', apiKey);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=whoami]');
  }

  async function shot(page: Page, name: string): Promise<void> {
    // Let the row highlight fade, so the picture shows the page at rest.
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  }

  void test('sign-in: a wrong key is refused with the API message and code; the right one shows who you are', async () => {
    const page = await newPage();
    await page.goto(`${base}/negotiations`);
    await page.fill('input[name=apiKey]', 'not-a-key');
    await page.click('button[type=submit]');
    const error = page.locator('[role=alert]');
    await error.waitFor();
    assert.match(await error.innerText(), /UNAUTHENTICATED/);
    await page.fill('input[name=apiKey]', '');
    await shot(page, '01-sign-in');

    await signIn(page, buyer.apiKey);
    const who = await page.locator('[data-testid=whoami]').innerText();
    assert.match(who, /buyer/);
    assert.match(who, /Org1MSP/);
    // The history route survived the sign-in: the server fell back to index.html for /negotiations.
    assert.equal(new URL(page.url()).pathname, '/negotiations');
    buyerPage = page;
  });

  void test('negotiation: offer, live arrival at the supplier, counter-offer, the buyer timeline updates, accept', async () => {
    const page = buyerPage;
    const supplierPage = await newPage();
    await signIn(supplierPage, supplier.apiKey);
    await supplierPage.waitForSelector('[data-testid=negotiations]');
    assert.equal(await supplierPage.locator(`a:has-text("${RFQ}")`).count(), 0);

    // The buyer sends an offer from the form.
    await page.click('button:has-text("New offer")');
    const form = page.locator('[data-testid=offer-form]');
    await form.locator('input[name=targetParty]').fill(supplier.partyId);
    await form.locator('input[name=id]').fill(RFQ);
    await form.locator('input[name=item]').fill('Cold chain transport of vaccines');
    await form.locator('input[name=price]').fill('100');
    await form.locator('input[name=quantity]').fill('10');
    await shot(page, '02-new-offer');
    await form.locator('button[type=submit]').click();
    await page.waitForURL(`**/negotiations/${RFQ}`);
    await page.locator('[data-testid=round]').first().waitFor();
    assert.equal(await page.locator('[data-testid=round]').count(), 1);
    assert.match(await page.locator('[data-testid=waiting]').innerText(), /Your offer is on the table/);

    // The supplier's list, open since before the offer, shows it without a reload.
    const row = supplierPage.locator(`[data-testid=negotiations] a:has-text("${RFQ}")`);
    await row.waitFor({ timeout: 20_000 });
    await shot(supplierPage, '03-negotiations-supplier');
    await row.click();
    await supplierPage.click('button:has-text("Counter-offer")');
    const counter = supplierPage.locator('[data-testid=counter-form]');
    await counter.locator('input[name=price]').fill('90');
    // Tighten the temperature range (max 8 -> 6) and add a humidity condition.
    await counter.locator('input[aria-label=maximum]').first().fill('6');
    await counter.locator('button:has-text("Add condition")').click();
    await counter.locator('input[aria-label="condition field"]').nth(1).fill('humidity');
    await counter.locator('input[aria-label=minimum]').nth(1).fill('0');
    await counter.locator('input[aria-label=maximum]').nth(1).fill('60');
    await counter.locator('textarea[name=note]').fill('We can do 90 if the humidity stays below 60 %.');
    await counter.locator('button[type=submit]').click();
    await supplierPage.locator('[data-testid=round]').nth(1).waitFor();

    // The buyer's timeline (never reloaded) gains round 2 with what changed.
    const round2 = page.locator('[data-testid=round]').nth(1);
    await round2.waitFor({ timeout: 20_000 });
    const text = await round2.innerText();
    assert.match(text, /#2/);
    assert.match(text, /Counter-offer/);
    assert.match(text, /supplier/);
    assert.match(text, /price\s*100\s*→\s*90/);
    assert.match(text, /temperature\s*2 – 8\s*→\s*2 – 6/);
    assert.match(text, /condition added\s*humidity\s*0 – 60/i);
    assert.match(text, /We can do 90 if the humidity stays below 60 %\./);
    // It is the buyer's turn now.
    await page.locator('[data-testid=actions]').waitFor();
    await shot(page, '04-negotiation-buyer-timeline');

    // The rounds shown are the ledger's.
    const fromApi = dataOf(
      await gql(api!.url, buyer.apiKey, WebNegotiationDocument, { id: RFQ }),
    ).negotiation;
    assert.deepEqual(
      fromApi.rounds.map((r) => r.action),
      ['OFFER', 'COUNTER_OFFER'],
    );

    // The buyer accepts; the supplier's page follows.
    await page.click('[data-testid=actions] button:has-text("Accept")');
    await page.locator('.page-actions .badge:has-text("ACCEPTED")').waitFor();
    await supplierPage.locator('[data-testid=round]').nth(2).waitFor();
    assert.match(await supplierPage.locator('[data-testid=round]').nth(2).innerText(), /Accepted/);
  });

  void test('shipment: the chart grows and a violation appears while an edge device records readings', async () => {
    const page = buyerPage;
    const negotiation = dataOf(
      await gql(api!.url, buyer.apiKey, WebNegotiationDocument, { id: RFQ }),
    ).negotiation;
    assert.ok(negotiation.orderId, 'the accepted negotiation opened an order');
    // The shipment takes the order's agreed conditions: temperature 2-6, humidity 0-60.
    dataOf(
      await gql(api!.url, supplier.apiKey, CreateShipmentDocument, {
        input: {
          id: SHIPMENT,
          orderId: negotiation.orderId,
          items: ['pallet-1', 'pallet-2'],
          origin: 'Lugano',
          destination: 'Milano',
          receiver: buyer.partyId,
          devices: [],
        },
      }),
    );

    await page.click('nav >> text=Shipments');
    const link = page.locator(`[data-testid=shipments] a:has-text("${SHIPMENT}")`);
    await link.waitFor();
    await link.click();
    await page.waitForSelector('[data-testid=sensor-temperature]');
    assert.equal(await page.locator('[data-testid=violation-count]').innerText(), '0');

    // A simulated truck: temperature around 4 °C with excursions of +6 °C, humidity around 45 %, on a route
    // from Lugano to Milano; about five readings a second.
    const world: EdgeWorld = {
      devnet: devnet!,
      api: api!,
      supplierAdmin,
      buyer,
      supplier,
      shipmentId: SHIPMENT,
      profilePath: path.join(devnet!.dataDir, 'network.json'),
      close: async () => undefined,
    };
    const deviceId = 'truck-web-1';
    const { config, dataDir } = await provisionEdge(world, deviceId, {
      batch: { size: 10, lingerMs: 150 },
      source: {
        type: 'simulated',
        deviceId,
        seed: 11,
        intervalMs: 200,
        fields: ['temperature', 'humidity', 'location'],
        temperature: {
          base: 4,
          driftStep: 0.15,
          driftBound: 1,
          excursion: { probability: 0.08, magnitude: 6, samples: 4 },
        },
        humidity: { base: 45, driftStep: 0.5, driftBound: 5, excursion: { probability: 0 } },
        route: {
          waypoints: [
            { lat: 46.0037, lon: 8.9511 },
            { lat: 45.8719, lon: 8.9826 },
            { lat: 45.8081, lon: 9.0852 },
            { lat: 45.6983, lon: 9.0786 },
            { lat: 45.4642, lon: 9.19 },
          ],
          samplesPerLeg: 8,
        },
      },
    });
    dirs.push(dataDir);
    edge = await startEdge(config, { log });

    const chart = page.locator('[data-testid=sensor-temperature] svg');
    const points = async () => Number((await chart.getAttribute('data-points')) ?? '0');
    await waitUntil(async () => (await points()) > 0, 20_000, 'the first readings in the chart');
    const first = await points();
    await waitUntil(async () => (await points()) >= first + 10, 20_000, 'the chart to grow');
    assert.ok((await points()) >= first + 10, 'the chart grew without a reload');

    // An excursion breaks the 2-6 °C condition: the counter, the table and a red point show it.
    const violations = page.locator('[data-testid=violation-count]');
    await waitUntil(async () => Number(await violations.innerText()) > 0, 30_000, 'a violation');
    await page.locator('[data-testid=violations] tbody tr').first().waitFor();
    assert.match(await page.locator('[data-testid=violations]').innerText(), /temperature/);
    assert.ok((await page.locator('[data-testid=sensor-temperature] .chart-bad').count()) > 0);
    assert.ok(Number(await page.locator('.map').getAttribute('data-points')) >= 2, 'the route has positions');
    assert.match(await page.locator('[data-testid=custody]').innerText(), /CREATED/);
    // The page's figures are the API's (the summary may be a moment ahead of the page).
    const summary = dataOf(await gql(api!.url, buyer.apiKey, WebShipmentDocument, { id: SHIPMENT })).shipment
      .summary;
    assert.ok(summary.violations > 0 && summary.temperature.max! > 6);
    // A few more readings, so the route shows some distance, then a picture.
    await page.waitForTimeout(2_500);
    await shot(page, '06-shipment');
    await page.locator('[data-testid=sensor-temperature]').scrollIntoViewIfNeeded();
    await page.evaluate('window.scrollBy(0, -70)');
    await shot(page, '07-shipment-sensors');
    await edge.close();
    edge = undefined;
    await page.click('nav >> text=Shipments');
    await page.waitForSelector(`[data-testid=shipments] a:has-text("${SHIPMENT}")`);
    await shot(page, '05-shipments');
  });

  void test('ledger: blocks arrive live; a block and a transaction open with the ledger own values', async () => {
    const page = buyerPage;
    await page.click('nav >> text=Ledger');
    await page.waitForSelector('[data-testid=blocks] tbody tr');

    // A new transaction while the page is open: its block appears at the top.
    const created = dataOf(
      await gql(api!.url, buyer.apiKey, CreateOfferDocument, {
        input: {
          id: 'rfq-web-2',
          item: 'Aluminium housings',
          price: '12.50',
          quantity: 500,
          currency: 'EUR',
          conditions: [],
          targetParty: supplier.partyId,
        },
      }),
    ).createOffer.transaction;
    const blockNumber = created.blockNumber!;
    const row = page.locator(`[data-testid=blocks] tr[data-block="${blockNumber}"]`);
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), /negotiation:createOffer/);
    await shot(page, '08-ledger');

    await row.locator(`a:has-text("#${blockNumber}")`).click();
    await page.waitForSelector('[data-testid=block-hash]');
    const block = dataOf(await gql(api!.url, buyer.apiKey, WebBlockDocument, { number: blockNumber })).block;
    assert.equal(await page.locator('[data-testid=block-hash]').innerText(), block.hash);
    const fields = await page.locator('[data-testid=block-fields]').innerText();
    assert.ok(fields.includes(block.previousHash), 'the previous hash is shown');
    const txRow = page.locator(
      `[data-testid=block-transactions] tr:has(a[href="/ledger/transactions/${created.transactionId}"])`,
    );
    const txText = await txRow.innerText();
    assert.match(txText, /Org1MSP/);
    assert.match(txText, /createOffer/);
    assert.match(txText, /VALID/);
    await shot(page, '09-block');

    await txRow.locator('a').first().click();
    await page.waitForSelector('[data-testid=transaction-fields]');
    const tx = dataOf(
      await gql(api!.url, buyer.apiKey, WebTransactionDocument, { id: created.transactionId }),
    ).transaction;
    const txFields = await page.locator('[data-testid=transaction-fields]').innerText();
    assert.ok(txFields.includes(tx.transactionId));
    assert.ok(txFields.includes(`#${tx.blockNumber}`));
    assert.ok(txFields.includes(tx.creatorMspId));
    assert.ok(txFields.includes(tx.function ?? 'none'));
    assert.equal(tx.validationCode, 'VALID');
    await shot(page, '10-transaction');
  });
});
