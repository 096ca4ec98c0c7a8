// Shared helpers for the end-to-end tests: a static server for dist/ on loopback,
// Debian's Chromium through playwright-core, and a tiny check runner whose closing line
// is "e2e: N passed, N failed".
import { chromium } from '../../tools/node_modules/playwright-core/index.mjs';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.pdf': 'application/pdf',
};

/**
 * Serves `dir` on 127.0.0.1 (a free port). `headers` are added to every response;
 * `routes` maps a path to `{body, type, headers}` served instead of a file; `api`, a base
 * URL, receives every request under /api/ (as `trunk serve` proxies to the demo API).
 */
export async function serveStatic(dir, { headers = {}, routes = {}, api = null } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (api && url.pathname.startsWith('/api/')) { proxy(req, res, api); return; }
    const route = routes[url.pathname];
    if (route) {
      res.writeHead(200, { 'Content-Type': route.type || TYPES[path.extname(url.pathname)] || 'text/plain',
                           ...headers, ...(route.headers || {}) });
      res.end(route.body);
      return;
    }
    let file = path.join(dir, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404, headers).end('not found'); return; }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', ...headers });
      res.end(body);
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

/** Runs named checks, printing ok/FAIL lines; `summary()` prints the closing line. */
export function checks() {
  let passed = 0, failed = 0;
  return {
    async check(name, fn) {
      try { await fn(); passed++; console.log(`ok - ${name}`); }
      catch (e) { failed++; console.log(`FAIL - ${name}: ${e.stack || e}`); }
    },
    summary() { console.log(`e2e: ${passed} passed, ${failed} failed`); return failed; },
  };
}
