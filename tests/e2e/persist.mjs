// A conversation survives a reload: the transcript, the pending question and the
// session's state come back; what was in flight is handled so that nothing is lost or
// sent twice (a GET is sent again, a POST is not); bad stored data starts a new
// conversation that works; data-persist="none" keeps nothing.
import assert from 'node:assert/strict';

/** The pages these checks need, for the test site's routes. */
export function persistRoutes(index, tag) {
  const withPersist = (value) => index.replace(tag, tag.replace('<script ', `<script data-persist="${value}" `));
  return {
    '/persist-none.html': { body: withPersist('none'), type: 'text/html' },
    '/persist-local.html': { body: withPersist('local'), type: 'text/html' },
    // Another page of the site with the same tag and bot.
    '/second.html': { body: index.replace('<title>', '<title>Second page: '), type: 'text/html' },
  };
}

// The conversation's key (the bubble's open state has its own, `chatlet:open:…`).
const KEY = (page) => page.evaluate(() => Object.keys(sessionStorage)
  .find((k) => k.startsWith('chatlet:') && !k.startsWith('chatlet:open:')));

/** Reloads; the bubble opens by itself when it was open (it is kept), else it is opened. */
async function reload(v) {
  await v.page.reload();
  await v.page.waitForSelector('.chatlet-launcher');
  if (await v.page.getAttribute('.chatlet-launcher', 'aria-expanded') != 'true') await v.page.click('.chatlet-launcher');
  await v.page.waitForSelector('.chatlet-header .chatlet-close', { timeout: 15000 });
}

export async function persistChecks({ open, check }) {
  await check('a reload in the middle of Account Balance keeps the transcript and the question; the request carries the answers from before and after', async () => {
    const v = await open('/');
    await v.say('balance');
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
    await v.say('ada@example.com');
    const url = (await request).url();
    assert.ok(url.includes('account=123456') && url.includes('email=ada%40example.com'), url);
    await v.waitBot(before.length + 1);
    assert.match((await v.botTexts()).at(-1), /balance/i);
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
    await v.page.waitForFunction(() => !document.querySelector('chatlet-widget').shadowRoot.querySelector('.chatlet-bot'));
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
}
