//! The error type of every parser in this crate.

use std::fmt;

/// A parse failure, located as precisely as the parser can: the file, the
/// 1-based line where the offending record starts, and the field.
///
/// Displayed as `data/ofac/sdn.csv: line 812, field 'programs': <message>`;
/// the line and field parts are left out when unknown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SourceError {
    /// The file name as given in [`embargo_model::RawFile::name`].
    pub file: String,
    /// The 1-based line number, if the problem is tied to a line.
    pub line: Option<u64>,
    /// The field (column or property) name, if the problem is tied to one.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl SourceError {
    /// An error about a whole file.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        SourceError {
            file: file.to_string(),
            line: None,
            field: None,
            message: message.into(),
        }
    }

    /// An error at a line.
    pub fn at_line(file: &str, line: u64, message: impl Into<String>) -> Self {
        SourceError {
            line: Some(line),
            ..SourceError::file(file, message)
        }
    }

    /// An error at a field of a line.
    pub fn at_field(file: &str, line: u64, field: &str, message: impl Into<String>) -> Self {
        SourceError {
            line: Some(line),
            field: Some(field.to_string()),
            ..SourceError::file(file, message)
        }
    }
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file)?;
        match (&self.line, &self.field) {
            (Some(l), Some(fld)) => write!(f, " line {l}, field '{fld}':")?,
            (Some(l), None) => write!(f, " line {l}:")?,
            (None, Some(fld)) => write!(f, " field '{fld}':")?,
            (None, None) => {}
        }
        write!(f, " {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_forms() {
        let e = SourceError::at_field("data/ofac/sdn.csv", 812, "programs", "empty");
        assert_eq!(
            e.to_string(),
            "data/ofac/sdn.csv: line 812, field 'programs': empty"
        );
        let e = SourceError::at_line("a.csv", 3, "bad");
        assert_eq!(e.to_string(), "a.csv: line 3: bad");
        assert_eq!(SourceError::file("a.csv", "bad").to_string(), "a.csv: bad");
    }
}
