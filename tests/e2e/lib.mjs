// Shared helpers for the end-to-end tests: a static server for dist/ on loopback,
// Debian's Chromium through playwright-core, and a tiny check runner whose closing line
// is "e2e: N passed, N failed".
import { chromium } from '../../tools/node_modules/playwright-core/index.mjs';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import zlib from 'node:zlib';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.pdf': 'application/pdf',
};

/**
 * Serves `dir` on 127.0.0.1 (a free port). `headers` are added to every response;
 * `routes` maps a path to `{body, type, headers}` served instead of a file; `mounts` maps
 * a path prefix to another folder; `api`, a base URL, receives every request under /api/
 * (as `trunk serve` proxies to the demo API). `hold(pathname)` may return a promise the
 * answer waits for (a slow network for one file); if it resolves to 'fail', the answer is 503. With `compress`, files go out with
 * brotli (quality 11) or gzip, as a CDN would send them (the file's .br or .gz twin when
 * there is one).
 */
/** Is `file` in folder `base` (not `..` out of it, nor a sibling named like `base-x`)? */
export function inside(base, file) {
  return file === base || file.startsWith(base + path.sep);
}

export async function serveStatic(dir, { headers = {}, routes = {}, mounts = {}, api = null, hold = () => null, compress = false } = {}) {
  const packed = new Map();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (api && url.pathname.startsWith('/api/')) { proxy(req, res, api); return; }
    if (await hold(url.pathname) === 'fail') { res.writeHead(503, headers).end('unavailable'); return; }
    const route = routes[url.pathname];
    if (route) {
      res.writeHead(200, { 'Content-Type': route.type || TYPES[path.extname(url.pathname)] || 'text/plain',
                           ...headers, ...(route.headers || {}) });
      res.end(route.body);
      return;
    }
    const prefix = Object.keys(mounts).find((p) => url.pathname.startsWith(p));
    const base = prefix ? mounts[prefix] : dir;
    let file = path.join(base, decodeURIComponent(prefix ? url.pathname.slice(prefix.length) : url.pathname));
    // Inside the folder only: not `..`, nor a sibling whose name starts the same (dist-x).
    if (!inside(base, file)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404, headers).end('not found'); return; }
      const type = { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', ...headers };
      const accepts = String(req.headers['accept-encoding'] || '');
      const coding = !compress ? null : /\bbr\b/.test(accepts) ? 'br' : /\bgzip\b/.test(accepts) ? 'gzip' : null;
      if (!coding) { res.writeHead(200, type); res.end(body); return; }
      const key = `${coding} ${file}`;
      // A precompressed twin beside the file (the release folder has them) goes out as
      // it is, as static hosts serve them; else the file is compressed here.
      const twin = `${file}.${coding === 'br' ? 'br' : 'gz'}`;
      if (!packed.has(key) && fs.existsSync(twin)) packed.set(key, fs.readFileSync(twin));
      if (!packed.has(key)) {
        packed.set(key, coding === 'br'
          ? zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } })
          : zlib.gzipSync(body, { level: 9 }));
      }
      res.writeHead(200, { ...type, 'Content-Encoding': coding, Vary: 'Accept-Encoding' });
      res.end(packed.get(key));
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

function proxy(req, res, api) {
  const target = new URL(req.url, api);
  const upstream = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
  });
  upstream.on('error', (e) => res.writeHead(502).end(String(e)));
  req.pipe(upstream);
}

/** Starts a binary from target/debug that prints "... listening on URL" when ready. */
export async function startServer(binary, args = []) {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const url = await new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) ok(m[1] + '/');
    });
    child.on('exit', (code) => fail(new Error(`${binary} exited with ${code}: ${log}`)));
  });
  return { url, log: () => log, close: () => child.kill() };
}

/** Headless Debian Chromium with the flags this project runs it with. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-quic', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Test helpers every page gets (playwright's selectors reach into open shadow roots, but
 * a page's own scripts do not): `__chatlet.q(sel)` and `.all(sel)` query every widget's
 * shadow root, `.active()` is the focused element inside a shadow root.
 */
const PAGE_HELPERS = `window.__chatlet = {
  roots() { return [...document.querySelectorAll('chatlet-widget')].map((h) => h.shadowRoot); },
  all(sel) { return this.roots().flatMap((r) => [...r.querySelectorAll(sel)]); },
  q(sel) { return this.all(sel)[0] || null; },
  active() { let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; return a; },
};`;

/** A new page with the helpers, collecting page errors, console errors, warnings and info. */
export async function newPage(browser, options = {}) {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 }, ...options });
  await page.addInitScript(PAGE_HELPERS);
  const log = { errors: [], warnings: [], info: [] };
  page.on('pageerror', (e) => log.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') log.errors.push(`console: ${m.text()}`);
    if (m.type() === 'warning') log.warnings.push(m.text());
    if (m.type() === 'info') log.info.push(m.text());
  });
  return { page, log };
}

/** Reading and typing in a page's (first) chat window; the first `skip` bot texts (a
 * greeting the bot sent before the test began) are left out of the counts. */
export function chatHelpers(page, scope = '', skip = 0) {
  const sel = (s) => (scope ? `${scope} ${s}` : s);
  const botTexts = async () => (await page.locator(sel('.chatlet-bot .chatlet-text')).allTextContents()).slice(skip);
  const waitBot = (n) => page.locator(sel('.chatlet-bot .chatlet-text')).nth(skip + n - 1).waitFor();
  const say = async (text) => {
    await page.fill(sel('.chatlet-input'), text);
    await page.press(sel('.chatlet-input'), 'Enter');
  };
  return { botTexts, waitBot, say };
}

/** The demo bot greets a new conversation (its settings' greeting, "hi"): the welcome
 * and its question, before the visitor says anything. */
export const GREETING = ["Hi! I'm the Chatlet demo bot.", 'I can check an account balance, take a document, or get you to a person. What would you like?'];

/** How many bot texts the window showed before the test began: the demo bot's greeting
 * (awaited) when the window is the demo bot's, else none. */
export async function greeted(page) {
  // The window is busy until its bot is loaded (or it says the bot failed).
  await page.waitForSelector('.chatlet-body:not([aria-busy]), [role=alert]', { timeout: 15000 });
  if (await page.textContent('.chatlet-header h2') !== 'Chatlet demo bank') return 0;
  const texts = page.locator('.chatlet-bot .chatlet-text');
  await texts.nth(GREETING.length - 1).waitFor();
  const first = (await texts.allTextContents()).slice(0, GREETING.length);
  if (JSON.stringify(first) !== JSON.stringify(GREETING)) throw new Error(`the demo bot did not greet: ${first}`);
  return GREETING.length;
}

/** Runs named checks, printing ok/FAIL lines; `summary()` prints the closing line.
 * `E2E_ONLY=text` runs only the checks whose name contains `text` (`a|b`: either; while
 * working on them). */
export function checks() {
  let passed = 0, failed = 0;
  const only = process.env.E2E_ONLY;
  return {
    async check(name, fn) {
      if (only && !only.split("|").some((o) => name.includes(o))) return;
      try { await fn(); passed++; console.log(`ok - ${name}`); }
      catch (e) { failed++; console.log(`FAIL - ${name}: ${e.stack || e}`); }
    },
    summary() { console.log(`e2e: ${passed} passed, ${failed} failed`); return failed; },
  };
}
