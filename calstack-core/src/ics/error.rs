//! Why an iCalendar file, or one of its events, was refused: always with the line, the
//! component, the property and what was expected, in words a person can act on.

use crate::error::Error;

/// A refused file or component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IcsError {
    /// The text holds no `BEGIN:VCALENDAR` at all.
    #[error("not an iCalendar file: no BEGIN:VCALENDAR line")]
    NotICalendar,
    /// The file's structure is broken at `line`.
    #[error("line {line}: expected {expected}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What should have been there.
        expected: String,
    },
    /// One property of one component is unusable.
    #[error("line {line}: {component}: invalid {property}: {reason}")]
    Invalid {
        /// 1-based line number of the property (or of the component's `BEGIN` when the
        /// property is missing).
        line: usize,
        /// The component, e.g. `event standup-1@example.com` or `VTIMEZONE Europe/Berlin`.
        component: String,
        /// The property at fault (`DTSTART`, `UID`, ...).
        property: String,
        /// Why, and what was expected.
        reason: String,
    },
}

impl IcsError {
    /// The 1-based line the problem is on, when there is one.
    pub fn line(&self) -> Option<usize> {
        match self {
            IcsError::NotICalendar => None,
            IcsError::Syntax { line, .. } | IcsError::Invalid { line, .. } => Some(*line),
        }
    }
}

impl From<IcsError> for Error {
    fn from(error: IcsError) -> Self {
        Error::validation("ics", error.to_string())
    }
}
