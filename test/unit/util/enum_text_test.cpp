#include <catch2/catch.hpp>

#include "campaign/run_control_state.hpp"
#include "queue/email_queue_item.hpp"
#include "util/enum_text.hpp"

using namespace eq;

namespace {

enum class Colour { red, green, blue };

constexpr EnumTexts<Colour, 3> enum_texts(Colour) {
    return {{{Colour::red, "red"}, {Colour::green, "green"}, {Colour::blue, "light blue"}}};
}

} // namespace

TEST_CASE("an enum's table names its values both ways", "[enum_text]") {
    STATIC_REQUIRE(to_text(Colour::blue) == "light blue");
    STATIC_REQUIRE(from_text<Colour>("green") == Colour::green);
    CHECK_FALSE(from_text<Colour>("Green").has_value()); // exact: callers fold case
    CHECK_FALSE(from_text<Colour>("").has_value());
    CHECK(enum_names<Colour>() == "red, green, light blue");
    CHECK(enum_names<Colour>(" or ") == "red, green or light blue");
}

TEST_CASE("every queue status and run control round-trips through its text", "[enum_text]") {
    for (const auto& [status, text] : enum_texts(queue::QueueStatus{})) {
        CHECK(queue::to_string(status) == text);
        CHECK(*queue::parse_queue_status(text) == status);
    }
    CHECK(queue::parse_queue_status("sending").error() ==
          "unknown queue status 'sending' (expected pending, processing, sent, failed, "
          "skipped, held or cancelled)");
    for (const auto& [control, text] : enum_texts(campaign::RunControl{})) {
        CHECK(campaign::run_control_of(text) == control);
    }
    // A value this version does not know reads as active, as a missing row does.
    CHECK(campaign::run_control_of("archived") == campaign::RunControl::active);
    CHECK(enum_names<campaign::ControlVerb>() == "pause, resume, cancel");
}
