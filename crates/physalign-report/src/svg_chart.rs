//! The joint angle over time as an SVG chart, the repetitions shaded and numbered.

use crate::document::AngleTrace;
use crate::escape::html;
use physalign_analysis::reps::CycleOutcome;
use physalign_analysis::SessionReport;
use std::fmt::Write;

const WIDTH: f64 = 860.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 26.0;
const BOTTOM: f64 = 34.0;

/// Maps seconds and degrees to chart coordinates.
struct Axes {
    t_max: f64,
    deg_min: f64,
    deg_max: f64,
}

impl Axes {
    fn x(&self, t: f64) -> f64 {
        LEFT + (t / self.t_max).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
    }
    fn y(&self, deg: f64) -> f64 {
        let span = (self.deg_max - self.deg_min).max(1.0);
        TOP + (1.0 - (deg - self.deg_min) / span) * (HEIGHT - TOP - BOTTOM)
    }
}

/// The chart as an `<svg>` element with a title and description for screen readers.
pub(crate) fn render(report: &SessionReport, trace: &AngleTrace) -> String {
    let measured: Vec<f64> = trace.degrees.iter().flatten().map(|d| *d as f64).collect();
    let name = trace.name.as_deref().unwrap_or("joint");
    if measured.is_empty() {
        return format!(
            "<p>No {} angle could be measured in this recording.</p>",
            html(name)
        );
    }
    let lo = measured.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = measured.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let axes = Axes {
        t_max: trace
            .t_s
            .last()
            .copied()
            .unwrap_or(0.0)
            .max(report.duration_s)
            .max(0.1),
        deg_min: ((lo - 5.0) / 10.0).floor() * 10.0,
        deg_max: ((hi + 5.0) / 10.0).ceil() * 10.0,
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title chart-desc"><title id="chart-title">{} angle over time</title><desc id="chart-desc">{}</desc>"#,
        html(&capitalised(name)),
        html(&describe(report, name, lo, hi)),
    );
    grid(&mut svg, &axes);
    repetition_bands(&mut svg, report, trace, &axes);
    angle_line(&mut svg, trace, &axes);
    issue_ticks(&mut svg, report, &axes);
    svg.push_str("</svg>");
    svg
}

fn grid(svg: &mut String, axes: &Axes) {
    let mut deg = axes.deg_min;
    let step = if axes.deg_max - axes.deg_min > 100.0 {
        20.0
    } else {
        10.0
    };
    while deg <= axes.deg_max + 0.01 {
        let y = axes.y(deg);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{deg:.0}°</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
        deg += step;
    }
    let t_step = nice_step(axes.t_max / 8.0);
    let mut t = 0.0;
    while t <= axes.t_max + 1e-6 {
        let x = axes.x(t);
        let _ = write!(
            svg,
            r#"<text class="tick" x="{x:.1}" y="{:.1}" text-anchor="middle">{t:.0} s</text>"#,
            HEIGHT - BOTTOM + 18.0
        );
        t += t_step;
    }
}

/// 1, 2, 5, 10, 20… seconds: the tick spacing a person reads at a glance.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.max(0.1).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

fn repetition_bands(svg: &mut String, report: &SessionReport, trace: &AngleTrace, axes: &Axes) {
    for rep in &report.rep_details {
        let (x0, x1) = (
            axes.x(rep.start_ms as f64 / 1000.0),
            axes.x(rep.end_ms as f64 / 1000.0),
        );
        let full = rep.outcome == CycleOutcome::Full;
        let label = match rep.number {
            Some(n) if full => n.to_string(),
            _ => outcome_word(rep.outcome).to_string(),
        };
        let _ = write!(
            svg,
            r#"<rect class="{}" x="{x0:.1}" y="{TOP}" width="{:.1}" height="{:.1}"/><text class="band-label" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            if full { "rep" } else { "rep-partial" },
            (x1 - x0).max(1.0),
            HEIGHT - TOP - BOTTOM,
            (x0 + x1) / 2.0,
            TOP - 8.0,
            html(&label)
        );
        if let Some((t, deg)) = sample_near(trace, rep.peak_ms as f64 / 1000.0) {
            let _ = write!(
                svg,
                r#"<circle class="peak" cx="{:.1}" cy="{:.1}" r="4"/>"#,
                axes.x(t),
                axes.y(deg)
            );
        }
    }
}

/// The measured sample closest in time to `t` (the working position of a repetition).
fn sample_near(trace: &AngleTrace, t: f64) -> Option<(f64, f64)> {
    trace
        .t_s
        .iter()
        .zip(&trace.degrees)
        .filter_map(|(ts, d)| d.map(|d| (*ts, d as f64)))
        .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
}

/// The word for a cycle that was not counted.
pub(crate) fn outcome_word(outcome: CycleOutcome) -> &'static str {
    match outcome {
        CycleOutcome::Full => "full",
        CycleOutcome::Partial => "partial",
        CycleOutcome::TooSlow => "too slow",
        CycleOutcome::Unfinished => "unfinished",
    }
}

fn angle_line(svg: &mut String, trace: &AngleTrace, axes: &Axes) {
    // A gap in the measurement is a gap in the line, not a straight segment across it.
    let mut path = String::new();
    let mut pen_down = false;
    for (t, deg) in trace.t_s.iter().zip(&trace.degrees) {
        match deg {
            Some(d) => {
                let _ = write!(
                    path,
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    axes.x(*t),
                    axes.y(*d as f64)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(svg, r#"<path class="angle" d="{}"/>"#, path.trim_end());
}

fn issue_ticks(svg: &mut String, report: &SessionReport, axes: &Axes) {
    for issue in &report.form_issues {
        let t = issue.timestamp_ms as f64 / 1000.0;
        let x = axes.x(t);
        let y = HEIGHT - BOTTOM;
        let _ = write!(
            svg,
            r#"<path class="issue" d="M{x:.1},{:.1} l-5,9 h10 z"><title>{t:.1} s: {}</title></path>"#,
            y - 10.0,
            html(&issue.issue.message)
        );
    }
}

fn describe(report: &SessionReport, name: &str, lo: f64, hi: f64) -> String {
    format!(
        "The {name} angle ranged from {lo:.0}° to {hi:.0}° over {:.0} seconds; {} full repetitions are shaded and numbered, {} form issues are marked with triangles.",
        report.duration_s,
        report.reps,
        report.form_issues.len()
    )
}

fn capitalised(name: &str) -> String {
    crate::escape::capitalise(&name.replace('_', " "))
}
