//! Integration calls: the request (URL, query, headers, body, each value encoded for
//! where it goes), the answer stored as CB stores it, custom fields and the transform.

use super::*;

impl Session {
    /// Builds and sends an integration's request; the flow resumes in [`Self::on_result`].
    pub(super) fn call(&mut self, at: InteractionId, integration: IntegrationId) {
        let bot = Arc::clone(&self.bot);
        let spec = &bot.integrations[integration];
        let Some((url, headers)) = self.address(integration) else {
            self.waiting = Some(Waiting {
                at,
                integration,
                id: 0,
            });
            return self.on_result(0, Err("refused before sending (see the note above)".into()));
        };
        let lookup = |p: &Placeholder| self.lookup(p);
        let json = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .is_none_or(|(_, v)| v.to_ascii_lowercase().contains("json"));
        let body = spec.body.as_ref().map(|b| match json {
            true => b.render_json_body(&lookup),
            false => b.render(&lookup),
        });
        let id = self.next_request;
        self.next_request += 1;
        self.waiting = Some(Waiting {
            at,
            integration,
            id,
        });
        self.out.push(Output::Request(Request {
            id,
            integration: spec.name.clone(),
            method: spec.method.clone(),
            url,
            headers,
            body,
            timeout_ms: bot.settings.api_timeout_ms,
        }));
    }

    /// An integration's URL (query included) and headers, rendered and encoded; `None` when
    /// a header would inject a header line or a value would be a `.`/`..` path segment (the
    /// call is not made).
    #[allow(clippy::type_complexity)]
    pub(super) fn address(
        &mut self,
        integration: IntegrationId,
    ) -> Option<(String, Vec<(String, String)>)> {
        let bot = Arc::clone(&self.bot);
        let spec = &bot.integrations[integration];
        let lookup = |p: &Placeholder| self.lookup(p);
        // Host-supplied environment values are configuration (a base URL, say) and go in
        // as they are; every other value is percent-encoded. A value that would be a whole
        // path segment of only dots is refused: browsers (and every WHATWG URL parser)
        // resolve `..` and its encoded forms (`%2E%2E`) to the parent path.
        let dots = std::cell::Cell::new(false);
        let mut url = spec.url.render_with(&lookup, &|p, v, out| match p {
            Placeholder::Env(_) => out.push_str(v),
            _ => {
                let in_path = !out.contains('?') && out.ends_with('/');
                dots.set(dots.get() || (in_path && matches!(v, "." | "..")));
                percent_encode(v, out)
            }
        });
        if dots.get() {
            self.debug(format!(
                "integration {:?}: a value fills a URL path segment with dots only, which would address another path; the call is not made",
                spec.name
            ));
            return None;
        }
        for (key, value) in &spec.query {
            url.push(if url.contains('?') { '&' } else { '?' });
            percent_encode(key, &mut url);
            url.push('=');
            percent_encode(&value.render(&lookup), &mut url);
        }
        let mut headers = Vec::new();
        for (key, value) in &spec.headers {
            let value = value.render(&lookup);
            if value.contains(['\r', '\n']) || key.contains(['\r', '\n', ':']) {
                self.debug(format!(
                    "integration {:?}: header {key:?} would inject a header line; the call is not made",
                    spec.name
                ));
                return None;
            }
            headers.push((key.clone(), value));
        }
        Some((url, headers))
    }

    /// An integration answered (or failed): store the results, run the transform and
    /// post-process code, then follow the rules.
    pub(super) fn on_result(&mut self, id: u64, result: Result<(u16, String), String>) {
        let Some(waiting) = self.waiting.filter(|w| w.id == id) else {
            self.debug(format!(
                "an answer to request {id} arrived, but no request {id} is in flight; ignored"
            ));
            return;
        };
        self.waiting = None;
        let bot = Arc::clone(&self.bot);
        let at = waiting.at;
        let ok = self.store_result(at, waiting.integration, result);
        let mut trigger = None;
        if let Some(code) = &bot.interactions[at].code.post {
            let outcome = self.hook(at, code, "post-process code");
            if outcome.stop {
                return;
            }
            trigger = outcome.trigger;
        }
        if let Some(to) = trigger {
            return self.run(to);
        }
        let fired = self.select_rule(at, Some(ok));
        self.note_rule(
            at,
            fired,
            if ok {
                "the call's success"
            } else {
                "the call's failure"
            },
        );
        match fired {
            Some(rule) => {
                let rule = &bot.interactions[at].rules[rule];
                self.assign(at, rule);
                let step = self.follow(at, &rule.action);
                self.proceed(step);
            }
            None if ok => {
                let step = self.follow(at, &Action::Next);
                self.proceed(step);
            }
            None => self.say_text(DEFAULT_API_FAILURE_TEXT, false, 0),
        }
    }

    /// Stores an integration's outcome (`api_<rdv>`, its status, the custom data fields),
    /// running the transform script; `true` when the call succeeded.
    pub(super) fn store_result(
        &mut self,
        at: InteractionId,
        integration: IntegrationId,
        result: Result<(u16, String), String>,
    ) -> bool {
        let bot = Arc::clone(&self.bot);
        let spec = &bot.integrations[integration];
        let mut ok = false;
        match result {
            Err(error) => {
                self.debug(format!("integration {:?} failed: {error}", spec.name));
                self.ctx.api = Some((false, 0));
                // No answer: no status, rather than the previous call's.
                self.ctx.vars.set(
                    &format!("api_{}Status", spec.rdv),
                    Value::String(String::new()),
                    crate::vars::Scope::Session,
                    None,
                );
            }
            Ok((status, body)) => {
                ok = crate::model::succeeded(status);
                self.ctx.api = Some((ok, status));
                let scope = crate::vars::Scope::Session;
                let rdv = &spec.rdv;
                self.ctx.vars.set(
                    &format!("api_{rdv}Status"),
                    Value::String(status.to_string()),
                    scope,
                    None,
                );
                let parsed = serde_json::from_str::<Value>(&body);
                let data = match &parsed {
                    Ok(v) => v.clone(),
                    Err(_) => Value::String(body.clone()),
                };
                let mut wrapped = serde_json::Map::new();
                wrapped.insert(format!("api_{rdv}"), data);
                let object = serde_json::json!({
                    "jsonData": Value::Object(wrapped).to_string()
                });
                self.ctx
                    .vars
                    .set(&format!("api_{rdv}"), object, scope, None);
                if let Some(code) = &spec.transform {
                    self.hook(at, code, "transform script");
                }
                if ok && parsed.is_err() && !spec.fields.is_empty() {
                    self.debug(format!(
                        "integration {:?} answered {status} with a body that is not JSON; counted as a failure",
                        spec.name
                    ));
                    ok = false;
                    self.ctx.api = Some((false, status));
                }
                self.read_fields(integration);
            }
        }
        ok
    }

    /// Evaluates an integration's custom data fields over its (possibly transformed) results.
    pub(super) fn read_fields(&mut self, integration: IntegrationId) {
        let bot = Arc::clone(&self.bot);
        let spec = &bot.integrations[integration];
        let doc = self
            .ctx
            .vars
            .get(&format!("api_{}", spec.rdv))
            .and_then(|v| v.get("jsonData"))
            .and_then(Value::as_str)
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .unwrap_or(Value::Null);
        for (key, path) in &spec.fields {
            let values = path.select(&doc);
            self.ctx
                .fields
                .insert((spec.name.clone(), key.clone()), values);
        }
    }
}
