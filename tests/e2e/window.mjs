// End-to-end checks of what the visitor sees of the conversation: where the log is
// scrolled after every kind of turn, the "new messages" pill when the visitor reads
// above, and a live region that only grows (no message node removed, replaced or
// re-inserted on any kind of turn).
import assert from 'node:assert/strict';
import { pdf, drop } from './files.mjs';
import { newPage, chatHelpers } from './lib.mjs';
import { openHost } from './embed.mjs';
import { audit } from './a11y.mjs';

/** Watches the log: every message node removed, and every one inserted again. */
export async function watchLog(page) {
  await page.evaluate(() => {
    const log = __chatlet.q('[role=log]');
    // One task's records come together: a message added to its run after the run was
    // added is one insertion, not two. Inserted again means removed, then added.
    const seen = new WeakSet(__chatlet.all('.chatlet-msg'));
    const gone = new WeakSet();
    window.__log = { removed: 0, reinserted: 0, added: 0 };
    const msgs = (n) => n.nodeType === 1 ? [...(n.matches('.chatlet-msg') ? [n] : []), ...n.querySelectorAll('.chatlet-msg')] : [];
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.removedNodes) {
          for (const m of msgs(n)) { window.__log.removed++; gone.add(m); }
        }
        for (const n of r.addedNodes) {
          for (const m of msgs(n)) {
            if (gone.has(m)) { window.__log.reinserted++; gone.delete(m); }
            else if (!seen.has(m)) { seen.add(m); window.__log.added++; }
          }
        }
      }
    }).observe(log, { childList: true, subtree: true });
  });
}

/** What the watch counted since the last call. */
export async function logChanges(page) {
  return page.evaluate(() => {
    const c = { ...window.__log };
    window.__log = { removed: 0, reinserted: 0, added: 0 };
    return c;
  });
}

/** Where the newest message is, against the log's visible box (px from its top). */
export async function newest(page) {
  return page.evaluate(() => {
    const log = __chatlet.q('[role=log]');
    const msgs = __chatlet.all('.chatlet-msg');
    const last = msgs[msgs.length - 1];
    const l = log.getBoundingClientRect();
    const m = last.getBoundingClientRect();
    return {
      top: m.top - l.top, bottom: m.bottom - l.top, height: l.height,
      scrollTop: log.scrollTop, max: log.scrollHeight - log.clientHeight, text: last.textContent,
    };
  });
}

/** The newest message's box is inside the log's visible box (a tall one: its top is). */
async function inView(page, what) {
  // Images and layouts settle after the text: give the log a frame or two.
  await page.waitForTimeout(150);
  const n = await newest(page);
  const visible = n.bottom <= n.height + 1 || (n.top >= 0 && n.top < n.height);
  assert.ok(n.top >= -1 && visible, `${what}: the newest message is out of view: ${JSON.stringify(n)}`);
}

/** Waits until the bot has written `n` messages of any kind (text, image, card). */
async function botMessages(page, n) {
  await page.waitForFunction((n) => __chatlet.all('.chatlet-bot').length >= n, n);
}

export async function windowChecks({ open, check, browser, siteUrl }) {
  await check('on a phone every button a thumb can hit is at least 44 × 44 px: close, send, chips, card buttons, carousel arrows, the pill', async () => {
    const { page, log } = await newPage(browser, { viewport: { width: 390, height: 760 }, hasTouch: true, isMobile: true });
    await page.goto(siteUrl);
    assert.ok(await page.evaluate(() => matchMedia('(pointer: coarse)').matches), 'a coarse pointer');
    await page.tap('.chatlet-launcher');
    await page.waitForSelector('.chatlet-header .chatlet-close');
    const { say } = chatHelpers(page);
    const sizes = async () => page.evaluate(() => __chatlet.all('button, a.chatlet-choice, a.chatlet-rbutton, input.chatlet-input')
      .filter((b) => b.getClientRects().length > 0)
      .map((b) => { const r = b.getBoundingClientRect(); return { what: (b.className || b.tagName) + ' ' + b.textContent.trim().slice(0, 20), w: r.width, h: r.height }; }));
    await say('tour');
    await page.waitForSelector('.chatlet-chips .chatlet-choice');
    await say('tour carousel');
    await page.waitForSelector('.chatlet-next');
    await say('tour cards');
    await page.waitForFunction(() => __chatlet.all('.chatlet-rbutton').length >= 3);
    const all = await sizes();
    assert.ok(all.length >= 8, JSON.stringify(all));
    const small = all.filter((b) => b.w < 44 || b.h < 44);
    assert.deepEqual(small, [], 'every button is at least 44 × 44 px');
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  await check('after every turn the newest message is in view: the balance dialog against the demo API, the paced tour', async () => {
    const v = await open('/');
    await v.page.setViewportSize({ width: 900, height: 600 });
    await watchLog(v.page);
    const turns = [
      ['hi', 1], ['balance', 1], ['123456', 1], ['ada@example.com', 1],
      ['tour', 4], ['hi', 1], ['balance', 1], ['654321', 1], ['grace@example.com', 1],
    ];
    let count = await v.page.evaluate(() => __chatlet.all('.chatlet-bot').length);
    for (const [text, replies] of turns) {
      await v.say(text);
      count += replies;
      await botMessages(v.page, count);
      await v.page.waitForSelector('.chatlet-typing', { state: 'hidden' });
      await inView(v.page, text);
    }
    const changes = await logChanges(v.page);
    assert.equal(changes.removed, 0, 'no message node removed');
    assert.equal(changes.reinserted, 0, 'no message node inserted again');
    const n = await newest(v.page);
    assert.ok(n.max > 300, `the conversation is taller than the log (${n.max})`);
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });

  await check('scrolled up to read, the log stays put; a pill counts the new messages, is keyboard-reachable and takes the log down', async () => {
    const v = await open('/');
    await v.page.setViewportSize({ width: 900, height: 600 });
    await v.page.evaluate(() => {
      window.__transfers = [];
      document.addEventListener('chatlet:transfer', (e) => window.__transfers.push(e.detail));
    });
    let count = await v.page.evaluate(() => __chatlet.all('.chatlet-bot').length);
    for (const [text, n] of [['hi', 2], ['tour', 4]]) {
      await v.say(text);
      await botMessages(v.page, count += n);
    }
    await v.page.waitForSelector('.chatlet-typing', { state: 'hidden' });
    await v.say('I need a person');
    await v.page.waitForFunction(() => window.__transfers.length === 1);
    await v.page.click('.desk-accept');
    await v.page.waitForSelector('.chatlet-system >> text=A person has joined the conversation.');
    await watchLog(v.page);
    // The visitor scrolls up to read.
    await v.page.evaluate(() => { const log = __chatlet.q('[role=log]'); log.scrollTop = 0; log.dispatchEvent(new Event('scroll')); });
    await v.page.waitForTimeout(100);
    const id = (await v.page.evaluate(() => window.__transfers[0].conversationId));
    for (const text of ['One moment, I am looking.', 'Found it.']) {
      await v.page.evaluate(([id, text]) => chatlet.agentMessage(id, text), [id, text]);
      await v.page.waitForSelector(`.chatlet-agent >> text=${text}`);
    }
    await v.page.waitForTimeout(150);
    assert.equal(await v.page.evaluate(() => __chatlet.q('[role=log]').scrollTop), 0, 'the log stays where the visitor put it');
    const pill = v.page.locator('.chatlet-pill');
    await pill.waitFor();
    assert.equal(await pill.textContent(), '2 new messages');
    assert.equal(await v.page.textContent('.chatlet-body [role=status]'), 'New messages below');
    assert.equal(await pill.evaluate((b) => b.tagName), 'BUTTON');
    // By keyboard: the pill is in the tab order; Enter takes the log down.
    await pill.focus();
    await v.page.keyboard.press('Enter');
    await v.page.waitForSelector('.chatlet-pill', { state: 'hidden' });
    await inView(v.page, 'after the pill');
    assert.equal((await newest(v.page)).text.includes('Found it.'), true);
    assert.equal(await v.page.textContent('.chatlet-body [role=status]'), '');
    // Following again: the next message scrolls into view by itself.
    await v.page.evaluate((id) => chatlet.agentMessage(id, 'Anything else?'), id);
    await v.page.waitForSelector('.chatlet-agent >> text=Anything else?');
    await inView(v.page, 'the next agent message');
    const changes = await logChanges(v.page);
    assert.deepEqual([changes.removed, changes.reinserted], [0, 0]);
    await v.page.close();
  });

  await check('who and when: runs of one author show a picture, a name and a time once; the page names the agent (reportTransfer, agentMessage third arguments; two arguments still work)', async () => {
    const v = await open('/');
    await v.page.evaluate(() => {
      window.__transfers = [];
      document.addEventListener('chatlet:transfer', (e) => window.__transfers.push(e.detail));
    });
    const greeted = await v.page.evaluate(() => __chatlet.all('.chatlet-bot').length);
    await v.say('hi');
    await botMessages(v.page, greeted + 2);
    await v.say('I need a person');
    await v.page.waitForFunction(() => window.__transfers.length === 1);
    await v.page.click('.desk-accept'); // the desk names the agent: { name: 'Ana' }
    await v.page.waitForSelector('.chatlet-system >> text=A person has joined the conversation.');
    const id = await v.page.evaluate(() => window.__transfers[0].conversationId);
    const sam = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkaPhfDwAEhQG+Z3zq4QAAAABJRU5ErkJggg==';
    await v.page.evaluate((id) => chatlet.agentMessage(id, 'Hello, Ana here.'), id);
    await v.page.evaluate((id) => chatlet.agentMessage(id, 'Let me look.'), id);
    await v.page.evaluate(([id, avatar]) => chatlet.agentMessage(id, 'Sam here, taking over.', { name: 'Sam', avatar }), [id, sam]);
    await v.page.evaluate((id) => chatlet.agentMessage(id, 'Done.'), id);
    await v.page.waitForSelector('.chatlet-agent >> text=Done.');
    const runs = await v.page.evaluate(() => __chatlet.all('.chatlet-msg').map((m) => {
      const meta = m.querySelector('.chatlet-meta');
      const time = meta && meta.querySelector('time');
      return {
        author: m.className.match(/chatlet-(bot|visitor|agent|system)/)[1],
        who: m.querySelector('.chatlet-sr')?.textContent ?? null,
        name: meta?.querySelector('.chatlet-name')?.textContent ?? null,
        picture: meta ? (meta.querySelector('img')?.getAttribute('src') ?? meta.querySelector('.chatlet-initial')?.textContent ?? null) : null,
        label: time ? time.textContent : null,
        age: time ? Date.now() - Date.parse(time.getAttribute('datetime')) : null,
        hidden: meta ? meta.getAttribute('aria-hidden') : null,
      };
    }));
    const heads = runs.filter((r) => r.label !== null);
    // One head per run: the greeting, visitor, bot, visitor, bot (3 messages), system
    // notes have none, agent Ana (2), Sam (2).
    assert.deepEqual(heads.map((r) => [r.author, r.name]), [
      ['bot', 'Chatlet demo bank'], ['visitor', null], ['bot', 'Chatlet demo bank'], ['visitor', null],
      ['bot', 'Chatlet demo bank'], ['agent', 'Ana'], ['agent', 'Sam'],
    ]);
    assert.ok(heads.every((r) => r.label === 'now' && r.age >= -1000 && r.age < 60000 && r.hidden === 'true'), JSON.stringify(heads));
    const pictures = heads.map((r) => r.picture);
    assert.match(pictures[0], /bot-avatar\.png$/, 'the bot\'s avatar from its settings, resolved against the bot file');
    assert.equal(pictures[5], 'A');
    assert.equal(pictures[6], sam);
    assert.deepEqual(runs.filter((r) => r.author === 'agent').map((r) => r.who), ['Ana: ', 'Ana: ', 'Sam: ', 'Sam: ']);
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });

  await check('the live region only grows across a call, a paced turn, a transfer with agent messages and an upload', async () => {
    const v = await open('/');
    await v.page.evaluate(() => {
      window.__transfers = [];
      document.addEventListener('chatlet:transfer', (e) => window.__transfers.push(e.detail));
    });
    let n = await v.page.evaluate(() => __chatlet.all('.chatlet-bot').length);
    await v.say('hi');
    await botMessages(v.page, n += 2);
    await watchLog(v.page);
    const turn = async (text, replies) => { await v.say(text); n += replies; await botMessages(v.page, n); };
    await turn('balance', 1);
    await turn('123456', 1);
    await turn('ada@example.com', 1); // the integration call
    await turn('tour', 4); // paced messages
    await v.page.waitForSelector('.chatlet-typing', { state: 'hidden' });
    await turn('I want to send a document', 1);
    // The chip's state when the bot says the upload is under way.
    await v.page.evaluate(() => {
      window.__chipWhenUploading = null;
      new MutationObserver(() => {
        if (window.__chipWhenUploading === null && __chatlet.all('.chatlet-bot').some((m) => m.textContent.includes('Uploading your statement'))) {
          window.__chipWhenUploading = __chatlet.q('.chatlet-file').dataset.state;
        }
      }).observe(__chatlet.q('[role=log]'), { childList: true, subtree: true });
    });
    await drop(v.page, 'statement.pdf', pdf(64 * 1024), 'application/pdf');
    await v.page.waitForSelector('.chatlet-bot >> text=Thanks! Your file is stored');
    await v.page.waitForSelector('.chatlet-file[data-state=sent]');
    assert.ok(['checking', 'sending'].includes(await v.page.evaluate(() => window.__chipWhenUploading)),
      'the chip is not yet sent when the bot says the upload begins');
    await v.say('I need a person');
    await v.page.waitForFunction(() => window.__transfers.length === 1);
    await v.page.click('.desk-accept');
    await v.page.waitForSelector('.chatlet-system >> text=A person has joined the conversation.');
    const id = await v.page.evaluate(() => window.__transfers[0].conversationId);
    await v.page.evaluate((id) => chatlet.agentMessage(id, 'Hello, Ana here.'), id);
    await v.page.waitForSelector('.chatlet-agent >> text=Hello, Ana here.');
    const changes = await logChanges(v.page);
    assert.equal(changes.removed, 0, `no message node removed: ${JSON.stringify(changes)}`);
    assert.equal(changes.reinserted, 0, `no message node inserted again: ${JSON.stringify(changes)}`);
    assert.ok(changes.added >= 14, `the new messages were inserted: ${JSON.stringify(changes)}`);
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });
}

/** The launcher's name, its badge and the text beside it. */
async function launcherState(page) {
  return page.evaluate(() => ({
    name: __chatlet.q('.chatlet-launcher').getAttribute('aria-label'),
    badge: __chatlet.q('.chatlet-badge').hidden ? null : __chatlet.q('.chatlet-badge').textContent,
    teaser: __chatlet.q('.chatlet-teaser').hidden ? null : __chatlet.q('.chatlet-teaser-text').textContent,
  }));
}

export async function launcherChecks({ browser, check, sites, siteUrl }) {
  await check('unread: chatlet.send answers and agent messages that arrive while closed are counted on the launcher (and in its name); an agent message is previewed; opening clears both', async () => {
    const { page, log } = await newPage(browser);
    await page.goto(siteUrl);
    await page.evaluate(() => {
      window.__transfers = [];
      document.addEventListener('chatlet:transfer', (e) => window.__transfers.push(e.detail));
    });
    await page.waitForSelector('.chatlet-launcher');
    assert.deepEqual(await launcherState(page), { name: 'Open chat', badge: null, teaser: null });
    // The page sends while the bubble is closed: the bot's answer waits, counted.
    await page.evaluate(() => chatlet.send('hi'));
    await page.waitForFunction(() => __chatlet.all('.chatlet-bot').length >= 2); // a text, a question
    await page.waitForFunction(() => __chatlet.q('.chatlet-badge').textContent === '2');
    assert.deepEqual(await launcherState(page), { name: 'Open chat, 2 unread messages', badge: '2', teaser: null },
      'bot messages are counted, not previewed (by default only an agent\'s are)');
    await page.click('.chatlet-launcher');
    assert.deepEqual(await launcherState(page), { name: 'Close chat', badge: null, teaser: null });
    // A person takes over; the visitor closes the window; the person writes twice.
    const { say } = chatHelpers(page);
    await say('I need a person');
    await page.waitForFunction(() => window.__transfers.length === 1);
    await page.click('.desk-accept');
    await page.waitForSelector('.chatlet-system >> text=A person has joined the conversation.');
    await page.click('.chatlet-close');
    const id = await page.evaluate(() => window.__transfers[0].conversationId);
    await page.evaluate((id) => chatlet.agentMessage(id, 'Hello, Ana here.'), id);
    await page.waitForFunction(() => __chatlet.q('.chatlet-badge').textContent === '1');
    assert.deepEqual(await launcherState(page), { name: 'Open chat, 1 unread message', badge: '1', teaser: 'Hello, Ana here.' });
    await page.evaluate((id) => chatlet.agentMessage(id, 'I have your ticket open.'), id);
    await page.waitForFunction(() => __chatlet.q('.chatlet-badge').textContent === '2');
    assert.deepEqual(await launcherState(page), { name: 'Open chat, 2 unread messages', badge: '2', teaser: 'I have your ticket open.' });
    // The preview opens the chat.
    await page.click('.chatlet-teaser-text');
    assert.deepEqual(await launcherState(page), { name: 'Close chat', badge: null, teaser: null });
    assert.equal(await page.isVisible('.chatlet-window'), true);
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  await check('teaser: data-teaser shows beside the launcher without loading the widget; chatlet.teaser changes it; it can be dismissed; data-preview="all" previews bot messages', async () => {
    const h = await openHost(browser, sites, '/bubble-teaser.html');
    await h.page.waitForSelector('.chatlet-teaser-text >> text=Questions about your order?');
    await h.page.waitForLoadState('networkidle');
    assert.deepEqual(h.fromCdn(), ['chatlet.js'], 'no wasm for a teaser');
    await h.page.evaluate(() => chatlet.teaser('Free delivery this week'));
    assert.equal((await launcherState(h.page)).teaser, 'Free delivery this week');
    await h.page.click('.chatlet-teaser-close');
    assert.equal((await launcherState(h.page)).teaser, null);
    assert.deepEqual(await audit(h.page), []);
    await h.page.close();
    const all = await openHost(browser, sites, '/bubble-preview-all.html');
    await all.page.waitForSelector('.chatlet-launcher');
    await all.page.evaluate(() => chatlet.send('hi'));
    await all.page.waitForFunction(() => !__chatlet.q('.chatlet-teaser').hidden);
    const state = await launcherState(all.page);
    assert.match(state.teaser, /.+/);
    assert.equal(state.badge, String(await all.page.evaluate(() => __chatlet.all('.chatlet-bot').length)));
    await all.page.close();
  });
}
