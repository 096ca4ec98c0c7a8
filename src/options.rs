//! The page's options for a window: what `chatlet.mount(element, options)` takes and
//! the tag's `data-` attributes say. One type, read by the widget ([`crate::embed`]
//! reads it key by key, so that a wrong key is named) and, with the `types` feature,
//! written out as the package's TypeScript declaration of the options (`chatlet-types`):
//! what the code reads and what the types say are the same fields.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// The page's options for a window, as `chatlet.mount(element, options)` documents them
/// (the loader reads the ones it draws with, `mode`, `lang`, `theme`…, itself): read
/// into this type, an unknown key is a console warning naming it and a value of the
/// wrong type a `chatlet:error` naming its key (the window goes on without it).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[cfg_attr(feature = "types", derive(ts_rs::TS), ts(rename = "MountOptions"))]
pub struct PageOptions {
    /// The bot file's URL (Chatlet's format or a Conversation Builder export), relative
    /// to the page.
    #[cfg_attr(feature = "types", ts(type = "string"))]
    pub bot: Option<String>,
    /// `inline` (in the element given; `mount`'s default) or `bubble` (a launcher in
    /// the page's corner).
    #[cfg_attr(feature = "types", ts(optional, type = "'bubble' | 'inline'"))]
    pub mode: Option<String>,
    /// The window's title; the bot's name when absent.
    #[cfg_attr(feature = "types", ts(optional))]
    pub title: Option<String>,
    /// The widget's language (`en`, `fr`, `de`, `es`…); English when unknown.
    #[cfg_attr(feature = "types", ts(optional))]
    pub lang: Option<String>,
    /// The colour scheme: the visitor's (`auto`), `light` or `dark`.
    #[cfg_attr(feature = "types", ts(optional, type = "'auto' | 'light' | 'dark'"))]
    pub theme: Option<String>,
    /// When a bubble fetches the widget: on the launcher's `hover` or focus (default),
    /// when the page is `idle`, or only on a click (`none`).
    #[cfg_attr(feature = "types", ts(optional, type = "'hover' | 'idle' | 'none'"))]
    pub preload: Option<String>,
    /// A bubble starts open.
    #[cfg_attr(feature = "types", ts(optional))]
    pub open: Option<bool>,
    /// The bubble's corner: `right` (default) or `left`.
    #[cfg_attr(feature = "types", ts(optional, type = "'right' | 'left'"))]
    pub position: Option<String>,
    /// Seconds a transfer waits for the page's answer before it counts as failed (60; 0:
    /// for ever).
    #[cfg_attr(feature = "types", ts(optional, type = "number"))]
    pub transfer_timeout: Option<f64>,
    /// Session variables for the bot (`{$botContext.NAME}`), set before the first turn.
    #[cfg_attr(feature = "types", ts(optional, type = "Record<string, unknown>"))]
    pub variables: Option<serde_json::Map<String, Value>>,
    /// Where the conversation is kept between page loads: the tab's `session` storage
    /// (default), `local` storage (across tabs and restarts) or `none`.
    #[cfg_attr(feature = "types", ts(optional, type = "'session' | 'local' | 'none'"))]
    pub persist: Option<String>,
    /// Minutes a kept conversation may stay idle (the bot's `sessionLength`, else 30).
    #[cfg_attr(feature = "types", ts(optional, type = "number"))]
    pub idle_minutes: Option<f64>,
    /// Conversation Builder's customer info (`botContext.getLPCustomerInfo()`).
    #[cfg_attr(feature = "types", ts(optional, type = "Record<string, unknown>"))]
    pub customer_info: Option<Value>,
    /// Conversation Builder's personal info (`botContext.getLPUserPersonalInfo()`).
    #[cfg_attr(feature = "types", ts(optional, type = "Record<string, unknown>"))]
    pub personal_info: Option<Value>,
    /// Conversation Builder's engagement attributes
    /// (`botContext.getLPEngagementAttribute(…)`).
    #[cfg_attr(feature = "types", ts(optional, type = "Record<string, unknown>"))]
    pub engagement_attributes: Option<Value>,
    /// Texts over the widget's own, by key (`www/strings.json` lists them).
    #[cfg_attr(feature = "types", ts(optional, type = "Record<string, string>"))]
    pub strings: Option<BTreeMap<String, String>>,
    /// The bot's picture (a URL), over the bot's own `avatar` setting.
    #[cfg_attr(feature = "types", ts(optional))]
    pub avatar: Option<String>,
    /// The text beside the closed launcher.
    #[cfg_attr(feature = "types", ts(optional))]
    pub teaser: Option<String>,
    /// Which messages that arrive while the bubble is closed show beside it: `agent`
    /// messages (default), `all` or `none`.
    #[cfg_attr(feature = "types", ts(optional, type = "'agent' | 'all' | 'none'"))]
    pub preview: Option<String>,
    /// Bot code may run on the page's thread when no worker can run it (a block that
    /// never ends then freezes the page); else each block is a script error then.
    #[cfg_attr(feature = "types", ts(optional))]
    pub code_on_page: Option<bool>,
}
