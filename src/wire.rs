//! Values crossing between Rust and JavaScript: every structured value goes through
//! serde (`serde-wasm-bindgen`), as plain JavaScript objects and arrays (maps as
//! objects, integers as numbers), the shape `JSON.parse` would give: the messages between
//! the page and its worker (posted as objects, structured clone), the details of the
//! page's events, the mount options, `botContext`'s arguments and results.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

/// `value` as a JavaScript value (`undefined` if it cannot be one: never, for the
/// widget's types).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::UNDEFINED)
}

/// A JavaScript value as `T`; the error says what did not fit.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, serde_wasm_bindgen::Error> {
    serde_wasm_bindgen::from_value(value)
}
