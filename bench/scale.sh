#!/bin/bash
# bench/scale.sh BUILD_DIR [COMPANIES] [ROWS] [INVOCATIONS] [IDLE] [SMALL] [LARGE] [DELAY] [MANY]
#
# One cron tick at SaaS scale (results in docs/benchmarks.md), on a private PostgreSQL of
# its own (BUILD_DIR/bench-pg, with pg_stat_statements loaded) and Postfix's smtp-sink:
#   1. Tick: COMPANIES companies (default 10,000) with ROWS due rows each (default 5),
#      each allowed ROWS an hour, an smtp-sink that answers DATA after DELAY seconds
#      (default 1; smtp-sink takes whole seconds) and keeps every message, INVOCATIONS
#      queue-process invocations (default 4) started together, as that many hosts would.
#      Messages per second, PostgreSQL CPU milliseconds per message (every process of the
#      cluster, from /proc), the peak RSS of each invocation, the most database
#      connections open at once (pg_stat_activity, sampled every 0.5 s), the delivery
#      audit (bench/delivery_audit.py: the overlap suite's counts) and the companies over
#      a limit; then the statements that took PostgreSQL's time (pg_stat_statements).
#   2. Idle: IDLE companies (default 100,000), each with a running campaign run, one row
#      sent two hours ago and one pending for tomorrow: nothing is due. One invocation's
#      wall time and PostgreSQL CPU time.
#   3. Fair shares: one company with LARGE due rows (default 100,000) allowed 50 an hour,
#      and SMALL companies (default 1,000) with 5 due rows each; batch cap 50, the same
#      sink, INVOCATIONS invocations together: the small companies served in that one tick
#      and what the large one sent.
#   4. Many due companies: MANY companies (default 100,000; 0 skips it) with ROWS due rows
#      each, the same sink and INVOCATIONS invocations together, until every row is sent
#      (an invocation takes due companies until none is left). Messages sent, wall time
#      and messages per second, beside the rate of benchmark 1 with COMPANIES companies:
#      what grows with the number of due companies shows as a lower rate.
# With BENCH_BASE_BUILD set to the build folder of another revision (make bench-scale
# BENCH_BASE=REV builds one; or a folder with bin/queue-process, bin/queue-admin and that
# revision's sql/), each benchmark also runs that revision's queue-process on a database
# migrated by its own queue-admin, in the same run, for comparison.
# Prints a Markdown report and writes it to BUILD_DIR/bench/scale.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
companies=${2:-10000}
rows=${3:-5}
invocations=${4:-4}
idle=${5:-100000}
small=${6:-1000}
large=${7:-100000}
delay=${8:-1}
many=${9:-100000}
large_limit=50
base_build=${BENCH_BASE_BUILD:-}
report=$build/bench/scale.md
. "$root/bench/common.sh"
need bench-scale "$bin/queue-process" "$bin/queue-admin" /usr/sbin/smtp-sink /usr/bin/time \
    /usr/bin/python3 bc
start_bench_cluster
psql -d postgres -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
bash "$root/test/support/pg-cluster.sh" restart "$pgdir"
psql -d postgres -c "CREATE EXTENSION pg_stat_statements" \
    -c "ALTER SYSTEM SET pg_stat_statements.track_planning = on" -c "SELECT pg_reload_conf()"
. "$root/bench/queue_db.sh"

versions=(current)
declare -A bindir template
bindir[current]=$bin
template[current]=eq_template
if [ -n "$base_build" ]; then
    base_build=$(cd "$base_build" && pwd)
    versions+=(base)
    bindir[base]=$base_build/bin
    template[base]=base_template
    "$pgbin/createdb" base_template
    # Its own migrations: those of its source tree, or a sql/ folder beside its bin/.
    [ -d "$base_build/sql" ] && export EMAILQUEUE_SQL_DIR=$base_build/sql
    DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/base_template" \
        "$base_build/bin/queue-admin" db migrate >/dev/null
    unset EMAILQUEUE_SQL_DIR
fi

# start_invocations VERSION DB CONFIG N: N queue-process runs at once, their pids in qp.
start_invocations() {
    local version=$1 db=$2 cfg=$3 n=$4 i
    qp=()
    for i in $(seq "$n"); do
        DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/$db" \
            /usr/bin/time -f "%M" -o "$work/rss-$db-$i" "${bindir[$version]}/queue-process" \
            --config "$cfg" >"$work/out-$db-$i" 2>&1 &
        qp+=($!)
    done
}
wait_invocations() {
    local db=$1 i=0 p
    for p in "${qp[@]}"; do
        i=$((i + 1))
        wait "$p" || { echo "bench: invocation $i on $db failed:" >&2; cat "$work/out-$db-$i" >&2; exit 1; }
    done
}
# The peak RSS of each invocation on DB, in MB.
rss_list() { cat "$work"/rss-"$1"-* | awk '{ printf "%s%.1f", (NR > 1 ? " / " : ""), $1 / 1024 }'; }
# The most client connections to DB open at once, sampled every 0.5 s until killed.
sample_connections() {
    local db=$1 most=0 n
    while :; do
        n=$(psql -d postgres -tAc "SELECT count(*) FROM pg_stat_activity
                                   WHERE datname = '$db' AND backend_type = 'client backend'")
        [ "$n" -gt "$most" ] && most=$n && echo "$most" >"$work/connections-$db"
        sleep 0.5
    done
}
# The statements that took the most time (executing and planning) on DB
# (pg_stat_statements, since the last reset), per message when MESSAGES > 0: a Markdown
# table.
statements() {
    local db=$1 messages=$2
    echo "| calls | executing, ms | planning, ms | ms per message | rows | statement |"
    echo "| ---: | ---: | ---: | ---: | ---: | --- |"
    psql -d postgres -tA -F '|' -c "
        SELECT calls, round(total_exec_time::numeric, 0), round(total_plan_time::numeric, 0),
               round(((total_exec_time + total_plan_time) / greatest($messages, 1))::numeric, 4),
               rows,
               replace(left(regexp_replace(query, '\s+', ' ', 'g'), 110), '|', '/')
        FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$db')
        ORDER BY total_exec_time + total_plan_time DESC LIMIT 12" | sed 's/|/ | /g; s/^/| /; s/$/ |/'
}
reset_statements() { psql -d postgres -tAc "SELECT pg_stat_statements_reset()" >/dev/null; }
ms_per() { echo "scale=3; ($2 - $1) * 1000 / $tick / $3" | bc; }

# --- 1. tick ----------------------------------------------------------------------------
total=$((companies * rows))
declare -A tick_s tick_rate tick_cpu tick_rss tick_conn tick_audit tick_over tick_sent tick_statements
for version in "${versions[@]}"; do
    db=tick_$version
    echo "bench: 1. tick ($version): $companies companies x $rows rows, DATA after $delay s," \
        "$invocations invocations" >&2
    mail=$work/mail-$version
    mkdir -p "$mail" && chmod 777 "$mail"
    port=$(free_port)
    start_sink "$port" -w "$delay" -d "$mail/%H%M."
    new_db "$db" "$companies" "$rows" sink "${template[$version]}"
    psql -d "$db" -c "UPDATE email_throttle_settings SET max_emails_per_hour = $rows" \
        -c "VACUUM ANALYZE email_throttle_settings" -c CHECKPOINT
    config "$work/tick.yaml" sink "$port" "$rows"
    echo 0 >"$work/connections-$db"
    sample_connections "$db" &
    sampler=$!
    pids+=("$sampler")
    reset_statements
    pg0=$(cluster_ticks)
    start=$(now)
    start_invocations "$version" "$db" "$work/tick.yaml" "$invocations"
    wait_invocations "$db"
    elapsed=$(since "$start")
    kill "$sampler" 2>/dev/null || true
    sleep 0.5 # the runs' backends exit and are reaped
    pg1=$(cluster_ticks)
    sent=$(psql -d "$db" -tAc "SELECT count(*) FROM email_queue WHERE status = 'sent'")
    tick_s[$version]=$elapsed
    tick_sent[$version]=$sent
    tick_rate[$version]=$(echo "scale=1; $sent / $elapsed" | bc)
    tick_cpu[$version]=$(ms_per "$pg0" "$pg1" "$sent")
    tick_rss[$version]=$(rss_list "$db")
    tick_conn[$version]=$(cat "$work/connections-$db")
    tick_statements[$version]=$(statements "$db" "$sent")
    sleep 1 # the sink writes its last files
    psql -d "$db" -tA -F '|' -c "SELECT status, sent_message_id FROM email_queue" >"$work/rows-$db"
    tick_audit[$version]=$(/usr/bin/python3 "$root/bench/delivery_audit.py" "$mail" "$work/rows-$db")
    tick_over[$version]=$(psql -d "$db" -tAc "
        SELECT count(*) FROM email_throttle_settings s
        WHERE (SELECT count(*) FROM email_queue q WHERE q.company_id = s.company_id
                 AND q.status IN ('sent', 'held', 'processing')
                 AND q.processed_at >= now() - interval '1 hour') > s.max_emails_per_hour
           OR (SELECT count(*) FROM email_queue q WHERE q.company_id = s.company_id
                 AND q.status IN ('sent', 'held', 'processing')
                 AND q.processed_at >= now() - interval '24 hours') > s.max_emails_per_day")
    echo "bench:    $sent of $total in $elapsed s: ${tick_rate[$version]} msg/s," \
        "PostgreSQL ${tick_cpu[$version]} ms CPU per message; ${tick_audit[$version]}," \
        "over a limit ${tick_over[$version]}" >&2
    rm -rf "$mail"
    "$pgbin/dropdb" "$db"
done

# --- 2. idle ----------------------------------------------------------------------------
declare -A idle_s idle_cpu idle_statements
for version in "${versions[@]}"; do
    db=idle_$version
    echo "bench: 2. idle ($version): $idle companies, none due" >&2
    new_db "$db" "$idle" 2 sink "${template[$version]}"
    psql -d "$db" <<SQL
UPDATE email_queue SET scheduled_for = now() + interval '1 day';
UPDATE email_queue q SET status = 'sent', processed_at = now() - interval '2 hours',
       sent_message_id = '<' || q.id || '@idle.example>'
FROM leads l WHERE l.id = q.lead_id AND l.name = 'Lead 1';
VACUUM ANALYZE email_queue;
CHECKPOINT;
SQL
    config "$work/idle.yaml" sink "$(free_port)" 10
    # A first run as cron's previous tick would have made (connections, caches).
    start_invocations "$version" "$db" "$work/idle.yaml" 1
    wait_invocations "$db"
    reset_statements
    pg0=$(cluster_ticks)
    start=$(now)
    start_invocations "$version" "$db" "$work/idle.yaml" 1
    wait_invocations "$db"
    idle_s[$version]=$(since "$start")
    sleep 0.5
    pg1=$(cluster_ticks)
    idle_cpu[$version]=$(ms_per "$pg0" "$pg1" 1)
    idle_statements[$version]=$(statements "$db" 0)
    echo "bench:    ${idle_s[$version]} s, PostgreSQL ${idle_cpu[$version]} ms CPU" >&2
    "$pgbin/dropdb" "$db"
done

# --- 3. fair shares ---------------------------------------------------------------------
declare -A fair_s fair_small fair_large
fair_port=$(free_port)
start_sink "$fair_port" -w "$delay"
for version in "${versions[@]}"; do
    db=fair_$version
    echo "bench: 3. fair shares ($version): one company of $large rows, $small of 5" >&2
    new_db "$db" "$small" 5 sink "${template[$version]}"
    psql -d "$db" <<SQL
INSERT INTO companies (name, account_email, account_password, account_type)
    VALUES ('Large', 'sender@large.example', '$token', 'sink');
INSERT INTO email_throttle_settings (company_id, max_emails_per_hour, max_emails_per_day)
    SELECT id, $large_limit, 1000000 FROM companies WHERE name = 'Large';
INSERT INTO campaigns (company_id, name, template)
    SELECT id, 'Bench', E'Subject: Hello {{lead.first_name}}\n\n<p>Hi {{lead.name}}</p>'
    FROM companies WHERE name = 'Large';
INSERT INTO campaign_runs (campaign_id, status)
    SELECT ca.id, 'running' FROM campaigns ca JOIN companies c ON c.id = ca.company_id
    WHERE c.name = 'Large';
INSERT INTO leads (company_id, name, email)
    SELECT c.id, 'Lead ' || g, 'lead' || g || '@large.example'
    FROM companies c, generate_series(1, $large) g WHERE c.name = 'Large';
INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id)
    SELECT l.company_id, ca.id, r.id, l.id
    FROM leads l JOIN campaigns ca ON ca.company_id = l.company_id
    JOIN campaign_runs r ON r.campaign_id = ca.id
    JOIN companies c ON c.id = l.company_id WHERE c.name = 'Large';
VACUUM ANALYZE;
SQL
    config "$work/fair.yaml" sink "$fair_port" "$large_limit"
    start=$(now)
    start_invocations "$version" "$db" "$work/fair.yaml" "$invocations"
    wait_invocations "$db"
    fair_s[$version]=$(since "$start")
    fair_small[$version]=$(psql -d "$db" -tAc "
        SELECT count(DISTINCT q.company_id) FROM email_queue q JOIN companies c ON c.id = q.company_id
        WHERE c.name <> 'Large' AND q.status = 'sent'")
    small_rows=$(psql -d "$db" -tAc "
        SELECT count(*) FROM email_queue q JOIN companies c ON c.id = q.company_id
        WHERE c.name <> 'Large' AND q.status = 'sent'")
    fair_small[$version]="${fair_small[$version]} of $small (${small_rows} of $((small * 5)) rows)"
    fair_large[$version]=$(psql -d "$db" -tAc "
        SELECT count(*) FROM email_queue q JOIN companies c ON c.id = q.company_id
        WHERE c.name = 'Large' AND q.status = 'sent'")
    echo "bench:    ${fair_s[$version]} s: small companies served ${fair_small[$version]}," \
        "large sent ${fair_large[$version]}" >&2
    "$pgbin/dropdb" "$db"
done

# --- 4. many due companies -------------------------------------------------------------
declare -A many_s many_sent many_rate
if [ "$many" -gt 0 ]; then
    many_port=$(free_port)
    start_sink "$many_port" -w "$delay"
    for version in "${versions[@]}"; do
        db=many_$version
        echo "bench: 4. many due companies ($version): $many companies x $rows rows" >&2
        new_db "$db" "$many" "$rows" sink "${template[$version]}"
        psql -d "$db" -c "UPDATE email_throttle_settings SET max_emails_per_hour = $rows" \
            -c "VACUUM ANALYZE email_throttle_settings" -c CHECKPOINT
        config "$work/many.yaml" sink "$many_port" "$rows"
        start=$(now)
        start_invocations "$version" "$db" "$work/many.yaml" "$invocations"
        wait_invocations "$db"
        many_s[$version]=$(since "$start")
        many_sent[$version]=$(psql -d "$db" -tAc "SELECT count(*) FROM email_queue WHERE status = 'sent'")
        many_rate[$version]=$(echo "scale=1; ${many_sent[$version]} / ${many_s[$version]}" | bc)
        echo "bench:    ${many_sent[$version]} sent in ${many_s[$version]} s: ${many_rate[$version]} msg/s" >&2
        "$pgbin/dropdb" "$db"
    done
fi

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
pgv=$("$pgbin/postgres" --version)
label() { [ "$1" = current ] && echo "this revision" || echo "base ${BENCH_BASE_NAME:-$base_build}"; }
{
cat <<MD
### One tick at scale ($(date -u +%Y-%m-%d), $(nproc) cores, ${cpu}, ${pgv})

Reproduce: \`make bench-scale BENCH_SCALE_ARGS="$companies $rows $invocations $idle $small $large $delay $many"\`
(or \`bash bench/scale.sh build $companies $rows $invocations $idle $small $large $delay $many\`).

1. Tick: $companies companies x $rows due rows (each allowed $rows an hour), smtp-sink
answering DATA after $delay s, $invocations queue-process invocations started together.

| version | sent | wall | messages/s | PostgreSQL CPU per message | peak RSS per invocation | DB connections (most at once) | delivery audit | companies over a limit |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
MD
for version in "${versions[@]}"; do
    echo "| $(label "$version") | ${tick_sent[$version]} of $total | ${tick_s[$version]} s | **${tick_rate[$version]}** | **${tick_cpu[$version]} ms** | ${tick_rss[$version]} MB | ${tick_conn[$version]} | ${tick_audit[$version]} | ${tick_over[$version]} |"
done
cat <<MD

2. Idle: $idle companies, none due (each: a running run, a row sent two hours ago, one
pending for tomorrow); one invocation after a first one.

| version | wall | PostgreSQL CPU |
| --- | --- | --- |
MD
for version in "${versions[@]}"; do
    echo "| $(label "$version") | **${idle_s[$version]} s** | ${idle_cpu[$version]} ms |"
done
cat <<MD

3. Fair shares: one company with $large due rows allowed $large_limit an hour, $small companies
with 5 due rows each, batch cap $large_limit, $invocations invocations together, one tick.

| version | wall | small companies served | large company sent |
| --- | --- | --- | --- |
MD
for version in "${versions[@]}"; do
    echo "| $(label "$version") | ${fair_s[$version]} s | **${fair_small[$version]}** | ${fair_large[$version]} (limit $large_limit) |"
done
if [ "$many" -gt 0 ]; then
    cat <<MD

4. Many due companies: $many companies x $rows due rows, the same sink, $invocations
invocations together, until every row is sent; the rate beside benchmark 1's, with
$companies due companies.

| version | sent | wall | messages/s | benchmark 1's messages/s |
| --- | --- | --- | --- | --- |
MD
    for version in "${versions[@]}"; do
        echo "| $(label "$version") | ${many_sent[$version]} of $((many * rows)) | ${many_s[$version]} s | **${many_rate[$version]}** | ${tick_rate[$version]} |"
    done
fi
for version in "${versions[@]}"; do
    cat <<MD

Statements of the tick by time, $(label "$version") (pg_stat_statements: executing and planning;
executing includes waits for locks and for the CPU):

${tick_statements[$version]}

Statements of the idle run, $(label "$version"):

${idle_statements[$version]}
MD
done
} | tee "$report"
