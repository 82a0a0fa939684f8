# Helpers shared by the scripts in scripts/ and .ci/. Source it; do not run it.
#   here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
#   source "$here/lib/common.bash"
# It defines $repo_root and the functions below, and changes no shell options.

# shellcheck disable=SC2034  # repo_root is used by the scripts that source this file
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
engfeed_script=${engfeed_script:-$(basename "$0")}

# Progress and errors go to stderr, prefixed, so that stdout stays for results.
say() { printf '[engfeed] %s: %s\n' "$engfeed_script" "$*" >&2; }
die() { printf '[engfeed] %s: error: %s\n' "$engfeed_script" "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run '$*', and sudo is not installed"
    fi
}

# apt_install PACKAGE...: installs Debian packages, without questions (CI has no stdin).
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
    say "installing $* (apt-get; needs the Debian package mirror)"
    as_root apt-get update -qq >&2 || die "apt-get update failed"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        </dev/null >&2 || die "apt-get install $* failed"
}

# Prints the newest /usr/lib/postgresql/*/bin that holds initdb; fails when there is none.
pg_server_bindir() {
    local dir best=
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] || continue
        if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$best" "$dir" | sort -V | tail -n 1)" = "$dir" ]; then
            best=$dir
        fi
    done
    [ -n "$best" ] && printf '%s\n' "$best"
}

# Prints what pg_server_bindir prints, installing Debian's postgresql first when there is none.
ensure_pg_server_bindir() {
    pg_server_bindir && return
    say "no PostgreSQL server is installed"
    apt_install postgresql
    pg_server_bindir || die "the postgresql package is installed, but there is no /usr/lib/postgresql/*/bin/initdb"
}

# Runs a command as the user PostgreSQL's servers run as: `postgres` when we are root
# (PostgreSQL refuses to run as root), else ourselves. From /, where that user may go.
as_postgres_user() {
    if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Prints the path of a psql client, installing Debian's postgresql-client when there is none.
find_psql() {
    local dir
    if command -v psql >/dev/null 2>&1; then
        command -v psql
        return
    fi
    for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV); do
        [ -x "$dir/psql" ] && { printf '%s\n' "$dir/psql"; return; }
    done
    apt_install postgresql-client
    command -v psql || die "postgresql-client installed, but psql is not on PATH"
}

# url_with_database URL NAME: the same postgres:// URL naming database NAME instead (any
# ?query is kept).
url_with_database() {
    local url=$1 name=$2 scheme rest authority query=
    scheme=${url%%://*}
    rest=${url#*://}
    case $rest in *\?*) query="?${rest#*\?}"; rest=${rest%%\?*} ;; esac
    authority=${rest%%/*}
    printf '%s://%s/%s%s\n' "$scheme" "$authority" "$name" "$query"
}

# url_redacted URL: the URL with its password replaced by ***, for messages.
url_redacted() {
    printf '%s\n' "$1" | sed -E 's#^([a-z]+://[^:/@]+):[^@/]*@#\1:***@#'
}

# A free TCP port on 127.0.0.1, chosen by the kernel.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Benchmark arithmetic, for the bench-* scripts.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f\n", a / b}'; } # A B -> A / B
median() { # numbers on stdin, one a line -> their median
    sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}

# tcp_answers HOST PORT: something accepts TCP connections there (1 s at most).
tcp_answers() {
    # shellcheck disable=SC2016  # $1 and $2 belong to the inner bash
    timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}
