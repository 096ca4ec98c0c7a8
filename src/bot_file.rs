//! A window's bot file, from the loader's bytes to the engine's model. A compiled bot
//! (`chatlet compile`) is read as it is; a plain file (native or a Conversation Builder
//! export) goes to the bot reader first, a wasm of its own (`crates/reader`) that the
//! loader imports only then, once for the page (as soon as it has fetched a plain file),
//! so the visitors' build carries neither reader (docs/performance.md). The previewer's
//! build reads plain files itself.

use chatlet_engine::{compiled, Bot, LoadError};
use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Why a window has no bot.
pub enum Failure {
    /// The file could not be fetched (why).
    Fetch(String),
    /// The bot reader, one of the widget's files, could not be loaded or run (why).
    Reader(String),
    /// The file is not a bot that loads.
    Bot(LoadError),
}

/// The bot's compiled bytes and the bot read from them (the worker reads the same bytes).
pub async fn load(
    load_bot: &Function,
    reader: Option<&Function>,
) -> Result<(Bot, Vec<u8>), Failure> {
    let bytes = bytes_of(
        call(load_bot, &JsValue::NULL)
            .await
            .map_err(|e| Failure::Fetch(said(&e)))?,
    );
    let bytes = if compiled::is_compiled(&bytes) {
        bytes
    } else {
        compile(bytes, reader).await?
    };
    // A refusal from the reader reads as the file's errors.
    let bot = compiled::read(&bytes).map_err(Failure::Bot)?;
    Ok((bot, bytes))
}

/// A plain file compiled here: the previewer's build has the readers.
#[cfg(feature = "preview")]
async fn compile(bytes: Vec<u8>, _: Option<&Function>) -> Result<Vec<u8>, Failure> {
    chatlet_engine::load_bytes(&bytes)
        .map(|bot| compiled::write(&bot))
        .map_err(Failure::Bot)
}

/// A plain file compiled by the bot reader: the compiled bot, or the refusal that holds
/// the findings of a file that does not load (both read by `compiled::read`).
#[cfg(not(feature = "preview"))]
async fn compile(bytes: Vec<u8>, reader: Option<&Function>) -> Result<Vec<u8>, Failure> {
    let Some(reader) = reader else {
        return Err(Failure::Bot(LoadError::at_root(
            "this page loads only compiled bots (it gave the widget no bot reader): compile the file with `chatlet compile`",
        )));
    };
    let module = call(reader, &JsValue::NULL)
        .await
        .map_err(|e| Failure::Reader(format!("the bot reader did not load ({})", said(&e))))?;
    let compile = js_sys::Reflect::get(&module, &"compile".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| Failure::Reader("the bot reader has no compile function".into()))?;
    call(&compile, &Uint8Array::from(bytes.as_slice()))
        .await
        .map(bytes_of)
        .map_err(|e| Failure::Reader(format!("the bot reader did not run ({})", said(&e))))
}

/// Calls `f` with `arg` and waits for the promise it returns (or the value).
async fn call(f: &Function, arg: &JsValue) -> Result<JsValue, JsValue> {
    let value = f.call1(&JsValue::NULL, arg)?;
    JsFuture::from(Promise::resolve(&value)).await
}

/// A `Uint8Array`'s bytes; a string's UTF-8 (a page's own `loadBot` may give text).
fn bytes_of(value: JsValue) -> Vec<u8> {
    match value.as_string() {
        Some(text) => text.into_bytes(),
        None => Uint8Array::new(&value).to_vec(),
    }
}

/// What an error or a rejection says, whatever was thrown.
fn said(e: &JsValue) -> String {
    match (e.as_string(), e.dyn_ref::<js_sys::Error>()) {
        (Some(text), _) => text,
        (None, Some(error)) => String::from(error.to_string()),
        (None, None) => format!("{e:?}"),
    }
}
