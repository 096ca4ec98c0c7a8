// Load figures for the bubble page (printed, never asserted: timings depend on the
// machine). What a page pays before a visitor touches the launcher, how fast the window
// opens after a hover preload and without one, and the long tasks at load under 4x CPU
// throttling, with the widget deferred (the default) and loaded at once (data-open).
// The CDN serves brotli, as a real one would. docs/performance.md records the figures.
import { openHost } from './embed.mjs';

const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Bytes on the wire (CDP encodedDataLength) per origin while `page` loads `pathname`. */
async function load(browser, sites, pathname, { throttle = 1 } = {}) {
  const h = await openHost(browser, sites, 'about:blank');
  const cdp = await h.page.context().newCDPSession(h.page);
  await cdp.send('Network.enable');
  if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  const urls = new Map();
  const bytes = { cdn: 0, site: 0, files: [] };
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId) || '';
    const side = url.startsWith(sites.cdn.url) ? 'cdn' : 'site';
    bytes[side] += e.encodedDataLength;
    bytes.files.push(`${url.replace(sites.cdn.url, 'cdn:/').replace(sites.site.url, '/')} ${e.encodedDataLength}`);
  });
  await h.page.addInitScript(() => {
    window.__long = [];
    new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration)))
      .observe({ type: 'longtask', buffered: true });
  });
  await h.page.goto(new URL(pathname, sites.site.url).href);
  await h.page.waitForLoadState('networkidle');
  await h.page.waitForTimeout(300);
  const long = await h.page.evaluate(() => window.__long);
  if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  return { h, bytes, long: long.length, tbt: Math.round(long.reduce((s, d) => s + Math.max(0, d - 50), 0)) };
}

/** Milliseconds from the click on the launcher to the focused text box. */
async function clickToFocus(h) {
  await h.page.evaluate(() => {
    window.__t = {};
    addEventListener('click', () => { window.__t.click ??= performance.now(); }, true);
    // Focus moving inside the shadow root is not seen from the page: listen in there.
    __chatlet.roots()[0].addEventListener('focusin', (e) => {
      if (e.target.classList.contains('chatlet-input')) window.__t.focus ??= performance.now();
    }, true);
  });
  await h.page.click('.chatlet-launcher');
  await h.page.waitForFunction(() => window.__t.focus);
  return h.page.evaluate(() => Math.round(window.__t.focus - window.__t.click));
}

export async function measure({ browser, sites }) {
  const rows = [];
  const before = [];
  const preloaded = [];
  const cold = [];
  const longDeferred = [];
  const longAtOnce = [];
  const longWithout = [];
  for (let i = 0; i < RUNS; i++) {
    const a = await load(browser, sites, '/bubble.html');
    before.push({ cdn: a.bytes.cdn, files: [...a.bytes.files] });
    await a.h.page.hover('.chatlet-launcher');
    await a.h.page.waitForLoadState('networkidle');
    preloaded.push(await clickToFocus(a.h));
    await a.h.page.close();
    const b = await load(browser, sites, '/bubble-nopreload.html');
    cold.push(await clickToFocus(b.h));
    await b.h.page.close();
    const c = await load(browser, sites, '/bubble.html', { throttle: 4 });
    longDeferred.push(c);
    await c.h.page.close();
    const e = await load(browser, sites, '/bubble-without.html', { throttle: 4 });
    longWithout.push(e);
    await e.h.page.close();
    const d = await load(browser, sites, '/bubble-open.html', { throttle: 4 });
    longAtOnce.push({ ...d, wire: d.bytes.cdn });
    await d.h.page.close();
  }
  rows.push(['bytes from the CDN before interaction (brotli on the wire)', median(before.map((b) => b.cdn))]);
  rows.push(['  files', before[0].files.join(', ')]);
  rows.push(['hover preload, then click → focused text box (ms, median of 5)', `${median(preloaded)} (${preloaded.join(', ')})`]);
  rows.push(['no preload: click → focused text box (ms, median of 5)', `${median(cold)} (${cold.join(', ')})`]);
  rows.push(['long tasks at load, 4x CPU, the same page without the tag (count / TBT ms)',
    `${median(longWithout.map((r) => r.long))} / ${median(longWithout.map((r) => r.tbt))}`]);
  rows.push(['long tasks at load, 4x CPU, widget deferred (count / TBT ms)',
    `${median(longDeferred.map((r) => r.long))} / ${median(longDeferred.map((r) => r.tbt))}`]);
  rows.push(['long tasks at load, 4x CPU, data-open (count / TBT ms / CDN bytes)',
    `${median(longAtOnce.map((r) => r.long))} / ${median(longAtOnce.map((r) => r.tbt))} / ${median(longAtOnce.map((r) => r.wire))}`]);
  for (const [what, value] of rows) console.log(`measure: ${what}: ${value}`);
}
