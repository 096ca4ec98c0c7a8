//! A file the visitor offered, as its bubble shows it: name, size, and how its upload is
//! going (a progress bar while it is sent).

use yew::prelude::*;

use super::composer::paperclip;
use crate::chat::FileState;
use crate::strings::Strings;

/// The file bubble's content: the same nodes whatever the state (the progress bar is
/// hidden unless the file is being sent), so a change of state changes them in place.
pub fn file(name: &str, size: u64, state: FileState, s: &Strings) -> Html {
    let (status, sent) = match state {
        FileState::Checking => (s.get("fileChecking").to_string(), None),
        FileState::Refused => (s.get("fileRefused").to_string(), None),
        FileState::Sent => (s.get("fileSent").to_string(), None),
        FileState::Failed => (s.get("fileFailed").to_string(), None),
        FileState::Sending(sent) => {
            let sent = sent.min(size);
            let percent = (sent * 100).checked_div(size).unwrap_or(0);
            (format!("{percent}%"), Some(sent))
        }
    };
    html! {
        <div class="chatlet-file" data-state={state_name(state)}>
            <p class="chatlet-file-name">{ paperclip() }{ name.to_string() }
                <span class="chatlet-file-size">{ format!(" ({})", human_size(size, s)) }</span></p>
            <progress class="chatlet-progress" max={size.to_string()} value={sent.unwrap_or(0).to_string()}
                hidden={sent.is_none()} aria-label={s.fill("uploading", "name", name)}></progress>
            // Each percent is not news for the log's listeners; the bot's messages say how
            // the upload went.
            <span class="chatlet-file-status" aria-live="off">{ status }</span>
        </div>
    }
}

fn state_name(state: FileState) -> &'static str {
    match state {
        FileState::Checking => "checking",
        FileState::Refused => "refused",
        FileState::Sending(_) => "sending",
        FileState::Sent => "sent",
        FileState::Failed => "failed",
    }
}

/// `1.2 MB`, `34 KB`, `512 B` (the units from the strings table).
fn human_size(bytes: u64, s: &Strings) -> String {
    const MB: u64 = 1024 * 1024;
    match bytes {
        b if b >= MB => s.fill("sizeMB", "n", &format!("{}.{}", b / MB, b % MB * 10 / MB)),
        b if b >= 1024 => s.fill("sizeKB", "n", &(b / 1024).to_string()),
        b => s.fill("sizeB", "n", &b.to_string()),
    }
}
