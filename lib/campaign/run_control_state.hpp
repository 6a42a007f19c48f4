#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/enum_text.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace eq::campaign {

// Pause and cancel of a campaign run, kept in email_queue_runs (the web application's
// campaign_runs.status keeps its own four values). queue-process claims no row of a
// run that is paused or cancelled.
//   active -> paused -> active     (pause, resume)
//   active | paused -> cancelled   (cancel: final; the run's pending rows become
//                                   'cancelled', kept and never sent)
// A run without an email_queue_runs row is active.
enum class RunControl { active, paused, cancelled };

// The names are email_queue_runs.control's values.
constexpr EnumTexts<RunControl, 3> enum_texts(RunControl) {
    return {{{RunControl::active, "active"},
             {RunControl::paused, "paused"},
             {RunControl::cancelled, "cancelled"}}};
}

// email_queue_runs.control as a statement reads it (COALESCE(control, 'active')); a
// value this version does not know counts as active, as a missing row does.
inline RunControl run_control_of(std::string_view column) {
    return from_text<RunControl>(column).value_or(RunControl::active);
}

// What an operator asks of a run: queue-admin run pause|resume|cancel.
enum class ControlVerb { pause, resume, cancel };

constexpr EnumTexts<ControlVerb, 3> enum_texts(ControlVerb) {
    return {{{ControlVerb::pause, "pause"},
             {ControlVerb::resume, "resume"},
             {ControlVerb::cancel, "cancel"}}};
}

struct RunControlState {
    Uuid run_id;
    RunControl control = RunControl::active;
    std::optional<std::string> reason;
    std::optional<Timestamp> changed_at;
};

} // namespace eq::campaign
