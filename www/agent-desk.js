// A simulated agent desk for the visitor test page (not part of the widget). It shows
// how a host page takes over a conversation: it listens for the widget's
// `chatlet:transfer` events, accepts or refuses them with `chatlet.reportTransfer`,
// relays visitor messages (`chatlet:visitor-message`), answers with
// `chatlet.agentMessage`, and hands back with `chatlet.endTransfer`.
(function () {
  'use strict';
  var desk = document.getElementById('desk');
  if (!desk) { return; }
  var requests = document.getElementById('desk-requests');
  var autoRefuse = document.getElementById('desk-auto-refuse');
  var live = document.getElementById('desk-live');
  var log = document.getElementById('desk-log');
  var form = document.getElementById('desk-form');
  var input = document.getElementById('desk-input');
  var current = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function note(text) { log.appendChild(el('li', 'desk-note', text)); }

  document.addEventListener('chatlet:transfer', function (e) {
    var t = e.detail;
    var card = el('div', 'desk-request');
    card.appendChild(el('p', 'desk-request-title', 'Transfer to skill ' + t.skill +
      (t.agent ? ', agent ' + t.agent : '')));
    if (t.message) { card.appendChild(el('p', '', 'Message: ' + t.message)); }
    var asked = t.transcript.filter(function (m) { return m.author === 'visitor'; }).pop();
    card.appendChild(el('p', 'desk-muted', t.transcript.length + ' messages so far' +
      (asked ? '; last from the visitor: "' + asked.text + '"' : '')));
    requests.prepend(card);
    function settle(outcome) {
      // Who took it: the widget shows the name (and a picture, when given) above the
      // person's messages.
      chatlet.reportTransfer(t.conversationId, outcome, { name: 'Ana' });
      card.querySelectorAll('button').forEach(function (b) { b.remove(); });
      card.appendChild(el('p', 'desk-outcome', outcome === 'accepted' ? 'Accepted' : 'Refused'));
      if (outcome === 'accepted') {
        current = t.conversationId;
        live.hidden = false;
        log.textContent = '';
        t.transcript.forEach(function (m) { log.appendChild(el('li', 'desk-' + m.author, m.author + ': ' + m.text)); });
        note('You have the conversation.');
      }
    }
    if (autoRefuse.checked) { settle('failed'); return; }
    var accept = el('button', 'desk-accept', 'Accept');
    var refuse = el('button', 'desk-refuse', 'Refuse');
    accept.type = refuse.type = 'button';
    accept.addEventListener('click', function () { settle('accepted'); });
    refuse.addEventListener('click', function () { settle('failed'); });
    card.appendChild(accept);
    card.appendChild(refuse);
  });

  document.addEventListener('chatlet:visitor-message', function (e) {
    if (e.detail.conversationId !== current) { return; }
    log.appendChild(el('li', 'desk-visitor', 'visitor: ' + e.detail.text));
  });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || !current) { return; }
    chatlet.agentMessage(current, text);
    log.appendChild(el('li', 'desk-agent', 'you: ' + text));
    input.value = '';
  });

  document.getElementById('desk-end').addEventListener('click', function () {
    if (!current) { return; }
    chatlet.endTransfer(current);
    note('Handed back to the bot.');
    current = null;
    live.hidden = true;
  });
}());
