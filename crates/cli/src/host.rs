//! The command line's [`Host`] for transcripts: bot code in QuickJS, calls over HTTP (`ureq`).

use std::time::Duration;

use chatlet_engine::transcript::Host;
use chatlet_engine::{Request, ScriptHost};

use crate::js::QuickJs;

/// QuickJS for the bot's code, `ureq` for its calls.
pub struct Machine;

impl Host for Machine {
    fn scripts(&self) -> Box<dyn ScriptHost> {
        Box::<QuickJs>::default()
    }

    fn send(&self, request: &Request, body: Vec<u8>) -> Result<(u16, String), String> {
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
        let built = builder.body(body).map_err(|e| e.to_string())?;
        let mut response = agent.run(built).map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        // Decoded as UTF-8 with replacement characters for bad bytes, as the browser's
        // `Response.text()` does, so both hosts give the bot the same text.
        let bytes = response
            .body_mut()
            .read_to_vec()
            .map_err(|e| e.to_string())?;
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }
}
