//! A turn: routing a message (the open question's rules, then the starters, then the
//! fallback), running a dialog's flow interaction by interaction within the step budget,
//! preparing what each one shows, transfers, and where the flow goes next.

use super::*;
use crate::event::MAX_CARDS;

impl Session {
    pub(super) fn on_text(&mut self, text: String) {
        if self.bot.settings.debug_commands && text.trim().eq_ignore_ascii_case("reset") {
            self.reset();
            return;
        }
        self.on_message(text, Origin::Visitor);
    }

    /// A transfer failed: the bot receives the escalation-failure event. CB routes the
    /// first three like a message; the fourth gives up with CB's text.
    pub(super) fn on_transfer_failed(&mut self) {
        self.escalation_failures += 1;
        if self.escalation_failures > MAX_ESCALATION_FAILURES {
            self.steps = 0;
            self.start();
            let text = match &self.bot.settings.default_error_message {
                Some(own) => own.clone(),
                None => ESCALATION_GIVEN_UP_TEXT.to_string(),
            };
            self.say_text(&text, false, 0);
            return;
        }
        self.on_message(ESCALATION_FAILED.to_string(), Origin::Event);
    }

    /// Routes a message: the open question's rules first, then the starters, then the
    /// fallback.
    pub(super) fn on_message(&mut self, text: String, origin: Origin) {
        self.steps = 0;
        self.origin = origin;
        self.start();
        self.ctx.payload = self.offered.contains(&text).then(|| text.clone());
        self.ctx.user_message = text;
        let mut interrupted = None;
        if let Some(q) = self.pending.take() {
            self.offered.clear();
            let asks_file = matches!(self.bot.interactions[q].kind, Kind::Upload(_));
            let rule = self.select_rule(q, None).filter(|_| !asks_file);
            self.note_rule(q, rule, "the answer to the question");
            if let Some(rule) = rule {
                self.fire(q, rule);
                return;
            }
            interrupted = Some(q);
        }
        if let Some(dialog) = self.starter() {
            self.note(|s| {
                let d = &s.bot.dialogs[dialog];
                let message = &s.ctx.user_message;
                let subject = Subject::new(message);
                match d.patterns.iter().find(|p| p.fits(&subject)) {
                    Some(p) => format!(
                        "starter of dialog \"{}\" matched (pattern {})",
                        d.name,
                        p.source()
                    ),
                    None => format!("starter of dialog \"{}\" matched (its intent)", d.name),
                }
            });
            self.start_dialog(dialog, interrupted);
        } else if let Some(fallback) = self.bot.fallback {
            self.note(|s| {
                format!(
                    "no starter matched: the fallback dialog \"{}\"",
                    s.bot.dialogs[fallback].name
                )
            });
            self.start_dialog(fallback, interrupted);
        } else {
            self.note(|_| {
                "no starter matched and there is no fallback dialog: the default text".into()
            });
            self.say_text(DEFAULT_FALLBACK_TEXT, false, 0);
            self.pending = interrupted;
        }
    }

    /// The dialog whose starter the current message fires (patterns, then intent
    /// stand-ins). When several patterns fit, the most specific wins (spec §2.3): for an
    /// event message, the patterns written for the event; then patterns without `*`; then
    /// the rest; among equals the first dialog. Visitor text never fits an event's
    /// pattern (§9).
    pub(super) fn starter(&mut self) -> Option<DialogId> {
        let message = self.ctx.user_message.as_str();
        let subject = Subject::new(message);
        let bot = &self.bot;
        let event = self.origin == Origin::Event;
        let rank = |p: &Pattern| -> Option<u8> {
            let for_event = p.is_event();
            if for_event && !event || !p.fits(&subject) {
                return None;
            }
            Some(u8::from(!(event && for_event)) * 2 + u8::from(p.has_wildcard()))
        };
        let best_possible = if event { 0 } else { 2 };
        let mut by_pattern: Option<(u8, DialogId)> = None;
        // Only the dialogs whose patterns could fit (the starter index), in file order.
        for d in bot.starters.candidates(&subject) {
            let dialog = &bot.dialogs[d];
            let Some(r) = dialog.patterns.iter().filter_map(rank).min() else {
                continue;
            };
            if by_pattern.is_some_and(|(b, _)| b <= r)
                || dialog.exclude.iter().any(|w| contains_word(message, w))
            {
                continue;
            }
            by_pattern = Some((r, d));
            if r == best_possible {
                break;
            }
        }
        let by_pattern = by_pattern.map(|(_, d)| d);
        let by_intent = || {
            let recognised: Vec<&str> = self
                .intents
                .iter()
                .filter(|(_, p)| p.fits(&subject))
                .map(|(n, _)| n.as_str())
                .collect();
            bot.dialogs.iter().enumerate().find_map(|(d, dialog)| {
                let intent = bot.intents.get(d)?.as_deref()?;
                (dialog.enabled && recognised.iter().any(|r| r.eq_ignore_ascii_case(intent)))
                    .then(|| (d, intent.to_string()))
            })
        };
        match by_pattern {
            Some(d) => {
                self.ctx.intent = None;
                Some(d)
            }
            None => {
                let (d, intent) = by_intent()?;
                self.ctx.intent = Some(intent);
                Some(d)
            }
        }
    }

    pub(super) fn start_dialog(&mut self, dialog: DialogId, interrupted: Option<InteractionId>) {
        match interrupted {
            Some(q) => match self.stack.last_mut() {
                Some(top) => top.resume = Some(q),
                None => self.stack.push(Frame {
                    dialog: self.bot.interactions[q].dialog,
                    resume: Some(q),
                }),
            },
            None => {
                for frame in std::mem::take(&mut self.stack) {
                    self.ctx.vars.end_dialog(frame.dialog);
                    self.ctx.slots.end_dialog(frame.dialog);
                }
            }
        }
        if self.stack.len() >= MAX_STACK {
            // Each interruption keeps a frame; a visitor who keeps interrupting must not
            // grow the stack for ever. The oldest interrupted question is forgotten.
            let oldest = self.stack.remove(0);
            self.ctx.vars.end_dialog(oldest.dialog);
            self.ctx.slots.end_dialog(oldest.dialog);
        }
        self.stack.push(Frame {
            dialog,
            resume: None,
        });
        match self.bot.dialogs[dialog].head {
            Some(head) => self.run(head),
            None => self.complete(),
        }
    }

    /// Counts one step against the turn's budget; `false` when the flow is broken.
    pub(super) fn budget(&mut self, at: InteractionId) -> bool {
        self.steps += 1;
        if self.steps <= self.bot.settings.max_steps {
            return true;
        }
        let bot = Arc::clone(&self.bot);
        self.debug(format!(
            "flow broken: more than {} steps in one turn (at {:?})",
            bot.settings.max_steps, bot.interactions[at].name
        ));
        self.say_text(bot.settings.error_text(), false, 0);
        self.stack.clear();
        false
    }

    /// Runs the flow from `at` until a question waits, a call goes out, or the flow
    /// stops or completes.
    pub(super) fn run(&mut self, mut at: InteractionId) {
        let bot = Arc::clone(&self.bot);
        loop {
            if !self.budget(at) {
                return;
            }
            let it = &bot.interactions[at];
            self.enter(it.dialog);
            if !it.enabled {
                match self.follow(at, &Action::Next) {
                    Step::Go(next) => {
                        at = next;
                        continue;
                    }
                    other => return self.proceed(other),
                }
            }
            self.ctx.delay = None;
            if let Some(code) = &it.code.pre {
                let outcome = self.hook(at, code, "pre-process code");
                if outcome.stop {
                    return;
                }
                if let Some(to) = outcome.trigger {
                    at = to;
                    continue;
                }
            }
            let (prepared, waits) = match &it.kind {
                Kind::Call(integration) if bot.integrations[*integration].file => {
                    self.debug(format!(
                        "{:?} calls a File integration without a file (only a File Upload interaction leads there); passed over",
                        it.name
                    ));
                    (vec![], false)
                }
                Kind::Call(integration) => return self.call(at, *integration),
                Kind::Transfer { .. } => return self.transfer(at),
                kind => self.prepare(at, kind),
            };
            let mut trigger = None;
            if let Some(code) = &it.code.post {
                let outcome = self.hook(at, code, "post-process code");
                if outcome.stop {
                    return;
                }
                trigger = outcome.trigger;
            }
            let delay = self.ctx.delay.unwrap_or(it.delay_ms);
            self.send(prepared, delay);
            if let Some(to) = trigger {
                at = to;
                continue;
            }
            if waits {
                self.pending = Some(at);
                return;
            }
            match self.follow(at, it.onward()) {
                Step::Go(next) => at = next,
                other => return self.proceed(other),
            }
        }
    }

    /// Renders an interaction's content; `true` when it waits for the visitor.
    pub(super) fn prepare(&mut self, at: InteractionId, kind: &Kind) -> (Vec<Output>, bool) {
        match kind {
            Kind::Starter | Kind::Call(_) | Kind::Transfer { .. } => (vec![], false),
            Kind::Text(template) => {
                let (text, markup) = self.shown(template);
                (self.text_outputs(&text, markup), false)
            }
            Kind::Image { url, caption } => {
                let url = self.render(url);
                let caption = self.render(caption);
                let image = (!url.is_empty()).then_some(Output::Image {
                    url,
                    caption,
                    delay_ms: 0,
                });
                (image.into_iter().collect(), false)
            }
            Kind::Question {
                text,
                choices,
                chips,
                ..
            } => {
                let (text, markup) = self.shown(text);
                let choices = self.choices(choices, None);
                self.offered = choices.iter().map(|c| c.payload.clone()).collect();
                let question = Output::Text {
                    text,
                    markup,
                    choices,
                    chips: *chips,
                    delay_ms: 0,
                };
                (vec![question], true)
            }
            Kind::Cards { cards, wait } => {
                let mut out = Vec::new();
                let mut offered = Vec::new();
                'cards: for card in cards {
                    for k in 0..self.repeats(card) {
                        if out.len() == MAX_CARDS {
                            break 'cards;
                        }
                        let at_k = |p: &Placeholder| self.lookup_at(p, k);
                        let buttons = self.choices(&card.buttons, Some(k));
                        offered.extend(buttons.iter().map(|b| b.payload.clone()));
                        out.push(CardOut {
                            title: card.title.render(&at_k),
                            subtitle: card.subtitle.render(&at_k),
                            image: card.image.render(&at_k),
                            buttons,
                        });
                    }
                }
                self.offered = offered;
                (vec![Output::Cards { cards: out }], *wait)
            }
            Kind::Rich { json, wait } => {
                let text = json.render_json(&|p| self.lookup(p));
                match serde_json::from_str::<Value>(&text) {
                    Ok(content) => (vec![Output::Rich { content }], *wait),
                    Err(e) => {
                        let name = &self.bot.interactions[at].name;
                        self.debug(format!(
                            "rich content of {name:?} is not valid JSON after rendering ({e}); nothing is sent"
                        ));
                        (vec![], *wait)
                    }
                }
            }
            Kind::Upload(spec) => {
                let (text, markup) = self.shown(&spec.text);
                let mut out = self.text_outputs(&text, markup);
                out.push(Output::AskFile {
                    accept: upload::extensions(&spec.accept)
                        .into_iter()
                        .map(str::to_string)
                        .collect(),
                    max_bytes: upload::MAX_BYTES,
                });
                (out, true)
            }
            Kind::Unsupported(what) => {
                let name = self.bot.interactions[at].name.clone();
                self.debug(format!("skipped unsupported interaction {name:?} ({what})"));
                (vec![], false)
            }
        }
    }

    pub(super) fn choices(&self, choices: &[Choice], element: Option<usize>) -> Vec<ChoiceOut> {
        let fill = |t: &Template| match element {
            Some(k) => t.render(&|p| self.lookup_at(p, k)),
            None => self.render(t),
        };
        choices
            .iter()
            .map(|c| {
                let title = fill(&c.title);
                let payload = c.payload.as_ref().map_or_else(|| title.clone(), fill);
                let url = c.url.as_ref().map(fill);
                ChoiceOut {
                    title,
                    payload,
                    url,
                }
            })
            .collect()
    }

    /// How many times a card repeats: once per element of the iterated fields it shows
    /// (at most 10), once when it shows none.
    pub(super) fn repeats(&self, card: &crate::model::Card) -> usize {
        let templates = [&card.title, &card.subtitle, &card.image];
        let buttons = card
            .buttons
            .iter()
            .flat_map(|b| [Some(&b.title), b.payload.as_ref(), b.url.as_ref()])
            .flatten();
        templates
            .into_iter()
            .chain(buttons)
            .flat_map(Template::placeholders)
            .filter_map(|p| match p {
                Placeholder::Field { integration, field } => self
                    .bot
                    .integrations
                    .iter()
                    .find(|i| &i.name == integration)
                    .and_then(|i| i.fields.iter().find(|(k, _)| k == field))
                    .filter(|(_, path)| path.iterates())
                    .map(|_| self.ctx.field_len(integration, field)),
                _ => None,
            })
            .max()
            .unwrap_or(1)
            .clamp(1, 10)
    }

    /// Sends prepared outputs: the first one waits `delay`.
    pub(super) fn send(&mut self, prepared: Vec<Output>, delay: u32) {
        for (i, mut output) in prepared.into_iter().enumerate() {
            if i == 0 {
                match &mut output {
                    Output::Text { delay_ms, .. } | Output::Image { delay_ms, .. } => {
                        *delay_ms = delay
                    }
                    _ => {}
                }
            }
            if matches!(output, Output::End { .. }) {
                self.end_conversation(matches!(output, Output::End { survey: true }));
                continue;
            }
            self.out.push(output);
        }
    }

    /// An Agent Transfer interaction: emits the transfer and follows the success rules.
    pub(super) fn transfer(&mut self, at: InteractionId) {
        let bot = Arc::clone(&self.bot);
        let it = &bot.interactions[at];
        let Kind::Transfer {
            skill,
            message,
            agent,
            context,
        } = &it.kind
        else {
            return;
        };
        let skill = self.render(skill).trim().to_string();
        if skill.is_empty() || !skill.chars().all(|c| c.is_ascii_digit()) {
            self.debug(format!(
                "transfer in {:?}: skill {skill:?} is not a number; the fallback text is sent instead",
                it.name
            ));
            return self.say_text(bot.settings.error_text(), false, 0);
        }
        let message = self.render(message);
        let message = match message.trim() {
            "" | crate::text::BLANK_MESSAGE => None,
            m => Some(m.to_string()),
        };
        let agent = agent
            .as_ref()
            .map(|a| self.render(a).trim().to_string())
            .filter(|a| !a.is_empty());
        self.out.push(Output::Transfer {
            skill,
            agent,
            message,
            context: *context,
            delay_ms: self.ctx.delay.unwrap_or(it.delay_ms),
        });
        self.ctx.api = Some((true, 200));
        let step = match self.select_rule(at, Some(true)) {
            Some(rule) => {
                let rule = &it.rules[rule];
                self.assign(at, rule);
                self.follow(at, &rule.action)
            }
            None => Step::Stop,
        };
        self.proceed(step);
    }

    pub(super) fn proceed(&mut self, step: Step) {
        match step {
            Step::Go(at) => self.run(at),
            Step::Complete => self.complete(),
            Step::Stop => {}
        }
    }

    pub(super) fn follow(&mut self, from: InteractionId, action: &Action) -> Step {
        match action {
            Action::Next => self.bot.interactions[from]
                .next
                .map_or(Step::Complete, Step::Go),
            Action::Stop => Step::Stop,
            Action::Goto(to) => Step::Go(*to),
            Action::Dialog(d) => self.bot.dialogs[*d].head.map_or(Step::Complete, Step::Go),
            Action::CloseDialog | Action::CloseConversation => {
                self.end_conversation(matches!(action, Action::CloseDialog));
                Step::Stop
            }
            Action::Dangling => Step::Complete,
        }
    }

    /// The top frame's dialog becomes `dialog` (a jump may cross dialogs).
    pub(super) fn enter(&mut self, dialog: DialogId) {
        match self.stack.last_mut() {
            Some(top) if top.dialog == dialog => {}
            Some(top) => {
                let left = std::mem::replace(&mut top.dialog, dialog);
                self.ctx.vars.end_dialog(left);
                self.ctx.slots.end_dialog(left);
            }
            None => self.stack.push(Frame {
                dialog,
                resume: None,
            }),
        }
    }

    /// The current dialog's flow is complete: pop it and re-ask an interrupted question.
    pub(super) fn complete(&mut self) {
        if let Some(done) = self.stack.pop() {
            self.ctx.vars.end_dialog(done.dialog);
            self.ctx.slots.end_dialog(done.dialog);
        }
        let resume = self.stack.last_mut().and_then(|top| top.resume.take());
        let skip = self
            .ctx
            .vars
            .get("skipPreviousDialog")
            .map(to_text)
            .is_some_and(|v| v == "true");
        match resume {
            Some(q) if !skip => self.run(q),
            _ => {}
        }
    }

    pub(super) fn end_conversation(&mut self, survey: bool) {
        self.out.push(Output::End { survey });
        self.reset();
    }

    /// A statement's text as messages, honouring BLANK_MESSAGE, the close keywords and
    /// splitting.
    pub(super) fn text_outputs(&self, text: &str, markup: bool) -> Vec<Output> {
        match text::outgoing_split(text, !self.ctx.no_split) {
            Outgoing::Nothing => vec![],
            Outgoing::Close { survey } => vec![Output::End { survey }],
            Outgoing::Parts(parts) => parts
                .into_iter()
                .map(|part| Output::Text {
                    text: part.text,
                    markup,
                    choices: vec![],
                    chips: 0,
                    delay_ms: part.delay_ms,
                })
                .collect(),
        }
    }

    /// Says `text` (`markup`: CB's HTML subset, see [`Output::Text`]).
    pub(super) fn say_text(&mut self, text: &str, markup: bool, delay_ms: u32) {
        let outputs = self.text_outputs(text, markup);
        self.send(outputs, delay_ms);
    }
}
