//! A question's rules: which one an answer fires (patterns, regular expressions, exact
//! values, options, context conditions) and what it assigns.

use super::*;

impl Session {
    /// The first rule of `at` that matches the current message, or, with `result`, an
    /// integration outcome. NO_MATCH rules come last (the loader sorted them).
    pub(super) fn select_rule(&self, at: InteractionId, result: Option<bool>) -> Option<usize> {
        let rules = &self.bot.interactions[at].rules;
        let message = self.ctx.user_message.as_str();
        let hit = |rule: &Rule| match (&rule.condition, result) {
            (Condition::Always, _) => true,
            (Condition::ApiResult(want), Some(got)) => *want == got,
            (_, Some(_)) | (Condition::ApiResult(_), None) => false,
            (Condition::Pattern { patterns, exclude }, None) => {
                let event = self.origin == Origin::Event;
                patterns
                    .iter()
                    .any(|p| (event || !p.is_event()) && p.matches(message))
                    && !exclude.iter().any(|w| contains_word(message, w))
            }
            (Condition::Regex(re), None) => re.is_match(message),
            (Condition::Exact(value), None) => {
                crate::case::lower(message.trim()) == crate::case::lower(value.trim())
            }
            (Condition::Option(value), None) => self.picks_option(at, value),
            (Condition::NoMatch(_), None) => false,
        };
        let ordinary = rules.iter().position(|r| hit(r) && self.context_passes(r));
        ordinary.or_else(|| {
            result.is_none().then_some(())?;
            rules
                .iter()
                .position(|r| matches!(r.condition, Condition::NoMatch(_)))
        })
    }

    /// Notes which rule of `at` fired, or that none did (`for_what`: the answer, the
    /// call's outcome).
    pub(super) fn note_rule(&mut self, at: InteractionId, rule: Option<usize>, for_what: &str) {
        self.note(|s| {
            let it = &s.bot.interactions[at];
            match rule {
                Some(r) => format!(
                    "{for_what} of \"{}\": rule {} ({}) fired",
                    it.name,
                    r + 1,
                    describe(&it.rules[r].condition)
                ),
                None => format!("{for_what} of \"{}\": no rule fired", it.name),
            }
        });
    }

    /// Does the current message pick option `value` of question `q`?
    pub(super) fn picks_option(&self, q: InteractionId, value: &str) -> bool {
        let Kind::Question { choices, style, .. } = &self.bot.interactions[q].kind else {
            return options::picks(&self.ctx.user_message, value, usize::MAX, OptionStyle::None);
        };
        let index = choices.iter().position(|c| {
            self.render(&c.title)
                .trim()
                .eq_ignore_ascii_case(value.trim())
        });
        match index {
            Some(i) => options::picks(&self.ctx.user_message, value, i, *style),
            None => options::picks(&self.ctx.user_message, value, usize::MAX, OptionStyle::None),
        }
    }

    pub(super) fn context_passes(&self, rule: &Rule) -> bool {
        if rule.context.is_empty() {
            return true;
        }
        let check = |c: &crate::model::ContextCondition| {
            let subject = crate::case::lower(&self.render(&c.subject));
            let value = crate::case::lower(&self.render(&c.value));
            match c.op {
                ContextOp::Contains => subject.contains(&value),
                ContextOp::NotContains => !subject.contains(&value),
                ContextOp::Equals => subject.trim() == value.trim(),
                ContextOp::NotEquals => subject.trim() != value.trim(),
            }
        };
        if rule.context_all {
            rule.context.iter().all(check)
        } else {
            rule.context.iter().any(check)
        }
    }

    /// Applies rule `rule` of question `at`: its no-match message, its variables, the
    /// process-user-response code, then the code's trigger or the rule's action.
    pub(super) fn fire(&mut self, at: InteractionId, rule: usize) {
        let bot = Arc::clone(&self.bot);
        let it = &bot.interactions[at];
        let rule = &it.rules[rule];
        if let Condition::NoMatch(Some(message)) = &rule.condition {
            let (text, markup) = self.shown(message);
            self.say_text(&text, markup, 0);
        }
        self.assign(at, rule);
        if let Some(code) = &it.code.reply {
            let outcome = self.hook(at, code, "process-user-response code");
            if outcome.stop {
                return;
            }
            if let Some(to) = outcome.trigger {
                return self.run(to);
            }
        }
        let step = self.follow(at, &rule.action);
        self.proceed(step);
    }

    pub(super) fn assign(&mut self, at: InteractionId, rule: &Rule) {
        let dialog = Some(self.bot.interactions[at].dialog);
        for assign in &rule.set {
            let value = Value::String(self.render(&assign.value));
            let store = if assign.slot {
                &mut self.ctx.slots
            } else {
                &mut self.ctx.vars
            };
            store.set(&assign.name, value, assign.scope, dialog);
        }
    }
}

/// A rule's condition in words, for the trace.
#[cfg_attr(not(feature = "checks"), allow(dead_code))]
fn describe(condition: &Condition) -> String {
    match condition {
        Condition::Always => "unconditional".into(),
        Condition::Pattern { patterns, .. } => {
            let all: Vec<&str> = patterns.iter().map(|p| p.source()).collect();
            format!("pattern {}", all.join(" | "))
        }
        Condition::Regex(re) => format!("regular expression {}", re.source()),
        Condition::Exact(value) => format!("exact value {value:?}"),
        Condition::Option(value) => format!("option {value:?}"),
        Condition::ApiResult(true) => "success".into(),
        Condition::ApiResult(false) => "failure".into(),
        Condition::NoMatch(_) => "no match".into(),
    }
}
