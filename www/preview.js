// The previewer (www/preview.html): open a bot, chat with it in the real widget, see
// inside every turn, answer its integrations with stubs, record the conversation as a
// transcript `chatlet test` replays. It runs on the previewer's own wasm
// (chatlet-preview.mjs: the widget with the `preview` feature, src/preview.rs), which
// dispatches a `chatlet:turn` event per turn and exports `check`. Nothing leaves the
// page but the bot's own integration calls, and "Stub every call" stops those too.
import { mount, engine, reportTransfer, agentMessage, endTransfer } from './chatlet-preview.mjs';

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, v);
  e.append(...kids.filter((k) => k != null));
  return e;
};
const json = (v) => JSON.stringify(v);

// What the page keeps across a bot's reloads (and the page's): stubs and switches.
const KEY = 'chatlet-preview:settings';
const settings = Object.assign({ stubs: [], stubAll: false }, JSON.parse(sessionStorage.getItem(KEY) || '{}'));
const save = () => sessionStorage.setItem(KEY, json(settings));

// The bot open now, and what its conversation did.
let bot = null; // { text, url (for ?bot= and URL opens), name }
let widget = null;
let blobUrl = null;
let conversation = null; // { turns, requests: Map id → call, previous state }

// ---- Opening a bot ------------------------------------------------------------------

/** Opens the bot of `text` (from `origin`: `{ url }` or `{ name }`): its findings, then
 *  the conversation. A bot that does not load shows why and where; the page stays. */
async function open(text, origin) {
  bot = { text, ...origin };
  const { check } = await engine();
  const checked = check(text);
  showFindings(checked);
  bot.name = checked.name;
  bot.labels = new Map(checked.labels);
  start(checked.loaded);
}

async function openUrl(url) {
  try {
    const response = await fetch(url, { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    await open(await response.text(), { url });
  } catch (e) {
    showFindings({ loaded: false, findings: [], lines: [], error: `${url} could not be fetched: ${e.message}` });
    start(false);
  }
}

function showFindings(checked) {
  const list = $('findings');
  list.replaceChildren();
  $('source').hidden = true;
  const count = (s) => checked.findings.filter((f) => f.severity === s).length;
  $('summary').textContent = checked.error ? checked.error
    : checked.loaded
      ? `${checked.name}: ${checked.size[0]} dialogs, ${checked.size[1]} interactions; ${count('unsupported')} unsupported, ${count('warning')} warnings.`
      : `The bot does not load: ${count('error')} error${count('error') === 1 ? '' : 's'}.`;
  checked.findings.forEach((f, i) => {
    const button = el('button', { type: 'button', class: `sev-${f.severity}`, 'data-pointer': f.pointer }, checked.lines[i]);
    button.addEventListener('click', () => showSource(f.pointer));
    list.append(el('li', {}, button));
  });
}

/** The part of the file at JSON pointer `pointer`, pretty-printed. */
function showSource(pointer) {
  const source = $('source');
  let value;
  try {
    value = JSON.parse(bot.text);
    for (const part of pointer.split('/').slice(1)) {
      const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
      if (value == null || typeof value !== 'object' || !(key in value)) throw new Error(`nothing at ${pointer}`);
      value = value[key];
    }
    source.textContent = `${pointer || '(the whole file)'}\n${JSON.stringify(value, null, 2)}`;
  } catch (e) {
    source.textContent = `${pointer}: ${e.message}`;
  }
  source.hidden = false;
  source.focus();
}

// ---- The conversation -----------------------------------------------------------------

function start(loaded) {
  if (widget) widget.destroy();
  widget = null;
  if (blobUrl) URL.revokeObjectURL(blobUrl);
  blobUrl = null;
  conversation = { turns: [], requests: new Map(), previous: null };
  $('turns').replaceChildren();
  $('calls').replaceChildren();
  $('state').replaceChildren(el('p', { class: 'muted' }, 'No turn yet.'));
  $('desk').hidden = true;
  if (!loaded) return;
  const url = bot.url || (blobUrl = URL.createObjectURL(new Blob([bot.text], { type: 'application/json' })));
  widget = mount($('chat'), { bot: url, persist: 'none' });
}

$('chat').addEventListener('chatlet:turn', (e) => turn(e.detail));

/** One turn of the session: its step, outputs, transcript lines and state. */
function turn(d) {
  const c = conversation;
  if (!c) return;
  const input = d.step && d.step.input;
  if (input === 'reset') { c.turns = []; c.requests.clear(); $('turns').replaceChildren(); $('calls').replaceChildren(); }
  c.turns.push(d);
  for (const output of d.outputs) {
    if (output.request) newCall(output.request, d.seq);
    if (output.upload) newCall({ ...output.upload, body: '(the visitor\'s file)' }, d.seq);
  }
  if (input && input.response) answered(input.response.id, d, input.response.status, input.response.body);
  if (input && input.network_error) answered(input.network_error.id, d, null, input.network_error.error);
  showTurn(d);
  if (d.state) showState(d.state, d.forever);
}

function describeStep(step) {
  if (!step) return 'a restored conversation';
  if (step.variable) return `the page set ${step.variable[0]} = ${json(step.variable[1])}`;
  const input = step.input;
  if (typeof input === 'string') return { reset: 'reset', transfer_failed: 'the transfer failed', transfer_accepted: 'a person took the conversation' }[input] || input;
  if (input.text != null) return `> ${input.text}`;
  if (input.response) return `the answer to call ${input.response.id}: HTTP ${input.response.status}`;
  if (input.network_error) return `call ${input.network_error.id} failed: ${input.network_error.error}`;
  if (input.file) return `the visitor offered ${input.file.name} (${input.file.size} bytes)`;
  return json(input);
}

/** A block of code by the name its author knows it by (an interaction's name, not a
 *  Conversation Builder id); the key itself for the globals and integrations. */
const label = (key) => (bot && bot.labels && bot.labels.get(key)) || key;

function showTurn(d) {
  const lines = d.lines.flat().map((l) => `< ${l}`);
  const notes = d.outputs.filter((o) => o.debug || o.script_error).map((o) => o.debug
    ? `debug: ${o.debug.message}` : `script error in ${label(o.script_error.block)}: ${o.script_error.error}`);
  const item = el('li', { 'data-seq': d.seq },
    el('strong', {}, describeStep(d.step)),
    d.why && d.why.length ? el('ul', { class: 'why' }, ...d.why.map((w) => el('li', {}, w))) : null,
    d.blocks && d.blocks.length ? el('ul', { class: 'why blocks' }, ...d.blocks.map((b) => el('li', {},
      `code ${label(b.key)}: ${b.ms < 1 ? '<1' : Math.round(b.ms)} ms${b.error ? `, error: ${b.error}` : ''}`))) : null,
    lines.length ? el('pre', { class: 'lines' }, lines.join('\n')) : null,
    notes.length ? el('pre', { class: 'notes' }, notes.join('\n')) : null);
  $('turns').append(item);
}

/** The state after a turn; what changed since the turn before is marked. */
function showState(state, forever) {
  const c = conversation;
  const rows = [];
  const scope = (v) => typeof v.scope === 'string' ? v.scope : json(v.scope);
  for (const v of state.variables || []) rows.push([`variable ${v.name}`, scope(v), v.value]);
  for (const v of state.slots || []) rows.push([`slot ${v.name}`, v.dialog ? `dialog ${v.dialog}` : 'slot', v.value]);
  for (const [name, values] of state.fields || []) rows.push([`field ${name}`, 'custom data field', values.length === 1 ? values[0] : values]);
  if (forever) for (const [name, value] of Object.entries(forever)) rows.push([`variable ${name}`, 'forever', value]);
  if (state.api) rows.push(['last call', state.api[0] ? 'succeeded' : 'failed', `HTTP ${state.api[1]}`]);
  rows.push(['dialogs', 'stack', (state.stack || []).map((f) => f.dialog).join(' › ') || '(none)']);
  rows.push(['waits for', 'question', state.pending || '(nothing)']);
  if (state.waiting) rows.push(['call in flight', state.waiting.integration, `from ${state.waiting.at}`]);
  const before = new Map((c.previous || []).map(([k, s, v]) => [k, json([s, v])]));
  const table = el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'name'), el('th', { scope: 'col' }, 'scope'), el('th', { scope: 'col' }, 'value'))));
  const body = el('tbody');
  for (const [name, s, value] of rows) {
    const changed = before.get(name) !== json([s, value]);
    body.append(el('tr', { class: changed && c.previous ? 'changed' : null },
      el('td', {}, name), el('td', {}, s), el('td', {}, el('code', {}, typeof value === 'string' ? value : json(value)))));
  }
  table.append(body);
  $('state').replaceChildren(table);
  c.previous = rows;
}

// ---- Integration calls: watched, stubbed, failed ------------------------------------

function newCall(request, seq) {
  const call = { ...request, seq, started: null, status: null, ms: null, response: null, stubbed: null };
  conversation.requests.set(request.id, call);
  const names = new Set([...conversation.requests.values()].map((r) => r.integration));
  $('integrations').replaceChildren(...[...names].map((n) => el('option', { value: n })));
  call.item = el('li', { 'data-call': request.id });
  $('calls').append(call.item);
  drawCall(call);
}

function drawCall(call) {
  const status = call.status == null ? (call.error ? 'failed' : 'in flight')
    : `HTTP ${call.status}`;
  const good = call.status != null && call.status < 400;
  const details = (summary, text) => text ? el('details', {}, el('summary', {}, summary), el('pre', {}, text)) : null;
  let response = call.response;
  try { response = JSON.stringify(JSON.parse(response), null, 2); } catch (e) { /* text */ }
  call.item.replaceChildren(...[
    el('strong', {}, call.integration), ' ', el('code', {}, `${call.method} ${call.url}`), ' ',
    el('span', { class: good ? 'status-ok' : call.status != null || call.error ? 'status-bad' : null }, status),
    call.ms != null ? ` ${Math.round(call.ms)} ms` : '',
    call.stubbed ? ` (${call.stubbed})` : '',
    call.outcome ? el('div', {}, call.outcome) : null,
    details('headers', (call.headers || []).map(([k, v]) => `${k}: ${v}`).join('\n')),
    details('request body', call.body),
    details('response', response || call.error)].filter((k) => k != null));
}

/** The answer to call `id` reached the session in turn `d`: what it set, and which rule. */
function answered(id, d, status, body) {
  const call = conversation.requests.get(id);
  if (!call) return;
  if (status == null) call.error = body;
  else { call.status = status; if (call.response == null) call.response = body; }
  const fields = (d.state && d.state.fields || []).filter(([n]) => n.startsWith(`${call.integration}.`));
  const api = d.state && d.state.api;
  call.outcome = `${api && api[0] ? 'success' : 'failure'} rule taken` + (fields.length
    ? `; fields: ${fields.map(([n, v]) => `${n} = ${json(v.length === 1 ? v[0] : v)}`).join(', ')}` : '');
  call.answerSeq = d.seq;
  drawCall(call);
}

const realFetch = window.fetch.bind(window);
window.fetch = async function (input, init) {
  // Read, never copied: a Request copied from one with a body would use that body up.
  const asked = input instanceof Request ? { url: input.url, method: input.method }
    : { url: new URL(String(input), location.href).href, method: ((init && init.method) || 'GET').toUpperCase() };
  const call = conversation && [...conversation.requests.values()].find((c) => c.started == null
    && c.method.toUpperCase() === asked.method && new URL(c.url, location.href).href === asked.url);
  if (!call) return realFetch(input, init);
  call.started = performance.now();
  const stub = takeStub(call.integration);
  const done = (status, text, how) => {
    call.ms = performance.now() - call.started;
    call.status = status;
    call.response = text;
    call.stubbed = how;
    drawCall(call);
  };
  if (stub && stub.fail) {
    call.stubbed = 'failed by a stub';
    call.error = 'failed by a stub';
    throw new TypeError('Failed to fetch (the previewer failed this call)');
  }
  if (stub) {
    done(stub.status, stub.body, 'stubbed');
    return new Response(stub.body, { status: stub.status, headers: { 'Content-Type': 'application/json' } });
  }
  if (settings.stubAll || $('offline').checked) {
    call.error = settings.stubAll ? 'not sent: every call is stubbed and this one has no stub' : 'offline';
    call.stubbed = 'not sent';
    drawCall(call);
    throw new TypeError(`Failed to fetch (${call.error})`);
  }
  const response = await realFetch(input, init);
  done(response.status, await response.clone().text(), null);
  return response;
};

// Uploads go through XMLHttpRequest (fetch has no upload progress): watched and stubbed
// the same way. A stubbed upload never leaves the page; its answer arrives as the
// browser's would (status, responseText, then loadend).
const xhrOpen = XMLHttpRequest.prototype.open;
const xhrSend = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.open = function (method, url, ...rest) {
  this.chatletAsked = { method: String(method).toUpperCase(), url: new URL(String(url), location.href).href };
  return xhrOpen.call(this, method, url, ...rest);
};
XMLHttpRequest.prototype.send = function (body) {
  const asked = this.chatletAsked;
  const call = asked && conversation && [...conversation.requests.values()].find((c) => c.started == null
    && c.method.toUpperCase() === asked.method && new URL(c.url, location.href).href === asked.url);
  if (!call) return xhrSend.call(this, body);
  call.started = performance.now();
  const stub = takeStub(call.integration);
  const offline = !stub && (settings.stubAll || $('offline').checked);
  if (!stub && !offline) {
    this.addEventListener('loadend', () => {
      call.ms = performance.now() - call.started;
      call.status = this.status || null;
      call.response = this.responseText;
      if (!this.status) call.error = 'the upload failed (no answer)';
      drawCall(call);
    });
    return xhrSend.call(this, body);
  }
  const status = stub && !stub.fail ? stub.status : 0;
  const text = stub && !stub.fail ? stub.body : '';
  call.stubbed = stub ? (stub.fail ? 'failed by a stub' : 'stubbed') : 'not sent';
  if (!status) call.error = stub ? 'failed by a stub' : (settings.stubAll ? 'not sent: every call is stubbed and this one has no stub' : 'offline');
  for (const [k, v] of Object.entries({ status, responseText: text, readyState: 4 })) {
    Object.defineProperty(this, k, { value: v, configurable: true });
  }
  setTimeout(() => {
    call.ms = performance.now() - call.started;
    if (status) { call.status = status; call.response = text; }
    drawCall(call);
    this.dispatchEvent(new ProgressEvent(status ? 'load' : 'error'));
    this.dispatchEvent(new ProgressEvent('loadend'));
  }, 50);
};

/** The stub for `name`'s next call: a once-only stub is used up. */
function takeStub(name) {
  const i = settings.stubs.findIndex((s) => s.name === name);
  if (i < 0) return null;
  const stub = settings.stubs[i];
  if (stub.once) { settings.stubs.splice(i, 1); save(); drawStubs(); }
  return stub;
}

function drawStubs() {
  $('stubs').replaceChildren(...settings.stubs.map((s, i) => {
    const remove = el('button', { type: 'button', 'aria-label': `Remove the stub of ${s.name}` }, 'Remove');
    remove.addEventListener('click', () => { settings.stubs.splice(i, 1); save(); drawStubs(); });
    return el('li', {}, `${s.name}: ${s.fail ? 'fails' : `HTTP ${s.status} ${s.body}`}${s.once ? ' (next call only)' : ''} `, remove);
  }));
  $('stub-all').checked = settings.stubAll;
}

$('stub').addEventListener('submit', (e) => {
  e.preventDefault();
  settings.stubs = settings.stubs.filter((s) => s.name !== $('stub-name').value);
  settings.stubs.push({ name: $('stub-name').value, status: Number($('stub-status').value) || 200,
    body: $('stub-body').value, fail: $('stub-fail').checked, once: $('stub-once').checked });
  save();
  drawStubs();
});
$('stub-all').addEventListener('change', () => { settings.stubAll = $('stub-all').checked; save(); });
$('offline').addEventListener('change', () => window.dispatchEvent(new Event($('offline').checked ? 'offline' : 'online')));

// ---- Transfers: the page's answer ----------------------------------------------------

// Platform events (transfers, uploads) in the turn list, where the author reads the rest.
const platform = (text) => $('turns').append(el('li', { class: 'platform' }, el('strong', {}, text)));
$('chat').addEventListener('chatlet:upload', (e) => platform(`upload of ${e.detail.name} (${e.detail.size} bytes): ${e.detail.outcome}`));

// The simulated agent desk: accept (then chat as the agent, and hand back) or refuse.
let transferId = null;
const AGENT = { name: 'Preview agent' };
$('chat').addEventListener('chatlet:transfer', (e) => {
  transferId = e.detail.conversationId;
  $('desk-what').textContent = `Skill ${e.detail.skill}${e.detail.message ? `: "${e.detail.message}"` : ''}`;
  platform(`transfer asked: skill ${e.detail.skill}${e.detail.agent ? `, agent ${e.detail.agent}` : ''}`);
  $('desk-log').replaceChildren();
  $('desk-ask').hidden = false;
  $('desk-live').hidden = true;
  $('desk').hidden = false;
});
const deskLine = (who, text) => $('desk-log').append(el('li', {}, el('strong', {}, `${who}: `), text));
$('chat').addEventListener('chatlet:visitor-message', (e) => deskLine('Visitor', e.detail.text));
$('desk-accept').addEventListener('click', () => {
  if (transferId) reportTransfer(transferId, 'accepted', AGENT);
  platform(`transfer accepted by ${AGENT.name}`);
  $('desk-ask').hidden = true;
  $('desk-live').hidden = false;
  $('desk-input').focus();
});
$('desk-refuse').addEventListener('click', () => {
  if (transferId) reportTransfer(transferId, 'failed');
  platform('transfer refused: the bot hears __agent_escalation_failed__');
  $('desk').hidden = true;
});
$('desk-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('desk-input').value;
  if (!transferId || !text.trim()) return;
  agentMessage(transferId, text, AGENT);
  deskLine(AGENT.name, text);
  $('desk-input').value = '';
});
$('desk-end').addEventListener('click', () => {
  if (transferId) endTransfer(transferId);
  platform('the agent handed the conversation back to the bot');
  $('desk').hidden = true;
});

// A session variable, as the page's setVariable sets it (JSON when it reads as JSON).
$('setvar').addEventListener('submit', (e) => {
  e.preventDefault();
  let value = $('var-value').value;
  try { value = JSON.parse(value); } catch (x) { /* text */ }
  if (widget) widget.setVariable($('var-name').value, value);
});

// ---- Recording ------------------------------------------------------------------------

/** A message as a transcript writes it: a line break as \n, a backslash as \\. */
const escape = (text) => text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
/** A stub's body on one line (JSON compacted; other text with its breaks escaped). */
const oneLine = (body) => { try { return json(JSON.parse(body)); } catch (e) { return escape(body); } };

/** The conversation since its last reset, as a transcript `chatlet test` replays. */
function transcript() {
  const blocks = [];
  const byCall = new Map();
  let block = { before: [], action: null, lines: [] };
  const notes = [];
  for (const d of conversation.turns) {
    const input = d.step && d.step.input;
    let action = null;
    if (input && input.text != null) action = `> ${escape(input.text)}`;
    else if (input === 'transfer_failed') action = '! transfer failed';
    else if (input === 'transfer_accepted') action = '! transfer accepted';
    else if (input && input.file) notes.push(`# the visitor offered ${input.file.name}: add "! upload PATH" with a copy of it`);
    else if (d.step && d.step.variable) notes.push(`# the page set ${d.step.variable[0]} (not replayed)`);
    if (action) {
      block = { before: [], action, lines: [] };
      blocks.push(block);
    }
    for (const o of d.outputs) if (o.request) byCall.set(o.request.id, block);
    if (input && input.response) {
      const call = conversation.requests.get(input.response.id);
      byCall.get(input.response.id)?.before.push(`@stub ${call.integration} ${input.response.status} ${oneLine(call.response ?? input.response.body)}`);
    }
    if (input && input.network_error) {
      const call = conversation.requests.get(input.network_error.id);
      byCall.get(input.network_error.id)?.before.push(`! fail ${call.integration}`);
    }
    block.lines.push(...d.lines.flat().map((l) => `< ${l}`));
  }
  const source = bot.url ? bot.url : 'a bot opened from a file';
  const out = [`# Recorded in the Chatlet previewer from ${source}: chatlet test BOT THIS_FILE replays it.`, ...notes];
  blocks.forEach((b, i) => {
    out.push('', ...b.before, b.action, ...b.lines);
    if (i === 0 && b.action === '> hi' && conversation.turns[0]?.step?.input?.text === 'hi') {
      out.splice(out.length - b.lines.length - 1, 0, '# the bot\'s greeting, which the window sends when it opens');
    }
  });
  return out.join('\n') + '\n';
}

$('record').addEventListener('click', () => {
  if (!conversation || !conversation.turns.length) return;
  const a = el('a', { href: URL.createObjectURL(new Blob([transcript()], { type: 'text/plain' })),
    download: `${(bot.name || 'conversation').replace(/[^\w.-]+/g, '-')}.transcript` });
  document.body.append(a);
  a.click();
  a.remove();
});
$('reset').addEventListener('click', () => widget && widget.reset());

// ---- Opening: file, URL, paste, drop, ?bot= ---------------------------------------------

$('open').addEventListener('submit', (e) => {
  e.preventDefault();
  const file = $('file').files[0];
  if (file) file.text().then((t) => open(t, { fileName: file.name }));
  else if ($('url').value.trim()) openUrl(new URL($('url').value.trim(), location.href).href);
});
$('file').addEventListener('change', () => $('open').requestSubmit());
$('paste-open').addEventListener('click', () => open($('paste').value, { fileName: 'pasted' }));
$('reload').addEventListener('click', () => {
  if (bot && bot.url) openUrl(bot.url);
  else if (bot) open(bot.text, { fileName: bot.fileName });
});
document.addEventListener('dragover', (e) => {
  if (!e.composedPath().some((n) => n.localName === 'chatlet-widget')) e.preventDefault();
});
document.addEventListener('drop', (e) => {
  if (e.composedPath().some((n) => n.localName === 'chatlet-widget')) return;
  e.preventDefault();
  const file = e.dataTransfer.files[0];
  if (file) file.text().then((t) => open(t, { fileName: file.name }));
});

const given = new URLSearchParams(location.search).get('bot');
if (given) {
  const url = new URL(given, location.href).href;
  $('url').value = given;
  openUrl(url);
  // A ?bot= file that changes (under trunk serve, as the author edits it) opens again.
  setInterval(async () => {
    if (!bot || bot.url !== url || document.hidden) return;
    try {
      const text = await (await realFetch(url, { cache: 'no-store' })).text();
      if (text !== bot.text) open(text, { url });
    } catch (e) { /* the next poll tries again */ }
  }, 2000);
}
drawStubs();
