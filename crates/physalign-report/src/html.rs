//! The session as a self-contained HTML page: no scripts and no external files, so it opens the
//! same way on any computer, offline, and can be attached to a message to the therapist.

use crate::document::SessionDocument;
use crate::escape::html;
use crate::measurement;
use crate::svg_chart::{self, outcome_word};
use crate::svg_skeleton;
use crate::verdict::verdict;
use physalign_analysis::exercise::Mode;
use std::fmt::Write;

const STYLE: &str = "body{font:16px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:900px;padding:0 1rem;color:#1b1f24}\
h1{font-size:1.6rem;margin-bottom:.2rem}.meta{color:#57606a;margin-top:0}.facts{color:#57606a}.verdict{font-size:1.2rem;padding:.8rem 1rem;background:#eef6ee;border-left:5px solid #2d7d32}\
.count{font-size:2.4rem;font-weight:700}.count small{font-size:1rem;font-weight:400;color:#57606a}\
figure{margin:1.5rem 0}figcaption{color:#57606a;font-size:.9rem}\
.chart{width:100%;height:auto}.grid{stroke:#d0d7de;stroke-width:1}.tick{font-size:11px;fill:#57606a}\
.rep{fill:#2d7d32;fill-opacity:.12}.rep-partial{fill:#9a6700;fill-opacity:.10}.band-label{font-size:12px;fill:#1b1f24}\
.angle{fill:none;stroke:#0550ae;stroke-width:2}.peak{fill:#0550ae}.issue{fill:#cf222e}\
.skeleton{width:280px;max-height:420px}.frame{fill:#f6f8fa;stroke:#d0d7de}.bone{stroke:#1b1f24;stroke-width:4;stroke-linecap:round}.joint{fill:#0550ae}.head{fill:none;stroke:#1b1f24;stroke-width:3}\
table{border-collapse:collapse;width:100%}th,td{text-align:right;padding:.3rem .6rem;border-bottom:1px solid #d0d7de}th:first-child,td:first-child{text-align:left}";

/// The page for `doc`.
pub fn render(doc: &SessionDocument) -> String {
    let report = &doc.report;
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{} — PhysAlign session</title><style>{STYLE}</style></head><body>",
        html(&report.exercise_name)
    );
    let _ = write!(
        page,
        "<h1>{}</h1><p class=\"meta\">{}{} · {:.0} s · {} frames analysed</p>",
        html(&report.exercise_name),
        html(&doc.source),
        doc.recorded_at
            .as_deref()
            .map(|t| format!(" · recorded {}", html(t)))
            .unwrap_or_default(),
        report.duration_s,
        report.summary_statistics.total_frames
    );
    page.push_str(&headline(doc));
    let _ = write!(page, "<p class=\"verdict\">{}</p>", html(&verdict(report)));
    let facts: Vec<String> = [
        measurement::functional_test(report).map(|s| format!("Test result: {s}.")),
        measurement::sides(report).map(|s| format!("Sides: {s}.")),
        measurement::trust(report).map(|s| format!("{}.", crate::escape::capitalise(&s))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !facts.is_empty() {
        let _ = write!(page, "<p class=\"facts\">{}</p>", html(&facts.join(" ")));
    }
    let _ = write!(
        page,
        "<figure>{}<figcaption>The {} angle the counter followed. Shaded: repetitions (numbered when counted); dots: the working position; red triangles: form issues.</figcaption></figure>",
        svg_chart::render(report, &doc.angle),
        html(doc.angle.name.as_deref().unwrap_or("joint"))
    );
    if let Some(svg) = doc
        .skeleton
        .as_ref()
        .and_then(|s| svg_skeleton::render(s).map(|svg| (svg, s.caption.clone())))
    {
        let _ = write!(
            page,
            "<figure>{}<figcaption>{}</figcaption></figure>",
            svg.0,
            html(&svg.1)
        );
    }
    page.push_str(&repetition_table(doc));
    page.push_str(&issue_list(doc));
    page.push_str("<p class=\"meta\">Measured on this computer by PhysAlign from the pose landmarks; the video did not leave it.</p></body></html>\n");
    page
}

fn headline(doc: &SessionDocument) -> String {
    let report = &doc.report;
    if report.mode == Mode::Hold {
        let held: f64 = report.holds.iter().map(|h| h.time_in_range_s).sum();
        return format!("<p class=\"count\">{held:.0} s <small>held</small></p>");
    }
    match report.target_reps {
        Some(target) => format!(
            "<p class=\"count\">{} <small>of {target} repetitions</small></p>",
            report.reps
        ),
        None => format!(
            "<p class=\"count\">{} <small>repetitions</small></p>",
            report.reps
        ),
    }
}

fn repetition_table(doc: &SessionDocument) -> String {
    let report = &doc.report;
    if report.rep_details.is_empty() {
        return String::new();
    }
    let mut table = String::from(
        "<h2>Repetitions</h2><table><thead><tr><th scope=\"col\">Repetition</th><th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Range of motion</th><th scope=\"col\">Lowest</th><th scope=\"col\">Highest</th><th scope=\"col\">Form issues</th><th scope=\"col\">Confidence</th></tr></thead><tbody>",
    );
    let degrees = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.0}°"));
    for rep in &report.rep_details {
        let label = rep
            .number
            .map_or_else(|| outcome_word(rep.outcome).to_string(), |n| n.to_string());
        let _ = write!(
            table,
            "<tr><td>{}</td><td>{:.1} s</td><td>{:.1} s</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html(&label),
            rep.start_ms as f64 / 1000.0,
            rep.end_ms as f64 / 1000.0,
            degrees(rep.rom),
            degrees(rep.min_angle),
            degrees(rep.max_angle),
            rep.form_issues.len(),
            measurement::confidence_text(rep.confidence)
        );
    }
    table.push_str("</tbody></table>");
    table
}

fn issue_list(doc: &SessionDocument) -> String {
    let issues = &doc.report.form_issues;
    if issues.is_empty() {
        return "<h2>Form</h2><p>No form issues.</p>".into();
    }
    let mut list = String::from("<h2>Form issues</h2><ul>");
    for issue in issues {
        let _ = write!(
            list,
            "<li><strong>{:.1} s</strong> — {} <small>({}, {:?} severity)</small></li>",
            issue.timestamp_ms as f64 / 1000.0,
            html(&issue.issue.message),
            html(&issue.issue.joint.replace('_', " ")),
            issue.issue.severity
        );
    }
    list.push_str("</ul>");
    list
}
