// End-to-end checks of Conversation Builder's Universal tiles as LivePerson's window draws
// them, on a CB export of our own (tests/e2e/bots/tiles.json, twelve templates modelled
// on the public format): axe in light and dark mode, filled buttons, named image links,
// what a multi-action button sends, captions above images, the carousel's width and
// arrows.
import assert from 'node:assert/strict';
import { openHost } from './embed.mjs';
import { audit } from './a11y.mjs';

const TILES = 12;

/** Opens the tiles page and shows every template. */
async function showAll(browser, sites, options) {
  const h = await openHost(browser, sites, '/tiles.html', options);
  await h.page.click('.chatlet-launcher');
  for (let i = 1; i <= TILES; i++) {
    await h.say(`tile ${i}`);
    await h.page.waitForFunction((n) => __chatlet.all('.chatlet-rich').length >= n, i);
  }
  return h;
}

/** The box of the rich message of template `i`. */
const tile = (page, i) => page.locator('.chatlet-rich').nth(i - 1);

export async function tileChecks({ browser, check, sites }) {
  await check('a CB export whose flow points nowhere or holds an unknown interaction type loads, and says so: a chatlet:error of kind bot-warnings and one console warning', async () => {
    const h = await openHost(browser, sites, '/broken-flow.html');
    await h.page.click('.chatlet-launcher');
    await h.page.waitForFunction(() => __events.some((e) => e.name === 'error'));
    const [error] = await h.events('error');
    assert.equal(error.detail.kind, 'bot-warnings');
    assert.match(error.detail.bot, /broken-flow\.json$/);
    assert.deepEqual(error.detail.findings.map((f) => [f.severity, f.pointer, f.interaction]), [
      ['unsupported', '/conversationMessage/2/interactionType', 'order survey'],
      ['warning', '/conversationMessage/1/nextMessageId', 'order text'],
      ['warning', '/conversationMessage/1/type', 'order text'],
    ]);
    assert.match(error.detail.findings[0].message, /BOGUS_TYPE/);
    const warned = h.log.warnings.filter((w) => w.includes('parts of it will not run'));
    assert.equal(warned.length, 1, h.log.warnings.join('\n'));
    assert.match(warned[0], /no-such-interaction/);
    // The bot still runs what it can.
    await h.say('order please');
    await h.waitBot(1);
    assert.deepEqual(await h.botTexts(), ['order text']);
    await h.page.close();
  });

  for (const colorScheme of ['light', 'dark']) {
    await check(`tiles: axe finds no violation in any of the ${TILES} Universal-tile templates (${colorScheme})`, async () => {
      const h = await showAll(browser, sites, { colorScheme });
      assert.deepEqual(await audit(h.page), []);
      assert.deepEqual(h.log.errors, []);
      await h.page.close();
    });
  }

  await check('tiles: filled buttons keep their style, image links are named, a multi-action button sends and shows its text, captions sit above images', async () => {
    const h = await showAll(browser, sites, { viewport: { width: 1000, height: 800 } });
    const { page } = h;
    const filled = await tile(page, 1).locator('.chatlet-rbutton').evaluate((b) => {
      const s = getComputedStyle(b);
      return [s.backgroundColor, s.color, s.fontWeight, s.borderTopColor];
    });
    assert.deepEqual(filled, ['rgb(43, 106, 79)', 'rgb(255, 255, 255)', '700', 'rgb(43, 106, 79)']);
    const names = await page.evaluate(() => __chatlet.all('a.chatlet-rimage').map((a) => a.getAttribute('aria-label')));
    assert.deepEqual(names, ['Visit the shop page', 'Open bakery.example']);
    // Caption above its image.
    const [caption, image] = await tile(page, 4).evaluate((t) => [t.querySelector('.chatlet-caption'), t.querySelector('img')]
      .map((e) => e.getBoundingClientRect().top));
    assert.ok(caption < image, `the caption (${caption}) above the image (${image})`);
    // The two-action button: the link opens (a new tab), and its publishText is what is sent and shown.
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      tile(page, 3).locator('.chatlet-rbutton').click(),
    ]);
    await popup.close();
    await page.waitForSelector('.chatlet-visitor >> text=where is my order');
    const visitor = await page.locator('.chatlet-visitor .chatlet-text').allTextContents();
    assert.equal(visitor.at(-1), 'where is my order');
    assert.ok(!visitor.includes('Track my order'), 'the title is not what the visitor says');
    await page.close();
  });

  await check('tiles: the carousel is as wide as the log, its cards at most about 80% of it; its arrows sit outside the cards and only where there is somewhere to go', async () => {
    const h = await showAll(browser, sites, { viewport: { width: 1000, height: 800 } });
    const { page } = h;
    const carousel = tile(page, 9);
    await carousel.scrollIntoViewIfNeeded();
    const geometry = () => carousel.evaluate((c) => {
      const box = (e) => e.getBoundingClientRect();
      const list = box(c.closest('.chatlet-list'));
      const track = c.querySelector('.chatlet-track');
      const visible = (e) => !e.hidden && e.getClientRects().length > 0;
      const arrows = [...c.querySelectorAll('.chatlet-prev, .chatlet-next')].filter(visible).map((a) => [a.className, box(a)]);
      const slides = [...c.querySelectorAll('.chatlet-slide')].map(box);
      const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      return {
        width: box(c).width / list.width,
        cards: slides.map((s) => s.width / box(track).width),
        arrows: arrows.map(([name]) => name),
        covering: arrows.filter(([, a]) => slides.some((s) => overlap(a, s))).length,
      };
    });
    const start = await geometry();
    assert.ok(start.width > 0.95, `the carousel spans the log (${start.width})`);
    assert.ok(start.cards.every((w) => w <= 0.82 && w >= 0.7), `cards are about 80% of it: ${start.cards}`);
    assert.deepEqual(start.arrows, ['chatlet-next'], 'at the first card: no "previous"');
    assert.equal(start.covering, 0);
    await carousel.locator('.chatlet-next').click();
    await page.waitForFunction(() => !__chatlet.q('.chatlet-carousel .chatlet-prev').hidden);
    assert.deepEqual((await geometry()).arrows, ['chatlet-prev', 'chatlet-next']);
    await carousel.locator('.chatlet-next').click();
    await page.waitForFunction(() => __chatlet.q('.chatlet-carousel .chatlet-next').hidden);
    const end = await geometry();
    assert.deepEqual(end.arrows, ['chatlet-prev'], 'at the last card: no "next"');
    assert.equal(end.covering, 0);
    await page.close();
  });
}
