// Splits a release build (trunk's output) into the two folders tools/build.sh promises:
//
//   dist/chatlet/  what a site copies, and the npm package: the loader chatlet.js, the ES
//                  module chatlet.mjs, the wasm, its glue and the stylesheet (hashed
//                  names), chatlet.d.ts, package.json, README.md, the licences; each
//                  compressible file also as .br and .gz beside it; _headers (caching
//                  and CORS for hosts that read it); integrity.json (SRI hashes).
//   dist/site/     the visitor test page: everything trunk built (it loads the widget
//                  from its own folder).
//
// `trunk serve` writes to target/serve (Trunk.toml), never here. Prints the loader's
// Subresource Integrity hash. Usage: node tools/release.mjs BUILD_DIR TYPES_FILE
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [build, typesFile] = process.argv.slice(2);
if (!build || !typesFile) throw new Error('usage: node tools/release.mjs BUILD_DIR TYPES_FILE');
const dist = path.join(root, 'dist');
const release = path.join(dist, 'chatlet');
const site = path.join(dist, 'site');
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(release, { recursive: true });
fs.cpSync(build, site, { recursive: true });

// The widget's files, by the names trunk and tools/loader.mjs gave them.
const built = fs.readdirSync(build);
const widget = built.filter((f) => f === 'chatlet.js' || f === 'chatlet.mjs'
  || /^chatlet-(widget|reader)-[0-9a-f]+(_bg\.wasm|\.js)$/.test(f) || /^chatlet-[0-9a-f]{16}\.css$/.test(f));
for (const kind of [/^chatlet\.js$/, /^chatlet\.mjs$/, /^chatlet-widget-.*_bg\.wasm$/, /^chatlet-widget-[0-9a-f]+\.js$/,
  /^chatlet-reader-.*_bg\.wasm$/, /^chatlet-reader-[0-9a-f]+\.js$/, /\.css$/]) {
  const found = widget.filter((f) => kind.test(f));
  if (found.length !== 1) throw new Error(`release.mjs: expected one file like ${kind} in ${build}, found ${found.length}`);
}
for (const f of widget) fs.copyFileSync(path.join(build, f), path.join(release, f));

// The declarations: the functions' signatures (www/chatlet.d.ts) with the types written
// from the Rust types in place of their marker.
const template = fs.readFileSync(path.join(root, 'www', 'chatlet.d.ts'), 'utf8');
if (template.split('/* __GENERATED__ */').length !== 2) throw new Error('release.mjs: www/chatlet.d.ts must hold /* __GENERATED__ */ once');
const types = fs.readFileSync(typesFile, 'utf8');
if (!/export interface ChatletEventDetails/.test(types)) throw new Error(`release.mjs: ${typesFile} is not chatlet-types' output`);
fs.writeFileSync(path.join(release, 'chatlet.d.ts'), template.replace('/* __GENERATED__ */', () => types.trim()));

// The package: its version is the widget crate's.
const cargo = fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
const version = /\[package\][^[]*?\nversion = "([^"]+)"/.exec(cargo)?.[1];
const license = /\[package\][^[]*?\nlicense = "([^"]+)"/.exec(cargo)?.[1];
if (!version || !license) throw new Error('release.mjs: no [package] version or license in Cargo.toml');
for (const f of ['README.md', 'LICENSE', 'LICENSE-MIT', 'compile.mjs']) {
  fs.copyFileSync(path.join(root, 'www', 'package', f), path.join(release, f));
}

// Precompressed twins, for hosts that serve them as they are (nginx's gzip_static and
// brotli_static, Caddy's precompressed, many CDNs).
const sizes = [];
for (const f of widget) {
  const body = fs.readFileSync(path.join(release, f));
  const br = zlib.brotliCompressSync(body, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  const gz = zlib.gzipSync(body, { level: 9 });
  fs.writeFileSync(path.join(release, f + '.br'), br);
  fs.writeFileSync(path.join(release, f + '.gz'), gz);
  sizes.push([f, body.length, br.length, gz.length]);
}

// Caching and CORS for hosts that read a _headers file (Netlify, Cloudflare Pages): the
// hashed files never change; the loader and the module keep their names, so they are
// short-lived. Cross-origin pages import the glue as a module, which needs CORS.
fs.writeFileSync(path.join(release, '_headers'), `# Chatlet's release folder: caching and CORS (Netlify and Cloudflare Pages read this file;
# docs/embedding.md "Caching" has the same for nginx and others).
/*
  Access-Control-Allow-Origin: *
  X-Content-Type-Options: nosniff
/chatlet.js
  Cache-Control: public, max-age=300, must-revalidate
/chatlet.mjs
  Cache-Control: public, max-age=300, must-revalidate
/chatlet-*
  Cache-Control: public, max-age=31536000, immutable
`);

// Subresource Integrity of the two entry files, for <script integrity=…>.
const sri = (f) => 'sha384-' + crypto.createHash('sha384').update(fs.readFileSync(path.join(release, f))).digest('base64');
const integrity = { 'chatlet.js': sri('chatlet.js'), 'chatlet.mjs': sri('chatlet.mjs') };
fs.writeFileSync(path.join(release, 'integrity.json'), JSON.stringify(integrity, null, 2) + '\n');

const files = fs.readdirSync(release).sort();
const pkg = {
  name: 'chatlet',
  version,
  description: 'A chat bot widget whose dialog engine (LivePerson Conversation Builder semantics) runs in the visitor\'s browser: Rust compiled to WebAssembly, one script tag or one import.',
  license,
  type: 'module',
  module: './chatlet.mjs',
  types: './chatlet.d.ts',
  exports: {
    '.': { types: './chatlet.d.ts', default: './chatlet.mjs' },
    './chatlet.js': './chatlet.js',
    './package.json': './package.json',
    './*': './*',
  },
  // Compiles a bot file with the package's bot reader (www/package/compile.mjs).
  bin: { 'chatlet-compile': './compile.mjs' },
  files: files.concat('package.json').sort(),
  // Only the classic loader acts when it is loaded (it installs window.chatlet and
  // mounts the tag's window); the module does nothing until called.
  sideEffects: ['./chatlet.js'],
  keywords: ['chat', 'chatbot', 'widget', 'webassembly', 'conversation-builder', 'liveperson'],
};
fs.writeFileSync(path.join(release, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');

for (const [f, raw, br, gz] of sizes) {
  console.log(`release: ${f.padEnd(42)} raw ${String(raw).padStart(7)}  br ${String(br).padStart(7)}  gz ${String(gz).padStart(7)}`);
}
console.log(`release: dist/chatlet/ holds ${fs.readdirSync(release).length} files (package chatlet@${version}); the visitor test page is in dist/site/`);
console.log(`release: the loader's Subresource Integrity: integrity="${integrity['chatlet.js']}" crossorigin="anonymous"`);
