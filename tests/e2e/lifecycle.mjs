// End-to-end checks that a window removed from the page ends its conversation for good:
// destroy() (and removing a data-chatlet-bot element) while a transfer waits for the
// page, an integration call is in flight, messages are paced, and a file is uploading.
// Afterwards, for 3 s past every timeout the test shortened: the worker is terminated,
// no chatlet:* event fires, no request is sent and nothing is written to the storage.
// Also: an upload that cannot even be sent reaches the bot as file_upload_failed:, and
// the options chatlet.mount reads: an unknown key is warned about, a wrong one reported.
import assert from 'node:assert/strict';
import { newPage } from './lib.mjs';
import { pdf, drop } from './files.mjs';

/** A bot with code (so its session runs in a worker) and every long task there is. */
export const lifecycleBot = JSON.stringify({
  chatlet: 1, id: 'lifecycle', name: 'Lifecycle',
  settings: { apiTimeoutMs: 2500 },
  code: ['function noop() {}'],
  integrations: {
    Slow: { url: '/api/slow?ms=2000', fields: { waited: '$.api_Slow.waited' } },
    Store: { type: 'file', method: 'POST', url: '/api/upload', query: { name: 'f.pdf' } },
    Nowhere: { type: 'file', method: 'POST', url: 'ftp://files.example/in' },
  },
  dialogs: [
    { name: 'Call', patterns: ['call'], flow: [
      { call: 'Slow', pre: 'noop();', rules: [{ result: 'success', then: 'called' }, { result: 'failure', then: 'missed' }] },
      { say: 'called', name: 'called', then: 'stop' },
      { say: 'missed', name: 'missed' }] },
    { name: 'Paced', patterns: ['paced'], flow: [{ say: 'one', delay: 1500 }, { say: 'two', delay: 1500 }] },
    { name: 'Person', patterns: ['person'], flow: [{ transfer: { skill: '42' } }] },
    { name: 'Upload', patterns: ['upload'], flow: [
      { upload: { text: 'Your file?', accept: ['pdf'] }, name: 'ask' }, { call: 'Store', name: 'store' }] },
    { name: 'Broken upload', patterns: ['broken'], flow: [
      { upload: { text: 'Your file, please?', accept: ['pdf'] }, name: 'ask broken' }, { call: 'Nowhere', name: 'send broken' }] },
    { name: 'Stored', patterns: ['file_upload_success:*'], flow: [{ say: 'stored' }] },
    { name: 'Not stored', patterns: ['file_upload_failed:*'], flow: [{ say: 'upload failed' }] },
    { name: 'Plan', patterns: ['plan'], flow: [{ say: 'Plan: {$botContext.plan}.' }] },
    { name: 'Other', patterns: ['*'], flow: [{ say: 'You said: {$userMessage}' }] },
  ],
});

/** An inline page that mounts the lifecycle bot with chatlet.mount, and one that marks an
 * element data-chatlet-bot. */
export function lifecycleRoutes(cdnScript) {
  const page = (body) => ({ type: 'text/html', body: `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Lifecycle</title><link rel="icon" href="data:,">
${cdnScript}</head><body><main><h1>Lifecycle</h1>${body}</main></body></html>` });
  return {
    '/bots/lifecycle.json': { body: lifecycleBot },
    '/lifecycle.html': page(`<div id="chat" style="height:500px"></div>
<script src="/lifecycle.js"></script>`),
    '/lifecycle.js': { type: 'text/javascript', body: `window.handle = chatlet.mount(document.getElementById('chat'),
  { bot: '/bots/lifecycle.json', mode: 'inline', transferTimeout: 1 });` },
    // Options with a mistake of each kind, and a listener for what the widget says of them.
    '/options.html': page(`<div id="chat" style="height:500px"></div>
<script src="/options.js"></script>`),
    '/options.js': { type: 'text/javascript', body: `window.errors = [];
window.addEventListener('chatlet:error', (e) => window.errors.push(e.detail));
window.handle = chatlet.mount(document.getElementById('chat'),
  { bot: '/bots/lifecycle.json', mode: 'inline', transferTimeout: 'soon', colour: 'red', idleMinutes: 5, variables: { plan: 'gold' } });` },
    '/options-marked.html': page(`<script>window.errors = [];
window.addEventListener('chatlet:error', (e) => window.errors.push(e.detail));</script>
<div id="chat" style="height:500px" data-chatlet-bot="/bots/lifecycle.json" data-transfer-timeout="soon" data-var-plan="silver"></div>`),
    '/lifecycle-marked.html': page('<div id="chat" style="height:500px" data-chatlet-bot="/bots/lifecycle.json" data-transfer-timeout="1"></div>'),
  };
}

/** Records, from the page's start, the workers terminated, the events, the requests and
 * the storage writes; `mark()` starts counting what comes after. */
async function watch(page) {
  await page.addInitScript(() => {
    window.__after = { terminated: 0, events: [], writes: [] };
    window.__counting = false;
    const terminate = Worker.prototype.terminate;
    Worker.prototype.terminate = function () { window.__after.terminated++; return terminate.call(this); };
    for (const name of ['message', 'transfer', 'error', 'upload', 'visitor-message', 'ready']) {
      window.addEventListener(`chatlet:${name}`, () => { if (window.__counting) window.__after.events.push(name); });
    }
    for (const m of ['setItem', 'removeItem']) {
      const original = Storage.prototype[m];
      Storage.prototype[m] = function (...args) {
        if (window.__counting) window.__after.writes.push(`${m} ${args[0]}`);
        return original.apply(this, args);
      };
    }
  });
  const requests = [];
  page.on('request', (r) => { if (page.__counting) requests.push(r.url()); });
  return {
    mark: async () => { await page.evaluate(() => { window.__counting = true; }); page.__counting = true; },
    after: async () => ({ ...(await page.evaluate(() => window.__after)), requests: [...requests] }),
  };
}

async function say(page, text) {
  await page.fill('.chatlet-input', text);
  await page.press('.chatlet-input', 'Enter');
}

export async function lifecycleChecks({ browser, check, sites }) {
  const url = (p) => new URL(p, sites.site.url).href;
  const cases = [
    ['a transfer waiting for the page (a 1 s timeout)', async (page) => {
      await say(page, 'person');
      await page.waitForFunction(() => __chatlet.all('.chatlet-system').length >= 1);
    }],
    ['an integration call in flight (2 s)', async (page) => {
      const sent = page.waitForRequest((r) => r.url().includes('/api/slow'));
      await say(page, 'call');
      await sent;
    }],
    ['paced messages (1.5 s each)', async (page) => {
      await say(page, 'paced');
      await page.waitForSelector('.chatlet-typing:not([hidden])');
    }],
    ['an upload under way (a slow line)', async (page) => {
      await say(page, 'upload');
      await page.waitForSelector('.chatlet-attach');
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: 1e6, uploadThroughput: 100 * 1024 });
      await drop(page, 'big.pdf', pdf(2 * 1024 * 1024), 'application/pdf');
      await page.waitForSelector('.chatlet-file[data-state=sending]');
    }],
  ];
  for (const [what, start] of cases) {
    for (const [how, pathname, remove] of [
      ['destroy()', '/lifecycle.html', (page) => page.evaluate(() => window.handle.destroy())],
      ['removing its data-chatlet-bot element', '/lifecycle-marked.html', (page) => page.evaluate(() => document.getElementById('chat').remove())],
    ]) {
      await check(`lifecycle: ${how} during ${what} ends the conversation for good: the worker terminated, then no event, request or storage write`, async () => {
        const { page, log } = await newPage(browser);
        const w = await watch(page);
        await page.goto(url(pathname));
        await page.waitForSelector('.chatlet-input:not([disabled])');
        await page.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.includes('lifecycle.json')));
        await start(page);
        await w.mark();
        await remove(page);
        // 3 s past the longest of the shortened timeouts (the 2.5 s call, a 1 s transfer).
        await page.waitForTimeout(2500 + 3000);
        const after = await w.after();
        assert.ok(after.terminated >= 1, `the worker was terminated: ${JSON.stringify(after)}`);
        assert.deepEqual(after.events, [], 'no event after the window went');
        assert.deepEqual(after.requests, [], 'no request after the window went');
        assert.deepEqual(after.writes, [], 'nothing written to the storage after the window went');
        assert.equal(await page.evaluate(() => document.querySelector('chatlet-widget')), null, 'the widget is gone');
        assert.deepEqual(log.errors, []);
        await page.close();
      });
    }
  }

  await check('an upload that cannot even be sent (a URL XMLHttpRequest refuses) reaches the bot as file_upload_failed:', async () => {
    const { page, log } = await newPage(browser);
    await page.goto(url('/lifecycle.html'));
    await page.waitForSelector('.chatlet-input:not([disabled])');
    await say(page, 'broken');
    await page.waitForSelector('.chatlet-attach');
    await drop(page, 'a.pdf', pdf(4096), 'application/pdf');
    await page.waitForSelector('.chatlet-bot >> text=upload failed');
    assert.equal(await page.getAttribute('.chatlet-file', 'data-state'), 'failed');
    // The browser says why on its own console.
    assert.deepEqual(log.errors.filter((e) => !/FTP is not supported/.test(e)), []);
    await page.close();
  });

  await check('chatlet.mount reads its options by type: an unknown key is a console warning naming it, a wrong one a chatlet:error naming its key, and the window goes on with the rest', async () => {
    const { page, log } = await newPage(browser);
    await page.goto(url('/options.html'));
    await page.waitForSelector('.chatlet-input:not([disabled])');
        const errors = await page.evaluate(() => window.errors);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0].kind, 'options');
    assert.equal(errors[0].key, 'transferTimeout');
    assert.match(errors[0].message, /transferTimeout.*invalid type/);
    assert.ok(log.warnings.some((w) => /unknown option "colour"/.test(w)), JSON.stringify(log.warnings));
    assert.ok(!log.warnings.some((w) => /idleMinutes|title/.test(w)), 'known keys are not warned about');
    assert.equal(log.errors.length, 1, JSON.stringify(log.errors));
    assert.match(log.errors[0], /option "transferTimeout" is left out/);
    await say(page, 'plan');
    await page.waitForSelector('.chatlet-bot >> text=Plan: gold.');
    await page.close();

    // The same from an element's attributes.
    const marked = await newPage(browser);
    await marked.page.goto(url('/options-marked.html'));
    await marked.page.waitForSelector('.chatlet-input:not([disabled])');
    const markedErrors = await marked.page.evaluate(() => window.errors);
    assert.deepEqual(markedErrors.map((e) => [e.kind, e.key]), [['options', 'transferTimeout']], JSON.stringify(markedErrors));
    await say(marked.page, 'plan');
    await marked.page.waitForSelector('.chatlet-bot >> text=Plan: silver.');
    await marked.page.close();
  });
}
