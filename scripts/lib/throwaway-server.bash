# shellcheck disable=SC2154  # repo_root and the helpers come from common.bash, sourced first
# Sourced after common.bash by every script that needs engfeed (or PostgreSQL) of its own:
# check-live-feeds, schemathesis, browser-check, soak, bench-load, bench-scale, outage-drill,
# cluster-drill, explain-feed-queries, interop-*. start_throwaway_server:
#   1. makes a throwaway database on the server scripts/ensure-postgres gives (or on the
#      script's own cluster, after start_throwaway_cluster);
#   2. uses ENGFEED_BIN, or builds the release binary;
#   3. migrates, imports the seed, serves on a free port and waits for GET /readyz.
# It sets bin, workdir, psql, admin_url, DATABASE_URL, ENGFEED_BIND and ENGFEED_PUBLIC_URL
# (and server_pid); on exit (error, INT, TERM included) the server is stopped, the database
# dropped (the cluster stopped) and $workdir removed.
#
# The steps, for scripts that need only some of them or in another order:
#   throwaway_init                     $workdir and the EXIT/INT/TERM traps (the others call it)
#   start_throwaway_cluster            a PostgreSQL cluster of the script's own in $workdir (a
#                                      free port, trust auth, superuser engfeed), never the
#                                      shared one; throwaway_database then uses it
#   throwaway_cluster_stop / _start    stop it (fast) and start it again, for outage drills
#   throwaway_database [PREFIX]        creates database PREFIX_<random> (default prefix
#                                      engfeed_throwaway) and exports DATABASE_URL naming it
#   throwaway_binary                   sets bin: ENGFEED_BIN, or cargo build --release
#   throwaway_migrate                  engfeed migrate
#   throwaway_import_seed              engfeed import seed/stripe-articles.json
#   throwaway_serve                    engfeed serve on a free port (exports ENGFEED_BIND and
#                                      ENGFEED_PUBLIC_URL; sets server_url, the address it
#                                      serves at); fails unless GET /readyz answers 200
#                                      within 30 s. Environment given to the call
#                                      (VAR=value throwaway_serve) reaches the server. Each
#                                      call starts one more server; all are stopped on exit
#   throwaway_stop_serve               stops the last server started (TERM, KILL after 10 s)
#
# Optional, set by the caller before start_throwaway_server / throwaway_serve:
#   throwaway_serve_flags=(--websub-hub URL ...)  extra flags for `engfeed serve`
#   throwaway_serve_wrapper=(taskset -c 0)        a command that runs `engfeed serve`
#   throwaway_serve_log=PATH                      the next server's log (default
#                                                  $workdir/server.log)
#   throwaway_public_url=URL                      ENGFEED_PUBLIC_URL of the next servers
#                                                  (default: their own address), for
#                                                  several instances behind one proxy
#   throwaway_cleanup_hook() { ...; }              called on exit with the exit status as $1,
#                                                  after the server is stopped and the
#                                                  database dropped, before the cluster
#                                                  stops and $workdir goes

throwaway_inited=
server_pid=
server_url=
# Every server throwaway_serve started, for the cleanup.
throwaway_server_pids=()
admin_url=
db=
psql=
workdir=
throwaway_pg_bindir=
throwaway_pg_data=

throwaway_init() {
    [ -z "$throwaway_inited" ] || return 0
    throwaway_inited=1
    workdir=$(mktemp -d "${TMPDIR:-/tmp}/engfeed-throwaway.XXXXXX")
    trap stop_throwaway_server EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

throwaway_stop_pid() { # PID: TERM, then KILL after 10 s
    if kill -0 "$1" 2>/dev/null; then
        say "stopping the server (pid $1)"
        kill -TERM "$1" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$1" 2>/dev/null || true
    fi
    wait "$1" 2>/dev/null || true
}

throwaway_stop_serve() {
    [ -n "$server_pid" ] || return 0
    throwaway_stop_pid "$server_pid"
    server_pid=
}

stop_throwaway_server() {
    local status=$?
    trap - EXIT INT TERM
    throwaway_stop_serve
    local pid
    for pid in "${throwaway_server_pids[@]}"; do throwaway_stop_pid "$pid"; done
    # A database on the script's own cluster goes with the cluster.
    if [ -n "$db" ] && [ -z "$throwaway_pg_data" ]; then
        say "dropping the throwaway database $db"
        "$psql" -XqAt -d "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null \
            || say "warning: could not drop database $db; drop it by hand"
    fi
    if declare -F throwaway_cleanup_hook >/dev/null; then
        throwaway_cleanup_hook "$status" || true
    fi
    if [ -n "$throwaway_pg_data" ]; then
        as_postgres_user "$throwaway_pg_bindir/pg_ctl" -D "$throwaway_pg_data" -m immediate -w -t 30 stop \
            >/dev/null 2>&1 || true
    fi
    [ -z "$workdir" ] || rm -rf "$workdir"
    exit "$status"
}

# --- a PostgreSQL cluster of the script's own ----------------------------------------------------
start_throwaway_cluster() {
    throwaway_init
    local cluster=$workdir/pg port
    throwaway_pg_bindir=$(ensure_pg_server_bindir) || exit 1
    if is_root; then
        id postgres >/dev/null 2>&1 \
            || die "running as root, but there is no 'postgres' user to run PostgreSQL as (reinstall Debian's postgresql package)"
        # The postgres user must be able to reach its directory.
        chmod 711 "$workdir"
    fi
    mkdir -p "$cluster"
    if is_root; then chown postgres "$cluster"; fi
    port=$(free_port)
    say "a PostgreSQL cluster of this script's own on 127.0.0.1:$port ($cluster)"
    as_postgres_user "$throwaway_pg_bindir/initdb" -D "$cluster/data" -U engfeed --auth=trust -E UTF8 \
        >"$workdir/initdb.log" 2>&1 || { cat "$workdir/initdb.log" >&2; die "initdb failed"; }
    throwaway_pg_data=$cluster/data
    printf '\n# --- the throwaway cluster (scripts/lib/throwaway-server.bash) ---\nport = %s\nlisten_addresses = %s\nunix_socket_directories = %s\n' \
        "$port" "'127.0.0.1'" "'$cluster'" >>"$throwaway_pg_data/postgresql.conf"
    throwaway_cluster_start
    admin_url=postgres://engfeed@127.0.0.1:$port/postgres
}

throwaway_cluster_start() {
    as_postgres_user "$throwaway_pg_bindir/pg_ctl" -D "$throwaway_pg_data" -l "$workdir/pg/pg.log" -w -t 60 start \
        >/dev/null || {
        tail -n 20 "$workdir/pg/pg.log" >&2 || true
        die "the throwaway PostgreSQL cluster did not start within 60 s (its log is above)"
    }
}

throwaway_cluster_stop() {
    as_postgres_user "$throwaway_pg_bindir/pg_ctl" -D "$throwaway_pg_data" -m fast -w -t 60 stop >/dev/null || {
        tail -n 20 "$workdir/pg/pg.log" >&2 || true
        die "the throwaway PostgreSQL cluster did not stop within 60 s (its log is above)"
    }
}

# --- the steps of start_throwaway_server ---------------------------------------------------------
throwaway_database() { # [PREFIX]
    local name
    throwaway_init
    if [ -z "$admin_url" ]; then
        say "PostgreSQL (scripts/ensure-postgres)"
        admin_url=$("$repo_root/scripts/ensure-postgres") || die "scripts/ensure-postgres failed (above)"
    fi
    psql=$(find_psql) || exit 1
    name=${1:-engfeed_throwaway}_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    say "creating the throwaway database $name"
    "$psql" -XqAt -d "$admin_url" -c "CREATE DATABASE $name" >/dev/null || die "CREATE DATABASE $name failed"
    db=$name
    DATABASE_URL=$(url_with_database "$admin_url" "$db")
    export DATABASE_URL
}

throwaway_binary() {
    if [ -n "${ENGFEED_BIN:-}" ]; then
        bin=$ENGFEED_BIN
        [ -x "$bin" ] || die "ENGFEED_BIN=$bin is not an executable"
        say "using ENGFEED_BIN=$bin"
    else
        say "building engfeed (cargo build --release --locked)"
        cargo build --release --locked >&2 || die "cargo build --release failed"
        bin=${CARGO_TARGET_DIR:-$repo_root/target}/release/engfeed
    fi
}

throwaway_migrate() {
    say "engfeed migrate"
    "$bin" migrate >&2 || die "engfeed migrate failed"
}

throwaway_import_seed() {
    say "engfeed import seed/stripe-articles.json"
    "$bin" import "$repo_root/seed/stripe-articles.json" >&2 || die "engfeed import of the seed failed"
}

throwaway_serve() {
    local port deadline
    local -a serve_flags=()
    throwaway_init
    if declare -p throwaway_serve_flags >/dev/null 2>&1; then
        serve_flags=("${throwaway_serve_flags[@]}")
    fi
    port=$(free_port)
    local log=${throwaway_serve_log:-$workdir/server.log}
    export ENGFEED_BIND=127.0.0.1:$port
    server_url=http://127.0.0.1:$port
    export ENGFEED_PUBLIC_URL=${throwaway_public_url:-$server_url}
    say "engfeed serve${serve_flags[*]:+ ${serve_flags[*]}} on $ENGFEED_BIND (log: $log)"
    local -a wrapper=()
    if declare -p throwaway_serve_wrapper >/dev/null 2>&1; then
        wrapper=("${throwaway_serve_wrapper[@]}")
    fi
    RUST_LOG=${RUST_LOG:-warn} "${wrapper[@]}" "$bin" serve "${serve_flags[@]}" >"$log" 2>&1 </dev/null &
    server_pid=$!
    throwaway_server_pids+=("$server_pid")
    deadline=$((SECONDS + 30))
    until curl -fsS --max-time 2 -o /dev/null "$server_url/readyz" 2>/dev/null; do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            wait "$server_pid" 2>/dev/null || true
            server_pid=
            cat "$log" >&2
            die "engfeed serve exited before it became ready (its log is above)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            cat "$log" >&2
            die "GET $server_url/readyz did not answer 200 within 30 s (server log above)"
        fi
        sleep 0.2
    done
    say "the server is ready (GET /readyz: 200)"
}

start_throwaway_server() {
    throwaway_init
    throwaway_database engfeed_throwaway
    throwaway_binary
    throwaway_migrate
    throwaway_import_seed
    throwaway_serve
}
