# shellcheck disable=SC2154,SC2034  # psql, bin, workdir and DATABASE_URL come from throwaway-server.bash; import_s, copy_s and reimport_s are for the caller
# Sourced by bench-scale and bench-import, after throwaway-server.bash: times one file's
# import against the limit it is measured by, a bare COPY of the same rows.
#
#   import_timing_setup        creates bench_bare (the columns of `articles`, no index, no
#                              trigger, no constraint but NOT NULL) in $DATABASE_URL
#   time_import_round FILE     `engfeed import FILE` (new articles), the rows it wrote
#                              COPYed into the emptied bench_bare, then FILE imported again
#                              (every article unchanged); sets import_s, copy_s and
#                              reimport_s (wall seconds). Each of the first two starts from
#                              a CHECKPOINT, when the role may ask for one.
#   add A B                    sums such figures (ratio and median: common.bash)

seconds_of() { # command... -> prints its wall time in seconds on stdout, its output to stderr
    local start end
    start=$(date +%s.%N)
    "$@" >&2
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f\n", e - s}'
}
add() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", a + b}'; }

checkpoint() { "$psql" -XqAt -d "$DATABASE_URL" -c "CHECKPOINT" >/dev/null 2>&1 || true; }

import_timing_setup() {
    "$psql" -XqAt -d "$DATABASE_URL" -c "CREATE TABLE bench_bare (LIKE articles)" >/dev/null
}

bare_copy() { # rows file -> COPY it into the emptied bare table
    "$psql" -XqAt -d "$DATABASE_URL" -c "TRUNCATE bench_bare" >/dev/null
    checkpoint
    "$psql" -Xq -d "$DATABASE_URL" -c "\\copy bench_bare FROM '$1'"
}

time_import_round() { # catalogue file
    local last_id
    last_id=$("$psql" -XqAt -d "$DATABASE_URL" -c "SELECT coalesce(max(id), 0) FROM articles")
    checkpoint
    import_s=$(seconds_of "$bin" import "$1")
    # The rows exactly as the import wrote them, into the bare table.
    "$psql" -Xq -d "$DATABASE_URL" \
        -c "\\copy (SELECT * FROM articles WHERE id > $last_id ORDER BY id) TO '$workdir/rows.tsv'"
    copy_s=$(seconds_of bare_copy "$workdir/rows.tsv")
    "$psql" -XqAt -d "$DATABASE_URL" -c "TRUNCATE bench_bare" >/dev/null
    say "importing the same file again (all unchanged)"
    reimport_s=$(seconds_of "$bin" import "$1")
}
