//! PhysAlign server.
