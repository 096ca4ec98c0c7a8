// Bot code that never ends must not freeze the page: the session runs in a worker, a
// watchdog stops a block over its budget (2 s) by replacing the worker, and the
// conversation goes on where it was. Without a worker (a CSP that refuses blob:
// workers) the bot's code does not run, each block a script error, and the console names
// the CSP; only a page that asks for it (data-code-on-page) runs the code on its thread.
import assert from 'node:assert/strict';

/** The pages these checks need, for the test site's routes. */
export function hangRoutes(withBot, bot) {
  const noWorkers = "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; " +
    "worker-src 'none'; style-src 'self'; connect-src 'self'";
  return {
    '/stuck.html': { body: withBot('/bots/stuck.json'), type: 'text/html' },
    '/stuck-no-workers.html': { body: withBot('/bots/stuck.json'), type: 'text/html', headers: { 'Content-Security-Policy': noWorkers } },
    '/stuck-on-page.html': {
      body: withBot('/bots/stuck.json').replace('async></script>', 'data-code-on-page async></script>'),
      type: 'text/html', headers: { 'Content-Security-Policy': noWorkers },
    },
    '/bots/stuck.json': { body: bot },
  };
}

/** The longest a trivial evaluation in the page takes, sampled for `ms`. */
async function slowestEvaluation(page, ms) {
  let worst = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t = Date.now();
    await page.evaluate(() => document.title);
    worst = Math.max(worst, Date.now() - t);
    await new Promise((r) => setTimeout(r, 50));
  }
  return worst;
}

export async function hangChecks({ open, check }) {
  await check('a block that never ends (while (true) {}) stops after 2 s; the page stays responsive and the conversation goes on, in order', async () => {
    const v = await open('/stuck.html');
    assert.ok(v.log.info.some((m) => m.includes('runs in a worker')), v.log.info.join('\n'));
    const first = Date.now();
    await v.say('remember blue');
    await v.waitBot(1);
    console.log(`  first reply through the worker: ${Date.now() - first} ms`);
    const t0 = Date.now();
    await v.say('loop');
    await v.say('recall'); // sent while the block runs: handled after it, not lost
    const worst = await slowestEvaluation(v.page, 1500);
    assert.ok(worst < 500, `the page answered within ${worst} ms while the bot's code looped`);
    // The visitor's messages are shown at once, even while the bot's code runs.
    assert.deepEqual(await v.page.locator('.chatlet-visitor .chatlet-text').allTextContents(), ['remember blue', 'loop', 'recall']);
    await v.waitBot(3);
    const waited = Date.now() - t0;
    console.log(`  the looping block was stopped and the turn answered after ${waited} ms`);
    assert.deepEqual(await v.botTexts(), ['Noted: blue.', 'Still here after the loop. Note: blue.', 'You said blue.']);
    assert.ok(waited >= 2000 && waited < 8000, `the loop was stopped after ${waited} ms`);
    assert.ok(v.log.warnings.some((w) => w.includes('ran longer than 2000 ms')), v.log.warnings.join('\n'));
    assert.deepEqual(v.log.errors, []);
    // The same block runs again when asked again, and is stopped again.
    await v.say('loop');
    await v.waitBot(4);
    assert.equal((await v.botTexts())[3], 'Still here after the loop. Note: blue.');
    await v.page.close();
  });

  await check('a backtracking regular expression on the visitor\'s text is stopped the same way; a quick one still answers', async () => {
    const v = await open('/stuck.html');
    await v.say('check aaaa');
    await v.waitBot(1);
    await v.say(`check ${'a'.repeat(40)}!`);
    const worst = await slowestEvaluation(v.page, 1000);
    assert.ok(worst < 500, `the page answered within ${worst} ms during the regex`);
    await v.waitBot(2);
    await v.say('check aa');
    await v.waitBot(3);
    assert.deepEqual(await v.botTexts(), ['Checked: only a.', 'Checked: .', 'Checked: only a.']);
    await v.page.close();
  });

  await check('a page whose CSP refuses workers (worker-src \'none\'): the bot\'s code is refused, each block a script error, the console names the CSP, and the page stays responsive', async () => {
    const v = await open('/stuck-no-workers.html');
    await v.say('remember red');
    await v.waitBot(1);
    await v.say('loop'); // on the page's thread this would freeze the page for good
    const worst = await slowestEvaluation(v.page, 1000);
    assert.ok(worst < 500, `the page answered within ${worst} ms`);
    await v.waitBot(2);
    await v.say('recall');
    await v.waitBot(3);
    // The pre-process blocks did not run: nothing was noted; the flow went on.
    assert.deepEqual(await v.botTexts(), ['Noted: .', 'Still here after the loop. Note: .', 'You said .']);
    const told = v.log.errors.filter((e) => e.includes("the bot's code does not run"));
    assert.equal(told.length, 1, `one console error says why: ${v.log.errors.join('\n')}`);
    assert.match(told[0], /Content-Security-Policy refuses the widget's worker/);
    assert.match(told[0], /worker-src/);
    assert.match(told[0], /data-code-on-page/);
    assert.ok(v.log.warnings.some((w) => w.includes('not run: bot code needs the widget\'s worker')), v.log.warnings.join('\n'));
    assert.ok(!v.log.warnings.some((w) => w.includes("runs on the page's thread")), v.log.warnings.join('\n'));
    await v.page.close();
  });

  await check('the same page with data-code-on-page: the bot\'s code runs on the page\'s thread, with a warning that says so', async () => {
    const v = await open('/stuck-on-page.html');
    const first = Date.now();
    await v.say('remember red');
    await v.waitBot(1);
    console.log(`  first reply on the page's thread: ${Date.now() - first} ms`);
    await v.say('recall');
    await v.waitBot(2);
    assert.deepEqual(await v.botTexts(), ['Noted: red.', 'You said red.']);
    assert.ok(v.log.warnings.some((w) => w.includes("runs on the page's thread")), v.log.warnings.join('\n'));
    await v.page.close();
  });
}
