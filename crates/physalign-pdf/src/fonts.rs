//! The report's typefaces (DejaVu Sans, shipped in the `dejavu` crate and embedded in the
//! binary) and how wide a run of text set in them is, for line breaking and alignment.

use crate::PdfError;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// A face of the report's type family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Face {
    /// Body text.
    Regular,
    /// Headings, labels, emphasis.
    Bold,
    /// Quotations (what the patient said).
    Oblique,
}

impl Face {
    fn data(self) -> &'static [u8] {
        match self {
            Face::Regular => dejavu::sans::regular(),
            Face::Bold => dejavu::sans::bold(),
            Face::Oblique => dejavu::sans::oblique(),
        }
    }
}

/// Advance widths of one face, in font units, with its units per em.
struct Metrics {
    font: FontRef<'static>,
    units_per_em: f32,
}

impl Metrics {
    fn new(face: Face) -> Result<Metrics, PdfError> {
        let font = FontRef::new(face.data()).map_err(|_| PdfError::Font(face_name(face)))?;
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Ok(Metrics { font, units_per_em })
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.font.charmap();
        let glyphs = self
            .font
            .glyph_metrics(Size::unscaled(), LocationRef::default());
        let units: f32 = text
            .chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| glyphs.advance_width(g))
                    .unwrap_or(self.units_per_em * 0.5)
            })
            .sum();
        units / self.units_per_em * size
    }
}

fn face_name(face: Face) -> &'static str {
    match face {
        Face::Regular => "DejaVu Sans",
        Face::Bold => "DejaVu Sans Bold",
        Face::Oblique => "DejaVu Sans Oblique",
    }
}

/// The three faces: parsed once per document, measured and handed to the PDF writer.
pub(crate) struct Fonts {
    regular: Metrics,
    bold: Metrics,
    oblique: Metrics,
    /// The faces as the PDF writer embeds them (subset to the glyphs used).
    pub(crate) pdf_regular: krilla::text::Font,
    pub(crate) pdf_bold: krilla::text::Font,
    pub(crate) pdf_oblique: krilla::text::Font,
}

impl Fonts {
    /// Parses the embedded faces.
    pub(crate) fn load() -> Result<Fonts, PdfError> {
        let pdf = |face: Face| {
            krilla::text::Font::new(face.data().into(), 0).ok_or(PdfError::Font(face_name(face)))
        };
        Ok(Fonts {
            regular: Metrics::new(Face::Regular)?,
            bold: Metrics::new(Face::Bold)?,
            oblique: Metrics::new(Face::Oblique)?,
            pdf_regular: pdf(Face::Regular)?,
            pdf_bold: pdf(Face::Bold)?,
            pdf_oblique: pdf(Face::Oblique)?,
        })
    }

    /// How wide `text` is in `face` at `size` points.
    pub(crate) fn width(&self, face: Face, text: &str, size: f32) -> f32 {
        match face {
            Face::Regular => self.regular.width(text, size),
            Face::Bold => self.bold.width(text, size),
            Face::Oblique => self.oblique.width(text, size),
        }
    }

    /// The PDF writer's font of `face`.
    pub(crate) fn pdf(&self, face: Face) -> krilla::text::Font {
        match face {
            Face::Regular => self.pdf_regular.clone(),
            Face::Bold => self.pdf_bold.clone(),
            Face::Oblique => self.pdf_oblique.clone(),
        }
    }

    /// `text` broken into lines no wider than `width` points: at spaces, and inside a word only
    /// when the word alone is wider than a line. Line breaks in `text` are kept.
    pub(crate) fn wrap(&self, face: Face, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.width(face, &candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // A word wider than the line is cut where it overflows.
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.width(face, &piece, size) > width && piece.chars().count() > 1 {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }
}
