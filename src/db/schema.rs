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
        version -> Int8,
        edited_since_import -> Bool,
        import_digest -> Nullable<Bytea>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Int8,
        name -> Text,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        token_id -> Nullable<Int8>,
        at -> Timestamptz,
        action -> Text,
        article_id -> Nullable<Int8>,
        author_id -> Nullable<Int8>,
        previous -> Nullable<Jsonb>,
        current -> Nullable<Jsonb>,
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
    idempotency_keys (token_id, key) {
        token_id -> Int8,
        key -> Text,
        request_hash -> Bytea,
        response_status -> Nullable<Int2>,
        response_headers -> Nullable<Jsonb>,
        response_body -> Nullable<Bytea>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    site (singleton) {
        singleton -> Bool,
        site_id -> Uuid,
        created_at -> Timestamptz,
        catalogue_changed_at -> Timestamptz,
    }
}

diesel::joinable!(audit_log -> api_tokens (token_id));
diesel::joinable!(audit_log -> articles (article_id));
diesel::joinable!(audit_log -> authors (author_id));
diesel::joinable!(idempotency_keys -> api_tokens (token_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    articles,
    audit_log,
    authors,
    idempotency_keys,
    site,
);

diesel::table! {
    feed_poll_stats (day, feed) {
        day -> Date,
        feed -> Text,
        requests -> Int8,
        not_modified -> Int8,
        bytes_sent -> Int8,
    }
}

diesel::table! {
    feed_poll_clients (day, feed, client_hash) {
        day -> Date,
        feed -> Text,
        client_hash -> Int8,
        direct -> Bool,
    }
}

diesel::table! {
    feed_poll_subscribers (day, feed, aggregator) {
        day -> Date,
        feed -> Text,
        aggregator -> Text,
        subscribers -> Int8,
        reported_at -> Timestamptz,
    }
}
