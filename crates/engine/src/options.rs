//! Picking a multiple-choice option: by its text, by its number or letter, or (for
//! options labelled like `A) Seattle`) by the label or the text after it. Comparisons trim
//! and ignore case: `" text only "` picks "Text only"; `"2)"` picks the second option
//! when options are numbered, `"b"` when they are lettered (see the tests).

use crate::model::OptionStyle;

fn norm(s: &str) -> String {
    crate::case::lower(s.trim())
}

/// Does `reply` pick `option`, the option at 0-based `index`?
pub fn picks(reply: &str, option: &str, index: usize, style: OptionStyle) -> bool {
    let reply = norm(reply);
    if reply == norm(option) {
        return true;
    }
    let position = match style {
        OptionStyle::None => return false,
        OptionStyle::Numbers => (index + 1).to_string(),
        OptionStyle::Letters => match u8::try_from(index).ok().filter(|i| *i < 26) {
            Some(i) => char::from(b'a' + i).to_string(),
            None => return false,
        },
    };
    let bare = reply.strip_suffix(['.', ')']).unwrap_or(&reply).trim_end();
    bare == position
}

/// `botContext.evaluateOptions`: the index of the option `reply` names, by full text,
/// by the label before its first `)`, or by the text after that label.
pub fn evaluate(reply: &str, options: &[String]) -> Option<usize> {
    let reply = norm(reply);
    let bare = reply.strip_suffix(')').unwrap_or(&reply).trim().to_string();
    options.iter().position(|option| {
        let option = norm(option);
        if option == reply {
            return true;
        }
        match option.split_once(')') {
            Some((label, text)) => label.trim() == bare || text.trim() == reply,
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_options() {
        let options: Vec<String> = ["A) Seattle", "B) Portland"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(evaluate("A", &options), Some(0));
        assert_eq!(evaluate("b)", &options), Some(1));
        assert_eq!(evaluate("portland", &options), Some(1));
        assert_eq!(evaluate("a) seattle", &options), Some(0));
        assert_eq!(evaluate("Boston", &options), None);
    }

    #[test]
    fn by_text_number_or_letter() {
        assert!(picks(" text only ", "Text only", 0, OptionStyle::Numbers));
        assert!(picks("2)", "Structured", 1, OptionStyle::Numbers));
        assert!(picks("b", "Structured", 1, OptionStyle::Letters));
        assert!(!picks("2", "Structured", 1, OptionStyle::None));
    }

    #[test]
    fn positions() {
        assert!(picks("1.", "x", 0, OptionStyle::Numbers));
        assert!(!picks("11", "x", 0, OptionStyle::Numbers));
        assert!(picks("C)", "x", 2, OptionStyle::Letters));
        assert!(!picks("c", "x", 30, OptionStyle::Letters));
    }
}
