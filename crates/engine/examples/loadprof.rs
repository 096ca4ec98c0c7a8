//! Loads the generated 1,000-dialog bot of `benches/turn.rs` N times (default 1) and
//! prints the time per load: a steady workload for `valgrind --tool=callgrind`, which
//! counts instructions repeatably where timings are noisy (docs/performance.md):
//!
//! ```sh
//! CARGO_PROFILE_RELEASE_DEBUG=true cargo build --release -p chatlet-engine --example loadprof
//! valgrind --tool=callgrind target/release/examples/loadprof 3
//! ```

use chatlet_engine::internals::load_native;

#[path = "../benches/shared/big_bot.rs"]
mod big_bot;
use big_bot::big_bot;

fn main() {
    let source = big_bot(1000);
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(load_native(&source).unwrap());
    }
    eprintln!(
        "{} bytes, {:?} per load",
        source.len(),
        start.elapsed() / n.max(1)
    );
}
