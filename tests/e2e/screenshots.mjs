// Screenshots of the embed for the docs (written to tests/e2e/out; docs/ holds copies):
// the launcher on a page, the open window on a desktop, a phone, dark mode, a theme.
import path from 'node:path';
import { newPage, chatHelpers, greeted } from './lib.mjs';

export async function screenshots({ browser, siteUrl, sites, out }) {
  const shot = async (url, file, options = {}, act = async () => {}) => {
    const { page } = await newPage(browser, { viewport: { width: 1100, height: 760 }, ...options });
    await page.goto(url);
    await page.waitForSelector('.chatlet-launcher');
    await act(page, chatHelpers(page));
    await page.screenshot({ path: path.join(out, file) });
    await page.close();
  };
  // The demo bot greets; the visitor picks a choice of its welcome and answers.
  const chat = async (page) => {
    await page.click('.chatlet-launcher');
    await page.waitForSelector('.chatlet-header .chatlet-close', { timeout: 15000 });
    const c = chatHelpers(page, '', await greeted(page));
    await page.click('.chatlet-choice:not([disabled]) >> text=Check my balance');
    await c.waitBot(1);
    await c.say('314159');
    await c.waitBot(2);
  };
  await shot(siteUrl, 'embed-launcher.png');
  await shot(siteUrl, 'embed-desktop.png', {}, chat);
  await shot(siteUrl, 'embed-phone.png', { viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true }, chat);
  await shot(siteUrl, 'embed-dark.png', { colorScheme: 'dark' }, chat);
  await shot(new URL('/themed.html', sites.site.url).href, 'embed-themed.png', {}, async (page, c) => {
    await page.click('.chatlet-launcher');
    await c.say('hi');
    await c.waitBot(2);
  });
}
