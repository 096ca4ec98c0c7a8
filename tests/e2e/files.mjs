// End-to-end checks of file uploads on the visitor page: drop or pick a file, the
// widget's checks before anything is sent, the streamed upload with its progress bar,
// and how file_upload_success:/file_upload_failed: come back into the conversation.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';

const PROMPT = 'Please send a bank statement as a PDF, PNG or JPEG file of up to 5 MB: drop it on this window, or use the paperclip button.';
const INVALID = 'The file type is invalid. Upload one of these types: PDF, PNG, JPEG.';
const TOO_LARGE = 'The file is too large. Upload a file of at most 5 MB.';

/** A file of `size` bytes that starts like a PDF; the rest is random. */
export function pdf(size) {
  const head = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  return Buffer.concat([head, crypto.randomBytes(size - head.length)]);
}

/** Drops `bytes` as file `name` on the chat window, the way a browser drag would. */
export async function drop(page, name, bytes, type, { hold = false } = {}) {
  await page.evaluate(async ({ name, data, type, hold }) => {
    const file = new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type });
    const dt = new DataTransfer();
    dt.items.add(file);
    const target = __chatlet.q('.chatlet-messages');
    const fire = (kind) => target.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
    fire('dragenter');
    fire('dragover');
    window.__chatletDrop = () => fire('drop');
    if (!hold) { window.__chatletDrop(); }
  }, { name, data: bytes.toString('base64'), type, hold });
}

/** Opens the visitor page and asks for the Documents dialog. */
async function documents(open) {
  const v = await open('/');
  const uploads = [];
  v.page.on('request', (r) => { if (r.url().includes('/api/upload')) uploads.push(r); });
  await v.say('I want to send a document');
  await v.page.waitForSelector(`.chatlet-bot >> text=${PROMPT}`);
  await v.page.waitForSelector('.chatlet-attach');
  return { ...v, uploads };
}

export async function fileChecks({ open, check, api, control, out }) {
  await check('dropping a valid PDF uploads it (the server stores the same bytes) and routes file_upload_success: into its dialog', async () => {
    const v = await documents(open);
    const bytes = pdf(300 * 1024);
    await v.page.setViewportSize({ width: 1100, height: 700 });
    await drop(v.page, 'statement.pdf', bytes, 'application/pdf', { hold: true });
    await v.page.waitForSelector('.chatlet-dropzone >> text=Drop your file to send it');
    assert.match(await v.page.textContent('.chatlet-dropzone'), /PDF, PNG, JPG, JPEG · up to 5 MB/);
    await v.page.screenshot({ path: path.join(out, 'drop-zone.png') });
    const answered = v.page.waitForResponse((r) => r.url().includes('/api/upload'));
    await v.page.evaluate(() => window.__chatletDrop());
    const response = await answered;
    assert.equal(response.status(), 201);
    const stored = await response.json();
    assert.equal(stored.bytes, bytes.length);
    assert.equal(stored.name, 'statement.pdf');
    const kept = Buffer.from(await (await fetch(new URL(`api/uploads/${stored.id}`, api.url))).arrayBuffer());
    assert.ok(kept.equals(bytes), 'the server keeps exactly the bytes that were dropped');
    await v.page.waitForSelector(`.chatlet-bot >> text=Thanks! Your file is stored as ${stored.id} (${bytes.length} bytes).`);
    const texts = await v.botTexts();
    assert.deepEqual(texts.slice(-3), ['Uploading your statement...', 'You can keep chatting while it uploads.',
      `Thanks! Your file is stored as ${stored.id} (${bytes.length} bytes).`]);
    assert.equal(await v.page.getAttribute('.chatlet-file', 'data-state'), 'sent');
    assert.equal(await v.page.$('.chatlet-dropzone'), null);
    assert.equal(await v.page.$('.chatlet-attach'), null, 'no file is asked for any more');
    assert.equal(v.uploads.length, 1);
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });

  await check('the upload streams with a progress bar while the conversation goes on', async () => {
    const v = await documents(open);
    const cdp = await v.page.context().newCDPSession(v.page);
    await cdp.send('Network.enable');
    // About 400 KB/s up: a 1.5 MB file takes a few seconds.
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 400 * 1024,
    });
    await v.page.setViewportSize({ width: 1100, height: 700 });
    const bytes = pdf(1536 * 1024);
    const answered = v.page.waitForResponse((r) => r.url().includes('/api/upload'), { timeout: 30000 });
    await drop(v.page, 'big-statement.pdf', bytes, 'application/pdf');
    await v.page.waitForFunction(() => {
      const bar = __chatlet.q('.chatlet-progress');
      return bar && bar.value > bar.max * 0.3 && bar.value < bar.max * 0.8;
    }, null, { timeout: 15000 });
    assert.equal(await v.page.getAttribute('.chatlet-progress', 'aria-label'), 'Uploading big-statement.pdf');
    await v.page.screenshot({ path: path.join(out, 'upload-progress.png') });
    // The bot answers while the file is still on its way.
    const before = (await v.botTexts()).length;
    await v.say('hi');
    await v.waitBot(before + 2);
    assert.equal(await v.page.getAttribute('.chatlet-file', 'data-state'), 'sending');
    const response = await answered;
    assert.equal(response.status(), 201);
    const stored = await response.json();
    assert.equal(stored.bytes, bytes.length);
    await v.page.waitForSelector(`.chatlet-bot >> text=Thanks! Your file is stored as ${stored.id} (${bytes.length} bytes).`, { timeout: 15000 });
    assert.equal(await v.page.getAttribute('.chatlet-file', 'data-state'), 'sent');
    await v.page.close();
  });

  await check('an oversize file, a wrong extension and a spoofed type are refused with their messages; nothing is sent', async () => {
    const v = await documents(open);
    const refusal = async (expect, n) => {
      await v.page.waitForFunction((n) => __chatlet.all('.chatlet-file[data-state="refused"]').length >= n, n);
      await v.page.waitForSelector(`.chatlet-bot >> nth=-1 >> text=${expect}`);
    };
    // Through the attach button's file picker, as a keyboard user would.
    await v.page.setInputFiles('.chatlet-picker', { name: 'huge.pdf', mimeType: 'application/pdf', buffer: pdf(5 * 1024 * 1024 + 1) });
    await refusal(TOO_LARGE, 1);
    await drop(v.page, 'notes.txt', Buffer.from('just some text\n'), 'text/plain');
    await refusal(INVALID, 2);
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00', 'latin1'), crypto.randomBytes(2000)]);
    await drop(v.page, 'invoice.pdf', exe, 'application/pdf');
    await refusal(INVALID, 3);
    // A file of exactly 5 MB is still accepted afterwards.
    const answered = v.page.waitForResponse((r) => r.url().includes('/api/upload'));
    await drop(v.page, 'limit.pdf', pdf(5 * 1024 * 1024), 'application/pdf');
    assert.equal((await answered).status(), 201);
    assert.equal(v.uploads.length, 1, 'only the accepted file was sent');
    const states = await v.page.$$eval('.chatlet-file', (els) => els.map((e) => e.dataset.state));
    assert.deepEqual(states.slice(0, 3), ['refused', 'refused', 'refused']);
    await v.page.close();
  });

  await check('a server failure routes file_upload_failed: and shows the failure message', async () => {
    await control('fail?path=/api/upload&status=500&times=1');
    const v = await documents(open);
    const answered = v.page.waitForResponse((r) => r.url().includes('/api/upload'));
    await drop(v.page, 'statement.png', Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), crypto.randomBytes(4000)]), 'image/png');
    assert.equal((await answered).status(), 500);
    await v.page.waitForSelector('.chatlet-bot >> text=Sorry, that file did not arrive. Please try again later.');
    assert.equal(await v.page.getAttribute('.chatlet-file', 'data-state'), 'failed');
    assert.ok(v.log.errors.every((e) => /status of 500/.test(e)), v.log.errors.join('\n'));
    await v.page.close();
  });

  await check('keyboard: the attach button is a focusable button before the input; drops are refused when no file is asked for', async () => {
    const v = await documents(open);
    await v.page.focus('.chatlet-input');
    await v.page.keyboard.press('Shift+Tab');
    assert.equal(await v.page.evaluate(() => __chatlet.active().className), 'chatlet-attach');
    assert.match(await v.page.getAttribute('.chatlet-attach', 'aria-label'), /^Attach a file \(PDF, PNG, JPG, JPEG, up to 5 MB\)$/);
    await v.say('balance');
    await v.waitBot((await v.botTexts()).length);
    await v.say('reset');
    await v.say('hi');
    await v.page.waitForSelector('.chatlet-choice >> text=Send a document');
    await drop(v.page, 'statement.pdf', pdf(100), 'application/pdf');
    await v.page.waitForSelector('.chatlet-system >> text=The bot is not asking for a file right now; nothing was sent.');
    assert.equal(v.uploads.length, 0);
    await v.page.close();
  });
}
