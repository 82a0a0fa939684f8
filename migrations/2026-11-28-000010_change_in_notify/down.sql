DROP FUNCTION engfeed_move_catalogue_clock_if_touched(TEXT);
DROP FUNCTION engfeed_move_catalogue_clock(TEXT);

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
