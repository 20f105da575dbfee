//! Line charts drawn as vectors: a value over dates (angle reached per session, pain per session)
//! or over seconds (a joint angle through one session), with the target band shaded, a dashed
//! target line, labelled axes and a legend.

use crate::fonts::Face;
use crate::layout::{palette, text, Flow, Op, Rgb, BODY_W, MARGIN_X};

/// One line of a chart.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    /// The legend's words.
    pub name: String,
    /// Its colour.
    pub color: Rgb,
    /// Points (x, y); a `None` y breaks the line.
    pub points: Vec<(f64, Option<f64>)>,
    /// Whether each point gets a marker (few points), or the line is drawn alone (a curve).
    pub markers: bool,
}

/// A line chart.
#[derive(Debug, Clone)]
pub(crate) struct LineChart {
    /// The chart's caption.
    pub caption: String,
    /// The y axis' unit, e.g. "degrees".
    pub y_unit: String,
    /// The lines.
    pub series: Vec<Series>,
    /// A shaded band (low, high) with its legend words.
    pub band: Option<(f64, f64, String)>,
    /// A dashed horizontal line (value, legend words).
    pub target: Option<(f64, String)>,
    /// A fixed y range (pain: 0–10); otherwise fitted to the data.
    pub y_range: Option<(f64, f64)>,
    /// Labels of x positions (dates); without them the x values are printed as seconds.
    pub x_labels: Vec<(f64, String)>,
    /// Shaded x spans (e.g. repetitions), drawn under the lines.
    pub spans: Vec<(f64, f64)>,
    /// Chart height in points.
    pub height: f32,
}

/// A "nice" step (1, 2, 2.5 or 5 × 10^n) giving about `ticks` ticks over `span`.
fn nice_step(span: f64, ticks: f64) -> f64 {
    let raw = (span / ticks).max(1e-9);
    let magnitude = 10f64.powf(raw.log10().floor());
    let residual = raw / magnitude;
    let nice = if residual <= 1.0 {
        1.0
    } else if residual <= 2.0 {
        2.0
    } else if residual <= 2.5 {
        2.5
    } else if residual <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

fn number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-6 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

impl LineChart {
    fn y_bounds(&self) -> (f64, f64) {
        if let Some(range) = self.y_range {
            return range;
        }
        let mut values: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().filter_map(|p| p.1))
            .collect();
        if let Some((low, high, _)) = &self.band {
            values.push(*low);
            values.push(*high);
        }
        if let Some((target, _)) = &self.target {
            values.push(*target);
        }
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            return (0.0, 180.0);
        }
        let pad = ((hi - lo) * 0.12).max(5.0);
        let step = nice_step(hi - lo + 2.0 * pad, 5.0);
        (
            ((lo - pad) / step).floor() * step,
            ((hi + pad) / step).ceil() * step,
        )
    }

    fn x_bounds(&self) -> (f64, f64) {
        let xs: Vec<f64> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .chain(self.x_labels.iter().map(|l| l.0))
            .collect();
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() || !hi.is_finite() {
            return (0.0, 1.0);
        }
        if (hi - lo).abs() < 1e-9 {
            return (lo - 1.0, hi + 1.0);
        }
        let pad = (hi - lo) * 0.04;
        (lo - pad, hi + pad)
    }
}

/// Draws `chart` at the flow's position (kept on one page).
pub(crate) fn draw(flow: &mut Flow<'_>, chart: &LineChart) {
    let legend_h = 16.0;
    let caption_h = 16.0;
    let total = caption_h + chart.height + 18.0 + legend_h;
    flow.ensure(total + 6.0);
    let top = flow.y() + 4.0;
    flow.push(text(
        MARGIN_X,
        top + 10.0,
        9.0,
        Face::Bold,
        palette::TEXT,
        &format!("{} ({})", chart.caption, chart.y_unit),
    ));
    let plot_left = MARGIN_X + 38.0;
    let plot_right = MARGIN_X + BODY_W - 8.0;
    let plot_top = top + caption_h + 4.0;
    let plot_bottom = plot_top + chart.height;
    let (y_lo, y_hi) = chart.y_bounds();
    let (x_lo, x_hi) = chart.x_bounds();
    let sx = |x: f64| plot_left + ((x - x_lo) / (x_hi - x_lo)) as f32 * (plot_right - plot_left);
    let sy = |y: f64| {
        let t = ((y - y_lo) / (y_hi - y_lo)).clamp(-0.02, 1.02);
        plot_bottom - t as f32 * (plot_bottom - plot_top)
    };

    // Repetition spans and the target band under everything.
    for (a, b) in &chart.spans {
        flow.push(Op::Rect {
            x: sx(*a),
            y: plot_top,
            w: (sx(*b) - sx(*a)).max(0.5),
            h: plot_bottom - plot_top,
            fill: Some(palette::ZEBRA),
            stroke: None,
        });
    }
    if let Some((low, high, _)) = &chart.band {
        let (y1, y2) = (sy(*high), sy(*low));
        flow.push(Op::Rect {
            x: plot_left,
            y: y1,
            w: plot_right - plot_left,
            h: (y2 - y1).max(0.5),
            fill: Some(palette::BAND),
            stroke: None,
        });
    }
    // Grid and y labels.
    let step = nice_step(y_hi - y_lo, 5.0);
    let mut tick = (y_lo / step).ceil() * step;
    while tick <= y_hi + 1e-9 {
        let y = sy(tick);
        flow.push(Op::Line {
            from: (plot_left, y),
            to: (plot_right, y),
            width: 0.4,
            color: palette::GRID,
            dashed: false,
        });
        let label = number(tick);
        let w = flow.fonts.width(Face::Regular, &label, 7.5);
        flow.push(text(
            plot_left - 5.0 - w,
            y + 2.6,
            7.5,
            Face::Regular,
            palette::MUTED,
            &label,
        ));
        tick += step;
    }
    // X labels: the dates given (thinned to fit), or seconds.
    let labels: Vec<(f64, String)> = if chart.x_labels.is_empty() {
        let step = nice_step(x_hi - x_lo, 8.0);
        let mut out = Vec::new();
        let mut t = (x_lo / step).ceil() * step;
        while t <= x_hi {
            // `ceil` of a small negative is -0: print it as 0.
            let shown = if t.abs() < 1e-9 { 0.0 } else { t };
            out.push((t, format!("{} s", number(shown))));
            t += step;
        }
        out
    } else {
        chart.x_labels.clone()
    };
    let mut last_right = f32::NEG_INFINITY;
    for (x, label) in &labels {
        let w = flow.fonts.width(Face::Regular, label, 7.5);
        let cx = sx(*x);
        let left = (cx - w / 2.0)
            .max(plot_left - 10.0)
            .min(plot_right + 6.0 - w);
        if left < last_right + 6.0 {
            continue;
        }
        last_right = left + w;
        flow.push(Op::Line {
            from: (cx, plot_bottom),
            to: (cx, plot_bottom + 3.0),
            width: 0.5,
            color: palette::RULE,
            dashed: false,
        });
        flow.push(text(
            left,
            plot_bottom + 12.0,
            7.5,
            Face::Regular,
            palette::MUTED,
            label,
        ));
    }
    // Axes.
    flow.push(Op::Line {
        from: (plot_left, plot_top),
        to: (plot_left, plot_bottom),
        width: 0.7,
        color: palette::RULE,
        dashed: false,
    });
    flow.push(Op::Line {
        from: (plot_left, plot_bottom),
        to: (plot_right, plot_bottom),
        width: 0.7,
        color: palette::RULE,
        dashed: false,
    });
    if let Some((target, _)) = &chart.target {
        let y = sy(*target);
        flow.push(Op::Line {
            from: (plot_left, y),
            to: (plot_right, y),
            width: 0.9,
            color: palette::GOOD,
            dashed: true,
        });
    }
    // The lines, broken where a value is missing, and their markers.
    for series in &chart.series {
        let mut run: Vec<(f32, f32)> = Vec::new();
        let mut runs = Vec::new();
        for (x, y) in &series.points {
            match y {
                Some(y) => run.push((sx(*x), sy(*y))),
                None => {
                    if !run.is_empty() {
                        runs.push(std::mem::take(&mut run));
                    }
                }
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        for run in runs {
            if series.markers {
                for (x, y) in &run {
                    flow.push(Op::Dot {
                        x: *x,
                        y: *y,
                        r: 2.6,
                        color: series.color,
                    });
                }
            }
            flow.push(Op::Polyline {
                points: run,
                width: if series.markers { 1.4 } else { 1.1 },
                color: series.color,
            });
        }
    }
    // Legend: (swatch kind, words); 0 line, 1 band, 2 dashed target.
    let mut entries: Vec<(u8, Rgb, String)> = chart
        .series
        .iter()
        .map(|s| (0, s.color, s.name.clone()))
        .collect();
    if let Some((_, _, label)) = &chart.band {
        entries.push((1, palette::BAND, label.clone()));
    }
    if let Some((_, label)) = &chart.target {
        entries.push((2, palette::GOOD, label.clone()));
    }
    let mut x = plot_left;
    let legend_y = plot_bottom + 28.0;
    for (kind, color, label) in entries {
        flow.push(match kind {
            1 => Op::Rect {
                x,
                y: legend_y - 4.0,
                w: 12.0,
                h: 8.0,
                fill: Some(color),
                stroke: None,
            },
            _ => Op::Line {
                from: (x, legend_y),
                to: (x + 12.0, legend_y),
                width: if kind == 2 { 0.9 } else { 2.0 },
                color,
                dashed: kind == 2,
            },
        });
        flow.push(text(
            x + 16.0,
            legend_y + 3.0,
            7.5,
            Face::Regular,
            palette::TEXT,
            &label,
        ));
        x += 16.0 + flow.fonts.width(Face::Regular, &label, 7.5) + 14.0;
    }
    flow.space(total + 8.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(12.0, 5.0), 2.5);
        assert_eq!(nice_step(0.9, 5.0), 0.2);
        assert_eq!(number(20.0), "20");
        assert_eq!(number(2.5), "2.5");
    }
}
