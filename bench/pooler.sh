#!/bin/bash
# bench/pooler.sh BUILD_DIR [ROWS]
#
# queue-process through a pooler in transaction mode against a direct connection, in one
# run on a private PostgreSQL of its own (BUILD_DIR/bench-pg): one company, ROWS due rows
# (default 5,000), Postfix's smtp-sink on loopback. Direct: database.pool_mode session
# (statements prepared once per session). Pooled: PgBouncer (Debian's, started here on
# loopback, pool_mode = transaction, 8 server connections) with database.pool_mode
# transaction (unnamed statements, the settings made in every transaction). The two run
# alternately, twice each, each on a database of its own. For each: messages per second,
# and the CPU time PostgreSQL spent per message (every process of the cluster: the
# postmaster with the backends it reaped, and those still running), and PgBouncer's.
# Prints a Markdown report and writes it to BUILD_DIR/bench/pooler.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rows=${2:-5000}
report=$build/bench/pooler.md
. "$root/bench/common.sh"
need bench-pooler "$bin/queue-process" /usr/sbin/smtp-sink /usr/sbin/pgbouncer /usr/bin/python3 bc
start_bench_cluster
. "$root/bench/queue_db.sh"

sink_port=$(free_port)
start_sink "$sink_port"

bouncer_port=$(free_port)
cat >"$work/userlist.txt" <<EOF2
"$PGUSER" ""
EOF2
cat >"$work/pgbouncer.ini" <<EOF2
[databases]
* = host=$PGHOST port=$PGPORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $work/userlist.txt
pool_mode = transaction
default_pool_size = 8
max_client_conn = 100
$([ "$(id -u)" = 0 ] && echo "user = postgres")
EOF2
chmod 644 "$work/pgbouncer.ini" "$work/userlist.txt"
/usr/sbin/pgbouncer "$work/pgbouncer.ini" >"$work/pgbouncer.log" 2>&1 &
bouncer_pid=$!
pids+=("$bouncer_pid")
wait_port "$bouncer_port"

# measure MODE ROUND -> prints "rate pg_ms_per_message bouncer_ms_per_message"
measure() {
    local mode=$1 db="${1}_$2" cfg="$work/$1.yaml" url start elapsed pg0 pg1 b0 b1 sent
    new_db "$db" 1 "$rows" sink
    config "$cfg" sink "$sink_port" "$rows"
    if [ "$mode" = pooled ]; then
        printf 'database:\n  pool_mode: transaction\n' >>"$cfg"
        url="postgresql://$PGUSER@127.0.0.1:$bouncer_port/$db"
    else
        url="postgresql://$PGUSER@$PGHOST:$PGPORT/$db"
    fi
    psql -d "$db" -c CHECKPOINT
    pg0=$(cluster_ticks)
    b0=$(cpu_ticks "$bouncer_pid")
    start=$(now)
    DATABASE_URL="$url" "$bin/queue-process" --config "$cfg" >"$work/out" 2>&1 ||
        { cat "$work/out" >&2; exit 1; }
    elapsed=$(since "$start")
    sleep 0.2 # the run's backends exit and are reaped
    pg1=$(cluster_ticks)
    b1=$(cpu_ticks "$bouncer_pid")
    sent=$(psql -d "$db" -tAc "SELECT count(*) FROM email_queue WHERE status = 'sent'")
    [ "$sent" = "$rows" ] || { echo "bench: $mode sent $sent of $rows" >&2; exit 1; }
    echo "$(echo "scale=1; $sent / $elapsed" | bc)" \
        "$(echo "scale=3; ($pg1 - $pg0) * 1000 / $tick / $sent" | bc)" \
        "$(echo "scale=3; ($b1 - $b0) * 1000 / $tick / $sent" | bc)"
}

declare -A rate pg bouncer
for round in 1 2; do
    for mode in direct pooled; do
        echo "bench: $mode, round $round, $rows rows" >&2
        read -r r p b < <(measure "$mode" "$round")
        rate[$mode]+="$r "
        pg[$mode]+="$p "
        bouncer[$mode]+="$b "
        echo "bench:    $r msg/s, PostgreSQL $p ms CPU per message, PgBouncer $b ms" >&2
    done
done

mean() { echo "$@" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.3f", s / NF }'; }
{
    echo "| connection | messages/s (runs) | PostgreSQL CPU per message | PgBouncer CPU per message |"
    echo "| --- | --- | --- | --- |"
    for mode in direct pooled; do
        label="direct, pool_mode session"
        [ "$mode" = pooled ] && label="PgBouncer transaction mode, pool_mode transaction"
        echo "| $label | $(mean ${rate[$mode]}) (${rate[$mode]% }) | $(mean ${pg[$mode]}) ms | $(mean ${bouncer[$mode]}) ms |"
    done
    echo
    echo "One company, $rows due rows, smtp-sink on loopback, $(nproc) CPUs; two runs of each, alternately."
} | tee "$report"
