//! Bot variables and slots with their scopes (request, dialog, session, forever).

use serde_json::Value;

use crate::model::DialogId;
pub use crate::model::Scope;

#[derive(Clone, Debug)]
struct Entry {
    value: Value,
    scope: Scope,
    dialog: Option<DialogId>,
}

/// One namespace of variables (bot variables, or slots).
#[derive(Clone, Debug, Default)]
pub struct Vars {
    map: crate::small_map::SmallMap<String, Entry>,
}

impl Vars {
    /// Sets `name`; a dialog-scoped value belongs to `dialog`.
    pub fn set(&mut self, name: &str, value: Value, scope: Scope, dialog: Option<DialogId>) {
        let dialog = if scope == Scope::Dialog { dialog } else { None };
        self.map.insert(
            name.to_string(),
            Entry {
                value,
                scope,
                dialog,
            },
        );
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name).map(|e| &e.value)
    }

    /// Every value: its name, value, scope and (dialog scope) dialog.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, &Value, Scope, Option<DialogId>)> {
        self.map
            .iter()
            .map(|(name, e)| (name.as_str(), &e.value, e.scope, e.dialog))
    }

    /// Forgets request-scoped values (end of a visitor turn).
    pub fn end_request(&mut self) {
        self.map.retain(|_, e| e.scope != Scope::Request);
    }

    /// Forgets the values scoped to `dialog` (its flow ended).
    pub fn end_dialog(&mut self, dialog: DialogId) {
        self.map
            .retain(|_, e| !(e.scope == Scope::Dialog && e.dialog == Some(dialog)));
    }

    /// Forgets everything but persist-forever values (reset, new conversation).
    pub fn end_session(&mut self) {
        self.map.retain(|_, e| e.scope == Scope::Forever);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scopes_end_when_they_should() {
        let mut v = Vars::default();
        v.set("r", json!("1"), Scope::Request, Some(0));
        v.set("d0", json!("2"), Scope::Dialog, Some(0));
        v.set("d1", json!("3"), Scope::Dialog, Some(1));
        v.set("s", json!("4"), Scope::Session, Some(0));
        v.set("f", json!("5"), Scope::Forever, None);
        v.end_request();
        assert!(v.get("r").is_none());
        v.end_dialog(0);
        assert!(v.get("d0").is_none() && v.get("d1").is_some());
        v.end_session();
        assert!(v.get("s").is_none() && v.get("d1").is_none());
        assert_eq!(v.get("f"), Some(&json!("5")));
        assert_eq!(Scope::parse("SESSION"), Some(Scope::Session));
    }
}
