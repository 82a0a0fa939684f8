-- 100,000 synthetic articles by 500 authors, one in fifty deleted, one in 97 without an author.
INSERT INTO authors (name, slug) SELECT 'Author ' || g, 'author-' || g FROM generate_series(1, 500) g;
INSERT INTO articles (title, summary, author_id, level, read_minutes, includes_code, has_summary,
                      source, published_at, updated_at, import_key)
SELECT 'Title ' || g, 'Summary ' || g, CASE WHEN g % 97 = 0 THEN NULL ELSE 1 + g % 500 END,
       (ARRAY['beginner', 'intermediate', 'advanced'])[1 + g % 3], 1 + g % 30, g % 2 = 0, true, 'Stripe',
       now() - make_interval(secs => g * 60), now() - make_interval(secs => g * 60), 'synthetic-' || g
FROM generate_series(1, 100000) g;
UPDATE articles SET deleted_at = now() WHERE id % 50 = 0;
ANALYZE;
