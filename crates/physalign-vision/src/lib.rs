//! PhysAlign vision.
