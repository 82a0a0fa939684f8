-- Source filters ignore case. They compared lower(source) with a value lower-cased by
-- Rust, and the two disagree (Rust writes a final sigma as ς, PostgreSQL as σ; İ becomes
-- i + U+0307 in one and i in the other), so `?source=ΟΔΟΣ` found nothing. Both sides are
-- now compared by ICU at strength 2: case-insensitive, accent-sensitive, however each side
-- was lower-cased.
CREATE COLLATION engfeed_case_insensitive (
    provider = icu, locale = 'und-u-ks-level2', deterministic = false
);
