//! JSON text of the widget's serde types, for the storage (the stored conversation, the
//! messages tabs leave each other). In the browser it goes through `serde-wasm-bindgen`
//! and the browser's own `JSON`: the derived codecs are then instantiated for one
//! serializer and one deserializer only, the ones the worker's messages use anyway,
//! where `serde_json` would add a second copy of every one of them to the wasm (measured:
//! docs/performance.md). Natively (the tests) it is `serde_json`; the text is the same.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// `value` as JSON text.
pub fn to_text<T: Serialize + ?Sized>(value: &T) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::JSON::stringify(&crate::wire::to_js(value))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::to_string(value).unwrap_or_default()
    }
}

/// JSON text as a `T`; the error says what did not read.
pub fn from_text<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    #[cfg(target_arch = "wasm32")]
    {
        let value = js_sys::JSON::parse(text).map_err(|_| "not valid JSON".to_string())?;
        crate::wire::from_js(value).map_err(|e| e.to_string())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}
