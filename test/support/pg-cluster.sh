#!/bin/bash
# pg-cluster.sh start DIR BIN_DIR | stop DIR | restart DIR | remove DIR
#
# A private, throwaway PostgreSQL for the tests: initdb into DIR/data, listen on a free
# port of 127.0.0.1, trust authentication, fsync off. As root the server runs as the
# unprivileged 'postgres' user (initdb refuses root). `start` also creates the template
# database eq_template with every migration applied by BIN_DIR/queue-admin, and writes
# DIR/env (PGHOST, PGPORT, PGUSER, PGDATABASE) for the tests to read.
# `stop` stops the server at once (immediate shutdown, as in a crash); `restart` starts it
# again on the same port (a running one is stopped immediately first); `remove` stops it
# and deletes its data. The shared test cluster is only ever started and stopped: tests
# that restart a server run a cluster of their own (test/support/private_cluster.hpp).
set -eu

cmd=${1:?usage: pg-cluster.sh start DIR BIN_DIR | stop DIR}
dir=${2:?missing DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    echo "pg-cluster: no PostgreSQL server found under /usr/lib/postgresql" >&2
    echo "hint: apt-get install postgresql" >&2
    exit 1
fi

as_server() {
    if [ "$(id -u)" = 0 ]; then
        # From /: the caller's folder may be closed to the server user.
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

data=$dir/data
# The server is always given the real path: a link under a folder closed to the server
# user (e.g. /root) would not be followed.
real_data() { readlink -f "$data"; }

stop_cluster() {
    if [ -f "$data/postmaster.pid" ]; then
        as_server "$pgbin/pg_ctl" -D "$(real_data)" -m immediate -w stop >/dev/null 2>&1 || true
    fi
}

case $cmd in
stop)
    stop_cluster
    exit 0
    ;;
restart)
    # pg_ctl restart reuses the options the server was started with (postmaster.opts),
    # and starts a stopped server too.
    as_server "$pgbin/pg_ctl" -D "$(real_data)" -l "$(real_data)/server.log" -m immediate \
        -w -t 60 restart >/dev/null
    exit 0
    ;;
remove)
    stop_cluster
    if [ -L "$data" ]; then
        rm -rf "$(readlink "$data")"
    fi
    rm -rf "$data"
    exit 0
    ;;
start) ;;
*)
    echo "pg-cluster: unknown command '$cmd'" >&2
    exit 64
    ;;
esac

bindir=${3:?missing BIN_DIR}
stop_cluster
# A data folder under a path the server user cannot reach (e.g. /root) lives in /tmp,
# linked from DIR.
if [ -L "$data" ]; then
    rm -rf "$(readlink "$data")"
fi
rm -rf "$data"
if [ "$(id -u)" = 0 ]; then
    if (cd / && runuser -u postgres -- test -x "$dir") 2>/dev/null; then
        mkdir -p "$data" && chown postgres "$data"
    else
        real=$(mktemp -d /tmp/emailqueue-pg.XXXXXX)
        chown postgres "$real"
        ln -s "$real" "$data"
    fi
else
    mkdir -p "$data"
fi
pgdata=$(real_data)

as_server "$pgbin/initdb" -D "$pgdata" -U emailqueue --auth=trust -E UTF8 --no-locale \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

# A free port: not answering on loopback now. A collision with a port taken in the
# meantime makes pg_ctl fail, and the next candidate is tried. Drawn from 10000-19959:
# below the kernel's ephemeral range (so no outgoing connection holds it while a test
# restarts the server) and below the test SMTP and HTTP servers' ports (the 12,000 just
# under that range, test/support/process.cpp).
start=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 9960 + 10000 ))
port=""
for p in $(seq "$start" $((start + 40))); do
    if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
        continue
    fi
    if as_server "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
        -o "-p $p -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
            -c shared_buffers=128MB -c log_min_messages=warning" start >/dev/null 2>&1; then
        port=$p
        break
    fi
done
if [ -z "$port" ]; then
    echo "pg-cluster: could not start PostgreSQL on a free port; see $data/server.log" >&2
    cat "$data/server.log" >&2 || true
    exit 1
fi

export PGHOST=127.0.0.1 PGPORT=$port PGUSER=emailqueue
cat >"$dir/env" <<ENV
PGHOST=127.0.0.1
PGPORT=$port
PGUSER=emailqueue
PGDATABASE=eq_template
ENV

"$pgbin/createdb" -h 127.0.0.1 -p "$port" -U emailqueue eq_template
DATABASE_URL="postgresql://emailqueue@127.0.0.1:$port/eq_template" \
    "$bindir/queue-admin" db migrate
echo "pg-cluster: PostgreSQL listening on 127.0.0.1:$port (data in $data)"
