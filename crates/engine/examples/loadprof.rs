use chatlet_engine::internals::load_native;
fn big_bot(n: usize) -> String {
    let dialogs: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"name":"D{i}","patterns":["*topic{i} (info|details)*","(what|tell me) about item{i}*"],"flow":[{{"say":"Dialog {i} for {{$query}}"}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"dialogs":[{},{{"name":"Fallback","fallback":true,"flow":[{{"say":"Sorry?"}}]}}]}}"#,
        dialogs.join(",")
    )
}
fn main() {
    let s = big_bot(1000);
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(load_native(&s).unwrap());
    }
    eprintln!("{} bytes, {:?} per load", s.len(), t.elapsed() / n as u32);
    parse_only(&s, n);
}
#[allow(dead_code)]
fn parse_only(s: &str, n: usize) {
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(serde_json::from_str::<serde_json::Value>(s).unwrap());
    }
    eprintln!("parse only {:?}", t.elapsed() / n as u32);
}
