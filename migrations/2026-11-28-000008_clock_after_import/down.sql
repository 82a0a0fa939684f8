CREATE OR REPLACE FUNCTION engfeed_catalogue_changed() RETURNS trigger
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
    RETURN NULL;
END;
$$;
DROP FUNCTION engfeed_move_catalogue_clock_if_touched();
DROP FUNCTION engfeed_move_catalogue_clock();
