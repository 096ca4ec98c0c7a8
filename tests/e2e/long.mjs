// A long conversation stays responsive: the time from Enter to the bot's reply being
// painted, at the first messages and after a thousand, with the long tasks and the
// memory a message costs. Printed as `measure:` lines (timings are never asserted).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The page with the echo bot. */
export function longRoutes(index, tag) {
  return {
    '/echo.html': { body: index.replace(tag, tag.replace('demo-bot.json', 'bots/echo.json')), type: 'text/html' },
    '/bots/echo.json': { body: fs.readFileSync(path.join(here, 'bots/echo.json'), 'utf8') },
  };
}

// In the page: send `text` as if typed and Enter pressed; the milliseconds until the
// reply is in the list, and until the frame that shows it.
const TURN = `async (text) => {
  const root = window.__chatlet.roots()[0];
  const list = root.querySelector('.chatlet-list');
  const input = root.querySelector('.chatlet-input');
  // Only the last run of messages is looked at: counting the whole list's messages at
  // each change would itself grow with the conversation.
  const lastRunBots = () => { const r = list.lastElementChild; return r ? r.querySelectorAll('.chatlet-bot').length : 0; };
  const [runs, bots] = [list.childElementCount, lastRunBots()];
  const replied = new Promise((ok) => {
    const seen = new MutationObserver(() => {
      const now = lastRunBots();
      if (list.childElementCount > runs ? now > 0 : now > bots) { seen.disconnect(); ok(); }
    });
    seen.observe(list, { childList: true, subtree: true });
  });
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  const t0 = performance.now();
  input.form.requestSubmit();
  await replied;
  const inList = performance.now() - t0;
  // The frame that shows it: after its animation-frame callbacks, once it is drawn.
  await new Promise((ok) => requestAnimationFrame(() => { const c = new MessageChannel(); c.port1.onmessage = ok; c.port2.postMessage(0); }));
  return [inList, performance.now() - t0];
}`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function longConversation({ open }) {
  const v = await open('/echo.html');
  const { page } = v;
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const turns = async (n, prefix) => {
    const times = [];
    for (let i = 0; i < n; i++) times.push(await page.evaluate(`(${TURN})(${JSON.stringify(`${prefix} ${i}`)})`));
    return times;
  };
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
  });
  const first = await turns(30, 'first');
  const heapAt30 = await heap();
  // To a thousand messages (each a visitor's and the bot's: 2,000 entries).
  await page.evaluate(`(async () => { for (let i = 0; i < 940; i++) await (${TURN})('filler ' + i); })()`);
  const heapAt970 = await heap();
  await page.evaluate(() => { window.__long = []; });
  const last = await turns(30, 'last');
  const long = await page.evaluate(() => window.__long);
  const nodes = await page.evaluate(() => window.__chatlet.all('*').length);
  const perMessage = Math.round((heapAt970 - heapAt30) / (940 * 2));
  const show = (times) => `${median(times.map((t) => t[0])).toFixed(1)} in the list, ${median(times.map((t) => t[1])).toFixed(1)} painted`;
  console.log(`measure: Enter → the reply, messages 1–30 (ms, median): ${show(first)}`);
  console.log(`measure: Enter → the reply, messages 971–1000 (ms, median): ${show(last)}`);
  console.log(`measure: long tasks during messages 971–1000: ${long.length} (longest ${Math.round(Math.max(0, ...long))} ms)`);
  console.log(`measure: JS heap per message (bytes, from message 30 to 970; the wasm's own memory apart): ${perMessage}; DOM nodes in the window at 1,000 exchanges: ${nodes}`);
  await page.close();
}
