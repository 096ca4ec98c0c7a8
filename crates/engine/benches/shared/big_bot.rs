//! The generated bot the turn benchmark and the `loadprof` example share.

/// A native bot with `n` dialogs, each started by two patterns and answering one line.
pub fn big_bot(n: usize) -> String {
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
