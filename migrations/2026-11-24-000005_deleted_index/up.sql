-- Tombstones: the first page of every feed asks for the articles deleted since the
-- retention cutoff. Without an index that was a scan of the whole table (235 ms per
-- uncached feed at 1M articles); deleted articles are few, so this index is small.
CREATE INDEX articles_deleted_recent ON articles (deleted_at DESC, id DESC)
    WHERE deleted_at IS NOT NULL;
