#!/usr/bin/env node
// chatlet-compile BOT [OUT]: compiles a bot file (Chatlet's native format or a
// Conversation Builder export) for the widget, with this package's own bot reader: the
// same bytes as `chatlet compile`, no Rust needed. Pages that serve the compiled bot
// spare their visitors the bot reader (README.md, "Compiled bots").
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [bot, given] = process.argv.slice(2);
if (!bot || bot.startsWith('-')) {
  console.error('usage: chatlet-compile BOT [OUT]   (OUT: BOT with .chatlet for its extension)');
  process.exit(2);
}
const out = given || path.join(path.dirname(bot), path.parse(bot).name + '.chatlet');
const here = path.dirname(fileURLToPath(import.meta.url));
const glue = fs.readdirSync(here).find((f) => /^chatlet-reader-[0-9a-f]+\.js$/.test(f));
const reader = await import(pathToFileURL(path.join(here, glue)).href);
reader.initSync({ module: fs.readFileSync(path.join(here, glue.replace(/\.js$/, '_bg.wasm'))) });

let plain;
try {
  plain = fs.readFileSync(bot);
} catch (e) {
  console.error(`chatlet-compile: cannot read ${bot}: ${e.message}`);
  process.exit(2);
}
const compiled = reader.compile(plain);
for (const line of reader.findings(plain)) console.error(line);
if (Buffer.from(compiled.subarray(0, 8)).toString('latin1') !== '\0chatlet') {
  console.error(`${bot}: not compiled`);
  process.exit(1);
}
fs.writeFileSync(out, compiled);
console.error(`${out}: ${compiled.length} bytes (${plain.length} in the plain file)`);
