// The npm package as a site owner without Rust gets it: `npm pack` of the release folder,
// installed with `npm install` into a throw-away project outside the repository, then
//
// - a page that imports it, bundled with esbuild as docs/embedding.md says (ES module
//   output, the package's chatlet-* files copied next to the bundle), where a visitor
//   chats with the demo bot (its integration calls the demo API);
// - the React example (docs/examples/react), bundled the same way and chatted with;
// - the same page bundled by Vite and by webpack, which turn the module's
//   `new URL('./…', import.meta.url)` files into their own assets, chatted with;
// - the declarations: `tsc --noEmit` passes on a file that uses every call and every
//   event's detail, and fails on a wrong event name, a wrong detail field and a wrong
//   option, each for that reason;
// - the declarations against the code: what the module exports, what the loader's
//   `window.chatlet` holds and which events a conversation dispatches are what
//   chatlet.d.ts declares.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveStatic, newPage, chatHelpers, GREETING } from './lib.mjs';

/** Runs `command` in `cwd`; its standard output, or throws with everything it said. */
function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const error = new Error(`${command} ${args.join(' ')} failed (${e.status}):\n${e.stdout}\n${e.stderr}`);
    error.stdout = String(e.stdout);
    throw error;
  }
}

/** The events chatlet.d.ts declares (the keys of ChatletEventDetails). */
function declaredEvents(dts) {
  const block = /export interface ChatletEventDetails \{([^}]*)\}/.exec(dts);
  assert.ok(block, 'chatlet.d.ts declares ChatletEventDetails');
  return [...block[1].matchAll(/"(chatlet:[a-z-]+)"/g)].map((m) => m[1]).sort();
}

/** Every call and every event detail, with their types: must type-check. */
const USES = `import {
  mount, open, close, toggle, send, setVariable, reset, teaser,
  reportTransfer, agentMessage, endTransfer, on,
  type ChatletWidget, type MountOptions, type Detail,
} from 'chatlet';

const options: MountOptions = {
  bot: '/bots/shop.json', mode: 'inline', title: 'Shop', lang: 'fr', theme: 'dark',
  preload: 'idle', open: false, position: 'left', transferTimeout: 30,
  variables: { plan: 'gold' }, persist: 'local', idleMinutes: 15,
  customerInfo: { customerId: 'c-1' }, personalInfo: { firstName: 'Ada' },
  engagementAttributes: { ctmrinfo: {} }, strings: { send: 'Envoyer' },
  avatar: '/bot.png', teaser: 'Questions?', preview: 'all', codeOnPage: false,
};
const widget: ChatletWidget = mount(document.querySelector('#chat'), options);
const element: HTMLElement = widget.element;
widget.open(); widget.close(); widget.toggle(); widget.send('hi');
widget.setVariable('plan', { tier: 2 }); widget.reset(); widget.teaser('Hello'); widget.teaser();
widget.destroy();
mount(null, { bot: '/bots/shop.json', mode: 'bubble' });
open(); close(); toggle(); send('balance'); setVariable('n', 1); reset(); teaser(null);
reportTransfer('c', 'accepted', { name: 'Ada', avatar: '/ada.png' });
reportTransfer('c', 'failed');
agentMessage('c', 'Hello, Ada here', { name: 'Ada' });
endTransfer('c');

const stop: () => void = on('message', (e) => {
  const author: 'bot' | 'visitor' | 'agent' = e.detail.author;
  const text: string = e.detail.text;
  const id: string | null = e.detail.conversationId;
  console.log(author, text, id);
});
stop();
on('chatlet:ready', (e) => { const name: string = e.detail.bot; console.log(name); });
on('open', (e) => console.log(e.detail.conversationId));
window.addEventListener('chatlet:close', (e) => console.log(e.detail.conversationId));
window.addEventListener('chatlet:transfer', (e) => {
  const skill: string = e.detail.skill;
  const agent: string | null = e.detail.agent;
  const message: string | null = e.detail.message;
  const context: boolean = e.detail.context;
  const resumed: boolean = e.detail.resumed;
  for (const line of e.detail.transcript) {
    const who: 'visitor' | 'bot' | 'agent' | 'system' = line.author;
    console.log(who, line.text);
  }
  console.log(skill, agent, message, context, resumed);
});
document.addEventListener('chatlet:visitor-message', (e) => console.log(e.detail.text.length));
element.addEventListener('chatlet:upload', (e) => {
  const size: number = e.detail.size;
  const outcome: 'sent' | 'failed' | 'refused' = e.detail.outcome;
  console.log(e.detail.name, size, outcome);
});
on('click', (e) => { const metadata: unknown = e.detail.metadata; console.log(metadata); });
on('error', (e) => {
  const d = e.detail;
  switch (d.kind) {
    case 'bot': case 'bot-warnings':
      for (const f of d.findings) {
        const severity: 'error' | 'unsupported' | 'warning' = f.severity;
        const where: string = f.pointer;
        const interaction: string | null = f.interaction;
        console.log(d.bot, d.message, severity, f.kind, where, interaction, f.message);
      }
      break;
    case 'options': console.log(d.key, d.message); break;
    case 'widget': console.log(d.message); break;
    case 'call': {
      const status: number | undefined = d.status;
      const error: string | undefined = d.error;
      console.log(d.integration, d.url, status, error);
      break;
    }
    default: { const none: never = d; console.log(none); }
  }
});
const detail: Detail<'chatlet:message'> = { author: 'bot', text: 'x', conversationId: null };
console.log(detail);
window.chatlet.mount(null, { bot: '/bots/shop.json', mode: 'bubble' });
window.chatlet.reportTransfer('c', 'failed');
`;

/** Each must fail to type-check, and for the reason named. */
const WRONG = {
  'wrong-event.ts': { code: `import { on } from 'chatlet';\non('mesage', (e) => console.log(e.detail));\n`, reason: /mesage/ },
  'wrong-listener.ts': { code: `import type {} from 'chatlet';\nwindow.addEventListener('chatlet:mesage', (e) => console.log(e.detail.text));\nexport {};\n`, reason: /detail/ },
  'wrong-field.ts': { code: `import { on } from 'chatlet';\non('message', (e) => console.log(e.detail.txt));\n`, reason: /txt/ },
  'wrong-kind.ts': { code: `import type {} from 'chatlet';\nwindow.addEventListener('chatlet:upload', (e) => { const o: 'done' = e.detail.outcome; console.log(o); });\nexport {};\n`, reason: /done|outcome/ },
  'wrong-option.ts': { code: `import { mount } from 'chatlet';\nmount(null, { bot: '/b.json', theme: 'blue' });\n`, reason: /blue|theme/ },
};

/** The bundled vanilla page's script: chats through the module's exports. */
const VANILLA = `import { mount, on } from 'chatlet';
window.heard = [];
window.stopped = [];
const stop = on('message', (e) => window.heard.push(e.detail));
on('chatlet:ready', (e) => { window.ready = e.detail; });
// What stops listening, stops: this one hears nothing after the first message.
const once = on('message', (e) => { window.stopped.push(e.detail.text); once(); });
window.stop = stop;
window.widget = mount(document.getElementById('chat'), { bot: '/demo-bot.json', title: 'Bundled', persist: 'none' });
`;

const page = (script, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Package</title>
<link rel="icon" href="data:,"><script>
// Every chatlet:* event dispatched on the page, by name (checked against chatlet.d.ts).
window.dispatched = new Set();
const dispatch = EventTarget.prototype.dispatchEvent;
EventTarget.prototype.dispatchEvent = function (e) {
  if (e.type.startsWith('chatlet:')) window.dispatched.add(e.type);
  return dispatch.call(this, e);
};
</script><script type="module" src="${script}"></script></head><body><main>${body}</main></body></html>`;

export async function packageChecks({ browser, check, release, root, api }) {
  const tools = path.join(root, 'tools', 'node_modules');
  const esbuild = await import(pathToFileURL(path.join(tools, 'esbuild', 'lib', 'main.js')).href);
  const tsc = path.join(tools, '.bin', 'tsc');
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlet-app-'));
  const demoBot = fs.readFileSync(path.join(root, 'www', 'demo-bot.json'), 'utf8');
  const dts = fs.readFileSync(path.join(release, 'chatlet.d.ts'), 'utf8');
  const servers = [];
  try {
    let installed;
    await check('the release folder packs (npm pack) and a project outside the repository installs the tarball (npm install)', async () => {
      const tarball = run('npm', ['pack', release, '--pack-destination', app, '--silent'], app).trim().split('\n').pop();
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'chatlet-try', private: true, type: 'module' }));
      run('npm', ['install', `./${tarball}`, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);
      installed = path.join(app, 'node_modules', 'chatlet');
      const files = fs.readdirSync(installed).sort();
      for (const kind of [/^chatlet\.js$/, /^chatlet\.mjs$/, /^chatlet\.d\.ts$/, /_bg\.wasm$/, /^chatlet-widget-[0-9a-f]+\.js$/, /^chatlet-[0-9a-f]+\.css$/, /^package\.json$/]) {
        assert.ok(files.some((f) => kind.test(f)), `the package holds ${kind}: ${files}`);
      }
      const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
      const cargo = fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
      assert.equal(pkg.version, /\nversion = "([^"]+)"/.exec(cargo)[1], 'the package\'s version is Cargo.toml\'s');
      assert.equal(pkg.exports['.'].types, './chatlet.d.ts');
      assert.equal(pkg.exports['.'].default, './chatlet.mjs');
      assert.deepEqual(pkg.sideEffects, ['./chatlet.js']);
      // Nothing of the visitor test page: only the widget.
      assert.ok(!files.some((f) => /index\.html|demo-bot|agent-desk|test-page/.test(f)), files.join(' '));
    });
    if (!installed) return;

    await check('chatlet-compile, the package\'s command on its own bot reader, writes the bytes chatlet compile writes; a broken bot is refused with its findings (exit 1)', async () => {
      fs.writeFileSync(path.join(app, 'shop.json'), demoBot);
      const made = spawnSync('npx', ['--no-install', 'chatlet-compile', 'shop.json'], { cwd: app, encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      assert.match(made.stderr, /shop\.chatlet: \d+ bytes/);
      const cli = path.join(app, 'cli.chatlet');
      run(path.join(root, 'target', 'debug', 'chatlet'), ['compile', path.join(app, 'shop.json'), '-o', cli], app);
      assert.ok(fs.readFileSync(path.join(app, 'shop.chatlet')).equals(fs.readFileSync(cli)), 'the same bytes as the command line\'s');
      fs.writeFileSync(path.join(app, 'broken.json'), '{"dialogs": [{"name": "D", "oops": 1}]}');
      const refused = spawnSync('npx', ['--no-install', 'chatlet-compile', 'broken.json'], { cwd: app, encoding: 'utf8' });
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /error: \/dialogs\/0\/oops\b.*unknown key/);
      assert.match(refused.stderr, /broken\.json: not compiled/);
      assert.ok(!fs.existsSync(path.join(app, 'broken.chatlet')));
    });

    await check('what the module exports is what chatlet.d.ts declares (the module imports where there is no page, as in server-side rendering)', async () => {
      const module = await import(pathToFileURL(path.join(installed, 'chatlet.mjs')).href);
      const declared = [...dts.matchAll(/export declare function (\w+)/g)].map((m) => m[1]);
      assert.deepEqual(Object.keys(module).sort(), [...new Set(declared)].sort());
    });

    await check('tsc --noEmit passes on a file that uses every call, option and event detail of the package with their types', async () => {
      fs.mkdirSync(path.join(app, 'types'), { recursive: true });
      fs.writeFileSync(path.join(app, 'types', 'uses.ts'), USES);
      const flags = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'es2022,dom', '--types', ''];
      run(tsc, [...flags, 'types/uses.ts'], app);
      for (const [name, { code, reason }] of Object.entries(WRONG)) {
        fs.writeFileSync(path.join(app, 'types', name), code);
        let said = null;
        try {
          run(tsc, [...flags, `types/${name}`], app);
        } catch (e) {
          said = e.stdout;
        }
        assert.ok(said !== null, `tsc passed ${name}:\n${code}`);
        assert.match(said, reason, `${name} failed for another reason:\n${said}`);
        assert.match(said, new RegExp(`types/${name.replace('.', '\\.')}\\(\\d+,\\d+\\): error TS`), said);
      }
    });

    // Bundles `entry` (in the project) with esbuild into `outdir`, with the package's
    // files copied beside the bundle as docs/embedding.md says; serves it.
    const bundle = async (entry, outdir, html) => {
      fs.rmSync(outdir, { recursive: true, force: true });
      await esbuild.build({
        entryPoints: [entry], bundle: true, format: 'esm', outfile: path.join(outdir, 'app.js'),
        absWorkingDir: app, nodePaths: [tools], jsx: 'automatic', logLevel: 'silent',
        define: { 'process.env.NODE_ENV': '"production"' }, minify: true,
      });
      for (const f of fs.readdirSync(installed).filter((f) => f.startsWith('chatlet-'))) {
        fs.copyFileSync(path.join(installed, f), path.join(outdir, f));
      }
      fs.writeFileSync(path.join(outdir, 'index.html'), html);
      fs.copyFileSync(path.join(installed, 'chatlet.js'), path.join(outdir, 'chatlet.js'));
      const server = await serveStatic(outdir, { api: api.url, routes: {
        '/demo-bot.json': { body: demoBot, type: 'application/json' },
        '/bot-avatar.png': { body: fs.readFileSync(path.join(root, 'www', 'bot-avatar.png')), type: 'image/png' },
        '/classic.html': { type: 'text/html', body: '<!DOCTYPE html><html lang="en"><head><title>Classic</title><script src="/chatlet.js"></script></head><body></body></html>' },
      } });
      servers.push(server);
      return server.url;
    };

    const GREETED = GREETING.length;
    /** Runs the demo bot's balance dialog; the bot's answer. */
    const balance = async (v) => {
      await v.say('balance');
      await v.waitBot(GREETED + 1);
      await v.say('314159');
      await v.waitBot(GREETED + 2);
      const answered = v.page.waitForResponse((r) => r.url().includes('/api/balance'));
      await v.say('ada@example.com');
      assert.equal((await answered).status(), 200);
      await v.waitBot(GREETED + 3);
      return (await v.botTexts())[GREETED + 2];
    };

    await check('a page bundled with esbuild imports the package: a visitor chats with the demo bot through it (its integration answers), events reach on(), and only declared events are dispatched', async () => {
      fs.mkdirSync(path.join(app, 'src'), { recursive: true });
      fs.writeFileSync(path.join(app, 'src', 'main.js'), VANILLA);
      const url = await bundle('src/main.js', path.join(app, 'out'),
        page('app.js', '<h1>Bundled</h1><div id="chat" style="height:560px"></div>'));
      const { page: p, log } = await newPage(browser);
      const fetched = [];
      p.on('request', (r) => fetched.push(new URL(r.url()).pathname));
      await p.goto(url);
      const v = { page: p, ...chatHelpers(p) };
      await v.waitBot(GREETED);
      const answer = await balance(v);
      assert.match(answer, /^The balance of account 314159 is [\d.]+ USD\.$/);
      // The widget's files came from beside the bundle, where import.meta.url points.
      assert.ok(fetched.some((f) => /^\/chatlet-widget-[0-9a-f]+_bg\.wasm$/.test(f)), fetched.join(' '));
      const heard = await p.evaluate(() => window.heard);
      assert.ok(heard.some((d) => d.author === 'bot' && d.text === answer && typeof d.conversationId === 'string'), JSON.stringify(heard));
      assert.ok(heard.some((d) => d.author === 'visitor' && d.text === 'ada@example.com'), JSON.stringify(heard));
      assert.equal((await p.evaluate(() => window.stopped)).length, 1, 'a stopped listener hears nothing more');
      assert.equal((await p.evaluate(() => window.ready)).bot, 'Chatlet demo bank');
      const dispatched = (await p.evaluate(() => [...window.dispatched])).sort();
      const declared = declaredEvents(dts);
      assert.deepEqual(dispatched.filter((n) => !declared.includes(n)), [], 'every event dispatched is declared');
      assert.ok(dispatched.includes('chatlet:message') && dispatched.includes('chatlet:ready'), dispatched.join(' '));
      assert.deepEqual(log.errors, []);
      // The one-tag loader of the same package: window.chatlet is what ChatletApi declares.
      await p.goto(new URL('/classic.html', url).href);
      const keys = (await p.evaluate(() => Object.keys(window.chatlet))).filter((k) => !k.startsWith('_')).sort();
      const api = /export interface ChatletApi \{([^}]*)\}/.exec(dts)[1];
      assert.deepEqual(keys, [...api.matchAll(/^\s*(\w+):/gm)].map((m) => m[1]).sort());
      await p.close();
    });

    await check('Vite and webpack bundle the package without configuration (its wasm, glue and stylesheet become their own assets), and a visitor chats with the demo bot through each bundle', async () => {
      const bin = (name) => path.join(tools, '.bin', name);
      fs.writeFileSync(path.join(app, 'index.html'), page('/src/main.js', '<div id="chat" style="height:560px"></div>'));
      run(bin('vite'), ['build', '--outDir', 'out-vite', '--emptyOutDir', '--logLevel', 'error'], app);
      run(bin('webpack'), ['--mode', 'production', '--entry', './src/main.js', '-o', 'out-webpack'], app);
      fs.writeFileSync(path.join(app, 'out-webpack', 'index.html'),
        page('main.js', '<div id="chat" style="height:560px"></div>').replace('<script type="module" src="main.js">', '<script defer src="main.js">'));
      for (const [name, dir] of [['Vite', 'out-vite'], ['webpack', 'out-webpack']]) {
        const all = fs.readdirSync(path.join(app, dir), { recursive: true }).map(String);
        assert.ok(all.some((f) => f.endsWith('.wasm')) && all.some((f) => f.endsWith('.css')), `${name} copied the assets: ${all}`);
        const server = await serveStatic(path.join(app, dir), { api: api.url, routes: {
          '/demo-bot.json': { body: demoBot, type: 'application/json' },
          '/bot-avatar.png': { body: fs.readFileSync(path.join(root, 'www', 'bot-avatar.png')), type: 'image/png' },
        } });
        servers.push(server);
        const { page: p, log } = await newPage(browser);
        await p.goto(server.url);
        const v = { page: p, ...chatHelpers(p) };
        await v.waitBot(GREETED).catch(async (e) => {
          throw new Error(`${name}: no greeting (${e.message.split('\n')[0]}); errors: ${log.errors.join(' | ')}; page: ${(await p.content()).slice(0, 600)}`);
        });
        assert.match(await balance(v), /^The balance of account 314159 is [\d.]+ USD\.$/, name);
        assert.ok((await p.evaluate(() => window.heard)).some((d) => d.author === 'bot'), `${name}: on() hears`);
        assert.deepEqual(log.errors, [], name);
        await p.close();
      }
    });

    await check('the React example (docs/examples/react), bundled with esbuild from the installed package, chats with the demo bot: one window under StrictMode, its messages reach the component', async () => {
      const examples = path.join(root, 'docs', 'examples', 'react');
      fs.mkdirSync(path.join(app, 'react'), { recursive: true });
      for (const f of fs.readdirSync(examples)) fs.copyFileSync(path.join(examples, f), path.join(app, 'react', f));
      const url = await bundle('react/main.jsx', path.join(app, 'out-react'), page('app.js', '<div id="root"></div>'));
      const { page: p, log } = await newPage(browser);
      await p.goto(url);
      const v = { page: p, ...chatHelpers(p) };
      await v.waitBot(GREETED);
      const answer = await balance(v);
      assert.match(answer, /^The balance of account 314159 is [\d.]+ USD\.$/);
      await p.waitForFunction((t) => document.getElementById('last').textContent === `bot: ${t}`, answer);
      assert.equal(await p.locator('chatlet-widget').count(), 1, 'StrictMode mounts twice; one window stays');
      assert.equal(await p.textContent('.chatlet-header h2'), 'Ask us');
      assert.deepEqual(log.errors, []);
      await p.close();
    });
  } finally {
    servers.forEach((s) => s.close());
    fs.rmSync(app, { recursive: true, force: true });
  }
}
