-- Imports used to date undated articles one *microsecond* apart (listing order as date
-- order). RSS and most readers keep whole seconds, so a whole catalogue shared one second
-- and readers sorted it any way. Those dates were never real: they are respaced here to
-- whole seconds, newest at the import time, in the same order. An import-assigned date is
-- an imported article's publication date within a minute of the import transaction
-- (`created_at`); a catalogue's real date would not fall there.
WITH assigned AS (
    SELECT id,
           published_at,
           date_trunc('second', max(published_at) OVER batch)
               - (row_number() OVER (batch ORDER BY published_at DESC, id DESC) - 1)
                 * interval '1 second' AS respaced
      FROM articles
     WHERE import_key IS NOT NULL
       AND published_at BETWEEN created_at - interval '1 minute'
                            AND created_at + interval '1 minute'
    WINDOW batch AS (PARTITION BY created_at)
)
UPDATE articles
   SET published_at = assigned.respaced,
       -- Never updated since: the update date was the assigned date.
       updated_at = CASE WHEN articles.updated_at = assigned.published_at
                         THEN assigned.respaced
                         ELSE articles.updated_at END
  FROM assigned
 WHERE articles.id = assigned.id;

-- A re-import gave every article it updated one `updated_at`, which feed validators flag
-- (DuplicateUpdated) wherever two of them meet. Shared update dates of imported articles
-- are spread one second apart, in listing (date) order, never before publication.
WITH shared AS (
    SELECT id,
           date_trunc('second', updated_at)
               - (row_number() OVER (PARTITION BY updated_at ORDER BY published_at DESC, id DESC) - 1)
                 * interval '1 second' AS respaced,
           count(*) OVER (PARTITION BY updated_at) AS sharing
      FROM articles
     WHERE import_key IS NOT NULL
)
UPDATE articles
   SET updated_at = GREATEST(shared.respaced, articles.published_at)
  FROM shared
 WHERE articles.id = shared.id
   AND shared.sharing > 1;
