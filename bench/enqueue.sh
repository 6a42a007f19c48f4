#!/bin/bash
# bench/enqueue.sh BUILD_DIR [LEADS] [SAMPLE] [ROUNDS]
#
# The queue-enqueue benchmark (results in docs/benchmarks.md). On a private PostgreSQL
# of its own (test/support/pg-cluster.sh, under BUILD_DIR/bench-pg, stopped at the end):
#   1. LEADS leads (default 1,000,000) of one company, every one queueable, and 10,000
#      unrelated do_not_email rows. Each round, in alternating order, times with an
#      empty email_queue (truncated and checkpointed before each):
#        - the bare INSERT ... SELECT of the same rows into the same table;
#        - queue-enqueue --run of a new run (the whole program: start, connect,
#          validate, fan out, commit), with its peak RSS from /usr/bin/time.
#      The ratio is median(queue-enqueue) / median(bare); the goal is at most 1.15.
#      Beside wall-clock time, the CPU time the whole PostgreSQL cluster spent on each
#      (backends, WAL writer, checkpointer: /proc, before and after) is measured, a
#      steadier figure on a machine that other work shares.
#   2. SAMPLE leads (default 20,000) of another company: the seed's per-row inserts
#      (bench_enqueue_per_row), the bare INSERT ... SELECT and queue-enqueue, once each.
# Prints a Markdown report and writes it to BUILD_DIR/bench/enqueue.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
leads=${2:-1000000}
sample=${3:-20000}
rounds=${4:-5}
report=$build/bench/enqueue.md
. "$root/bench/common.sh"
need bench-enqueue "$bin/queue-enqueue" "$bin/queue-admin" "$bin/bench_enqueue_per_row" \
    /usr/bin/time bc
start_bench_cluster
"$pgbin/createdb" -T eq_template bench
export PGDATABASE=bench
export DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/bench"
export EMAILQUEUE_CONFIG=""

big_company=b1000000-0000-4000-8000-000000000001
big_campaign=b1000000-0000-4000-8000-000000000002
small_company=b2000000-0000-4000-8000-000000000001
small_campaign=b2000000-0000-4000-8000-000000000002

echo "bench: seeding $leads + $sample leads" >&2
psql <<SQL
INSERT INTO companies (id, name, account_email, account_password, account_type) VALUES
    ('$big_company', 'Bench Big', 'sender@big.example', 'gAAAA-bench-token', 'gmail'),
    ('$small_company', 'Bench Small', 'sender@small.example', 'gAAAA-bench-token', 'gmail');
INSERT INTO campaigns (id, company_id, name, template) VALUES
    ('$big_campaign', '$big_company', 'Bench', E'Subject: Hello {{lead.first_name}}\n\n<p>Hi</p>'),
    ('$small_campaign', '$small_company', 'Bench', E'Subject: Hello {{lead.first_name}}\n\n<p>Hi</p>');
INSERT INTO leads (company_id, name, email, company, job_title)
    SELECT '$big_company', 'Lead ' || g, 'lead.' || g || '@company' || (g % 5000) || '.example',
           'Company ' || (g % 5000), 'CTO'
    FROM generate_series(1, $leads) g;
INSERT INTO leads (company_id, name, email, company, job_title)
    SELECT '$small_company', 'Lead ' || g, 'lead.' || g || '@company' || (g % 500) || '.example',
           'Company ' || (g % 500), 'CTO'
    FROM generate_series(1, $sample) g;
INSERT INTO do_not_email (email, reason, company_id)
    SELECT 'former.' || g || '@elsewhere.example', 'unsubscribed',
           CASE WHEN g % 2 = 0 THEN '$big_company'::uuid END
    FROM generate_series(1, 10000) g;
VACUUM ANALYZE;
-- No autovacuum of the queue in the middle of one side's measurement.
ALTER TABLE email_queue SET (autovacuum_enabled = false);
SQL

# CPU seconds the cluster has used so far: the postmaster with the children it has
# reaped (finished backends), plus the children still running.
ticks_per_second=$(getconf CLK_TCK)
cluster_cpu() {
    local pm total t
    pm=$(head -n 1 "$pgdir/data/postmaster.pid")
    total=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
    for child in $(pgrep -P "$pm"); do
        t=$(awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || echo 0)
        total=$((total + t))
    done
    echo "scale=2; $total / $ticks_per_second" | bc
}
# Waits until the benchmark's backends have ended and been reaped, so that their CPU
# time is in the postmaster's.
settle() {
    local i
    for i in $(seq 1 50); do
        [ "$(psql -At -c "SELECT count(*) FROM pg_stat_activity
                          WHERE datname = 'bench' AND pid <> pg_backend_pid()")" = 0 ] && break
        sleep 0.1
    done
    sleep 0.5
}

reset_queue() {
    psql -c "TRUNCATE email_queue" -c "VACUUM ANALYZE email_queue" -c "CHECKPOINT"
}
new_run() {
    psql -At -c "INSERT INTO campaign_runs (campaign_id) VALUES ('$1') RETURNING id" | head -n 1
}
queued_rows() {
    psql -At -c "SELECT count(*) FROM email_queue WHERE campaign_run_id = '$1'"
}
expect_rows() {  # RUN EXPECTED WHAT
    local n
    n=$(queued_rows "$1")
    if [ "$n" != "$2" ]; then
        echo "bench: $3 queued $n rows, expected $2" >&2
        exit 1
    fi
}

# Runs the command; writes "WALL CPU" to $work/result: its wall-clock seconds and the
# cluster's CPU seconds meanwhile.
measure() {  # COMMAND...
    local t0 c0 s
    settle
    c0=$(cluster_cpu)
    t0=$(now)
    "$@"
    s=$(since "$t0")
    settle
    echo "$s $(echo "$(cluster_cpu) - $c0" | bc)" >"$work/result"
}

# The bare INSERT ... SELECT of the company's leads into a new run.
time_bare() {  # COMPANY CAMPAIGN EXPECTED
    reset_queue
    local run
    run=$(new_run "$2")
    measure psql -c "INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id,
                                              priority, scheduled_for)
                     SELECT l.company_id, '$2', '$run', l.id, 1, now() FROM leads l
                     WHERE l.company_id = '$1' AND l.deleted_at IS NULL
                       AND l.email IS NOT NULL"
    expect_rows "$run" "$3" "the bare INSERT ... SELECT"
}

# queue-enqueue --run of a new run; its peak RSS (kB) goes to $work/rss.
enqueue() {  # RUN
    /usr/bin/time -f %M -o "$work/rss" "$bin/queue-enqueue" --run "$1" --json >"$work/out"
}
time_enqueue() {  # CAMPAIGN EXPECTED
    reset_queue
    local run
    run=$(new_run "$1")
    measure enqueue "$run"
    expect_rows "$run" "$2" "queue-enqueue"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fmt_s() { printf "%.2f" "$1"; }
rate() { echo "$1 / $2" | bc; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
bare_times=""
enqueue_times=""
bare_cpus=""
enqueue_cpus=""
peak_rss=0
for round in $(seq 1 "$rounds"); do
    echo "bench: round $round of $rounds" >&2
    if [ $((round % 2)) = 1 ]; then
        time_bare "$big_company" "$big_campaign" "$leads"
        read -r b bcpu <"$work/result"
        time_enqueue "$big_campaign" "$leads"
        read -r e ecpu <"$work/result"
    else
        time_enqueue "$big_campaign" "$leads"
        read -r e ecpu <"$work/result"
        time_bare "$big_company" "$big_campaign" "$leads"
        read -r b bcpu <"$work/result"
    fi
    rss=$(cat "$work/rss")
    [ "$rss" -gt "$peak_rss" ] && peak_rss=$rss
    echo "bench:   bare $(fmt_s "$b") s (CPU $bcpu s), queue-enqueue $(fmt_s "$e") s" \
         "(CPU $ecpu s), peak RSS $rss kB" >&2
    bare_times="$bare_times $b"
    enqueue_times="$enqueue_times $e"
    bare_cpus="$bare_cpus $bcpu"
    enqueue_cpus="$enqueue_cpus $ecpu"
done
bare_median=$(echo "$bare_times" | median)
enqueue_median=$(echo "$enqueue_times" | median)
ratio=$(echo "scale=3; $enqueue_median / $bare_median" | bc)
bare_cpu=$(echo "$bare_cpus" | median)
enqueue_cpu=$(echo "$enqueue_cpus" | median)
cpu_ratio=$(echo "scale=3; $enqueue_cpu / $bare_cpu" | bc)

echo "bench: the $sample-lead sample" >&2
reset_queue
per_row_run=$(new_run "$small_campaign")
per_row_out=$("$bin/bench_enqueue_per_row" "$DATABASE_URL" "$per_row_run")
per_row=$(echo "$per_row_out" | awk '{print $4}')
expect_rows "$per_row_run" "$sample" "the per-row inserts"
time_bare "$small_company" "$small_campaign" "$sample"
read -r sample_bare _ <"$work/result"
time_enqueue "$small_campaign" "$sample"
read -r sample_enqueue _ <"$work/result"
sample_rss=$(cat "$work/rss")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
pgversion=$("$pgbin/postgres" --version | awk '{print $3}')
{
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs ($cpu), $mem RAM, $(. /etc/os-release; echo "$PRETTY_NAME"),"
    echo "PostgreSQL $pgversion (test/support/pg-cluster.sh settings: fsync off, shared_buffers 128MB);"
    echo "load average $load_before before, $load_after after. Command: \`make bench-enqueue\`."
    echo
    echo "| what | rows | wall time | rows/s | PostgreSQL CPU |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    echo "| bare \`INSERT ... SELECT\` (median of $rounds) | $leads | $(fmt_s "$bare_median") s | $(rate "$leads" "$bare_median") | $(fmt_s "$bare_cpu") s |"
    echo "| \`queue-enqueue --run\` (median of $rounds) | $leads | $(fmt_s "$enqueue_median") s | $(rate "$leads" "$enqueue_median") | $(fmt_s "$enqueue_cpu") s |"
    echo "| **ratio** queue-enqueue / bare (goal <= 1.15) | | **$ratio** | | **$cpu_ratio** |"
    echo "| per-row \`add_email_to_queue\`, the seed's way | $sample | $(fmt_s "$per_row") s | $(rate "$sample" "$per_row") | |"
    echo "| bare \`INSERT ... SELECT\` | $sample | $(fmt_s "$sample_bare") s | $(rate "$sample" "$sample_bare") | |"
    echo "| \`queue-enqueue --run\` | $sample | $(fmt_s "$sample_enqueue") s | $(rate "$sample" "$sample_enqueue") | |"
    echo
    echo "Peak RSS of queue-enqueue (goal < 20 MB): $(mb "$peak_rss") MB for $leads leads,"
    echo "$(mb "$sample_rss") MB for $sample."
    echo
    echo "Every round, wall seconds: bare$bare_times; queue-enqueue$enqueue_times."
    echo "CPU seconds: bare$bare_cpus; queue-enqueue$enqueue_cpus."
} | tee "$report"
