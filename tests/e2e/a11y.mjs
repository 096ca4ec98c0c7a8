// Accessibility audits of the widget with axe-core (tools/node_modules), in light and dark
// mode: the open window with messages and choices, with the attach button, and the error
// view of a broken bot. Only the widget is audited (the host pages are not ours).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openHost } from './embed.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const axeSource = fs.readFileSync(path.join(here, '../../tools/node_modules/axe-core/axe.min.js'), 'utf8');

/** The axe violations inside every widget on the page (or, `whole`, on the whole page),
    as readable lines. */
export async function audit(page, { whole = false } = {}) {
  // Evaluated through the devtools protocol, so a page's CSP does not stop it.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async (whole) => {
    const scope = whole ? document : { include: [...document.querySelectorAll('chatlet-widget')] };
    const result = await axe.run(scope, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  }, whole);
  return violations;
}

export async function a11yChecks({ browser, check, sites }) {
  for (const colorScheme of ['light', 'dark']) {
    await check(`axe: no violations in the open window (${colorScheme}): messages, choices, a visitor message, the attach button`, async () => {
      const h = await openHost(browser, sites, '/bubble.html', { colorScheme });
      await h.page.click('.chatlet-launcher');
      await h.say('hi');
      await h.waitBot(2);
      await h.page.waitForSelector('.chatlet-choice');
      assert.deepEqual(await audit(h.page), []);
      await h.say('photo');
      await h.page.waitForSelector('.chatlet-attach');
      assert.deepEqual(await audit(h.page), []);
      await h.page.close();
    });

    await check(`axe: no violations in the error view of a broken bot, nor on the closed launcher (${colorScheme})`, async () => {
      const h = await openHost(browser, sites, '/broken.html', { colorScheme });
      await h.page.waitForSelector('.chatlet-retry');
      assert.deepEqual(await audit(h.page), []);
      await h.page.close();
      const closed = await openHost(browser, sites, '/bubble.html', { colorScheme });
      await closed.page.waitForSelector('.chatlet-launcher');
      assert.deepEqual(await audit(closed.page), []);
      await closed.page.close();
    });
  }

  await check('axe: no violations on a host page with its own header, main and footer, the window open (the window\'s header is no second banner)', async () => {
    const h = await openHost(browser, sites, '/landmarks.html');
    await h.page.click('.chatlet-launcher');
    await h.say('hi');
    await h.waitBot(2);
    assert.deepEqual(await audit(h.page, { whole: true }), []);
    assert.equal(await h.page.evaluate(() => __chatlet.all('header, [role=banner]').length), 0);
    await h.page.close();
  });

  await check('axe: no violations in the inline window, placeholder and ready (French)', async () => {
    const release = sites.hold('.wasm');
    const h = await openHost(browser, sites, '/inline.html');
    await h.page.waitForSelector('.chatlet-status');
    assert.deepEqual(await audit(h.page), []);
    release();
    await h.page.waitForSelector('.chatlet-input:not([disabled])');
    await h.say('bonjour');
    await h.waitBot(1);
    assert.deepEqual(await audit(h.page), []);
    await h.page.close();
  });
}
