// End-to-end checks of the one-tag embed on plain host pages (tests/e2e/pages, each with
// careless CSS of its own) that load the widget from another origin, as from a CDN: the
// launcher, deferred loading, the page's API and events, styles kept apart, inline
// mode, several widgets, late elements, a broken bot, a strict CSP, phones, dark mode.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serveStatic, newPage, chatHelpers } from './lib.mjs';
import { lifecycleRoutes } from './lifecycle.mjs';
import { manyRoutes } from './many.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const pagesDir = path.join(here, 'pages');

/** The CDN (dist/ on its own origin, with CORS) and the host site (pages, bots, API). */
export async function embedSites({ dist, api }) {
  const held = new Map();
  const cdn = await serveStatic(dist, {
    headers: { 'Access-Control-Allow-Origin': '*' },
    compress: true,
    // By extension (`.wasm`), or by the start of the file's name (`chatlet-reader-`).
    hold: (pathname) => held.get(path.extname(pathname))
      ?? [...held].find(([k]) => path.basename(pathname).startsWith(k))?.[1],
  });
  const routes = {};
  for (const name of fs.readdirSync(pagesDir)) {
    const body = fs.readFileSync(path.join(pagesDir, name), 'utf8').replaceAll('{{CDN}}', cdn.url);
    routes[`/${name}`] = { body };
  }
  // The bubble page again, under a CSP with no 'unsafe-inline' (or 'unsafe-eval') at all.
  const origin = cdn.url.replace(/\/$/, '');
  const csp = `default-src 'self'; script-src 'self' ${origin} 'wasm-unsafe-eval'; style-src 'self'; ` +
    `connect-src 'self' ${origin}; img-src 'self' data:; object-src 'none'; base-uri 'none'`;
  routes['/csp.html'] = { ...routes['/bubble.html'], headers: { 'Content-Security-Policy': csp } };
  // The bubble page without hover preload, and opened at load (for the measurements).
  const variant = (attrs) => ({ body: routes['/bubble.html'].body.replace('async></script>', `${attrs} async></script>`) });
  routes['/bubble-nopreload.html'] = variant('data-preload="none"');
  routes['/bubble-idle.html'] = variant('data-preload="idle"');
  routes['/bubble-open.html'] = variant('data-open');
  routes['/bubble-teaser.html'] = variant('data-teaser="Questions about your order?"');
  routes['/tiles.html'] = { body: routes['/bubble.html'].body.replace('/bots/shop.json', '/bots/tiles.json') };
  Object.assign(routes, lifecycleRoutes(`<script src="${cdn.url}chatlet.js"></script>`));
  Object.assign(routes, manyRoutes(`<script src="${cdn.url}chatlet.js"></script>`));
  routes['/broken-flow.html'] = { body: routes['/bubble.html'].body.replace('/bots/shop.json', '/bots/broken-flow.json') };
  routes['/bots/broken-flow.json'] = { body: fs.readFileSync(path.join(here, '../findings/cb-broken-flow.json'), 'utf8') };
  routes['/bubble-preview-all.html'] = variant('data-preview="all"');
  routes['/bubble-without.html'] = { body: routes['/bubble.html'].body.replace(/<script src=[^>]*chatlet\.js[^>]*><\/script>/, '') };
  const site = await serveStatic(pagesDir, { api, routes, mounts: { '/bots/': path.join(here, 'bots') } });
  /** Holds every CDN answer for files ending in `ext` until the returned function is called. */
  const hold = (ext) => {
    let release;
    held.set(ext, new Promise((ok) => { release = ok; }));
    return () => { held.delete(ext); release(); };
  };
  /** The CDN answers 503 for files ending in `ext` (or whose names begin so) until the
   * returned function is called. */
  const breakFiles = (ext) => {
    held.set(ext, Promise.resolve('fail'));
    return () => held.delete(ext);
  };
  return { cdn, site, hold, breakFiles, close: () => { cdn.close(); site.close(); } };
}

/** Opens a host page; records requests and the widget's events on `window`. */
export async function openHost(browser, sites, pathname, options = {}) {
  const { page, log } = await newPage(browser, options);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    window.__events = [];
    for (const name of ['ready', 'open', 'close', 'message', 'transfer', 'visitor-message', 'upload', 'error']) {
      window.addEventListener(`chatlet:${name}`, (e) => window.__events.push({ name, target: e.target.tagName, detail: e.detail }));
    }
  });
  await page.goto(new URL(pathname, sites.site.url).href);
  const events = (name) => page.evaluate((name) => window.__events.filter((e) => e.name === name), name);
  const fromCdn = () => requests.filter((u) => u.startsWith(sites.cdn.url)).map((u) => u.slice(sites.cdn.url.length));
  const focused = () => page.evaluate(() => {
    const a = __chatlet.active();
    return a ? a.className || a.tagName : null;
  });
  return { page, log, requests, events, fromCdn, focused, ...chatHelpers(page) };
}

/** Waits until the focused element (through shadow roots) has class `cls`. */
function waitFocus(page, cls) {
  return page.waitForFunction((cls) => __chatlet.active()?.classList.contains(cls), cls);
}

const RED = 'rgb(255, 0, 0)';

export async function embedChecks({ browser, check, sites }) {
  await check('bubble: the tag draws a named launcher in a shadow root and fetches nothing else before interaction', async () => {
    const h = await openHost(browser, sites, '/bubble.html');
    await h.page.waitForSelector('.chatlet-launcher');
    await h.page.waitForLoadState('networkidle');
    assert.deepEqual(h.fromCdn(), ['chatlet.js']);
    assert.ok(!h.requests.some((u) => u.includes('/bots/')), 'the bot file waits too');
    const launcher = h.page.getByRole('button', { name: 'Open chat' });
    assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
    assert.equal(await h.page.evaluate(() => !!document.querySelector('chatlet-widget').shadowRoot), true);
    assert.equal(await h.page.isVisible('.chatlet-window'), false);
    const style = await launcher.evaluate((b) => { const s = getComputedStyle(b); return [s.color, s.backgroundColor, s.margin]; });
    assert.notEqual(style[0], RED);
    assert.notEqual(style[1], 'rgb(255, 255, 0)');
    assert.deepEqual(h.log.errors, []);
    await h.page.close();
  });

  await check('hover preloads the widget, the bot and (for a plain bot file) the bot reader; a click opens the window with the text box focused; nothing is fetched after the click', async () => {
    const h = await openHost(browser, sites, '/bubble.html');
    await h.page.waitForLoadState('networkidle');
    await h.page.hover('.chatlet-launcher');
    // Both wasms: the widget's, and the bot reader's (the bot file is plain), which the
    // loader imports as soon as it has the file.
    await h.page.waitForFunction(() => performance.getEntriesByType('resource')
      .filter((r) => r.name.endsWith('.wasm') && r.responseEnd > 0).length === 2);
    await h.page.waitForLoadState('networkidle');
    const preloaded = h.fromCdn();
    assert.ok(preloaded.some((f) => /^chatlet-widget-.*_bg\.wasm$/.test(f)) && preloaded.some((f) => /^chatlet-widget-.*\.js$/.test(f)) &&
      preloaded.some((f) => /^chatlet-[0-9a-f]+\.css$/.test(f)), preloaded.join(' '));
    assert.ok(preloaded.some((f) => /^chatlet-reader-.*_bg\.wasm$/.test(f)) && preloaded.some((f) => /^chatlet-reader-[0-9a-f]+\.js$/.test(f)),
      preloaded.join(' '));
    assert.ok(h.requests.some((u) => u.endsWith('/bots/shop.json')), 'the bot file is preloaded');
    const before = h.requests.length;
    await h.page.click('.chatlet-launcher');
    await waitFocus(h.page, 'chatlet-input');
    assert.equal(await h.page.getAttribute('.chatlet-launcher', 'aria-expanded'), 'true');
    assert.equal(await h.page.getAttribute('.chatlet-launcher', 'aria-label'), 'Close chat');
    await h.say('hi');
    await h.waitBot(2);
    assert.deepEqual((await h.botTexts()).slice(0, 1), ['Hello Ada! Your plan: gold.'], 'data-var-* attributes reach the bot');
    assert.deepEqual(h.requests.slice(before), [], 'the first answer waits for nothing the loader could fetch on hover');
    // The page's CSS does not reach in.
    const looks = await h.page.evaluate(() => ['.chatlet-input', '.chatlet-bot', '.chatlet-choice', '.chatlet-title'].map((sel) => {
      const s = getComputedStyle(__chatlet.q(sel));
      return { sel, color: s.color, size: s.fontSize, transform: s.textTransform, family: s.fontFamily, spacing: s.letterSpacing };
    }));
    for (const l of looks) {
      assert.notEqual(l.color, 'rgb(255, 0, 0)', l.sel);
      assert.notEqual(l.size, '41px', l.sel);
      assert.equal(l.transform, 'none', l.sel);
      assert.doesNotMatch(l.family, /Comic/, l.sel);
      assert.equal(l.spacing, 'normal', l.sel);
    }
    assert.equal(looks[0].size, '16px', 'the input is 16 px (no zoom on iOS)');
    assert.deepEqual(h.log.errors, []);
    await h.page.close();
  });

  await check('data-preload: "idle" fetches the widget after the page\'s load without interaction; "none" waits for a click', async () => {
    const idle = await openHost(browser, sites, '/bubble-idle.html');
    await idle.page.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.endsWith('.wasm')));
    assert.ok(idle.requests.some((u) => u.endsWith('/bots/shop.json')));
    assert.equal(await idle.page.isVisible('.chatlet-window'), false);
    await idle.page.close();
    const none = await openHost(browser, sites, '/bubble-nopreload.html');
    await none.page.hover('.chatlet-launcher');
    await none.page.focus('.chatlet-launcher');
    await none.page.waitForLoadState('networkidle');
    assert.deepEqual(none.fromCdn(), ['chatlet.js']);
    await none.page.click('.chatlet-launcher');
    await waitFocus(none.page, 'chatlet-input');
    await none.page.close();
  });

  await check('Escape and the close button close the window and give focus back to the launcher; Enter on the launcher opens it', async () => {
    const h = await openHost(browser, sites, '/bubble.html');
    await h.page.click('.chatlet-launcher');
    await waitFocus(h.page, 'chatlet-input');
    await h.page.keyboard.press('Escape');
    await h.page.waitForSelector('.chatlet-window', { state: 'hidden' });
    assert.equal(await h.focused(), 'chatlet-launcher');
    await h.page.keyboard.press('Enter');
    await waitFocus(h.page, 'chatlet-input');
    await h.page.focus('.chatlet-launcher');
    await h.page.keyboard.press('Escape');
    await h.page.waitForSelector('.chatlet-window', { state: 'hidden' });
    await h.page.keyboard.press('Enter');
    await waitFocus(h.page, 'chatlet-input');
    await h.page.keyboard.press('Shift+Tab');
    await h.page.keyboard.press('Shift+Tab');
    assert.equal(await h.focused(), 'chatlet-close');
    assert.equal(await h.page.getAttribute('.chatlet-close', 'aria-label'), 'Close chat');
    await h.page.keyboard.press('Enter');
    await h.page.waitForSelector('.chatlet-window', { state: 'hidden' });
    assert.equal(await h.focused(), 'chatlet-launcher');
    assert.deepEqual((await h.events('open')).length, 3);
    assert.deepEqual((await h.events('close')).length, 3);
    await h.page.close();
  });

  await check('calls made before the widget exists (a synchronous tag, before <body>) are queued; data-position, an unknown data-lang', async () => {
    const h = await openHost(browser, sites, '/early.html');
    await h.page.waitForFunction(() => __events.filter((e) => e.name === 'message' && e.detail.author === 'bot').length >= 2);
    await h.page.click('.chatlet-launcher');
    await waitFocus(h.page, 'chatlet-input');
    assert.deepEqual((await h.botTexts()).slice(0, 1), ['Hello Early! Your plan: basic.']);
    const launcher = await h.page.locator('.chatlet-launcher').boundingBox();
    const win = await h.page.locator('.chatlet-window').boundingBox();
    assert.ok(launcher.x < 100 && win.x >= 0 && win.x < 100, `left corner: launcher ${launcher.x}, window ${win.x}`);
    assert.equal(await h.page.getAttribute('chatlet-widget', 'lang'), 'en', 'German is not in the table: English, and said so');
    assert.deepEqual(h.log.errors, []);
    await h.page.close();
  });

  await check('the page API: setVariable and send before the wasm arrives are queued, in order; open, toggle and close', async () => {
    const h = await openHost(browser, sites, '/bubble.html');
    await h.page.waitForFunction(() => window.chatlet && window.chatlet.send);
    await h.page.evaluate(() => {
      chatlet.setVariable('plan', 'platinum');
      chatlet.send('hello');
      chatlet.send('track');
    });
    await h.page.waitForFunction(() => __events.filter((e) => e.name === 'message' && e.detail.author === 'bot').length >= 3);
    assert.equal(await h.page.isVisible('.chatlet-window'), false, 'send does not open the window');
    await h.page.evaluate(() => chatlet.open());
    await waitFocus(h.page, 'chatlet-input');
    assert.deepEqual(await h.botTexts(), ['Hello Ada! Your plan: platinum.', 'What can I do for you?', 'Your order number?']);
    await h.page.evaluate(() => chatlet.toggle());
    await h.page.waitForSelector('.chatlet-window', { state: 'hidden' });
    await h.page.evaluate(() => chatlet.toggle());
    await h.page.waitForSelector('.chatlet-window');
    await h.page.evaluate(() => chatlet.close());
    await h.page.waitForSelector('.chatlet-window', { state: 'hidden' });
    const ready = await h.events('ready');
    assert.equal(ready.length, 1);
    assert.equal(ready[0].detail.bot, 'Shop helper');
    const messages = (await h.events('message')).map((e) => [e.detail.author, e.detail.text]);
    // Both messages were written while the bot was loading: they show at once, the
    // answers follow in order.
    assert.deepEqual(messages.slice(0, 5), [['visitor', 'hello'], ['visitor', 'track'],
      ['bot', 'Hello Ada! Your plan: platinum.'], ['bot', 'What can I do for you?'], ['bot', 'Your order number?']]);
    const ids = new Set((await h.events('message')).map((e) => e.detail.conversationId));
    assert.equal(ids.size, 1);
    assert.deepEqual((await h.events('message')).map((e) => e.target)[0], 'CHATLET-WIDGET');
    await h.page.close();
  });

  await check('events: a failed call is chatlet:error, an upload chatlet:upload; reset starts over and keeps the page\'s variables', async () => {
    const h = await openHost(browser, sites, '/bubble.html');
    await h.page.click('.chatlet-launcher');
    await waitFocus(h.page, 'chatlet-input');
    await h.say('stock');
    await h.waitBot(1);
    assert.deepEqual(await h.botTexts(), ['The stock service is down.']);
    const [error] = await h.events('error');
    assert.equal(error.detail.kind, 'call');
    assert.equal(error.detail.integration, 'Stock');
    assert.equal(error.detail.status, 503);
    assert.match(error.detail.conversationId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await h.say('photo');
    await h.page.waitForSelector('.chatlet-attach');
    const png = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(3000, 7)]);
    await h.page.setInputFiles('.chatlet-picker', { name: 'shelf.png', mimeType: 'image/png', buffer: png });
    await h.page.waitForFunction(() => __events.some((e) => e.name === 'upload'));
    const [upload] = await h.events('upload');
    assert.deepEqual([upload.detail.name, upload.detail.size, upload.detail.outcome], ['shelf.png', png.length, 'sent']);
    assert.equal(await h.focused(), 'chatlet-input', 'after a file is picked, focus is back in the text box');
    await h.page.evaluate(() => chatlet.setVariable('firstName', 'Grace'));
    const before = (await h.events('message')).length;
    // A reset and a message in one go: the page hears of every new message.
    await h.page.evaluate(() => { chatlet.reset(); chatlet.send('hi'); });
    await h.waitBot(2);
    assert.equal(await h.page.locator('.chatlet-msg').count(), 3);
    assert.equal((await h.botTexts())[0], 'Hello Grace! Your plan: gold.');
    const after = (await h.events('message')).slice(before).map((e) => e.detail.text);
    assert.deepEqual(after, ['hi', 'Hello Grace! Your plan: gold.', 'What can I do for you?']);
    await h.page.close();
  });

  await check('while a transfer waits for the page, the visitor\'s messages are shown and held for the person, not answered', async () => {
    const h = await openHost(browser, sites, '/bubble.html');
    await h.page.click('.chatlet-launcher');
    await waitFocus(h.page, 'chatlet-input');
    await h.say('agent');
    await h.page.waitForFunction(() => __events.some((e) => e.name === 'transfer'));
    const [transfer] = await h.events('transfer');
    assert.equal(transfer.detail.skill, '77');
    await h.say('are you there?');
    await h.say('hello?');
    await h.page.waitForSelector('.chatlet-visitor >> text=hello?');
    assert.deepEqual(await h.botTexts(), ['Connecting you to our team.'], 'the bot stays quiet');
    assert.deepEqual(await h.events('visitor-message'), []);
    await h.page.evaluate((id) => chatlet.reportTransfer(id, 'accepted'), transfer.detail.conversationId);
    await h.page.waitForFunction(() => __events.filter((e) => e.name === 'visitor-message').length === 2);
    const held = (await h.events('visitor-message')).map((e) => e.detail.text);
    assert.deepEqual(held, ['are you there?', 'hello?']);
    await h.page.close();
  });

  await check('a transfer the page never answers fails after data-transfer-timeout; the bot answers again', async () => {
    const h = await openHost(browser, sites, '/early.html');
    await h.page.click('.chatlet-launcher');
    await waitFocus(h.page, 'chatlet-input');
    await h.say('agent');
    await h.page.waitForFunction(() => __events.some((e) => e.name === 'transfer'));
    await h.say('anyone?');
    await h.page.waitForSelector('.chatlet-system >> text=The transfer did not go through.', { timeout: 5000 });
    assert.ok(h.log.warnings.some((w) => w.includes('did not answer the transfer within 1 s')), h.log.warnings.join('\n'));
    const before = (await h.botTexts()).length;
    await h.say('track');
    await h.waitBot(before + 1);
    assert.equal((await h.botTexts())[before], 'Your order number?');
    await h.page.close();
  });

  await check('messages are added, never re-rendered: existing nodes stay; each says who wrote it; a choice gives focus back to the text box', async () => {
    const h = await openHost(browser, sites, '/bubble.html');
    await h.page.click('.chatlet-launcher');
    await waitFocus(h.page, 'chatlet-input');
    await h.say('hi');
    await h.waitBot(2);
    await h.page.evaluate(() => {
      window.__mutations = { added: 0, removed: 0 };
      new MutationObserver((records) => {
        for (const r of records) {
          const msgs = (nodes) => [...nodes].filter((n) => n.classList?.contains('chatlet-msg')).length;
          window.__mutations.added += msgs(r.addedNodes);
          window.__mutations.removed += msgs(r.removedNodes);
        }
      }).observe(__chatlet.q('.chatlet-list'), { childList: true, subtree: true });
    });
    await h.page.click('.chatlet-choice >> text=Track an order');
    await h.waitBot(3);
    assert.equal(await h.focused(), 'chatlet-input');
    await h.say('12');
    await h.waitBot(4);
    await h.say('nothing');
    await h.waitBot(5);
    const m = await h.page.evaluate(() => window.__mutations);
    assert.deepEqual(m, { added: 6, removed: 0 });
    const who = await h.page.evaluate(() => __chatlet.all('.chatlet-msg').map((li) => li.querySelector('.chatlet-sr')?.textContent));
    assert.deepEqual(who.slice(0, 3), ['You: ', 'Shop helper: ', 'Shop helper: ']);
    assert.equal(await h.page.$$eval('.chatlet-typing:not([hidden])', (t) => t.length), 0);
    await h.page.close();
  });

  await check('inline: mounted at once, with a placeholder (title, disabled composer) until the wasm is ready; French strings', async () => {
    const release = sites.hold('.wasm');
    const h = await openHost(browser, sites, '/inline.html');
    await h.page.waitForSelector('.chatlet-window .chatlet-title >> text=Aide en ligne');
    assert.equal(await h.page.isDisabled('.chatlet-input'), true);
    assert.equal(await h.page.getAttribute('.chatlet-input', 'placeholder'), 'Écrivez un message');
    assert.equal(await h.page.textContent('.chatlet-send'), 'Envoyer');
    assert.equal(await h.page.textContent('.chatlet-status'), 'Chargement…');
    assert.equal(await h.page.$('.chatlet-launcher'), null);
    assert.equal(await h.page.getAttribute('.chatlet-window', 'role'), 'region');
    assert.ok(await h.page.evaluate(() => !!document.querySelector('#help-chat > chatlet-widget')));
    release();
    await h.page.waitForSelector('.chatlet-input:not([disabled])');
    assert.equal(await h.focused(), 'BODY', 'mounting does not take the page\'s focus');
    await h.say('bonjour');
    await h.waitBot(1);
    assert.deepEqual(await h.botTexts(), ['Echo: bonjour']);
    assert.equal(await h.page.textContent('.chatlet-send'), 'Envoyer');
    const box = await h.page.locator('.chatlet-window').boundingBox();
    assert.deepEqual([Math.round(box.width), Math.round(box.height)], [420, 520], 'the window fills its target');
    await h.page.close();
  });

  await check('two widgets on one page keep their own conversation, ids and theme; neither leaks styles into the page', async () => {
    const h = await openHost(browser, sites, '/two.html');
    const h1 = () => h.page.evaluate(() => getComputedStyle(document.querySelector('h1')).fontFamily);
    await h.page.waitForFunction(() => document.querySelectorAll('chatlet-widget').length === 2);
    const side = chatHelpers(h.page, '#side');
    await h.page.waitForSelector('#side .chatlet-input:not([disabled])');
    await side.say('left');
    await side.waitBot(1);
    await h.page.click('.chatlet-launcher');
    await h.page.fill('chatlet-widget[data-mode=bubble] .chatlet-input', 'hi');
    await h.page.press('chatlet-widget[data-mode=bubble] .chatlet-input', 'Enter');
    await h.page.waitForSelector('chatlet-widget[data-mode=bubble] .chatlet-bot >> text=Hello Bo! Your plan: .');
    assert.deepEqual(await side.botTexts(), ['Echo: left']);
    const ids = new Set((await h.events('message')).map((e) => e.detail.conversationId));
    assert.equal(ids.size, 2);
    const accents = await h.page.evaluate(() => [...document.querySelectorAll('chatlet-widget')]
      .map((w) => getComputedStyle(w.shadowRoot.querySelector('.chatlet-header')).backgroundColor));
    assert.deepEqual(accents.sort(), ['rgb(138, 43, 226)', 'rgb(36, 83, 212)']);
    assert.equal(await h.page.evaluate(() => document.getElementById('chatlet-title')), null);
    assert.equal(await h1(), '"Times New Roman", serif', 'the page keeps its own styles (hostile.css)');
    await h.page.close();
  });

  await check('an element with data-chatlet-bot added later is mounted; chatlet.mount gives a handle for one widget; a removed one goes', async () => {
    const h = await openHost(browser, sites, '/spa.html');
    await h.page.waitForFunction(() => window.chatlet && window.chatlet.mount);
    await h.page.click('#show-help');
    await h.page.waitForSelector('#side .chatlet-title >> text=Late help');
    const side = chatHelpers(h.page, '#side');
    await h.page.waitForSelector('#side .chatlet-input:not([disabled])');
    await side.say('late');
    await side.waitBot(1);
    assert.deepEqual(await side.botTexts(), ['Echo: late']);
    const late = (await h.events('message')).find((e) => e.detail.text === 'late').detail.conversationId;
    await h.page.evaluate(() => {
      const box = document.createElement('div');
      box.id = 'mounted';
      box.className = 'box';
      document.body.appendChild(box);
      window.__handle = chatlet.mount(box, {
        bot: '/bots/info.json', title: 'Mounted', strings: { send: 'Go' }, variables: { source: 'the mount options' },
        customerInfo: { customerType: 'vip' }, personalInfo: { firstname: 'Lin' },
      });
      window.__handle.send('who am I?');
    });
    const mounted = chatHelpers(h.page, '#mounted');
    await mounted.waitBot(1);
    assert.deepEqual(await mounted.botTexts(), ['Customer vip, Lin, the mount options.'], 'customer and personal info, variables');
    assert.equal(await h.page.textContent('#mounted .chatlet-send'), 'Go', 'the page\'s own strings');
    assert.deepEqual(await side.botTexts(), ['Echo: late'], 'the handle speaks to its own widget');
    await h.page.evaluate(() => document.getElementById('help-panel').remove());
    await h.page.waitForFunction(() => document.querySelectorAll('chatlet-widget').length === 2);
    // Its conversation is gone too: the page's calls for it are refused.
    await h.page.waitForFunction((id) => {
      try { chatlet.endTransfer(id); return false; } catch (e) { return /no conversation/.test(e.message); }
    }, late);
    assert.deepEqual(h.log.errors, []);
    await h.page.close();
  });

  await check('a broken bot shows visitors a short message with a retry; the details and the JSON pointer go to the console and chatlet:error', async () => {
    const h = await openHost(browser, sites, '/broken.html');
    await h.page.waitForSelector('[role=alert] >> text=Sorry, this chat is not available right now.');
    const [error] = await h.events('error');
    assert.equal(error.detail.kind, 'bot');
    assert.equal(error.detail.findings[0].pointer, '/dialogs/0/flow/0/rules/0/regex');
    assert.equal(error.detail.findings[0].kind, 'pattern');
    assert.match(error.detail.message, /look-ahead/);
    assert.ok(h.log.errors.some((e) => e.includes('/dialogs/0/flow/0/rules/0/regex')), h.log.errors.join('\n'));
    assert.equal(await h.page.isDisabled('.chatlet-input'), true);
    await h.page.click('.chatlet-retry');
    await h.page.waitForFunction(() => __events.filter((e) => e.name === 'error').length === 2);
    await h.page.waitForSelector('.chatlet-retry');
    await h.page.close();
  });

  for (const ext of ['.wasm', '.js']) await check(`when the widget's files (${ext}) cannot be fetched, the window says so with a retry that works once they can`, async () => {
    const h = await openHost(browser, sites, '/bubble-nopreload.html');
    await h.page.waitForSelector('.chatlet-launcher');
    const mend = sites.breakFiles(ext);
    await h.page.click('.chatlet-launcher');
    await h.page.waitForSelector('[role=alert] >> text=Sorry, this chat is not available right now.');
    const [error] = await h.events('error');
    assert.equal(error.detail.kind, 'widget');
    assert.match(error.detail.message, ext === '.wasm' ? /HTTP 503/ : /dynamically imported module/);
    mend();
    await h.page.click('.chatlet-retry');
    await h.page.waitForSelector('.chatlet-input:not([disabled])');
    await waitFocus(h.page, 'chatlet-input');
    await h.say('hi');
    await h.waitBot(1);
    await h.page.close();
  });

  await check('when the bot reader (for a plain bot file) cannot be fetched, the window says so with a retry that works once it can; the page hears a widget error', async () => {
    const h = await openHost(browser, sites, '/bubble-nopreload.html');
    await h.page.waitForSelector('.chatlet-launcher');
    const mend = sites.breakFiles('chatlet-reader-');
    await h.page.click('.chatlet-launcher');
    await h.page.waitForSelector('[role=alert] >> text=Sorry, this chat is not available right now.');
    const [error] = await h.events('error');
    assert.equal(error.detail.kind, 'widget');
    assert.match(error.detail.message, /could not be read: the bot reader did not load/);
    mend();
    await h.page.click('.chatlet-retry');
    await h.page.waitForSelector('.chatlet-body:not([aria-busy])');
    await h.say('hi');
    await h.waitBot(1);
    await h.page.close();
  });

  await check('a CSP without \'unsafe-inline\' for styles (or scripts): the widget is styled and works, and nothing is refused', async () => {
    const h = await openHost(browser, sites, '/csp.html');
    await h.page.click('.chatlet-launcher');
    await waitFocus(h.page, 'chatlet-input');
    await h.say('hi');
    await h.waitBot(1);
    const header = await h.page.evaluate(() => getComputedStyle(__chatlet.q('.chatlet-header')).backgroundColor);
    assert.equal(header, 'rgb(36, 83, 212)');
    assert.deepEqual(h.log.errors, []);
    await h.page.close();
  });

  await check('a phone: the open window fills the screen, the input is 16 px, nothing overflows, close gives the launcher back', async () => {
    const h = await openHost(browser, sites, '/bubble.html', { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
    await h.page.tap('.chatlet-launcher');
    await waitFocus(h.page, 'chatlet-input');
    await h.say('hi');
    await h.waitBot(2);
    const box = await h.page.locator('.chatlet-window').boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height].map(Math.round), [0, 0, 375, 667]);
    assert.equal(await h.page.evaluate(() => getComputedStyle(__chatlet.q('.chatlet-input')).fontSize), '16px');
    assert.ok(await h.page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'no horizontal overflow');
    assert.ok(await h.page.evaluate(() => { const l = __chatlet.q('.chatlet-list'); return l.scrollWidth <= l.clientWidth; }));
    await h.page.tap('.chatlet-close');
    await h.page.waitForSelector('.chatlet-launcher');
    await h.page.close();
  });

  await check('dark mode follows the visitor\'s preference; data-theme="light" overrides it', async () => {
    const dark = await openHost(browser, sites, '/bubble.html', { colorScheme: 'dark' });
    await dark.page.click('.chatlet-launcher');
    await waitFocus(dark.page, 'chatlet-input');
    const bg = (h) => h.page.evaluate(() => getComputedStyle(__chatlet.q('.chatlet-window')).backgroundColor);
    assert.equal(await bg(dark), 'rgb(25, 29, 37)');
    await dark.page.close();
    const light = await openHost(browser, sites, '/themed.html', { colorScheme: 'dark' });
    await light.page.click('.chatlet-launcher');
    await waitFocus(light.page, 'chatlet-input');
    assert.equal(await bg(light), 'rgb(255, 255, 255)');
    const header = () => light.page.evaluate(() => getComputedStyle(__chatlet.q('.chatlet-header')).backgroundColor);
    assert.equal(await header(), 'rgb(47, 107, 58)', 'the page\'s --chatlet-accent');
    await light.page.evaluate(() => {
      document.querySelector('chatlet-widget').style.removeProperty('--chatlet-accent');
      document.body.className = '';
      document.documentElement.style.setProperty('--chatlet-accent', '#123456');
    });
    assert.equal(await header(), 'rgb(18, 52, 86)', 'a custom property set on :root reaches the widget');
    await light.page.close();
  });
}
