# bench/common.sh: what the benchmarks share, sourced after setting `root` (the source
# tree) and `build` (the build folder). Defines bin, pgdir (the private PostgreSQL
# under BUILD/bench-pg), work (a scratch folder), pgbin, pids (processes to stop), and
# need, start_bench_cluster, psql, now, since, tick, cpu_ticks and cluster_ticks; on exit
# the cluster is stopped, the processes in pids are killed and the scratch folder is
# removed.
bin=$build/bin
pgdir=$build/bench-pg
work=$(mktemp -d)
chmod 755 "$work"
mkdir -p "$build/bench"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pids=()

bench_cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    bash "$root/test/support/pg-cluster.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap bench_cleanup EXIT

# need TARGET PROGRAM...: each program must exist, else says which make target builds
# or installs it, and exits.
need() {
    local target=$1 tool
    shift
    for tool in "$@"; do
        command -v "$tool" >/dev/null ||
            { echo "bench: $tool is missing; run 'make $target'" >&2; exit 1; }
    done
}

# Starts the private PostgreSQL and exports its libpq environment (PGHOST, PGPORT, ...).
start_bench_cluster() {
    echo "bench: starting a private PostgreSQL under $pgdir" >&2
    bash "$root/test/support/pg-cluster.sh" start "$pgdir" "$bin" >/dev/null
    set -a
    . "$pgdir/env"
    set +a
}

psql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

tick=$(getconf CLK_TCK)
# cpu_ticks PID: user + system time of a process and of the children it reaped.
cpu_ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat"
}
# cluster_ticks: the CPU time of every process of the cluster so far.
cluster_ticks() {
    local pm total child
    pm=$(head -n 1 "$(readlink -f "$pgdir/data")/postmaster.pid")
    total=$(cpu_ticks "$pm")
    for child in $(awk '{ sub(/^.*\) /, ""); print FILENAME, $2 }' /proc/[0-9]*/stat 2>/dev/null |
        awk -v pm="$pm" '$2 == pm { split($1, p, "/"); print p[3] }'); do
        total=$(( total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$child/stat" 2>/dev/null || echo 0) ))
    done
    echo "$total"
}
