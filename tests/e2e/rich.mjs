// Rich messages in the real window: the demo bot's tour (text with a link, an image,
// rich content with layouts, a map and buttons, chips, a carousel, a card, buttons that
// stay once answered, a numbered answer), and a corpus of hostile inputs through every
// way text reaches the window (bot text, the visitor's echoed words, variables, an API's
// values, rich-content JSON), every element clicked and hovered.
import assert from 'node:assert/strict';
import path from 'node:path';
import { audit } from './a11y.mjs';
import { newPage, chatHelpers } from './lib.mjs';

// Each sets window.__pwned if it ever runs.
const HOSTILE = [
  '<img src=x onerror="window.__pwned=1">',
  '<svg onload="window.__pwned=2"><circle r=1></svg>',
  '<iframe srcdoc="<script>parent.__pwned=3</script>"></iframe>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned=4">',
  '"><img src=x onerror=window.__pwned=5>',
  "'><svg/onload=window.__pwned=6>",
  '<a href="javascript:window.__pwned=7">a</a>',
  '<a href="java&#x09;script:window.__pwned=8">b</a>',
  '<a href="JaVaScRiPt:window.__pwned=9">c</a>',
  '<a href=" java\nscript:window.__pwned=10">d</a>',
  '<b onmouseover="window.__pwned=11">hover</b>',
  '<a href="https://ok.example/" onclick="window.__pwned=12">ok</a>',
  '<p style="background:url(javascript:window.__pwned=13)">s</p>',
  '<style>*{background:url("javascript:window.__pwned=14")}</style>',
  '<a href="data:text/html,<script>window.__pwned=15</script>">e</a>',
];
const BAD_URLS = [
  'javascript:window.__pwned=20', 'JAVASCRIPT:window.__pwned=21', 'java\tscript:window.__pwned=22',
  ' javascript:window.__pwned=23', 'vbscript:msgbox(1)', 'data:text/html,<script>window.__pwned=24</script>',
  'data:image/svg+xml,<svg onload="window.__pwned=25"/>', '//evil.example/x.png', 'javascript&#58;window.__pwned=26',
];

const richHostile = {
  type: 'vertical',
  onclick: 'window.__pwned=30', class: 'evil', id: 'evil', style: 'position:fixed',
  elements: [
    { type: 'text', text: HOSTILE.join(' '), style: { color: 'red;background:url(javascript:x)', 'background-color': '#fff;x:y', bold: true } },
    { type: 'text', text: 'visitor: {$query}' },
    ...BAD_URLS.map((url, i) => ({ type: 'image', url, caption: `image ${i}`, onerror: 'window.__pwned=31' })),
    ...BAD_URLS.map((uri, i) => ({ type: 'button', title: `link ${i}`, tooltip: '"><img src=x onerror=window.__pwned=32>', click: { actions: [{ type: 'link', uri }] } })),
    { type: 'button', title: 'send', click: { actions: [{ type: 'publishText', text: '<img src=x onerror=window.__pwned=33>' }], metadata: [{ type: 'ExternalId', id: 'x' }] } },
    { type: 'map', la: 'javascript:alert(1)', lo: 2 },
    { type: 'video', text: '<img src=x onerror=window.__pwned=34>', url: 'javascript:window.__pwned=35' },
    { type: 'carousel', padding: '10px;background:url(javascript:x)', elements: [
      { type: 'vertical', elements: [{ type: 'image', url: BAD_URLS[0] }, { type: 'text', text: HOSTILE[0] }] },
    ] },
  ],
};

const HOSTILE_BOT = JSON.stringify({
  chatlet: 1, id: 'hostile', name: 'hostile-inputs',
  integrations: { Api: { url: '/bots/hostile-api.json', fields: { v: '$.api_Api.value', link: '$.api_Api.link' } } },
  dialogs: [
    { name: 'Bot text', patterns: ['bot text'], flow: HOSTILE.map((h) => ({ say: `<b>Markup:</b> ${h}` })) },
    { name: 'Echo', patterns: ['echo *'], flow: [
      { say: '<b>You said</b> {$query}' },
      { say: 'Plain: {$query}' },
      { ask: 'Say it again?', choices: [{ title: '{$query}', payload: '{$query}' }], rules: [{ set: { v: '{$query}' }, then: 'next' }] },
      { say: '<i>Variable:</i> {$botContext.v}' },
      { rich: richHostile }] },
    { name: 'API', patterns: ['api'], flow: [
      { call: 'Api', rules: [{ result: 'success', then: 'next' }, { result: 'failure', then: 'stop' }] },
      { say: '<i>The API says:</i> {Api.v} {Api.link}' },
      { say: 'Plain API: {Api.v}' },
      { card: { title: '{Api.v}', subtitle: '{Api.v}', image: '{Api.link}', buttons: [{ title: '{Api.v}', url: '{Api.link}' }, { title: 'ok', payload: '{Api.v}' }] } }] },
  ],
});

// Speaks first (a greeting), and paces its messages.
const PACED_BOT = JSON.stringify({
  chatlet: 1, id: 'paced', name: 'paced-demo_bot', settings: { greeting: 'hello there' },
  dialogs: [
    { name: 'Greet', patterns: ['hello there'], flow: [{ say: 'Welcome! I speak first.' }] },
    { name: 'Slow', patterns: ['slow'], flow: [{ say: 'one', delay: 1200 }, { say: 'two', delay: 1200 }] },
    { name: 'Other', patterns: ['*'], flow: [{ say: 'You said: {$query}' }] },
  ],
});

/** The pages and bots these checks need. */
export function richRoutes(index, tag) {
  return {
    '/paced.html': { body: index.replace(tag, tag.replace('demo-bot.json', 'bots/paced.json')), type: 'text/html' },
    '/bots/paced.json': { body: PACED_BOT },
    '/hostile.html': { body: index.replace(tag, tag.replace('demo-bot.json', 'bots/hostile.json')), type: 'text/html' },
    '/bots/hostile.json': { body: HOSTILE_BOT },
    '/bots/hostile-api.json': { body: JSON.stringify({ value: HOSTILE.join(' '), link: BAD_URLS[0] }) },
  };
}

/** Everything in the conversation that could run code or load a bad URL. */
const AUDIT = `(() => {
  const bad = [];
  const ok = (u, image) => {
    const l = u.toLowerCase();
    const schemes = image ? ['https://', 'http://', 'data:image/png', 'data:image/jpeg', 'data:image/gif', 'data:image/webp']
      : ['https://', 'http://', 'mailto:', 'tel:'];
    return schemes.some((s) => l.startsWith(s)) && !/[\\s\\u0000-\\u001f]/.test(u);
  };
  const style = /^((font-weight:700|font-style:italic|color:#[0-9a-f]{3,8}|background-color:#[0-9a-f]{3,8}|flex:0 0 \\d+%|gap:\\d+px);?)+$/i;
  for (const el of window.__chatlet.all('.chatlet-list *')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push('handler ' + a.name + ' on ' + el.tagName);
      if (a.name === 'href' && !ok(a.value, false)) bad.push('href ' + a.value);
      if (a.name === 'src' && !ok(a.value, true)) bad.push('src ' + a.value);
      if (a.name === 'style' && !style.test(a.value)) bad.push('style ' + a.value);
      if (['srcdoc', 'formaction', 'xlink:href', 'id', 'background', 'action'].includes(a.name)) bad.push('attribute ' + a.name);
    }
    if (el.classList.contains('evil')) bad.push('a class from the JSON');
    const pin = el.closest('.chatlet-map > svg') && ['svg', 'path'].includes(el.tagName);
    if (!(el instanceof HTMLElement || pin) || ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'STYLE', 'FORM', 'BASE', 'LINK', 'META'].includes(el.tagName)) bad.push('element ' + el.tagName);
  }
  return bad;
})()`;

export async function richChecks({ open, check }) {
  let tour = null;
  await check('rich messages: the tour shows a linked text, an image, one rich card with layouts, a map and buttons, then chips', async () => {
    const v = await open('/');
    const { page } = v;
    await v.say('tour');
    await page.waitForSelector('.chatlet-chips .chatlet-choice');
    const link = page.locator('.chatlet-bot .chatlet-text a[href="https://example.com/docs"]');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await page.locator('.chatlet-bot img.chatlet-image').count() >= 3, true, 'the image statement and the two tiles');
    // The rich content is one bubble, its images side by side and clickable.
    assert.equal(await page.locator('.chatlet-rich').count(), 1);
    assert.equal(await page.locator('.chatlet-rich .chatlet-rh button.chatlet-rimage').count(), 2);
    const boxes = await page.locator('.chatlet-rich .chatlet-rh .chatlet-rcell').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
    assert.equal(Math.round(boxes[0]), Math.round(boxes[1]), 'the horizontal layout is side by side');
    const bold = await page.locator('.chatlet-rich p.chatlet-rtext').first().evaluate((e) => getComputedStyle(e).fontWeight);
    assert.equal(bold, '700');
    assert.match(await page.locator('.chatlet-rich a.chatlet-map').getAttribute('href'), /^https:\/\/www\.openstreetmap\.org\/\?mlat=48\.8584&mlon=2\.2945/);
    const out = page.locator('.chatlet-rich a.chatlet-rbutton', { hasText: 'Open a link' });
    assert.equal(await out.getAttribute('href'), 'https://example.com/');
    assert.equal(await out.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await out.getAttribute('target'), '_blank');
    assert.equal(await page.locator('.chatlet-chips .chatlet-choice').count(), 3);
    assert.deepEqual(v.log.errors, []);
    tour = v;
  });

  await check('rich messages: a chip sends its choice (shown as the visitor\'s) and the chips go; the carousel scrolls by keyboard; a card button inside it answers', async () => {
    const v = tour;
    assert.ok(v, 'the tour is open');
    const { page } = v;
    await page.click('.chatlet-chips:not([hidden]) .chatlet-choice >> text=Carousel');
    await page.waitForSelector('.chatlet-carousel .chatlet-slide');
    assert.equal(await page.locator('.chatlet-carousel .chatlet-slide').count(), 3);
    assert.deepEqual(await audit(page), [], 'axe, with a carousel open');
    const visitor = await page.locator('.chatlet-visitor .chatlet-text').allTextContents();
    assert.equal(visitor.at(-1), 'Carousel');
    // The chips of the answered question are gone (hidden in place), and its text stays.
    await page.waitForFunction(() => window.__chatlet.all('.chatlet-chips:not([hidden])').length <= 1);
    const track = page.locator('.chatlet-carousel .chatlet-track');
    assert.equal(await track.evaluate((t) => t.scrollLeft), 0);
    await page.focus('.chatlet-carousel .chatlet-next');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__chatlet.q('.chatlet-track').scrollLeft > 0);
    await page.keyboard.press('Shift+Tab');
    await page.locator('.chatlet-carousel .chatlet-slide').nth(1).locator('button.chatlet-rbutton', { hasText: 'Choose' }).click();
    await page.waitForSelector('.chatlet-choice >> text=Medium');
    await page.click('.chatlet-choice >> text=Medium');
    await page.waitForSelector('.chatlet-choice[aria-pressed="true"]');
    // The answered question keeps its buttons, disabled, the chosen one marked.
    const sizes = page.locator('.chatlet-choices', { has: page.locator('.chatlet-choice[aria-pressed="true"]') });
    const states = await sizes.locator('.chatlet-choice').evaluateAll((bs) => bs.map((b) => [b.textContent, b.disabled, b.getAttribute('aria-pressed')]));
    assert.deepEqual(states.filter((s) => ['Small', 'Medium', 'Large'].includes(s[0])), [['Small', true, null], ['Medium', true, 'true'], ['Large', true, null]]);
    // A numbered answer typed as text.
    await page.waitForFunction(() => window.__chatlet.all('.chatlet-bot .chatlet-text').some((e) => e.textContent.startsWith('A multiple-choice')));
    await v.say('2');
    await page.waitForFunction(() => window.__chatlet.all('.chatlet-bot .chatlet-text').some((e) => e.textContent.startsWith('That is the tour')));
    // Past messages keep their cards and images.
    assert.equal(await page.locator('.chatlet-carousel .chatlet-slide img').count(), 3);
    assert.equal(await page.locator('.chatlet-rich').count() >= 2, true);
    // A past message's button still acts: its click.metadata goes to the page, its text
    // to the bot.
    const clicked = page.evaluate(() => new Promise((ok) => document.addEventListener('chatlet:click', (e) => ok(e.detail), { once: true })));
    await page.click('.chatlet-rich button.chatlet-rbutton >> text=Send a text');
    assert.deepEqual((await clicked).metadata, [{ type: 'ExternalId', id: 'tour-send' }]);
    // What a publishText sends is what the visitor is shown to say (LivePerson's way).
    await page.waitForSelector('.chatlet-visitor >> text=tour choices');
    assert.deepEqual(v.log.errors, []);
    await page.close();
  });

  await check('greeting, title and pacing: the bot speaks first (its greeting unshown), the title reads as words; a delayed message shows the bot typing, and a message sent meanwhile is answered after it', async () => {
    const v = await open('/paced.html');
    const { page } = v;
    await v.waitBot(1);
    assert.deepEqual(await v.botTexts(), ['Welcome! I speak first.']);
    assert.equal(await page.locator('.chatlet-visitor').count(), 0, 'the greeting is not shown as the visitor\'s');
    assert.equal(await page.textContent('.chatlet-header h2'), 'Paced demo bot');
    await v.say('slow');
    await page.waitForSelector('.chatlet-typing:not([hidden])');
    await v.say('quick');
    await v.waitBot(4);
    assert.deepEqual(await v.botTexts(), ['Welcome! I speak first.', 'one', 'two', 'You said: quick']);
    await page.waitForSelector('.chatlet-typing', { state: 'hidden' });
    await page.close();
  });

  await check('hostile inputs through bot text, echoed visitor text, variables, API values and rich JSON: nothing runs, no unsafe URL or handler reaches the DOM', async () => {
    const v = await open('/hostile.html');
    const { page } = v;
    page.context().on('page', (p) => p.close().catch(() => {}));
    await v.say('bot text');
    await page.waitForFunction((n) => window.__chatlet.all('.chatlet-bot').length >= n, HOSTILE.length);
    await v.say('echo ' + HOSTILE.join(' '));
    await page.waitForSelector('.chatlet-choice');
    await page.click('.chatlet-choices .chatlet-choice');
    await page.waitForSelector('.chatlet-rich');
    await v.say('api');
    await page.waitForFunction(() => window.__chatlet.all('.chatlet-bot .chatlet-text').some((e) => e.textContent.startsWith('Plain API')));
    await page.waitForSelector('.chatlet-rich >> nth=1');
    // The visitor's words are shown as written, as text.
    const echoed = await page.locator('.chatlet-bot .chatlet-text').allTextContents();
    assert.ok(echoed.some((t) => t.includes('You said echo <img src=x onerror="window.__pwned=1">')), echoed.join('\n'));
    // Click and hover everything.
    for (const sel of ['button', 'a', 'img', '.chatlet-text b', '.chatlet-text p', '.chatlet-rtext']) {
      const all = page.locator(`.chatlet-list ${sel}`);
      const n = await all.count();
      for (let i = 0; i < n; i++) {
        const el = all.nth(i);
        await el.hover({ timeout: 2000 }).catch(() => {});
        if (sel !== 'a') await el.click({ timeout: 2000, force: true }).catch(() => {});
        else await el.click({ timeout: 2000, modifiers: ['Control'] }).catch(() => {});
      }
    }
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no injected code ran');
    assert.deepEqual(await page.evaluate(AUDIT), []);
    // The audit saw the conversation, and would have caught a planted link.
    assert.ok(await page.evaluate(() => window.__chatlet.all('.chatlet-list *').length) > 150);
    const planted = await page.evaluate((audit) => {
      const a = document.createElement('a');
      a.setAttribute('href', 'javascript:void 0');
      a.setAttribute('onclick', 'x');
      window.__chatlet.q('.chatlet-list .chatlet-text').append(a);
      const found = eval(audit);
      a.remove();
      return found;
    }, AUDIT);
    assert.deepEqual(planted.sort(), ['handler onclick on A', 'href javascript:void 0']);
    const warned = v.log.warnings.filter((w) => w.includes('rich content'));
    assert.ok(warned.some((w) => w.includes('unsafe URL')) && warned.some((w) => w.includes('"video"')), v.log.warnings.join('\n'));
    assert.deepEqual(v.log.errors.filter((e) => !e.includes('ERR_') && !e.includes('Failed to load')), []);
    await page.close();
  });
}

/** Screenshots of the tour for the docs, light and dark: rich content and chips, a
 * carousel, a card and answered buttons (tests/e2e/out; docs/ holds copies). */
export async function richScreenshots({ browser, siteUrl, out }) {
  for (const colorScheme of ['light', 'dark']) {
    const { page } = await newPage(browser, { viewport: { width: 520, height: 820 }, colorScheme });
    const c = chatHelpers(page);
    await page.goto(siteUrl);
    await page.addStyleTag({ content: 'chatlet-widget { --chatlet-height: 740px; }' });
    await page.click('.chatlet-launcher');
    await page.waitForSelector('.chatlet-header .chatlet-close');
    const shot = async (name) => {
      await page.mouse.move(0, 0);
      await page.waitForTimeout(400);
      await page.locator('.chatlet').screenshot({ path: path.join(out, `rich-${name}-${colorScheme}.png`) });
    };
    await c.say('tour');
    await page.waitForSelector('.chatlet-chips .chatlet-choice');
    await page.locator('.chatlet-rich').scrollIntoViewIfNeeded();
    await shot('layouts');
    await page.click('.chatlet-chips:not([hidden]) .chatlet-choice >> text=Carousel');
    await page.waitForSelector('.chatlet-carousel .chatlet-slide');
    await page.locator('.chatlet-carousel').scrollIntoViewIfNeeded();
    await shot('carousel');
    await page.click('.chatlet-chips:not([hidden]) .chatlet-choice >> text=Cards');
    await page.waitForSelector('.chatlet-msg:last-child .chatlet-choice >> text=Cards');
    await page.locator('.chatlet-rbutton >> text=Choose').last().click();
    await page.click('.chatlet-choice >> text=Medium');
    await page.waitForSelector('.chatlet-choice[aria-pressed="true"]');
    await shot('card');
    await page.close();
  }
}

