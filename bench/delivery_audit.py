"""bench/delivery_audit.py MAIL_DIR ROWS_FILE: what an SMTP sink received against the queue.

MAIL_DIR holds one file per message (smtp-sink -d); ROWS_FILE is the queue's rows as
`psql -tA -F '|'` prints `SELECT status, sent_message_id FROM email_queue`. Prints one
line of key=value counts, the same counts as the overlap suite's delivery audit
(test/support/delivery_audit.cpp): messages received twice (by Message-ID), recipients
served twice, sent rows not received, messages received for rows neither sent nor held,
and messages no row knows.
"""
import collections
import os
import sys


def headers(path):
    """The Message-ID and To of one dumped message (the first of each)."""
    found = {}
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            name, _, value = line.partition(":")
            key = name.strip().lower()
            if key in ("message-id", "to") and key not in found:
                found[key] = value.strip()
            if len(found) == 2:
                break
    return found.get("message-id", ""), found.get("to", "")


def main():
    mail_dir, rows_file = sys.argv[1], sys.argv[2]
    received = collections.Counter()
    recipients = collections.Counter()
    for folder, _, files in os.walk(mail_dir):
        for name in files:
            message_id, to = headers(os.path.join(folder, name))
            received[message_id] += 1
            recipients[to] += 1
    status_of = {}
    sent_not_received = received_not_sent = 0
    with open(rows_file) as f:
        for line in f:
            status, _, message_id = line.rstrip("\n").partition("|")
            if message_id:
                status_of[message_id] = status
            got = bool(message_id) and message_id in received
            if status == "sent" and not got:
                sent_not_received += 1
            elif status not in ("sent", "held") and got:
                received_not_sent += 1
    stray = sum(n for m, n in received.items() if m not in status_of)
    print(
        f"received={sum(received.values())}"
        f" duplicates={sum(n - 1 for n in received.values())}"
        f" duplicate_recipients={sum(n - 1 for n in recipients.values())}"
        f" sent_not_received={sent_not_received}"
        f" received_not_sent={received_not_sent}"
        f" stray={stray}"
    )


if __name__ == "__main__":
    main()
