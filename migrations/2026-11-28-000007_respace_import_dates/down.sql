-- The respaced dates stay: the old ones were never real and cannot be told apart again.
SELECT 1;
