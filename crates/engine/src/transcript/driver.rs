//! Drives a session the way a host does: performs its integration calls (stubbed, failed on
//! purpose, or through the [`Host`]), applies transcript directives, and turns outputs into
//! transcript lines. `chatlet chat`, `chatlet test` and the engine's own transcript test
//! share it, so they behave the same.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::format::escape;
use super::lines::bot_lines;
use crate::botcontext::{NoScripts, ScriptHost};
use crate::event::{FileIn, Input, Output, Request, Upload};
use crate::model::Bot;
use crate::pattern::Pattern;
use crate::session::{Session, SessionOptions};
use crate::snapshot::Snapshot;
use crate::upload::{HEAD_BYTES, TIMEOUT_MS};

/// What a driver needs from the machine it runs on: a realm for bot code, and the network.
pub trait Host {
    /// A fresh realm for a new or restored session's bot code.
    fn scripts(&self) -> Box<dyn ScriptHost>;
    /// Sends `request` with `body` (the rendered body, or a file's bytes) for real:
    /// the status and the body as text, or why it failed.
    fn send(&self, request: &Request, body: Vec<u8>) -> Result<(u16, String), String>;
}

/// A host without bot code or network: code does not run (a script error each time),
/// and every call fails.
pub struct Offline;

impl Host for Offline {
    fn scripts(&self) -> Box<dyn ScriptHost> {
        Box::new(NoScripts)
    }

    fn send(&self, _: &Request, _: Vec<u8>) -> Result<(u16, String), String> {
        Err("no network".into())
    }
}

/// What `chat --state` keeps: the conversation and, apart, the variables scoped forever.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedState {
    snapshot: Snapshot,
    forever: Vec<(String, Value)>,
}

/// A session plus what the transcript said about its surroundings.
pub struct Driver {
    session: Session,
    host: Box<dyn Host>,
    bot: Arc<Bot>,
    /// The session's surroundings (`@env`, `@host`), given again to a restored session.
    options: SessionOptions,
    /// `@intent` stand-ins, given again to a restored session.
    intents: Vec<(String, Pattern)>,
    stubs: HashMap<String, (u16, String)>,
    fail_once: HashSet<String>,
    show_requests: bool,
    /// `! upload` paths are relative to this folder.
    base: PathBuf,
    /// Files offered with `! upload`, by handle.
    files: Vec<PathBuf>,
    /// Whether calls without a `@stub` go to the network (`chat`; `test --network`).
    network: bool,
    /// Integrations called without a `@stub` while the network is off, since last asked.
    unstubbed: Vec<String>,
}

impl Driver {
    /// A new conversation with `bot`; its code runs in the `host`'s realm.
    pub fn new(bot: Arc<Bot>, options: SessionOptions, host: Box<dyn Host>) -> Driver {
        Driver {
            session: Session::with_scripts(bot.clone(), options.clone(), host.scripts()),
            host,
            bot,
            options,
            intents: Vec::new(),
            stubs: HashMap::new(),
            fail_once: HashSet::new(),
            show_requests: false,
            base: PathBuf::from("."),
            files: Vec::new(),
            network: true,
            unstubbed: Vec::new(),
        }
    }

    /// Keeps calls off the network: an integration without a `@stub` (or `! fail`) fails,
    /// and [`Driver::take_unstubbed`] names it, so a transcript never passes because a
    /// real server happened to be unreachable.
    pub fn offline(mut self) -> Driver {
        self.network = false;
        self
    }

    /// The integrations called without a `@stub` while offline, since the last call.
    pub fn take_unstubbed(&mut self) -> Vec<String> {
        std::mem::take(&mut self.unstubbed)
    }

    /// The session's state, serialised: its snapshot and, apart, its forever-scoped
    /// variables (what `chat --state` keeps in its file).
    pub fn save(&self) -> Result<String, String> {
        let state = SavedState {
            snapshot: self.session.snapshot(),
            forever: self.session.forever(),
        };
        serde_json::to_string_pretty(&state).map_err(|e| e.to_string())
    }

    /// Replaces the session by one restored from what [`Driver::save`] wrote, with a fresh
    /// JavaScript realm and the surroundings given so far.
    pub fn load(&mut self, saved: &str) -> Result<(), String> {
        let state: SavedState =
            serde_json::from_str(saved).map_err(|e| format!("not a saved conversation: {e}"))?;
        let options = SessionOptions {
            forever: state.forever,
            ..self.options.clone()
        };
        let scripts = self.host.scripts();
        self.session =
            Session::restore_with_scripts(Arc::clone(&self.bot), state.snapshot, options, scripts)
                .map_err(|e| e.to_string())?;
        for (name, pattern) in &self.intents {
            self.session.add_intent(name, pattern.clone());
        }
        Ok(())
    }

    /// Saves the session to its serialised form and restores it from that form
    /// (`chatlet test --restore-each-turn`).
    pub fn reload(&mut self) -> Result<(), String> {
        let saved = self.save()?;
        self.load(&saved)
    }

    /// Sets the folder `! upload` paths are relative to.
    pub fn set_base(&mut self, base: &Path) {
        self.base = base.to_path_buf();
    }

    /// Handles an input and every integration call it leads to; returns all outputs.
    pub fn send(&mut self, input: Input) -> Vec<Output> {
        let mut all = Vec::new();
        let mut queue = vec![input];
        while let Some(input) = queue.pop() {
            let outputs = self.session.handle(input);
            for output in &outputs {
                match output {
                    Output::Request(request) => queue.push(self.perform(request)),
                    Output::Upload(upload) => queue.push(self.upload(upload)),
                    _ => {}
                }
            }
            all.extend(outputs);
        }
        all
    }

    /// The transcript lines for `output` (without `< `), given `@show requests`.
    pub fn lines(&self, output: &Output) -> Vec<String> {
        match output {
            Output::Request(r) if self.show_requests => {
                let mut lines = vec![format!("request: {} {} {}", r.integration, r.method, r.url)];
                if let Some(body) = &r.body {
                    lines.push(format!("body: {}", escape(body)));
                }
                lines
            }
            Output::Upload(u) if self.show_requests => {
                let path = &self.files[u.file as usize];
                let size = std::fs::metadata(path).map_or(0, |m| m.len());
                vec![
                    format!("request: {} {} {}", u.integration, u.method, u.url),
                    format!(
                        "body: file {} ({size} bytes)",
                        path.file_name().unwrap_or_default().to_string_lossy()
                    ),
                ]
            }
            Output::Request(_) | Output::Upload(_) => vec![],
            other => bot_lines(other),
        }
    }

    /// Applies a `@…` directive (the text after `@`).
    pub fn directive(&mut self, text: &str) -> Result<(), String> {
        let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
        let rest = rest.trim();
        match word {
            "stub" => {
                let mut parts = rest.splitn(3, ' ');
                let (Some(name), Some(status), body) = (parts.next(), parts.next(), parts.next())
                else {
                    return Err("@stub NAME STATUS BODY".into());
                };
                let status = status
                    .parse()
                    .map_err(|_| format!("@stub: {status:?} is not an HTTP status"))?;
                self.stubs
                    .insert(name.to_string(), (status, body.unwrap_or("").to_string()));
            }
            "show" if rest == "requests" => self.show_requests = true,
            "env" => {
                let (name, value) = rest.split_once(' ').unwrap_or((rest, ""));
                if name.is_empty() {
                    return Err("@env NAME VALUE".into());
                }
                self.session.set_env(name, value);
                self.options.env.insert(name.to_string(), value.to_string());
            }
            "host" => {
                let (key, json) = rest.split_once(' ').unwrap_or((rest, ""));
                let value: Value = serde_json::from_str(json)
                    .map_err(|e| format!("@host {key}: not JSON: {e}"))?;
                let host = self.session.host_info_mut();
                let slot = match key {
                    "customerInfo" => &mut host.customer_info,
                    "personalInfo" => &mut host.personal_info,
                    "engagementAttributes" => &mut host.engagement_attributes,
                    other => {
                        return Err(format!(
                            "@host {other}: expected customerInfo, personalInfo or engagementAttributes"
                        ))
                    }
                };
                *slot = Some(value);
                self.options.host = self.session.host_info_mut().clone();
            }
            "intent" => {
                // A name with spaces is written in double quotes.
                let (name, pattern) = match rest.strip_prefix('"') {
                    Some(quoted) => quoted.split_once('"').unwrap_or((quoted, "")),
                    None => rest.split_once(' ').unwrap_or((rest, "")),
                };
                let pattern = Pattern::parse(pattern.trim())
                    .map_err(|e| format!("@intent {name}: {}", e.message))?;
                self.session.add_intent(name, pattern.clone());
                self.intents.push((name.to_string(), pattern));
            }
            _ => return Err(format!("unknown directive: @{text}")),
        }
        Ok(())
    }

    /// Applies a `! …` action; returns its outputs.
    pub fn action(&mut self, text: &str) -> Result<Vec<Output>, String> {
        match text.split_once(' ') {
            Some(("fail", name)) => {
                self.fail_once.insert(name.trim().to_string());
                Ok(vec![])
            }
            Some(("upload", rest)) => {
                // `PATH` or `PATH | CAPTION`.
                let (path, caption) = rest.split_once(" | ").unwrap_or((rest, ""));
                let path = self.base.join(path.trim());
                let bytes = std::fs::read(&path)
                    .map_err(|e| format!("! upload {}: {e}", path.display()))?;
                let file = FileIn {
                    handle: self.files.len() as u64,
                    name: path
                        .file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned(),
                    size: bytes.len() as u64,
                    head: bytes.iter().take(HEAD_BYTES).copied().collect(),
                    caption: caption.trim().to_string(),
                };
                self.files.push(path);
                Ok(self.send(Input::File(file)))
            }
            Some(("transfer", "failed")) => Ok(self.send(Input::TransferFailed)),
            Some(("transfer", "accepted")) => Ok(self.send(Input::TransferAccepted)),
            _ => Err(format!(
                "unsupported action: ! {text} (! fail NAME, ! upload PATH, ! transfer failed, ! transfer accepted)"
            )),
        }
    }

    /// The outcome the transcript decided for a call of `integration` (`! fail`, then
    /// `@stub`), if it decided one.
    fn canned(&mut self, integration: &str, id: u64) -> Option<Input> {
        if self.fail_once.remove(integration) {
            return Some(Input::NetworkError {
                id,
                error: "failed on purpose (! fail)".into(),
            });
        }
        let (status, body) = self.stubs.get(integration)?;
        Some(Input::Response {
            id,
            status: *status,
            body: body.clone(),
        })
    }

    /// Performs one request and returns the session's input for its outcome.
    fn perform(&mut self, request: &Request) -> Input {
        if let Some(input) = self.canned(&request.integration, request.id) {
            return input;
        }
        if !self.network {
            return self.unstubbed_call(&request.integration, request.id);
        }
        let body = request.body.clone().unwrap_or_default().into_bytes();
        outcome(request.id, self.host.send(request, body))
    }

    /// An unstubbed call while offline: it fails, and the replay is told.
    fn unstubbed_call(&mut self, integration: &str, id: u64) -> Input {
        self.unstubbed.push(integration.to_string());
        Input::NetworkError {
            id,
            error: format!("no @stub for {integration}"),
        }
    }

    /// Sends an offered file to its File integration (stubbed, failed on purpose, or over
    /// the network) and returns the session's input for the outcome.
    fn upload(&mut self, upload: &Upload) -> Input {
        let id = upload.id;
        if let Some(input) = self.canned(&upload.integration, id) {
            return input;
        }
        if !self.network {
            return self.unstubbed_call(&upload.integration, id);
        }
        let sent = std::fs::read(&self.files[upload.file as usize])
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                let request = Request {
                    id,
                    integration: upload.integration.clone(),
                    method: upload.method.clone(),
                    url: upload.url.clone(),
                    headers: upload.headers.clone(),
                    body: None,
                    timeout_ms: TIMEOUT_MS,
                };
                self.host.send(&request, bytes)
            });
        outcome(id, sent)
    }
}

/// The session's input for a call's outcome.
fn outcome(id: u64, result: Result<(u16, String), String>) -> Input {
    match result {
        Ok((status, body)) => Input::Response { id, status, body },
        Err(error) => Input::NetworkError { id, error },
    }
}
