//! Reporters. Each format is one module that turns a [`tenet_findings::Report`] into bytes;
//! none of them evaluates anything.

mod common;
pub mod csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Csv,
    Html,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Csv,
        Format::Html,
    ];

    pub fn parse(s: &str) -> Option<Format> {
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Csv => "csv",
            Format::Html => "html",
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
        Format::Sarif => sarif::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Csv => csv::write(report, out),
        Format::Html => html::write(report, out),
    }
}
