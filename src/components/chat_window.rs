//! The chat window: loads the bot, owns the engine session, performs its outputs.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chatlet_engine::{Input, Output, Session, SessionOptions};
use yew::platform::{spawn_local, time::sleep};
use yew::prelude::*;

use super::composer::Composer;
use super::message_list::MessageList;
use crate::chat::{Action, Chat, Status};
use crate::scripts::BrowserScripts;

/// The chat window's properties.
#[derive(Properties, PartialEq, Clone)]
pub struct ChatWindowProps {
    /// URL of the bot file (native format or a CB export).
    pub bot_url: AttrValue,
}

impl Reducible for Chat {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

type SharedSession = Rc<RefCell<Option<Session>>>;

/// The whole widget.
#[function_component(ChatWindow)]
pub fn chat_window(props: &ChatWindowProps) -> Html {
    let chat = use_reducer(Chat::default);
    let session: SharedSession = use_mut_ref(|| None);

    {
        let dispatch = chat.dispatcher();
        let session = session.clone();
        use_effect_with(props.bot_url.clone(), move |url| {
            let url = url.to_string();
            spawn_local(async move {
                match fetch_bot(&url).await {
                    Ok(bot) => {
                        let title = bot.name.clone();
                        let scripts = BrowserScripts::for_bot(&bot);
                        if scripts.precompiled() {
                            web_sys::console::info_1(
                                &"chatlet: running the bot's precompiled scripts".into(),
                            );
                        }
                        *session.borrow_mut() = Some(Session::with_scripts(
                            Arc::new(bot),
                            session_options(),
                            Box::new(scripts),
                        ));
                        dispatch.dispatch(Action::Loaded(title));
                    }
                    Err(why) => dispatch.dispatch(Action::Failed(why)),
                }
            });
        });
    }

    // (what the visitor's bubble shows, what the engine receives)
    let send = {
        let dispatch = chat.dispatcher();
        let session = session.clone();
        Callback::from(move |(shown, payload): (String, String)| {
            dispatch.dispatch(Action::Visitor(shown));
            feed(&session, Input::Text(payload), &dispatch);
        })
    };

    let body = match &chat.status {
        Status::Loading => html! { <p class="chatlet-status" role="status">{ "Loading…" }</p> },
        Status::Failed(why) => html! {
            <p class="chatlet-status chatlet-error" role="alert">{ format!("This chat could not start. {why}") }</p>
        },
        Status::Ready => html! {
            <MessageList entries={chat.entries.clone()} typing={chat.typing} on_choice={send.clone()} />
        },
    };
    html! {
        <section class="chatlet" aria-label={chat.title.clone()}>
            <header class="chatlet-header"><h2>{ chat.title.clone() }</h2></header>
            { body }
            <Composer disabled={chat.status != Status::Ready} on_send={send.reform(|t: String| (t.clone(), t))} />
        </section>
    }
}

/// Gives the session an input and performs what comes out. While an integration call is
/// in flight the window shows the bot typing.
fn feed(session: &SharedSession, input: Input, dispatch: &UseReducerDispatcher<Chat>) {
    let (outputs, waiting) = match session.borrow_mut().as_mut() {
        Some(s) => (s.handle(input), s.is_waiting()),
        None => return,
    };
    deliver(outputs, session, dispatch.clone());
    dispatch.dispatch(Action::Typing(waiting));
}

/// Shows the engine's outputs in order, each after its delay, and performs its requests.
fn deliver(outputs: Vec<Output>, session: &SharedSession, dispatch: UseReducerDispatcher<Chat>) {
    let mut wait = 0u64;
    for output in outputs {
        if let Output::Debug { message } = &output {
            let line = format!("chatlet: {message}").into();
            if message.starts_with(chatlet_engine::event::SCRIPT_ERROR) {
                web_sys::console::warn_1(&line);
            } else {
                web_sys::console::debug_1(&line);
            }
            continue;
        }
        if let Output::Request(request) = output {
            let session = session.clone();
            let dispatch = dispatch.clone();
            spawn_local(async move {
                let input = perform(request).await;
                feed(&session, input, &dispatch);
            });
            continue;
        }
        wait += match &output {
            Output::Text { delay_ms, .. } | Output::Image { delay_ms, .. } => u64::from(*delay_ms),
            _ => 0,
        };
        if wait == 0 {
            dispatch.dispatch(Action::Bot(output));
        } else {
            let dispatch = dispatch.clone();
            spawn_local(async move {
                sleep(Duration::from_millis(wait)).await;
                dispatch.dispatch(Action::Bot(output));
            });
        }
    }
}

async fn fetch_bot(url: &str) -> Result<chatlet_engine::Bot, String> {
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| format!("The bot file {url} could not be fetched ({e})."))?;
    if !response.ok() {
        return Err(format!(
            "The bot file {url} answered HTTP {}.",
            response.status()
        ));
    }
    let text = response
        .text()
        .await
        .map_err(|e| format!("The bot file {url} could not be read ({e})."))?;
    chatlet_engine::load(&text).map_err(|e| format!("The bot file {url} has errors:\n{e}"))
}

fn session_options() -> SessionOptions {
    let id = format!("{:016x}", (js_sys::Math::random() * 2f64.powi(53)) as u64);
    SessionOptions {
        conversation_id: id.clone(),
        user_id: format!("visitor-{id}"),
        ..Default::default()
    }
}

/// Performs an integration call with the browser's fetch. It is aborted after the
/// request's timeout; a timeout, a network error and a CORS refusal all come back as
/// [`Input::NetworkError`], which the bot's failure rules handle.
async fn perform(request: chatlet_engine::Request) -> Input {
    use gloo_net::http::{Method, RequestBuilder};
    let id = request.id;
    let method = Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::GET);
    let signal = web_sys::AbortSignal::timeout_with_u32(request.timeout_ms);
    let mut builder = RequestBuilder::new(&request.url)
        .method(method)
        .abort_signal(Some(&signal));
    for (key, value) in &request.headers {
        builder = builder.header(key, value);
    }
    let answer = async {
        let request = match request.body {
            Some(body) => builder.body(body)?,
            None => builder.build()?,
        };
        let response = request.send().await?;
        // The body is read under the same deadline.
        let body = response.text().await?;
        Ok::<_, gloo_net::Error>((response.status(), body))
    };
    match answer.await {
        Ok((status, body)) => Input::Response { id, status, body },
        Err(_) if signal.aborted() => Input::NetworkError {
            id,
            error: format!("no answer within {} ms", request.timeout_ms),
        },
        // The browser does not say why a fetch failed: the network, or CORS.
        Err(e) => Input::NetworkError {
            id,
            error: format!("{e} (a network error, or the API refused this page's origin (CORS))"),
        },
    }
}
