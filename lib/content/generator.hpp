#pragma once

#include <chrono>
#include <string>

#include "content/content.hpp"
#include "content/template.hpp"
#include "util/expected.hpp"
#include "util/json.hpp"

namespace eq::content {

// The content generator (content.generator: command): a program that writes one email.
//
// It is run as `/bin/sh -c <command>` in its own process group, with the environment of
// queue-process minus emailqueue's own secrets (ENCRYPTION_KEY, ENCRYPTION_SALT,
// BUGSNAG_API_KEY, DATABASE_URL, PGPASSWORD). It reads one JSON object on stdin,
//     {"lead": {...}, "campaign": {...}, "company": {...}}
// holding the known columns of each row (template.hpp's lists; NULL as null), and must
// write one JSON object on stdout,
//     {"subject": "...", "body": "<html>..."}
// (other fields are ignored) and exit 0, within the timeout.
//
// A call script (the hand-off of an email_and_call campaign's lead to the web
// application's call queue, processing.call_handoff) is a request of its own: the same
// object with "request": "call" added,
//     {"request": "call", "lead": {...}, "campaign": {...}, "company": {...}}
// answered with
//     {"script": "..."}

// The generator's stdin for one lead: only the known columns, never a secret.
Json generator_input(const Records& records,
                     const TemplateColumns& columns = default_template_columns());

// Runs the generator. Every failure is transient for the row (try again later): the
// program could not start, exited non-zero, was killed by a signal, ran past the timeout
// (its whole process group is then killed), wrote more than 4 MiB, or wrote something
// other than the expected object with a non-empty string "subject" and a string "body".
// The message says which and ends with "; stderr: <the last 1,000 bytes it wrote to
// stderr, control characters as spaces>" when it wrote any.
Expected<Content> run_generator(const std::string& command, const Json& input,
                                std::chrono::milliseconds timeout);

// Runs the generator for a call script: `input` (generator_input()) with "request":
// "call"; fails as run_generator() does, or when the reply has no non-empty string
// "script".
Expected<std::string> run_call_script_generator(const std::string& command, Json input,
                                                std::chrono::milliseconds timeout);

} // namespace eq::content
