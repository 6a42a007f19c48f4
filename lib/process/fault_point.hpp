#pragma once

#include <string_view>

namespace eq::process {

// Named points in the processing of a batch where a crash matters most, for the crash
// suite (test/reliability/). In the shipped programs no hook is installed and a fault
// point is one load of a null pointer: nothing is compiled in that could kill, stall or
// change a run. Only the test build of queue-process (test/reliability/fault_main.cpp)
// installs a hook, which raises SIGKILL on itself at the point it was told.
//
// The points, in the order one row meets them (docs/reliability.md says what a crash at
// each leaves behind):
//   "batch"         a worker takes up a company (before its due probe and batch): nothing
//                   claimed yet
//   "claimed"       the claim transaction committed: the batch's rows are processing
//   "composed"      the row's message is built; its send is not marked started
//   "send-started"  the durable send-started mark committed; nothing sent yet
//   "answered"      the SMTP server answered; the outcome is not yet recorded
//   "recorded"      outcomes are committed: a row's outcome goes in one transaction
//                   with a later row's send-started mark (the next row's, or, working
//                   ahead, the one after it: sent once the server has answered and
//                   read back before the next message's dialogue), the last ones at
//                   the end
//   "finishing"     every outcome is committed; the runs are about to be completed
//   "completed"     the batch's runs that were finished are completed, with what their
//                   completion sets off (one statement: both or neither)
// A row is in the ambiguous window from its send-started mark until its outcome is
// committed: a crash there leaves it held for an operator (outcome unknown), never
// resent on its own.
using FaultHook = void (*)(std::string_view point);

// Installs the hook (nullptr removes it). Call before any processing starts: the hook
// is read without synchronisation by the worker threads.
void set_fault_hook(FaultHook hook);

namespace detail {
extern FaultHook g_fault_hook;
}

inline void fault_point(std::string_view point) {
    if (detail::g_fault_hook != nullptr) {
        detail::g_fault_hook(point);
    }
}

} // namespace eq::process
