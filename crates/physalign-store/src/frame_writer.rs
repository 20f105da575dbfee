//! Batched pose-frame writing on a dedicated thread.
//!
//! The analysis loop hands frames to [`FrameWriter::push`], which only moves them into a bounded
//! channel. A thread with its own connection encodes them and commits one transaction per batch
//! (at most `max_batch_frames` frames or `max_batch_delay` after the batch's first frame), so a
//! crash loses at most the batch in flight.

use crate::connection::open_connection;
use crate::frames::{encode_frame, insert_frame, validate_frame};
use crate::landmark_codec::LandmarkEncoding;
use crate::records::FrameRecord;
use crate::sql_values::uuid_text;
use crate::{Store, StoreError};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Tuning of a [`FrameWriter`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameWriterConfig {
    /// Commit when a batch holds this many frames.
    pub max_batch_frames: usize,
    /// Commit at the latest this long after a batch's first frame arrived.
    pub max_batch_delay: Duration,
    /// Frames that may wait in the channel before `push` blocks.
    pub channel_capacity: usize,
    /// How landmark lists are stored.
    pub landmark_encoding: LandmarkEncoding,
}

impl Default for FrameWriterConfig {
    /// 250 ms batches (about 8 frames at 30 fps; up to 256 when analysing faster than real
    /// time) and room for about 30 s of 30 fps video in the channel.
    fn default() -> Self {
        Self {
            max_batch_frames: 256,
            max_batch_delay: Duration::from_millis(250),
            channel_capacity: 1024,
            landmark_encoding: LandmarkEncoding::Blob,
        }
    }
}

/// What a [`FrameWriter`] did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WriteStats {
    /// Frames committed.
    pub frames: u64,
    /// Transactions committed.
    pub batches: u64,
    /// Encoded frame payload (landmarks, angles, issues) in bytes, before SQLite overhead.
    pub bytes: u64,
    /// Total time `push` spent waiting for room in the channel.
    pub push_blocked: Duration,
    /// Longest single `push` call.
    pub longest_push: Duration,
    /// Longest batch encode-and-commit on the writer thread.
    pub slowest_batch: Duration,
}

/// Writes one session's frames in the background. Dropping it without [`FrameWriter::finish`]
/// still commits the frames already pushed (and logs any error); a killed process loses at most
/// the uncommitted batch.
#[derive(Debug)]
pub struct FrameWriter {
    session_id: Uuid,
    sender: Option<SyncSender<FrameRecord>>,
    thread: Option<JoinHandle<Result<WriteStats, StoreError>>>,
    push_blocked: Duration,
    longest_push: Duration,
}

impl Store {
    /// Starts a [`FrameWriter`] for an existing session with the default configuration.
    pub fn frame_writer(&self, session_id: Uuid) -> Result<FrameWriter, StoreError> {
        self.frame_writer_with(session_id, FrameWriterConfig::default())
    }

    /// Starts a [`FrameWriter`] with a given configuration.
    pub fn frame_writer_with(
        &self,
        session_id: Uuid,
        config: FrameWriterConfig,
    ) -> Result<FrameWriter, StoreError> {
        let exists: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM exercise_sessions WHERE id = ?1",
                [uuid_text(session_id)],
                |row| row.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::SessionNotFound(session_id));
        }
        let conn = open_connection(&self.path, &self.key)?;
        let (sender, receiver) = mpsc::sync_channel(config.channel_capacity.max(1));
        let thread = std::thread::Builder::new()
            .name(format!("frame-writer-{session_id}"))
            .spawn(move || run_writer(conn, session_id, receiver, config))
            .map_err(|source| StoreError::Io {
                action: "spawning frame writer thread for",
                path: self.path.clone(),
                source,
            })?;
        Ok(FrameWriter {
            session_id,
            sender: Some(sender),
            thread: Some(thread),
            push_blocked: Duration::ZERO,
            longest_push: Duration::ZERO,
        })
    }
}

impl FrameWriter {
    /// The session being written.
    pub fn session_id(&self) -> Uuid {
        self.session_id
    }

    /// Queues a frame. Returns at once unless the channel is full (the disk is slower than the
    /// analysis for longer than the channel holds). A frame the store cannot represent (quality
    /// outside 0..1, non-finite angle) is refused here and the writer keeps going; an error
    /// from the writer thread (e.g. a duplicate frame number) is returned once and stops it.
    pub fn push(&mut self, frame: FrameRecord) -> Result<(), StoreError> {
        validate_frame(&frame)?;
        let sender = self.sender.as_ref().ok_or(StoreError::WriterStopped)?;
        let started = Instant::now();
        let result = match sender.try_send(frame) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(frame)) => {
                let sent = sender.send(frame);
                self.push_blocked += started.elapsed();
                sent.map_err(|_| ())
            }
            Err(TrySendError::Disconnected(_)) => Err(()),
        };
        self.longest_push = self.longest_push.max(started.elapsed());
        match result {
            Ok(()) => Ok(()),
            Err(()) => Err(match self.stop() {
                Err(e) => e,
                Ok(_) => StoreError::WriterStopped,
            }),
        }
    }

    /// Commits the remaining frames, stops the thread and reports what was written.
    pub fn finish(mut self) -> Result<WriteStats, StoreError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<WriteStats, StoreError> {
        // Closing the channel tells the thread to commit what it has and return.
        self.sender = None;
        let thread = self.thread.take().ok_or(StoreError::WriterStopped)?;
        let mut stats = thread.join().map_err(|_| StoreError::WriterPanicked)??;
        stats.push_blocked = self.push_blocked;
        stats.longest_push = self.longest_push;
        Ok(stats)
    }
}

impl Drop for FrameWriter {
    fn drop(&mut self) {
        if self.thread.is_some() {
            if let Err(e) = self.stop() {
                tracing::error!(session = %self.session_id, error = %e, "frame writer failed");
            }
        }
    }
}

fn run_writer(
    mut conn: Connection,
    session_id: Uuid,
    receiver: Receiver<FrameRecord>,
    config: FrameWriterConfig,
) -> Result<WriteStats, StoreError> {
    let session = uuid_text(session_id);
    let max_frames = config.max_batch_frames.max(1);
    let mut stats = WriteStats::default();
    let mut batch = Vec::with_capacity(max_frames);
    // Blocks for the first frame of each batch; the channel closing ends the loop.
    while let Ok(first) = receiver.recv() {
        let deadline = Instant::now() + config.max_batch_delay;
        batch.push(first);
        let mut closed = false;
        while batch.len() < max_frames {
            let Some(wait) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            match receiver.recv_timeout(wait) {
                Ok(frame) => batch.push(frame),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    closed = true;
                    break;
                }
            }
        }
        let started = Instant::now();
        commit_batch(
            &mut conn,
            &session,
            &batch,
            config.landmark_encoding,
            &mut stats,
        )?;
        stats.slowest_batch = stats.slowest_batch.max(started.elapsed());
        batch.clear();
        if closed {
            break;
        }
    }
    Ok(stats)
}

fn commit_batch(
    conn: &mut Connection,
    session: &str,
    batch: &[FrameRecord],
    encoding: LandmarkEncoding,
    stats: &mut WriteStats,
) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut bytes = 0u64;
    for frame in batch {
        let encoded = encode_frame(frame, encoding)?;
        bytes += encoded.bytes as u64;
        insert_frame(&tx, session, frame, encoded)?;
    }
    tx.commit()?;
    stats.frames += batch.len() as u64;
    stats.batches += 1;
    stats.bytes += bytes;
    Ok(())
}
