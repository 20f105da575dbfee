-- Schema version 4: transcripts and clinical notes are no longer queued for upload.
--
-- The central API has no transcript or clinical-note endpoint yet, so every such outbox entry
-- failed for good and the sync status showed "N failed" for ever. The transcripts, their
-- segments and the notes stay in their own tables (the record of truth on this device); only
-- the queued upload snapshots go. When the endpoints exist, the migration that brings them
-- queues the current version of every stored transcript and note, which is all the server
-- needs (the removed entries were intermediate snapshots: the empty streaming start, one entry
-- per spoken segment, every notes revision).
DELETE FROM sync_uploads
 WHERE outbox_id IN (SELECT id FROM outbox WHERE entity_type IN ('transcript', 'clinical_note'));
DELETE FROM sync_progress
 WHERE outbox_id IN (SELECT id FROM outbox WHERE entity_type IN ('transcript', 'clinical_note'));
DELETE FROM outbox WHERE entity_type IN ('transcript', 'clinical_note');
