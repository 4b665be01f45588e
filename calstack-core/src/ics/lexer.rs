//! Content lines and components: the byte-level layer of iCalendar (RFC 5545 §3.1).
//!
//! Liberal in what real files contain: a UTF-8 byte-order mark, CRLF, LF or lone CR line
//! ends, folded lines (a line starting with a space or tab continues the one before), blank
//! lines, quoted parameter values, several `VCALENDAR` blocks in one file and a missing final
//! `END:VCALENDAR`. Strict where a guess would be unsafe: a line that is not `NAME:value` or an
//! `END` that closes the wrong component is an error naming the line and what was expected.

use super::error::IcsError;

/// One unfolded content line: `NAME;PARAM=value:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Property {
    /// 1-based number of the physical line the property starts on.
    pub(crate) line: usize,
    /// The property name, upper-cased (`DTSTART`).
    pub(crate) name: String,
    /// Parameters in order, names upper-cased, values unquoted.
    pub(crate) params: Vec<(String, String)>,
    /// The raw value (still escaped, for TEXT values).
    pub(crate) value: String,
}

impl Property {
    /// The first value of parameter `name` (upper-case).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A `BEGIN:X` … `END:X` block with its properties and sub-components.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Component {
    /// The component name, upper-cased (`VEVENT`).
    pub(crate) name: String,
    /// The line of its `BEGIN`.
    pub(crate) line: usize,
    /// Its own properties, in file order.
    pub(crate) properties: Vec<Property>,
    /// Nested components (`VALARM` in `VEVENT`, `STANDARD` in `VTIMEZONE`).
    pub(crate) children: Vec<Component>,
}

impl Component {
    /// The first property called `name`.
    pub(crate) fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Every property called `name`.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.properties.iter().filter(move |p| p.name == name)
    }

    /// The raw value of the first property called `name`.
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.property(name).map(|p| p.value.as_str())
    }
}

/// Unfolds `text` into logical lines, each with the number of its first physical line.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<(usize, String)> = Vec::new();
    let mut number = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let cut = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let physical = &rest[..cut];
        rest = &rest[cut..];
        if let Some(r) = rest.strip_prefix("\r\n") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix(['\r', '\n']) {
            rest = r;
        }
        number += 1;
        match (physical.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(continued), Some((_, last))) => last.push_str(continued),
            _ if physical.trim().is_empty() => {}
            _ => lines.push((number, physical.to_owned())),
        }
    }
    lines
}

/// Splits one logical line into name, parameters and value.
fn content_line(number: usize, text: &str) -> Result<Property, IcsError> {
    let expected = || IcsError::Syntax {
        line: number,
        expected: format!(
            "a property line NAME:value, got {:?}",
            text.chars().take(60).collect::<String>()
        ),
    };
    let name_end = text.find([';', ':']).ok_or_else(expected)?;
    let name = text[..name_end].trim();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(expected());
    }
    let mut params = Vec::new();
    let mut rest = &text[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after.find('=').ok_or_else(expected)?;
        let key = after[..eq].trim().to_ascii_uppercase();
        let mut value = String::new();
        let mut tail = &after[eq + 1..];
        loop {
            if let Some(quoted) = tail.strip_prefix('"') {
                let close = quoted.find('"').ok_or_else(expected)?;
                value.push_str(&quoted[..close]);
                tail = &quoted[close + 1..];
            } else {
                let stop = tail.find([';', ':', ',']).unwrap_or(tail.len());
                value.push_str(&tail[..stop]);
                tail = &tail[stop..];
            }
            match tail.strip_prefix(',') {
                Some(more) => {
                    value.push(',');
                    tail = more;
                }
                None => break,
            }
        }
        params.push((key, value));
        rest = tail;
    }
    let value = rest.strip_prefix(':').ok_or_else(expected)?;
    Ok(Property {
        line: number,
        name: name.to_ascii_uppercase(),
        params,
        value: value.to_owned(),
    })
}

/// Every top-level `VCALENDAR` of `text`. Lines outside any component are ignored (mail
/// headers, stray text), but a file without any `BEGIN:VCALENDAR` is refused.
pub(crate) fn calendars(text: &str) -> Result<Vec<Component>, IcsError> {
    let mut done = Vec::new();
    let mut stack: Vec<Component> = Vec::new();
    let mut last_line = 0;
    for (number, line) in unfold(text) {
        last_line = number;
        if stack.is_empty() && !starts_with_ignore_case(&line, "BEGIN:") {
            continue;
        }
        let property = content_line(number, &line)?;
        match property.name.as_str() {
            "BEGIN" => stack.push(Component {
                name: property.value.trim().to_ascii_uppercase(),
                line: number,
                ..Component::default()
            }),
            "END" => {
                let name = property.value.trim().to_ascii_uppercase();
                let Some(open) = stack.pop() else {
                    continue;
                };
                if open.name != name {
                    return Err(IcsError::Syntax {
                        line: number,
                        expected: format!(
                            "END:{} (to close BEGIN:{} on line {}), got END:{name}",
                            open.name, open.name, open.line
                        ),
                    });
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(open),
                    None => done.push(open),
                }
            }
            _ => {
                if let Some(open) = stack.last_mut() {
                    open.properties.push(property);
                }
            }
        }
    }
    // A missing final END:VCALENDAR is forgiven; an unfinished event is not.
    if let Some(open) = stack.iter().skip(1).last() {
        return Err(IcsError::Syntax {
            line: last_line,
            expected: format!(
                "END:{} (BEGIN:{} on line {} is never closed; the file may be cut short)",
                open.name, open.name, open.line
            ),
        });
    }
    if let Some(open) = stack.pop() {
        done.push(open);
    }
    let calendars: Vec<Component> = done.into_iter().filter(|c| c.name == "VCALENDAR").collect();
    if calendars.is_empty() {
        return Err(IcsError::NotICalendar);
    }
    Ok(calendars)
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_line_ends_and_folding_are_handled() {
        let text = "\u{feff}BEGIN:VCALENDAR\rBEGIN:VEVENT\nSUMMARY:Long\r\n  title\r\n\t continued\r\nEND:VEVENT\r\nEND:VCALENDAR";
        let cals = calendars(text).expect("parses");
        let event = &cals[0].children[0];
        assert_eq!(event.value("SUMMARY"), Some("Long title continued"));
        assert_eq!(event.property("SUMMARY").map(|p| p.line), Some(3));
    }

    #[test]
    fn quoted_parameters_may_hold_colons_and_semicolons() {
        let p = content_line(
            7,
            "ATTENDEE;CN=\"Doe; Jane: PhD\";ROLE=REQ-PARTICIPANT:mailto:j@x.org",
        )
        .expect("parses");
        assert_eq!(p.param("CN"), Some("Doe; Jane: PhD"));
        assert_eq!(p.param("ROLE"), Some("REQ-PARTICIPANT"));
        assert_eq!(p.value, "mailto:j@x.org");
    }

    #[test]
    fn several_calendars_and_a_missing_final_end_are_accepted() {
        let text = "BEGIN:VCALENDAR\nEND:VCALENDAR\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\n";
        assert_eq!(calendars(text).expect("parses").len(), 2);
    }

    #[test]
    fn wrong_end_and_cut_files_name_the_line() {
        let e = calendars("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VTODO\n").expect_err("bad");
        assert_eq!(
            e.to_string(),
            "line 3: expected END:VEVENT (to close BEGIN:VEVENT on line 2), got END:VTODO"
        );
        let e = calendars("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\n").expect_err("cut");
        assert!(e.to_string().contains("never closed"), "{e}");
        let e = calendars("BEGIN:VCALENDAR\nno colon here\n").expect_err("bad line");
        assert!(
            e.to_string()
                .starts_with("line 2: expected a property line"),
            "{e}"
        );
    }
}
