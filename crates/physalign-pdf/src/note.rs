//! The session note: one session's measurements (the joint angle over time against the target,
//! every repetition), form issues, what the patient said about pain, a transcript excerpt and
//! the clinician's review.

use crate::chart::{self, LineChart, Series};
use crate::fonts::{Face, Fonts};
use crate::layout::{col, palette, render, Align, Cell, Flow, Info, Running};
use crate::model::SessionNote;
use crate::words::{deg, footer, one_decimal, side_words};
use crate::PdfError;

/// Section titles, in order (the tests look for them in the text of the PDF).
pub const NOTE_SECTIONS: [&str; 6] = [
    "1. Session",
    "2. Measurements",
    "3. Repetitions",
    "4. Form issues",
    "5. Pain and remarks",
    "6. Clinician's review",
];

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = values.collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The session note as a PDF.
pub fn session_note_pdf(note: &SessionNote) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::load()?;
    let mut flow = Flow::new(&fonts);
    flow.title(
        "Session note",
        &format!(
            "{} · {}",
            note.exercise,
            note.started_at.format("%Y-%m-%d %H:%M UTC")
        ),
    );

    flow.heading(NOTE_SECTIONS[0], 60.0);
    let mut facts = vec![
        ("Patient".to_string(), note.patient.name.clone()),
        (
            "Date of birth".into(),
            note.patient
                .date_of_birth
                .map(|d| d.to_string())
                .unwrap_or_else(|| "not recorded".into()),
        ),
    ];
    if let Some(id) = note.patient.patient_id {
        facts.push(("Patient ID".into(), id.to_string()));
    }
    facts.extend([
        ("Session ID".into(), note.session_id.to_string()),
        ("Exercise".into(), note.exercise.clone()),
        (
            "Started".into(),
            note.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        ),
        (
            "Duration".into(),
            note.duration_s
                .map(|s| format!("{} s", one_decimal(s)))
                .unwrap_or_else(|| "–".into()),
        ),
        ("Recorded".into(), note.origin.clone()),
        ("Status".into(), note.status.clone()),
        (
            "Prescription".into(),
            note.prescription
                .clone()
                .unwrap_or_else(|| "not linked to a program item".into()),
        ),
    ]);
    flow.facts(&facts);

    flow.heading(NOTE_SECTIONS[1], 80.0);
    let full = note.repetitions.iter().filter(|r| !r.partial).count();
    let partial = note.repetitions.len() - full;
    let roms: Vec<f64> = note
        .repetitions
        .iter()
        .map(|r| r.max_deg - r.min_deg)
        .collect();
    let mut measured = vec![(
        "Repetitions".to_string(),
        format!("{full} full, {partial} partial"),
    )];
    if let Some(joint) = &note.joint {
        measured.push(("Joint angle followed".into(), joint.replace('_', " ")));
    }
    if let Some(m) = mean(roms.iter().copied()) {
        let lo = roms.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = roms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        measured.push((
            "Range of motion".into(),
            format!("mean {} (from {} to {})", deg(m), deg(lo), deg(hi)),
        ));
        let smallest = note
            .repetitions
            .iter()
            .map(|r| r.min_deg)
            .fold(f64::INFINITY, f64::min);
        let largest = note
            .repetitions
            .iter()
            .map(|r| r.max_deg)
            .fold(f64::NEG_INFINITY, f64::max);
        measured.push((
            "Angles".into(),
            format!("smallest {}, largest {}", deg(smallest), deg(largest)),
        ));
    }
    if let Some((t, low, high)) = note.target {
        measured.push((
            "Target".into(),
            format!("{} (band {}–{})", deg(t), deg(low), deg(high)),
        ));
    }
    if let Some(reliability) = &note.reliability {
        measured.push(("Measurement".into(), reliability.clone()));
    }
    flow.facts(&measured);
    if note.curve.iter().any(|p| p.1.is_some()) {
        let chart = LineChart {
            caption: format!(
                "Joint angle over the session, {} (repetitions shaded)",
                note.joint
                    .as_deref()
                    .map(|j| j.replace('_', " "))
                    .unwrap_or_else(|| "as measured".into())
            ),
            y_unit: "degrees".into(),
            series: vec![Series {
                name: "joint angle".into(),
                color: palette::SERIES[0],
                points: note.curve.clone(),
                markers: false,
            }],
            band: note.target.map(|(_, low, high)| {
                (low, high, format!("target band {}–{}", deg(low), deg(high)))
            }),
            target: None,
            y_range: None,
            x_labels: Vec::new(),
            spans: note
                .repetitions
                .iter()
                .map(|r| (r.start_s, r.end_s))
                .collect(),
            height: 150.0,
        };
        chart::draw(&mut flow, &chart);
    }

    flow.heading(NOTE_SECTIONS[2], 40.0);
    if note.repetitions.is_empty() {
        flow.callout("No repetition was counted in this session.");
    } else {
        let rows: Vec<Vec<Cell>> = note
            .repetitions
            .iter()
            .map(|r| {
                vec![
                    Cell::bold(format!("#{}", r.number)),
                    Cell::plain(
                        r.side
                            .as_deref()
                            .map(side_words)
                            .unwrap_or_else(|| "–".into()),
                    ),
                    Cell::plain(format!("{:.1}–{:.1} s", r.start_s, r.end_s)),
                    Cell::plain(deg(r.min_deg)),
                    Cell::plain(deg(r.max_deg)),
                    Cell::bold(deg(r.max_deg - r.min_deg)),
                    Cell::plain(format!("{:.1} / {:.1} s", r.eccentric_s, r.concentric_s)),
                    Cell::plain(
                        r.confidence
                            .map(|c| format!("{:.0}%", c * 100.0))
                            .unwrap_or_else(|| "–".into()),
                    ),
                    if r.partial {
                        Cell::colored("partial", palette::WARN)
                    } else {
                        Cell::plain("full")
                    },
                    Cell::plain(if r.form_issues.is_empty() {
                        "none".to_string()
                    } else {
                        r.form_issues.join(", ")
                    }),
                ]
            })
            .collect();
        flow.table(
            &[
                col("#", 0.45, Align::Left),
                col("Side", 0.6, Align::Left),
                col("Time", 1.1, Align::Left),
                col("Min", 0.6, Align::Right),
                col("Max", 0.6, Align::Right),
                col("ROM", 0.6, Align::Right),
                col("Down / up", 1.0, Align::Right),
                col("Confidence", 1.08, Align::Right),
                col("Depth", 0.7, Align::Left),
                col("Form", 1.32, Align::Left),
            ],
            &rows,
        );
    }

    flow.heading(NOTE_SECTIONS[3], 40.0);
    if note.form_issues.is_empty() {
        flow.callout("No form issue was seen in this session.");
    } else {
        let rows: Vec<Vec<Cell>> = note
            .form_issues
            .iter()
            .map(|f| {
                vec![
                    Cell::plain(format!("{:.1} s", f.at_s)),
                    Cell::bold(f.kind.clone()),
                    Cell::plain(f.joint.replace('_', " ")),
                    Cell::colored(
                        f.severity.clone(),
                        if f.severity == "high" {
                            palette::WARN
                        } else {
                            palette::TEXT
                        },
                    ),
                    Cell::plain(f.message.clone()),
                ]
            })
            .collect();
        flow.table(
            &[
                col("Time", 0.7, Align::Left),
                col("Issue", 1.5, Align::Left),
                col("Joint", 1.0, Align::Left),
                col("Severity", 0.8, Align::Left),
                col("Cue given", 3.0, Align::Left),
            ],
            &rows,
        );
    }

    flow.heading(NOTE_SECTIONS[4], 40.0);
    let said_anything = !note.pain_remarks.is_empty()
        || note.mood.is_some()
        || !note.action_items.is_empty()
        || !note.risk_flags.is_empty()
        || note.transcript_excerpt.is_some();
    if !said_anything {
        flow.callout("Nothing was said, or the patient does not share what was said.");
    }
    if !note.pain_remarks.is_empty() {
        let rows: Vec<Vec<Cell>> = note
            .pain_remarks
            .iter()
            .map(|r| {
                let part = match (&r.side, &r.body_part) {
                    (Some(side), Some(part)) => format!("{} {part}", side_words(side)),
                    (None, Some(part)) => part.clone(),
                    _ => "–".into(),
                };
                vec![
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
                col("Where", 1.2, Align::Left),
                col("Pain", 0.8, Align::Right),
                col("Said", 4.5, Align::Left),
            ],
            &rows,
        );
    }
    let mut said = Vec::new();
    if let Some(mood) = &note.mood {
        said.push(("Mood".to_string(), mood.clone()));
    }
    if !note.action_items.is_empty() {
        said.push(("Tasks named".into(), note.action_items.join("; ")));
    }
    for (kind, quote) in &note.risk_flags {
        said.push((
            "Safety flag".into(),
            format!("{}: “{quote}”", kind.replace('_', " ")),
        ));
    }
    if !said.is_empty() {
        flow.facts(&said);
    }
    if let Some(excerpt) = &note.transcript_excerpt {
        flow.subheading("Transcript excerpt", 30.0);
        let body = if note.transcript_truncated {
            format!("“{excerpt} …”")
        } else {
            format!("“{excerpt}”")
        };
        flow.styled(&body, Face::Oblique, 9.0, palette::MUTED, 8.0);
    }

    flow.heading(NOTE_SECTIONS[5], 40.0);
    match &note.review {
        None => flow.callout("Not reviewed by a clinician yet."),
        Some(review) => {
            let mut facts = vec![
                ("Grade".to_string(), review.grade.clone()),
                (
                    "Reviewed".into(),
                    review.reviewed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                ),
            ];
            if let Some(notes) = &review.notes {
                facts.push(("Notes".into(), notes.clone()));
            }
            if let Some(plan) = &review.plan {
                facts.push(("Plan".into(), plan.clone()));
            }
            flow.facts(&facts);
        }
    }

    let (pages, outline) = flow.finish();
    let running = Running {
        kind: format!(
            "Session note · {} · {}",
            note.exercise,
            note.started_at.format("%Y-%m-%d")
        ),
        patient: note.patient.name.clone(),
        patient_detail: note.patient.detail_line(),
        footer: footer(&note.provenance),
    };
    render(
        &fonts,
        pages,
        outline,
        &running,
        &Info {
            title: format!("Session note: {}", note.patient.name),
            subject: format!("{} session of {}", note.exercise, note.started_at),
            created: note.provenance.generated_at,
        },
    )
}
