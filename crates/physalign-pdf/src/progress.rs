//! The progress report: identification, diagnosis and goals, program and adherence, range of
//! motion per joint against the targets (charts and tables), outcome measures with their change
//! against the MCID, the pain trend, the clinician's reviews and notes summarised, and the plan.

use crate::chart::{self, LineChart, Series};
use crate::fonts::{Face, Fonts};
use crate::layout::{col, palette, render, Align, Cell, Flow, Info, Running};
use crate::model::{ProgressReport, RomSeries};
use crate::words::{date, day_x, deg, delta_deg, footer, one_decimal, side_words};
use crate::PdfError;
use physalign_outcomes::{ChangeClass, Direction};

/// Section titles, in order (the tests look for them in the text of the PDF).
pub const PROGRESS_SECTIONS: [&str; 8] = [
    "1. Identification",
    "2. Diagnosis and goals",
    "3. Program and adherence",
    "4. Range of motion",
    "5. Outcome measures",
    "6. Pain",
    "7. Clinician reviews and notes",
    "8. Plan",
];

/// Said when no outcome measure was scored in the period.
pub const NO_OUTCOMES: &str = "No outcome measures recorded in this period.";

/// The progress report as a PDF.
pub fn progress_report_pdf(report: &ProgressReport) -> Result<Vec<u8>, PdfError> {
    if report.to < report.from {
        return Err(PdfError::Invalid(format!(
            "the period ends ({}) before it starts ({})",
            report.to, report.from
        )));
    }
    let fonts = Fonts::load()?;
    let mut flow = Flow::new(&fonts);
    let days = (report.to - report.from).num_days() + 1;
    flow.title(
        "Physiotherapy progress report",
        &format!("{} to {} ({days} days)", date(report.from), date(report.to)),
    );
    summary(&mut flow, report);
    identification(&mut flow, report);
    diagnosis(&mut flow, report);
    program(&mut flow, report);
    range_of_motion(&mut flow, report);
    outcomes(&mut flow, report);
    pain(&mut flow, report);
    reviews(&mut flow, report);
    plan(&mut flow, report);
    let (pages, outline) = flow.finish();
    let running = Running {
        kind: format!(
            "Progress report · {} to {}",
            date(report.from),
            date(report.to)
        ),
        patient: report.patient.name.clone(),
        patient_detail: report.patient.detail_line(),
        footer: footer(&report.provenance),
    };
    render(
        &fonts,
        pages,
        outline,
        &running,
        &Info {
            title: format!("Progress report: {}", report.patient.name),
            subject: format!(
                "Physiotherapy progress report, {} to {}",
                report.from, report.to
            ),
            created: report.provenance.generated_at,
        },
    )
}

/// The key findings in a few sentences, first thing on the first page.
fn summary(flow: &mut Flow<'_>, report: &ProgressReport) {
    let a = &report.adherence;
    let mut findings = vec![format!(
        "{} session{} on {} of {} days; {} reviewed by a clinician.",
        a.sessions,
        if a.sessions == 1 { "" } else { "s" },
        a.days_with_data,
        a.period_days,
        a.reviewed
    )];
    for series in &report.rom {
        let reached: Vec<f64> = series.points.iter().filter_map(|p| p.reached_deg).collect();
        if let (Some(first), Some(last)) = (reached.first(), reached.last()) {
            let target = series
                .target
                .map(|(t, _, tol_hi)| format!(" (target {})", band_words(t, tol_hi - t)))
                .unwrap_or_default();
            findings.push(format!(
                "{}: angle reached {} at the first session, {} at the latest{}.",
                series_title(series),
                deg(*first),
                deg(*last),
                target
            ));
        }
    }
    if let (Some(first), Some(last)) = (report.pain.first(), report.pain.last()) {
        findings.push(format!(
            "Pain said: {}/10 at the first session with a score, {}/10 at the latest.",
            one_decimal(first.1),
            one_decimal(last.1)
        ));
    }
    for trend in &report.outcomes {
        findings.push(format!(
            "{}: {} to {} ({}).",
            trend.instrument.display_name(),
            one_decimal(trend.first.value),
            one_decimal(trend.latest.value),
            class_words(trend.change.class)
        ));
    }
    flow.subheading("Summary", 30.0);
    flow.bullets(&findings);
}

fn identification(flow: &mut Flow<'_>, report: &ProgressReport) {
    flow.heading(PROGRESS_SECTIONS[0], 60.0);
    let p = &report.patient;
    let mut facts = vec![("Patient".to_string(), p.name.clone())];
    facts.push((
        "Date of birth".into(),
        p.date_of_birth
            .map(date)
            .unwrap_or_else(|| "not recorded".into()),
    ));
    if let Some(id) = p.patient_id {
        facts.push(("Patient ID".into(), id.to_string()));
    }
    if let Some(email) = &p.email {
        facts.push(("E-mail".into(), email.clone()));
    }
    facts.push((
        "Report period".into(),
        format!("{} to {}", date(report.from), date(report.to)),
    ));
    facts.push((
        "Prepared".into(),
        match &report.provenance.prepared_by {
            Some(by) => format!(
                "{} by {}",
                report.provenance.generated_at.format("%Y-%m-%d %H:%M UTC"),
                by
            ),
            None => report
                .provenance
                .generated_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
        },
    ));
    facts.push(("Data source".into(), report.provenance.source.clone()));
    flow.facts(&facts);
}

fn diagnosis(flow: &mut Flow<'_>, report: &ProgressReport) {
    flow.heading(PROGRESS_SECTIONS[1], 40.0);
    flow.subheading("Diagnosis and conditions", 14.0);
    if report.conditions.is_empty() {
        flow.paragraph("No diagnosis or condition is recorded on this record.");
    } else {
        flow.bullets(&report.conditions);
    }
    flow.subheading("Goals", 14.0);
    if report.goals.is_empty() {
        flow.paragraph("No goal or measurable target is recorded.");
    } else {
        flow.bullets(&report.goals);
    }
}

fn program(flow: &mut Flow<'_>, report: &ProgressReport) {
    flow.heading(PROGRESS_SECTIONS[2], 60.0);
    if report.program.is_empty() {
        flow.callout("No exercise program is prescribed on this record.");
    } else {
        let rows: Vec<Vec<Cell>> = report
            .program
            .iter()
            .map(|item| {
                let adherence = item
                    .sessions_expected
                    .filter(|e| *e > 0)
                    .map(|expected| {
                        let pct = item.sessions_done as f64 / expected as f64 * 100.0;
                        let color = if pct >= 80.0 {
                            palette::GOOD
                        } else if pct < 50.0 {
                            palette::WARN
                        } else {
                            palette::TEXT
                        };
                        Cell::colored(format!("{pct:.0}%"), color)
                    })
                    .unwrap_or_else(|| Cell::plain("–"));
                vec![
                    Cell::bold(item.exercise.clone()),
                    Cell::plain(item.dose.clone()),
                    Cell::plain(item.target.clone().unwrap_or_else(|| "–".into())),
                    Cell::plain(
                        item.per_week
                            .map(|n| format!("{n}/week"))
                            .unwrap_or_else(|| "–".into()),
                    ),
                    Cell::plain(match item.sessions_expected {
                        Some(expected) => format!("{} of {}", item.sessions_done, expected),
                        None => item.sessions_done.to_string(),
                    }),
                    adherence,
                    Cell::plain(if item.active { "active" } else { "ended" }),
                ]
            })
            .collect();
        flow.table(
            &[
                col("Exercise", 2.05, Align::Left),
                col("Dose", 1.3, Align::Left),
                col("Target", 1.3, Align::Left),
                col("Frequency", 1.1, Align::Left),
                col("Sessions done", 1.2, Align::Right),
                col("Adherence", 1.15, Align::Right),
                col("Status", 0.9, Align::Left),
            ],
            &rows,
        );
        let instructions: Vec<String> = report
            .program
            .iter()
            .filter_map(|i| {
                i.instructions
                    .as_ref()
                    .map(|text| format!("{}: {}", i.exercise, text))
            })
            .collect();
        if !instructions.is_empty() {
            flow.subheading("Instructions given", 14.0);
            flow.bullets(&instructions);
        }
    }
    let a = &report.adherence;
    let monitoring = if a.days_with_data >= 16 {
        "16 or more days with measured data: meets the remote-monitoring threshold for a 30-day period."
    } else if a.days_with_data >= 2 {
        "2 to 15 days with measured data in the period."
    } else {
        "Fewer than 2 days with measured data in the period."
    };
    flow.facts(&[
        ("Sessions".into(), a.sessions.to_string()),
        (
            "Days with data".into(),
            format!(
                "{} of {} days. {monitoring}",
                a.days_with_data, a.period_days
            ),
        ),
        (
            "Reviewed".into(),
            format!("{} of {} sessions", a.reviewed, a.sessions),
        ),
    ]);
}

fn series_title(series: &RomSeries) -> String {
    let joint = series
        .joint
        .as_deref()
        .map(|j| format!(" · {}", j.replace('_', " ")))
        .unwrap_or_default();
    let side = series
        .side
        .as_deref()
        .map(|s| format!(" ({})", side_words(s)))
        .unwrap_or_default();
    format!("{}{joint}{side}", series.exercise)
}

fn band_words(target: f64, tolerance: f64) -> String {
    format!("{} ± {}", deg(target), deg(tolerance))
}

fn range_of_motion(flow: &mut Flow<'_>, report: &ProgressReport) {
    flow.heading(PROGRESS_SECTIONS[3], 120.0);
    if report.rom.is_empty() {
        flow.callout("No session with measured repetitions in this period.");
        return;
    }
    flow.paragraph(
        "Angle reached: the mean joint angle at the working position over the session's \
         repetitions (the deepest knee angle of a squat, the highest arm of a raise), measured \
         by the camera goniometer. Range of motion: the mean difference between the largest \
         and smallest angle of each repetition.",
    );
    for (i, series) in report.rom.iter().enumerate() {
        let origin = series
            .points
            .first()
            .map(|p| p.started_at.date_naive())
            .unwrap_or(report.from);
        let x_labels = series
            .points
            .iter()
            .map(|p| {
                (
                    day_x(origin, p.started_at),
                    p.started_at.format("%d %b").to_string(),
                )
            })
            .collect();
        let color = palette::SERIES[i % palette::SERIES.len()];
        let chart = LineChart {
            caption: "Angle reached per session".into(),
            y_unit: "degrees".into(),
            series: vec![Series {
                name: "angle reached".into(),
                color,
                points: series
                    .points
                    .iter()
                    .map(|p| (day_x(origin, p.started_at), p.reached_deg))
                    .collect(),
                markers: true,
            }],
            band: series.target.map(|(_, low, high)| {
                (low, high, format!("target band {}–{}", deg(low), deg(high)))
            }),
            target: series
                .target
                .map(|(t, _, _)| (t, format!("target {}", deg(t)))),
            y_range: None,
            x_labels,
            spans: Vec::new(),
            height: 150.0,
        };
        flow.subheading(&series_title(series), 200.0);
        chart::draw(flow, &chart);
        let rows: Vec<Vec<Cell>> = series
            .points
            .iter()
            .map(|p| {
                vec![
                    Cell::plain(p.started_at.format("%Y-%m-%d %H:%M").to_string()),
                    Cell::plain(p.reps.to_string()),
                    Cell::plain(p.reached_deg.map(deg).unwrap_or_else(|| "–".into())),
                    Cell::plain(p.rom_deg.map(deg).unwrap_or_else(|| "–".into())),
                    match p.in_band {
                        Some(true) => Cell::colored("yes", palette::GOOD),
                        Some(false) => Cell::colored("no", palette::WARN),
                        None => Cell::plain("–"),
                    },
                ]
            })
            .collect();
        flow.table(
            &[
                col("Session", 1.6, Align::Left),
                col("Repetitions", 1.0, Align::Right),
                col("Angle reached", 1.1, Align::Right),
                col("Range of motion", 1.2, Align::Right),
                col("In target band", 1.1, Align::Right),
            ],
            &rows,
        );
        let reached: Vec<f64> = series.points.iter().filter_map(|p| p.reached_deg).collect();
        let roms: Vec<f64> = series.points.iter().filter_map(|p| p.rom_deg).collect();
        let mut lines = Vec::new();
        if let (Some(first), Some(last)) = (reached.first(), reached.last()) {
            let toward = series.target.map(|(t, low, high)| {
                if (low..=high).contains(last) {
                    " — now inside the target band".to_string()
                } else if (last - t).abs() < (first - t).abs() {
                    format!(
                        " — {} closer to the target",
                        deg((first - t).abs() - (last - t).abs())
                    )
                } else {
                    format!(
                        " — {} further from the target",
                        deg((last - t).abs() - (first - t).abs())
                    )
                }
            });
            lines.push(format!(
                "Angle reached: {} → {} ({}){}.",
                deg(*first),
                deg(*last),
                delta_deg(last - first),
                toward.unwrap_or_default()
            ));
        }
        if let (Some(first), Some(last)) = (roms.first(), roms.last()) {
            lines.push(format!(
                "Range of motion: {} → {} ({}).",
                deg(*first),
                deg(*last),
                delta_deg(last - first)
            ));
        }
        if !lines.is_empty() {
            flow.bullets(&lines);
        }
    }
}

fn class_words(class: ChangeClass) -> &'static str {
    match class {
        ChangeClass::Improved => "improved by at least the MCID",
        ChangeClass::Unchanged => "change smaller than the MCID",
        ChangeClass::Worsened => "worsened by at least the MCID",
    }
}

fn outcomes(flow: &mut Flow<'_>, report: &ProgressReport) {
    flow.heading(PROGRESS_SECTIONS[4], 40.0);
    if report.outcomes.is_empty() {
        flow.callout(NO_OUTCOMES);
        return;
    }
    let rows: Vec<Vec<Cell>> = report
        .outcomes
        .iter()
        .map(|t| {
            let better = match t.instrument.direction() {
                Direction::HigherIsBetter => "higher is better",
                Direction::LowerIsBetter => "lower is better",
            };
            let color = match t.change.class {
                ChangeClass::Improved => palette::GOOD,
                ChangeClass::Worsened => palette::WARN,
                ChangeClass::Unchanged => palette::TEXT,
            };
            vec![
                Cell::bold(format!(
                    "{} (0–{}, {better})",
                    t.instrument.display_name(),
                    one_decimal(t.instrument.max_score())
                )),
                Cell::plain(format!("{} ({})", one_decimal(t.first.value), t.first.date)),
                Cell::plain(format!(
                    "{} ({})",
                    one_decimal(t.latest.value),
                    t.latest.date
                )),
                Cell::plain(format!("{:+.1}", t.change.difference)),
                Cell::plain(one_decimal(t.change.mcid)),
                Cell::colored(class_words(t.change.class), color),
            ]
        })
        .collect();
    flow.table(
        &[
            col("Measure", 2.0, Align::Left),
            col("Baseline", 1.3, Align::Left),
            col("Latest", 1.3, Align::Left),
            col("Change", 0.8, Align::Right),
            col("MCID", 0.7, Align::Right),
            col("Interpretation", 1.8, Align::Left),
        ],
        &rows,
    );
}

fn pain(flow: &mut Flow<'_>, report: &ProgressReport) {
    flow.heading(PROGRESS_SECTIONS[5], 60.0);
    if report.pain.is_empty() && report.pain_remarks.is_empty() {
        flow.callout("No pain was reported in this period's sessions.");
        return;
    }
    if !report.pain.is_empty() {
        let origin = report.pain[0].0.date_naive();
        let chart = LineChart {
            caption: "Highest pain said per session".into(),
            y_unit: "0–10 numeric rating".into(),
            series: vec![Series {
                name: "highest pain in the session".into(),
                color: palette::WARN,
                points: report
                    .pain
                    .iter()
                    .map(|(at, score)| (day_x(origin, *at), Some(*score)))
                    .collect(),
                markers: true,
            }],
            band: None,
            target: None,
            y_range: Some((0.0, 10.0)),
            x_labels: report
                .pain
                .iter()
                .map(|(at, _)| (day_x(origin, *at), at.format("%d %b").to_string()))
                .collect(),
            spans: Vec::new(),
            height: 110.0,
        };
        chart::draw(flow, &chart);
    }
    if !report.pain_remarks.is_empty() {
        flow.subheading("What the patient said", 40.0);
        let rows: Vec<Vec<Cell>> = report
            .pain_remarks
            .iter()
            .map(|r| {
                let part = match (&r.side, &r.body_part) {
                    (Some(side), Some(part)) => format!("{} {part}", side_words(side)),
                    (None, Some(part)) => part.clone(),
                    _ => "–".into(),
                };
                vec![
                    Cell::plain(r.at.format("%Y-%m-%d").to_string()),
                    Cell::plain(part),
                    if r.denied {
                        Cell::colored("no pain", palette::GOOD)
                    } else {
                        Cell::plain(
                            r.score
                                .map(|s| format!("{}/10", one_decimal(s)))
                                .unwrap_or_else(|| "–".into()),
                        )
                    },
                    Cell::quote(format!("“{}”", r.quote)),
                ]
            })
            .collect();
        flow.table(
            &[
                col("Date", 1.0, Align::Left),
                col("Where", 1.1, Align::Left),
                col("Score", 0.8, Align::Right),
                col("Said", 4.0, Align::Left),
            ],
            &rows,
        );
    }
}

fn reviews(flow: &mut Flow<'_>, report: &ProgressReport) {
    flow.heading(PROGRESS_SECTIONS[6], 40.0);
    if report.reviews.is_empty() {
        flow.callout("No session of this period has been reviewed by a clinician yet.");
    } else {
        let mut grades: Vec<(String, usize)> = Vec::new();
        for r in &report.reviews {
            match grades.iter_mut().find(|(g, _)| *g == r.grade) {
                Some(entry) => entry.1 += 1,
                None => grades.push((r.grade.clone(), 1)),
            }
        }
        flow.paragraph(&format!(
            "{} review{} in the period: {}.",
            report.reviews.len(),
            if report.reviews.len() == 1 { "" } else { "s" },
            grades
                .iter()
                .map(|(g, n)| format!("{g} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let rows: Vec<Vec<Cell>> = report
            .reviews
            .iter()
            .map(|r| {
                vec![
                    Cell::plain(r.reviewed_at.format("%Y-%m-%d").to_string()),
                    Cell::plain(format!(
                        "{}{}",
                        r.exercise.clone().unwrap_or_else(|| "–".into()),
                        r.session_at
                            .map(|t| format!(", {}", t.format("%d %b")))
                            .unwrap_or_default()
                    )),
                    Cell::bold(r.grade.clone()),
                    Cell::plain(r.notes.clone().unwrap_or_else(|| "–".into())),
                    Cell::plain(r.plan.clone().unwrap_or_else(|| "–".into())),
                ]
            })
            .collect();
        flow.table(
            &[
                col("Reviewed", 0.9, Align::Left),
                col("Session", 1.3, Align::Left),
                col("Grade", 0.9, Align::Left),
                col("Notes", 2.6, Align::Left),
                col("Plan", 2.0, Align::Left),
            ],
            &rows,
        );
    }
    if !report.action_items.is_empty() {
        flow.subheading("Tasks the patient named", 14.0);
        flow.bullets(&report.action_items);
    }
    if !report.risk_flags.is_empty() {
        flow.subheading("Safety flags in the session notes", 14.0);
        let lines: Vec<String> = report
            .risk_flags
            .iter()
            .map(|(kind, quote)| format!("{}: “{quote}”", kind.replace('_', " ")))
            .collect();
        flow.bullets(&lines);
    }
}

fn plan(flow: &mut Flow<'_>, report: &ProgressReport) {
    flow.heading(PROGRESS_SECTIONS[7], 80.0);
    if report.plan.is_empty() {
        flow.paragraph("No plan is recorded for the next period.");
    } else {
        flow.bullets(&report.plan);
    }
    // A place for the clinician's signature on paper.
    flow.ensure(46.0);
    flow.space(26.0);
    let y = flow.y();
    for (x, w, label) in [
        (
            crate::layout::MARGIN_X,
            260.0,
            "Clinician (name and signature)",
        ),
        (crate::layout::MARGIN_X + 300.0, 195.0, "Date"),
    ] {
        flow.push(crate::layout::Op::Line {
            from: (x, y),
            to: (x + w, y),
            width: 0.6,
            color: palette::MUTED,
            dashed: false,
        });
        flow.push(crate::layout::text(
            x,
            y + 11.0,
            7.5,
            Face::Regular,
            palette::MUTED,
            label,
        ));
    }
    flow.space(20.0);
}
