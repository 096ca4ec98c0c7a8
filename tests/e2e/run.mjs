// End-to-end tests of the built visitor test page (dist/, from `trunk build --release`)
// in headless Chromium. Usage: node tests/e2e/run.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveStatic, launchChromium, checks } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const dist = path.join(root, 'dist');
const out = path.join(here, 'out');
fs.mkdirSync(out, { recursive: true });

const site = await serveStatic(dist);
const browser = await launchChromium();
const { check, summary } = checks();
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });

  const t0 = Date.now();
  await page.goto(site.url);
  await page.waitForSelector('.chatlet-input:not([disabled])', { timeout: 15000 });
  console.log(`widget ready ${Date.now() - t0} ms after navigation`);

  const botTexts = () => page.locator('.chatlet-bot .chatlet-text').allTextContents();
  const waitBot = (n) => page.waitForFunction((n) => document.querySelectorAll('.chatlet-bot .chatlet-text').length >= n, n);

  await check('the page mounts the widget with the demo bot', async () => {
    assert.equal(await page.textContent('.chatlet-header h2'), 'Chatlet demo bank');
    assert.equal(await page.getAttribute('#chatlet', 'data-chatlet-bot'), 'demo-bot.json');
  });

  await check('typing and pressing Enter gets the greeting', async () => {
    await page.fill('.chatlet-input', 'hi');
    await page.press('.chatlet-input', 'Enter');
    await waitBot(2);
    assert.deepEqual((await botTexts()).slice(0, 1), ["Hi! I'm the Chatlet demo bot."]);
    assert.equal(await page.inputValue('.chatlet-input'), '');
  });

  await check('a choice, a refused answer and a slot shown in a template', async () => {
    await page.click('.chatlet-choice >> text=Check my balance');
    await waitBot(3);
    await page.fill('.chatlet-input', '99');
    await page.click('.chatlet-send');
    await waitBot(5);
    await page.fill('.chatlet-input', '314159');
    await page.press('.chatlet-input', 'Enter');
    await waitBot(6);
    await page.fill('.chatlet-input', 'ada@example.com');
    await page.press('.chatlet-input', 'Enter');
    await waitBot(7);
    const texts = await botTexts();
    assert.equal(texts[3], 'An account number has exactly 6 digits, like 123456.');
    assert.match(texts[6], /^Thanks\. Account 314159 belongs to ada@example\.com\./);
  });

  await check('keyboard only: Tab reaches the input and the send button', async () => {
    await page.focus('.chatlet-input');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'chatlet-send');
    assert.equal(await page.getAttribute('.chatlet-messages', 'role'), 'log');
  });

  await page.screenshot({ path: path.join(out, 'visitor-page.png') });
  await check('no page errors', async () => assert.deepEqual(errors, []));
} finally {
  await browser.close();
  site.close();
}
process.exit(summary() ? 1 : 0);
