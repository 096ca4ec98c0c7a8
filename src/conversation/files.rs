//! Files the visitor offers. The engine judges a file by its name, its size and its first
//! few bytes, so only those bytes are read into wasm memory; an accepted file then streams
//! from the browser straight to its File integration with `XMLHttpRequest`: fetch has no
//! upload progress events, and these drive the progress bar (integration calls are
//! `gloo-net`'s, in `calls`). The request belongs to the conversation's state: it is
//! aborted when the window goes.

use chatlet_engine::UPLOAD_HEAD_BYTES as HEAD_BYTES;
use chatlet_engine::{succeeded, FileIn, Input, Upload};
use gloo_events::EventListener;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, XmlHttpRequest};
use yew::platform::spawn_local;

use super::{tabs, Conversation, Shared};
use crate::chat::{Action, FileState, Note};

/// Files the visitor offered that are still needed (until their upload ends), by handle,
/// and the uploads under way. Handles are never reused, not even after a reset.
#[derive(Default)]
pub struct Files {
    next: u64,
    held: Vec<(u64, File)>,
    /// Uploads under way: the request, and its progress and end listeners.
    sending: Vec<(u64, XmlHttpRequest, [EventListener; 2])>,
}

impl Files {
    /// A reset: the files offered so far are not needed.
    pub fn forget(&mut self) {
        self.held.clear();
    }

    /// A restored conversation's files had handles up to `last`.
    pub fn after(&mut self, last: u64) {
        self.next = self.next.max(last);
    }

    /// The window goes: every upload under way stops.
    pub fn abort(&mut self) {
        for (_, xhr, _) in self.sending.drain(..) {
            let _ = xhr.abort();
        }
    }
}

/// The visitor offers a file: the engine judges it from its name, size and first bytes;
/// a refused file is marked and nothing is sent.
pub fn offer(conv: &Shared, file: File, caption: String) {
    if tabs::following(conv) {
        // The tab that leads uploads it; the file appears here with its state.
        return tabs::file_to_leader(conv, &file, &caption);
    }
    if conv.with(|s| s.expect.is_none()) {
        conv.act(Action::Note(Note::NotAsked));
        return;
    }
    let (handle, epoch) = conv.with(|s| {
        s.files.next += 1;
        s.files.held.push((s.files.next, file.clone()));
        (s.files.next, s.epoch)
    });
    let (name, size) = (file.name(), file.size() as u64);
    conv.act(Action::FileOffered {
        handle,
        name: name.clone(),
        size,
    });
    let weak = super::weak(conv);
    spawn_local(async move {
        let head = head(&file).await;
        let Some(conv) = weak.upgrade().filter(|c| c.with(|s| s.epoch) == epoch) else {
            return; // gone, or offered to a conversation that was reset since
        };
        let input = Input::File(FileIn {
            handle,
            name,
            size,
            head,
            caption,
        });
        super::feed(&conv, input);
    });
}

/// The file's first bytes (at most [`HEAD_BYTES`]); empty when they cannot be read.
async fn head(file: &File) -> Vec<u8> {
    let Ok(blob) = file.slice_with_i32_and_i32(0, HEAD_BYTES as i32) else {
        return vec![];
    };
    match JsFuture::from(blob.array_buffer()).await {
        Ok(buffer) => Uint8Array::new(&buffer).to_vec(),
        Err(_) => vec![],
    }
}

/// A file's upload ended (or never began): the window marks it and the page hears of it.
pub fn settle(conv: &Conversation, handle: u64, state: FileState) {
    let file = conv.with(|s| {
        let held = &mut s.files.held;
        let at = held.iter().position(|(h, _)| *h == handle);
        at.map(|i| held.swap_remove(i).1)
    });
    conv.act(Action::File(handle, state));
    if let Some(file) = file {
        let outcome = match state {
            FileState::Sent => "sent",
            FileState::Refused => "refused",
            _ => "failed",
        };
        let detail = crate::events::Upload {
            name: file.name(),
            size: file.size(),
            outcome,
        };
        conv.emit(&detail);
    }
}

/// Streams an accepted file to its File integration, showing its progress; the answer
/// goes back to the engine, which routes `file_upload_success:` or `…failed:`.
pub fn upload(conv: &Shared, upload: Upload) {
    let handle = upload.file;
    let file = conv.with(|s| {
        let file = s
            .files
            .held
            .iter()
            .find(|(h, _)| *h == handle)
            .map(|(_, f)| f.clone());
        let in_flight = s
            .keep
            .flight
            .iter()
            .any(|o| matches!(o, chatlet_engine::Output::Upload(u) if u.id == upload.id));
        if file.is_some() && !in_flight {
            s.keep
                .flight
                .push(chatlet_engine::Output::Upload(upload.clone()));
        }
        file
    });
    let Some(file) = file else {
        let error = "the file is no longer available".into();
        super::feed(
            conv,
            Input::NetworkError {
                id: upload.id,
                error,
            },
        );
        return;
    };
    conv.act(Action::File(handle, FileState::Sending(0)));
    if let Err(error) = send(conv, &upload, &file) {
        // It never left: the bot hears of it as a failed upload.
        finish(
            conv,
            &upload,
            Input::NetworkError {
                id: upload.id,
                error,
            },
        );
    }
}

/// The upload ended with `input`: the chip says how, the session hears of it.
fn finish(conv: &Shared, upload: &Upload, input: Input) {
    let ok = matches!(input, Input::Response { status, .. } if succeeded(status));
    let state = if ok {
        FileState::Sent
    } else {
        FileState::Failed
    };
    conv.with(|s| {
        // Its listeners may be running this: freed after them.
        let (done, sending) = std::mem::take(&mut s.files.sending)
            .into_iter()
            .partition(|(id, _, _)| *id == upload.id);
        s.files.sending = sending;
        super::drop_later::<Vec<_>>(done);
        s.keep.landed(upload.id);
    });
    settle(conv, upload.file, state);
    super::feed(conv, input);
}

/// Sends `file` as the body of `upload`'s request; its progress and end come back to
/// the conversation while it lasts.
fn send(conv: &Shared, upload: &Upload, file: &File) -> Result<(), String> {
    let described = |e: JsValue| format!("the upload could not start ({e:?})");
    let xhr = XmlHttpRequest::new().map_err(described)?;
    xhr.open_with_async(&upload.method, &upload.url, true)
        .map_err(described)?;
    xhr.set_timeout(chatlet_engine::UPLOAD_TIMEOUT_MS);
    for (key, value) in &upload.headers {
        xhr.set_request_header(key, value).map_err(described)?;
    }
    let (id, handle) = (upload.id, upload.file);
    let progress = {
        let dispatch = conv.dispatch.clone();
        let target = xhr.upload().map_err(described)?;
        EventListener::new(&target, "progress", move |e| {
            let loaded = js_sys::Reflect::get(e, &"loaded".into()).unwrap_or_default();
            let sent = loaded.as_f64().unwrap_or(0.0) as u64;
            dispatch.dispatch(Action::File(handle, FileState::Sending(sent)));
        })
    };
    // After load, error, abort or timeout.
    let end = {
        let (weak, xhr, upload) = (super::weak(conv), xhr.clone(), upload.clone());
        EventListener::once(&xhr.clone(), "loadend", move |_| {
            let Some(conv) = weak.upgrade() else { return };
            let input = match xhr.status().unwrap_or(0) {
                0 => Input::NetworkError {
                    id,
                    error: "the upload failed: a network error, a timeout, or the server refused this page's origin (CORS)".into(),
                },
                status => Input::Response {
                    id,
                    status,
                    body: xhr.response_text().ok().flatten().unwrap_or_default(),
                },
            };
            finish(&conv, &upload, input);
        })
    };
    xhr.send_with_opt_blob(Some(file))
        .map_err(|e| format!("the upload could not be sent ({e:?})"))?;
    conv.with(|s| s.files.sending.push((id, xhr, [progress, end])));
    Ok(())
}
