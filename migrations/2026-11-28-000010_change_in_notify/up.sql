-- A change's NOTIFY says what changed, so that each instance drops only the rendered feeds
-- that show it: engfeed's writes pass a description (JSON, see `db::listen::Payload`) to
-- the function that moves the clock last, and it follows the clock in the payload,
-- "<epoch seconds> <json>". Writes from outside engfeed still send the bare clock, which
-- listeners take as "anything may have changed".
DROP FUNCTION engfeed_move_catalogue_clock_if_touched();
DROP FUNCTION engfeed_move_catalogue_clock();

CREATE FUNCTION engfeed_move_catalogue_clock(detail TEXT DEFAULT NULL) RETURNS void
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
        PERFORM pg_notify('engfeed_catalogue',
                          concat_ws(' ', extract(epoch FROM clock)::bigint::text, detail));
    END IF;
END;
$$;

CREATE FUNCTION engfeed_move_catalogue_clock_if_touched(detail TEXT DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('engfeed.defer_catalogue_clock', 'off', true);
    IF coalesce(current_setting('engfeed.catalogue_touched', true), '') = 'on' THEN
        PERFORM engfeed_move_catalogue_clock(detail);
    END IF;
END;
$$;
