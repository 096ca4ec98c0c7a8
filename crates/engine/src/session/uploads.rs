//! File uploads: judging an offered file, sending it through its File integration, and
//! routing the outcome as `file_upload_success:` / `file_upload_failed:`.

use super::*;

impl Session {
    /// The visitor offers a file: refused with the validation message, or sent to the
    /// File integration that follows the File Upload interaction.
    pub(super) fn on_file(&mut self, file: FileIn) {
        self.steps = 0;
        self.start();
        let bot = Arc::clone(&self.bot);
        let asking = self.pending.and_then(|q| match &bot.interactions[q].kind {
            Kind::Upload(spec) => Some((q, spec)),
            _ => None,
        });
        let Some((at, spec)) = asking else {
            self.out.push(Output::FileRefused { file: file.handle });
            return self.debug(format!(
                "file {:?} arrived, but the bot is not asking for a file; ignored",
                file.name
            ));
        };
        match upload::judge(&spec.accept, &file.name, file.size, &file.head) {
            Err(refusal) => {
                self.out.push(Output::FileRefused { file: file.handle });
                self.debug(refusal.describe(&file.name));
                let (text, markup) = match (&spec.invalid, &refusal) {
                    (Some(own), _) => self.shown(own),
                    (None, Refusal::TooLarge(_)) => (upload::default_too_large_text(), false),
                    (None, _) => (upload::default_invalid_text(&spec.labels), false),
                };
                self.say_text(&text, markup, 0);
            }
            Ok(kind) => {
                self.pending = None;
                self.offered.clear();
                self.ctx.file = Some((kind.to_string(), file.caption));
                self.start_upload(at, spec, file.handle);
            }
        }
    }

    /// Starts the upload of an accepted file: the File integration's pre-process code, the
    /// in-progress message and the [`Output::Upload`]; then the flow goes on.
    pub(super) fn start_upload(&mut self, at: InteractionId, spec: &UploadSpec, file: u64) {
        let bot = Arc::clone(&self.bot);
        let call = bot.after(at).and_then(|c| match bot.interactions[c].kind {
            Kind::Call(i) if bot.integrations[i].file => Some((c, i)),
            _ => None,
        });
        let Some((call, integration)) = call else {
            // The loaders refuse this; a bot built by hand may still do it.
            self.debug(format!(
                "{:?} is not followed by a File integration; the file goes nowhere",
                bot.interactions[at].name
            ));
            return self.route_upload(at, false);
        };
        let it = &bot.interactions[call];
        self.enter(it.dialog);
        if let Some(code) = &it.code.pre {
            let outcome = self.hook(call, code, "pre-process code");
            if outcome.stop {
                return;
            }
            if let Some(to) = outcome.trigger {
                return self.run(to);
            }
        }
        let Some((url, headers)) = self.address(integration) else {
            return self.route_upload(at, false);
        };
        let (progress, markup) = self.shown(&spec.progress);
        self.say_text(&progress, markup, 0);
        let id = self.next_request;
        self.next_request += 1;
        self.uploads.insert(
            id,
            InFlight {
                call,
                integration,
                upload: at,
            },
        );
        let target = &bot.integrations[integration];
        self.out.push(Output::Upload(Upload {
            id,
            file,
            integration: target.name.clone(),
            method: target.method.clone(),
            url,
            headers,
        }));
        let step = self.follow(call, it.onward());
        self.proceed(step);
    }

    /// An upload finished: store its answer, run the File integration's post-process code,
    /// then route `file_upload_success:…` or `file_upload_failed:…`.
    pub(super) fn on_uploaded(&mut self, id: u64, result: Result<(u16, String), String>) {
        let Some(done) = self.uploads.remove(&id) else {
            return;
        };
        self.steps = 0;
        self.start();
        let bot = Arc::clone(&self.bot);
        let ok = self.store_result(done.call, done.integration, result);
        if let Some(code) = &bot.interactions[done.call].code.post {
            let outcome = self.hook(done.call, code, "post-process code");
            if outcome.stop {
                return;
            }
            if let Some(to) = outcome.trigger {
                return self.run(to);
            }
        }
        self.route_upload(done.upload, ok);
    }

    /// Sends the bot `file_upload_success:<message>` (or `…failed:…`) as a visitor message:
    /// a dialog whose starter matches takes over; otherwise the message itself is shown.
    /// It never answers an open question and never goes to the fallback dialog.
    pub(super) fn route_upload(&mut self, at: InteractionId, ok: bool) {
        let bot = Arc::clone(&self.bot);
        let Kind::Upload(spec) = &bot.interactions[at].kind else {
            return;
        };
        let (prefix, message) = match ok {
            true => (upload::SUCCESS_PREFIX, self.render(&spec.success)),
            false => (upload::FAILURE_PREFIX, self.render(&spec.failure)),
        };
        self.ctx.user_message = format!("{prefix}{message}");
        self.ctx.payload = None;
        self.origin = Origin::Event;
        match self.starter() {
            Some(dialog) => {
                let interrupted = self.pending.take();
                self.offered.clear();
                self.start_dialog(dialog, interrupted);
            }
            None => {
                let (text, markup) = match ok {
                    true => self.shown(&spec.success),
                    false => self.shown(&spec.failure),
                };
                self.say_text(&text, markup, 0)
            }
        }
    }
}
