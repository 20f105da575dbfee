//! `physalign outcome score` through the binary, on hand-worked examples: the command-line
//! contract `{"measure","score","max","interpretation"}` and the measures' missing-item rules.

use std::process::{Command, Output};

fn outcome(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_physalign"))
        .args(["outcome", "score"])
        .args(args)
        .output()
        .expect("run physalign")
}

fn scored(measure: &str, answers: &str) -> serde_json::Value {
    let out = outcome(&[measure, "--answers", answers, "--json"]);
    assert!(
        out.status.success(),
        "{measure} {answers}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON answer")
}

fn refused(measure: &str, answers: &str) -> String {
    let out = outcome(&[measure, "--answers", answers, "--json"]);
    assert!(!out.status.success(), "{measure} {answers} was scored");
    assert!(out.stdout.is_empty());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_json_answer_has_the_contracted_fields_only() {
    let odi = scored("ODI", "1,2,3,2,1,0,4,2,1,3");
    let keys: Vec<&str> = odi
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4, "{odi}");
    for key in ["measure", "score", "max", "interpretation"] {
        assert!(keys.contains(&key), "{odi}");
    }
    assert_eq!(odi["measure"], "ODI");
    // 19 of 50 points: 38 %, the moderate band (21-40 %).
    assert_eq!(odi["score"], 38.0);
    assert_eq!(odi["max"], 100.0);
    assert!(
        odi["interpretation"]
            .as_str()
            .unwrap()
            .contains("moderate disability"),
        "{odi}"
    );
}

#[test]
fn hand_worked_scores() {
    // ODI with section 3 unanswered: 16 of 45 points.
    assert_eq!(scored("odi", "1,2,,2,1,0,4,2,1,3")["score"], 35.556);
    // KOOS JR: every item "mild" (raw 7) is 68.284 on the interval table.
    let koos = scored("KOOS_JR", "1,1,1,1,1,1,1");
    assert_eq!(koos["measure"], "KOOS_JR");
    assert_eq!(koos["score"], 68.284);
    // HOOS JR: no difficulty anywhere is perfect hip health.
    assert_eq!(scored("HOOS_JR", "0,0,0,0,0,0")["score"], 100.0);
    // QuickDASH: all "moderate difficulty" (3) is (3 - 1) x 25; one blank item still scores.
    assert_eq!(scored("QUICKDASH", "3,3,3,3,3,3,3,3,3,3,3")["score"], 50.0);
    assert_eq!(scored("QUICKDASH", "3,3,3,3,,3,3,3,3,3,3")["score"], 50.0);
    // NDI: 10 of 50 points is 20 %, mild (5-14 of 50).
    let ndi = scored("NDI", "1,1,1,1,1,1,1,1,1,1");
    assert_eq!(ndi["score"], 20.0);
    assert!(ndi["interpretation"].as_str().unwrap().contains("mild"));
    // PSFS: the mean of the rated activities; NPRS: the rating itself.
    assert_eq!(scored("PSFS", "4,6,8")["score"], 6.0);
    assert_eq!(scored("NPRS", "7")["score"], 7.0);
}

#[test]
fn too_many_missing_items_and_bad_answers_are_clear_errors() {
    let odi = refused("ODI", "1,2,,,,0,4,2,1,3");
    assert!(odi.contains("at most 2 of the 10 sections"), "{odi}");
    let quickdash = refused("QUICKDASH", "3,3,,3,,3,3,3,3,3,3");
    assert!(quickdash.contains("at least 10 of the 11"), "{quickdash}");
    let koos = refused("KOOS_JR", "1,1,1,1,1,1,");
    assert!(koos.contains("every item"), "{koos}");
    let range = refused("KOOS_JR", "1,1,1,9,1,1,1");
    assert!(range.contains('9'), "{range}");
    let word = refused("NPRS", "seven");
    assert!(word.contains("not a whole number"), "{word}");
    let unknown = refused("WOMAC", "1");
    assert!(unknown.contains("unknown measure"), "{unknown}");
}
