//! The log follows the conversation as a messenger does: after any turn (a call that
//! waited, paced messages, a transfer, an agent's message, an upload, a restored
//! conversation, an image that loaded late) the newest message is in view, unless the
//! visitor scrolled up to read. Then the log stays where the visitor put it and a pill,
//! "3 new messages", takes them down; a status line says once that new messages are
//! below. Opening the window shows the newest message.
//!
//! How: a `ResizeObserver` on the log and what it holds keeps the log at its bottom
//! whenever something grows while it follows; the log's `scroll` events tell whether
//! the visitor left the bottom (a scroll the widget made itself is told apart by where
//! it went).

use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ResizeObserver};
use yew::prelude::*;

use crate::chat::{Author, Entry};
use crate::strings::Strings;

/// How far from the bottom (px) still counts as at the bottom.
const NEAR: i32 = 24;

/// What the log knows of its scrolling.
struct Follow {
    /// The log shows the newest message and keeps it in view.
    following: bool,
    /// Where the widget last scrolled the log to (its own scroll events carry it).
    set_to: i32,
    /// The log's height when last seen (0: hidden, as in a closed window).
    height: i32,
    /// The id of the next message not yet counted.
    counted: usize,
    /// Messages from the bot or a person that arrived while the visitor read above.
    unseen: usize,
}

impl Follow {
    /// Scrolls `log` to its bottom.
    fn bottom(&mut self, log: &Element) {
        let top = log.scroll_height() - log.client_height();
        self.set_to = top.max(0);
        log.set_scroll_top(top);
    }
}

/// The pill's state and what it does.
pub struct Unseen {
    /// Messages the visitor has not scrolled down to.
    pub count: usize,
    /// Takes the log down to the newest message.
    pub jump: Callback<()>,
}

/// Keeps `region` (the log) following the conversation; `entries` are its messages.
#[hook]
pub fn use_follow(region: &NodeRef, entries: &[Rc<Entry>]) -> Unseen {
    let follow = use_mut_ref(|| Follow {
        following: true,
        set_to: 0,
        height: 0,
        counted: 0,
        unseen: 0,
    });
    let unseen = use_state_eq(|| 0usize);
    {
        // Listen once the log exists; stop when it goes.
        let (follow, unseen) = (follow.clone(), unseen.setter());
        let region = region.clone();
        use_effect_with(region.clone(), move |_| {
            let parts = region.cast::<Element>().map(|log| {
                let on_scroll = {
                    let (follow, target, unseen) = (follow.clone(), log.clone(), unseen.clone());
                    EventListener::new(&log, "scroll", move |_| {
                        let log = &target;
                        let mut f = follow.borrow_mut();
                        let top = log.scroll_top();
                        if (top - f.set_to).abs() <= 1 {
                            return; // the widget's own scroll
                        }
                        let gap = log.scroll_height() - top - log.client_height();
                        f.following = gap <= NEAR;
                        if f.following && f.unseen > 0 {
                            f.unseen = 0;
                            unseen.set(0);
                        }
                    })
                };
                let on_resize = {
                    let (follow, log, unseen) = (follow.clone(), log.clone(), unseen.clone());
                    Closure::<dyn Fn()>::new(move || {
                        let mut f = follow.borrow_mut();
                        let height = log.client_height();
                        if f.height == 0 && height > 0 {
                            // Shown again (the window opened): the newest message.
                            f.following = true;
                            f.unseen = 0;
                            unseen.set(0);
                        }
                        f.height = height;
                        if f.following && height > 0 {
                            f.bottom(&log);
                        }
                    })
                };
                let observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
                if let Some(o) = &observer {
                    o.observe(&log);
                    let kids = log.children();
                    for i in 0..kids.length() {
                        if let Some(kid) = kids.item(i) {
                            o.observe(&kid);
                        }
                    }
                }
                (on_scroll, on_resize, observer)
            });
            move || {
                if let Some((_, _, Some(observer))) = &parts {
                    observer.disconnect();
                }
                drop(parts);
            }
        });
    }
    {
        // After each render: count what is new; the visitor's own message brings the log
        // down (they acted), another's is counted while they read above.
        let (follow, unseen, region) = (follow.clone(), unseen.setter(), region.clone());
        let next = entries.last().map_or(0, |e| e.id + 1);
        let fresh: Vec<Author> = entries
            .iter()
            .rev()
            .take_while(|e| e.id >= follow.borrow().counted)
            .map(|e| e.author)
            .collect();
        use_effect(move || {
            let mut f = follow.borrow_mut();
            if next <= f.counted {
                return;
            }
            f.counted = next;
            for author in fresh {
                match author {
                    Author::Visitor => {
                        f.following = true;
                        f.unseen = 0;
                    }
                    Author::Bot | Author::Agent if !f.following => f.unseen += 1,
                    _ => {}
                }
            }
            unseen.set(f.unseen);
            if f.following {
                if let Some(log) = region.cast::<Element>() {
                    f.bottom(&log);
                }
            }
        });
    }
    let jump = {
        let (follow, unseen, region) = (follow.clone(), unseen.setter(), region.clone());
        Callback::from(move |()| {
            let mut f = follow.borrow_mut();
            f.following = true;
            f.unseen = 0;
            unseen.set(0);
            if let Some(log) = region.cast::<HtmlElement>() {
                f.bottom(&log);
                let _ = log.focus();
            }
        })
    };
    Unseen {
        count: *unseen,
        jump,
    }
}

/// The pill that takes the log down, and the status line that says once that new
/// messages are below.
pub fn pill(unseen: &Unseen, s: &Strings) -> Html {
    let n = unseen.count;
    let label = match n {
        1 => s.get("newMessage").to_string(),
        n => s.fill("newMessages", "n", &n.to_string()),
    };
    let onclick = unseen.jump.reform(|_: MouseEvent| ());
    html! {
        <>
            <button type="button" class="chatlet-pill" hidden={n == 0} {onclick}>{ label }</button>
            <p class="chatlet-sr" role="status">{ if n > 0 { s.get("newBelow") } else { "" } }</p>
        </>
    }
}
