//! A clinician's review in words (the grade, the plan in one line), as the patient's device
//! shows it, the device's reports print it and the server's exports print it.

/// The grade in words; an unknown grade (from a newer server) is shown as written.
pub fn grade_words(assessment: &str) -> String {
    match assessment {
        "EXCELLENT" => "Excellent".into(),
        "GOOD" => "Good".into(),
        "FAIR" => "Fair".into(),
        "NEEDS_IMPROVEMENT" => "Needs improvement".into(),
        "POOR" => "Poor".into(),
        other => other.replace('_', " ").to_lowercase(),
    }
}

/// The plan of a review (the API's `next_steps`: frequency, recommended exercises, follow-up
/// date) in one line; `None` when it says nothing.
pub fn plan_line(next_steps: &serde_json::Value) -> Option<String> {
    let text = |key: &str| {
        next_steps
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let exercises: Vec<&str> = next_steps
        .get("recommended_exercises")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|e| e.as_str()).collect())
        .unwrap_or_default();
    let parts: Vec<String> = [
        text("frequency"),
        (!exercises.is_empty()).then(|| format!("Exercises: {}", exercises.join(", "))),
        text("follow_up_date").map(|d| format!("Follow-up: {d}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_read_as_words_and_plans_as_one_line() {
        assert_eq!(grade_words("NEEDS_IMPROVEMENT"), "Needs improvement");
        assert_eq!(grade_words("VERY_GOOD"), "very good");
        let plan = serde_json::json!({
            "frequency": "Three sessions a week.",
            "recommended_exercises": ["squat", "lunge"],
            "follow_up_date": "2026-12-20"
        });
        assert_eq!(
            plan_line(&plan).as_deref(),
            Some("Three sessions a week. · Exercises: squat, lunge · Follow-up: 2026-12-20")
        );
        assert_eq!(plan_line(&serde_json::json!({"frequency": " "})), None);
    }
}
