//! CB's allowed HTML subset in bot text, parsed into a tree the widget renders as DOM
//! nodes (never through `innerHTML`). Allowed: `p`, `br`, `strong`, `b`, `i`, `em`, `ul`,
//! `ol`, `li`, and `a` whose `href` is http, https, mailto or tel. Anything else, including
//! a disallowed tag and every attribute but `a`'s `href`, stays literal text.
//!
//! ```
//! use chatlet_widget::markup::{parse, Node};
//! let nodes = parse("Hi <b>there</b> <img src=x>");
//! assert_eq!(nodes[1], Node::Element { tag: "b", href: None, children: vec![Node::Text("there".into())] });
//! assert_eq!(nodes[2], Node::Text(" <img src=x>".into()));
//! ```

/// A piece of rendered bot text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Text, shown as text.
    Text(String),
    /// An allowed element.
    Element {
        /// Its tag name, lower case.
        tag: &'static str,
        /// A link's target (only on `a`, only with an allowed scheme).
        href: Option<String>,
        /// Its content.
        children: Vec<Node>,
    },
}

/// How deep allowed elements may nest; deeper tags stay text.
pub const MAX_DEPTH: usize = 16;

const ALLOWED: &[&str] = &["p", "br", "strong", "b", "i", "em", "ul", "ol", "li", "a"];

/// Parses `text`; it never fails: what is not allowed markup is text.
pub fn parse(text: &str) -> Vec<Node> {
    // A stack of open elements: (tag, href, children).
    let mut stack: Vec<(&'static str, Option<String>, Vec<Node>)> = vec![("", None, vec![])];
    let mut rest = text;
    let mut literal = String::new();
    let flush = |literal: &mut String,
                 stack: &mut Vec<(&'static str, Option<String>, Vec<Node>)>| {
        if !literal.is_empty() {
            let text = decode(&std::mem::take(literal));
            stack.last_mut().expect("root").2.push(Node::Text(text));
        }
    };
    while let Some(open) = rest.find('<') {
        literal.push_str(&rest[..open]);
        let after = &rest[open..];
        match tag_at(after) {
            // Deeper elements stay text: rendering (and dropping) the tree recurses.
            Some((len, Tag::Open(tag, href))) if stack.len() <= MAX_DEPTH => {
                flush(&mut literal, &mut stack);
                if tag == "br" {
                    stack.last_mut().expect("root").2.push(Node::Element {
                        tag,
                        href: None,
                        children: vec![],
                    });
                } else {
                    stack.push((tag, href, vec![]));
                }
                rest = &after[len..];
            }
            Some((len, Tag::Close(tag))) if stack.iter().skip(1).any(|(t, _, _)| *t == tag) => {
                flush(&mut literal, &mut stack);
                while let Some((t, href, children)) = stack.pop() {
                    stack.last_mut().expect("root").2.push(Node::Element {
                        tag: t,
                        href,
                        children,
                    });
                    if t == tag {
                        break;
                    }
                }
                rest = &after[len..];
            }
            _ => {
                literal.push('<');
                rest = &after[1..];
            }
        }
    }
    literal.push_str(rest);
    flush(&mut literal, &mut stack);
    while stack.len() > 1 {
        let (tag, href, children) = stack.pop().expect("open element");
        stack.last_mut().expect("root").2.push(Node::Element {
            tag,
            href,
            children,
        });
    }
    stack.pop().expect("root").2
}

enum Tag {
    Open(&'static str, Option<String>),
    Close(&'static str),
}

/// Reads an allowed tag at the start of `s` (which starts with `<`): its length and kind.
fn tag_at(s: &str) -> Option<(usize, Tag)> {
    let end = s.find('>')?;
    let inner = &s[1..end];
    if inner.contains('<') {
        return None;
    }
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(i) => (true, i),
        None => (false, inner),
    };
    let inner = inner.trim_end().trim_end_matches('/');
    let name_end = inner
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(inner.len());
    let name = inner[..name_end].to_ascii_lowercase();
    let tag = *ALLOWED.iter().find(|t| **t == name)?;
    let attrs = inner[name_end..].trim();
    if closing {
        return attrs.is_empty().then_some((end + 1, Tag::Close(tag)));
    }
    let href = (tag == "a")
        .then(|| attribute(attrs, "href"))
        .flatten()
        // Kept as checked: trimmed, and with no control characters (a URL parser drops
        // tabs and line breaks anywhere, so the scheme checked must be the one used).
        .map(|h| decode(&h).trim().to_string())
        .filter(|h| crate::rich::safe_link(h).is_some());
    if tag != "a" && !attrs.is_empty() {
        return None;
    }
    Some((end + 1, Tag::Open(tag, href)))
}

/// The value of attribute `name` in `attrs` (quoted with `"` or `'`, or bare).
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let lower = attrs.to_ascii_lowercase();
    let at = lower.find(&format!("{name}="))?;
    let value = &attrs[at + name.len() + 1..];
    let quote = value.chars().next()?;
    if quote == '"' || quote == '\'' {
        let body = &value[1..];
        body.find(quote).map(|e| body[..e].to_string())
    } else {
        Some(value.split_whitespace().next().unwrap_or("").to_string())
    }
}

/// Decodes the common character references.
fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(nodes: &[Node]) -> usize {
        nodes
            .iter()
            .map(|n| match n {
                Node::Element { children, .. } => 1 + depth(children),
                Node::Text(_) => 0,
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_link_keeps_the_href_that_was_checked() {
        let href = |text: &str| match &parse(text)[0] {
            Node::Element { href, .. } => href.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            href("<a href=\"\thttps://x.example \">x</a>").as_deref(),
            Some("https://x.example")
        );
        assert_eq!(href("<a href=\"https://x.ex\u{0}e\">x</a>"), None);
        assert_eq!(href("<a href=\"java\tscript:alert(1)\">x</a>"), None);
    }

    #[test]
    fn deep_nesting_stops_at_the_limit_and_keeps_the_rest_as_text() {
        let deep = format!("{}x{}", "<b>".repeat(50_000), "</b>".repeat(50_000));
        let nodes = parse(&deep);
        assert_eq!(depth(&nodes), MAX_DEPTH);
        let text: usize = format!("{nodes:?}").matches("&lt;b&gt;").count()
            + format!("{nodes:?}").matches("<b>").count();
        assert!(text > 0, "the deeper tags are kept as text");
    }

    fn el(tag: &'static str, children: Vec<Node>) -> Node {
        Node::Element {
            tag,
            href: None,
            children,
        }
    }
    fn t(s: &str) -> Node {
        Node::Text(s.into())
    }

    #[test]
    fn allowed_tags_nest() {
        assert_eq!(
            parse("<p>One<br/>two <STRONG>three</strong></p><ul><li>a</li><li>b</ul>"),
            vec![
                el(
                    "p",
                    vec![
                        t("One"),
                        el("br", vec![]),
                        t("two "),
                        el("strong", vec![t("three")])
                    ]
                ),
                el("ul", vec![el("li", vec![t("a")]), el("li", vec![t("b")])]),
            ]
        );
    }

    #[test]
    fn links_keep_only_safe_hrefs() {
        let nodes = parse(
            r#"<a href="https://x.example/?a=1&amp;b=2" onclick="evil()">go</a> <a href='javascript:alert(1)'>no</a>"#,
        );
        assert_eq!(
            nodes[0],
            Node::Element {
                tag: "a",
                href: Some("https://x.example/?a=1&b=2".into()),
                children: vec![t("go")]
            }
        );
        assert_eq!(
            nodes[2],
            Node::Element {
                tag: "a",
                href: None,
                children: vec![t("no")]
            }
        );
    }

    #[test]
    fn everything_else_is_text() {
        assert_eq!(
            parse("<img src=x onerror=\"alert(1)\"><b onclick=x>b</b> 1 < 2 &lt;3 </i>"),
            vec![t(
                "<img src=x onerror=\"alert(1)\"><b onclick=x>b</b> 1 < 2 <3 </i>"
            )]
        );
        assert_eq!(parse("<b>open"), vec![el("b", vec![t("open")])]);
        assert_eq!(parse(""), vec![]);
    }
}
