// @generated automatically by Diesel CLI.

diesel::table! {
    articles (id) {
        id -> Int8,
        public_id -> Uuid,
        import_key -> Nullable<Text>,
        title -> Text,
        summary -> Text,
        content_html -> Nullable<Text>,
        url -> Nullable<Text>,
        author_id -> Nullable<Int8>,
        level -> Text,
        read_minutes -> Nullable<Int4>,
        includes_code -> Bool,
        has_summary -> Bool,
        source -> Text,
        published_at -> Timestamptz,
        updated_at -> Timestamptz,
        created_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    authors (id) {
        id -> Int8,
        name -> Text,
        slug -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    site (singleton) {
        singleton -> Bool,
        site_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(articles -> authors (author_id));

diesel::allow_tables_to_appear_in_same_query!(articles, authors, site,);
