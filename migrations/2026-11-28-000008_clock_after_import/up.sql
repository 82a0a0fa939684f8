-- Moving the catalogue clock updates the one `site` row, whose lock the transaction then
-- holds until it commits: a long import kept every other write waiting for the import,
-- and two writers could deadlock (one holding `site` and waiting for the other's new
-- author row, the other the reverse). The clock's work moves to a function of its own. A
-- transaction that sets `engfeed.defer_catalogue_clock` (every write of engfeed's does)
-- only notes in the trigger that it touched the catalogue, and moves the clock once, last
-- (`engfeed_move_catalogue_clock_if_touched`), so it holds the row for its final moments.
CREATE FUNCTION engfeed_move_catalogue_clock() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    clock TIMESTAMPTZ;
BEGIN
    UPDATE site
       SET catalogue_changed_at = GREATEST(
               date_trunc('second', clock_timestamp() + interval '999999 microseconds'),
               catalogue_changed_at + interval '1 second'),
           catalogue_changed_by = pg_current_xact_id()
     WHERE catalogue_changed_by IS DISTINCT FROM pg_current_xact_id()
    RETURNING catalogue_changed_at INTO clock;
    IF clock IS NOT NULL THEN
        PERFORM pg_notify('engfeed_catalogue', extract(epoch FROM clock)::bigint::text);
    END IF;
END;
$$;

CREATE FUNCTION engfeed_move_catalogue_clock_if_touched() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('engfeed.defer_catalogue_clock', 'off', true);
    IF coalesce(current_setting('engfeed.catalogue_touched', true), '') = 'on' THEN
        PERFORM engfeed_move_catalogue_clock();
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION engfeed_catalogue_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('engfeed.defer_catalogue_clock', true), '') = 'on' THEN
        PERFORM set_config('engfeed.catalogue_touched', 'on', true);
    ELSE
        PERFORM engfeed_move_catalogue_clock();
    END IF;
    RETURN NULL;
END;
$$;
