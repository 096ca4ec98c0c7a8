//! Rich content drawn (what it is and its checks: `crate::rich`): `vertical` and
//! `horizontal` layouts (with `percentages`), `carousel`s, styled `text`, `image`s
//! (caption, alternative text, a broken one gives way to its text), `button`s whose
//! `click.actions` send text (`publishText`), open a link (`link`) or a map
//! (`navigate`), and `map`s; an element type Chatlet does not know shows its text. Only
//! the attributes written here reach the DOM, and every URL passes `rich::safe_link` or
//! `rich::safe_image`.

use std::rc::Rc;

use serde_json::Value;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ResizeObserver};
use yew::prelude::*;

use crate::rich::{
    alt, button_style, find_url, link_name, list, map_url, safe_image, safe_link, text, text_style,
    words_of, SHOWN,
};
use crate::strings::Strings;

/// What drawing needs from the window.
pub struct Ctx<'a> {
    /// Called with (what the visitor is shown to say, what is sent).
    pub on_choice: &'a Callback<(String, String)>,
    /// Called with an element's `click.metadata` when it is clicked (for the page).
    pub on_metadata: &'a Callback<Value>,
    /// The widget's texts (the carousel's buttons, an image link's name).
    pub strings: &'a Rc<Strings>,
}

/// Draws one element of rich content.
pub fn view(v: &Value, cx: &Ctx) -> Html {
    match text(v, "type") {
        "vertical" => html! {
            <div class="chatlet-rv">{ for list(v, "elements").iter().map(|e| view(e, cx)) }</div>
        },
        "horizontal" => {
            let shares = list(v, "percentages");
            let cell = |(i, e): (usize, &Value)| {
                let style = shares
                    .get(i)
                    .and_then(Value::as_u64)
                    .filter(|p| *p <= 100)
                    .map(|p| format!("flex:0 0 {p}%"));
                html! { <div class="chatlet-rcell" {style}>{ view(e, cx) }</div> }
            };
            html! {
                <div class="chatlet-rh">{ for list(v, "elements").iter().enumerate().map(cell) }</div>
            }
        }
        "carousel" => html! {
            <Carousel content={Rc::new(v.clone())} on_choice={cx.on_choice.clone()}
                on_metadata={cx.on_metadata.clone()} strings={cx.strings.clone()} />
        },
        "text" => {
            let (class, style) = text_style(v.get("style").unwrap_or(&Value::Null));
            html! { <p {class} {style} title={tooltip(v)}>{ linkify(text(v, "text")) }</p> }
        }
        "image" => clickable(
            v,
            cx,
            "chatlet-rimage",
            image(text(v, "url"), &alt(v), text(v, "caption")),
        ),
        "button" => clickable(v, cx, "chatlet-rbutton", html! { { text(v, "title") } }),
        // (a button's `style`, as LivePerson's window draws it, is applied in `clickable`)
        "map" => map(v),
        _ => {
            let mut words = Vec::new();
            words_of(v, &mut words);
            html! { <p class="chatlet-rtext">{ words.join(" ") }</p> }
        }
    }
}

fn tooltip(v: &Value) -> Option<AttrValue> {
    let t = text(v, "tooltip");
    (!t.is_empty()).then(|| AttrValue::from(t.to_string()))
}

/// An image with its caption above it (as LivePerson's window puts it); a broken one
/// gives way to its text.
pub fn image(url: &str, alt: &str, caption: &str) -> Html {
    let Some(src) = safe_image(url) else {
        let t = if caption.is_empty() { alt } else { caption };
        return html! { <p class="chatlet-alt chatlet-shown">{ t.to_string() }</p> };
    };
    let broken = Callback::from(|e: Event| {
        if let Some(img) = e.target_dyn_into::<Element>() {
            let _ = img.set_attribute("class", "chatlet-image chatlet-broken");
        }
    });
    let fallback = (caption.is_empty() && !alt.is_empty())
        .then(|| html! { <span class="chatlet-alt">{ alt.to_string() }</span> });
    let caption = (!caption.is_empty())
        .then(|| html! { <span class="chatlet-caption">{ caption.to_string() }</span> });
    html! {
        <span class="chatlet-figure">
            { for caption }
            <img class="chatlet-image" src={src.to_string()} alt={alt.to_string()} loading="lazy"
                width="240" height="180" onerror={broken} />
            { for fallback }
        </span>
    }
}

/// An element that acts when clicked (a button, an image): it opens its link or map in
/// a new tab, sends its text, or both; without an action it is shown, inert. What a
/// `publishText` sends is what the visitor is shown to say, as in LivePerson's window
/// (cards Chatlet converts show their button's title: `SHOWN`). A button's `style`
/// (fill, colour, bold) goes through the same checked list as a text's; a link around
/// an image is named by its tooltip, caption or alternative text, else its host.
fn clickable(v: &Value, cx: &Ctx, class: &'static str, inner: Html) -> Html {
    let actions = list(v.get("click").unwrap_or(&Value::Null), "actions");
    let mut href = None;
    let mut send = None;
    let mut shown = None;
    for a in actions {
        match text(a, "type") {
            "link" if href.is_none() => href = safe_link(text(a, "uri")).map(str::to_string),
            "navigate" if href.is_none() => href = map_url(a),
            "publishText" if send.is_none() => {
                send = Some(text(a, "text").to_string());
                shown = Some(match text(a, SHOWN) {
                    "" => text(a, "text").to_string(),
                    title => title.to_string(),
                });
            }
            _ => {}
        }
    }
    let shown = shown.unwrap_or_default();
    let style = (class == "chatlet-rbutton")
        .then(|| button_style(v.get("style").unwrap_or(&Value::Null)))
        .flatten();
    let label = match (&href, class) {
        (Some(href), "chatlet-rimage") => Some(AttrValue::from(link_name(
            v,
            href,
            cx.strings.get("openLink"),
        ))),
        _ => None,
    };
    let metadata = v
        .pointer("/click/metadata")
        .filter(|m| !m.is_null())
        .cloned();
    let onclick = (send.is_some() || metadata.is_some()).then(|| {
        let (on_choice, on_metadata) = (cx.on_choice.clone(), cx.on_metadata.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(m) = &metadata {
                on_metadata.emit(m.clone());
            }
            if let Some(t) = &send {
                on_choice.emit((shown.clone(), t.clone()));
            }
        })
    });
    let title = tooltip(v);
    match (href, onclick) {
        (Some(href), onclick) => html! {
            <a {class} {href} {style} target="_blank" rel="noopener noreferrer" {title}
                aria-label={label} {onclick}>{ inner }</a>
        },
        (None, Some(onclick)) => html! {
            <button type="button" {class} {style} {title} aria-label={label} {onclick}>{ inner }</button>
        },
        (None, None) if class == "chatlet-rbutton" => html! {
            <button type="button" class="chatlet-rbutton" disabled=true {style} {title}>{ inner }</button>
        },
        (None, None) => inner,
    }
}

/// A map: a pin and the place, opening a map in a new tab.
fn map(v: &Value) -> Html {
    let Some(href) = map_url(v) else {
        return html! {};
    };
    let label = match tooltip(v) {
        Some(t) => t.to_string(),
        None => format!("{}, {}", v["la"], v["lo"]),
    };
    html! {
        <a class="chatlet-map" {href} target="_blank" rel="noopener noreferrer">
            <svg class="chatlet-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M12 2a7 7 0 0 0-7 7c0 5.3 7 13 7 13s7-7.7 7-13a7 7 0 0 0-7-7zm0 9.5a2.5 2.5 0 1 1 0-5 2.5 2.5 0 0 1 0 5z" />
            </svg>
            { label }
        </a>
    }
}

/// How long an arrow's smooth scroll is taken to be on its way (Chromium's takes about
/// 300 to 500 ms).
const AIM_MS: f64 = 700.0;

/// A carousel's properties: the element, and what its cards' buttons need.
#[derive(Properties, PartialEq)]
pub struct CarouselProps {
    content: Rc<Value>,
    on_choice: Callback<(String, String)>,
    on_metadata: Callback<Value>,
    strings: Rc<Strings>,
}

/// A carousel: its cards side by side (each at most about 80% of its width), scrolled
/// by swiping or by its arrows, which sit below the cards and show only where there is
/// somewhere to go (measured on scrolling and whenever the track's size changes).
#[function_component(Carousel)]
fn carousel(props: &CarouselProps) -> Html {
    let v = &*props.content;
    let track = use_node_ref();
    // At the first card, at the last.
    let ends = use_state_eq(|| (true, true));
    // Where an arrow sent the track and when (it scrolls smoothly): a second click while
    // it is still on its way goes on from there, so two quick clicks move two cards.
    let aim = use_mut_ref(|| None::<(i32, f64)>);
    let measure = {
        let (track, ends) = (track.clone(), ends.setter());
        Rc::new(move || {
            if let Some(t) = track.cast::<Element>() {
                let (left, max) = (t.scroll_left(), t.scroll_width() - t.client_width());
                ends.set((left <= 1, left >= max - 1));
            }
        })
    };
    {
        let (track, measure) = (track.clone(), measure.clone());
        use_effect_with((), move |_| {
            let on_resize = Closure::<dyn Fn()>::new(move || measure());
            let observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
            if let (Some(o), Some(t)) = (&observer, track.cast::<Element>()) {
                o.observe(&t);
            }
            move || {
                if let Some(o) = observer {
                    o.disconnect();
                }
                drop(on_resize);
            }
        });
    }
    let onscroll = Callback::from(move |_: Event| measure());
    let gap = v
        .get("padding")
        .and_then(Value::as_u64)
        .filter(|p| *p <= 64)
        .map(|p| format!("gap:{p}px"));
    let scroll = |by: i32| {
        let (track, aim) = (track.clone(), aim.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(t) = track.cast::<HtmlElement>() else {
                return;
            };
            let slides = t.children();
            let lefts: Vec<i32> = (0..slides.length())
                .filter_map(|i| slides.item(i)?.dyn_into::<HtmlElement>().ok())
                .map(|e| e.offset_left() - t.offset_left())
                .collect();
            let now = js_sys::Date::now();
            let on_its_way = aim
                .borrow()
                .filter(|(_, at)| now - at < AIM_MS)
                .map(|(x, _)| x);
            let from = on_its_way.unwrap_or_else(|| t.scroll_left());
            let Some((at, _)) = lefts
                .iter()
                .enumerate()
                .min_by_key(|(_, l)| (**l - from).abs())
            else {
                return;
            };
            let to = (at as i32 + by).clamp(0, lefts.len() as i32 - 1) as usize;
            let x = lefts[to].clamp(0, (t.scroll_width() - t.client_width()).max(0));
            *aim.borrow_mut() = Some((x, now));
            t.scroll_to_with_x_and_y(f64::from(x), 0.0);
        })
    };
    let cx = Ctx {
        on_choice: &props.on_choice,
        on_metadata: &props.on_metadata,
        strings: &props.strings,
    };
    let s = &props.strings;
    let (first, last) = *ends;
    html! {
        <div class="chatlet-carousel" role="group" aria-roledescription="carousel">
            <div ref={track.clone()} class="chatlet-track" style={gap} {onscroll}>
                { for list(v, "elements").iter().map(|e| html! { <div class="chatlet-slide">{ view(e, &cx) }</div> }) }
            </div>
            <div class="chatlet-arrows">
                <button type="button" class="chatlet-prev" hidden={first}
                    aria-label={s.get("previous").to_string()} onclick={scroll(-1)}>{ "‹" }</button>
                <button type="button" class="chatlet-next" hidden={last}
                    aria-label={s.get("next").to_string()} onclick={scroll(1)}>{ "›" }</button>
            </div>
        </div>
    }
}

/// Plain text with its web addresses as links (a trailing full stop or bracket is the
/// sentence's, not the address's).
pub fn linkify(text: &str) -> Html {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        let tail = &rest[at..];
        let len = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(tail.len());
        let url = tail[..len].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'']);
        // Text up to here; then the address, a link if it is a safe one.
        let (before, after) = rest.split_at(at + url.len());
        match safe_link(url) {
            Some(href) => {
                parts.push(html! { { before[..at].to_string() } });
                parts.push(html! {
                    <a href={href.to_string()} target="_blank" rel="noopener noreferrer">{ href.to_string() }</a>
                });
            }
            None => parts.push(html! { { before.to_string() } }),
        }
        rest = after;
    }
    parts.push(html! { { rest.to_string() } });
    parts.into_iter().collect()
}
