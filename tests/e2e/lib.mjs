// Shared helpers for the end-to-end tests: a static server for dist/ on loopback,
// Debian's Chromium through playwright-core, and a tiny check runner whose closing line
// is "e2e: N passed, N failed".
import { chromium } from '../../tools/node_modules/playwright-core/index.mjs';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.pdf': 'application/pdf',
};

/** Serves `dir` on 127.0.0.1 (a free port); `headers` are added to every response. */
export async function serveStatic(dir, headers = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
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
