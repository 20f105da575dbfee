-- Schema version 9: the clinician's workspace opens a roster of hundreds of patients without
-- reading their repetitions (issue 16: 500 patients and 20,000 sessions open the roster in
-- under 300 ms).
--
--   * session_rom: per session and side, how many repetitions and the sum and sum of squares
--     of their range of motion (max - min angle), kept by the triggers below on every write of
--     `repetitions`. The falling range-of-motion rule reads each patient's recent sessions from
--     here: one small row per session and side instead of every repetition, scattered over the
--     (encrypted) file. `side` is '' when the engine did not say (NULLs would not conflict).
--     A session's rows disappear with the session or with its last repetition.

CREATE TABLE session_rom (
    session_id  TEXT NOT NULL REFERENCES exercise_sessions (id) ON DELETE CASCADE,
    side        TEXT NOT NULL,
    repetitions INTEGER NOT NULL,
    rom_sum     REAL NOT NULL,
    rom_sum_sq  REAL NOT NULL,
    PRIMARY KEY (session_id, side)
) WITHOUT ROWID;

INSERT INTO session_rom (session_id, side, repetitions, rom_sum, rom_sum_sq)
SELECT session_id, coalesce(side, ''), count(*), sum(max_angle - min_angle),
       sum((max_angle - min_angle) * (max_angle - min_angle))
  FROM repetitions GROUP BY session_id, coalesce(side, '');

CREATE TRIGGER session_rom_insert AFTER INSERT ON repetitions
BEGIN
    INSERT INTO session_rom (session_id, side, repetitions, rom_sum, rom_sum_sq)
    VALUES (NEW.session_id, coalesce(NEW.side, ''), 1, NEW.max_angle - NEW.min_angle,
            (NEW.max_angle - NEW.min_angle) * (NEW.max_angle - NEW.min_angle))
    ON CONFLICT (session_id, side) DO UPDATE SET
        repetitions = repetitions + 1,
        rom_sum = rom_sum + excluded.rom_sum,
        rom_sum_sq = rom_sum_sq + excluded.rom_sum_sq;
END;

CREATE TRIGGER session_rom_delete AFTER DELETE ON repetitions
BEGIN
    UPDATE session_rom SET
        repetitions = repetitions - 1,
        rom_sum = rom_sum - (OLD.max_angle - OLD.min_angle),
        rom_sum_sq = rom_sum_sq - (OLD.max_angle - OLD.min_angle) * (OLD.max_angle - OLD.min_angle)
     WHERE session_id = OLD.session_id AND side = coalesce(OLD.side, '');
    DELETE FROM session_rom
     WHERE session_id = OLD.session_id AND side = coalesce(OLD.side, '') AND repetitions <= 0;
END;

CREATE TRIGGER session_rom_update AFTER UPDATE OF session_id, side, min_angle, max_angle
    ON repetitions
BEGIN
    UPDATE session_rom SET
        repetitions = repetitions - 1,
        rom_sum = rom_sum - (OLD.max_angle - OLD.min_angle),
        rom_sum_sq = rom_sum_sq - (OLD.max_angle - OLD.min_angle) * (OLD.max_angle - OLD.min_angle)
     WHERE session_id = OLD.session_id AND side = coalesce(OLD.side, '');
    DELETE FROM session_rom
     WHERE session_id = OLD.session_id AND side = coalesce(OLD.side, '') AND repetitions <= 0;
    INSERT INTO session_rom (session_id, side, repetitions, rom_sum, rom_sum_sq)
    VALUES (NEW.session_id, coalesce(NEW.side, ''), 1, NEW.max_angle - NEW.min_angle,
            (NEW.max_angle - NEW.min_angle) * (NEW.max_angle - NEW.min_angle))
    ON CONFLICT (session_id, side) DO UPDATE SET
        repetitions = repetitions + 1,
        rom_sum = rom_sum + excluded.rom_sum,
        rom_sum_sq = rom_sum_sq + excluded.rom_sum_sq;
END;
