DROP TABLE feed_poll_subscribers;
DROP TABLE feed_poll_clients;
DROP TABLE feed_poll_stats;
