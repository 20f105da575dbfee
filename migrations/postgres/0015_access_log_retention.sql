-- Issue 17, retention of the access log: it stays append-only for the application, with one
-- exception, the scheduled clean-up removing rows past the configured retention. The clean-up
-- announces itself for its own transaction (`SET LOCAL physalign.access_log_retention = 'on'`);
-- even then the database refuses to remove a row younger than a year, so neither a bug nor
-- someone holding the application's connection can erase recent tracks.
CREATE OR REPLACE FUNCTION access_logs_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('physalign.access_log_retention', true) = 'on'
       AND OLD.timestamp < NOW() - INTERVAL '365 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'access_logs is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
