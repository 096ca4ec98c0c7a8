//! Integration calls, made by `gloo-net` from the visitor's browser: the method,
//! headers and body the engine wrote, the URL exactly as it wrote it, aborted on the
//! bot's timeout (and when the window goes), the answer read as a stream and given up
//! as soon as it passes the engine's size limit ([`MAX_RESPONSE_BYTES`]) instead of
//! read whole and refused after. A timeout, a network error and a CORS refusal all come
//! back as [`Input::NetworkError`], which the bot's failure rules handle; a failed call
//! is also a `chatlet:error` event for the page.

use std::time::Duration;

use chatlet_engine::{succeeded, Input, Request, MAX_RESPONSE_BYTES};
use gloo_timers::callback::Timeout;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::platform::{spawn_local, time::sleep};

use super::{Conversation, Shared};

/// Performs an integration call, kept as in flight until its answer goes to the session.
pub fn call(conv: &Shared, request: Request) {
    conv.with(|s| {
        s.keep
            .flight
            .push(chatlet_engine::Output::Request(request.clone()))
    });
    let weak = super::weak(conv);
    spawn_local(async move {
        let id = request.id;
        let Some(input) = perform(&weak, request).await else {
            return; // the window went meanwhile
        };
        if let Some(conv) = weak.upgrade() {
            conv.with(|s| s.keep.landed(id));
            super::feed(&conv, input);
        }
    });
}

/// Makes the call; `None` when the window went meanwhile (nothing more happens then).
async fn perform(conv: &std::rc::Weak<Conversation>, request: Request) -> Option<Input> {
    let id = request.id;
    // Offline, the call waits for the network, up to its timeout (and is made once).
    let deadline = js_sys::Date::now() + f64::from(request.timeout_ms);
    while conv.upgrade()?.with(|s| s.offline) {
        if js_sys::Date::now() >= deadline {
            let error = format!("offline: no network within {} ms", request.timeout_ms);
            let conv = conv.upgrade()?;
            return Some(failed(&conv, &request, Input::NetworkError { id, error }));
        }
        sleep(Duration::from_millis(200)).await;
    }
    // Aborted on the timeout, or by the window going (its state holds the controller).
    let controller = web_sys::AbortController::new().ok()?;
    let left = (deadline - js_sys::Date::now()).max(1.0) as u32;
    let timer = {
        let controller = controller.clone();
        Timeout::new(left, move || controller.abort())
    };
    conv.upgrade()?
        .with(|s| s.fetches.push((id, controller.clone())));
    let answer = fetch(&request, &controller.signal()).await;
    drop(timer);
    let conv = conv.upgrade()?;
    conv.with(|s| s.fetches.retain(|(f, _)| *f != id));
    let input = match answer {
        Ok((status, body)) => Input::Response { id, status, body },
        Err(Failure::TooLarge) => Input::NetworkError {
            id,
            error: format!(
                "the answer is larger than the {MAX_RESPONSE_BYTES} bytes a bot reads; it was not read further"
            ),
        },
        Err(_) if controller.signal().aborted() => Input::NetworkError {
            id,
            error: format!("no answer within {} ms", request.timeout_ms),
        },
        // The browser does not say why a fetch failed: the network, or CORS.
        Err(Failure::Js(e)) => Input::NetworkError {
            id,
            error: format!(
                "{} (a network error, or the API refused this page's origin (CORS))",
                String::from(e.unchecked_into::<js_sys::Error>().to_string())
            ),
        },
    };
    Some(failed(&conv, &request, input))
}

/// Why a call gave no answer.
enum Failure {
    /// The browser's error (network, CORS, abort).
    Js(JsValue),
    /// The answer passed the size limit.
    TooLarge,
}

impl From<JsValue> for Failure {
    fn from(e: JsValue) -> Failure {
        Failure::Js(e)
    }
}

/// Sends the request and reads its answer: (status, body as UTF-8 with replacement
/// characters for bad bytes, as the command line reads it).
async fn fetch(request: &Request, signal: &web_sys::AbortSignal) -> Result<(u16, String), Failure> {
    // The request is built as the engine wrote it, URL included, and handed to gloo-net
    // to send: gloo's own builder re-serialises the URL (and appends a stray `&` to a
    // query), which would change what the engine encoded.
    let init = web_sys::RequestInit::new();
    init.set_method(&request.method);
    init.set_signal(Some(signal));
    let headers = web_sys::Headers::new()?;
    for (key, value) in &request.headers {
        headers.append(key, value)?;
    }
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }
    let sent = web_sys::Request::new_with_str_and_init(&request.url, &init)?;
    let response = gloo_net::http::Request::from(sent)
        .send()
        .await
        .map_err(|e| Failure::Js(JsValue::from_str(&e.to_string())))?;
    let status = response.status();
    // A declared length says at once whether the answer fits (the browser holds the body
    // to it): one over the limit is not read at all, one within it is read whole. An
    // answer of unknown length (chunked) is read as a stream, given up past the limit.
    let declared = response
        .headers()
        .get("content-length")
        .and_then(|n| n.trim().parse::<usize>().ok());
    let body = match (declared, response.body()) {
        (Some(n), stream) if n > MAX_RESPONSE_BYTES => {
            if let Some(stream) = stream {
                let _ = stream.cancel();
            }
            return Err(Failure::TooLarge);
        }
        (Some(_), _) => response
            .binary()
            .await
            .map_err(|e| Failure::Js(JsValue::from_str(&e.to_string())))?,
        (None, Some(stream)) => read_limited(&stream).await?,
        (None, None) => vec![],
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Reads a body stream, and stops (cancelling it) as soon as it passes the limit.
async fn read_limited(stream: &web_sys::ReadableStream) -> Result<Vec<u8>, Failure> {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if Reflect::get(&chunk, &"done".into())?.is_truthy() {
            return Ok(body);
        }
        let bytes: Uint8Array = Reflect::get(&chunk, &"value".into())?.unchecked_into();
        if body.len() + bytes.length() as usize > MAX_RESPONSE_BYTES {
            let _ = reader.cancel();
            return Err(Failure::TooLarge);
        }
        let start = body.len();
        body.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut body[start..]);
    }
}

/// Tells the page about a call that failed (`chatlet:error`); gives back its input.
fn failed(conv: &Conversation, request: &Request, input: Input) -> Input {
    let (status, error) = match &input {
        Input::Response { status, .. } if !succeeded(*status) => (Some(*status), None),
        Input::NetworkError { error, .. } => (None, Some(error.clone())),
        _ => return input,
    };
    conv.emit(&crate::events::Error::Call {
        integration: request.integration.clone(),
        url: request.url.clone(),
        status,
        error,
    });
    input
}
