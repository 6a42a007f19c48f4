#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace eq::test {

// Postfix's smtp-sink (/usr/sbin/smtp-sink, Debian package postfix) on a free port of
// 127.0.0.1, started for one test and killed with this object. It does not advertise
// AUTH (-a: libcurl then sends without logging in) and writes each message it
// receives to a file of its own, which messages() parses.
//
// Faults are smtp-sink's own flags, passed as they are:
//     SmtpSink sink({"-r", "RCPT"});                 // 4xx to RCPT
//     SmtpSink sink({"-f", "RCPT", "-B", "550 5.1.1 No such user"});  // 5xx, own text
//     SmtpSink sink({"-Q", "MAIL"});                 // 421 and hang up
//     SmtpSink sink({"-q", "."});                    // hang up after the message, no reply
//     SmtpSink sink({"-w", "3"});                    // wait 3 s before answering DATA
//     SmtpSink sink({"-W", ".:3"});                  // wait 3 s before the final reply
// Delays are whole seconds. As root it runs with -u nobody and its dump folder belongs
// to nobody.
class SmtpSink {
public:
    explicit SmtpSink(std::vector<std::string> fault_flags = {});
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    int port() const { return m_port; }
    // The server process (it holds the listening socket).
    pid_t pid() const { return m_process->pid(); }
    // A provider for a Session: 127.0.0.1:port, security none, no verification.
    config::Provider provider() const;

    // One received message, as smtp-sink dumps it.
    struct Message {
        std::string helo;                 // the EHLO/HELO argument
        std::string mail_from;            // the MAIL FROM argument, e.g. "<a@b.example>"
        std::vector<std::string> rcpt_to; // RCPT TO arguments, in order
        // The message as received with dot-stuffing undone; smtp-sink writes every line
        // ending with "\n" (CRLF and bare CR are not kept).
        std::string content;
    };

    // Every message received so far, oldest first by the time its file was last written:
    // that clock ticks every few milliseconds, so messages received within one tick come
    // in no particular order among themselves (a test of send order reads the rows'
    // send_started_at instead). Waits (bounded) for a file still being written to be
    // complete.
    std::vector<Message> messages() const;
    // Waits until at least `count` messages were received, then returns them all.
    std::vector<Message>
    wait_for_messages(std::size_t count,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    // smtp-sink's own output (for failure messages).
    std::string log() const;

private:
    TempDir m_dir;
    std::string m_dump_dir;
    int m_port = 0;
    std::unique_ptr<BackgroundProcess> m_process;
};

} // namespace eq::test
