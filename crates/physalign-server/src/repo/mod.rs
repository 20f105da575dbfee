//! The SQL of each area, out of its handlers: handlers check input, authorise and answer;
//! these functions run the queries (one module per area).

pub mod analytics;
pub mod appointments;
pub mod clinic;
pub mod physio;
pub mod resumable_uploads;
pub mod reviews;
pub mod sessions;
