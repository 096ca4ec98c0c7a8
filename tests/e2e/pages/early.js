// Runs right after the (synchronous) tag, before the page's body exists: these calls
// must wait for the widget, not be lost.
chatlet.setVariable('firstName', 'Early');
chatlet.setVariable('plan', 'basic');
chatlet.send('hello');
