// Chatlet's ES module entry, served and packed as chatlet.mjs: the loader's logic
// (www/loader.js, from its @core marker to @end-core, which tools/loader.mjs puts in
// place of the marker below) as named exports, for bundlers and `<script type=module>`.
//
//   import { mount, on } from 'chatlet';
//   const chat = mount(document.querySelector('#chat'), { bot: '/bots/shop.json' });
//   on('message', (e) => console.log(e.detail.author, e.detail.text));
//
// It installs no `window.chatlet` and mounts nothing by itself (no script tag, no
// data-chatlet-bot elements): the page calls `mount`. Its files are found through
// `new URL('./…', import.meta.url)`, which Vite and webpack turn into bundled assets
// and which, without a bundler or with one that leaves the expression alone (esbuild),
// resolves next to this module or the bundle (docs/embedding.md "npm and bundlers").
// Importing it where there is no page (server-side rendering) does nothing: the page's
// objects are looked up when a function is called.
var window = globalThis;
var document = window.document;
var FILES = __FILES__;
/* __CORE__ */

export { mount, on };
export var open = first('open');
export var close = first('close');
export var toggle = first('toggle');
export var send = first('send');
export var setVariable = first('setVariable');
export var reset = first('reset');
export var teaser = first('teaser');
export var reportTransfer = transfer('reportTransfer');
export var agentMessage = transfer('agentMessage');
export var endTransfer = transfer('endTransfer');

// Listens to a chatlet:* event of every window on the page (they bubble to the window),
// by its full name or without the prefix; returns what stops listening.
function on(type, listener) {
  var name = /^chatlet:/.test(type) ? type : 'chatlet:' + type;
  window.addEventListener(name, listener);
  return function () { window.removeEventListener(name, listener); };
}
