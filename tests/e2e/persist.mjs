// A conversation survives a reload: the transcript, the pending question and the
// session's state come back; what was in flight is handled so that nothing is lost or
// sent twice (a GET is sent again, a POST is not); bad stored data starts a new
// conversation that works; data-persist="none" keeps nothing.
import assert from 'node:assert/strict';
import { newPage, chatHelpers, greeted, GREETING } from './lib.mjs';
import { pdf } from './files.mjs';

// Two calls in a row: the second is asked for while the first is answered, so a network
// that drops during the first leaves the second waiting.
const CHAIN_BOT = JSON.stringify({
  chatlet: 1, id: 'chain', name: 'Chain', settings: { apiTimeoutMs: 1500 },
  integrations: { First: { url: '/api/slow?ms=600' }, Second: { url: '/api/slow?ms=1&second=1' } },
  dialogs: [
    { name: 'Chain', patterns: ['chain'], flow: [
      { call: 'First', rules: [{ result: 'success', then: 'second' }, { result: 'failure', then: 'failed' }] },
      { call: 'Second', name: 'second', rules: [{ result: 'success', then: 'ok' }, { result: 'failure', then: 'failed' }] },
      { say: 'Both calls worked.', name: 'ok', then: 'stop' },
      { say: 'A call failed.', name: 'failed' }] },
    // A forever-scoped variable outlives the conversation.
    { name: 'Colour', patterns: ['colour'], flow: [
      { ask: 'Your favourite colour?', rules: [{ set: { colour: '{$query}' }, scope: 'forever' }] },
      { say: 'I will remember {$botContext.colour}.' }] },
    { name: 'Other', patterns: ['*'], flow: [{ say: 'Colour: {$botContext.colour}' }] },
  ],
});

/** The pages these checks need, for the test site's routes. */
export function persistRoutes(index, tag) {
  const withPersist = (value) => index.replace(tag, tag.replace('<script ', `<script data-persist="${value}" `));
  return {
    '/persist-none.html': { body: withPersist('none'), type: 'text/html' },
    '/persist-local.html': { body: withPersist('local'), type: 'text/html' },
    '/persist-idle.html': { body: index.replace(tag, tag.replace('<script ', '<script data-idle-minutes="1" ')), type: 'text/html' },
    '/chain.html': { body: index.replace(tag, tag.replace('demo-bot.json', 'bots/chain.json')), type: 'text/html' },
    '/bots/chain.json': { body: CHAIN_BOT },
    // Another page of the site with the same tag and bot.
    '/second.html': { body: index.replace('<title>', '<title>Second page: '), type: 'text/html' },
  };
}

// The conversation's key (the bubble's open state has its own, `chatlet:open:…`).
const KEY = (page) => page.evaluate(() => Object.keys(sessionStorage)
  .find((k) => k.startsWith('chatlet:') && !k.startsWith('chatlet:open:')));

/** Opens the window unless it opened by itself (its open state is kept). */
async function openWindow(page) {
  await page.waitForSelector('.chatlet-launcher');
  if (await page.getAttribute('.chatlet-launcher', 'aria-expanded') != 'true') await page.click('.chatlet-launcher');
  await page.waitForSelector('.chatlet-header .chatlet-close', { timeout: 15000 });
}

/** Reloads; the bubble opens by itself when it was open (it is kept), else it is opened. */
async function reload(v) {
  await v.page.reload();
  await openWindow(v.page);
}

/** A page of the site in `context` (a browser or a context: tabs of one share storage),
 * with `init` run before the page's scripts. */
async function tab(context, url, init) {
  const { page, log } = await newPage(context);
  if (init) await page.addInitScript(init);
  await page.goto(url);
  await openWindow(page);
  return { page, log, ...chatHelpers(page, '', await greeted(page)) };
}

/** The conversation id of the page's next message event. */
const nextId = (page) => page.evaluate(() => new Promise((ok) =>
  document.addEventListener('chatlet:message', (e) => ok(e.detail.conversationId), { once: true })));

export async function persistChecks({ open, check, browser, siteUrl }) {
  const url = (p) => new URL(p, siteUrl).href;
  await check('a reload in the middle of Account Balance keeps the transcript and the question; the request carries the answers from before and after', async () => {
    const v = await open('/');
    const id = nextId(v.page);
    await v.say('balance');
    const idBefore = await id;
    await v.waitBot(1);
    await v.say('123456');
    await v.waitBot(2);
    const before = await v.botTexts();
    assert.equal(before.at(-1), 'And the email address on the account?');
    assert.ok(await KEY(v.page), 'the conversation is in sessionStorage');
    await reload(v);
    await v.waitBot(before.length);
    assert.deepEqual(await v.botTexts(), before, 'the transcript is redrawn');
    assert.deepEqual(await v.page.locator('.chatlet-visitor .chatlet-text').allTextContents(), ['balance', '123456']);
    const request = v.page.waitForRequest((r) => r.url().includes('/api/balance'));
    const idAfter = nextId(v.page);
    await v.say('ada@example.com');
    const sent = (await request).url();
    assert.ok(sent.includes('account=123456') && sent.includes('email=ada%40example.com'), sent);
    await v.waitBot(before.length + 1);
    assert.match((await v.botTexts()).at(-1), /balance/i);
    assert.equal(await idAfter, idBefore, 'the conversation id is kept across the reload');
    // The page did not hear of the old messages again: only the new ones.
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });

  await check('another page of the same site, with the same bot, goes on with the conversation (and its window opens as it was)', async () => {
    const v = await open('/');
    await v.say('balance');
    await v.waitBot(1);
    await v.say('654321');
    await v.waitBot(2);
    const before = await v.botTexts();
    await v.page.goto(new URL('/second.html', v.page.url()).href);
    await v.page.waitForSelector('.chatlet-header .chatlet-close', { timeout: 15000 });
    assert.match(await v.page.title(), /^Second page/);
    await v.waitBot(before.length);
    assert.deepEqual(await v.botTexts(), before);
    const request = v.page.waitForRequest((r) => r.url().includes('/api/balance'));
    await v.say('bob@example.org');
    assert.ok((await request).url().includes('account=654321'));
    await v.page.close();
  });

  await check('a GET in flight at the reload is sent again; a POST is not (the failure rule answers)', async () => {
    const v = await open('/');
    let gets = 0;
    let release;
    await v.page.route('**/api/balance*', (route) => {
      gets += 1;
      if (gets === 1) release = () => route.abort().catch(() => {}); // held until the reload
      else route.continue();
    });
    await v.say('balance');
    await v.waitBot(1);
    await v.say('123456');
    await v.waitBot(2);
    await v.say('ada@example.com');
    await v.page.waitForTimeout(300);
    assert.equal(gets, 1);
    const shown = (await v.botTexts()).length;
    await reload(v);
    await v.waitBot(shown + 1);
    assert.equal(gets, 2, 'the GET was sent once more after the reload');
    assert.match((await v.botTexts()).at(-1), /balance/i);
    release?.();

    let posts = 0;
    await v.page.route('**/api/escalate', (route) => { posts += 1; }); // never answered
    await v.say('agent');
    await v.page.waitForTimeout(500);
    assert.equal(posts, 1);
    const before = (await v.botTexts()).length;
    await reload(v);
    await v.waitBot(before + 1);
    await v.page.waitForTimeout(300);
    assert.equal(posts, 1, 'the POST is never sent twice');
    assert.equal((await v.botTexts()).at(-1), 'I could not reach our team just now. Please try again in a few minutes.');
    await v.page.close();
  });

  await check('bad stored data (broken JSON, another format) starts a new conversation that works, and says why on the console', async () => {
    const v = await open('/');
    await v.say('balance');
    await v.waitBot(1);
    const key = await KEY(v.page);
    for (const [bad, why] of [['{"v":1,"steps":[', 'not valid JSON'], ['{"v":0}', 'another format']]) {
      await v.page.evaluate(([k, b]) => sessionStorage.setItem(k, b), [key, bad]);
      await reload(v);
      assert.deepEqual(await v.botTexts(), [], 'a new conversation');
      assert.ok(v.log.warnings.some((w) => w.includes(why)), v.log.warnings.join('\n'));
      await v.say('hi');
      await v.waitBot(1);
      assert.equal((await v.botTexts())[0], "Hi! I'm the Chatlet demo bot.");
    }
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });

  await check('the bubble\'s open state is kept too: open after a reload without a click (and without taking focus), closed after closing', async () => {
    const v = await open('/');
    await v.say('hi');
    await v.waitBot(1);
    await v.page.reload();
    await v.page.waitForSelector('.chatlet-header .chatlet-close', { timeout: 15000 });
    assert.equal(await v.page.getAttribute('.chatlet-launcher', 'aria-expanded'), 'true');
    await v.waitBot(1);
    await v.page.click('.chatlet-header .chatlet-close');
    await v.page.reload();
    await v.page.waitForSelector('.chatlet-launcher');
    await v.page.waitForTimeout(300);
    assert.equal(await v.page.getAttribute('.chatlet-launcher', 'aria-expanded'), 'false');
    await v.page.close();
  });

  await check('chatlet.reset() forgets the stored conversation: nothing of it stays in storage, a reload starts afresh', async () => {
    const v = await open('/');
    await v.say('balance');
    await v.waitBot(1);
    await v.say('123456');
    await v.waitBot(2);
    const key = await KEY(v.page);
    assert.ok((await v.page.evaluate((k) => sessionStorage.getItem(k), key)).includes('123456'));
    await v.page.evaluate(() => window.chatlet.reset());
    // A new conversation: the visitor's messages gone, and the bot greets again.
    await v.page.waitForFunction(() => !document.querySelector('chatlet-widget').shadowRoot.querySelector('.chatlet-visitor'));
    await v.page.waitForFunction((n) => __chatlet.all('.chatlet-bot .chatlet-text').length === n, GREETING.length);
    assert.deepEqual(await v.page.locator('.chatlet-bot .chatlet-text').allTextContents(), GREETING);
    await v.page.waitForTimeout(200);
    const stored = await v.page.evaluate((k) => sessionStorage.getItem(k), key);
    assert.ok(!stored || !stored.includes('123456'), stored);
    await reload(v);
    assert.deepEqual(await v.botTexts(), []);
    await v.say('balance');
    await v.waitBot(1);
    assert.equal((await v.botTexts())[0], 'What is your 6-digit account number?');
    await v.page.close();
  });

  await check('data-persist="none" keeps nothing; "local" keeps the conversation in localStorage', async () => {
    const none = await open('/persist-none.html');
    await none.say('balance');
    await none.waitBot(1);
    assert.equal(await KEY(none.page), undefined);
    await reload(none);
    assert.deepEqual(await none.botTexts(), []);
    await none.page.close();
    const local = await open('/persist-local.html');
    await local.say('balance');
    await local.waitBot(1);
    const stored = await local.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('chatlet:') && !k.startsWith('chatlet:open:')).length);
    assert.equal(stored, 1);
    await reload(local);
    await local.waitBot(1);
    assert.equal((await local.botTexts())[0], 'What is your 6-digit account number?');
    await local.page.evaluate(() => localStorage.clear());
    await local.page.close();
  });

  await check('two tabs in local mode: one conversation; what is typed in either tab is answered in order, shown in both; the second tab goes on when the first closes', async () => {
    const context = await browser.newContext();
    try {
      const a = await tab(context, url('/persist-local.html'));
      await a.say('balance');
      await a.waitBot(1);
      const b = await tab(context, url('/persist-local.html'));
      await b.waitBot(1);
      assert.deepEqual(await b.botTexts(), await a.botTexts(), 'the second tab shows the conversation');
      await b.say('123456'); // typed in the second tab, answered by the session the first runs
      await a.waitBot(2);
      await b.waitBot(2);
      assert.equal((await b.botTexts())[1], 'And the email address on the account?');
      const request = a.page.waitForRequest((r) => r.url().includes('/api/balance'));
      await a.say('ada@example.com');
      assert.ok((await request).url().includes('account=123456'), 'the answer typed in the other tab filled the slot');
      await b.waitBot(3);
      // Both tabs at once: both messages handled, in one order, the same in both tabs.
      await Promise.all([a.say('first words'), b.say('second words')]);
      await a.waitBot(5);
      await b.waitBot(5);
      const visitor = (t) => t.page.locator('.chatlet-visitor .chatlet-text').allTextContents();
      const seen = await visitor(a);
      assert.deepEqual(seen.slice(0, 3), ['balance', '123456', 'ada@example.com']);
      assert.deepEqual([...seen.slice(3)].sort(), ['first words', 'second words']);
      await b.page.waitForFunction((n) => __chatlet.all('.chatlet-visitor').length == n, seen.length);
      assert.deepEqual(await visitor(b), seen);
      assert.deepEqual(await b.botTexts(), await a.botTexts());
      // The first tab goes: the second runs the conversation from where it was.
      await a.page.close();
      await b.say('balance');
      await b.waitBot(6);
      assert.equal((await b.botTexts())[5], 'What is your 6-digit account number?');
      const stored = await b.page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes('#in:')));
      assert.deepEqual(stored, [], 'no message is left behind');
      assert.deepEqual([...a.log.errors, ...b.log.errors], []);
    } finally {
      await context.close();
    }
  });

  await check('two tabs in local mode: a file given to the second tab is uploaded by the first, and both show how it went', async () => {
    const context = await browser.newContext();
    try {
      const a = await tab(context, url('/persist-local.html'));
      const b = await tab(context, url('/persist-local.html'));
      const uploads = [];
      a.page.on('request', (r) => { if (r.url().includes('/api/upload')) uploads.push(r.url()); });
      await b.say('I want to send a document');
      await b.page.waitForSelector('.chatlet-attach'); // the second tab shows what the bot asks for
      await b.page.setInputFiles('.chatlet-picker', { name: 'statement.pdf', mimeType: 'application/pdf', buffer: pdf(20 * 1024) });
      for (const t of [a, b]) {
        await t.page.waitForSelector('.chatlet-bot >> text=/Thanks! Your file is stored as U-[0-9a-f]{32} \\(20480 bytes\\)\\./');
        assert.equal(await t.page.getAttribute('.chatlet-file', 'data-state'), 'sent');
      }
      assert.equal(uploads.length, 1, 'the tab that leads sent it, once');
      assert.deepEqual([...a.log.errors, ...b.log.errors], []);
    } finally {
      await context.close();
    }
  });

  await check('offline: the window says so; messages typed meanwhile are shown as pending and sent in order when the network is back', async () => {
    const v = await open('/');
    await v.say('hi');
    await v.waitBot(1);
    const n = (await v.botTexts()).length;
    await v.page.context().setOffline(true);
    await v.page.waitForSelector('.chatlet-offline >> text=You are offline');
    await v.say('balance');
    await v.say('123456');
    assert.equal(await v.page.locator('.chatlet-pending').count(), 2);
    await v.page.waitForTimeout(400);
    assert.equal((await v.botTexts()).length, n, 'nothing is answered while offline');
    const stored = await v.page.evaluate((k) => sessionStorage.getItem(k), await KEY(v.page));
    assert.ok(stored.includes('"pending":["balance","123456"]'), 'the pending messages are kept');
    await v.page.context().setOffline(false);
    await v.waitBot(n + 2);
    assert.deepEqual((await v.botTexts()).slice(n), ['What is your 6-digit account number?', 'And the email address on the account?']);
    assert.equal(await v.page.locator('.chatlet-pending').count(), 0);
    assert.equal(await v.page.$('.chatlet-offline'), null);
    await v.page.close();
  });

  await check('a call asked for while offline waits for the network and is made once; offline past its timeout, the failure rule answers', async () => {
    for (const back of [true, false]) {
      const v = await open('/chain.html');
      const seconds = [];
      v.page.on('request', (r) => { if (r.url().includes('second=1')) seconds.push(r.url()); });
      const first = v.page.waitForRequest((r) => r.url().includes('ms=600'));
      await v.say('chain');
      await first;
      // The network drops while the first call is answered (the browser's events).
      await v.page.evaluate(() => window.dispatchEvent(new Event('offline')));
      await v.page.waitForSelector('.chatlet-offline');
      await v.page.waitForTimeout(1000);
      assert.equal(seconds.length, 0, 'the second call waits');
      if (back) {
        await v.page.evaluate(() => window.dispatchEvent(new Event('online')));
        await v.page.waitForSelector('.chatlet-bot >> text=Both calls worked.');
        assert.equal(seconds.length, 1);
      } else {
        await v.page.waitForSelector('.chatlet-bot >> text=A call failed.', { timeout: 5000 });
        assert.equal(seconds.length, 0, 'never made, never retried');
      }
      await v.page.close();
    }
  });

  await check('a reload during an upload: the file is marked failed and file_upload_failed: answers', async () => {
    const v = await open('/');
    await v.say('I want to send a document');
    await v.page.waitForSelector('.chatlet-attach');
    const cdp = await v.page.context().newCDPSession(v.page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 64 * 1024 });
    await v.page.setInputFiles('.chatlet-picker', { name: 'statement.pdf', mimeType: 'application/pdf', buffer: pdf(2 * 1024 * 1024) });
    await v.page.waitForSelector('.chatlet-file[data-state="sending"]');
    // Reloaded with the upload still crawling (the throttle stays: it slows uploads only).
    await reload(v);
    await v.page.waitForSelector('.chatlet-bot >> text=Sorry, that file did not arrive. Please try again later.');
    assert.equal(await v.page.getAttribute('.chatlet-file', 'data-state'), 'failed');
    await v.page.close();
  });

  await check('storage refused or full: the conversation works and is not kept, the console says why', async () => {
    const cases = [
      ['denied', '/', () => Object.defineProperty(window, 'sessionStorage', { get() { throw new DOMException('denied', 'SecurityError'); } }), 'may not use'],
      ['full', '/', () => { Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); }; }, 'refused'],
      // Local mode without storage: no tab to share with, the window runs the conversation itself.
      ['denied (local)', '/persist-local.html', () => Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('denied', 'SecurityError'); } }), 'may not use'],
    ];
    for (const [name, page, init, why] of cases) {
      const v = await tab(browser, url(page), init);
      await v.say('balance');
      await v.waitBot(1);
      await v.say('123456');
      await v.waitBot(2);
      assert.equal((await v.botTexts())[1], 'And the email address on the account?', name);
      assert.ok(v.log.warnings.some((w) => w.includes(why)), `${name}: ${v.log.warnings.join('\n')}`);
      assert.deepEqual(v.log.errors, [], name);
      await v.page.close();
    }
  });

  await check('a conversation idle for longer than data-idle-minutes starts over, and says so', async () => {
    const v = await open('/persist-idle.html');
    await v.say('balance');
    await v.waitBot(1);
    await v.page.evaluate((k) => {
      const state = JSON.parse(sessionStorage.getItem(k));
      state.time -= 2 * 60 * 1000;
      sessionStorage.setItem(k, JSON.stringify(state));
    }, await KEY(v.page));
    await reload(v);
    assert.deepEqual(await v.botTexts(), []);
    assert.ok(v.log.warnings.some((w) => w.includes('idle for more than 1 min')), v.log.warnings.join('\n'));
    await v.page.close();
  });

  await check('forever-scoped variables outlive the conversation (kept in localStorage)', async () => {
    const context = await browser.newContext();
    try {
      const v = await tab(context, url('/chain.html'));
      await v.say('colour');
      await v.waitBot(1);
      await v.say('teal');
      await v.waitBot(2);
      assert.equal((await v.botTexts())[1], 'I will remember teal.');
      await v.page.evaluate(() => sessionStorage.clear()); // the conversation is gone
      await reload(v);
      assert.deepEqual(await v.botTexts(), []);
      await v.say('hello');
      await v.waitBot(1);
      assert.equal((await v.botTexts())[0], 'Colour: teal');
    } finally {
      await context.close();
    }
  });
}
