// libFuzzer target: the campaign template renderer (lib/content/template.hpp). The input
// is a template; a lead whose fields are slices of the same input fills it. Whatever
// the text, validation and rendering return a result or a failure, and a rendered
// subject is one line.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "content/template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    eq::content::Records records;
    const auto half = text.substr(text.size() / 2);
    records.lead = {{"name", std::string(half)},
                    {"email", "ann@lead.example"},
                    {"company", std::nullopt},
                    {"first_name", std::string(half.substr(0, 8))}};
    records.company = {{"name", "Acme <Ltd> & \"Sons\""}};
    records.campaign = {{"name", std::string(text.substr(0, 16))}};
    (void)eq::content::validate_template(text);
    const auto rendered = eq::content::render_template(text, records);
    if (rendered && rendered->subject.find_first_of("\r\n") != std::string::npos) {
        std::abort(); // a subject must never carry a line break
    }
    return 0;
}
