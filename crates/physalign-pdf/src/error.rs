//! What can go wrong writing a report.

/// Why a PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// An embedded font could not be read.
    #[error("the embedded font {0} could not be read")]
    Font(&'static str),
    /// The page layout failed.
    #[error("page layout failed: {0}")]
    Layout(&'static str),
    /// The report's data cannot be laid out (e.g. a period that ends before it starts).
    #[error("{0}")]
    Invalid(String),
    /// The PDF writer refused the document.
    #[error("the PDF could not be written: {0}")]
    Write(String),
}
