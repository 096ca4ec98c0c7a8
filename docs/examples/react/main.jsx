// The React example's page: the Chatlet component in a small app that shows the last
// message it heard (tests/e2e/package.mjs bundles and runs it).
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Chatlet } from './Chatlet.jsx';

function App() {
  const [last, setLast] = useState(null);
  return (
    <main>
      <h1>Support</h1>
      <Chatlet bot="/demo-bot.json" title="Ask us" onMessage={setLast} />
      <p id="last" aria-live="polite">{last ? `${last.author}: ${last.text}` : 'No message yet'}</p>
    </main>
  );
}

createRoot(document.getElementById('root')).render(<StrictMode><App /></StrictMode>);
