//! Writes the TypeScript declarations of the values Chatlet's page API carries, from
//! the Rust types that carry them: the mount options ([`chatlet_widget::options`]) and
//! every `chatlet:*` event's detail ([`chatlet_widget::events`]), with the map from each
//! event's name to its detail. `tools/build.sh` runs it natively and `tools/release.mjs`
//! puts its output into the package's `chatlet.d.ts`, below the functions' signatures
//! (`www/chatlet.d.ts`). Usage: `chatlet-types > FILE`.

use chatlet_widget::events::{self, Finding, Line};
use chatlet_widget::options::PageOptions;
use ts_rs::{Config, TS};

fn main() {
    let cfg = Config::new();
    let mut out = String::from(
        "// Written by chatlet-types from the widget's Rust types (src/options.rs,\n\
         // src/events.rs): what the code reads and sends is what these say.\n\n",
    );
    let mut declare = |decl: String| {
        out.push_str("export ");
        out.push_str(decl.trim());
        out.push_str("\n\n");
    };
    declare(PageOptions::decl(&cfg));
    declare(Line::decl(&cfg));
    declare(Finding::decl(&cfg));
    let all = events::declarations(&cfg);
    for (_, _, decl) in &all {
        declare(decl.clone());
    }
    out.push_str(
        "/** Every `chatlet:*` event's detail, by the event's name (without the\n \
         * `conversationId` every detail carries: see `ChatletEventMap`). */\n\
         export interface ChatletEventDetails {\n",
    );
    for (name, ty, _) in &all {
        out.push_str(&format!("  \"{name}\": {ty};\n"));
    }
    out.push_str("}\n");
    print!("{out}");
}
