// End-to-end checks of agent transfer on the visitor page: the widget hands the
// conversation to the host page (`chatlet:transfer`), the page's simulated agent desk
// accepts or refuses it through `window.chatlet`, and refusals reach the bot as
// __agent_escalation_failed__.
import assert from 'node:assert/strict';

const BUSY = /^Everyone on our team is busy right now\. Your ticket T-\d{6} stays open; we will write to you\.$/;

export async function transferChecks({ open, check }) {
  await check('a transfer reaches the host page as chatlet:transfer; the desk accepts it and chats as the agent', async () => {
    const v = await open('/');
    await v.page.evaluate(() => {
      window.__transfers = [];
      document.addEventListener('chatlet:transfer', (e) => window.__transfers.push(e.detail));
    });
    await v.say('I need a person');
    await v.page.waitForFunction(() => window.__transfers.length === 1);
    const [t] = await v.page.evaluate(() => window.__transfers);
    assert.equal(t.skill, '12345');
    assert.equal(t.message, null);
    assert.equal(t.context, false);
    assert.match(t.conversationId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a random UUID');
    assert.deepEqual(t.transcript[0], { author: 'bot', text: "Hi! I'm the Chatlet demo bot." }, 'the greeting, first');
    assert.deepEqual(t.transcript.find((m) => m.author === 'visitor'), { author: 'visitor', text: 'I need a person' });
    assert.ok(t.transcript.some((m) => m.author === 'bot' && /^Your ticket is T-\d{6}\./.test(m.text)));
    await v.page.click('.desk-accept');
    await v.page.waitForSelector('.chatlet-system >> text=A person has joined the conversation.');
    // An outcome is taken once; calls for an unknown conversation are refused.
    const thrown = (id, outcome) => v.page.evaluate(([id, outcome]) => {
      try { chatlet.reportTransfer(id, outcome); return 'no error'; } catch (e) { return e.message; }
    }, [id, outcome]);
    assert.match(await thrown(t.conversationId, 'failed'), /no transfer is waiting for an outcome/);
    assert.match(await thrown('nope', 'failed'), /no conversation "nope" on this page/);
    assert.match(await thrown(t.conversationId, 'maybe'), /neither "accepted" nor "failed"/);
    await v.say('hello, is anyone there?');
    await v.page.waitForSelector('#desk-log >> text=visitor: hello, is anyone there?');
    await v.page.fill('#desk-input', 'Hi, this is Ana. How can I help?');
    await v.page.press('#desk-input', 'Enter');
    await v.page.waitForSelector('.chatlet-agent >> text=Hi, this is Ana. How can I help?');
    const botBefore = (await v.botTexts()).length;
    assert.equal(botBefore, 3, 'the bot does not answer while the agent has the conversation');
    await v.page.click('#desk-end');
    await v.page.waitForSelector('.chatlet-system >> text=You are back with the bot.');
    await v.say('hi');
    await v.waitBot(botBefore + 1);
    assert.equal((await v.botTexts())[botBefore], "Hi! I'm the Chatlet demo bot.");
    assert.deepEqual(v.log.errors, []);
    await v.page.close();
  });

  await check('the desk refuses: three refusals reach the Transfer failed dialog, the fourth gives CB\'s default text', async () => {
    const v = await open('/');
    await v.page.check('#desk-auto-refuse');
    for (let i = 1; i <= 4; i++) {
      const before = (await v.botTexts()).length;
      await v.say('agent');
      await v.page.waitForFunction((n) => __chatlet.all('.chatlet-system').length >= n, 2 * i);
      await v.waitBot(before + 4);
      const last = (await v.botTexts())[before + 3];
      if (i < 4) {
        assert.match(last, BUSY, `refusal ${i}`);
      } else {
        assert.equal(last, 'Not able to transfer to Agent at this time. Please try later.');
      }
    }
    assert.equal(await v.page.locator('.chatlet-system >> text=The transfer did not go through.').count(), 4);
    assert.equal(await v.page.locator('.desk-outcome >> text=Refused').count(), 4);
    await v.page.close();
  });
}
