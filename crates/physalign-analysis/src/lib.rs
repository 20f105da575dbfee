//! PhysAlign analysis.
