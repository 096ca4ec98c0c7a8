//! Files the visitor offers. The engine judges a file by its name, its size and its first
//! few bytes, so only those bytes are read into wasm memory; an accepted file then streams
//! from the browser straight to its File integration with `XMLHttpRequest`, whose upload
//! progress events drive the progress bar.

use chatlet_engine::UPLOAD_HEAD_BYTES as HEAD_BYTES;
use chatlet_engine::{Input, Upload};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, XmlHttpRequest};

/// The file's first bytes (at most [`HEAD_BYTES`]); empty when they cannot be read.
pub async fn head(file: &File) -> Vec<u8> {
    let Ok(blob) = file.slice_with_i32_and_i32(0, HEAD_BYTES as i32) else {
        return vec![];
    };
    match JsFuture::from(blob.array_buffer()).await {
        Ok(buffer) => Uint8Array::new(&buffer).to_vec(),
        Err(_) => vec![],
    }
}

/// Sends `file` as the body of `upload`'s request. `progress` hears the bytes sent so far;
/// `done` gets the engine's input for the outcome: the answer, or a network error.
pub fn send(
    upload: &Upload,
    file: &File,
    progress: impl Fn(u64) + 'static,
    done: impl FnOnce(Input) + 'static,
) {
    let id = upload.id;
    let xhr = match start(upload) {
        Ok(xhr) => xhr,
        Err(e) => {
            return done(Input::NetworkError {
                id,
                error: format!("the upload could not start ({e:?})"),
            })
        }
    };
    // `Fn(JsValue)`, the type of the widget's other listeners: one instantiation.
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        let loaded = js_sys::Reflect::get(&e, &"loaded".into()).unwrap_or_default();
        progress(loaded.as_f64().unwrap_or(0.0) as u64)
    });
    if let Ok(target) = xhr.upload() {
        target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let finished = xhr.clone();
    // Runs once, after load, error, abort or timeout; then both closures are freed.
    let on_end = Closure::once_into_js(move || {
        drop(on_progress);
        let status = finished.status().unwrap_or(0);
        let input = match status {
            0 => Input::NetworkError {
                id,
                error: "the upload failed: a network error, a timeout, or the server refused this page's origin (CORS)".into(),
            },
            status => Input::Response {
                id,
                status,
                body: finished.response_text().ok().flatten().unwrap_or_default(),
            },
        };
        done(input);
    });
    xhr.set_onloadend(Some(on_end.unchecked_ref()));
    if let Err(e) = xhr.send_with_opt_blob(Some(file)) {
        web_sys::console::warn_2(&"chatlet: the upload could not be sent".into(), &e);
    }
}

fn start(upload: &Upload) -> Result<XmlHttpRequest, JsValue> {
    let xhr = XmlHttpRequest::new()?;
    xhr.open_with_async(&upload.method, &upload.url, true)?;
    xhr.set_timeout(chatlet_engine::UPLOAD_TIMEOUT_MS);
    for (key, value) in &upload.headers {
        xhr.set_request_header(key, value)?;
    }
    Ok(xhr)
}
