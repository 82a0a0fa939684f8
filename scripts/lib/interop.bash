# shellcheck disable=SC2154  # repo_root, say and die come from common.bash, sourced first
# Sourced after common.bash by the scripts that run outside clients against engfeed
# (interop-websub, interop-newsboat). Sourcing it defines, and changes nothing:
#
#   interop_hard_timeout SECONDS "$0" "$@"   re-runs the script once under timeout(1): the
#                                            whole run is then bounded (TERM to the script,
#                                            whose EXIT trap cleans up; KILL 30 s later). The
#                                            script stays in its caller's process group, so
#                                            whoever stops that group stops it all too
#   interop_init                             makes $interop_tmp (a temp dir) and traps EXIT,
#                                            INT and TERM so that every process started with
#                                            interop_spawn is stopped and $interop_tmp removed;
#                                            start_throwaway_server later takes over the trap
#                                            and calls throwaway_cleanup_hook, defined here
#   interop_signal_traps                     the INT and TERM traps again (after
#                                            start_throwaway_server, which sets its own)
#   interop_engfeed_bin                      waits (ENGFEED_BIN_WAIT s, default 120) for
#                                            $ENGFEED_BIN to exist and copies it into
#                                            $interop_tmp, so that a rebuild during the run
#                                            does not change it; ENGFEED_BIN then names the copy
#   interop_spawn LOG COMMAND...             runs COMMAND in the background, output to LOG
#   interop_run COMMAND...                   runs COMMAND and waits for it, in a way that lets
#                                            the TERM trap (the time limit) act at once and
#                                            stop it: for anything that may take a while
#   interop_wait_port PORT LOG WHAT SECONDS  waits until 127.0.0.1:PORT accepts connections,
#                                            and fails when the last spawned process (WHAT)
#                                            exits or SECONDS pass first
#   interop_venv VENV CHECK PIP_ARGS...      makes the Python venv VENV (under ~/.venvs) and
#                                            pip-installs PIP_ARGS unless the Python code
#                                            CHECK already exits 0 in it
#
# On exit the scripts' last line is "PASSED" or "FAILED (...)"; interop_failure_logs (an
# array of LOG files) are shown on failure.

interop_pids=()
interop_failure_logs=()
interop_tmp=

interop_hard_timeout() {
    local limit=$1
    shift
    if [ "${ENGFEED_INTEROP_TIMED:-}" != "$engfeed_script" ]; then
        command -v timeout >/dev/null 2>&1 || die "timeout(1) (coreutils) not found"
        export ENGFEED_INTEROP_TIMED=$engfeed_script ENGFEED_INTEROP_LIMIT=$limit
        exec timeout --foreground --kill-after=30 "$limit" "$@"
    fi
}

interop_init() {
    interop_tmp=$(mktemp -d "${TMPDIR:-/tmp}/engfeed-$engfeed_script.XXXXXX")
    trap 'interop_on_exit $?' EXIT
    interop_signal_traps
}

# INT and TERM exit through the EXIT trap; call again after start_throwaway_server, which
# sets its own.
interop_signal_traps() {
    trap 'say "interrupted (INT)"; interop_stop_all; exit 130' INT
    trap 'say "terminated (TERM: the hard time limit is ${ENGFEED_INTEROP_LIMIT:-?} s)"; interop_stop_all; exit 143' TERM
}

interop_stop_all() {
    local i pid
    for ((i = ${#interop_pids[@]} - 1; i >= 0; i--)); do
        pid=${interop_pids[i]}
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; continue; }
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    interop_pids=()
}

# Stops what interop_spawn started, removes $interop_tmp and prints the last line, once.
interop_cleanup() {
    local status=$1 log
    [ -n "$interop_tmp" ] || return 0
    if [ "$status" -ne 0 ]; then
        for log in "${interop_failure_logs[@]}"; do
            [ -s "$log" ] || continue
            say "last lines of $(basename "$log"):"
            tail -n 30 "$log" | sed 's/^/    /' >&2
        done
    fi
    interop_stop_all
    rm -rf "$interop_tmp"
    interop_tmp=
    if [ "$status" -eq 0 ]; then
        say "PASSED ($SECONDS s)"
    else
        say "FAILED (exit $status, after $SECONDS s)"
    fi
}

# The EXIT trap until start_throwaway_server replaces it with its own, which calls the hook.
interop_on_exit() {
    local status=$1
    trap - EXIT
    trap '' INT TERM
    interop_cleanup "$status"
    exit "$status"
}

# Called by stop_throwaway_server (lib/throwaway-server.bash) once engfeed has stopped.
throwaway_cleanup_hook() {
    interop_cleanup "$1"
}

interop_engfeed_bin() {
    local source=${ENGFEED_BIN:-} waited=0 limit=${ENGFEED_BIN_WAIT:-120}
    [ -n "$source" ] || return 0 # start_throwaway_server builds the release binary
    until [ -x "$source" ]; do
        [ "$waited" -lt "$limit" ] || die "ENGFEED_BIN=$source does not exist (waited $limit s)"
        [ "$waited" -gt 0 ] || say "waiting up to $limit s for ENGFEED_BIN=$source to appear"
        sleep 2
        waited=$((waited + 2))
    done
    cp "$source" "$interop_tmp/engfeed" || die "cannot copy $source"
    say "using a copy of $source (built $(date -u -r "$source" '+%Y-%m-%d %H:%M:%S UTC'))"
    export ENGFEED_BIN=$interop_tmp/engfeed
}

interop_spawn() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 </dev/null &
    interop_pids+=("$!")
    interop_failure_logs+=("$log")
}

interop_run() {
    local pid status=0
    "$@" &
    pid=$!
    interop_pids+=("$pid")
    wait "$pid" || status=$?
    unset 'interop_pids[-1]'
    return "$status"
}

interop_wait_port() {
    local port=$1 log=$2 what=$3 limit=$4 pid=${interop_pids[-1]} deadline
    deadline=$((SECONDS + limit))
    until tcp_answers 127.0.0.1 "$port"; do
        kill -0 "$pid" 2>/dev/null || die "$what exited before it listened on 127.0.0.1:$port (its log: below)"
        [ "$SECONDS" -lt "$deadline" ] || die "$what did not listen on 127.0.0.1:$port within $limit s (its log $(basename "$log"): below)"
        sleep 0.2
    done
}

interop_venv() {
    local venv=$1 check=$2
    shift 2
    if [ -x "$venv/bin/python3" ] && "$venv/bin/python3" -c "$check" 2>/dev/null; then
        say "Python venv $venv is ready"
        return
    fi
    python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
    if [ ! -x "$venv/bin/python3" ]; then
        say "creating the Python venv $venv"
        mkdir -p "$(dirname "$venv")"
        python3 -m venv "$venv" >&2 || die "python3 -m venv $venv failed"
    fi
    say "installing $* into $venv (pip, PyPI)"
    interop_run "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check --no-input "$@" >&2 \
        || die "pip install $* into $venv failed"
    "$venv/bin/python3" -c "$check" || die "$venv still fails its check after pip install"
}
