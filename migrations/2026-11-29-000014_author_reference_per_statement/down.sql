ALTER TABLE articles ADD CONSTRAINT articles_author_id_fkey
    FOREIGN KEY (author_id) REFERENCES authors (id);
DROP TRIGGER authors_unreferenced_on_truncate ON authors;
DROP TRIGGER authors_unreferenced_on_update ON authors;
DROP TRIGGER authors_unreferenced_on_delete ON authors;
DROP TRIGGER articles_author_exists_on_update ON articles;
DROP TRIGGER articles_author_exists_on_insert ON articles;
DROP FUNCTION engfeed_check_authors_unreferenced();
DROP FUNCTION engfeed_check_article_authors();
