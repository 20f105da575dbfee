//! The rule-based note extractor on physiotherapy dialogue as it is spoken (and as Whisper
//! writes it: digits or words, hedges, negations, questions and answers).

use physalign_speech::notes::{Laterality, Mood, NoteExtractor, RuleBasedExtractor};

const KNEE_FOLLOW_UP: &str = "\
Therapist: Good morning Sarah, how has the knee been since last week?
Patient: Better, honestly. My left knee hurts, about three out of ten, mostly on the stairs.
Therapist: And at night? Any pain when you sleep?
Patient: No pain at night anymore, I'm sleeping well.
Therapist: Great. How did the exercises go?
Patient: I did 3 sets of 10 squats every day and the bridges, two sets of fifteen.
Patient: The calf raises were hard though.
Therapist: That's fine. I want you to keep doing the squats and add the hamstring stretch, hold it for 30 seconds, three times a day.
Therapist: Make sure you ice the knee after longer walks.
Patient: Okay, I'm feeling more confident about it.";

fn notes(text: &str) -> physalign_speech::ClinicalNotes {
    RuleBasedExtractor.extract(text)
}

#[test]
fn pain_scores_with_body_part_side_and_hedge() {
    let n = notes(KNEE_FOLLOW_UP);
    let scored: Vec<_> = n.pain_reports.iter().filter(|p| !p.denied).collect();
    assert_eq!(scored.len(), 1, "{:#?}", n.pain_reports);
    let p = scored[0];
    assert_eq!(p.body_part.as_deref(), Some("knee"));
    assert_eq!(p.laterality, Some(Laterality::Left));
    assert_eq!(p.score, Some(3.0));
    assert!(p.approximate, "'about' is a hedge");
    let denied: Vec<_> = n.pain_reports.iter().filter(|p| p.denied).collect();
    assert_eq!(denied.len(), 1, "{:#?}", n.pain_reports);
    assert_eq!(denied[0].score, Some(0.0));
}

#[test]
fn the_many_ways_of_saying_a_pain_score() {
    let cases: &[(&str, Option<f32>, bool, Option<&str>)] = &[
        ("Knee pain 3 out of 10.", Some(3.0), false, Some("knee")),
        ("My back pain is a 7.", Some(7.0), false, Some("back")),
        ("The pain is maybe a 4 today.", Some(4.0), true, None),
        (
            "Right shoulder aches, 6/10.",
            Some(6.0),
            false,
            Some("shoulder"),
        ),
        (
            "It hurts, I'd say five or six out of ten.",
            Some(5.5),
            true,
            None,
        ),
        (
            "My lower back is sore, like a two.",
            Some(2.0),
            true,
            Some("lower back"),
        ),
    ];
    for (text, score, approximate, part) in cases {
        let n = notes(text);
        assert_eq!(n.pain_reports.len(), 1, "{text}: {:#?}", n.pain_reports);
        let p = &n.pain_reports[0];
        assert_eq!(p.score, *score, "{text}");
        assert_eq!(p.approximate, *approximate, "{text}");
        assert_eq!(p.body_part.as_deref(), *part, "{text}");
        assert!(!p.denied, "{text}");
    }
}

#[test]
fn negated_pain_is_denied_not_scored() {
    for text in [
        "No pain today.",
        "My knee doesn't hurt anymore.",
        "The hip is not sore at all.",
        "I've been pain-free since Tuesday.",
        "The ache is gone.",
    ] {
        let n = notes(text);
        assert_eq!(n.pain_reports.len(), 1, "{text}");
        assert!(n.pain_reports[0].denied, "{text}: {:#?}", n.pain_reports);
        assert_eq!(n.pain_reports[0].score, Some(0.0), "{text}");
    }
}

#[test]
fn an_answer_to_a_pain_question_takes_the_question_s_body_part() {
    let n = notes(
        "Therapist: On a scale of zero to ten, how bad is the right ankle pain? Patient: Maybe a 4.",
    );
    assert_eq!(n.pain_reports.len(), 1, "{:#?}", n.pain_reports);
    let p = &n.pain_reports[0];
    assert_eq!(p.score, Some(4.0));
    assert!(p.approximate);
    assert_eq!(p.body_part.as_deref(), Some("ankle"));
    assert_eq!(p.laterality, Some(Laterality::Right));
}

#[test]
fn exercises_with_sets_reps_holds_and_frequency() {
    let n = notes(KNEE_FOLLOW_UP);
    let find = |name: &str| {
        n.exercises
            .iter()
            .find(|e| e.exercise == name)
            .unwrap_or_else(|| panic!("{name} missing: {:#?}", n.exercises))
    };
    let squat = find("squat");
    assert_eq!((squat.sets, squat.reps), (Some(3), Some(10)));
    assert_eq!(squat.frequency.as_deref(), Some("every day"));
    let bridge = find("glute bridge");
    assert_eq!((bridge.sets, bridge.reps), (Some(2), Some(15)));
    let stretch = find("hamstring stretch");
    assert_eq!(stretch.hold_seconds, Some(30));
    assert_eq!(stretch.frequency.as_deref(), Some("three times a day"));
    assert!(n.exercises.iter().any(|e| e.exercise == "calf raise"));
}

#[test]
fn dose_formats() {
    let n = notes("Do 12 lunges on each leg, then clamshells 3x15, and 20 reps of heel slides.");
    let get = |name: &str| n.exercises.iter().find(|e| e.exercise == name).cloned();
    assert_eq!(get("lunge").and_then(|e| e.reps), Some(12));
    let clam = get("clamshell").expect("clamshell");
    assert_eq!((clam.sets, clam.reps), (Some(3), Some(15)));
    assert_eq!(get("heel slide").and_then(|e| e.reps), Some(20));
}

#[test]
fn homework_mood_and_topics() {
    let n = notes(KNEE_FOLLOW_UP);
    assert!(
        n.action_items
            .iter()
            .any(|a| a.contains("keep doing the squats")),
        "{:#?}",
        n.action_items
    );
    assert!(
        n.action_items.iter().any(|a| a.contains("ice the knee")),
        "{:#?}",
        n.action_items
    );
    assert!(!n.action_items.iter().any(|a| a.ends_with('?')));
    assert!(
        matches!(n.session_mood, Mood::Positive | Mood::VeryPositive),
        "{:?}",
        n.session_mood
    );
    assert!(
        n.key_topics.iter().any(|t| t == "knee"),
        "{:?}",
        n.key_topics
    );
    assert!(
        n.key_topics.iter().any(|t| t == "pain"),
        "{:?}",
        n.key_topics
    );
    assert!(n.crisis_alert.is_none());
    assert!(n.risk_flags.is_empty(), "{:#?}", n.risk_flags);
}

#[test]
fn red_flags_and_reassurance() {
    let n = notes(
        "Patient: I fell on the stairs on Sunday and my knee gave way. \
         There's some tingling down my leg. The pain was a 9 out of 10 that night. \
         No swelling though.",
    );
    let kinds: Vec<&str> = n.risk_flags.iter().map(|r| r.kind.as_str()).collect();
    for k in ["fall", "instability", "neurological", "severe_pain"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    assert!(
        !kinds.contains(&"swelling"),
        "'No swelling' is reassurance: {kinds:?}"
    );
}

#[test]
fn crisis_language_raises_an_alert_with_emergency_resources() {
    let n = notes(
        "Patient: The shoulder is a 5 out of 10. Honestly I've been so down, \
         sometimes I think everyone would be better off without me. \
         Therapist: Thank you for telling me. Let's talk about that.",
    );
    let alert = n.crisis_alert.expect("alert");
    assert_eq!(alert.keywords_matched, ["better off without me"]);
    assert!(alert.emergency_resources.iter().any(|r| r.phone == "988"));
    assert!(n.risk_flags.iter().any(|r| r.kind == "self_harm"));
    assert!(
        matches!(n.session_mood, Mood::Low | Mood::VeryLow),
        "{:?}",
        n.session_mood
    );
    // The pain report is still there.
    assert_eq!(n.pain_reports[0].score, Some(5.0));
}

#[test]
fn empty_or_unrelated_text_gives_empty_neutral_notes() {
    for text in [
        "",
        "   ",
        "The weather was nice and we talked about the football.",
    ] {
        let n = notes(text);
        assert!(
            n.pain_reports.is_empty() && n.exercises.is_empty() && n.risk_flags.is_empty(),
            "{text}"
        );
        assert!(n.crisis_alert.is_none());
    }
}
