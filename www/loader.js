// Chatlet's loader, served as chatlet.js: the one script tag a page needs.
//
//   <script src="https://cdn.example.com/chatlet/chatlet.js" data-bot="/bots/shop.json" async></script>
//
// It draws the launcher (bubble mode) or a placeholder window (inline mode) in a shadow
// root, installs `window.chatlet`, and fetches the widget (wasm, its JavaScript glue, its
// stylesheet) and the bot only when a visitor shows interest: hover or focus on the
// launcher preloads, a click opens. Its files are found next to its own URL.
// tools/loader.mjs writes it into dist/: the comments go, and the FILES, STRINGS and
// SHELL_CSS placeholders become the hashed file names, www/strings.json and www/shell.css.
// docs/embedding.md documents the attributes, the API, the events and the theme.
(function (window, document) {
  'use strict';
  var api = window.chatlet;
  // A second tag on the page: the first loader mounts its widget too.
  if (api && typeof api._tag == 'function') return api._tag(document.currentScript);
  var FILES = __FILES__;
  var STRINGS = __STRINGS__;
  var SHELL_CSS = __SHELL_CSS__;
  var script = document.currentScript || document.querySelector('script[src*="chatlet"][data-bot]');
  var base = new URL('.', script ? script.src : document.baseURI).href;
  var widgets = [];
  var sheets = {};
  var glue, wasm, css, started, mod;

  function el(tag, attrs, kids) {
    var svg = tag == 'svg' || tag == 'path';
    var e = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
    for (var k in attrs) {
      if (attrs[k] != null) e.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (k) { e.append(k); });
    return e;
  }
  function emit(target, name, detail) {
    target.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail: detail || {} }));
  }

  // Stylesheets for a shadow root, constructed (no 'unsafe-inline' needed in the CSP),
  // each made once for every widget on the page.
  function adopt(root, texts) {
    root.adoptedStyleSheets = texts.map(function (text) {
      if (!sheets[text]) {
        sheets[text] = new CSSStyleSheet();
        sheets[text].replaceSync(text);
      }
      return sheets[text];
    });
  }

  // The widget's files, fetched once for every widget on the page.
  function preload() {
    if (glue) return;
    glue = import(base + FILES.js);
    var url = base + FILES.wasm;
    var compile = function () {
      return fetch(url).then(function (r) {
        if (!r.ok) throw new Error(FILES.wasm + ': HTTP ' + r.status);
        return r.arrayBuffer();
      }).then(WebAssembly.compile);
    };
    var wa = window.WebAssembly;
    // No WebAssembly (iOS Lockdown Mode, some locked-down browsers): the window says so.
    wasm = !wa ? Promise.reject(new Error('this browser runs no WebAssembly'))
      : wa.compileStreaming ? wa.compileStreaming(fetch(url)).catch(compile) : compile();
    css = fetch(base + FILES.css).then(function (r) {
      if (!r.ok) throw new Error(FILES.css + ': HTTP ' + r.status);
      return r.text();
    });
    // Nobody may wait for them (a hover without a click): no unhandled rejections.
    [glue, wasm, css].forEach(function (p) { p.catch(function () {}); });
  }
  // Runs the wasm (once); resolves to the widget's stylesheet.
  function start() {
    preload();
    if (!started) {
      started = Promise.all([glue, wasm, css]).then(function (r) {
        return r[0].default({ module_or_path: r[1] }).then(function () {
          mod = r[0];
          return r[2];
        });
      });
      started.catch(function () { glue = started = null; });
    }
    return started;
  }

  function strings(o) {
    var lang = String(o.lang || 'en').toLowerCase();
    var own = STRINGS[lang] || STRINGS[lang.split('-')[0]] || {};
    return Object.assign({}, STRINGS.en, own, o.strings);
  }

  // One chat widget: its host element and shadow root, the launcher or not, the window.
  function Widget(o) {
    var w = this;
    var bubble = o.mode != 'inline';
    var s = w.s = strings(o);
    w.o = o;
    w.queue = [];
    w.bubble = bubble;
    w.host = el('chatlet-widget', { 'data-mode': bubble ? 'bubble' : 'inline', 'data-theme': o.theme || 'auto', lang: o.lang });
    var root = w.root = w.host.attachShadow({ mode: 'open' });
    adopt(root, [SHELL_CSS]);
    w.app = el('div', { class: 'chatlet-app' });
    w.win = el('div', {
      part: 'window', class: 'chatlet-window', id: 'chatlet-window',
      role: bubble ? 'dialog' : 'region', 'aria-labelledby': 'chatlet-title'
    }, [w.app]);
    w.placeholder();
    root.append(w.win);
    if (bubble) {
      w.win.hidden = true;
      var b = w.launcher = el('button', {
        type: 'button', part: 'launcher', class: 'chatlet-launcher',
        'aria-label': s.openChat, 'aria-expanded': 'false', 'aria-controls': 'chatlet-window'
      }, [el('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' }, [
        el('path', { d: 'M4 5h16v11H9l-5 4z', fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linejoin': 'round' })
      ])]);
      if (o.preload != 'none') {
        ['pointerenter', 'focus', 'touchstart'].forEach(function (e) {
          b.addEventListener(e, function () { w.preload(); }, { passive: true });
        });
      }
      b.addEventListener('click', function () { w.toggle(true); });
      root.addEventListener('keydown', function (e) {
        if (e.key == 'Escape') w.close();
      });
      root.append(b);
    }
    (o.target || document.body).append(w.host);
    widgets.push(w);
    if (!bubble) w.boot();
    else if (o.open) w.open();
    else if (o.preload == 'idle') {
      var idle = function () { (window.requestIdleCallback || setTimeout)(function () { w.preload(); }); };
      document.readyState == 'complete' ? idle() : window.addEventListener('load', idle);
    }
  }
  var W = Widget.prototype;

  // What shows until the wasm is ready: the title and a disabled composer, or why not.
  W.placeholder = function (failed) {
    var w = this;
    var s = w.s;
    var status = el('p', { class: 'chatlet-status', role: failed ? 'alert' : 'status' }, [failed ? s.unavailable : s.loading]);
    if (failed) {
      var retry = el('button', { type: 'button', class: 'chatlet-retry' }, [s.retry]);
      retry.addEventListener('click', function () { w.boot(); });
      status.append(' ', retry);
    }
    w.app.replaceChildren(
      el('header', { class: 'chatlet-header', part: 'header' }, [el('h2', { class: 'chatlet-title', id: 'chatlet-title' }, [w.o.title || s.title])]),
      el('div', { class: 'chatlet-messages', part: 'messages' }, [status]),
      el('form', { class: 'chatlet-composer', part: 'composer' }, [
        el('input', { class: 'chatlet-input', disabled: '', placeholder: s.placeholder, 'aria-label': s.message }),
        el('button', { class: 'chatlet-send', disabled: '' }, [s.send])
      ])
    );
  };

  // The widget's files and the bot file, ahead of a click.
  W.preload = function () {
    preload();
    if (!this.bot && !this.h) {
      this.bot = this.fetchBot();
      this.bot.catch(function () {});
    }
  };
  // The bot file's text: the preloaded one first, a new fetch after that (a retry).
  W.fetchBot = function () {
    var p = this.bot || fetch(new URL(this.o.bot, document.baseURI)).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    });
    this.bot = null;
    return p;
  };

  // Loads the widget (once) and mounts this window's conversation in it.
  W.boot = function () {
    var w = this;
    if (!w.booting) {
      w.preload();
      w.booting = start().then(function (text) {
        if (w.gone) return;
        adopt(w.root, [SHELL_CSS, text]);
        w.app.replaceChildren();
        var o = w.o;
        w.h = mod.mount(w.app, {
          host: w.host, bot: String(new URL(o.bot, document.baseURI)), title: o.title, strings: w.s,
          closable: w.bubble, variables: o.variables, customerInfo: o.customerInfo, personalInfo: o.personalInfo,
          engagementAttributes: o.engagementAttributes,
          loadBot: function () { return w.fetchBot(); },
          onClose: function () { w.close(); }
        });
        w.queue.splice(0).forEach(function (c) { w.h[c[0]].apply(w.h, c[1]); });
        if (w.focus) w.h.focus();
      }).catch(function (e) {
        if (!w.h) {
          w.booting = null;
          w.placeholder(true);
        }
        console.error('chatlet: the widget could not start (files from ' + base + '): ' + e);
        emit(w.host, 'chatlet:error', { kind: 'widget', message: String(e) });
      });
    }
    return w.booting;
  };

  // Opens the window; `focus` (a visitor's or the page's request, not data-open) puts
  // the text box in focus once it is there.
  W.open = function (focus) {
    var w = this;
    w.focus = focus;
    w.boot();
    if (focus && w.h) w.h.focus();
    if (!w.bubble || w.isOpen) return;
    w.isOpen = true;
    w.win.hidden = false;
    w.host.setAttribute('data-open', '');
    w.launcher.setAttribute('aria-expanded', 'true');
    w.launcher.setAttribute('aria-label', w.s.closeChat);
    viewport();
    emit(w.host, 'chatlet:open');
  };
  W.close = function () {
    var w = this;
    if (!w.isOpen) return;
    var inside = !!w.root.activeElement;
    w.isOpen = w.focus = false;
    w.win.hidden = true;
    w.host.removeAttribute('data-open');
    w.launcher.setAttribute('aria-expanded', 'false');
    w.launcher.setAttribute('aria-label', w.s.openChat);
    if (inside) w.launcher.focus();
    emit(w.host, 'chatlet:close');
  };
  W.toggle = function (focus) {
    this.isOpen ? this.close() : this.open(focus);
  };
  // A call for the conversation waits for the wasm; `load` starts loading it.
  W.call = function (name, args, load) {
    if (this.h) return this.h[name].apply(this.h, args);
    this.queue.push([name, args]);
    if (load) this.boot();
  };
  W.destroy = function () {
    this.gone = true;
    if (this.h) this.h.destroy();
    this.host.remove();
    widgets.splice(widgets.indexOf(this), 1);
  };

  // What a page holds for one widget.
  function handle(w) {
    return {
      element: w.host,
      open: function () { w.open(true); },
      close: function () { w.close(); },
      toggle: function () { w.toggle(true); },
      send: function (text) { w.call('send', [String(text)], true); },
      setVariable: function (name, value) { w.call('setVariable', [String(name), value]); },
      reset: function () { w.call('reset', []); },
      destroy: function () { w.destroy(); }
    };
  }

  // Options from a tag's or an element's data- attributes (data-var-NAME: variables).
  function fromData(e) {
    var d = e.dataset;
    var variables = {};
    for (var k in d) {
      if (/^var./.test(k)) variables[k.charAt(3).toLowerCase() + k.slice(4)] = d[k];
    }
    return {
      bot: d.bot || d.chatletBot, mode: d.mode, title: d.title, lang: d.lang, theme: d.theme,
      preload: d.preload, open: d.open != null, variables: variables
    };
  }
  function mount(target, o) {
    o = Object.assign({}, o);
    o.mode = o.mode == 'bubble' ? 'bubble' : 'inline';
    if (!o.bot) throw new TypeError('chatlet.mount: options.bot (the bot file\'s URL) is required');
    if (o.mode == 'inline' && !(target instanceof Element)) throw new TypeError('chatlet.mount: an element to mount in is required');
    o.target = o.mode == 'inline' ? target : null;
    return handle(new Widget(o));
  }
  // The script tag: bubble by default, or inline in data-target.
  function tag(s) {
    if (!s || s.chatletMounted) return;
    s.chatletMounted = true;
    var o = fromData(s);
    if (!o.bot) return console.error('chatlet: the script tag needs data-bot="URL of the bot file"');
    o.mode = o.mode == 'inline' ? 'inline' : 'bubble';
    var target = null;
    if (o.mode == 'inline') {
      try {
        target = document.querySelector(s.dataset.target);
      } catch (e) {}
      if (!target) {
        console.error('chatlet: data-target="' + s.dataset.target + '" matches no element; showing the bubble instead');
        o.mode = 'bubble';
      }
    }
    mount(target, o);
  }
  // Elements marked data-chatlet-bot, now and whenever the page adds them (only what was
  // added is searched). An inline window whose element left the page is let go; a bubble
  // the page swept away (a new <body>) comes back.
  function mountMarked(root) {
    var found = root.matches && root.matches('[data-chatlet-bot]') ? [root] : [];
    (root.querySelectorAll ? root.querySelectorAll('[data-chatlet-bot]') : []).forEach(function (e) { found.push(e); });
    found.forEach(function (e) {
      if (!e.chatletMounted) {
        e.chatletMounted = true;
        mount(e, fromData(e));
      }
    });
  }
  function changed(records) {
    records.forEach(function (r) { r.addedNodes.forEach(mountMarked); });
    widgets.slice().forEach(function (w) {
      if (!w.host.isConnected) w.bubble ? document.body.append(w.host) : w.destroy();
    });
  }

  // Phones: the open window follows the visual viewport, so the keyboard never hides the input.
  function viewport() {
    var v = window.visualViewport;
    widgets.forEach(function (w) {
      if (v) {
        w.host.style.setProperty('--chatlet-vvh', v.height + 'px');
        w.host.style.setProperty('--chatlet-vvt', v.offsetTop + 'px');
      }
    });
  }
  if (window.visualViewport) {
    window.visualViewport.addEventListener('resize', viewport);
    window.visualViewport.addEventListener('scroll', viewport);
  }

  // window.chatlet: the first widget's methods, mount(), and the transfer answers, which
  // go to the conversation that asked, by its id.
  function first(name) {
    return function () {
      var h = widgets[0] && handle(widgets[0]);
      return h && h[name].apply(h, arguments);
    };
  }
  function transfer(name) {
    return function (id) {
      if (!mod) throw new Error('chatlet: no conversation ' + JSON.stringify(String(id)) + ' on this page');
      return mod[name].apply(null, arguments);
    };
  }
  window.chatlet = {
    mount: mount,
    open: first('open'),
    close: first('close'),
    toggle: first('toggle'),
    send: first('send'),
    setVariable: first('setVariable'),
    reset: first('reset'),
    reportTransfer: transfer('reportTransfer'),
    agentMessage: transfer('agentMessage'),
    endTransfer: transfer('endTransfer'),
    _tag: function (s) { whenReady(function () { tag(s); }); }
  };

  function whenReady(f) {
    document.readyState == 'loading' ? document.addEventListener('DOMContentLoaded', f) : f();
  }
  whenReady(function () {
    tag(script);
    mountMarked(document);
    new MutationObserver(changed).observe(document.documentElement, { childList: true, subtree: true });
  });
}(window, document));
