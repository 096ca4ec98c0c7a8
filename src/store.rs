//! The browser storage a window keeps its conversation in (`data-persist`): the tab's
//! `sessionStorage` (the default: a reload or another page of the site in the same tab),
//! `localStorage` (`"local"`: also a new tab, after the browser is closed), or none.
//! Storage can be missing, refused (a privacy mode) or full: every failure is a console
//! warning, never an error for the visitor.

use web_sys::Storage;

/// Where a window keeps its conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persist {
    /// `sessionStorage`.
    Session,
    /// `localStorage`.
    Local,
    /// Nowhere.
    None,
}

impl Persist {
    /// Reads `data-persist` (anything unknown: the default).
    pub fn parse(value: Option<&str>) -> Persist {
        match value {
            Some("local") => Persist::Local,
            Some("none") => Persist::None,
            _ => Persist::Session,
        }
    }

    /// The storage area, if this browser lets the page use it.
    pub fn area(self) -> Option<Storage> {
        let window = web_sys::window()?;
        let area = match self {
            Persist::Session => window.session_storage(),
            Persist::Local => window.local_storage(),
            Persist::None => return None,
        };
        match area {
            Ok(area) => area,
            Err(_) => {
                warn("this page may not use the browser's storage: the conversation is not kept");
                None
            }
        }
    }
}

thread_local! {
    /// The storage keys the windows on this page use.
    static CLAIMED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The storage key for a new window of the bot at `bot_url`: `chatlet:<bot URL>`, and for
/// a second window of the same bot on the page `…#2` (and so on), so that each keeps its
/// own conversation and finds it again after a reload.
pub fn claim(bot_url: &str) -> String {
    CLAIMED.with(|c| {
        let mut claimed = c.borrow_mut();
        let key = (1..)
            .map(|n| match n {
                1 => format!("chatlet:{bot_url}"),
                n => format!("chatlet:{bot_url}#{n}"),
            })
            .find(|k| !claimed.contains(k))
            .unwrap_or_default();
        claimed.push(key.clone());
        key
    })
}

/// Gives `key` back (its window is gone).
pub fn release(key: &str) {
    CLAIMED.with(|c| c.borrow_mut().retain(|k| k != key));
}

/// The stored text under `key`.
pub fn read(area: &Storage, key: &str) -> Option<String> {
    area.get_item(key).ok().flatten()
}

/// Stores `text` under `key`; a full or refused storage is warned about once per window.
pub fn write(area: &Storage, key: &str, text: &str, warned: &std::cell::Cell<bool>) {
    if area.set_item(key, text).is_err() && !warned.replace(true) {
        warn("the browser's storage refused the conversation (full?): it is not kept");
    }
}

/// Forgets `key`.
pub fn remove(area: &Storage, key: &str) {
    let _ = area.remove_item(key);
}

/// A warning on the console, `chatlet:` first.
pub fn warn(message: &str) {
    web_sys::console::warn_1(&format!("chatlet: {message}").into());
}
