// Compiled bots (`chatlet compile`): the widget runs one without fetching the bot reader
// and answers as it does from the plain file; a damaged one is refused loudly; a plain
// file fetches the reader's two files once for the page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** The pages: the demo bot compiled by the command line, and the same bytes damaged. */
export function compiledRoutes(withBot, chatlet, plainBot) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chatlet-compiled-')), 'demo.chatlet');
  execFileSync(chatlet, ['compile', plainBot, '-o', file], { stdio: 'pipe' });
  const bytes = fs.readFileSync(file);
  assert.equal(bytes.subarray(0, 8).toString('latin1'), '\0chatlet');
  const damaged = Buffer.from(bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  const binary = 'application/octet-stream';
  return {
    // Beside the plain file, where the bot's relative avatar URL is.
    '/compiled.html': { body: withBot('/demo-bot.chatlet'), type: 'text/html' },
    '/demo-bot.chatlet': { body: bytes, type: binary },
    '/damaged.html': { body: withBot('/bots/damaged.chatlet'), type: 'text/html' },
    '/bots/damaged.chatlet': { body: damaged, type: binary },
  };
}

/** The page's fetches of the bot reader's files (its glue and its wasm). */
const readerFetches = (page) => page.evaluate(() => performance.getEntriesByType('resource')
  .map((e) => new URL(e.name).pathname).filter((p) => /chatlet-reader-/.test(p)));

/** The bot's texts after the visitor says each of `lines` in window `v`, each line
 * answered by as many messages as `counts` says. */
async function answers(v, lines, counts) {
  const before = (await v.botTexts()).length;
  let total = before;
  for (const [i, line] of lines.entries()) {
    await v.say(line);
    await v.waitBot(total += counts[i]);
  }
  return (await v.botTexts()).slice(before);
}

export async function compiledChecks({ open, visit, check }) {
  // The question, a wrong answer (the reason and the question again), a right one.
  const lines = ['balance', '12345', '123456'];
  const counts = [1, 2, 1];
  let plain;
  await check('a plain bot file: the loader fetches the bot reader (its glue and wasm, once) and the demo bot answers', async () => {
    const v = await open('/');
    plain = await answers(v, lines, counts);
    assert.match(plain[0], /account number/);
    assert.equal(plain.length, 4);
    assert.match(plain[3], /email/);
    const fetched = await readerFetches(v.page);
    assert.equal(fetched.length, 2, fetched.join(', '));
    assert.ok(fetched.some((p) => /_bg\.wasm$/.test(p)) && fetched.some((p) => /\.js$/.test(p)), fetched.join(', '));
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });

  await check('a compiled bot (chatlet compile) runs without the bot reader and answers as its plain file does', async () => {
    const v = await open('/compiled.html');
    assert.deepEqual(await answers(v, lines, counts), plain);
    assert.deepEqual(await readerFetches(v.page), [], 'the reader is not fetched for a compiled bot');
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });

  await check('a damaged compiled bot is refused loudly: the visitor is told the chat is unavailable, the page gets a chatlet:error saying it does not read', async () => {
    const { page, log } = await visit('/damaged.html');
    const error = page.evaluate(() => new Promise((resolve) => window.addEventListener('chatlet:error', (e) => resolve(e.detail))));
    await page.click('.chatlet-launcher');
    await page.waitForSelector('[role=alert]');
    const detail = await error;
    assert.equal(detail.kind, 'bot');
    assert.match(detail.message, /the compiled bot does not read/);
    assert.ok(log.errors.some((e) => e.includes('does not read')), log.errors.join('\n'));
    await page.close();
  });
}
