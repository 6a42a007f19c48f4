#!/bin/bash
# etc/demo/demo.sh BUILD_DIR: the five-minute tour behind `make demo`.
#
# Starts a private PostgreSQL (BUILD_DIR/demo-pg) and Postfix's smtp-sink on loopback,
# keeping every message it receives as a file under BUILD_DIR/demo/mail; applies the
# migrations; seeds a company (its password stored as the web application stores it: a
# Fernet token), a campaign and 50 leads (three with bad addresses, one suppressed);
# fans the campaign out with queue-enqueue; runs queue-process several times with a
# small batch cap and an hourly limit of 12, so the throttle shows; then prints the
# queue status and where the delivered messages are. Both servers are stopped at the
# end; running it again starts from scratch.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
bin=$build/bin
demo=$build/demo
pgdir=$build/demo-pg
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -t 1 ] || say() { printf '\n== %s\n' "$*"; }

sink_pid=""
spool=""
cleanup() {
    if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || true; fi
    bash "$root/test/support/pg-cluster.sh" stop "$pgdir" >/dev/null 2>&1 || true
    if [ -n "$spool" ]; then rm -rf "$spool"; fi
}
trap cleanup EXIT

say "starting a private PostgreSQL and an SMTP server that keeps every message"
bash "$root/test/support/pg-cluster.sh" start "$pgdir" "$bin" >/dev/null
set -a
. "$pgdir/env"
set +a
"$pgbin/createdb" demo
export PGDATABASE=demo
export DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/demo"
export EMAILQUEUE_CONFIG=$demo/emailqueue.yaml
export ENCRYPTION_KEY=demo-encryption-key ENCRYPTION_SALT=demo-salt

rm -rf "$demo"
mkdir -p "$demo/mail"
# As root, smtp-sink runs as 'nobody', which may not reach the build folder (under /root,
# say): it writes into a folder of its own under /tmp, copied to $demo/mail at the end.
spool=$(mktemp -d "${TMPDIR:-/tmp}/emailqueue-demo-mail.XXXXXX")
user=()
if [ "$(id -u)" = 0 ]; then
    chown nobody "$spool"
    user=(-u nobody)
fi
# A port below the kernel's ephemeral range, which no outgoing connection takes; another
# port is tried if something else binds it first.
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range
lowest=$(( ephemeral_low - 12000 > 1025 ? ephemeral_low - 12000 : 1025 ))
for _ in 1 2 3 4 5; do
    port=$(( lowest + RANDOM % (ephemeral_low - lowest) ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue  # in use
    /usr/sbin/smtp-sink -a "${user[@]}" -d "$spool/%Y%m%d%H%M%S." "127.0.0.1:$port" 100 \
        >"$demo/smtp-sink.log" 2>&1 &
    sink_pid=$!
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        kill -0 "$sink_pid" 2>/dev/null || break
        sleep 0.1
    done
    sleep 0.2 # a sink that could not bind says so at once
    grep -qi 'address already in use' "$demo/smtp-sink.log" || break
    kill "$sink_pid" 2>/dev/null || true
    sink_pid=""
done
if [ -z "$sink_pid" ] || ! kill -0 "$sink_pid" 2>/dev/null; then
    echo "demo: smtp-sink did not start:" >&2
    cat "$demo/smtp-sink.log" >&2
    exit 1
fi
echo "PostgreSQL on 127.0.0.1:$PGPORT, smtp-sink on 127.0.0.1:$port"

cat >"$EMAILQUEUE_CONFIG" <<YAML
# The demo's configuration: one local SMTP server as the provider "demo".
smtp:
  providers:
    demo:
      host: 127.0.0.1
      port: $port
      security: none
tracking:
  base_url: https://app.example.com
processing:
  batch_cap: 5
YAML

say "queue-admin db migrate"
"$bin/queue-admin" db migrate
"$bin/queue-admin" db status

say "seeding a company, a campaign and 50 leads (as the web application would)"
token=$(/usr/bin/python3 - <<'PY'
import base64, os
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32,
                 salt=os.environ["ENCRYPTION_SALT"].encode(), iterations=100000)
key = base64.urlsafe_b64encode(kdf.derive(os.environ["ENCRYPTION_KEY"].encode()))
print(Fernet(key).encrypt(b"demo-mailbox-password").decode())
PY
)
"$pgbin/psql" -X -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO companies (id, name, account_email, account_password, account_type) VALUES
    ('d0000000-0000-4000-8000-000000000001', 'Northwind Traders',
     'jane.smith@northwind.example', '$token', 'demo');
INSERT INTO email_throttle_settings (company_id, max_emails_per_hour, max_emails_per_day)
    VALUES ('d0000000-0000-4000-8000-000000000001', 12, 100);
INSERT INTO campaigns (id, company_id, name, type, template) VALUES
    ('d0000000-0000-4000-8000-000000000002', 'd0000000-0000-4000-8000-000000000001',
     'Spring outreach', 'email',
     E'Subject: A quick idea for {{lead.company}}, {{lead.first_name}}\n\n'
     '<html><body><p>Hi {{lead.first_name}},</p>'
     '<p>As {{lead.job_title}} at {{lead.company}}, you may like what {{company.name}} does.</p>'
     '<p>Best regards,<br>Jane</p></body></html>');
INSERT INTO leads (company_id, name, email, company, job_title)
    SELECT 'd0000000-0000-4000-8000-000000000001', 'Lead Number' || g,
           'lead' || g || '@customer' || (g % 7) || '.example', 'Customer ' || (g % 7), 'CTO'
    FROM generate_series(1, 46) g;
INSERT INTO leads (company_id, name, email, company, job_title) VALUES
    ('d0000000-0000-4000-8000-000000000001', 'No At Sign', 'not-an-address', 'Oddities', 'CEO'),
    ('d0000000-0000-4000-8000-000000000001', 'Two Ats', 'two@@at.example', 'Oddities', 'CFO'),
    ('d0000000-0000-4000-8000-000000000001', 'Has Space', 'has space@x.example', 'Oddities', 'COO'),
    ('d0000000-0000-4000-8000-000000000001', 'Opted Out', 'opted.out@customer1.example', 'Customer 1', 'VP');
INSERT INTO do_not_email (email, reason) VALUES ('opted.out@customer1.example', 'unsubscribed');
SQL
echo "company Northwind Traders: 12 emails an hour, 100 a day; 50 leads"

say "queue-enqueue --campaign d0000000-0000-4000-8000-000000000002"
summary=$("$bin/queue-enqueue" --campaign d0000000-0000-4000-8000-000000000002 --json)
field() { sed -E "s/.*\"$1\": ?(\"[^\"]*\"|[0-9]+).*/\1/" <<<"$summary" | tr -d '"'; }
run=$(field run_id)
echo "campaign run $run: $(field queued) queued, $(field skipped_invalid_address) skipped for" \
    "an invalid address, $(field skipped_suppressed) suppressed"

say "queue-process, four times (batch cap 5, hourly limit 12)"
for i in 1 2 3 4; do
    summary=$("$bin/queue-process" --json)
    echo "run $i: $(field sent) sent, $(field failed) failed, $(field skipped) skipped"
done

say "queue-admin status"
"$bin/queue-admin" status
say "queue-admin run show $run"
"$bin/queue-admin" run show "$run"

row=$("$pgbin/psql" -X -tA -c "SELECT id FROM email_queue WHERE status = 'pending'
    ORDER BY priority DESC, created_at, id LIMIT 1")
say "queue-admin explain $row (why a row still waits)"
"$bin/queue-admin" explain "$row"

if ! kill -0 "$sink_pid" 2>/dev/null; then
    echo "demo: smtp-sink stopped early:" >&2
    cat "$demo/smtp-sink.log" >&2
    exit 1
fi
find "$spool" -type f -exec cp {} "$demo/mail/" \;
count=$(find "$demo/mail" -type f | wc -l)
first=$(find "$demo/mail" -type f | sort | head -n 1)
say "$count messages delivered to $demo/mail"
echo "read one: less $first"
echo "the next hour's budget sends the rest"
