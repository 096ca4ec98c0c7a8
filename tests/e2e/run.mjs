// End-to-end tests of the built visitor test page (dist/, from `trunk build --release`)
// in headless Chromium, against the real demo API server (target/debug/chatlet-demo-api)
// and the precompiled scripts `chatlet scripts` writes (target/debug/chatlet).
// Usage: node tests/e2e/run.mjs   (tools/test.sh builds everything first)
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serveStatic, startServer, launchChromium, checks, newPage, chatHelpers, greeted } from './lib.mjs';
import { fileChecks } from './files.mjs';
import { transferChecks } from './transfers.mjs';
import { embedSites, embedChecks } from './embed.mjs';
import { a11yChecks } from './a11y.mjs';
import { measure } from './measure.mjs';
import { hangRoutes, hangChecks } from './hangs.mjs';
import { persistRoutes, persistChecks } from './persist.mjs';
import { richRoutes, richChecks, richScreenshots } from './rich.mjs';
import { longRoutes, longConversation } from './long.mjs';
import { screenshots } from './screenshots.mjs';
import { windowChecks, launcherChecks } from './window.mjs';
import { tileChecks } from './tiles.mjs';
import { lifecycleChecks } from './lifecycle.mjs';
import { manyChecks, measureMany } from './many.mjs';
import { packageChecks } from './package.mjs';
import { previewRoutes, previewChecks } from './preview.mjs';
import { foldBot, foldChecks } from './fold.mjs';
import { compiledRoutes, compiledChecks } from './compiled.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
// The visitor test page (dist/site) and the release folder a CDN serves (dist/chatlet).
const dist = path.join(root, 'dist', 'site');
const release = path.join(root, 'dist', 'chatlet');
const bin = (name) => path.join(root, 'target/debug', name);
const out = path.join(here, 'out');
fs.mkdirSync(out, { recursive: true });

const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlet-e2e-uploads-'));
// --control: the fault-injection endpoints (/api/control/*) the checks below use.
const api = await startServer(bin('chatlet-demo-api'), ['--port', '0', '--upload-dir', uploadDir, '--control']);
const control = (query) => fetch(new URL(`api/control/${query}`, api.url), { method: 'POST' })
  .then((r) => assert.equal(r.status, 200));

// Pages made from the built index.html: another bot, or the strict-CSP variants.
const index = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
const tag = '<script src="chatlet.js" data-bot="demo-bot.json" async></script>';
assert.ok(index.includes(tag), 'the visitor page embeds the widget with the one tag');
const withBot = (bot) => index.replace(tag, tag.replace('demo-bot.json', bot));
// No 'unsafe-eval', no 'unsafe-inline' (scripts or styles): only this origin's files and
// WebAssembly compilation.
const strictCsp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
  "style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";
const precompiled = execFileSync(bin('chatlet'), ['scripts', path.join(root, 'www/demo-bot.json')], { encoding: 'utf8' });
const withScripts = index.replace(tag, '<script src="/demo-bot.scripts.js"></script>\n' + tag);

// Test bots: a short timeout against the slow endpoint, and calls to another origin.
const testBot = (name, url, settings = {}) => JSON.stringify({
  chatlet: 1, id: name, name, settings,
  integrations: { Api: { url, fields: { value: '$.api_Api.waited' } } },
  dialogs: [
    { name: 'Call', patterns: ['call'], flow: [
      { call: 'Api', rules: [{ result: 'success', then: 'ok' }, { result: 'failure', then: 'failed' }] },
      { say: 'The call worked ({$botContext.api_ApiStatus}).', name: 'ok', then: 'stop' },
      { say: 'The call failed.', name: 'failed' }] },
    { name: 'Other', patterns: ['*'], flow: [{ say: 'You said: {$userMessage}' }] },
  ],
});
const apiOrigin = api.url.replace(/\/$/, '');
const routes = {
  '/timeout.html': { body: withBot('/bots/timeout.json'), type: 'text/html' },
  '/bots/timeout.json': { body: testBot('Timeout', '/api/slow?ms=4000', { apiTimeoutMs: 1000 }) },
  '/cors-ok.html': { body: withBot('/bots/cors-ok.json'), type: 'text/html' },
  '/bots/cors-ok.json': { body: testBot('CORS allowed', `${apiOrigin}/api/slow?ms=1`) },
  '/cors-refused.html': { body: withBot('/bots/cors-refused.json'), type: 'text/html' },
  '/bots/cors-refused.json': { body: testBot('CORS refused', `${apiOrigin}/api/no-cors`) },
  '/strict.html': { body: withScripts, type: 'text/html', headers: { 'Content-Security-Policy': strictCsp } },
  '/strict-no-scripts.html': { body: index, type: 'text/html', headers: { 'Content-Security-Policy': strictCsp } },
  '/demo-bot.scripts.js': { body: precompiled, type: 'text/javascript' },
  ...hangRoutes(withBot, fs.readFileSync(path.join(here, 'bots/stuck.json'), 'utf8')),
  ...persistRoutes(index, tag),
  ...richRoutes(index, tag),
  ...longRoutes(index, tag),
  ...previewRoutes(),
  '/fold.html': { body: withBot('/bots/fold.json'), type: 'text/html' },
  '/bots/fold.json': { body: foldBot() },
  ...compiledRoutes(withBot, bin('chatlet'), path.join(root, 'www/demo-bot.json')),
};
const site = await serveStatic(dist, { api: api.url, routes });
const browser = await launchChromium();
const { check, summary } = checks();

/** Opens a page of the site and its chat window (the launcher); collects page errors,
 * console errors and warnings. On the demo bot's pages the greeting is awaited and left
 * out of the helpers' counts. */
async function open(pathname) {
  const { page, log } = await newPage(browser);
  const t0 = Date.now();
  await page.goto(new URL(pathname, site.url).href);
  await page.click('.chatlet-launcher');
  await page.waitForSelector('.chatlet-header .chatlet-close', { timeout: 15000 });
  const ready = Date.now() - t0;
  return { page, log, ready, ...chatHelpers(page, '', await greeted(page)) };
}

/** Opens a page of the site without touching its window; collects what `open` does. */
async function visit(pathname) {
  const { page, log } = await newPage(browser);
  await page.goto(new URL(pathname, site.url).href);
  return { page, log };
}

/** Runs the balance dialog; returns the bot's last text and the API's answer. */
async function balance(v, account, email) {
  const before = (await v.botTexts()).length;
  await v.say('balance');
  await v.waitBot(before + 1);
  await v.say(account);
  await v.waitBot(before + 2);
  const answer = v.page.waitForResponse((r) => r.url().includes('/api/balance'));
  await v.say(email);
  const response = await answer;
  await v.waitBot(before + 3);
  return { text: (await v.botTexts())[before + 2], status: response.status(), body: await response.json() };
}

try {
  await check('the test server serves nothing outside dist/, not even a sibling folder named dist-…', async () => {
    const sibling = `${dist}-probe`;
    fs.mkdirSync(sibling, { recursive: true });
    fs.writeFileSync(path.join(sibling, 'secret.txt'), 'secret');
    try {
      const status = await new Promise((ok, fail) => {
        // A raw path: a URL object would resolve the dots before sending.
        const { hostname, port } = new URL(site.url);
        http.get({ hostname, port, path: '/..%2Fdist-probe/secret.txt' }, (r) => { r.resume(); ok(r.statusCode); }).on('error', fail);
      });
      assert.equal(status, 403);
    } finally {
      fs.rmSync(sibling, { recursive: true, force: true });
    }
  });

  const v = await open('/');
  console.log(`widget ready ${v.ready} ms after navigation`);

  await check('the page mounts the widget with the demo bot', async () => {
    assert.equal(await v.page.textContent('.chatlet-header h2'), 'Chatlet demo bank');
    assert.equal(await v.page.getAttribute('.chatlet-launcher', 'aria-expanded'), 'true');
  });

  await check('typing and pressing Enter gets the greeting; a choice starts Account Balance', async () => {
    await v.say('hi');
    await v.waitBot(2);
    assert.deepEqual((await v.botTexts()).slice(0, 1), ["Hi! I'm the Chatlet demo bot."]);
    assert.equal(await v.page.inputValue('.chatlet-input'), '');
    await v.page.click('.chatlet-choice:not([disabled]) >> text=Check my balance');
    await v.waitBot(3);
    await v.say('99');
    await v.waitBot(5);
    assert.equal((await v.botTexts())[3], 'An account number has exactly 6 digits, like 123456.');
    await v.say('reset');
  });

  await check('Account Balance calls the demo API and shows the balance it returned', async () => {
    const r = await balance(v, '314159', 'ada+test@example.com');
    assert.equal(r.status, 200);
    assert.equal(r.body.account, '314159');
    assert.equal(r.text, `The balance of account 314159 is ${r.body.accountBalance} USD.`);
  });

  await check('with the API answering 500, the same dialog takes the failure path', async () => {
    await control('fail?path=/api/balance&status=500&times=1');
    const r = await balance(v, '271828', 'ada@example.com');
    assert.equal(r.status, 500);
    assert.equal(r.text, 'Sorry, I couldn\'t get the balance for account 271828 right now. Please try again later, or type "agent".');
    const again = await balance(v, '271828', 'ada@example.com');
    assert.equal(again.text, `The balance of account 271828 is ${again.body.accountBalance} USD.`);
  });

  await check('Agent Handoff: pre-process code, a POST with Authorization, the ticket, the transfer', async () => {
    const before = (await v.botTexts()).length;
    const posted = v.page.waitForRequest((r) => r.url().endsWith('/api/escalate'));
    const answered = v.page.waitForResponse((r) => r.url().endsWith('/api/escalate'));
    await v.say('I want to talk to a human, please');
    const request = await posted;
    const response = await answered;
    assert.equal(request.method(), 'POST');
    assert.equal(request.headers()['authorization'], 'Bearer chatlet-demo-token');
    assert.equal(JSON.parse(request.postData()).message, 'Visitor asked: I want to talk to a human, please');
    assert.equal(response.status(), 201);
    const { ticket } = await response.json();
    await v.waitBot(before + 3);
    assert.deepEqual((await v.botTexts()).slice(before), [
      'One moment, I am writing down what you asked.',
      "I'll pass this on to our team.",
      `Your ticket is ${ticket}. A person from our team will take it from here.`,
    ]);
    await v.page.waitForSelector('.chatlet-system >> text=You are being transferred to a person.');
  });

  await check('keyboard only: Tab reaches the input and the send button', async () => {
    await v.page.focus('.chatlet-input');
    await v.page.keyboard.press('Tab');
    assert.equal(await v.page.evaluate(() => __chatlet.active().className), 'chatlet-send');
    assert.equal(await v.page.getAttribute('.chatlet-messages', 'role'), 'log');
  });
  await v.page.screenshot({ path: path.join(out, 'visitor-page.png') });
  await check('no page errors on the visitor page', async () => {
    // Chromium logs the injected HTTP 500 itself; nothing else may show.
    const expected = /Failed to load resource: the server responded with a status of 500/;
    assert.deepEqual(v.log.errors.filter((e) => !expected.test(e)), []);
  });

  await check('a call that outlives the bot\'s timeout fails; typing shows meanwhile; messages typed meanwhile are kept', async () => {
    const t = await open('/timeout.html');
    await t.say('call');
    await t.page.waitForSelector('.chatlet-typing:not([hidden])', { timeout: 900 });
    assert.match(await t.page.textContent('.chatlet-typing'), /typing/);
    await t.say('still there?');
    await t.waitBot(2);
    assert.deepEqual(await t.botTexts(), ['The call failed.', 'You said: still there?']);
    assert.equal(await t.page.$('.chatlet-typing:not([hidden])'), null);
    assert.deepEqual(t.log.errors, []);
    await t.page.close();
  });

  await check('a cross-origin API with CORS headers answers; one without them fails by the rules', async () => {
    const ok = await open('/cors-ok.html');
    const sent = ok.page.waitForRequest((r) => r.url().includes('/api/slow'));
    await ok.say('call');
    await ok.waitBot(1);
    assert.deepEqual(await ok.botTexts(), ['The call worked (200).']);
    assert.equal((await sent).url(), `${apiOrigin}/api/slow?ms=1`, 'the URL goes out as the engine wrote it (no stray &)');
    await ok.page.close();
    const refused = await open('/cors-refused.html');
    await refused.say('call');
    await refused.waitBot(1);
    assert.deepEqual(await refused.botTexts(), ['The call failed.']);
    // The only console error is the browser's own CORS report.
    assert.ok(refused.log.errors.every((e) => /CORS|Failed to load resource|ERR_FAILED/.test(e)), refused.log.errors.join('\n'));
    await refused.page.close();
  });

  await check('strict CSP (no unsafe-eval): the precompiled scripts run the handoff code', async () => {
    const s = await open('/strict.html');
    await s.say('agent');
    await s.waitBot(3);
    const texts = await s.botTexts();
    assert.equal(texts[0], 'One moment, I am writing down what you asked.');
    assert.match(texts[2], /^Your ticket is T-\d{6}\./);
    assert.ok(s.log.info.some((m) => m.includes('precompiled scripts')), s.log.info.join('\n'));
    assert.deepEqual(s.log.errors, []);
    assert.deepEqual(s.log.warnings.filter((w) => w.startsWith('chatlet')), []);
    await s.page.close();
  });

  await check('strict CSP without the scripts file: the CSP refuses the code, the error says why, the chat goes on', async () => {
    const s = await open('/strict-no-scripts.html');
    await s.say('agent');
    await s.waitBot(1);
    await s.waitBot(2);
    const texts = await s.botTexts();
    assert.equal(texts[0], "I'll pass this on to our team.");
    // No worker either (script-src 'self' refuses blob: workers): the code does not run,
    // and the console says why and names the precompiled scripts.
    assert.ok(s.log.errors.some((e) => e.includes('chatlet scripts') && e.includes('Content-Security-Policy')), s.log.errors.join('\n'));
    await s.page.close();
  });
  await foldChecks({ open, check });
  await compiledChecks({ open, visit, check });
  await hangChecks({ open, check });
  await persistChecks({ open, check, browser, siteUrl: site.url });
  await richChecks({ open, check });
  await fileChecks({ open, check, api, control, out });
  await transferChecks({ open, check });
  await windowChecks({ open, check, browser, siteUrl: site.url });
  await previewChecks({ browser, check, siteUrl: site.url, root, out });
  await packageChecks({ browser, check, release, root, api });
  const sites = await embedSites({ dist: release, api: api.url });
  try {
    await embedChecks({ browser, check, sites });
    await a11yChecks({ browser, check, sites });
    await launcherChecks({ browser, check, sites, siteUrl: site.url });
    await tileChecks({ browser, check, sites });
    await lifecycleChecks({ browser, check, sites });
    await manyChecks({ browser, check, sites });
    if (!process.env.E2E_ONLY) {
      await screenshots({ browser, siteUrl: site.url, sites, out });
      await richScreenshots({ browser, siteUrl: site.url, out });
      await measure({ browser, sites });
      await measureMany({ browser, sites });
      await longConversation({ open });
    }
  } finally {
    sites.close();
  }
} finally {
  fs.rmSync(uploadDir, { recursive: true, force: true });
  await browser.close();
  site.close();
  api.close();
}
process.exit(summary() ? 1 : 0);
