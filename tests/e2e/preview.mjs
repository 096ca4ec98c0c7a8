// The previewer (www/preview.html, dist/site/preview.html) as a bot author uses it: open
// the demo bot by ?bot= and a Conversation Builder export the tests use nowhere else by
// dropping it; see the findings and the part of the file each is about; chat through
// the Account Balance dialog against the demo API and see the call (its URL with both
// values, HTTP 200, the field it set, the success rule); stub the integration with a
// 500 and see the failure rule; record the conversation and replay the download with
// `chatlet test`; a broken bot says what and where; axe finds nothing, light or dark.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { newPage, chatHelpers, GREETING } from './lib.mjs';
import { audit } from './a11y.mjs';
import { pdf } from './files.mjs';
import { foldBot, foldDisagreements } from './fold.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const bots = path.join(here, 'bots');

/** The previewer's fixtures, served by the visitor page's server. */
export function previewRoutes() {
  return {
    '/bots/opening-hours.json': { body: fs.readFileSync(path.join(bots, 'cb-opening-hours.json'), 'utf8'), type: 'application/json' },
    '/bots/preview-broken.json': { body: fs.readFileSync(path.join(bots, 'preview-broken.json'), 'utf8'), type: 'application/json' },
  };
}

/** Drops a bot file with this text and name on the previewer page, as an author does. */
async function dropBot(page, text, name) {
  await page.evaluate(([text, name]) => {
    const data = new DataTransfer();
    data.items.add(new File([text], name, { type: 'application/json' }));
    document.querySelector('main').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, [text, name]);
}

/** The widget's chat helpers on the previewer page, after the demo bot's greeting. */
async function demoChat(page) {
  const v = { page, ...chatHelpers(page) };
  await v.waitBot(GREETING.length);
  return v;
}

/** The balance dialog; the bot's answer and the call's row in the Calls panel. */
async function balance(v, account, email, before) {
  await v.say('balance');
  await v.waitBot(before + 1);
  await v.say(account);
  await v.waitBot(before + 2);
  await v.say(email);
  await v.waitBot(before + 3);
  const row = v.page.locator('#calls li').last();
  await row.locator('text=rule taken').waitFor();
  return { answer: (await v.botTexts())[before + 2], row: await row.innerText() };
}

export async function previewChecks({ browser, check, siteUrl, root, out }) {
  const url = (q) => new URL(`preview.html${q}`, siteUrl).href;
  const chatlet = path.join(root, 'target', 'debug', 'chatlet');

  await check('previewer: ?bot= opens the demo bot; the balance call shows its URL with both values, HTTP 200, the field it set and the success rule; a stubbed 500 takes the failure rule; the recorded transcript replays green in chatlet test', async () => {
    const { page, log } = await newPage(browser, { viewport: { width: 1500, height: 1000 }, acceptDownloads: true });
    await page.goto(url('?bot=demo-bot.json'));
    await page.waitForFunction(() => /Chatlet demo bank: \d+ dialogs/.test(document.getElementById('summary').textContent));
    const v = await demoChat(page);
    const first = await balance(v, '314159', 'ada@example.com', GREETING.length);
    assert.match(first.answer, /^The balance of account 314159 is [\d.]+ USD\.$/);
    assert.match(first.row, /Balance GET \S*\/api\/balance\?\S*account=314159\S*/);
    assert.match(first.row, /email=ada%40example\.com|email=ada@example\.com/);
    assert.match(first.row, /HTTP 200 \d+ ms/);
    assert.match(first.row, /success rule taken; fields: Balance\.balance = [\d.]+/);
    // The state after the answer: the slots the dialog filled, the field, the call's outcome.
    const state = await page.locator('#state').innerText();
    assert.match(state, /slot accountNumber[\s\S]*314159/);
    assert.match(state, /field Balance\.balance/);
    assert.match(state, /last call\s+succeeded\s+HTTP 200/);
    assert.ok(await page.locator('#state tr.changed').count() > 0, 'what the turn changed is marked');
    // Every turn is listed with what made it and its transcript lines.
    const turns = await page.locator('#turns').innerText();
    assert.match(turns, /> balance[\s\S]*< What's your 6-digit account number\?|> balance/);
    assert.match(turns, /the answer to call \d+: HTTP 200/);
    // Why each turn went where it went: the starter and its pattern, the rule that fired.
    assert.match(turns, /> hi\s+starter of dialog "Welcome" matched \(pattern [^\n]*hi[^\n]*\)/);
    assert.match(turns, /> balance\s+the answer to the question of "what would you like": rule 1 \(pattern \*balance\*\) fired/);
    assert.match(turns, /> 314159\s+the answer to the question of "[^"]+": rule \d+ \(regular expression [^)]+\) fired/);
    assert.match(turns, /the call's success of "[^"]+": rule \d+ \(success\) fired/);

    // The integration answers 500 from now on: the bot's failure branch.
    await page.fill('#stub-name', 'Balance');
    await page.fill('#stub-status', '500');
    await page.fill('#stub-body', '{"error":"down for maintenance"}');
    await page.click('#stub button[type=submit]');
    const second = await balance(v, '271828', 'bob@example.com', GREETING.length + 3);
    assert.equal(second.answer, 'Sorry, I couldn\'t get the balance for account 271828 right now. Please try again later, or type "agent".');
    assert.match(second.row, /HTTP 500 \d+ ms \(stubbed\)/);
    assert.match(second.row, /failure rule taken/);
    assert.match(await page.locator('#turns').innerText(), /the call's failure of "[^"]+": rule \d+ \(failure\) fired/);

    // Recorded and replayed.
    const download = page.waitForEvent('download');
    await page.click('#record');
    const file = path.join(out, 'preview-recorded.transcript');
    await (await download).saveAs(file);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^@stub Balance 200 \{.*"accountBalance"/m);
    assert.match(text, /^@stub Balance 500 \{"error":"down for maintenance"\}$/m);
    assert.match(text, /^> 314159$/m);
    const replay = execFileSync(chatlet, ['test', path.join(root, 'www', 'demo-bot.json'), file], { encoding: 'utf8' });
    assert.match(replay, /1 passed, 0 failed/);
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  await check('previewer: a Conversation Builder export dropped on the page lists its findings (unsupported, dangling), a click shows that part of the file, and it chats; by ?bot= too', async () => {
    const { page, log } = await newPage(browser, { viewport: { width: 1500, height: 1000 } });
    await page.goto(url(''));
    // With a block of code on one interaction, which the turns name by the interaction's
    // name (its key in the export is an id).
    const cb = JSON.parse(fs.readFileSync(path.join(bots, 'cb-opening-hours.json'), 'utf8'));
    cb.conversationMessage.find((m) => m.id === 'hours-weekend').preProcessMessage = "botContext.setBotVariable('seen', 'weekend', true, false);";
    const text = JSON.stringify(cb);
    await dropBot(page, text, 'opening-hours.json');
    await page.waitForFunction(() => /Opening hours desk: 2 dialogs, 5 interactions; 1 unsupported, 1 warnings/.test(document.getElementById('summary').textContent));
    const findings = await page.locator('#findings').innerText();
    assert.match(findings, /unsupported[\s\S]*\/requiredContext/);
    assert.match(findings, /warning[\s\S]*\/conversationMessage\/2\/nextMessageId \("weekend"\): next interaction "hours-holidays" does not exist/);
    await page.click('#findings button[data-pointer="/conversationMessage/2/nextMessageId"]');
    const source = page.locator('#source');
    await source.waitFor();
    assert.equal((await source.innerText()).trim(), '/conversationMessage/2/nextMessageId\n"hours-holidays"');
    assert.ok(await page.evaluate(() => document.activeElement.id === 'source'), 'the part shown takes the focus');
    const v = { page, ...chatHelpers(page) };
    await v.say('what are your opening hours?');
    await v.waitBot(2);
    assert.deepEqual(await v.botTexts(), ['The shop opens 9:00 to 17:30, Monday to Friday.', 'On Saturdays, 10:00 to 14:00.']);
    await page.waitForFunction(() => /code weekend\/pre: /.test(document.getElementById('turns').textContent));
    assert.doesNotMatch(await page.locator('#turns').innerText(), /hours-weekend/, 'the block by its name, not its id');
    await page.goto(url('?bot=/bots/opening-hours.json'));
    await page.waitForFunction(() => /Opening hours desk/.test(document.getElementById('summary').textContent));
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  await check('previewer: code the browser cannot parse is a warning with its place, the same place chatlet check names', async () => {
    const { page, log } = await newPage(browser, { viewport: { width: 1500, height: 1000 } });
    await page.goto(url(''));
    const text = JSON.stringify({ chatlet: 1, name: 'Typo desk', dialogs: [{ name: 'Hi', patterns: ['hi'], flow: [
      { say: 'Hello', pre: 'var a = ;' }, { say: 'Fine', pre: ['if (a) {', '  a = 1;', '}'] }] }] });
    await dropBot(page, text, 'typo.json');
    await page.waitForFunction(() => /Typo desk: 1 dialogs, 2 interactions; 0 unsupported, 1 warnings/.test(document.getElementById('summary').textContent));
    const findings = await page.locator('#findings').innerText();
    assert.match(findings, /warning[\s\S]*\/dialogs\/0\/flow\/0\/pre \("Hi 1"\): the code does not parse \(SyntaxError: [^)]+\); running it is a script error/);
    assert.doesNotMatch(findings, /flow\/1\/pre/, 'code that parses is not listed');
    const file = path.join(out, 'typo.json');
    fs.writeFileSync(file, text);
    const cli = execFileSync(chatlet, ['check', file], { encoding: 'utf8' });
    assert.match(cli, /^warning: \/dialogs\/0\/flow\/0\/pre \("Hi 1"\): the code does not parse \(SyntaxError: .*, line 1 column 9\); running it is a script error$/m);
    assert.match(cli, /0 unsupported, 1 warnings/);
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  await check('previewer: a bot without code (on the page\'s thread) matches case-insensitive rules (i, iu) as the browser\'s RegExp does, though the page checked it before any window mounted', async () => {
    const { page, log } = await newPage(browser, { viewport: { width: 1500, height: 1000 } });
    await page.goto(url(''));
    await dropBot(page, foldBot(), 'fold.json');
    await page.waitForFunction(() => /^Fold: 1 dialogs/.test(document.getElementById('summary').textContent));
    assert.deepEqual(await foldDisagreements({ page, ...chatHelpers(page) }), [], 'the previewer and the browser disagree');
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  await check('previewer: a broken bot says what and where (its finding and JSON pointer), and the page stays usable: another bot opens after it', async () => {
    const { page } = await newPage(browser, { viewport: { width: 1500, height: 1000 } });
    await page.goto(url('?bot=/bots/preview-broken.json'));
    await page.waitForFunction(() => /does not load: 1 error/.test(document.getElementById('summary').textContent));
    const findings = await page.locator('#findings').innerText();
    assert.match(findings, /error[\s\S]*\/dialogs\/0\/flow\/1\/rules\/0\/regex \("Start 2"\): regular expression "\(small\|large" is not valid JavaScript/);
    assert.equal(await page.locator('chatlet-widget').count(), 0, 'no window for a bot that does not load');
    await page.fill('#url', 'demo-bot.json');
    await page.click('#open button[type=submit]');
    await page.waitForFunction(() => /Chatlet demo bank/.test(document.getElementById('summary').textContent));
    await demoChat(page);
    await page.close();
  });

  await check('previewer: the page sets a variable (shown in the state), and a transfer is answered from the side panel: accepted, the agent and the visitor talk, then it hands back to the bot', async () => {
    const { page, log } = await newPage(browser, { viewport: { width: 1500, height: 1000 } });
    await page.goto(url('?bot=demo-bot.json'));
    const v = await demoChat(page);
    await page.fill('#var-name', 'plan');
    await page.fill('#var-value', '"gold"');
    await page.click('#setvar button[type=submit]');
    await page.waitForFunction(() => /variable plan\s+session\s+gold/.test(document.getElementById('state').innerText));
    assert.match(await page.locator('#turns').innerText(), /the page set plan = "gold"/);
    await v.say('I need an agent');
    await page.locator('#desk:not([hidden])').waitFor();
    assert.match(await page.locator('#desk-what').innerText(), /Skill 12345/);
    await page.click('#desk-accept');
    await page.fill('#desk-input', 'Hello, this is the preview agent.');
    await page.click('#desk-form button[type=submit]');
    await page.locator('.chatlet-text >> text=Hello, this is the preview agent.').waitFor();
    await v.say('Thanks, my card is lost');
    await page.locator('#desk-log >> text=Thanks, my card is lost').waitFor();
    await page.click('#desk-end');
    assert.ok(await page.locator('#desk').isHidden());
    const log2 = await page.locator('#turns').innerText();
    assert.match(log2, /transfer asked: skill 12345[\s\S]*transfer accepted by Preview agent[\s\S]*the agent handed the conversation back to the bot/);
    // Back with the bot: it answers again.
    await v.say('balance');
    await page.locator('.chatlet-bot .chatlet-text >> text=What is your 6-digit account number?').waitFor();
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  await check('previewer: an upload the author fails with a stub never leaves the page and takes the bot\'s failure path; each block of bot code run is listed with its time', async () => {
    const { page, log } = await newPage(browser, { viewport: { width: 1500, height: 1000 } });
    const sent = [];
    page.on('request', (r) => { if (r.url().includes('/api/upload')) sent.push(r.url()); });
    await page.goto(url('?bot=demo-bot.json'));
    const v = await demoChat(page);
    await page.fill('#stub-name', 'Upload');
    await page.check('#stub-fail');
    await page.click('#stub button[type=submit]');
    await v.say('I want to send a document');
    await v.waitBot(GREETING.length + 1);
    await page.setInputFiles('.chatlet-picker', { name: 'statement.pdf', mimeType: 'application/pdf', buffer: pdf(20 * 1024) });
    await page.locator('.chatlet-bot .chatlet-text >> text=Sorry, that file did not arrive. Please try again later.').waitFor();
    assert.deepEqual(sent, [], 'the stubbed upload never left the page');
    await page.locator('#turns >> text=upload of statement.pdf (20480 bytes): failed').waitFor();
    const row = await page.locator('#calls li').last().innerText();
    assert.match(row, /^Upload POST \S*\/api\/upload/);
    assert.match(row, /failed by a stub/);
    const turns = await page.locator('#turns').innerText();
    assert.match(turns, /code [^\n]*store statement[^\n]*\/pre: (<1|\d+) ms/);
    assert.deepEqual(log.errors, []);
    await page.close();
  });

  for (const colorScheme of ['light', 'dark']) {
    await check(`previewer: axe finds no violations on the whole page after a conversation (${colorScheme})`, async () => {
      const { page } = await newPage(browser, { viewport: { width: 1500, height: 1000 }, colorScheme });
      await page.goto(url('?bot=demo-bot.json'));
      const v = await demoChat(page);
      await balance(v, '314159', 'ada@example.com', GREETING.length);
      await page.click('#findings button >> nth=0').catch(() => {});
      assert.deepEqual(await audit(page, { whole: true }), []);
      await page.screenshot({ path: path.join(out, `previewer-${colorScheme}.png`) });
      await page.close();
    });
  }
}
