//! Reporters. Each format is one module that turns a [`tenet_findings::Report`] into bytes;
//! none of them evaluates anything.

pub mod json;
pub mod text;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Writes `report` in `format`. `color` applies to text only.
pub fn write(
    report: &tenet_findings::Report,
    format: Format,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(report, color, out),
        Format::Json => json::write(report, out),
    }
}
