//! Bot code: the conversation's script scope, each code hook, and what a block left
//! (sent messages, a trigger, an immediate reply, errors).

use super::*;

impl Session {
    /// Starts the conversation's script scope and runs its initialiser, once. A restored
    /// session's host gets the global functions again, without the initialiser.
    pub(super) fn start(&mut self) {
        if self.started && self.scripts_ready {
            return;
        }
        let first = !self.started;
        self.started = true;
        self.scripts_ready = true;
        let bot = Arc::clone(&self.bot);
        self.ctx.dialog = None;
        let result = self.scripts.start(bot.globals.as_ref(), &mut self.ctx);
        self.script_effects("global functions", result);
        if bot.globals.is_none() || !first {
            return;
        }
        let init = Script {
            key: "init".into(),
            source: INIT_SOURCE.into(),
        };
        let result = self.scripts.run(&init, &mut self.ctx);
        self.script_effects("the conversation initialiser", result);
    }

    /// Runs one code hook of interaction `at` and delivers what it sent.
    pub(super) fn hook(&mut self, at: InteractionId, code: &Script, what: &str) -> HookOutcome {
        self.ctx.dialog = Some(self.bot.interactions[at].dialog);
        let result = self.scripts.run(code, &mut self.ctx);
        let name = &self.bot.interactions[at].name;
        let (trigger, stop) = self.script_effects(&format!("the {what} of {name:?}"), result);
        let trigger = trigger.and_then(|target| match self.bot.interaction_named(&target) {
            Some(to) => Some(to),
            None => {
                self.debug(format!(
                    "setTriggerNextMessage({target:?}): no interaction has that name; ignored"
                ));
                None
            }
        });
        HookOutcome { trigger, stop }
    }

    /// Delivers the effects a block left: debug notes, sent messages, errors. Returns its
    /// trigger name and whether it stopped the flow.
    pub(super) fn script_effects(
        &mut self,
        what: &str,
        result: Result<(), String>,
    ) -> (Option<String>, bool) {
        let effects = self.ctx.take_effects();
        for message in effects.debug {
            self.debug(message);
        }
        if let Err(error) = result {
            if !effects.immediate {
                self.out.push(Output::ScriptError {
                    block: what.to_string(),
                    error,
                });
            }
        }
        let delay = self.ctx.delay.unwrap_or(0);
        for sent in effects.sent {
            if sent.replies.is_empty() {
                // The bot's code wrote it: markup when it holds any.
                let markup = sent.text.contains(['<', '&']);
                self.say_text(&sent.text, markup, delay);
            } else {
                let choices = sent
                    .replies
                    .into_iter()
                    .map(|(title, payload)| ChoiceOut {
                        title,
                        payload,
                        url: None,
                    })
                    .collect::<Vec<_>>();
                self.offered = choices.iter().map(|c| c.payload.clone()).collect();
                self.out.push(Output::Text {
                    markup: sent.text.contains(['<', '&']),
                    text: sent.text,
                    choices,
                    chips: crate::model::CHIPS_PER_ROW,
                    delay_ms: delay,
                });
            }
        }
        (effects.trigger, effects.immediate)
    }
}
