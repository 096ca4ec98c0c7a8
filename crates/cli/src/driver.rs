//! Drives a session the way a host does: performs its integration calls (stubbed, failed on
//! purpose, or over the network), applies transcript directives, and turns outputs into
//! transcript lines. `chat` and `test` share it, so they behave the same.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chatlet_engine::pattern::Pattern;
use chatlet_engine::{Bot, Input, Output, Request, Session, SessionOptions};
use serde_json::Value;

use crate::js::Boa;
use crate::lines::bot_lines;
use crate::transcript::escape;

/// A session plus what the transcript said about its surroundings.
pub struct Driver {
    session: Session,
    stubs: HashMap<String, (u16, String)>,
    fail_once: HashSet<String>,
    show_requests: bool,
}

impl Driver {
    /// A new conversation with `bot`; its scripts run in boa.
    pub fn new(bot: Arc<Bot>, options: SessionOptions) -> Driver {
        Driver {
            session: Session::with_scripts(bot, options, Box::<Boa>::default()),
            stubs: HashMap::new(),
            fail_once: HashSet::new(),
            show_requests: false,
        }
    }

    /// Handles an input and every integration call it leads to; returns all outputs.
    pub fn send(&mut self, input: Input) -> Vec<Output> {
        let mut all = Vec::new();
        let mut queue = vec![input];
        while let Some(input) = queue.pop() {
            let outputs = self.session.handle(input);
            for output in &outputs {
                if let Output::Request(request) = output {
                    queue.push(self.perform(request));
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
            Output::Request(_) => vec![],
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
            }
            "intent" => {
                // A name with spaces is written in double quotes.
                let (name, pattern) = match rest.strip_prefix('"') {
                    Some(quoted) => quoted.split_once('"').unwrap_or((quoted, "")),
                    None => rest.split_once(' ').unwrap_or((rest, "")),
                };
                let pattern = Pattern::parse(pattern.trim())
                    .map_err(|e| format!("@intent {name}: {}", e.message))?;
                self.session.add_intent(name, pattern);
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
            _ => Err(format!("unsupported action: ! {text}")),
        }
    }

    /// Performs one request and returns the session's input for its outcome.
    fn perform(&mut self, request: &Request) -> Input {
        let id = request.id;
        if self.fail_once.remove(&request.integration) {
            return Input::NetworkError {
                id,
                error: "failed on purpose (! fail)".into(),
            };
        }
        if let Some((status, body)) = self.stubs.get(&request.integration) {
            return Input::Response {
                id,
                status: *status,
                body: body.clone(),
            };
        }
        match network(request) {
            Ok((status, body)) => Input::Response { id, status, body },
            Err(error) => Input::NetworkError { id, error },
        }
    }
}

/// Makes the call for real.
fn network(request: &Request) -> Result<(u16, String), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_millis(request.timeout_ms.into())))
        .build()
        .into();
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(&request.url);
    for (key, value) in &request.headers {
        builder = builder.header(key, value);
    }
    let body = request.body.clone().unwrap_or_default();
    let built = builder.body(body).map_err(|e| e.to_string())?;
    let mut response = agent.run(built).map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    Ok((status, text))
}
