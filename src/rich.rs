//! LivePerson rich content (CB UNIVERSAL, and STRUCTURED cards converted to it): what it
//! holds and what of it is safe to draw (`components::rich` draws it). A link is
//! `https:`, `http:`, `mailto:` or `tel:`, an image `https:`, `http:` or a raster
//! `data:image/`, with no white space or control character hidden in it; a style is a
//! fixed list of properties with checked values. [`audit`] lists what is not drawn, for
//! the console. Plain Rust, tested natively.

use chatlet_engine::{CardOut, ChoiceOut};
use serde_json::{Map, Value};

/// `url` if it is a link Chatlet opens: web, mail or phone, nothing hidden in it.
pub fn safe_link(url: &str) -> Option<&str> {
    let url = url.trim();
    clean(url)
        .then_some(url)
        .filter(|u| starts(u, &["https://", "http://", "mailto:", "tel:"]))
}

/// `url` if it is an image Chatlet shows: a web address or a raster `data:` image.
pub fn safe_image(url: &str) -> Option<&str> {
    const RASTER: [&str; 8] = [
        "https://",
        "http://",
        "data:image/png;",
        "data:image/jpeg;",
        "data:image/jpg;",
        "data:image/gif;",
        "data:image/webp;",
        "data:image/avif;",
    ];
    let url = url.trim();
    clean(url).then_some(url).filter(|u| starts(u, &RASTER))
}

/// No white space or control characters anywhere (a URL parser drops some of them, so
/// `java\tscript:` would read as `javascript:`), and something after the scheme.
fn clean(url: &str) -> bool {
    !url.chars().any(|c| c.is_whitespace() || c.is_control()) && url.len() > 8
}

fn starts(url: &str, schemes: &[&str]) -> bool {
    schemes.iter().any(|s| {
        url.get(..s.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(s))
    })
}

pub fn text<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

pub fn list<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A URL check: the URL if it is safe.
type Check = fn(&str) -> Option<&str>;

/// What [`audit`] found that is not drawn: unsafe URLs and unknown element types.
pub fn audit(v: &Value, out: &mut Vec<String>) {
    let mut urls: Vec<(&str, Check)> = Vec::new();
    match text(v, "type") {
        "image" => urls.push((text(v, "url"), safe_image)),
        "vertical" | "horizontal" | "carousel" | "text" | "button" | "map" => {}
        other => out.push(format!("the element type {other:?} is shown as its text")),
    }
    for action in list(v.get("click").unwrap_or(&Value::Null), "actions") {
        if text(action, "type") == "link" {
            urls.push((text(action, "uri"), safe_link));
        }
    }
    for (url, ok) in urls {
        if !url.is_empty() && ok(url).is_none() {
            out.push(format!("an unsafe URL is dropped: {url:?}"));
        }
    }
    for e in list(v, "elements") {
        audit(e, out);
    }
}

/// The texts and titles inside an element, in order.
pub fn words_of(v: &Value, out: &mut Vec<String>) {
    for key in ["title", "text"] {
        let t = text(v, key).trim();
        if !t.is_empty() {
            out.push(t.to_string());
        }
    }
    for e in list(v, "elements") {
        words_of(e, out);
    }
}

/// What an image shows, for those who cannot see it.
pub fn alt(v: &Value) -> String {
    ["alt", "tooltip", "caption"]
        .iter()
        .map(|k| text(v, k))
        .find(|t| !t.trim().is_empty())
        .unwrap_or_default()
        .to_string()
}

/// A text's class (its size) and checked style: bold, italic, colours as `#hex`.
pub fn text_style(style: &Value) -> (&'static str, Option<String>) {
    let class = match text(style, "size") {
        "small" => "chatlet-rtext chatlet-small",
        "large" => "chatlet-rtext chatlet-large",
        _ => "chatlet-rtext",
    };
    let mut css = String::new();
    let on = |k: &str| style.get(k).and_then(Value::as_bool).unwrap_or(false);
    if on("bold") {
        css.push_str("font-weight:700;");
    }
    if on("italic") {
        css.push_str("font-style:italic;");
    }
    for (key, property) in [("color", "color"), ("background-color", "background-color")] {
        let c = text(style, key);
        let hex = |h: &str| h.bytes().all(|b| b.is_ascii_hexdigit());
        if matches!(c.len(), 4 | 5 | 7 | 9) && c.strip_prefix('#').is_some_and(hex) {
            css.push_str(&format!("{property}:{c};"));
        }
    }
    (class, (!css.is_empty()).then_some(css))
}

/// A button's checked style: a text's (bold, italic, colours), and a filled button's
/// border in its fill.
pub fn button_style(style: &Value) -> Option<String> {
    let (_, css) = text_style(style);
    let mut css = css?;
    if let Some(fill) = css
        .split(';')
        .find_map(|d| d.strip_prefix("background-color:"))
    {
        css.push_str(&format!("border-color:{fill};"));
    }
    Some(css)
}

/// What a link around an image is called: its tooltip, else its caption, else its
/// alternative text, else "Open" and the link's host (`open` holds `{host}`).
pub fn link_name(v: &Value, href: &str, open: &str) -> String {
    ["tooltip", "caption", "alt"]
        .iter()
        .map(|k| text(v, k).trim())
        .find(|t| !t.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            let rest = href.split_once("://").map_or(href, |(_, r)| r);
            let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            let host = host.rsplit('@').next().unwrap_or(host);
            let host = if host.is_empty() { href } else { host };
            open.replace("{host}", host.trim_start_matches("www."))
        })
}

/// A map link for a place given by `la` and `lo` (numbers), if they are numbers.
pub fn map_url(v: &Value) -> Option<String> {
    let la = v.get("la").filter(|n| n.is_number())?;
    let lo = v.get("lo").filter(|n| n.is_number())?;
    Some(format!(
        "https://www.openstreetmap.org/?mlat={la}&mlon={lo}#map=16/{la}/{lo}"
    ))
}

/// Where the next `http://` or `https://` address starts, if any.
pub fn find_url(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("http") {
        let at = from + i;
        if starts(&text[at..], &["https://", "http://"]) {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// STRUCTURED cards as rich content: each a vertical card (image, title, subtitle,
/// buttons), several a carousel.
pub fn from_cards(cards: &[CardOut]) -> Value {
    let card = |c: &CardOut| {
        let mut elements = Vec::new();
        if !c.image.is_empty() {
            elements.push(obj([
                ("type", "image".into()),
                ("url", c.image.clone().into()),
            ]));
        }
        let mut bold = Map::new();
        bold.insert("bold".into(), Value::Bool(true));
        for (t, style) in [(&c.title, Some(bold)), (&c.subtitle, None)] {
            if !t.is_empty() {
                let mut e = obj([("type", "text".into()), ("text", t.clone().into())]);
                if let (Some(s), Value::Object(m)) = (style, &mut e) {
                    m.insert("style".into(), Value::Object(s));
                }
                elements.push(e);
            }
        }
        elements.extend(c.buttons.iter().map(button));
        obj([
            ("type", "vertical".into()),
            ("elements", Value::Array(elements)),
        ])
    };
    match cards {
        [one] => card(one),
        many => obj([
            ("type", "carousel".into()),
            ("padding", 10.into()),
            ("elements", Value::Array(many.iter().map(card).collect())),
        ]),
    }
}

/// A card's button as a rich-content button. Its payload is sent, and (unlike
/// LivePerson's own `publishText`, whose text is also what the visitor is shown to say)
/// its title is shown: [`SHOWN`].
fn button(b: &ChoiceOut) -> Value {
    let action = match &b.url {
        Some(url) => obj([("type", "link".into()), ("uri", url.clone().into())]),
        None => obj([
            ("type", "publishText".into()),
            ("text", b.payload.clone().into()),
            (SHOWN, b.title.clone().into()),
        ]),
    };
    let click = obj([("actions", Value::Array(vec![action]))]);
    obj([
        ("type", "button".into()),
        ("title", b.title.clone().into()),
        ("click", click),
    ])
}

/// The key of a `publishText` action (in cards Chatlet converts) for what the visitor is
/// shown to say, where that is not the text sent.
pub const SHOWN: &str = "chatletShown";

/// A JSON object of `pairs` (for rich content and the events' details: `json!` would
/// instantiate serde's value serializer for each type it is given).
pub fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_web_mail_and_phone_links_pass() {
        for ok in [
            "https://x.example/a?b=c",
            "HTTP://x.example",
            "mailto:a@x.example",
            "tel:+3312345678",
        ] {
            assert_eq!(safe_link(ok), Some(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            " javascript:alert(1)",
            "javascript&#58;alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.example/x",
            "/relative",
            "https://",
            "https://x.example/\u{0}",
            "https://x.example/a b",
        ] {
            assert_eq!(safe_link(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_web_and_raster_data_images_pass() {
        assert!(safe_image("https://x.example/a.png").is_some());
        assert!(safe_image("data:image/png;base64,iVBORw0KGgo=").is_some());
        for bad in [
            "data:image/svg+xml;base64,PHN2Zz4=",
            "data:text/html;base64,PHNjcmlwdD4=",
            "javascript:alert(1)",
            "//evil.example/a.png",
            "mailto:a@x.example",
        ] {
            assert_eq!(safe_image(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn styles_come_from_a_fixed_list_with_checked_values() {
        let (class, css) =
            text_style(&json!({"bold": true, "italic": true, "color": "#2E7D32", "size": "large"}));
        assert_eq!(class, "chatlet-rtext chatlet-large");
        assert_eq!(
            css.as_deref(),
            Some("font-weight:700;font-style:italic;color:#2E7D32;")
        );
        for hostile in [
            "red;background:url(javascript:x)",
            "#12345\";x",
            "expression(alert(1))",
            "#ééé",
        ] {
            let (_, css) = text_style(&json!({"color": hostile, "background-color": hostile}));
            assert_eq!(css, None, "{hostile}");
        }
    }

    #[test]
    fn audit_names_what_is_not_drawn() {
        let content = json!({"type": "vertical", "elements": [
            {"type": "image", "url": "javascript:alert(1)"},
            {"type": "button", "title": "x", "click": {"actions": [{"type": "link", "uri": "data:text/html,x"}]}},
            {"type": "video", "text": "clip"},
            {"type": "text", "text": "fine"}
        ]});
        let mut found = Vec::new();
        audit(&content, &mut found);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[2].contains("\"video\""));
        let mut words = Vec::new();
        words_of(&content, &mut words);
        assert_eq!(words, ["x", "clip", "fine"]);
    }

    #[test]
    fn cards_become_a_card_or_a_carousel() {
        let card = |t: &str| CardOut {
            title: t.into(),
            subtitle: "sub".into(),
            image: "https://x.example/i.png".into(),
            buttons: vec![ChoiceOut {
                title: "Buy".into(),
                payload: "buy".into(),
                url: None,
            }],
        };
        let one = from_cards(&[card("A")]);
        assert_eq!(one["type"], "vertical");
        assert_eq!(one["elements"][1]["style"]["bold"], true);
        assert_eq!(one["elements"][3]["click"]["actions"][0]["text"], "buy");
        let many = from_cards(&[card("A"), card("B")]);
        assert_eq!(many["type"], "carousel");
        assert_eq!(many["elements"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn filled_buttons_and_named_image_links() {
        let css = button_style(
            &json!({"bold": true, "color": "#FFF", "background-color": "#3E47A0", "size": "medium"}),
        );
        assert_eq!(
            css.as_deref(),
            Some("font-weight:700;color:#FFF;background-color:#3E47A0;border-color:#3E47A0;")
        );
        assert_eq!(button_style(&json!({"color": "red;x"})), None);
        let open = "Open {host}";
        let image = |extra: Value| {
            let mut v = json!({"type": "image", "url": "https://img.example/a.png"});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v
        };
        assert_eq!(
            link_name(
                &image(json!({"tooltip": "Shop", "caption": "c"})),
                "https://x.example",
                open
            ),
            "Shop"
        );
        assert_eq!(
            link_name(
                &image(json!({"caption": "Our store"})),
                "https://x.example",
                open
            ),
            "Our store"
        );
        assert_eq!(
            link_name(&image(json!({})), "https://www.shop.example/a?b", open),
            "Open shop.example"
        );
        assert_eq!(
            link_name(&image(json!({})), "mailto:a@b.example", open),
            "Open b.example"
        );
    }

    #[test]
    fn addresses_are_found_in_text() {
        assert_eq!(find_url("see https://x.example."), Some(4));
        assert_eq!(find_url("an httpd log, http:no"), None);
        assert_eq!(find_url("no link"), None);
    }
}
