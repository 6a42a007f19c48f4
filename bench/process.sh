#!/bin/bash
# bench/process.sh BUILD_DIR [ROWS] [COMPANIES] [HISTORY]
#
# The queue-process benchmarks (results in docs/benchmarks.md), on a private PostgreSQL
# of their own (test/support/pg-cluster.sh under BUILD_DIR/bench-pg, stopped at the end):
#   1. Throughput: one company, ROWS due rows (default 20,000), limits and batch cap
#      raised, Postfix's smtp-sink on loopback. Messages per second of one queue-process
#      invocation, against smtp-source sending the same number of messages of the same
#      size over one reused connection (-d) to the same sink, in the same run (right
#      before and right after queue-process; the rate over both runs).
#      Goal: at least 0.3 of smtp-source's rate.
#   2. Many slow servers: COMPANIES companies (default 1,000) with 10 due rows each, an
#      aiosmtpd server answering every DATA after 0.2 s. Wall time of one invocation
#      (one after another that would be over 2,000 s). Goal: under 60 s.
#   3. History: the same per-invocation work (100 companies x 10 due rows, smtp-sink)
#      with 10,000 and with HISTORY (default 10,000,000) finished rows in email_queue,
#      median of 3 invocations each, and the plans of the hot statements at the larger
#      size. Goal: within 1.5x.
#   4. Peak resident memory of queue-process in each (/usr/bin/time). Goal: under 64 MB.
# Prints a Markdown report and writes it to BUILD_DIR/bench/process.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rows=${2:-20000}
companies=${3:-1000}
history=${4:-10000000}
report=$build/bench/process.md
. "$root/bench/common.sh"
need bench-process "$bin/queue-process" "$bin/queue-admin" /usr/sbin/smtp-sink \
    /usr/sbin/smtp-source /usr/bin/time /usr/bin/python3 bc
start_bench_cluster
. "$root/bench/queue_db.sh"

# run_process DB CONFIG -> prints "seconds peak_kb"
run_process() {
    local db=$1 cfg=$2 start elapsed
    start=$(now)
    DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/$db" \
        /usr/bin/time -f "%M" -o "$work/rss" "$bin/queue-process" --config "$cfg" >"$work/out" 2>&1 \
        || { cat "$work/out" >&2; exit 1; }
    elapsed=$(since "$start")
    echo "$elapsed $(cat "$work/rss")"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb() { echo "scale=1; $1 / 1024" | bc; }

# --- 1. throughput ----------------------------------------------------------------------
echo "bench: 1. throughput, $rows rows" >&2
sink_port=$(free_port)
start_sink "$sink_port"
new_db throughput 1 "$rows" sink
config "$work/sink.yaml" sink "$sink_port" "$rows"
# The size of the messages queue-process sends, from a sample caught by a dumping sink.
sample_port=$(free_port)
mkdir -p "$work/sample" && chmod 777 "$work/sample"
start_sink "$sample_port" -d "$work/sample/%M."
new_db sample 1 5 sink
config "$work/sample.yaml" sink "$sample_port" 5
run_process sample "$work/sample.yaml" >/dev/null
sleep 0.5
msg_size=$(cat "$work"/sample/* | wc -c)
msg_size=$(( msg_size / 5 ))
# smtp-source runs right before and right after queue-process, and its rate is taken
# over both runs, so a change in the machine's speed during the run weighs on both sides.
source_run() {
    local start
    start=$(now)
    /usr/sbin/smtp-source -s 1 -m "$rows" -l "$msg_size" -d -f sender@c1.example \
        -t lead@c1.example "127.0.0.1:$sink_port" >/dev/null 2>&1
    since "$start"
}
src_before=$(source_run)
read -r qp_s qp_kb < <(run_process throughput "$work/sink.yaml")
src_after=$(source_run)
sent=$(psql -d throughput -tAc "SELECT count(*) FROM email_queue WHERE status = 'sent'")
qp_rate=$(echo "scale=1; $sent / $qp_s" | bc)
src_rate=$(echo "scale=1; 2 * $rows / ($src_before + $src_after)" | bc)
src_rates="$(echo "scale=1; $rows / $src_before" | bc) and $(echo "scale=1; $rows / $src_after" | bc)"
ratio=$(echo "scale=2; $qp_rate / $src_rate" | bc)
echo "bench:    queue-process $qp_rate msg/s, smtp-source $src_rate msg/s ($src_rates): ratio $ratio" >&2

# --- 2. many slow servers ---------------------------------------------------------------
echo "bench: 2. $companies companies x 10 rows, DATA answered after 0.2 s" >&2
slow_port=$(free_port)
/usr/bin/python3 "$root/test/support/smtp_server.py" --port "$slow_port" --data-delay 0.2 \
    --auth-user sender@bench.example --auth-password bench-password >"$work/slow.log" 2>&1 &
pids+=($!)
wait_port "$slow_port"
new_db slow "$companies" 10 slow
# aiosmtpd offers AUTH and checks one account: every company logs in as it.
psql -d slow -c "UPDATE companies SET account_email = 'sender@bench.example'"
config "$work/slow.yaml" slow "$slow_port" 10
read -r slow_s slow_kb < <(run_process slow "$work/slow.yaml")
slow_sent=$(psql -d slow -tAc "SELECT count(*) FROM email_queue WHERE status = 'sent'")
sequential=$(echo "$slow_sent * 0.2" | bc)
echo "bench:    $slow_sent messages in $slow_s s" >&2

# --- 3. history -------------------------------------------------------------------------
# add_history DB N: N finished rows over 90 days for 100 other companies (distinct run
# and lead per row, as the uniqueness of (run, lead) demands).
add_history() {
    local db=$1 n=$2 runs leads
    runs=$(( (n + 99999) / 100000 ))   # per company
    leads=1000
    psql -d "$db" <<SQL
INSERT INTO companies (name, account_email, account_password, account_type)
    SELECT 'Old ' || g, 'old@o' || g || '.example', '$token', 'sink' FROM generate_series(1, 100) g;
INSERT INTO campaigns (company_id, name, template)
    SELECT id, 'Old', E'Subject: x\n\n<p>x</p>' FROM companies WHERE name LIKE 'Old %';
INSERT INTO campaign_runs (campaign_id, status)
    SELECT ca.id, 'completed' FROM campaigns ca, generate_series(1, $runs) WHERE ca.name = 'Old';
INSERT INTO leads (company_id, name, email)
    SELECT c.id, 'Old ' || g, 'old' || g || '@' || split_part(c.account_email, '@', 2)
    FROM companies c, generate_series(1, $leads) g WHERE c.name LIKE 'Old %';
INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id, status, created_at,
                         scheduled_for, processed_at, sent_message_id)
    SELECT l.company_id, ca.id, r.id, l.id,
           (ARRAY['sent','sent','sent','sent','sent','sent','failed','skipped'])[1 + floor(random() * 8)::int],
           t, t, t + interval '1 minute', '<h' || r.id || l.id || '@old.example>'
    FROM campaigns ca
    JOIN campaign_runs r ON r.campaign_id = ca.id
    JOIN leads l ON l.company_id = ca.company_id,
    LATERAL (SELECT now() - random() * interval '90 days' AS t) t
    WHERE ca.name = 'Old'
    LIMIT $n;
VACUUM ANALYZE;
SQL
}
echo "bench: 3. history: 10,000 and $history finished rows" >&2
declare -A hist_s hist_kb
n_history=0
for size in 10000 "$history"; do
    times=()
    n_history=$((n_history + 1))
    db="history_$n_history"
    new_db "$db" 100 10 sink
    add_history "$db" "$size"
    for round in 1 2 3; do
        read -r s kb < <(run_process "$db" "$work/sink.yaml")
        times+=("$s")
        hist_kb[$size]=$kb
        # Put the 1,000 rows back as they were for the next round.
        psql -d "$db" <<'SQL'
DELETE FROM email_log_details WHERE email_logs_id IN
    (SELECT sent_email_log_id FROM email_queue q JOIN companies c ON c.id = q.company_id
     WHERE c.name LIKE 'Company %');
DELETE FROM email_logs WHERE id IN
    (SELECT sent_email_log_id FROM email_queue q JOIN companies c ON c.id = q.company_id
     WHERE c.name LIKE 'Company %');
UPDATE email_queue q SET status = 'pending', processed_at = NULL, claimed_by = NULL,
    claimed_at = NULL, lease_until = NULL, send_started_at = NULL, last_attempt_at = NULL,
    sent_message_id = NULL, sent_email_log_id = NULL
FROM companies c WHERE c.id = q.company_id AND c.name LIKE 'Company %';
UPDATE campaign_runs SET status = 'running', leads_processed = 0
WHERE campaign_id IN (SELECT ca.id FROM campaigns ca JOIN companies c ON c.id = ca.company_id
                      WHERE c.name LIKE 'Company %');
DELETE FROM email_queue_companies;
SQL
    done
    hist_s[$size]=$(printf '%s\n' "${times[@]}" | median)
    if [ "$size" = "$history" ]; then
        plans=$(psql -d "$db" <<'SQL'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT DISTINCT company_id FROM email_queue WHERE status = 'pending' AND scheduled_for <= now();
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT
 (SELECT count(*) FROM email_queue WHERE company_id = c.id AND status IN ('sent', 'held') AND processed_at >= now() - interval '1 hour') AS h,
 (SELECT count(*) FROM email_queue WHERE company_id = c.id AND status IN ('sent', 'held') AND processed_at >= now() - interval '24 hours') AS d,
 (SELECT count(*) FROM email_queue WHERE company_id = c.id AND status = 'processing') AS f
FROM (SELECT id FROM companies WHERE name = 'Old 1') c;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT q.id FROM email_queue q
WHERE q.company_id = (SELECT id FROM companies WHERE name = 'Company 1') AND q.status = 'pending' AND q.scheduled_for <= now()
  AND NOT EXISTS (SELECT 1 FROM email_queue_runs r WHERE r.campaign_run_id = q.campaign_run_id AND r.control <> 'active')
ORDER BY q.priority DESC, q.created_at, q.id LIMIT 10 FOR UPDATE OF q SKIP LOCKED;
SQL
)
        total=$(psql -d "$db" -tAc "SELECT count(*) FROM email_queue")
    fi
done
hist_ratio=$(echo "scale=2; ${hist_s[$history]} / ${hist_s[10000]}" | bc)

# What queue-process spends of its own on each message (rendering and building it).
build_us=$("$bin/bench_build_message" 20000 | awk '{print $6}')

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
pgv=$("$pgbin/postgres" --version)
{
cat <<MD
### queue-process ($(date -u +%Y-%m-%d), $(nproc) cores, ${cpu}, ${pgv})

Reproduce: \`make bench-process\` (or \`bash bench/process.sh build $rows $companies $history\`).

| benchmark | measured | goal |
| --- | --- | --- |
| 1. one company, $rows rows, smtp-sink | queue-process ${qp_rate} msg/s (${sent} in ${qp_s} s); smtp-source -s 1 -d ${src_rate} msg/s (${src_rates} before and after; ${msg_size}-byte messages); **ratio ${ratio}** | >= 0.3 |
| 2. $companies companies x 10 rows, DATA answered after 0.2 s | **${slow_s} s** for ${slow_sent} messages (one after another: ${sequential} s) | < 60 s |
| 3. per-invocation work, 100 companies x 10 rows, with 10,000 / ${total} rows of history | ${hist_s[10000]} s / ${hist_s[$history]} s (median of 3): **${hist_ratio}x** | <= 1.5x |
| 4. peak RSS of queue-process | 1: $(mb "$qp_kb") MB, 2: $(mb "$slow_kb") MB, 3: $(mb "${hist_kb[10000]}") / $(mb "${hist_kb[$history]}") MB | < 64 MB |

Rendering and building one message of benchmark 1 (\`bench_build_message\`, best of 5
rounds of 20,000): ${build_us} µs.

Plans of the hot statements with ${total} rows in \`email_queue\` (due companies, window
usage, claim):

\`\`\`
${plans}
\`\`\`
MD
} | tee "$report"
