//! The session's turns, delivered: each output in order, after its delay (after those
//! of earlier turns still held back; the bot shows as typing meanwhile), requests and
//! uploads performed in their place, a transfer handed to the page with its timeout.
//! The timers that let paced messages out and that give up on a transfer belong to the
//! conversation's state: they stop when the window goes.

use chatlet_engine::Output;
use gloo_timers::callback::Timeout;
use serde_json::Value;

use super::{calls, files, keep, Mode, Shared};
use crate::chat::{Action, FileState};
use crate::host::HostCall;
use crate::protocol::Turn;

/// A turn of the session: its outputs are performed; while an integration call is in
/// flight the window shows the bot typing.
pub fn on_turn(conv: &Shared, turn: Turn) {
    #[cfg(feature = "preview")]
    {
        let step = conv.runner().and_then(|r| r.step(turn.seq));
        conv.emit(&crate::preview::turn_detail(&turn, step));
    }
    if let Some(forever) = &turn.forever {
        keep::keep_forever(conv, forever);
    }
    deliver(conv, turn.outputs);
    conv.with(|s| s.expect = turn.expect.clone());
    conv.act(Action::Typing(turn.waiting));
    conv.act(Action::Expect(turn.expect));
    keep::save_soon(conv);
}

/// Shows the engine's outputs in order, each after its delay, and performs its requests
/// and uploads.
fn deliver(conv: &Shared, outputs: Vec<Output>) {
    let now = js_sys::Date::now();
    let mut wait = 0u64;
    for output in outputs {
        if let Output::Rich { content } = &output {
            report_rich(content);
        }
        let output = match output {
            Output::Debug { .. } | Output::ScriptError { .. } => {
                let line = format!("chatlet: {}", output.note().unwrap_or_default()).into();
                match output {
                    Output::ScriptError { .. } => web_sys::console::warn_1(&line),
                    _ => web_sys::console::debug_1(&line),
                }
                continue;
            }
            Output::Request(request) => {
                calls::call(conv, request);
                continue;
            }
            // Started in its place among the messages: the file's chip moves on after
            // the bot's messages before it ("Uploading your statement…").
            Output::Upload(upload) if wait == 0 && conv.with(|s| s.paced.is_empty()) => {
                files::upload(conv, upload);
                continue;
            }
            Output::Upload(_) => {
                conv.with(|s| {
                    // In flight from now on: a page left meanwhile reports it failed.
                    s.keep.flight.push(output.clone());
                    s.paced.push_back((now + wait as f64, output));
                });
                pace(conv);
                continue;
            }
            Output::FileRefused { file } => {
                files::settle(conv, file, FileState::Refused);
                continue;
            }
            Output::Transfer { delay_ms, .. } => {
                // From now on the visitor's messages wait for the page's answer.
                conv.with(|s| s.mode = Mode::AwaitingTransfer);
                await_transfer(conv, wait + u64::from(delay_ms));
                output
            }
            other => other,
        };
        wait += match &output {
            Output::Text { delay_ms, .. }
            | Output::Image { delay_ms, .. }
            | Output::Transfer { delay_ms, .. } => u64::from(*delay_ms),
            _ => 0,
        };
        if wait == 0 && conv.with(|s| s.paced.is_empty()) {
            conv.act(Action::Bot(output));
        } else {
            conv.act(Action::Pace(true));
            conv.with(|s| s.paced.push_back((now + wait as f64, output)));
            pace(conv);
        }
    }
}

/// Lets the held messages out, in order, each when it is due (and not before the one
/// before it): one timer at a time, owned by the conversation.
fn pace(conv: &Shared) {
    let due = conv.with(|s| match s.pacer {
        Some(_) => None,
        None => s.paced.front().map(|(due, _)| *due),
    });
    let Some(due) = due else { return };
    let ms = (due - js_sys::Date::now()).max(0.0) as u32;
    let weak = super::weak(conv);
    let timer = Timeout::new(ms, move || {
        let Some(conv) = weak.upgrade() else { return };
        let next = conv.with(|s| {
            super::drop_later(s.pacer.take());
            s.paced.pop_front()
        });
        match next {
            Some((_, Output::Upload(upload))) => files::upload(&conv, upload),
            Some((_, output)) => {
                conv.act(Action::Bot(output));
                conv.act(Action::Pace(false));
            }
            None => {}
        }
        pace(&conv);
    });
    conv.with(|s| s.pacer = Some(timer));
}

/// Tells the console, once per message, what of a rich content is not drawn.
fn report_rich(content: &Value) {
    let mut problems = Vec::new();
    crate::rich::audit(content, &mut problems);
    for p in problems {
        web_sys::console::warn_1(&format!("chatlet: rich content: {p}").into());
    }
}

/// A transfer waits for the page's answer; one the page leaves unanswered for the
/// window's transfer timeout (after `delay_ms`) counts as failed, so a page without an
/// agent desk never leaves the visitor waiting for good.
pub fn await_transfer(conv: &Shared, delay_ms: u64) {
    let transfer = conv.with(|s| {
        s.transfers += 1;
        s.transfers
    });
    let Some(seconds) = conv.options.transfer_timeout.filter(|s| *s > 0) else {
        return;
    };
    let weak = super::weak(conv);
    let ms = (delay_ms + u64::from(seconds) * 1000).min(u64::from(u32::MAX)) as u32;
    let timer = Timeout::new(ms, move || {
        let Some(conv) = weak.upgrade() else { return };
        let expired = conv.with(|s| {
            let expired = s.transfers == transfer && s.mode == Mode::AwaitingTransfer;
            super::drop_later(s.transfer_timer.take());
            if expired {
                s.mode = Mode::Bot;
            }
            expired
        });
        if expired {
            web_sys::console::warn_1(
                &format!("chatlet: the page did not answer the transfer within {seconds} s (chatlet.reportTransfer): it failed").into(),
            );
            super::perform_call(&conv, HostCall::TransferOutcome(false, None));
        }
    });
    conv.with(|s| s.transfer_timer = Some(timer));
}
