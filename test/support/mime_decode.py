#!/usr/bin/python3
"""mime_decode.py < MESSAGE

Decodes one received message with Python's own email package (an independent MIME
implementation, for round-trip checks) and prints one JSON object: the decoded Subject,
the display names of From and To, the header names in order, the decoded text/html and
text/plain parts, and the longest line of the raw message in octets.
"""

import email
import email.policy
import json
import sys

raw = sys.stdin.buffer.read()
message = email.message_from_bytes(raw, policy=email.policy.default)
html = None
text = None
for part in message.walk():
    if part.get_content_type() == "text/html":
        html = part.get_content()
    elif part.get_content_type() == "text/plain":
        text = part.get_content()
print(json.dumps({
    "subject": str(message["Subject"]),
    "from_name": message["From"].addresses[0].display_name,
    "to_name": message["To"].addresses[0].display_name,
    "to_address": message["To"].addresses[0].addr_spec,
    "headers": list(message.keys()),
    "html": html,
    "text": text,
    "longest_line": max(len(line) for line in raw.split(b"\n")),
}))
