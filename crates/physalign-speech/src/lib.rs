//! PhysAlign speech.
