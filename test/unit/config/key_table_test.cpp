#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <type_traits>

#include "config/config.hpp"
#include "config/key_table.hpp"
#include "util/error.hpp"

using namespace eq;
using namespace eq::config;

namespace {

// The YAML text that sets one dotted key (a provider key for provider "x" with a host).
std::string yaml_for(std::string_view dotted, std::string_view value) {
    std::string out;
    std::string indent;
    std::string_view rest = dotted;
    for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
        out += indent + std::string(rest.substr(0, dot)) + ":\n";
        indent += "  ";
        rest.remove_prefix(dot + 1);
    }
    out += indent + std::string(rest) + ": " + std::string(value) + "\n";
    return out;
}

std::string error_of(const std::string& yaml) {
    try {
        parse(yaml, "k.yaml");
    } catch (const Error& e) {
        return std::string(e.what()) + "|" + e.hint();
    }
    return "no error";
}

const Key& key(std::string_view name) {
    for (const auto& k : key_table()) {
        if (k.name == name) {
            return k;
        }
    }
    FAIL("no key " << name);
    throw;
}

} // namespace

TEST_CASE("every key is spelled once and its type agrees with where it goes", "[config]") {
    std::set<std::string_view> seen;
    for (const auto& k : key_table()) {
        INFO(k.name);
        CHECK(seen.insert(k.name).second);
        std::visit(
            [&](auto field) {
                Config c;
                using T = std::remove_reference_t<decltype(field(c, "x"))>;
                if constexpr (std::is_same_v<T, std::string>) {
                    CHECK((k.type == KeyType::text || k.type == KeyType::host ||
                           k.type == KeyType::readable_file || k.type == KeyType::http_url ||
                           k.type == KeyType::unsubscribe_url));
                } else if constexpr (std::is_same_v<T, int>) {
                    CHECK(k.type == KeyType::integer);
                    CHECK(k.min <= k.max);
                } else if constexpr (std::is_same_v<T, bool>) {
                    CHECK(k.type == KeyType::boolean);
                } else if constexpr (std::is_enum_v<T>) {
                    CHECK(k.type == KeyType::choice);
                } else {
                    CHECK(k.type == KeyType::duration);
                    CHECK(0 < k.min);
                    CHECK(k.min <= k.max);
                }
            },
            k.target);
    }
}

TEST_CASE("each key's documented default is the built-in default", "[config]") {
    for (const auto& k : key_table()) {
        if (k.name.find('*') != std::string_view::npos || k.secret) {
            continue; // per provider; secrets have no default
        }
        INFO(k.name << ": " << k.default_value);
        const std::string value =
            k.default_value.empty() ? std::string("\"\"") : std::string(k.default_value);
        auto parsed = parse(yaml_for(k.name, value), "d.yaml");
        auto built_in = defaults();
        std::visit([&](auto field) { CHECK(field(parsed, "") == field(built_in, "")); }, k.target);
    }
}

TEST_CASE("a key of each type is read into its place", "[config]") {
    const auto c = parse(R"(
smtp:
  providers:
    relay:
      host: mx.example.com
      port: 2525
      security: starttls
      verify_peer: off
  reply_timeout: 45s
tracking:
  base_url: https://t.example.com//
content:
  command: ./write-email
bugsnag:
  timeout: 2s
)",
                         "t.yaml");
    const auto* relay = c.provider("relay");
    REQUIRE(relay != nullptr);
    CHECK(relay->host == "mx.example.com");                      // host
    CHECK(relay->port == 2525);                                  // integer
    CHECK(relay->security == Security::starttls);                // choice
    CHECK_FALSE(relay->verify_peer);                             // boolean
    CHECK(c.smtp.reply_timeout == Seconds(45));                  // duration
    CHECK(c.bugsnag.timeout == std::chrono::milliseconds(2000)); // duration in ms
    CHECK(c.tracking.base_url == "https://t.example.com");       // http_url
    CHECK(c.content.command == "./write-email");                 // text
}

TEST_CASE("range errors name the key with its provider and the range", "[config]") {
    CHECK(key("smtp.providers.*.port").min == 1);
    CHECK(key("smtp.providers.*.port").max == 65535);
    CHECK(error_of(yaml_for("smtp.providers.relay.host", "h") + "      port: 0\n") ==
          "k.yaml:5: smtp.providers.relay.port: 0 is out of range [1, 65535]|");
    CHECK(error_of(yaml_for("processing.max_row_holds", "101")) ==
          "k.yaml:2: processing.max_row_holds: 101 is out of range [1, 100]|");
    CHECK(error_of(yaml_for("bugsnag.timeout", "61s")) ==
          "k.yaml:2: bugsnag.timeout: 61s is out of range [1s, 1m]|");
    CHECK(error_of(yaml_for("smtp.message_timeout", "0s")) ==
          "k.yaml:2: smtp.message_timeout: 0s is out of range [1s, 1h]|");
}

TEST_CASE("every message about a provider key keeps the provider's path", "[config]") {
    const std::string relay = "smtp:\n  providers:\n    relay:\n";
    CHECK(error_of(relay + "      host: [a, b]\n") ==
          "k.yaml:4: smtp.providers.relay.host: expected a single value, found a list|");
    CHECK(error_of(relay + "      host: a b\n") ==
          "k.yaml:4: smtp.providers.relay.host: 'a b' is not a host name|");
    CHECK(error_of(relay + "      host: h\n      security: {}\n") ==
          "k.yaml:5: smtp.providers.relay.security: expected a single value, found a mapping|");
    CHECK(error_of(relay + "      host: h\n      security: ssl\n") ==
          "k.yaml:5: smtp.providers.relay.security: 'ssl' is not one of tls, starttls, none|");
    CHECK(error_of(relay + "      host: h\n      ca_file: /nonexistent/ca.pem\n") ==
          "k.yaml:5: smtp.providers.relay.ca_file: cannot read '/nonexistent/ca.pem': No such "
          "file or directory|");
    CHECK(error_of(relay + "      host: h\n      verify_peer: maybe\n") ==
          "k.yaml:5: smtp.providers.relay.verify_peer: 'maybe' is not a boolean (use true or "
          "false)|");
    CHECK(error_of("smtp:\n  providers:\n    Relay!:\n      host: h\n") ==
          "k.yaml:4: provider name 'Relay!' must be lowercase letters, digits, '.', '_' or '-'|");
}

TEST_CASE("choice keys take any case and list their names when refused", "[config]") {
    CHECK(parse(yaml_for("database.pool_mode", "Transaction"), "p").database.pool_mode ==
          PoolMode::transaction);
    CHECK(parse(yaml_for("log.level", "warning"), "p").log.level == log::Level::warn);
    CHECK(error_of(yaml_for("log.level", "loud")) ==
          "k.yaml:2: log.level: 'loud' is not one of error, warn, info, debug|");
    CHECK(error_of(yaml_for("content.generator", "ai")) ==
          "k.yaml:2: content.generator: 'ai' is not one of template, command|");
}

TEST_CASE("secret keys are marked, and only they", "[config]") {
    for (const auto& k : key_table()) {
        INFO(k.name);
        CHECK(k.secret == (k.name == "database.url" || k.name == "database.migrate_url"));
    }
    CHECK(error_of(yaml_for("bugsnag.endpoint", "\"\"")) ==
          "k.yaml:2: bugsnag.endpoint: must not be empty|leave BUGSNAG_API_KEY unset to turn "
          "reporting off");
}
