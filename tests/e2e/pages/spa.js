// A single-page app's view change: the help panel, with its chat, arrives after load.
document.getElementById('show-help').addEventListener('click', function () {
  var panel = document.createElement('section');
  panel.id = 'help-panel';
  var chat = document.createElement('div');
  chat.id = 'side';
  chat.setAttribute('data-chatlet-bot', '/bots/echo.json');
  chat.setAttribute('data-title', 'Late help');
  panel.appendChild(chat);
  document.getElementById('app').appendChild(panel);
});
