-- The catalogue clock: when the published catalogue last changed, rounded up to a whole
-- second, and strictly later with every change. It is each feed's Last-Modified. HTTP
-- dates have one-second resolution: rounding up keeps a change at 10.5 s from looking
-- "not modified since 10 s", and two changes within one second must not share a date, or
-- a client holding the first version would be told the second is "not modified".
ALTER TABLE site
    ADD COLUMN catalogue_changed_at TIMESTAMPTZ NOT NULL DEFAULT date_trunc('second', now()),
    -- The transaction that last moved the clock: it moves once per transaction, however
    -- many statements the transaction runs (an import runs many).
    ADD COLUMN catalogue_changed_by XID8;

-- Any write to articles or authors moves the clock and tells every engfeed instance
-- (LISTEN engfeed_catalogue) to drop its rendered feeds; the payload is the new clock in
-- epoch seconds. NOTIFY is delivered at commit, and not at all on rollback.
CREATE FUNCTION engfeed_catalogue_changed() RETURNS trigger
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

CREATE TRIGGER articles_catalogue_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION engfeed_catalogue_changed();
CREATE TRIGGER authors_catalogue_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON authors
    FOR EACH STATEMENT EXECUTE FUNCTION engfeed_catalogue_changed();
