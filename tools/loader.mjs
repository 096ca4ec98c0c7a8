// Writes the loader, chatlet.js, its ES module twin chatlet.mjs (www/module.js), and the
// widget's stylesheet into a trunk build, and
// minifies the wasm-bindgen glue (trunk's own minifier cannot read it): trunk's
// post_build hook (Trunk.toml) runs it on the staging folder, so `trunk build` and
// `trunk serve` both produce them. The loader is www/loader.js, minified by terser, with
// three placeholders filled: the names of the files it fetches (the wasm and its glue as
// trunk hashed them, the stylesheet hashed here), www/strings.json and www/shell.css.
// Usage: node tools/loader.mjs [STAGING_DIR]   (default: $TRUNK_STAGING_DIR)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify } from './node_modules/terser/main.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const www = (name) => fs.readFileSync(path.join(root, 'www', name), 'utf8');
const staging = process.argv[2] || process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('loader.mjs: no staging folder (argument or TRUNK_STAGING_DIR)');

const built = fs.readdirSync(staging);
const one = (test, what) => {
  const found = built.filter(test);
  if (found.length !== 1) throw new Error(`loader.mjs: expected one ${what} in ${staging}, found ${found.length}`);
  return found[0];
};
const wasm = one((f) => /^chatlet-widget-.*_bg\.wasm$/.test(f), 'wasm file');
const js = one((f) => /^chatlet-widget-[^_]*\.js$/.test(f), 'wasm-bindgen glue');

// The bot reader (crates/reader, a worker-type trunk build: unhashed names), fetched only
// for a plain bot file: its glue minified, both files named by the hash of both (the
// release serves `chatlet-*` as immutable).
const readerBytes = fs.readFileSync(path.join(staging, one((f) => f === 'chatlet-reader_bg.wasm', 'bot reader wasm')));
const { code: readerGlue } = await minify(fs.readFileSync(path.join(staging, 'chatlet-reader.js'), 'utf8'), {
  module: true, compress: { passes: 2 }, mangle: true, format: { comments: false },
});
const readerHash = crypto.createHash('sha256').update(readerBytes).update(readerGlue).digest('hex').slice(0, 16);
const readerWasm = `chatlet-reader-${readerHash}_bg.wasm`;
const reader = `chatlet-reader-${readerHash}.js`;
fs.renameSync(path.join(staging, 'chatlet-reader_bg.wasm'), path.join(staging, readerWasm));
fs.writeFileSync(path.join(staging, reader), readerGlue);
fs.rmSync(path.join(staging, 'chatlet-reader.js'));

/** CSS without comments and runs of white space. */
const minifyCss = (text) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, ' ')
  .replace(/ ?([{};,>]) ?/g, '$1').replace(/: /g, ':').replace(/ !important/g, '!important')
  .replace(/;}/g, '}').trim();

const widgetCss = minifyCss(www('chatlet.css'));
const hash = crypto.createHash('sha256').update(widgetCss).digest('hex').slice(0, 16);
const css = `chatlet-${hash}.css`;
fs.writeFileSync(path.join(staging, css), widgetCss);

const source = www('loader.js');
// The loader carries only the texts it draws itself (`s.KEY` in loader.js): the window's
// other texts are built into the wasm (src/strings.rs), which lays these over them.
const drawn = new Set([...source.matchAll(/\bs\.([A-Za-z]+)\b/g)].map((m) => m[1]));
const strings = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(www('strings.json')))
  .map(([lang, texts]) => [lang, Object.fromEntries(Object.entries(texts).filter(([k]) => drawn.has(k)))])));
for (const token of ['__FILES__', '__STRINGS__', '__SHELL_CSS__', '// @core', '// @end-core']) {
  if (source.split(token).length !== 2) throw new Error(`loader.mjs: www/loader.js must use ${token} once`);
}
const fill = (text, files) => text
  .replace('__FILES__', () => files)
  .replace('__STRINGS__', () => strings)
  .replace('__SHELL_CSS__', () => JSON.stringify(minifyCss(www('shell.css'))));
const q = JSON.stringify;
// The classic loader finds the files next to its own URL (`base`).
const filled = fill(source,
  `{js:base+${q(js)},wasm:base+${q(wasm)},css:base+${q(css)},reader:base+${q(reader)},readerWasm:base+${q(readerWasm)}}`);
// ES2020 output lets terser write arrow functions (the source never uses `arguments`).
const { code: loader } = await minify(filled, {
  ecma: 2020, compress: { passes: 3, unsafe_arrows: true }, mangle: true, format: { comments: false },
});
fs.writeFileSync(path.join(staging, 'chatlet.js'), loader);

// The ES module entry: the same logic, its files by `new URL('./name', import.meta.url)`
// written out whole, the form bundlers recognise as an asset of the module; the comments
// that tell webpack and Vite to leave the glue's `import()` alone are kept.
const core = source.slice(source.indexOf('// @core'), source.indexOf('// @end-core'));
const moduleSource = www('module.js');
if (moduleSource.split('/* __CORE__ */').length !== 2) throw new Error('loader.mjs: www/module.js must use /* __CORE__ */ once');
const url = (name) => `new URL(${q('./' + name)},import.meta.url).href`;
const moduleFilled = fill(moduleSource.replace('/* __CORE__ */', () => core),
  `{js:${url(js)},wasm:${url(wasm)},css:${url(css)},reader:${url(reader)},readerWasm:${url(readerWasm)}}`);
const { code: esm } = await minify(moduleFilled, {
  module: true, ecma: 2020, compress: { passes: 3, unsafe_arrows: true }, mangle: true,
  format: { comments: /webpackIgnore|@vite-ignore/ },
});
fs.writeFileSync(path.join(staging, 'chatlet.mjs'), esm);

// The previewer's module (www/preview.html): the same entry over the previewer's own
// wasm (trunk's `chatlet-preview` worker-type build, never in the release folder), with
// `engine()` for what only that build exports (`check`).
let preview = null;
if (built.includes('chatlet-preview.js') && built.includes('chatlet-preview_bg.wasm')) {
  const previewFilled = fill(moduleSource.replace('/* __CORE__ */', () => core),
    `{js:${url('chatlet-preview.js')},wasm:${url('chatlet-preview_bg.wasm')},css:${url(css)},reader:${url(reader)},readerWasm:${url(readerWasm)}}`)
    + '\nexport function engine() { return start().then(function () { return mod; }); }\n';
  ({ code: preview } = await minify(previewFilled, { module: true, ecma: 2020, compress: { passes: 2 }, mangle: true }));
  fs.writeFileSync(path.join(staging, 'chatlet-preview.mjs'), preview);
}

const gluePath = path.join(staging, js);
const glue = await minify(fs.readFileSync(gluePath, 'utf8'), {
  module: true, compress: { passes: 2 }, mangle: true, format: { comments: false },
});
fs.writeFileSync(gluePath, glue.code);
console.log(`loader.mjs: chatlet.js (${loader.length} bytes) and chatlet.mjs (${esm.length}) load ${js}, ${wasm} and ${css}; ${reader} and ${readerWasm} for plain bot files`);
