//! The body at one moment, drawn as an SVG skeleton.

use crate::document::SkeletonSnapshot;
use crate::escape::html;
use physalign_domain::SKELETON_BONES;
use std::fmt::Write;

/// Landmarks less likely than this to be visible are left out rather than drawn in the wrong place.
const MIN_VISIBILITY: f32 = 0.5;
/// Space around the body, as a fraction of its height.
const MARGIN: f64 = 0.12;

/// The skeleton as an `<svg>` element cropped to the body, or `None` when too little of the body
/// was visible to draw.
pub(crate) fn render(snapshot: &SkeletonSnapshot) -> Option<String> {
    let points = &snapshot.landmarks;
    // Pixels, so that the body keeps its proportions whatever the frame's aspect ratio.
    let (w, h) = (
        snapshot.frame_width.max(1) as f64,
        snapshot.frame_height.max(1) as f64,
    );
    let at = |i: usize| -> Option<(f64, f64)> {
        let p = points.get(i)?;
        (p[2] >= MIN_VISIBILITY).then(|| (p[0] as f64 * w, p[1] as f64 * h))
    };
    let bones: Vec<((f64, f64), (f64, f64))> = SKELETON_BONES
        .iter()
        .filter_map(|(a, b)| Some((at(*a)?, at(*b)?)))
        .collect();
    if bones.len() < 4 {
        return None;
    }
    let visible: Vec<(f64, f64)> = (0..points.len()).filter_map(at).collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (x, y) in &visible {
        (x0, y0, x1, y1) = (x0.min(*x), y0.min(*y), x1.max(*x), y1.max(*y));
    }
    let size = (y1 - y0).max(x1 - x0).max(1.0);
    let pad = size * MARGIN;
    let (vx, vy, vw, vh) = (x0 - pad, y0 - pad, x1 - x0 + 2.0 * pad, y1 - y0 + 2.0 * pad);
    let joint_r = size * 0.012;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="skeleton" viewBox="{vx:.1} {vy:.1} {vw:.1} {vh:.1}" role="img" aria-label="{}"><rect class="frame" x="{vx:.1}" y="{vy:.1}" width="{vw:.1}" height="{vh:.1}"/>"#,
        html(&snapshot.caption)
    );
    for ((ax, ay), (bx, by)) in &bones {
        let _ = write!(
            svg,
            r#"<line class="bone" x1="{ax:.1}" y1="{ay:.1}" x2="{bx:.1}" y2="{by:.1}" vector-effect="non-scaling-stroke"/>"#
        );
    }
    for i in 11..points.len().min(33) {
        if let Some((x, y)) = at(i) {
            let _ = write!(
                svg,
                r#"<circle class="joint" cx="{x:.1}" cy="{y:.1}" r="{joint_r:.1}"/>"#
            );
        }
    }
    if let Some((x, y)) = at(0) {
        let _ = write!(
            svg,
            r#"<circle class="head" cx="{x:.1}" cy="{y:.1}" r="{:.1}" vector-effect="non-scaling-stroke"/>"#,
            size * 0.05
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}
