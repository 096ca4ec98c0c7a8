//! LivePerson rich content (CB UNIVERSAL) as the widget shows it today: its texts, its
//! images (with their caption or tooltip as alternative text) and its `publishText` /
//! `link` buttons, in document order.

use chatlet_engine::ChoiceOut;
use serde_json::Value;

/// What [`flatten`] finds: texts, images as (URL, alternative text), choices.
pub type Flat = (Vec<String>, Vec<(String, String)>, Vec<ChoiceOut>);

/// Texts, images and choices found in `content`.
pub fn flatten(content: &Value) -> Flat {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    walk(content, &mut out);
    out
}

fn walk(v: &Value, out: &mut Flat) {
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match v.get("type").and_then(Value::as_str) {
        Some("text") => out.0.push(text("text")),
        Some("image") => {
            let alt = [text("caption"), text("tooltip"), text("alt")]
                .into_iter()
                .find(|t| !t.trim().is_empty())
                .unwrap_or_default();
            out.1.push((text("url"), alt))
        }
        Some("button") => {
            let actions = v
                .pointer("/click/actions")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for action in actions {
                let get = |k: &str| action.get(k).and_then(Value::as_str).map(str::to_string);
                match action.get("type").and_then(Value::as_str) {
                    Some("publishText") => out.2.push(ChoiceOut {
                        title: text("title"),
                        payload: get("text").unwrap_or_else(|| text("title")),
                        url: None,
                    }),
                    Some("link") => out.2.push(ChoiceOut {
                        title: text("title"),
                        payload: String::new(),
                        url: get("uri"),
                    }),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    if let Some(elements) = v.get("elements").and_then(Value::as_array) {
        elements.iter().for_each(|e| walk(e, out));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_images_and_buttons() {
        let card = json!({"type": "vertical", "elements": [
            {"type": "image", "url": "https://x.example/a.png", "tooltip": "A red mug"},
            {"type": "text", "text": "Pick one"},
            {"type": "button", "title": "Yes", "click": {"actions": [{"type": "publishText", "text": "yes"}]}},
            {"type": "button", "title": "Site", "click": {"actions": [{"type": "link", "uri": "https://x.example"}]}}
        ]});
        let (texts, images, choices) = flatten(&card);
        assert_eq!(texts, ["Pick one"]);
        assert_eq!(
            images,
            [("https://x.example/a.png".into(), "A red mug".into())]
        );
        assert_eq!(choices[0].payload, "yes");
        assert_eq!(choices[1].url.as_deref(), Some("https://x.example"));
    }
}
