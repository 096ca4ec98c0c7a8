// Many widgets with bot code on one page share the page's one worker: 200 mounted
// windows all answer through their bot's code, with one worker started, none of them
// falling back to the page's thread. The measurement (not a check) mounts more, to see
// how many fit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { newPage } from './lib.mjs';

/** The resident memory of the browser's renderer processes, in MB (Linux's /proc). */
async function rendererMb(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  let kb = 0;
  for (const p of processInfo.filter((p) => p.type === 'renderer')) {
    const status = fs.readFileSync(`/proc/${p.id}/status`, 'utf8');
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] || 0);
  }
  return kb / 1024;
}

/** A bot whose every answer goes through its code. */
const manyBot = JSON.stringify({
  chatlet: 1, id: 'many', name: 'Many',
  code: ['function twice(s) { return s + s; }'],
  dialogs: [
    { name: 'Echo', patterns: ['*'], flow: [
      { say: 'Twice: {$botContext.t}.', pre: "botContext.setBotVariable('t', twice(botContext.getCurrentUserMessage()), false, false);" }] },
  ],
});

/** The page: `?n=` inline windows, each mounted with chatlet.mount and sent one message. */
export function manyRoutes(cdnScript) {
  return {
    '/bots/many.json': { body: manyBot },
    '/many.html': { type: 'text/html', body: `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Many</title><link rel="icon" href="data:,">
${cdnScript}</head><body><main><h1>Many windows</h1><div id="all"></div></main>
<script src="/many.js"></script></body></html>` },
    '/many.js': { type: 'text/javascript', body: `window.workers = 0;
const Original = window.Worker;
window.Worker = function (...args) { window.workers++; return new Original(...args); };
window.Worker.prototype = Original.prototype;
const n = Number(new URLSearchParams(location.search).get('n')) || 200;
window.started = performance.now();
window.handles = [];
for (let i = 0; i < n; i++) {
  const d = document.createElement('div');
  d.style.height = '160px';
  document.getElementById('all').append(d);
  const h = chatlet.mount(d, { bot: '/bots/many.json', mode: 'inline', persist: 'none' });
  h.send('w' + i);
  window.handles.push(h);
}
/** How many windows show their answer. */
window.answered = () => [...document.querySelectorAll('chatlet-widget')].filter((w, i) =>
  [...w.shadowRoot.querySelectorAll('.chatlet-bot .chatlet-text')].some((t) => t.textContent === 'Twice: w' + i + 'w' + i + '.')).length;` },
  };
}

/** Mounts `n` windows and waits for every answer; what it took. */
async function mountMany(browser, url, n, timeout) {
  const { page, log } = await newPage(browser, { viewport: { width: 500, height: 800 } });
  await page.goto(`${url}?n=${n}`);
  await page.waitForFunction((n) => window.answered() === n, n, { timeout, polling: 500 });
  const ms = await page.evaluate(() => performance.now() - window.started);
  const workers = await page.evaluate(() => window.workers);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize').value;
  const rss = await rendererMb(browser).catch(() => NaN);
  return { page, log, ms, workers, heap, rss };
}

export async function manyChecks({ browser, check, sites }) {
  const url = new URL('/many.html', sites.site.url).href;
  await check('200 widgets with bot code on one page share one worker: every window answers through its code, none falls back to the page\'s thread', async () => {
    const { page, log, ms, workers, heap, rss } = await mountMany(browser, url, 200, 120000);
    console.log(`  200 windows answered through their code in ${Math.round(ms)} ms; workers started: ${workers}; page JS heap ${(heap / 1e6).toFixed(1)} MB; renderers ${Math.round(rss)} MB resident`);
    assert.equal(workers, 1, 'one worker for the page');
    assert.ok(!log.warnings.some((w) => w.includes("page's thread")), log.warnings.join('\n'));
    assert.ok(!log.errors.some((e) => e.includes('does not run')), log.errors.join('\n'));
    // Removing windows ends their sessions; the last one ends the worker.
    await page.evaluate(() => {
      window.terminated = 0;
      const terminate = Worker.prototype.terminate;
      Worker.prototype.terminate = function () { window.terminated++; return terminate.call(this); };
      window.handles.slice(1).forEach((h) => h.destroy());
    });
    await page.waitForTimeout(1000);
    const before = await page.evaluate(() => window.terminated);
    await page.evaluate(() => window.handles[0].destroy());
    await page.waitForFunction(() => window.terminated > 0, null, { timeout: 5000 }).catch(() => {});
    const terminated = [before, await page.evaluate(() => window.terminated)];
    assert.deepEqual(terminated, [0, 1], 'the worker ends with the last window, not before');
    await page.close();
  });
}

/** How many windows with bot code fit on one page (printed, never asserted). */
export async function measureMany({ browser, sites }) {
  const url = new URL('/many.html', sites.site.url).href;
  // 2,000 did not all answer within ten minutes (2026-12-07): not a figure worth the test
  // command's time.
  for (const n of [500, 1000]) {
    try {
      const { page, ms, workers, heap, rss } = await mountMany(browser, url, n, 600000);
      console.log(`measure: ${n} windows with bot code on one page: all answered in ${Math.round(ms)} ms, ${workers} worker, page JS heap ${(heap / 1e6).toFixed(1)} MB, renderers ${Math.round(rss)} MB resident`);
      await page.close();
    } catch (e) {
      console.log(`measure: ${n} windows with bot code on one page: not all answered (${String(e).split('\n')[0]})`);
      break;
    }
  }
}
