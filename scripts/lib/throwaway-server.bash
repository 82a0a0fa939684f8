# shellcheck disable=SC2154  # repo_root and the helpers come from common.bash, sourced first
# Sourced after common.bash by scripts that need engfeed serving the seed catalogue from a
# database of its own (check-live-feeds, schemathesis). start_throwaway_server:
#   1. makes a throwaway database on the server scripts/ensure-postgres gives;
#   2. uses ENGFEED_BIN, or builds the release binary;
#   3. migrates, imports the seed, serves on a free port and waits for GET /readyz.
# It sets bin, workdir, DATABASE_URL and ENGFEED_PUBLIC_URL; on exit (error, INT, TERM
# included) the server is stopped and the database dropped.
#
# Optional, set by the caller before start_throwaway_server:
#   throwaway_serve_flags=(--websub-hub URL ...)  extra flags for `engfeed serve`
#   throwaway_cleanup_hook() { ...; }              called on exit with the exit status as $1,
#                                                  after the server is stopped and the
#                                                  database dropped, before $workdir goes

stop_throwaway_server() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        say "stopping the server (pid $server_pid)"
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$db" ]; then
        say "dropping the throwaway database $db"
        "$psql" -XqAt -d "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null \
            || say "warning: could not drop database $db; drop it by hand"
    fi
    if declare -F throwaway_cleanup_hook >/dev/null; then
        throwaway_cleanup_hook "$status" || true
    fi
    rm -rf "$workdir"
    exit "$status"
}

start_throwaway_server() {
    server_pid=
    admin_url=
    db=
    psql=
    workdir=$(mktemp -d "${TMPDIR:-/tmp}/engfeed-throwaway.XXXXXX")
    trap stop_throwaway_server EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    # --- 1. PostgreSQL and a throwaway database ---------------------------------------------------
    say "PostgreSQL (scripts/ensure-postgres)"
    admin_url=$("$repo_root/scripts/ensure-postgres")
    psql=$(find_psql)
    name=engfeed_throwaway_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    say "creating the throwaway database $name"
    "$psql" -XqAt -d "$admin_url" -c "CREATE DATABASE $name" >/dev/null || die "CREATE DATABASE $name failed"
    db=$name
    DATABASE_URL=$(url_with_database "$admin_url" "$db")
    export DATABASE_URL

    # --- 2. the binary ------------------------------------------------------------------------------
    if [ -n "${ENGFEED_BIN:-}" ]; then
        bin=$ENGFEED_BIN
        [ -x "$bin" ] || die "ENGFEED_BIN=$bin is not an executable"
        say "using ENGFEED_BIN=$bin"
    else
        say "building engfeed (cargo build --release --locked)"
        cargo build --release --locked >&2 || die "cargo build --release failed"
        bin=${CARGO_TARGET_DIR:-$repo_root/target}/release/engfeed
    fi

    # --- 3. migrate, import, serve ------------------------------------------------------------------
    port=$(free_port)
    export ENGFEED_BIND=127.0.0.1:$port
    export ENGFEED_PUBLIC_URL=http://127.0.0.1:$port
    say "engfeed migrate"
    "$bin" migrate >&2 || die "engfeed migrate failed"
    say "engfeed import seed/stripe-articles.json"
    "$bin" import "$repo_root/seed/stripe-articles.json" >&2 || die "engfeed import of the seed failed"

    local -a serve_flags=()
    if declare -p throwaway_serve_flags >/dev/null 2>&1; then
        serve_flags=("${throwaway_serve_flags[@]}")
    fi
    say "engfeed serve${serve_flags[*]:+ ${serve_flags[*]}} on $ENGFEED_BIND (log: $workdir/server.log)"
    RUST_LOG=${RUST_LOG:-warn} "$bin" serve "${serve_flags[@]}" >"$workdir/server.log" 2>&1 </dev/null &
    server_pid=$!
    deadline=$((SECONDS + 30))
    until curl -fsS --max-time 2 -o /dev/null "$ENGFEED_PUBLIC_URL/readyz" 2>/dev/null; do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            cat "$workdir/server.log" >&2
            server_pid=
            die "engfeed serve exited before it became ready (its log is above)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            cat "$workdir/server.log" >&2
            die "GET $ENGFEED_PUBLIC_URL/readyz did not answer 200 within 30 s (server log above)"
        fi
        sleep 0.2
    done
    say "the server is ready (GET /readyz: 200)"
}
