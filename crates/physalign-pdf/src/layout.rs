//! A small page-layout engine: text, tables, key–value grids, callouts and charts flow down A4
//! pages, breaking to a new page where a block does not fit (a table repeats its header row);
//! every page then gets the running header (the patient's identification) and footer (page
//! "n of N"), and the pages are drawn into a PDF with the fonts embedded.

use crate::fonts::{Face, Fonts};
use crate::PdfError;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineCap, Stroke, StrokeDash};
use krilla::text::TextDirection;
use krilla::Document;

/// A4 width in points.
pub(crate) const PAGE_W: f32 = 595.28;
/// A4 height in points.
pub(crate) const PAGE_H: f32 = 841.89;
/// Left and right margin.
pub(crate) const MARGIN_X: f32 = 50.0;
/// Where the body starts (below the running header).
const BODY_TOP: f32 = 92.0;
/// Where the body ends (above the running footer).
const BODY_BOTTOM: f32 = PAGE_H - 62.0;
/// The body's width.
pub(crate) const BODY_W: f32 = PAGE_W - 2.0 * MARGIN_X;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

/// The report's palette.
pub(crate) mod palette {
    use super::Rgb;
    /// Body text.
    pub const TEXT: Rgb = Rgb(0x1f, 0x29, 0x33);
    /// Secondary text (labels, captions).
    pub const MUTED: Rgb = Rgb(0x5b, 0x67, 0x73);
    /// Headings and the brand bar.
    pub const ACCENT: Rgb = Rgb(0x0b, 0x5c, 0x7a);
    /// Rules and grid lines.
    pub const RULE: Rgb = Rgb(0xc9, 0xd1, 0xd8);
    /// Light grid lines in charts.
    pub const GRID: Rgb = Rgb(0xe6, 0xea, 0xee);
    /// Table header background.
    pub const HEAD_BG: Rgb = Rgb(0xe3, 0xee, 0xf3);
    /// Alternate table row background.
    pub const ZEBRA: Rgb = Rgb(0xf6, 0xf8, 0xfa);
    /// Callout background.
    pub const CALLOUT: Rgb = Rgb(0xf3, 0xf6, 0xf8);
    /// Target band in charts.
    pub const BAND: Rgb = Rgb(0xdc, 0xf0, 0xe1);
    /// Good (in target, improved).
    pub const GOOD: Rgb = Rgb(0x1e, 0x7d, 0x3a);
    /// Attention (worse, pain).
    pub const WARN: Rgb = Rgb(0xb4, 0x3c, 0x1e);
    /// Series colours in charts.
    pub const SERIES: [Rgb; 4] = [
        Rgb(0x0b, 0x5c, 0x7a),
        Rgb(0xc2, 0x6a, 0x12),
        Rgb(0x6a, 0x3d, 0x9a),
        Rgb(0x2a, 0x8a, 0x5a),
    ];
}

/// One thing drawn on a page, in points from the page's top-left corner.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// A line of text; `y` is its baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        color: Rgb,
        text: String,
    },
    /// A straight line.
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        color: Rgb,
        dashed: bool,
    },
    /// A rectangle, filled and/or outlined.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    /// Connected line segments.
    Polyline {
        points: Vec<(f32, f32)>,
        width: f32,
        color: Rgb,
    },
    /// A filled dot.
    Dot { x: f32, y: f32, r: f32, color: Rgb },
}

/// Horizontal alignment in a table cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Left.
    Left,
    /// Right (numbers).
    Right,
}

/// A table column: title, share of the body width, alignment.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub title: String,
    pub share: f32,
    pub align: Align,
}

/// A table column (shorthand).
pub(crate) fn col(title: &str, share: f32, align: Align) -> Column {
    Column {
        title: title.to_string(),
        share,
        align,
    }
}

/// The running header and footer's words.
#[derive(Debug, Clone)]
pub(crate) struct Running {
    /// The document's kind, e.g. "Progress report".
    pub kind: String,
    /// The patient's name.
    pub patient: String,
    /// Date of birth and id, on the header's second line.
    pub patient_detail: String,
    /// Left of the footer (when and where generated).
    pub footer: String,
}

/// Text flowing down pages.
pub(crate) struct Flow<'f> {
    pub fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Section headings with their page (0-based), for the PDF outline.
    pub outline: Vec<(String, usize)>,
}

const BODY_SIZE: f32 = 9.5;
const LEADING: f32 = 1.35;

impl<'f> Flow<'f> {
    /// A flow starting on an empty first page.
    pub(crate) fn new(fonts: &'f Fonts) -> Flow<'f> {
        Flow {
            fonts,
            pages: vec![Vec::new()],
            y: BODY_TOP,
            outline: Vec::new(),
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page.
    pub(crate) fn page_break(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Breaks the page unless `height` points still fit.
    pub(crate) fn ensure(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && self.y > BODY_TOP {
            self.page_break();
        }
    }

    /// Vertical space.
    pub(crate) fn space(&mut self, height: f32) {
        self.y += height;
    }

    /// Draws `op` on the current page.
    pub(crate) fn push(&mut self, op: Op) {
        self.ops().push(op);
    }

    /// The current position from the page's top.
    pub(crate) fn y(&self) -> f32 {
        self.y
    }

    /// The document's title block (first page).
    pub(crate) fn title(&mut self, title: &str, subtitle: &str) {
        let y = self.y + 20.0;
        self.push(text(MARGIN_X, y, 20.0, Face::Bold, palette::ACCENT, title));
        self.push(text(
            MARGIN_X,
            y + 18.0,
            10.5,
            Face::Regular,
            palette::MUTED,
            subtitle,
        ));
        self.y = y + 32.0;
    }

    /// A numbered section heading with a rule, kept with at least `keep` points of what
    /// follows.
    pub(crate) fn heading(&mut self, title: &str, keep: f32) {
        self.ensure(34.0 + keep);
        let y = self.y + 20.0;
        self.push(text(MARGIN_X, y, 12.5, Face::Bold, palette::ACCENT, title));
        self.push(Op::Line {
            from: (MARGIN_X, y + 5.0),
            to: (MARGIN_X + BODY_W, y + 5.0),
            width: 0.8,
            color: palette::ACCENT,
            dashed: false,
        });
        let page = self.pages.len() - 1;
        self.outline.push((title.to_string(), page));
        self.y = y + 14.0;
    }

    /// A smaller heading inside a section.
    pub(crate) fn subheading(&mut self, title: &str, keep: f32) {
        self.ensure(20.0 + keep);
        let y = self.y + 13.0;
        self.push(text(MARGIN_X, y, 10.5, Face::Bold, palette::TEXT, title));
        self.y = y + 6.0;
    }

    /// A paragraph of body text.
    pub(crate) fn paragraph(&mut self, body: &str) {
        self.styled(body, Face::Regular, BODY_SIZE, palette::TEXT, 0.0);
    }

    /// A paragraph in a given face, size and colour, indented by `indent` points.
    pub(crate) fn styled(&mut self, body: &str, face: Face, size: f32, color: Rgb, indent: f32) {
        let line_h = size * LEADING;
        for line in self.fonts.wrap(face, body, size, BODY_W - indent) {
            self.ensure(line_h);
            self.y += line_h;
            self.push(text(
                MARGIN_X + indent,
                self.y - size * 0.3,
                size,
                face,
                color,
                &line,
            ));
        }
        self.y += size * 0.4;
    }

    /// Bulleted lines.
    pub(crate) fn bullets(&mut self, items: &[String]) {
        let size = BODY_SIZE;
        let line_h = size * LEADING;
        for item in items {
            let lines = self.fonts.wrap(Face::Regular, item, size, BODY_W - 14.0);
            for (i, line) in lines.iter().enumerate() {
                self.ensure(line_h);
                self.y += line_h;
                let baseline = self.y - size * 0.3;
                if i == 0 {
                    self.push(Op::Dot {
                        x: MARGIN_X + 4.0,
                        y: baseline - size * 0.33,
                        r: 1.6,
                        color: palette::ACCENT,
                    });
                }
                self.push(text(
                    MARGIN_X + 14.0,
                    baseline,
                    size,
                    Face::Regular,
                    palette::TEXT,
                    line,
                ));
            }
            self.y += 2.0;
        }
        self.y += 2.0;
    }

    /// Label–value pairs in two columns of a grid (label muted, value bold).
    pub(crate) fn facts(&mut self, pairs: &[(String, String)]) {
        let size = BODY_SIZE;
        let line_h = size * LEADING;
        let label_w = 118.0;
        for (label, value) in pairs {
            let lines = self
                .fonts
                .wrap(Face::Regular, value, size, BODY_W - label_w - 8.0);
            let h = lines.len() as f32 * line_h + 5.0;
            self.ensure(h);
            let top = self.y;
            self.push(text(
                MARGIN_X,
                top + line_h - size * 0.3 + 2.5,
                size,
                Face::Bold,
                palette::MUTED,
                label,
            ));
            for (i, line) in lines.iter().enumerate() {
                self.push(text(
                    MARGIN_X + label_w,
                    top + (i as f32 + 1.0) * line_h - size * 0.3 + 2.5,
                    size,
                    Face::Regular,
                    palette::TEXT,
                    line,
                ));
            }
            self.y = top + h;
            self.push(Op::Line {
                from: (MARGIN_X, self.y),
                to: (MARGIN_X + BODY_W, self.y),
                width: 0.4,
                color: palette::GRID,
                dashed: false,
            });
        }
        self.y += 6.0;
    }

    /// A shaded box with a short message (e.g. nothing recorded in the period).
    pub(crate) fn callout(&mut self, message: &str) {
        let size = BODY_SIZE;
        let line_h = size * LEADING;
        let lines = self.fonts.wrap(Face::Oblique, message, size, BODY_W - 24.0);
        let h = lines.len() as f32 * line_h + 14.0;
        self.ensure(h + 6.0);
        let top = self.y + 2.0;
        self.push(Op::Rect {
            x: MARGIN_X,
            y: top,
            w: BODY_W,
            h,
            fill: Some(palette::CALLOUT),
            stroke: None,
        });
        self.push(Op::Rect {
            x: MARGIN_X,
            y: top,
            w: 3.0,
            h,
            fill: Some(palette::ACCENT),
            stroke: None,
        });
        for (i, line) in lines.iter().enumerate() {
            self.push(text(
                MARGIN_X + 12.0,
                top + 7.0 + (i as f32 + 1.0) * line_h - size * 0.3,
                size,
                Face::Oblique,
                palette::MUTED,
                line,
            ));
        }
        self.y = top + h + 8.0;
    }

    /// A table: a shaded header row (repeated after a page break), rows with wrapped cells,
    /// alternate rows shaded. `colors` may give a row's text colour per cell.
    pub(crate) fn table(&mut self, columns: &[Column], rows: &[Vec<Cell>]) {
        let size = 8.5;
        let line_h = size * 1.3;
        let pad = 4.0;
        let total: f32 = columns
            .iter()
            .map(|c| c.share)
            .sum::<f32>()
            .max(f32::EPSILON);
        let widths: Vec<f32> = columns.iter().map(|c| c.share / total * BODY_W).collect();
        let header: Vec<Vec<String>> = columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| self.fonts.wrap(Face::Bold, &c.title, size, w - 2.0 * pad))
            .collect();
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 2.0 * pad;
        let draw_header = |flow: &mut Flow<'_>| {
            let top = flow.y;
            flow.push(Op::Rect {
                x: MARGIN_X,
                y: top,
                w: BODY_W,
                h: header_h,
                fill: Some(palette::HEAD_BG),
                stroke: None,
            });
            let mut x = MARGIN_X;
            for ((column, lines), w) in columns.iter().zip(&header).zip(&widths) {
                for (i, line) in lines.iter().enumerate() {
                    let tx = match column.align {
                        Align::Left => x + pad,
                        Align::Right => x + w - pad - flow.fonts.width(Face::Bold, line, size),
                    };
                    flow.push(text(
                        tx,
                        top + pad + (i as f32 + 1.0) * line_h - size * 0.28,
                        size,
                        Face::Bold,
                        palette::ACCENT,
                        line,
                    ));
                }
                x += w;
            }
            flow.y = top + header_h;
        };
        self.ensure(header_h + line_h + 2.0 * pad);
        draw_header(self);
        for (r, row) in rows.iter().enumerate() {
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| self.fonts.wrap(cell.face, &cell.text, size, w - 2.0 * pad))
                .collect();
            let h = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 2.0 * pad;
            if self.y + h > BODY_BOTTOM {
                self.page_break();
                draw_header(self);
            }
            let top = self.y;
            if r % 2 == 1 {
                self.push(Op::Rect {
                    x: MARGIN_X,
                    y: top,
                    w: BODY_W,
                    h,
                    fill: Some(palette::ZEBRA),
                    stroke: None,
                });
            }
            let mut x = MARGIN_X;
            for (((column, lines), w), cell) in columns.iter().zip(&cells).zip(&widths).zip(row) {
                for (i, line) in lines.iter().enumerate() {
                    let tx = match column.align {
                        Align::Left => x + pad,
                        Align::Right => x + w - pad - self.fonts.width(cell.face, line, size),
                    };
                    self.push(text(
                        tx,
                        top + pad + (i as f32 + 1.0) * line_h - size * 0.28,
                        size,
                        cell.face,
                        cell.color,
                        line,
                    ));
                }
                x += w;
            }
            self.y = top + h;
            self.push(Op::Line {
                from: (MARGIN_X, self.y),
                to: (MARGIN_X + BODY_W, self.y),
                width: 0.4,
                color: palette::RULE,
                dashed: false,
            });
        }
        self.y += 8.0;
    }

    /// The pages laid out so far.
    pub(crate) fn finish(self) -> (Vec<Vec<Op>>, Vec<(String, usize)>) {
        (self.pages, self.outline)
    }
}

/// A table cell: text in a face and colour.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub text: String,
    pub face: Face,
    pub color: Rgb,
}

impl Cell {
    /// Plain body text.
    pub(crate) fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            face: Face::Regular,
            color: palette::TEXT,
        }
    }

    /// Bold text.
    pub(crate) fn bold(text: impl Into<String>) -> Cell {
        Cell {
            face: Face::Bold,
            ..Cell::plain(text)
        }
    }

    /// Text in a colour.
    pub(crate) fn colored(text: impl Into<String>, color: Rgb) -> Cell {
        Cell {
            color,
            ..Cell::plain(text)
        }
    }

    /// A quotation.
    pub(crate) fn quote(text: impl Into<String>) -> Cell {
        Cell {
            face: Face::Oblique,
            color: palette::MUTED,
            ..Cell::plain(text)
        }
    }
}

/// A text op.
pub(crate) fn text(x: f32, y: f32, size: f32, face: Face, color: Rgb, body: &str) -> Op {
    Op::Text {
        x,
        y,
        size,
        face,
        color,
        text: body.to_string(),
    }
}

/// The running header and footer of page `index` of `count`.
fn running_ops(fonts: &Fonts, running: &Running, index: usize, count: usize) -> Vec<Op> {
    let mut ops = vec![
        Op::Rect {
            x: 0.0,
            y: 0.0,
            w: PAGE_W,
            h: 6.0,
            fill: Some(palette::ACCENT),
            stroke: None,
        },
        text(
            MARGIN_X,
            34.0,
            11.0,
            Face::Bold,
            palette::ACCENT,
            "PhysAlign",
        ),
        text(
            MARGIN_X,
            48.0,
            8.5,
            Face::Regular,
            palette::MUTED,
            &running.kind,
        ),
    ];
    let right = MARGIN_X + BODY_W;
    let name_w = fonts.width(Face::Bold, &running.patient, 11.0);
    ops.push(text(
        right - name_w,
        34.0,
        11.0,
        Face::Bold,
        palette::TEXT,
        &running.patient,
    ));
    let detail_w = fonts.width(Face::Regular, &running.patient_detail, 8.5);
    ops.push(text(
        right - detail_w,
        48.0,
        8.5,
        Face::Regular,
        palette::MUTED,
        &running.patient_detail,
    ));
    ops.push(Op::Line {
        from: (MARGIN_X, 60.0),
        to: (right, 60.0),
        width: 0.6,
        color: palette::RULE,
        dashed: false,
    });
    let foot_y = PAGE_H - 36.0;
    ops.push(Op::Line {
        from: (MARGIN_X, foot_y - 12.0),
        to: (right, foot_y - 12.0),
        width: 0.6,
        color: palette::RULE,
        dashed: false,
    });
    let page = format!("Page {} of {}", index + 1, count);
    let page_w = fonts.width(Face::Bold, &page, 8.0);
    ops.push(text(
        right - page_w,
        foot_y,
        8.0,
        Face::Bold,
        palette::MUTED,
        &page,
    ));
    for (i, line) in fonts
        .wrap(Face::Regular, &running.footer, 7.5, BODY_W - page_w - 20.0)
        .iter()
        .take(2)
        .enumerate()
    {
        ops.push(text(
            MARGIN_X,
            foot_y + i as f32 * 10.0,
            7.5,
            Face::Regular,
            palette::MUTED,
            line,
        ));
    }
    ops
}

fn paint(color: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(color.0, color.1, color.2).into()
}

fn fill(color: Rgb) -> Fill {
    Fill {
        paint: paint(color),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn stroke(color: Rgb, width: f32, dashed: bool) -> Stroke {
    Stroke {
        paint: paint(color),
        width,
        line_cap: LineCap::Round,
        dash: dashed.then(|| StrokeDash {
            array: vec![4.0, 3.0],
            offset: 0.0,
        }),
        ..Default::default()
    }
}

/// Document information written into the PDF.
pub(crate) struct Info {
    pub title: String,
    pub subject: String,
    pub created: chrono::DateTime<chrono::Utc>,
}

/// Draws the laid-out pages, each with its running header and footer, into a PDF.
pub(crate) fn render(
    fonts: &Fonts,
    pages: Vec<Vec<Op>>,
    outline: Vec<(String, usize)>,
    running: &Running,
    info: &Info,
) -> Result<Vec<u8>, PdfError> {
    use chrono::{Datelike, Timelike};
    let mut document = Document::new();
    let count = pages.len();
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PdfError::Layout("page size"))?;
    for (index, body) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in running_ops(fonts, running, index, count)
            .into_iter()
            .chain(body)
        {
            draw(&mut surface, fonts, op);
        }
        surface.finish();
        page.finish();
    }
    let created = info.created;
    let date = krilla::metadata::DateTime::new(u16::try_from(created.year()).unwrap_or(2000))
        .month(u8::try_from(created.month()).unwrap_or(1))
        .day(u8::try_from(created.day()).unwrap_or(1))
        .hour(u8::try_from(created.hour()).unwrap_or(0))
        .minute(u8::try_from(created.minute()).unwrap_or(0))
        .second(u8::try_from(created.second()).unwrap_or(0))
        .utc_offset_hour(0);
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(info.title.clone())
            .description(info.subject.clone())
            .creator("PhysAlign".to_string())
            .producer(format!("PhysAlign {}", env!("CARGO_PKG_VERSION")))
            .language("en".to_string())
            .creation_date(date),
    );
    let mut tree = krilla::outline::Outline::new();
    for (title, page) in outline {
        tree.push_child(krilla::outline::OutlineNode::new(
            title,
            krilla::destination::XyzDestination::new(page, Point::from_xy(0.0, 0.0)),
        ));
    }
    document.set_outline(tree);
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

fn draw(surface: &mut krilla::surface::Surface<'_>, fonts: &Fonts, op: Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            face,
            color,
            text,
        } => {
            if text.trim().is_empty() {
                return;
            }
            surface.set_stroke(None);
            surface.set_fill(Some(fill(color)));
            surface.draw_text(
                Point::from_xy(x, y),
                fonts.pdf(face),
                size,
                &text,
                false,
                TextDirection::LeftToRight,
            );
        }
        Op::Line {
            from,
            to,
            width,
            color,
            dashed,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(from.0, from.1);
            pb.line_to(to.0, to.1);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(color, width, dashed)));
                surface.draw_path(&path);
            }
        }
        Op::Rect {
            x,
            y,
            w,
            h,
            fill: inside,
            stroke: edge,
        } => {
            let mut pb = PathBuilder::new();
            if let Some(rect) = krilla::geom::Rect::from_xywh(x, y, w.max(0.01), h.max(0.01)) {
                pb.push_rect(rect);
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(inside.map(fill));
                surface.set_stroke(edge.map(|(c, w)| stroke(c, w, false)));
                surface.draw_path(&path);
            }
        }
        Op::Polyline {
            points,
            width,
            color,
        } => {
            let mut pb = PathBuilder::new();
            for (i, (x, y)) in points.iter().enumerate() {
                if i == 0 {
                    pb.move_to(*x, *y);
                } else {
                    pb.line_to(*x, *y);
                }
            }
            if points.len() > 1 {
                if let Some(path) = pb.finish() {
                    surface.set_fill(None);
                    surface.set_stroke(Some(stroke(color, width, false)));
                    surface.draw_path(&path);
                }
            }
        }
        Op::Dot { x, y, r, color } => {
            // A circle from four cubic Béziers.
            let k = 0.552_284_8 * r;
            let mut pb = PathBuilder::new();
            pb.move_to(x + r, y);
            pb.cubic_to(x + r, y + k, x + k, y + r, x, y + r);
            pb.cubic_to(x - k, y + r, x - r, y + k, x - r, y);
            pb.cubic_to(x - r, y - k, x - k, y - r, x, y - r);
            pb.cubic_to(x + k, y - r, x + r, y - k, x + r, y);
            pb.close();
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(color)));
                surface.draw_path(&path);
            }
        }
    }
}
