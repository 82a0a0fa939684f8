-- An article changed through the admin API since an import last wrote it. A re-import
-- leaves such an article as the editor left it (unless told to overwrite), so an edit is
-- never undone by `scripts/run` importing the seed again.
ALTER TABLE articles ADD COLUMN edited_since_import BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE articles SET edited_since_import = TRUE WHERE import_key IS NULL;
