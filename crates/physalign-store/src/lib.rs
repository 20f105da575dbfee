//! PhysAlign store.
