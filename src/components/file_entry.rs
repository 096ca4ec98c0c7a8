//! A file the visitor offered, as its bubble shows it: name, size, and how its upload is
//! going (a progress bar while it is sent).

use yew::prelude::*;

use super::composer::paperclip;
use crate::chat::FileState;
use crate::strings::Strings;

/// The file bubble's content.
pub fn file(name: &str, size: u64, state: FileState, s: &Strings) -> Html {
    let status = |key| html! { <span class="chatlet-file-status">{ s.get(key) }</span> };
    let status = match state {
        FileState::Checking => status("fileChecking"),
        FileState::Refused => status("fileRefused"),
        FileState::Sent => status("fileSent"),
        FileState::Failed => status("fileFailed"),
        FileState::Sending(sent) => {
            let sent = sent.min(size);
            let percent = (sent * 100).checked_div(size).unwrap_or(0);
            html! {
                <>
                    <progress class="chatlet-progress" max={size.to_string()} value={sent.to_string()}
                        aria-label={s.fill("uploading", "name", name)}></progress>
                    <span class="chatlet-file-status">{ format!("{percent}%") }</span>
                </>
            }
        }
    };
    html! {
        <div class="chatlet-file" data-state={state_name(state)}>
            <p class="chatlet-file-name">{ paperclip() }{ name.to_string() }
                <span class="chatlet-file-size">{ format!(" ({})", human_size(size, s)) }</span></p>
            { status }
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
