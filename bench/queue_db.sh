# bench/queue_db.sh: what the queue-process benchmarks share, sourced after
# bench/common.sh and start_bench_cluster. Defines free_port, wait_port, start_sink (an
# smtp-sink on loopback, its pid in pids), new_db (a database of companies with due rows)
# and config (a configuration file), and exports the encryption secrets the rows' account
# passwords need.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

export ENCRYPTION_KEY=bench-key ENCRYPTION_SALT=bench-salt EMAILQUEUE_CONFIG=""
token=$(/usr/bin/python3 - <<'PY'
import base64, os
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=os.environ["ENCRYPTION_SALT"].encode(), iterations=100000)
key = base64.urlsafe_b64encode(kdf.derive(os.environ["ENCRYPTION_KEY"].encode()))
print(Fernet(key).encrypt(b"bench-password").decode())
PY
)

sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
start_sink() {  # start_sink PORT [extra flags]
    local port=$1; shift
    /usr/sbin/smtp-sink -a "${sink_user[@]}" "$@" "127.0.0.1:$port" 1000 >"$work/sink-$port.log" 2>&1 &
    pids+=($!)
    wait_port "$port"
}

# A database with the given companies, each with one running campaign run of N due rows.
# new_db NAME COMPANIES ROWS_PER_COMPANY PROVIDER [TEMPLATE]
new_db() {
    local db=$1 n=$2 per=$3 provider=$4 template=${5:-eq_template}
    "$pgbin/createdb" -T "$template" "$db"
    psql -d "$db" <<SQL
INSERT INTO companies (name, account_email, account_password, account_type)
    SELECT 'Company ' || g, 'sender@c' || g || '.example', '$token', '$provider'
    FROM generate_series(1, $n) g;
INSERT INTO email_throttle_settings (company_id, max_emails_per_hour, max_emails_per_day)
    SELECT id, 1000000, 1000000 FROM companies;
INSERT INTO campaigns (company_id, name, template)
    SELECT id, 'Bench', E'Subject: Hello {{lead.first_name}}\n\n<html><body><p>Hi {{lead.name}},</p>'
        || repeat('<p>We help teams like {{lead.company}} ship outreach that respects every limit.</p>', 12)
        || '</body></html>'
    FROM companies;
INSERT INTO campaign_runs (campaign_id, status) SELECT id, 'running' FROM campaigns;
INSERT INTO leads (company_id, name, email, company, job_title)
    SELECT c.id, 'Lead ' || g, 'lead' || g || '@' || split_part(c.account_email, '@', 2),
           'Globex', 'CTO'
    FROM companies c, generate_series(1, $per) g;
INSERT INTO email_queue (company_id, campaign_id, campaign_run_id, lead_id)
    SELECT l.company_id, ca.id, r.id, l.id
    FROM leads l JOIN campaigns ca ON ca.company_id = l.company_id
    JOIN campaign_runs r ON r.campaign_id = ca.id;
-- Statistics for the tables filled here. email_logs and email_log_details start empty and
-- are left to autovacuum, as on a live database: analyzed while empty, they would make
-- PostgreSQL check each new log's foreign key by scanning email_logs until autovacuum
-- analyzes it again (docs/benchmarks.md measures that case apart).
ANALYZE companies, email_throttle_settings, campaigns, campaign_runs, leads, email_queue;
SQL
}

config() {  # config FILE PROVIDER PORT BATCH_CAP
    cat >"$1" <<YAML
smtp:
  providers:
    $2:
      host: 127.0.0.1
      port: $3
      security: none
processing:
  batch_cap: $4
YAML
}
