//! Where a window's session runs: in the page's worker ([`pool`]) when the bot has code,
//! so that no block of bot JavaScript can freeze the page; on the page's thread
//! otherwise.
//!
//! The runner numbers the steps it is given and keeps them (the conversation's log). In
//! the worker, a watchdog times every block the worker announces; one still running
//! after [`chatlet_engine::BLOCK_BUDGET_MS`] (plus a little for the messages) gets the
//! worker terminated and replaced by a new one that replays every session's log, told to
//! stop that block instead of running it. The replayed turns already shown are not shown
//! again; the turn that hung goes on as after any script error (the bot's error rules,
//! its next step).
//!
//! Bot code runs on the page's thread only when the page asked for it
//! (`data-code-on-page`, or precompiled scripts it loaded: their functions live in the
//! page). When no worker can start (a CSP that refuses `blob:` workers, no memory for
//! another wasm instance, an error the browser gives), a page that did not ask gets each
//! block as a script error, and the console says why and what the page can do. Either
//! way the log is replayed, so nothing is lost.

mod pool;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use chatlet_engine::{Bot, BotContext, HostInfo, Script, ScriptHost, SessionOptions};
use yew::platform::spawn_local;

use crate::protocol::{BlockId, Step, Stepper, ToWorker, Turn};
use crate::scripts::BrowserScripts;

/// What a session needs, wherever it runs.
pub struct Setup {
    /// The loaded bot.
    pub bot: Arc<Bot>,
    /// The bot compiled (`chatlet_engine::compiled`): the worker reads it again.
    pub compiled: Vec<u8>,
    /// The conversation id.
    pub conversation_id: String,
    /// What the page knows about the visitor.
    pub host: HostInfo,
    /// The URL of the widget's JavaScript glue (the worker imports it); none: no worker.
    pub glue: Option<String>,
    /// The forever-scoped variables kept from earlier conversations (a JSON object).
    pub forever: serde_json::Value,
    /// The page allows bot code on its own thread when no worker can run it
    /// (`data-code-on-page`).
    pub code_on_page: bool,
}

impl Setup {
    fn options(&self) -> SessionOptions {
        SessionOptions {
            conversation_id: self.conversation_id.clone(),
            user_id: format!("visitor-{}", self.conversation_id),
            host: self.host.clone(),
            forever: crate::protocol::forever_list(&self.forever),
            ..Default::default()
        }
    }

    /// The worker's first message for this session.
    fn start(&self, stopped: &[BlockId]) -> ToWorker {
        ToWorker::Start {
            bot: self.compiled.clone(),
            conversation_id: self.conversation_id.clone(),
            host: self.host.clone(),
            forever: self.forever.clone(),
            stopped: stopped.to_vec(),
        }
    }
}

/// A window's session and the steps it was given.
pub struct Runner {
    setup: Setup,
    engine: RefCell<Engine>,
    log: RefCell<Vec<Step>>,
    /// The last step whose turn was handed on.
    delivered: Cell<u64>,
    /// The last step of a kept log: its turn's status (typing, a file asked for) is
    /// handed on, without its outputs.
    resumed: u64,
    on_turn: Box<dyn Fn(Turn)>,
}

enum Engine {
    Page(Box<Stepper>),
    Worker(pool::Seat),
}

impl Runner {
    /// Starts the session: in the page's worker if the bot has code that is not
    /// precompiled; on the page's thread otherwise. The steps of `log` (a conversation
    /// kept from an earlier page load) are given first, their turns not handed on: they
    /// were shown then.
    pub fn start(setup: Setup, log: Vec<Step>, on_turn: Box<dyn Fn(Turn)>) -> Rc<Runner> {
        let scripts = BrowserScripts::for_bot(&setup.bot);
        if scripts.precompiled() {
            web_sys::console::info_1(&"chatlet: running the bot's precompiled scripts".into());
        }
        let wants_worker =
            chatlet_engine::precompiled::has_code(&setup.bot) && !scripts.precompiled();
        let delivered = log.len() as u64;
        let page = Stepper::new(
            setup.bot.clone(),
            setup.options(),
            scripts,
            Box::new(|_| {}),
        );
        let runner = Rc::new(Runner {
            setup,
            engine: RefCell::new(Engine::Page(Box::new(page))),
            log: RefCell::new(log),
            delivered: Cell::new(delivered),
            resumed: delivered,
            on_turn,
        });
        if !wants_worker {
            runner.replay_on_page();
            return runner;
        }
        let joined = match runner.setup.glue.clone() {
            Some(glue) => pool::Pool::for_glue(&glue).join(&runner),
            None => Err(pool::Why::NoGlue),
        };
        match joined {
            Ok(seat) => *runner.engine.borrow_mut() = Engine::Worker(seat),
            Err(why) => runner.to_page(&why, &[]),
        }
        runner
    }

    /// The steps given so far, in order.
    pub fn log(&self) -> std::cell::Ref<'_, Vec<Step>> {
        self.log.borrow()
    }

    /// Does the page's worker run the session?
    pub fn in_worker(&self) -> bool {
        matches!(*self.engine.borrow(), Engine::Worker(_))
    }

    /// Gives the session its next step; its turn comes to `on_turn` (at once on the
    /// page's thread). A step given while a turn runs (bot code that submits the window)
    /// waits for that turn to end.
    pub fn post(self: &Rc<Self>, step: Step) {
        let Ok(mut engine) = self.engine.try_borrow_mut() else {
            let runner = self.clone();
            spawn_local(async move { runner.post(step) });
            return;
        };
        let seq = {
            let mut log = self.log.borrow_mut();
            log.push(step.clone());
            log.len() as u64
        };
        match &mut *engine {
            Engine::Worker(seat) => seat.send(ToWorker::Step { seq, step }),
            Engine::Page(stepper) => {
                let turn = stepper.apply(seq, step);
                drop(engine);
                self.hand_on(turn);
            }
        }
    }

    /// The step numbered `seq` (the previewer shows what made each turn).
    #[cfg(feature = "preview")]
    pub fn step(&self, seq: u64) -> Option<crate::protocol::Step> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.log.borrow().get(index).cloned()
    }

    fn hand_on(&self, turn: Turn) {
        if turn.seq > self.delivered.get() {
            self.delivered.set(turn.seq);
            (self.on_turn)(turn);
        } else if turn.seq == self.resumed {
            (self.on_turn)(Turn {
                outputs: vec![],
                ..turn
            });
        }
    }

    /// The blocks a replacement worker is to stop instead of running, `id` added to them
    /// when the watchdog found it over its time.
    fn stopped(&self, id: Option<BlockId>) -> Vec<BlockId> {
        match &mut *self.engine.borrow_mut() {
            Engine::Worker(seat) => seat.stopped(id),
            Engine::Page(_) => vec![],
        }
    }

    /// No worker runs the session any more: the page's thread takes it over, replaying
    /// the log, with the bot's code if the page allows it there and else none.
    fn to_page(self: &Rc<Self>, why: &pool::Why, stopped: &[BlockId]) {
        let scripts = BrowserScripts::for_bot(&self.setup.bot);
        let options = self.setup.options();
        let bot = self.setup.bot.clone();
        let mut page = if self.setup.code_on_page {
            why.tell_once(true);
            Stepper::new(bot, options, scripts, Box::new(|_| {}))
        } else {
            why.tell_once(false);
            Stepper::new(bot, options, Refused(why.short()), Box::new(|_| {}))
        };
        page.watch().stop(stopped.iter().copied());
        let log = self.log.borrow().clone();
        let turns: Vec<Turn> = log
            .into_iter()
            .enumerate()
            .map(|(i, step)| page.apply(i as u64 + 1, step))
            .collect();
        *self.engine.borrow_mut() = Engine::Page(Box::new(page));
        for turn in turns {
            self.hand_on(turn);
        }
    }

    /// Applies the kept log on the page's thread (its turns not handed on but the last's
    /// status).
    fn replay_on_page(&self) {
        let mut turns = vec![];
        if let Engine::Page(page) = &mut *self.engine.borrow_mut() {
            for (i, step) in self.log.borrow().iter().enumerate() {
                turns.push(page.apply(i as u64 + 1, step.clone()));
            }
        }
        turns.into_iter().for_each(|t| self.hand_on(t));
    }
}

/// The script host of a session whose code may not run: no worker could start, and the
/// page did not ask for its code on its own thread. Every block is a script error that
/// says so; the bot's error rules and next steps go on.
struct Refused(String);

impl ScriptHost for Refused {
    fn start(&mut self, globals: Option<&Script>, _: &mut BotContext) -> Result<(), String> {
        match globals {
            Some(_) => Err(self.0.clone()),
            None => Ok(()),
        }
    }
    fn run(&mut self, _: &Script, _: &mut BotContext) -> Result<(), String> {
        Err(self.0.clone())
    }
}
