//! The fillable form of each instrument: its items in form order and every allowed answer with
//! its wording, so that the app (the patient at home, the clinician in clinic) renders one form
//! and the answers it collects are exactly what [`score`](crate::score) expects.
//!
//! The KOOS JR, HOOS JR and QuickDASH items follow the published wording (KOOS JR / HOOS JR:
//! Hospital for Special Surgery; QuickDASH: Institute for Work & Health); their owners set the
//! terms of use.
//!
//! The ODI (version 2.1a, licensed by Mapi Research Trust) and NDI (Vernon & Mior) statements
//! here are short paraphrases that keep each level's meaning, not the copyrighted wording. A
//! clinic using the licensed printed form enters each section's number (0–5) as printed there:
//! the numbers, not the wording, are what is scored.

use serde::Serialize;

use crate::Instrument;

/// The most activities a PSFS names (the scale has 3 to 5).
pub const MAX_ACTIVITIES: usize = 5;

/// The longest PSFS activity name, in characters.
pub const MAX_ACTIVITY_CHARS: usize = 120;

/// One choice of an item: the number that is scored and its wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AnswerOption {
    /// The answer as [`score`](crate::score) takes it.
    pub value: u8,
    /// The choice's wording. Empty for an unlabelled point of a numeric scale (NPRS, PSFS):
    /// show the value itself there.
    pub label: &'static str,
}

/// One item of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormItem {
    /// The question the item is asked under. Consecutive items often share it (e.g. KOOS JR's
    /// "What amount of knee pain…" before four activities): show it as a heading when it changes.
    pub prompt: &'static str,
    /// The item itself: the activity, symptom or section, e.g. "Going up or down stairs".
    pub label: &'static str,
    /// Every allowed answer ([`Instrument::answer_range`]), lowest value first.
    pub options: Vec<AnswerOption>,
}

/// An instrument's fillable form.
///
/// Answers go to [`score`](crate::score) as one `Option<u8>` per item in the order of
/// [`items`](Form::items) (`None` for an item left blank), except for the PSFS:
/// send one rating per activity the patient named, in the order named (3 to 5 answers,
/// `None` for a named activity left unrated). Sending all 5 slots with `None` for unnamed
/// ones scores the same (blank slots are skipped), but then a named, unrated activity is
/// indistinguishable from an unused slot. At follow-ups the same activities should be rated
/// again in the same order; the activity names are the app's to keep (the score takes only
/// the ratings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Form {
    /// The instrument this form is for.
    pub instrument: Instrument,
    /// The instrument's full name, e.g. "Neck Disability Index (NDI)".
    pub title: &'static str,
    /// What the patient is asked to do, shown above the items.
    pub instructions: &'static str,
    /// The period the answers describe, e.g. "the last week".
    pub recall_period: &'static str,
    /// The items in form order (the PSFS: its 5 activity slots).
    pub items: Vec<FormItem>,
    /// Whether the patient names each item (the PSFS: 3 to 5 activities, each typed in and
    /// then rated); the item labels are then only slot names ("Activity 1").
    pub names_activities: bool,
}

/// The form of `instrument`, items in the order [`score`](crate::score) expects them.
pub fn form(instrument: Instrument) -> Form {
    // Each arm gives (title, instructions, recall period, items); the options' values come
    // from the instrument's answer range, so a form can never offer an answer `score` refuses.
    let (title, instructions, recall_period, items) = match instrument {
        Instrument::Nprs => (
            "Numeric Pain Rating Scale (NPRS)",
            "Choose the one number from 0 to 10 that best describes your pain on average over the \
             last 24 hours.",
            "the last 24 hours",
            vec![item(
                instrument,
                "How much pain have you had on average over the last 24 hours?",
                "Pain intensity",
                &NPRS_OPTIONS,
            )],
        ),
        Instrument::Psfs => (
            "Patient-Specific Functional Scale (PSFS)",
            "Name 3 to 5 important activities that you are unable to do, or have difficulty \
             doing, because of your problem. For each one, choose the number from 0 to 10 that \
             shows how well you can do it today. At later visits, rate the same activities again.",
            "today",
            PSFS_SLOTS
                .iter()
                .map(|&slot| {
                    item(
                        instrument,
                        "Today, how well are you able to do this activity?",
                        slot,
                        &PSFS_OPTIONS,
                    )
                })
                .collect(),
        ),
        Instrument::KoosJr => (
            "Knee injury and Osteoarthritis Outcome Score for Joint Replacement (KOOS JR)",
            "This survey asks for your view about your knee. Answer every question by choosing \
             the one answer that best describes your knee over the last week. If you are unsure, \
             choose the answer that seems best.",
            "the last week",
            KOOS_JR_ITEMS
                .iter()
                .map(|&(prompt, label)| item(instrument, prompt, label, &NONE_TO_EXTREME))
                .collect(),
        ),
        Instrument::HoosJr => (
            "Hip disability and Osteoarthritis Outcome Score for Joint Replacement (HOOS JR)",
            "This survey asks for your view about your hip. Answer every question by choosing \
             the one answer that best describes your hip over the last week. If you are unsure, \
             choose the answer that seems best.",
            "the last week",
            HOOS_JR_ITEMS
                .iter()
                .map(|&(prompt, label)| item(instrument, prompt, label, &NONE_TO_EXTREME))
                .collect(),
        ),
        Instrument::Odi => (
            "Oswestry Disability Index (ODI)",
            "These questions ask how your back or leg pain affects your everyday life. In each \
             section choose the one statement that most closely describes you today. If two \
             seem to apply, choose the one that describes your problem more closely.",
            "today",
            sections(instrument, &ODI_SECTIONS),
        ),
        Instrument::Ndi => (
            "Neck Disability Index (NDI)",
            "These questions ask how your neck pain affects your ability to manage everyday \
             life. In each section choose the one statement that most closely describes you \
             today. If two seem to apply, choose the one that describes your problem more \
             closely.",
            "today",
            sections(instrument, &NDI_SECTIONS),
        ),
        Instrument::QuickDash => (
            "QuickDASH (Disabilities of the Arm, Shoulder and Hand)",
            "This questionnaire asks about your symptoms and your ability to do certain \
             activities. Answer every question based on your condition in the last week. If you \
             did not have the chance to do an activity in the last week, give your best estimate \
             of the answer that would be most accurate. It does not matter which hand or arm you \
             use: answer based on your ability, however you do the task.",
            "the last week",
            QUICKDASH_ITEMS
                .iter()
                .map(|&(prompt, label, options)| item(instrument, prompt, label, options))
                .collect(),
        ),
    };
    Form {
        instrument,
        title,
        instructions,
        recall_period,
        items,
        names_activities: instrument == Instrument::Psfs,
    }
}

/// One item whose options pair the instrument's answer range, lowest first, with `labels`.
fn item(
    instrument: Instrument,
    prompt: &'static str,
    label: &'static str,
    labels: &[&'static str],
) -> FormItem {
    let options = instrument
        .answer_range()
        .zip(labels.iter().copied())
        .map(|(value, label)| AnswerOption { value, label })
        .collect();
    FormItem {
        prompt,
        label,
        options,
    }
}

/// The ODI / NDI items: one per section, its six statements for 0 to 5.
fn sections(
    instrument: Instrument,
    sections: &[(&'static str, [&'static str; 6])],
) -> Vec<FormItem> {
    sections
        .iter()
        .map(|(label, statements)| {
            item(
                instrument,
                "Choose the one statement that most closely describes you today.",
                label,
                statements,
            )
        })
        .collect()
}

/// NPRS 0–10: only the anchors are worded.
const NPRS_OPTIONS: [&str; 11] = [
    "No pain",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "Worst pain imaginable",
];

/// PSFS 0–10: only the anchors are worded.
const PSFS_OPTIONS: [&str; 11] = [
    "Unable to perform the activity",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "Able to perform the activity at the same level as before the injury or problem",
];

/// The PSFS's activity slots: the scale takes 3 to 5 activities.
const PSFS_SLOTS: [&str; 5] = [
    "Activity 1",
    "Activity 2",
    "Activity 3",
    "Activity 4",
    "Activity 5",
];

/// KOOS JR / HOOS JR answers 0–4.
const NONE_TO_EXTREME: [&str; 5] = ["None", "Mild", "Moderate", "Severe", "Extreme"];

const KOOS_JR_STIFFNESS: &str = "Stiffness is a feeling of restriction or slowness when you move \
     your knee joint. How severe has your knee stiffness been in the last week:";
const KOOS_JR_PAIN: &str =
    "What amount of knee pain have you had in the last week during the following activities?";
const KOOS_JR_FUNCTION: &str = "What degree of difficulty have you had in the last week, because \
     of your knee, with the following activities?";

/// KOOS JR in published order (Lyman et al. 2016): stiffness, 4 pain items, 2 function items.
const KOOS_JR_ITEMS: [(&str, &str); 7] = [
    (KOOS_JR_STIFFNESS, "After first wakening in the morning"),
    (KOOS_JR_PAIN, "Twisting/pivoting on your knee"),
    (KOOS_JR_PAIN, "Straightening your knee fully"),
    (KOOS_JR_PAIN, "Going up or down stairs"),
    (KOOS_JR_PAIN, "Standing upright"),
    (KOOS_JR_FUNCTION, "Rising from sitting"),
    (
        KOOS_JR_FUNCTION,
        "Bending to the floor/picking up an object",
    ),
];

const HOOS_JR_PAIN: &str =
    "What amount of hip pain have you had in the last week during the following activities?";
const HOOS_JR_FUNCTION: &str = "What degree of difficulty have you had in the last week, because \
     of your hip, with the following activities?";

/// HOOS JR in published order (Lyman et al. 2016): 2 pain items, 4 function items.
const HOOS_JR_ITEMS: [(&str, &str); 6] = [
    (HOOS_JR_PAIN, "Going down stairs"),
    (HOOS_JR_PAIN, "Walking on an uneven surface"),
    (HOOS_JR_FUNCTION, "Rising from sitting"),
    (
        HOOS_JR_FUNCTION,
        "Bending to the floor/picking up an object",
    ),
    (
        HOOS_JR_FUNCTION,
        "Lying in bed (turning over, maintaining hip position)",
    ),
    (HOOS_JR_FUNCTION, "Sitting"),
];

/// ODI 2.1a sections in form order, each with paraphrased statements for 0 to 5.
const ODI_SECTIONS: [(&str, [&str; 6]); 10] = [
    (
        "Pain intensity",
        [
            "No pain at the moment",
            "Very mild pain at the moment",
            "Moderate pain at the moment",
            "Fairly severe pain at the moment",
            "Very severe pain at the moment",
            "The worst pain imaginable at the moment",
        ],
    ),
    (
        "Personal care (washing, dressing, etc.)",
        [
            "I look after myself normally without extra pain",
            "I look after myself normally, but it causes extra pain",
            "Looking after myself is painful; I am slow and careful",
            "I need some help but manage most of my personal care",
            "I need help every day with most of my personal care",
            "I do not get dressed, wash with difficulty and stay in bed",
        ],
    ),
    (
        "Lifting",
        [
            "I lift heavy weights without extra pain",
            "I lift heavy weights, but it causes extra pain",
            "Pain stops me lifting heavy weights off the floor, but I manage if they are \
             conveniently placed (e.g. on a table)",
            "Pain stops me lifting heavy weights, but I manage light to medium weights if \
             conveniently placed",
            "I can lift only very light weights",
            "I cannot lift or carry anything",
        ],
    ),
    (
        "Walking",
        [
            "Pain does not stop me walking any distance",
            "Pain stops me walking more than about 1 mile",
            "Pain stops me walking more than about ½ mile",
            "Pain stops me walking more than about 100 yards",
            "I can walk only with a stick or crutches",
            "I am in bed most of the time",
        ],
    ),
    (
        "Sitting",
        [
            "I can sit in any chair as long as I like",
            "I can sit as long as I like only in my favourite chair",
            "Pain stops me sitting for more than 1 hour",
            "Pain stops me sitting for more than 30 minutes",
            "Pain stops me sitting for more than 10 minutes",
            "Pain stops me sitting at all",
        ],
    ),
    (
        "Standing",
        [
            "I can stand as long as I want without extra pain",
            "I can stand as long as I want, but it causes extra pain",
            "Pain stops me standing for more than 1 hour",
            "Pain stops me standing for more than 30 minutes",
            "Pain stops me standing for more than 10 minutes",
            "Pain stops me standing at all",
        ],
    ),
    (
        "Sleeping",
        [
            "Pain never disturbs my sleep",
            "Pain occasionally disturbs my sleep",
            "Because of pain I sleep less than 6 hours",
            "Because of pain I sleep less than 4 hours",
            "Because of pain I sleep less than 2 hours",
            "Pain stops me sleeping at all",
        ],
    ),
    (
        // Left blank when it does not apply; `score` drops a blank section from the denominator.
        "Sex life (if applicable)",
        [
            "Normal, and causes no extra pain",
            "Normal, but causes some extra pain",
            "Nearly normal, but very painful",
            "Severely restricted by pain",
            "Nearly absent because of pain",
            "Pain prevents any sex life",
        ],
    ),
    (
        "Social life",
        [
            "Normal, and causes no extra pain",
            "Normal, but increases my pain",
            "Pain limits only my more energetic interests (e.g. sport)",
            "Pain has restricted my social life; I go out less often",
            "Pain has restricted my social life to my home",
            "I have no social life because of pain",
        ],
    ),
    (
        "Travelling",
        [
            "I can travel anywhere without pain",
            "I can travel anywhere, but it causes extra pain",
            "Pain is bad, but I manage journeys of over 2 hours",
            "Pain limits me to journeys of less than 1 hour",
            "Pain limits me to short necessary journeys of under 30 minutes",
            "Pain stops me travelling except to receive treatment",
        ],
    ),
];

/// NDI sections in form order (Vernon & Mior 1991), each with paraphrased statements for 0 to 5.
const NDI_SECTIONS: [(&str, [&str; 6]); 10] = [
    (
        "Pain intensity",
        [
            "No pain at the moment",
            "Very mild pain at the moment",
            "Moderate pain at the moment",
            "Fairly severe pain at the moment",
            "Very severe pain at the moment",
            "The worst pain imaginable at the moment",
        ],
    ),
    (
        "Personal care (washing, dressing, etc.)",
        [
            "I look after myself normally without extra pain",
            "I look after myself normally, but it causes extra pain",
            "Looking after myself is painful; I am slow and careful",
            "I need some help but manage most of my personal care",
            "I need help every day with most of my personal care",
            "I do not get dressed, wash with difficulty and stay in bed",
        ],
    ),
    (
        "Lifting",
        [
            "I lift heavy weights without extra pain",
            "I lift heavy weights, but it causes extra pain",
            "Pain stops me lifting heavy weights off the floor, but I manage if they are \
             conveniently placed (e.g. on a table)",
            "Pain stops me lifting heavy weights, but I manage light to medium weights if \
             conveniently placed",
            "I can lift only very light weights",
            "I cannot lift or carry anything",
        ],
    ),
    (
        "Reading",
        [
            "I read as much as I want with no neck pain",
            "I read as much as I want with slight neck pain",
            "I read as much as I want with moderate neck pain",
            "I cannot read as much as I want because of moderate neck pain",
            "I can hardly read at all because of severe neck pain",
            "I cannot read at all",
        ],
    ),
    (
        "Headaches",
        [
            "No headaches at all",
            "Slight headaches that come infrequently",
            "Moderate headaches that come infrequently",
            "Moderate headaches that come frequently",
            "Severe headaches that come frequently",
            "Headaches almost all the time",
        ],
    ),
    (
        "Concentration",
        [
            "I concentrate fully when I want to, with no difficulty",
            "I concentrate fully when I want to, with slight difficulty",
            "I have a fair degree of difficulty concentrating",
            "I have a lot of difficulty concentrating",
            "I have a great deal of difficulty concentrating",
            "I cannot concentrate at all",
        ],
    ),
    (
        "Work",
        [
            "I can do as much work as I want",
            "I can do only my usual work, but no more",
            "I can do most of my usual work, but no more",
            "I cannot do my usual work",
            "I can hardly do any work",
            "I cannot do any work",
        ],
    ),
    (
        // Left blank by someone who does not drive; `score` drops a blank section.
        "Driving (if applicable)",
        [
            "I drive without any neck pain",
            "I drive as long as I want with slight neck pain",
            "I drive as long as I want with moderate neck pain",
            "I cannot drive as long as I want because of moderate neck pain",
            "I can hardly drive at all because of severe neck pain",
            "I cannot drive at all",
        ],
    ),
    (
        "Sleeping",
        [
            "No trouble sleeping",
            "Slightly disturbed (under 1 hour sleepless)",
            "Mildly disturbed (1–2 hours sleepless)",
            "Moderately disturbed (2–3 hours sleepless)",
            "Greatly disturbed (3–5 hours sleepless)",
            "Completely disturbed (5–7 hours sleepless)",
        ],
    ),
    (
        "Recreation",
        [
            "I do all my recreational activities with no neck pain",
            "I do all my recreational activities with some neck pain",
            "Neck pain stops me doing some of my usual recreational activities",
            "Neck pain lets me do only a few of my usual recreational activities",
            "I can hardly do any recreational activities because of neck pain",
            "I cannot do any recreational activities",
        ],
    ),
];

const QUICKDASH_ABILITY: &str =
    "Please rate your ability to do the following activities in the last week.";
const QUICKDASH_SYMPTOMS: &str =
    "Please rate the severity of the following symptoms in the last week.";

/// QuickDASH answers 1–5 per item group (the groups word the same five levels differently).
const DIFFICULTY: [&str; 5] = [
    "No difficulty",
    "Mild difficulty",
    "Moderate difficulty",
    "Severe difficulty",
    "Unable",
];
const INTERFERENCE: [&str; 5] = [
    "Not at all",
    "Slightly",
    "Moderately",
    "Quite a bit",
    "Extremely",
];
const LIMITATION: [&str; 5] = [
    "Not limited at all",
    "Slightly limited",
    "Moderately limited",
    "Very limited",
    "Unable",
];
const SEVERITY: [&str; 5] = ["None", "Mild", "Moderate", "Severe", "Extreme"];
const SLEEP_DIFFICULTY: [&str; 5] = [
    "No difficulty",
    "Mild difficulty",
    "Moderate difficulty",
    "Severe difficulty",
    "So much difficulty that I can't sleep",
];

/// QuickDASH's 11 items in published order (Beaton et al. 2005): (prompt, item, answers 1–5).
const QUICKDASH_ITEMS: [(&str, &str, &[&str]); 11] = [
    (QUICKDASH_ABILITY, "Open a tight or new jar", &DIFFICULTY),
    (
        QUICKDASH_ABILITY,
        "Do heavy household chores (e.g. wash walls, floors)",
        &DIFFICULTY,
    ),
    (
        QUICKDASH_ABILITY,
        "Carry a shopping bag or briefcase",
        &DIFFICULTY,
    ),
    (QUICKDASH_ABILITY, "Wash your back", &DIFFICULTY),
    (QUICKDASH_ABILITY, "Use a knife to cut food", &DIFFICULTY),
    (
        QUICKDASH_ABILITY,
        "Recreational activities in which you take some force or impact through your arm, \
         shoulder or hand (e.g. golf, hammering, tennis)",
        &DIFFICULTY,
    ),
    (
        "During the past week, to what extent has your arm, shoulder or hand problem interfered \
         with your normal social activities with family, friends, neighbours or groups?",
        "Normal social activities",
        &INTERFERENCE,
    ),
    (
        "During the past week, were you limited in your work or other regular daily activities \
         as a result of your arm, shoulder or hand problem?",
        "Work or other regular daily activities",
        &LIMITATION,
    ),
    (QUICKDASH_SYMPTOMS, "Arm, shoulder or hand pain", &SEVERITY),
    (
        QUICKDASH_SYMPTOMS,
        "Tingling (pins and needles) in your arm, shoulder or hand",
        &SEVERITY,
    ),
    (
        "During the past week, how much difficulty have you had sleeping because of the pain in \
         your arm, shoulder or hand?",
        "Sleeping",
        &SLEEP_DIFFICULTY,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{score, Direction};

    /// The answers of a form answered entirely with each item's `pick`ed option.
    fn answered_with(form: &Form, pick: fn(&[AnswerOption]) -> &AnswerOption) -> Vec<Option<u8>> {
        form.items
            .iter()
            .map(|item| Some(pick(&item.options).value))
            .collect()
    }

    #[test]
    fn every_form_has_the_items_and_answers_scoring_expects() {
        for &instrument in Instrument::ALL {
            let form = form(instrument);
            assert_eq!(form.instrument, instrument);
            assert_eq!(
                form.items.len(),
                *instrument.item_count().end(),
                "{instrument}"
            );
            for item in &form.items {
                let values: Vec<u8> = item.options.iter().map(|option| option.value).collect();
                let expected: Vec<u8> = instrument.answer_range().collect();
                assert_eq!(values, expected, "{instrument}: {}", item.label);
                assert!(!item.label.is_empty() && !item.prompt.is_empty());
            }
            assert!(!form.title.is_empty());
            assert!(!form.instructions.is_empty());
            assert!(!form.recall_period.is_empty());
            assert_eq!(form.names_activities, instrument == Instrument::Psfs);
        }
    }

    #[test]
    fn the_first_and_last_options_score_the_ends_of_the_scale() {
        for &instrument in Instrument::ALL {
            let form = form(instrument);
            let first = score(instrument, &answered_with(&form, |options| &options[0]))
                .expect("a complete form scores")
                .value;
            let last = score(
                instrument,
                &answered_with(&form, |options| &options[options.len() - 1]),
            )
            .expect("a complete form scores")
            .value;
            let (best, worst) = match instrument.direction() {
                Direction::HigherIsBetter => (instrument.max_score(), 0.0),
                Direction::LowerIsBetter => (0.0, instrument.max_score()),
            };
            // Every form lists the healthiest answer first except the PSFS, whose 0 is "unable".
            let (expected_first, expected_last) = if instrument == Instrument::Psfs {
                (worst, best)
            } else {
                (best, worst)
            };
            assert_eq!(first, expected_first, "{instrument}: first options");
            assert_eq!(last, expected_last, "{instrument}: last options");
        }
    }

    #[test]
    fn psfs_answers_for_the_named_activities_only_score() {
        let form = form(Instrument::Psfs);
        assert_eq!(form.items[0].label, "Activity 1");
        assert_eq!(form.items[4].label, "Activity 5");
        // Three activities named and rated: (2 + 5 + 8) / 3 = 5.
        let scored = score(Instrument::Psfs, &[Some(2), Some(5), Some(8)]).expect("3 activities");
        assert_eq!(scored.value, 5.0);
    }

    #[test]
    fn every_level_is_worded_where_the_instrument_words_every_level() {
        for instrument in [
            Instrument::KoosJr,
            Instrument::HoosJr,
            Instrument::Odi,
            Instrument::Ndi,
            Instrument::QuickDash,
        ] {
            for item in form(instrument).items {
                for option in &item.options {
                    assert!(
                        !option.label.is_empty(),
                        "{instrument}: {} option {}",
                        item.label,
                        option.value
                    );
                }
            }
        }
        // The numeric scales word their anchors.
        for instrument in [Instrument::Nprs, Instrument::Psfs] {
            for item in form(instrument).items {
                assert!(!item.options[0].label.is_empty());
                assert!(!item.options[10].label.is_empty());
            }
        }
    }

    #[test]
    fn forms_follow_the_published_item_order() {
        let koos = form(Instrument::KoosJr);
        assert_eq!(koos.items[0].label, "After first wakening in the morning");
        assert_eq!(koos.items[3].label, "Going up or down stairs");
        assert_eq!(koos.items[0].options[4].label, "Extreme");
        let hoos = form(Instrument::HoosJr);
        assert_eq!(hoos.items[0].label, "Going down stairs");
        assert_eq!(hoos.items[5].label, "Sitting");
        let odi = form(Instrument::Odi);
        assert_eq!(odi.items[3].label, "Walking");
        assert_eq!(odi.items[9].label, "Travelling");
        let ndi = form(Instrument::Ndi);
        assert_eq!(ndi.items[4].label, "Headaches");
        assert_eq!(ndi.items[7].label, "Driving (if applicable)");
        let quickdash = form(Instrument::QuickDash);
        assert_eq!(quickdash.items[0].label, "Open a tight or new jar");
        assert_eq!(quickdash.items[0].options[0].value, 1);
        assert_eq!(quickdash.items[0].options[4].label, "Unable");
        assert_eq!(
            quickdash.items[10].options[4].label,
            "So much difficulty that I can't sleep"
        );
    }

    #[test]
    fn forms_serialise_to_json() {
        for &instrument in Instrument::ALL {
            let json = serde_json::to_value(form(instrument)).expect("serialises");
            assert_eq!(json["instrument"], instrument.as_str());
            assert_eq!(
                json["items"].as_array().map(Vec::len),
                Some(*instrument.item_count().end())
            );
        }
        let nprs = serde_json::to_value(form(Instrument::Nprs)).unwrap();
        assert_eq!(
            nprs["items"][0]["options"][10],
            serde_json::json!({"value": 10, "label": "Worst pain imaginable"})
        );
        assert_eq!(nprs["names_activities"], false);
    }
}
