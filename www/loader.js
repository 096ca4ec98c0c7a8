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
  var script = document.currentScript || document.querySelector('script[src*="chatlet"][data-bot]');
  var base = new URL('.', script ? script.src : document.baseURI).href;
  // The widget's files' URLs: next to the loader's own.
  var FILES = __FILES__;
  // @core: from here to @end-core, the ES module entry's too (www/module.js).
  var STRINGS = __STRINGS__;
  var SHELL_CSS = __SHELL_CSS__;
  var widgets = [];
  var sheets = {};
  // Calls on window.chatlet made before the first widget exists.
  var waiting = [];
  var glue, glueUrl, wasm, css, started, mod, read;
  var attempts = 0, tries = 0;

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

  // A file's response; an HTTP error is a failure naming the file.
  function get(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r;
    });
  }
  // The widget's files, fetched once for every widget on the page.
  function preload() {
    if (glue) return;
    // A module that failed to load stays failed for the page: a retry asks anew.
    glueUrl = new URL(FILES.js + (attempts++ ? '?retry=' + attempts : ''), document.baseURI).href;
    // Fetched as it is where it is, never bundled: the worker imports it by its URL too.
    glue = import(/* webpackIgnore: true */ /* @vite-ignore */ glueUrl);
    var url = FILES.wasm;
    var compile = function () {
      return get(url).then(function (r) { return r.arrayBuffer(); }).then(WebAssembly.compile);
    };
    var wa = window.WebAssembly;
    // No WebAssembly (iOS Lockdown Mode, some locked-down browsers): the window says so.
    wasm = !wa ? Promise.reject(new Error('this browser runs no WebAssembly'))
      : wa.compileStreaming ? wa.compileStreaming(fetch(url)).catch(compile) : compile();
    css = get(FILES.css).then(function (r) { return r.text(); });
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

  // The bot reader, a wasm of its own that compiles a plain bot file (a compiled one,
  // from `chatlet compile`, needs none): fetched once for the page, as soon as a plain
  // file is seen. A retry imports it anew, as the widget's glue.
  function reader() {
    if (!read) {
      read = import(/* webpackIgnore: true */ /* @vite-ignore */ FILES.reader + (tries++ ? '?retry=' + tries : '')).then(function (m) {
        return m.default({ module_or_path: FILES.readerWasm }).then(function () { return m; });
      });
      read.catch(function () { read = null; });
    }
    return read;
  }

  // The texts in the language asked for (else English), under the page's own.
  function strings(o) {
    var lang = String(o.lang || 'en').toLowerCase();
    lang = STRINGS[lang] ? lang : STRINGS[lang.split('-')[0]] ? lang.split('-')[0] : 'en';
    return Object.assign({ lang: lang }, STRINGS.en, STRINGS[lang], o.strings);
  }

  // One chat widget: its host element and shadow root, the launcher or not, the window.
  // Returns what the rest of the loader needs of it; `api` is the page's handle.
  function widget(o) {
    var bubble = o.mode != 'inline';
    var s = strings(o);
    var queue = [];
    var h, booting, bot, isOpen, wantsFocus, gone, launcher, badge, teaser, teaserText;
    // Bot and agent messages that arrived while the bubble was closed.
    var unread = 0;
    var host = el('chatlet-widget', {
      'data-mode': bubble ? 'bubble' : 'inline', 'data-theme': o.theme || 'auto', lang: s.lang,
      'data-position': o.position == 'left' ? 'left' : null
    });
    var root = host.attachShadow({ mode: 'open' });
    var app = el('div', { class: 'chatlet-app' });
    var win = el('div', {
      part: 'window', class: 'chatlet-window', id: 'chatlet-window',
      role: bubble ? 'dialog' : 'region', 'aria-labelledby': 'chatlet-title'
    }, [app]);

    // What shows until the wasm is ready: the title and a disabled composer, or why not.
    function placeholder(failed) {
      var status = el('p', { class: 'chatlet-status', role: failed ? 'alert' : 'status' }, [failed ? s.unavailable : s.loading]);
      if (failed) {
        var retry = el('button', { type: 'button', class: 'chatlet-retry' }, [s.retry]);
        retry.addEventListener('click', function () {
          wantsFocus = true;
          boot();
        });
        status.append(' ', retry);
      }
      app.replaceChildren(
        el('div', { class: 'chatlet-header', part: 'header' }, [el('h2', { class: 'chatlet-title', id: 'chatlet-title' }, [o.title || s.title])]),
        el('div', { class: 'chatlet-messages', part: 'messages' }, [status]),
        el('form', { class: 'chatlet-composer', part: 'composer' }, [
          el('input', { class: 'chatlet-input', disabled: '', placeholder: s.placeholder, 'aria-label': s.message }),
          el('button', { class: 'chatlet-send', disabled: '' }, [s.send])
        ])
      );
    }

    // The bot file's bytes: the preloaded ones first, a new fetch after that (a retry).
    function fetchBot() {
      var p = bot || Promise.resolve().then(function () {
        return get(new URL(o.bot, document.baseURI));
      }).then(function (r) { return r.arrayBuffer(); }).then(function (b) {
        b = new Uint8Array(b);
        if (b[0]) reader();
        return b;
      });
      bot = null;
      return p;
    }
    // The widget's files and the bot file, ahead of a click.
    function warm() {
      preload();
      if (!bot && !h) {
        bot = fetchBot();
        bot.catch(function () {});
      }
    }

    // Loads the widget (once) and mounts this window's conversation in it.
    function boot() {
      if (!booting) {
        warm();
        booting = start().then(function (text) {
          if (gone) return;
          adopt(root, [SHELL_CSS, text]);
          app.replaceChildren();
          // The page's options go as the page gave them (the wasm reads them, and says
          // which key is wrong); the loader's own parts beside them.
          h = mod.mount(app, {
            host: host, bot: String(new URL(o.bot, document.baseURI)), strings: s, closable: bubble,
            loadBot: fetchBot, reader: reader, glue: glueUrl, onClose: close, page: Object.assign({}, o, { target: void 0, auto: void 0 })
          });
          queue.splice(0).forEach(function (c) { h[c[0]](...c[1]); });
          if (wantsFocus) h.focus();
        }).catch(function (e) {
          if (!h) {
            booting = null;
            placeholder(true);
            if (wantsFocus) root.querySelector('.chatlet-retry').focus();
          }
          console.error('chatlet: the widget could not start (' + FILES.js + '): ' + e);
          emit(host, 'chatlet:error', { kind: 'widget', message: String(e) });
        });
      }
    }

    function detail() {
      return { conversationId: h ? h.conversationId : null };
    }
    // The bubble stays open across page loads where the conversation is kept (data-persist).
    var openKey = 'chatlet:open:' + o.bot;
    function remember(on) {
      try {
        var area = o.persist == 'none' ? null : o.persist == 'local' ? localStorage : sessionStorage;
        return on == null ? area && area.getItem(openKey) : on ? area.setItem(openKey, 1) : area.removeItem(openKey);
      } catch (e) {}
    }
    // Opens the window; `focus` (a visitor's or the page's request, not data-open) puts
    // the text box in focus once it is there.
    // The launcher's name and badge: "Open chat, 2 unread messages".
    function label() {
      badge.textContent = unread;
      badge.hidden = !unread;
      launcher.setAttribute('aria-label', isOpen ? s.closeChat
        : unread ? s.openChat + ', ' + (unread > 1 ? s.unreadMany.replace('{n}', unread) : s.unreadOne) : s.openChat);
    }
    // A text beside the closed launcher (a teaser, or the latest message); none: gone.
    function tease(text) {
      if (!bubble) return;
      teaserText.textContent = text = text ? String(text) : '';
      teaser.hidden = !text || isOpen;
    }
    function open(focus) {
      wantsFocus = focus;
      boot();
      if (focus && h) h.focus();
      if (!bubble || isOpen) return;
      isOpen = true;
      win.hidden = false;
      teaser.hidden = true;
      unread = 0;
      host.setAttribute('data-open', '');
      launcher.setAttribute('aria-expanded', 'true');
      label();
      viewport();
      remember(1);
      emit(host, 'chatlet:open', detail());
    }
    function close() {
      if (!isOpen) return;
      var inside = !!root.activeElement;
      isOpen = wantsFocus = false;
      win.hidden = true;
      host.removeAttribute('data-open');
      launcher.setAttribute('aria-expanded', 'false');
      label();
      if (inside) launcher.focus();
      remember(0);
      emit(host, 'chatlet:close', detail());
    }
    function toggle() {
      isOpen ? close() : open(true);
    }
    // A call for the conversation waits for the wasm; `load` starts loading it.
    function call(name, args, load) {
      if (h) return h[name](...args);
      queue.push([name, args]);
      if (load) boot();
    }
    function destroy() {
      if (gone) return;
      gone = true;
      if (h) h.destroy();
      host.remove();
      widgets.splice(widgets.indexOf(w), 1);
      // Put back on the page, the element gets a new widget.
      if (o.target) o.target.chatletMounted = false;
    }

    adopt(root, [SHELL_CSS]);
    placeholder();
    root.append(win);
    if (bubble) {
      win.hidden = true;
      launcher = el('button', {
        type: 'button', part: 'launcher', class: 'chatlet-launcher',
        'aria-label': s.openChat, 'aria-expanded': 'false', 'aria-controls': 'chatlet-window'
      }, [el('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' }, [
        el('path', { d: 'M4 5h16v11H9l-5 4z', fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linejoin': 'round' })
      ])]);
      if (o.preload != 'none') {
        ['pointerenter', 'focus', 'touchstart'].forEach(function (e) {
          launcher.addEventListener(e, warm, { passive: true });
        });
      }
      launcher.append(badge = el('span', { class: 'chatlet-badge', 'aria-hidden': 'true', hidden: '' }));
      launcher.addEventListener('click', toggle);
      // The teaser: its text opens the chat, its close button puts it away.
      teaser = el('div', { class: 'chatlet-teaser', part: 'teaser', hidden: '' }, [
        teaserText = el('button', { type: 'button', class: 'chatlet-teaser-text' }),
        el('button', { type: 'button', class: 'chatlet-teaser-close', 'aria-label': s.dismiss }, ['×'])
      ]);
      teaserText.addEventListener('click', function () { open(true); });
      teaser.lastChild.addEventListener('click', function () { tease(); });
      root.append(teaser);
      tease(o.teaser);
      // What arrives while the bubble is closed: counted, and (data-preview: agent
      // messages by default, "all" or "none") shown beside the launcher.
      host.addEventListener('chatlet:message', function (e) {
        var a = e.detail.author;
        if (isOpen || (a != 'bot' && a != 'agent')) return;
        unread++;
        label();
        if (o.preview == 'all' || (a == 'agent' && o.preview != 'none')) tease(e.detail.text);
      });
      root.addEventListener('keydown', function (e) {
        if (e.key == 'Escape' && !e.isComposing && isOpen) {
          e.stopPropagation();
          close();
        }
      });
      root.append(launcher);
    }
    var w = {
      host: host, bubble: bubble, o: o, destroy: destroy,
      api: {
        element: host,
        open: function () { open(true); },
        close: close,
        toggle: toggle,
        send: function (text) { call('send', [String(text)], true); },
        setVariable: function (name, value) { call('setVariable', [String(name), value]); },
        reset: function () { call('reset', []); },
        teaser: tease,
        destroy: destroy
      }
    };
    (o.target || document.body).append(host);
    widgets.push(w);
    waiting.splice(0).forEach(function (c) { w.api[c[0]](...c[1]); });
    if (!bubble) boot();
    else if (o.open || remember()) open();
    else if (o.preload == 'idle') {
      var idle = function () { (window.requestIdleCallback || setTimeout)(warm); };
      document.readyState == 'complete' ? idle() : window.addEventListener('load', idle);
    }
    return w;
  }

  // An attribute's number (absent: none; not a number: the text, which the widget
  // reports as an option of the wrong type).
  function num(v) {
    return v == null || isNaN(v) ? v : +v;
  }
  // Options from a tag's or an element's data- attributes (data-var-NAME: variables).
  function fromData(e) {
    var d = e.dataset;
    var variables = {};
    for (var k in d) {
      if (/^var[A-Z]/.test(k)) variables[k.charAt(3).toLowerCase() + k.slice(4)] = d[k];
    }
    return {
      bot: d.bot || d.chatletBot, mode: d.mode, title: d.title, lang: d.lang, theme: d.theme,
      preload: d.preload, open: d.open != null, position: d.position,
      transferTimeout: num(d.transferTimeout), variables: variables, persist: d.persist,
      idleMinutes: num(d.idleMinutes), teaser: d.teaser, preview: d.preview, avatar: d.avatar,
      codeOnPage: d.codeOnPage != null
    };
  }
  function mount(target, o) {
    o = Object.assign({}, o);
    o.mode = o.mode == 'bubble' ? 'bubble' : 'inline';
    if (!o.bot) throw new TypeError('chatlet.mount: options.bot is required');
    if (o.mode == 'inline' && !(target instanceof Element)) throw new TypeError('chatlet.mount: an element is required');
    o.target = o.mode == 'inline' ? target : null;
    return widget(o).api;
  }
  // The script tag: bubble by default, or inline in data-target. Without data-bot it
  // only installs window.chatlet (for mount() and data-chatlet-bot elements).
  function tag(s) {
    if (!s || s.chatletMounted) return;
    s.chatletMounted = true;
    var o = fromData(s);
    if (!o.bot) return;
    o.mode = o.mode == 'inline' ? 'inline' : 'bubble';
    var target = null;
    if (o.mode == 'inline') {
      try {
        target = document.querySelector(s.dataset.target);
      } catch (e) {}
      if (!target) {
        console.error('chatlet: no element matches data-target="' + s.dataset.target + '"; a bubble instead');
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
        var o = fromData(e);
        o.auto = true;
        try {
          mount(e, o);
        } catch (x) {
          console.error('chatlet: ' + x.message, e);
        }
      }
    });
  }
  function changed(records) {
    records.forEach(function (r) { r.addedNodes.forEach(mountMarked); });
    widgets.slice().forEach(function (w) {
      if (!w.host.isConnected) w.bubble ? document.body.append(w.host) : w.o.auto && w.destroy();
    });
  }

  // Phones: the open window follows the visual viewport, so the keyboard never hides the input.
  function viewport() {
    var v = window.visualViewport;
    if (v) widgets.forEach(function (w) {
      w.host.style.setProperty('--chatlet-vvh', v.height + 'px');
      w.host.style.setProperty('--chatlet-vvt', v.offsetTop + 'px');
    });
  }
  ['resize', 'scroll'].forEach(function (e) {
    if (window.visualViewport) window.visualViewport.addEventListener(e, viewport);
  });

  // window.chatlet: the first widget's methods, mount(), and the transfer answers, which
  // go to the conversation that asked, by its id.
  function first(name) {
    return function (...args) {
      if (!widgets[0]) return void waiting.push([name, args]);
      return widgets[0].api[name](...args);
    };
  }
  function transfer(name) {
    return function (...args) {
      if (!mod) throw new Error('chatlet: no conversation ' + JSON.stringify(String(args[0])) + ' on this page');
      return mod[name](...args);
    };
  }
  // @end-core
  window.chatlet = {
    mount: mount,
    open: first('open'),
    close: first('close'),
    toggle: first('toggle'),
    send: first('send'),
    setVariable: first('setVariable'),
    reset: first('reset'),
    teaser: first('teaser'),
    reportTransfer: transfer('reportTransfer'),
    agentMessage: transfer('agentMessage'),
    endTransfer: transfer('endTransfer'),
    _tag: function (s) { whenReady(function () { tag(s); }); }
  };

  function whenReady(f) {
    document.readyState == 'loading' ? document.addEventListener('DOMContentLoaded', f) : f();
  }
  whenReady(function () {
    new MutationObserver(changed).observe(document.documentElement, { childList: true, subtree: true });
    tag(script);
    mountMarked(document);
  });
}(window, document));
