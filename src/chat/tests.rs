//! The chat window's state, changed through actions.
use super::*;

fn text(t: &str, choices: &[&str]) -> Output {
    let choices = choices
        .iter()
        .map(|c| ChoiceOut {
            title: c.to_string(),
            payload: c.to_lowercase(),
            url: None,
        })
        .collect();
    Output::Text {
        text: t.into(),
        markup: false,
        choices,
        chips: 0,
        delay_ms: 0,
    }
}

#[test]
fn messages_accumulate_with_stable_ids() {
    let mut chat = Chat::default();
    assert_eq!(chat.status, Status::Loading);
    chat.apply(Action::Loaded("Demo".into()));
    chat.apply(Action::Visitor("hi".into()));
    chat.apply(Action::Bot(text("Hello", &[])));
    chat.apply(Action::Bot(Output::Debug {
        message: "never shown".into(),
    }));
    assert_eq!(
        (chat.status.clone(), chat.title.as_deref()),
        (Status::Ready, Some("Demo"))
    );
    let ids: Vec<_> = chat.entries.iter().map(|e| (e.id, e.author)).collect();
    assert_eq!(ids, vec![(0, Author::Visitor), (1, Author::Bot)]);
}

#[test]
fn messages_written_offline_are_pending_until_sent() {
    let mut chat = Chat::default();
    chat.apply(Action::Offline(true));
    chat.apply(Action::Visitor("hi".into()));
    chat.apply(Action::Pending("still there?".into()));
    chat.apply(Action::Pending("hello?".into()));
    let pending: Vec<_> = chat.entries.iter().map(|e| e.pending).collect();
    assert_eq!(pending, [false, true, true]);
    assert!(chat.offline);
    chat.apply(Action::Reset);
    assert!(chat.offline, "a reset does not change the network");
    chat.apply(Action::Pending("again".into()));
    chat.apply(Action::Offline(false));
    chat.apply(Action::Sent);
    assert!(!chat.offline && chat.entries.iter().all(|e| !e.pending));
}

#[test]
fn transfers_are_recorded_for_the_host() {
    let mut chat = Chat::default();
    chat.apply(Action::Visitor("agent".into()));
    chat.apply(Action::Bot(Output::Transfer {
        skill: "12".into(),
        agent: Some("7".into()),
        message: Some("One moment.".into()),
        context: false,
        delay_ms: 0,
    }));
    assert_eq!(chat.transfers.len(), 1);
    assert_eq!(chat.transfers[0].agent.as_deref(), Some("7"));
    chat.apply(Action::WithAgent(true));
    chat.apply(Action::Agent("Hi, I am Ana.".into()));
    let strings = Strings::new(vec![("agentJoined".to_string(), "Ana joined".to_string())]);
    let transcript = chat.transcript(&strings);
    let authors: Vec<_> = transcript.iter().map(|(a, _)| *a).collect();
    assert_eq!(authors, ["visitor", "bot", "system", "system", "agent"]);
    assert_eq!(
        transcript[2].1, "transferring",
        "a key the table lacks shows itself"
    );
    assert_eq!(transcript[3].1, "Ana joined");
}

#[test]
fn a_reset_empties_the_conversation_and_keeps_the_bot() {
    let mut chat = Chat::default();
    chat.apply(Action::Loaded("Demo".into()));
    chat.apply(Action::Visitor("hi".into()));
    chat.apply(Action::Typing(true));
    chat.apply(Action::Reset);
    assert!(chat.entries.is_empty() && !chat.typing);
    assert_eq!(
        (chat.status, chat.title.as_deref()),
        (Status::Ready, Some("Demo"))
    );
}

#[test]
fn a_file_entry_follows_its_upload() {
    let mut chat = Chat::default();
    chat.apply(Action::Expect(Some(vec!["pdf".into()])));
    chat.apply(Action::Dragging(true));
    chat.apply(Action::FileOffered {
        handle: 7,
        name: "a.pdf".into(),
        size: 1000,
    });
    assert!(!chat.dragging);
    let state = |chat: &Chat| match &chat.entries[0].body {
        Body::File { state, .. } => *state,
        other => panic!("{other:?}"),
    };
    assert_eq!(state(&chat), FileState::Checking);
    chat.apply(Action::File(7, FileState::Sending(500)));
    assert_eq!(state(&chat), FileState::Sending(500));
    chat.apply(Action::File(8, FileState::Failed));
    assert_eq!(state(&chat), FileState::Sending(500));
    chat.apply(Action::File(7, FileState::Sent));
    chat.apply(Action::File(7, FileState::Sending(1000)));
    assert_eq!(state(&chat), FileState::Sent);
}

#[test]
fn messages_carry_their_time_and_person() {
    let mut chat = Chat::default();
    let stamp = Stamp {
        ms: 1_796_655_900_000,
        clock: "20:25".into(),
    };
    chat.apply(Action::Clock(stamp.clone()));
    chat.apply(Action::Visitor("hi".into()));
    chat.apply(Action::Person(Person {
        name: Some("Ana".into()),
        avatar: None,
    }));
    chat.apply(Action::Agent("Hello".into()));
    assert_eq!(chat.entries[0].at, stamp);
    assert_eq!(chat.entries[0].person, None);
    let ana = chat.entries[1]
        .person
        .as_deref()
        .and_then(|p| p.name.as_deref());
    assert_eq!(ana, Some("Ana"));
    assert_eq!(stamp.iso(), "2026-12-07T15:05:00Z");
    assert_eq!(Stamp::default().iso(), "1970-01-01T00:00:00Z");
    chat.apply(Action::Tick(1_796_655_960_000));
    assert_eq!(chat.now, 1_796_655_960_000);
}

#[test]
fn only_the_latest_bot_message_offers_choices() {
    let mut chat = Chat::default();
    chat.apply(Action::Bot(text("Pick", &["A", "B"])));
    assert_eq!(chat.live_choices().len(), 2);
    chat.apply(Action::Visitor("A".into()));
    assert!(chat.live_choices().is_empty());
    chat.apply(Action::Bot(Output::End { survey: false }));
    assert_eq!(chat.entries.last().unwrap().author, Author::System);
}
