-- Poll statistics per canonical feed URL and UTC day, written by each instance's flusher
-- once a minute (adding to what is there) and deleted after the retention period.
CREATE TABLE feed_poll_stats (
    day date NOT NULL,
    feed text NOT NULL,
    requests bigint NOT NULL DEFAULT 0,
    not_modified bigint NOT NULL DEFAULT 0,
    bytes_sent bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, feed)
);

-- The distinct clients of a feed on a day: a hash of address and User-Agent keyed with a
-- random salt of that day, never the address. `direct` is false for aggregators that
-- report their own subscriber count (they are counted by that report instead).
CREATE TABLE feed_poll_clients (
    day date NOT NULL,
    feed text NOT NULL,
    client_hash bigint NOT NULL,
    direct boolean NOT NULL,
    PRIMARY KEY (day, feed, client_hash)
);

-- Subscribers an aggregator said it has for a feed (in its User-Agent); the day's latest.
CREATE TABLE feed_poll_subscribers (
    day date NOT NULL,
    feed text NOT NULL,
    aggregator text NOT NULL,
    subscribers bigint NOT NULL CHECK (subscribers >= 0),
    reported_at timestamptz NOT NULL,
    PRIMARY KEY (day, feed, aggregator)
);
