//! One CB interaction (`conversationMessage[i]`): its common fields, then its kind by
//! `interactionType`.

use serde_json::Value;

use super::super::build::{self, UploadTexts};
use super::super::json::{list_of, str_of};
use super::Importer;
use crate::error::{At, FindingKind, Key, Severity};
use crate::model::{Card, Choice, Condition, Interaction, Kind, OptionStyle, CHIPS_PER_ROW};

impl<'a> Importer<'a> {
    pub(super) fn interaction(&mut self, m: &'a Value, at: &At, dialog: usize) -> Interaction {
        let name = str_of(m, "name").to_string();
        let who = Some(name.as_str());
        let mut it = Interaction::new(
            str_of(m, "id").to_string(),
            name.clone(),
            dialog,
            Kind::Starter,
        );
        it.enabled = m
            .get("status")
            .and_then(Value::as_str)
            .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"));
        if let Some(next) = m
            .get("nextMessageId")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        {
            it.next = self.ids.get(next).copied();
            if it.next.is_none() {
                self.b.f.visible(
                    Severity::Warning,
                    FindingKind::Dangling,
                    at.key("nextMessageId"),
                    who,
                    format!("next interaction {next:?} does not exist; the flow ends here"),
                );
            }
        }
        // Every export says BOT_MESSAGE; anything else is read as one, and said.
        if let Some(other) = m
            .get("type")
            .and_then(Value::as_str)
            .filter(|t| *t != "BOT_MESSAGE")
        {
            self.b.f.visible(
                Severity::Warning,
                FindingKind::Invalid,
                at.key("type"),
                who,
                format!("type {other:?} is unknown (exports say \"BOT_MESSAGE\"); read as a bot message"),
            );
        }
        it.delay_ms = build::delay(match m.get("interactionDelay") {
            Some(Value::String(s)) => s.trim().parse::<u64>().unwrap_or(0),
            Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
            _ => 0,
        });
        let hook = |key: &'static str| {
            let code = m.get(key).and_then(Value::as_str)?;
            Some((code.to_string(), at.key(key)))
        };
        it.code = self.b.hooks(
            &it.key,
            who,
            [
                hook("preProcessMessage"),
                hook("postProcessMessage"),
                hook("processUserResponse"),
            ],
        );

        let tiles = at.key(Key::Raw("/content/results/tile/tileData"));
        let tile_at = tiles.key(0);
        let tile = m
            .pointer("/content/results/tile/tileData/0")
            .cloned()
            .unwrap_or(Value::Null);
        let text = |s: &Self| s.template(str_of(&tile, "text"));
        let kind_name = str_of(m, "interactionType");
        it.kind = match kind_name {
            "DIALOG_STARTER" => Kind::Starter,
            "TEXT" => Kind::Text(text(self)),
            "IMAGE" => Kind::Image {
                url: self.template(str_of(&tile, "url")),
                caption: self.template(str_of(&tile, "caption")),
            },
            "TEXT_QUESTION" => Kind::Question {
                text: text(self),
                choices: vec![],
                style: OptionStyle::None,
                chips: 0,
            },
            "QUICK_REPLY" => self.quick_replies(m, at, &tile, who),
            "MULTIPLE_CHOICE_QUESTION" => self.multiple_choice(&tile, &tile_at, who),
            "BUTTON" => self.buttons(&tile, &tile_at, who),
            "STRUCTURED" => self.cards(m, at, who),
            "UNIVERSAL" => self.universal(m, &tile, &tile_at, who),
            "ESCALATION" => self.escalation(&tile, &tile_at, who),
            "API_INTEGRATION" => self.api_call(m, at, who),
            "FILE_UPLOAD" => self.file_upload(&tile, &tile_at, who),
            other => {
                self.b.f.visible(
                    Severity::Unsupported,
                    FindingKind::Unsupported,
                    at.key("interactionType"),
                    who,
                    format!("{other}: this interaction type is not supported; the interaction is passed over"),
                );
                Kind::Unsupported(other.to_string())
            }
        };

        for (r, rule) in list_of(m, "responseMatches").iter().enumerate() {
            if let Some(rule) = self.rule(rule, &at.key("responseMatches").key(r), who) {
                it.rules.push(rule);
            }
        }
        // NO_MATCH is tried last, wherever it stands (a partition: a sort would cost the
        // widget a sorting routine of its own).
        let (last, first): (Vec<_>, Vec<_>) = std::mem::take(&mut it.rules)
            .into_iter()
            .partition(|r| matches!(r.condition, Condition::NoMatch(_)));
        it.rules = first;
        it.rules.extend(last);
        it
    }

    /// QUICK_REPLY: text chips (other kinds of reply are unsupported).
    fn quick_replies(&mut self, m: &Value, at: &At, tile: &Value, who: Option<&str>) -> Kind {
        let mut choices = Vec::new();
        for (q, reply) in list_of(m, "quickReplies").iter().enumerate() {
            let title = str_of(reply, "title");
            match str_of(reply, "type") {
                "text" | "" => choices.push(Choice {
                    title: self.template(title),
                    payload: reply
                        .get("payload")
                        .and_then(Value::as_str)
                        .filter(|p| !p.is_empty())
                        .map(|p| self.template(p)),
                    url: None,
                }),
                other => self.b.f.unsupported(
                    at.key("quickReplies").key(q),
                    who,
                    format!("{other:?} quick replies are not supported; {title:?} is not offered"),
                ),
            }
        }
        // CB's quick-reply widget says how many to a row (LivePerson's JSON: itemsPerRow).
        let per_row = [
            "/quickReplyWidget/choicesPerRow",
            "/quickReplyWidget/itemsPerRow",
        ]
        .iter()
        .find_map(|p| tile.pointer(p).and_then(Value::as_u64))
        .unwrap_or(u64::from(CHIPS_PER_ROW));
        Kind::Question {
            text: self.template(str_of(tile, "text")),
            choices,
            style: OptionStyle::None,
            chips: per_row.clamp(1, u64::from(CHIPS_PER_ROW)) as u8,
        }
    }

    /// MULTIPLE_CHOICE_QUESTION: options numbered or lettered.
    fn multiple_choice(&mut self, tile: &Value, tile_at: &At, who: Option<&str>) -> Kind {
        let mc = tile.get("multipleChoice").cloned().unwrap_or(Value::Null);
        let choices = list_of(&mc, "multipleChoices")
            .iter()
            .filter_map(Value::as_str)
            .map(|c| Choice {
                title: self.template(c.trim()),
                payload: None,
                url: None,
            })
            .collect();
        let style = match str_of(&mc, "textStyle").to_ascii_uppercase().as_str() {
            "NUMBERS" | "" => OptionStyle::Numbers,
            "LETTERS" => OptionStyle::Letters,
            other => {
                self.b.f.unsupported(
                    tile_at.key("multipleChoice").key("textStyle"),
                    who,
                    format!("option style {other:?} is not supported; options are numbered"),
                );
                OptionStyle::Numbers
            }
        };
        // Shown as buttons, or as quick replies when the bot says so.
        let chips = match str_of(&mc, "displayChoice").to_ascii_uppercase().as_str() {
            "QUICK_REPLY" | "QUICK_REPLIES" | "CHIPS" => CHIPS_PER_ROW,
            _ => 0,
        };
        Kind::Question {
            text: self.template(str_of(tile, "text")),
            choices,
            style,
            chips,
        }
    }

    /// BUTTON: a question whose choices are buttons.
    fn buttons(&mut self, tile: &Value, tile_at: &At, who: Option<&str>) -> Kind {
        let choices = list_of(tile, "buttons")
            .iter()
            .enumerate()
            .filter_map(|(b, button)| self.button(button, &tile_at.key("buttons").key(b), who))
            .collect();
        Kind::Question {
            text: self.template(str_of(tile, "text")),
            choices,
            style: OptionStyle::None,
            chips: 0,
        }
    }

    /// STRUCTURED: a card per tile.
    fn cards(&mut self, m: &Value, at: &At, who: Option<&str>) -> Kind {
        let tiles = m
            .pointer("/content/results/tile/tileData")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let mut cards = Vec::new();
        for (t, tile) in tiles.iter().enumerate() {
            let here = at.key(Key::Raw("/content/results/tile/tileData"));
            let here = here.key(t);
            let buttons = list_of(tile, "buttons")
                .iter()
                .enumerate()
                .filter_map(|(b, button)| self.button(button, &here.key("buttons").key(b), who))
                .collect();
            cards.push(Card {
                title: self.template(str_of(tile, "title")),
                subtitle: self.template(str_of(tile, "subTitle")),
                image: self.template(str_of(tile, "image")),
                buttons,
            });
        }
        Kind::Cards { cards, wait: true }
    }

    /// UNIVERSAL: LivePerson rich content, as JSON (a template).
    fn universal(&mut self, m: &Value, tile: &Value, tile_at: &At, who: Option<&str>) -> Kind {
        let json = tile
            .pointer("/universalWidget/leMessageJson")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if json.trim().is_empty() {
            self.b.f.warn(
                FindingKind::Invalid,
                tile_at.key("universalWidget"),
                who,
                "rich content without JSON sends nothing",
            );
        }
        Kind::Rich {
            json: self.template(json),
            wait: m
                .get("userInputRequired")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }

    /// ESCALATION: a transfer to a person.
    fn escalation(&mut self, tile: &Value, tile_at: &At, who: Option<&str>) -> Kind {
        let escalation = tile.get("escalation").unwrap_or(&Value::Null);
        let message = match str_of(tile, "text") {
            "" => None,
            t => Some(t.replace("\\n", "\n")),
        };
        for (key, value) in escalation.as_object().into_iter().flatten() {
            if !matches!(
                key.as_str(),
                "agentSkillId" | "tangoContextEnabled" | "agentSkillName" | "agentId"
            ) {
                self.b.f.unsupported(
                    tile_at.key("escalation").key(key),
                    who,
                    format!("transfer setting {key:?} ({value}) is not supported"),
                );
            }
        }
        let agent = match escalation.get("agentId") {
            Some(Value::String(a)) if !a.trim().is_empty() => Some(a.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        self.b.transfer(
            str_of(escalation, "agentSkillId"),
            agent.as_deref(),
            message.as_deref(),
            escalation
                .get("tangoContextEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        )
    }

    /// API_INTEGRATION: a call of one of the bot's integrations, by id or name.
    fn api_call(&mut self, m: &Value, at: &At, who: Option<&str>) -> Kind {
        let content = m.get("content").unwrap_or(&Value::Null);
        let id = str_of(content, "responderId");
        let name = str_of(content, "responderName");
        let list = self.top("responder");
        let found = list
            .iter()
            .position(|r| !id.is_empty() && str_of(r, "id") == id)
            .or_else(|| {
                list.iter()
                    .position(|r| !name.is_empty() && str_of(r, "name") == name)
            });
        let runs = |kind: &str| {
            kind.is_empty() || kind.eq_ignore_ascii_case("API") || kind.eq_ignore_ascii_case("FILE")
        };
        match found {
            Some(i) if runs(str_of(&list[i], "integrationType")) => Kind::Call(i),
            Some(i) => Kind::Unsupported(format!(
                "{} integration",
                str_of(&list[i], "integrationType")
            )),
            None => {
                self.b.f.warn(FindingKind::Dangling, at.key("content").key("responderId"), who, format!("integration {name:?} ({id}) does not exist; the interaction is passed over"));
                Kind::Unsupported("missing integration".into())
            }
        }
    }

    /// A File Upload interaction. Its wire names are unseen in public exports; Chatlet
    /// reads `tileData[0].text` and `tileData[0].fileUpload` (see docs/cb-compatibility.md).
    fn file_upload(&mut self, tile: &Value, tile_at: &At, who: Option<&str>) -> Kind {
        let settings = tile.get("fileUpload").unwrap_or(&Value::Null);
        let here = tile_at.key("fileUpload");
        for (key, value) in settings.as_object().into_iter().flatten() {
            if !matches!(
                key.as_str(),
                "acceptedTypes"
                    | "successMessage"
                    | "failureMessage"
                    | "validationFailureMessage"
                    | "inProgressMessage"
            ) {
                self.b.f.unsupported(
                    here.key(key),
                    who,
                    format!("file upload setting {key:?} ({value}) is not supported"),
                );
            }
        }
        let types: Vec<&str> = list_of(settings, "acceptedTypes")
            .iter()
            .map(|t| t.as_str().unwrap_or(""))
            .collect();
        let message = |key: &str| Some(str_of(settings, key).trim());
        let invalid = str_of(settings, "validationFailureMessage");
        let texts = UploadTexts {
            text: str_of(tile, "text"),
            success: message("successMessage"),
            failure: message("failureMessage"),
            progress: message("inProgressMessage"),
            invalid: (!invalid.trim().is_empty()).then_some(invalid),
        };
        let list = here.key("acceptedTypes");
        Kind::Upload(
            self.b
                .upload(texts, &types, &list, &|i| list.key(i).to_string(), who),
        )
    }

    fn button(&mut self, button: &Value, at: &At, who: Option<&str>) -> Option<Choice> {
        let title = self.template(str_of(button, "name"));
        let callback = str_of(button, "callback");
        match str_of(button, "type") {
            "postback" | "" => Some(Choice {
                title,
                payload: Some(self.template(if callback.is_empty() {
                    str_of(button, "name")
                } else {
                    callback
                })),
                url: None,
            }),
            "web_url" => Some(Choice {
                title,
                payload: None,
                url: Some(self.template(callback)),
            }),
            other => {
                self.b.f.unsupported(
                    at.key("type"),
                    who,
                    format!("{other:?} buttons are not supported; the button is not offered"),
                );
                None
            }
        }
    }
}
