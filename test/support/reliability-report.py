#!/usr/bin/python3
"""reliability-report.py BUILD_DIR DOC

Adds up the figures the reliability suites wrote (BUILD_DIR/reliability/<suite>/*.tsv,
"metric<TAB>value" lines, see test/support/figures.hpp) and replaces the table between
the figures markers of DOC (docs/reliability.md) with them. Metrics named max_* combine
by maximum, all others by sum. Fails when a suite wrote nothing or a row was lost.
"""

import datetime
import os
import platform
import sys

BEGIN = "<!-- figures:begin -->"
END = "<!-- figures:end -->"
SUITES = ["overlap", "crash", "dbfault", "smtpfault", "security", "badinput", "pooler"]

# The headline rows: label, then (suite, metric) pairs added up.
HEADLINES = [
    ("Processes overlapped at one instant (most)", [("overlap", "max_processes_overlapped")]),
    ("queue-process runs started while overlapping", [("overlap", "processes_started")]),
    ("Rows processed under faults", [(s, "rows") for s in SUITES]),
    ("Duplicates found (by Message-ID and by recipient)",
     [(s, "duplicates_found") for s in SUITES]),
    ("Limit violations seen while sending",
     [("overlap", "limit_violations"), ("pooler", "limit_violations")]),
    ("Kills survived at named fault points", [("crash", "kills_at_point")]),
    ("Kills survived at random instants", [("crash", "random_kills")]),
    ("Rows held as unknown outcome (all inside the window)",
     [(s, "held_in_window") for s in SUITES]),
    ("Kills during a paced company's gap between sends", [("crash", "kills_in_pacing_gap")]),
    ("Crash during pacing gap: delivered rows held",
     [("crash", "delivered_held_after_pacing_kill")]),
    ("Runs stopped past their lease while a row was marked ahead",
     [("crash", "runs_stopped_past_lease")]),
    ("Rows sent by a run after another run recovered them",
     [("crash", "sent_after_recovery")]),
    ("Database connections terminated mid-batch", [("dbfault", "faults_connection_terminated")]),
    ("Database server restarts mid-run", [("dbfault", "faults_server_restarted")]),
    ("Database server down at start", [("dbfault", "faults_server_down_at_start")]),
    ("Commit failures of a send-started mark injected",
     [("dbfault", "commit_failures_injected")]),
    ("Sends after an uncommitted mark", [("dbfault", "sends_after_uncommitted_mark")]),
    ("SMTP faults injected", [("smtpfault", "smtp_faults_injected")]),
    ("Poison messages: companies that kept sending", [("smtpfault", "poison_companies_kept_sending")]),
    ("TLS refusals injected", [("smtpfault", "tls_faults_injected")]),
    ("Runs whose output was scanned for secrets", [("security", "secret_scan_runs")]),
    ("Secrets found in output", [("security", "secrets_found")]),
    ("SQL metacharacter inputs tried", [("security", "sql_metacharacter_inputs")]),
    ("Configuration files writable by group or others refused",
     [("security", "unsafe_config_files_refused")]),
    ("Content generator runs probed (no inherited descriptor, no core, no parent environment)",
     [("security", "generator_runs_probed")]),
    ("Bad inputs tried", [("badinput", "bad_inputs")]),
    ("Hostile HTML bodies of 4 MB converted and sent", [("badinput", "hostile_html_bodies_sent")]),
    ("Durations too large to subtract from now refused",
     [("badinput", "overflowing_durations_refused")]),
    ("Rows lost", [(s, "rows_lost") for s in SUITES]),
]


def read(build):
    figures = {}
    for suite in SUITES:
        folder = os.path.join(build, "reliability", suite)
        values = {}
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if not name.endswith(".tsv"):
                    continue
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    for line in f:
                        metric, _, value = line.rstrip("\n").partition("\t")
                        v = int(value)
                        if metric.startswith("max_"):
                            values[metric] = max(values.get(metric, v), v)
                        else:
                            values[metric] = values.get(metric, 0) + v
        figures[suite] = values
    return figures


def table(figures):
    lines = ["| What | Figure |", "| --- | ---: |"]
    for label, sources in HEADLINES:
        total = sum(figures[s].get(m, 0) for s, m in sources)
        lines.append(f"| {label} | {total:,} |")
    return "\n".join(lines)


def main():
    build, doc = sys.argv[1], sys.argv[2]
    figures = read(build)
    missing = [s for s in SUITES if not figures[s]]
    if missing:
        sys.exit("reliability-report: no figures from " + ", ".join(missing) +
                 " (run the suites first: make reliability)")
    lost = sum(figures[s].get("rows_lost", 0) for s in SUITES)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"
    block = "\n".join([
        BEGIN,
        f"Latest run: {stamp}, on {machine}, by `make reliability`.",
        "",
        table(figures),
        END,
    ])
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    with open(doc, "w", encoding="utf-8") as f:
        f.write(text[:start] + block + text[end:])
    print(table(figures))
    if lost:
        sys.exit(f"reliability-report: {lost} rows lost")


if __name__ == "__main__":
    main()
