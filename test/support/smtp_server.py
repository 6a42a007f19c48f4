"""A real SMTP server for emailqueue's integration tests (aiosmtpd, on loopback).

Run with /usr/bin/python3 (Debian's python3-aiosmtpd). It serves until killed and
writes "READY" to stdout once it listens. Everything it sees is recorded so a test can
check the server's side of the conversation:

  --events FILE   one JSON object per line, appended as things happen:
                    {"event": "connect", "peer": "127.0.0.1:port"}
                    {"event": "starttls"}
                    {"event": "auth", "mechanism": "PLAIN", "username": "...",
                     "password": "...", "accepted": true, "tls": true}
                    {"event": "message", "file": "...", "mail_from": "...",
                     "rcpt_tos": [...], "tls": true, "authenticated": true}
  --dump-dir DIR  each message's bytes exactly as received (CRLF kept, dot-stuffing
                  removed) in DIR/message-N.eml, N counting from 1

Options:
  --port N                      listen on 127.0.0.1:N
  --tls implicit|starttls|none  implicit TLS from the first byte (like port 465), STARTTLS
                                offered (and required for MAIL/AUTH with
                                --require-starttls), or plain text
  --cert FILE --key FILE        the server certificate and key (PEM) for TLS
  --auth-user U --auth-password P
                                offer AUTH and accept exactly these credentials (AUTH is
                                only offered over TLS, as a real provider does)
  --auth-mechanisms LIST        offer only these (comma-separated, e.g. LOGIN)
  --auth-required               refuse MAIL before a successful AUTH
  --data-delay SECONDS          wait this long before answering the end of DATA
  --data-reply "CODE TEXT"      answer the end of DATA with this instead of 250
  --rcpt-reply "ADDRESS=CODE TEXT"
                                refuse RCPT TO:<ADDRESS> with this reply (repeatable)
  --data-reply-for "ADDRESS=CODE TEXT"
                                answer the end of DATA of a message to ADDRESS with this
                                reply instead of 250 (repeatable); nothing is recorded
"""

import argparse
import asyncio
import json
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

_lock = threading.Lock()


def record(path, obj):
    if not path:
        return
    with _lock, open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(obj) + "\n")
        f.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls", choices=["implicit", "starttls", "none"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--auth-user")
    parser.add_argument("--auth-password")
    parser.add_argument("--auth-mechanisms")
    parser.add_argument("--auth-required", action="store_true")
    parser.add_argument("--data-delay", type=float, default=0.0)
    parser.add_argument("--data-reply")
    parser.add_argument("--rcpt-reply", action="append", default=[])
    parser.add_argument("--data-reply-for", action="append", default=[])
    parser.add_argument("--dump-dir")
    parser.add_argument("--events")
    args = parser.parse_args()

    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    counter = {"messages": 0}

    def by_address(values):
        out = {}
        for value in values:
            address, _, reply = value.partition("=")
            out[address.lower()] = reply
        return out

    rcpt_replies = by_address(args.rcpt_reply)
    data_replies = by_address(args.data_reply_for)

    def is_tls(server):
        return args.tls == "implicit" or server.session.ssl is not None

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.lower() in rcpt_replies:
                return rcpt_replies[address.lower()]
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 Ok"

        async def handle_DATA(self, server, session, envelope):
            if args.data_delay > 0:
                await asyncio.sleep(args.data_delay)
            for rcpt in envelope.rcpt_tos:
                if rcpt.lower() in data_replies:
                    return data_replies[rcpt.lower()]
            counter["messages"] += 1
            name = None
            if args.dump_dir:
                name = os.path.join(args.dump_dir, "message-%d.eml" % counter["messages"])
                with open(name + ".part", "wb") as f:
                    f.write(envelope.original_content)
                os.rename(name + ".part", name)
            record(args.events, {
                "event": "message",
                "file": name,
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "tls": is_tls(server),
                "authenticated": bool(session.authenticated),
            })
            return args.data_reply or "250 2.0.0 Ok: queued"

        def handle_STARTTLS(self, server, session, envelope):
            # aiosmtpd calls this hook synchronously once the TLS handshake is done.
            record(args.events, {"event": "starttls"})
            return True

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
        else:
            user, password = None, None
        accepted = user == args.auth_user and password == args.auth_password
        record(args.events, {
            "event": "auth",
            "mechanism": mechanism,
            "username": user,
            "password": password,
            "accepted": accepted,
            "tls": is_tls(server),
        })
        # handled=False: aiosmtpd then answers a refusal with "535 5.7.8".
        return AuthResult(success=accepted, handled=False)

    class Server(SMTP):
        def connection_made(self, transport):
            first = self.transport is None
            super().connection_made(transport)
            if first:
                peer = transport.get_extra_info("peername")
                record(args.events, {"event": "connect", "peer": "%s:%s" % peer[:2]})

    exclude = []
    if args.auth_mechanisms:
        wanted = {m.strip().upper() for m in args.auth_mechanisms.split(",")}
        exclude = [m for m in ("PLAIN", "LOGIN") if m not in wanted]

    def factory():
        kwargs = dict(
            hostname="test.smtp.example",
            auth_require_tls=args.tls != "none" and args.tls != "implicit",
            auth_required=args.auth_required,
            auth_exclude_mechanism=exclude,
        )
        if args.auth_user is not None:
            kwargs["authenticator"] = authenticator
        if args.tls == "starttls":
            kwargs["tls_context"] = context
            kwargs["require_starttls"] = args.require_starttls
        return Server(Handler(), **kwargs)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        factory, host="127.0.0.1", port=args.port,
        ssl=context if args.tls == "implicit" else None))
    print("READY", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
