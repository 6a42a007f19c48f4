#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdlib>

#include "config/config.hpp"
#include "support/temp_dir.hpp"
#include "util/error.hpp"

using namespace eq;
using eq::test::TempDir;

namespace {

// The error a config text produces: "code|message|hint".
std::string error_of(const std::string& yaml) {
    try {
        config::parse(yaml, "test.yaml");
    } catch (const Error& e) {
        return std::to_string(to_int(e.code())) + "|" + e.what() + "|" + e.hint();
    }
    return "no error";
}

// Sets an environment variable for one scope.
struct ScopedEnv {
    std::string name;
    ScopedEnv(std::string n, const char* value) : name(std::move(n)) {
        if (value) {
            setenv(name.c_str(), value, 1);
        } else {
            unsetenv(name.c_str());
        }
    }
    ~ScopedEnv() { unsetenv(name.c_str()); }
};

} // namespace

TEST_CASE("defaults have the three built-in providers at 465 with TLS", "[config]") {
    const auto c = config::defaults();
    for (const auto& [name, host] :
         {std::pair{"gmail", "smtp.gmail.com"}, std::pair{"outlook", "smtp.office365.com"},
          std::pair{"yahoo", "smtp.mail.yahoo.com"}}) {
        const auto* p = c.provider(name);
        REQUIRE(p != nullptr);
        CHECK(p->host == host);
        CHECK(p->port == 465);
        CHECK(p->security == config::Security::tls);
        CHECK(p->verify_peer);
    }
    CHECK(c.provider("GMail") != nullptr);
    CHECK(c.provider("aol") == nullptr);
    CHECK(c.processing.batch_cap == 10);
}

TEST_CASE("a config file overrides and extends providers", "[config]") {
    const auto c = config::parse(R"(
database:
  url: postgresql://queue@db.internal/app
smtp:
  providers:
    gmail:
      port: 587
      security: starttls
    local:
      host: 127.0.0.1
      port: 2525
      security: none
tracking:
  base_url: https://app.example.com/
processing:
  batch_cap: 25
)",
                                 "x.yaml");
    CHECK(c.database.url == "postgresql://queue@db.internal/app");
    CHECK(c.provider("gmail")->host == "smtp.gmail.com");
    CHECK(c.provider("gmail")->port == 587);
    CHECK(c.provider("gmail")->security == config::Security::starttls);
    CHECK(c.provider("local")->port == 2525);
    CHECK(c.provider("local")->security == config::Security::none);
    CHECK(c.tracking.base_url == "https://app.example.com");
    CHECK(c.processing.batch_cap == 25);
}

TEST_CASE("an unknown key fails with file:line and a suggestion", "[config]") {
    const auto e = error_of("processing:\n  batch_cap: 5\n  batchcap: 5\n");
    CHECK(e == "78|test.yaml:3: unknown key 'processing.batchcap'|did you mean "
               "'processing.batch_cap'?");
    CHECK(error_of("nonsense: 1\n").starts_with("78|test.yaml:1: unknown key 'nonsense'"));
    CHECK(error_of("smtp:\n  providers:\n    gmail:\n      prot: 25\n")
              .starts_with("78|test.yaml:4: unknown key 'smtp.providers.gmail.prot'|did you "
                           "mean 'smtp.providers.gmail.port'?"));
}

TEST_CASE("wrong types and negative limits fail with file:line", "[config]") {
    CHECK(error_of("processing:\n  batch_cap: ten\n") ==
          "78|test.yaml:2: processing.batch_cap: 'ten' is not a whole number|");
    CHECK(error_of("processing:\n  batch_cap: -3\n") ==
          "78|test.yaml:2: processing.batch_cap: -3 is negative; it must be at least 1|");
    CHECK(error_of("processing:\n  batch_cap: [1, 2]\n")
              .starts_with(
                  "78|test.yaml:2: processing.batch_cap: expected a single value, found a list"));
    CHECK(error_of("smtp:\n  providers:\n    x:\n      host: h\n      port: 70000\n")
              .starts_with("78|test.yaml:5: smtp.providers.x.port: 70000 is out of range"));
    CHECK(error_of("smtp:\n  providers:\n    x:\n      host: h\n      security: ssl\n")
              .starts_with("78|test.yaml:5: smtp.providers.x.security: 'ssl' is not one of"));
    CHECK(
        error_of("smtp:\n  providers:\n    x:\n      host: h\n      verify_peer: maybe\n")
            .starts_with("78|test.yaml:5: smtp.providers.x.verify_peer: 'maybe' is not a boolean"));
    CHECK(error_of("tracking:\n  base_url: ftp://x\n")
              .starts_with("78|test.yaml:2: tracking.base_url: 'ftp://x' is not an http"));
    CHECK(error_of("processing: 5\n").starts_with("78|test.yaml:1: 'processing' is a section"));
    CHECK(error_of("smtp:\n  providers:\n    newone:\n      port: 25\n")
              .starts_with("78|test.yaml: smtp.providers.newone has no host"));
}

TEST_CASE("processing durations need a unit and must be positive", "[config]") {
    CHECK(config::parse("processing:\n  lease: 15m\n", "x").processing.lease ==
          std::chrono::minutes(15));
    CHECK(error_of("processing:\n  lease: 600\n")
              .starts_with("78|test.yaml:2: processing.lease: cannot parse duration '600'"));
    CHECK(error_of("processing:\n  lease: 0s\n") ==
          "78|test.yaml:2: processing.lease: 0s is out of range [1s, 28d]|");
    CHECK(error_of("processing:\n  concurrency: 0\n")
              .starts_with("78|test.yaml:2: processing.concurrency: 0 is out of range"));
    CHECK(config::parse("processing:\n  run_length: 90s\n", "x").processing.run_length ==
          std::chrono::seconds(90));
    CHECK(config::defaults().processing.run_length == std::chrono::minutes(4));
    CHECK(error_of("processing:\n  run_length: 0s\n") ==
          "78|test.yaml:2: processing.run_length: 0s is out of range [1s, 28d]|");
}

TEST_CASE("the lease must outlast the longest send", "[config]") {
    // A send may try twice, each attempt bounded by smtp.message_timeout: a lease between
    // one and two message timeouts is refused too.
    CHECK(error_of("processing:\n  lease: 9m\nsmtp:\n  message_timeout: 5m\n") ==
          "78|test.yaml: processing.lease (9m) must be longer than a send can take: 2 x "
          "smtp.message_timeout (5m) = 10m (a send whose reused connection was closed tries "
          "again on a new one); a row still being sent would be taken for abandoned|");
    CHECK(error_of("processing:\n  lease: 10m\nsmtp:\n  message_timeout: 5m\n")
              .starts_with("78|test.yaml: processing.lease (10m) must be longer"));
    const auto fits =
        config::parse("processing:\n  lease: 601s\nsmtp:\n  message_timeout: 5m\n", "x");
    CHECK(fits.processing.lease > fits.longest_send());
    CHECK(config::defaults().processing.lease > config::defaults().longest_send());
    // And longer than one run of the content generator, when there is one.
    CHECK(error_of("processing:\n  lease: 60s\nsmtp:\n  message_timeout: 10s\ncontent:\n  "
                   "generator: command\n  command: x\n  timeout: 60s\n") ==
          "78|test.yaml: processing.lease (1m) must be longer than content.timeout (1m): the rows "
          "a batch holds would be taken for abandoned while the content generator writes one|");
    CHECK(config::parse("processing:\n  lease: 60s\nsmtp:\n  message_timeout: 10s\ncontent:\n  "
                        "timeout: 60s\n",
                        "x")
              .processing.lease == std::chrono::seconds(60));
}

TEST_CASE("invalid YAML fails with file:line", "[config]") {
    CHECK(error_of("processing:\n  batch_cap: [1\n").starts_with("78|test.yaml:"));
    CHECK(error_of("- a\n- b\n").starts_with("78|test.yaml:1: expected a mapping"));
}

TEST_CASE("load reads the file named by --config, then EMAILQUEUE_CONFIG", "[config]") {
    TempDir dir;
    const auto a = dir.write("a.yaml", "processing:\n  batch_cap: 7\n", 0644);
    const auto b = dir.write("b.yaml", "processing:\n  batch_cap: 8\n", 0644);
    ScopedEnv env("EMAILQUEUE_CONFIG", b.c_str());
    ScopedEnv db("DATABASE_URL", nullptr);
    CHECK(config::load({a}).processing.batch_cap == 7);
    CHECK(config::load({}).processing.batch_cap == 8);
    CHECK(config::load({}).source == b);
}

TEST_CASE("an unreadable config file is a config error", "[config]") {
    TempDir dir;
    try {
        config::load({dir.file("missing.yaml")});
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::config);
        CHECK(std::string(e.what()).find("cannot read config file") == 0);
        CHECK(std::string(e.what()).find("No such file") != std::string::npos);
    }
}

TEST_CASE("a config holding a password must not be readable by others", "[config]") {
    TempDir dir;
    const auto text = "database:\n  url: postgresql://queue:s3cret@db/app\n";
    const auto open_file = dir.write("open.yaml", text, 0644);
    const auto group_file = dir.write("group.yaml", text, 0640);
    const auto private_file = dir.write("private.yaml", text, 0600);
    ScopedEnv db("DATABASE_URL", nullptr);
    try {
        config::load({open_file});
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::permission);
        const std::string what = e.what();
        CHECK(what.find("holds a database password but group or others can access it") !=
              std::string::npos);
        CHECK(what.find("s3cret") == std::string::npos);
        CHECK(e.hint().find("chmod 0600") == 0);
    }
    if (getuid() != 0) {
        CHECK_THROWS_AS(config::load({group_file}), Error);
    } else {
        // Like libpq's key files: root-owned may be group-readable (root:service 0640).
        CHECK(config::load({group_file}).database.url.find("s3cret") != std::string::npos);
    }
    CHECK(config::load({private_file}).database.url == "postgresql://queue:s3cret@db/app");
    // Without a password the mode does not matter.
    CHECK_NOTHROW(
        config::load({dir.write("nopw.yaml", "database:\n  url: postgresql://q@db/a\n", 0644)}));
}

TEST_CASE("secrets come from the secrets file, and the environment overrides it", "[config]") {
    TempDir dir;
    dir.write("secrets", "# comment\nENCRYPTION_KEY=k1\nENCRYPTION_SALT='salt'\n", 0600);
    const auto cfg = dir.write("c.yaml", "secrets_file: secrets\n", 0644);
    ScopedEnv k("ENCRYPTION_KEY", nullptr);
    ScopedEnv b("BUGSNAG_API_KEY", "bug");
    auto c = config::load({cfg});
    CHECK(c.secrets.encryption_key == "k1");
    CHECK(c.secrets.encryption_salt == "salt");
    CHECK(c.secrets.bugsnag_api_key == "bug");
    {
        ScopedEnv k2("ENCRYPTION_KEY", "from-env");
        CHECK(config::load({cfg}).secrets.encryption_key == "from-env");
    }
    dir.write("secrets", "ENCRYPTION_KEY=k1\n", 0644);
    try {
        config::load({cfg});
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::permission);
        CHECK(std::string(e.what()).find("k1") == std::string::npos);
    }
    dir.write("secrets", "ENCRYPTION_KEY=k1\nOTHER=2\n", 0600);
    try {
        config::load({cfg});
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::config);
        CHECK(std::string(e.what()).find("secrets:2: unknown key 'OTHER'") != std::string::npos);
    }
}

TEST_CASE("database.pool_mode is session unless set, and only session or transaction", "[config]") {
    CHECK(config::defaults().database.pool_mode == config::PoolMode::session);
    const auto c = config::parse("database:\n  url: postgresql://queue@pooler:6543/app\n"
                                 "  pool_mode: Transaction\n"
                                 "  migrate_url: postgresql://queue@db:5432/app\n",
                                 "x");
    CHECK(c.database.pool_mode == config::PoolMode::transaction);
    CHECK(c.database.migrate_url == "postgresql://queue@db:5432/app");
    CHECK(config::parse("database:\n  pool_mode: session\n", "x").database.pool_mode ==
          config::PoolMode::session);
    CHECK(error_of("database:\n  pool_mode: statement\n") ==
          "78|test.yaml:2: database.pool_mode: 'statement' is not one of session, "
          "transaction|");
}

TEST_CASE("DATABASE_URL overrides database.url", "[config]") {
    TempDir dir;
    const auto cfg = dir.write("c.yaml", "database:\n  url: postgresql://a@b/c\n", 0644);
    ScopedEnv db("DATABASE_URL", "postgresql://x@y/z");
    CHECK(config::load({cfg}).database.url == "postgresql://x@y/z");
}

TEST_CASE("passwords are recognised in URIs and keyword strings", "[config]") {
    CHECK(config::conninfo_has_password("postgresql://u:pw@host/db"));
    CHECK(config::conninfo_has_password("postgres://host/db?password=x"));
    CHECK(config::conninfo_has_password("host=h password=x"));
    CHECK_FALSE(config::conninfo_has_password("postgresql://u@host:5432/db"));
    CHECK_FALSE(config::conninfo_has_password("host=h user=u"));
    CHECK_FALSE(config::conninfo_has_password(""));
}

TEST_CASE("the example configuration files parse and show the defaults", "[config]") {
    const std::string etc = std::string(EQ_SOURCE_DIR) + "/etc/";
    const auto full = config::parse(test::read_file(etc + "emailqueue.yaml"), "emailqueue.yaml");
    const auto def = config::defaults();
    CHECK(full.processing.batch_cap == def.processing.batch_cap);
    CHECK(full.processing.concurrency == def.processing.concurrency);
    CHECK(full.processing.db_connections == def.processing.db_connections);
    CHECK(full.processing.lease == def.processing.lease);
    CHECK(full.processing.run_length == def.processing.run_length);
    CHECK(full.processing.resend_unknown == def.processing.resend_unknown);
    CHECK(full.processing.call_handoff == def.processing.call_handoff);
    CHECK(full.processing.max_retry_delay == def.processing.max_retry_delay);
    CHECK(full.processing.hold_delay == def.processing.hold_delay);
    CHECK(full.processing.max_hold_delay == def.processing.max_hold_delay);
    CHECK(full.database.url == def.database.url);
    CHECK(full.database.pool_mode == def.database.pool_mode);
    CHECK(full.database.migrate_url == def.database.migrate_url);
    CHECK(full.tracking.base_url == def.tracking.base_url);
    CHECK(full.secrets_file.empty());
    CHECK(full.log.level == def.log.level);
    CHECK(full.log.format == def.log.format);
    CHECK(full.bugsnag.endpoint == def.bugsnag.endpoint);
    CHECK(full.bugsnag.release_stage == def.bugsnag.release_stage);
    CHECK(full.bugsnag.timeout == def.bugsnag.timeout);
    REQUIRE(full.smtp.providers.size() == def.smtp.providers.size());
    for (const auto& [name, p] : def.smtp.providers) {
        const auto* q = full.provider(name);
        REQUIRE(q != nullptr);
        CHECK(q->host == p.host);
        CHECK(q->port == p.port);
        CHECK(q->security == p.security);
        CHECK(q->verify_peer == p.verify_peer);
    }
    CHECK(full.smtp.connect_timeout == def.smtp.connect_timeout);
    CHECK(full.smtp.reply_timeout == def.smtp.reply_timeout);
    CHECK(full.smtp.message_timeout == def.smtp.message_timeout);
    CHECK(full.content.generator == def.content.generator);
    CHECK(full.content.command == def.content.command);
    CHECK(full.content.timeout == def.content.timeout);
    CHECK(full.unsubscribe.url == def.unsubscribe.url);
    const auto minimal = config::parse(test::read_file(etc + "emailqueue.minimal.yaml"), "min");
    CHECK(minimal.processing.batch_cap == def.processing.batch_cap);
    CHECK(minimal.secrets_file == "/etc/emailqueue/secrets");
}

TEST_CASE("sending keys have documented defaults", "[config]") {
    const auto c = config::defaults();
    CHECK(c.smtp.connect_timeout == Seconds(30));
    CHECK(c.smtp.reply_timeout == Seconds(30));
    CHECK(c.smtp.message_timeout == Seconds(120));
    CHECK(c.content.generator == config::ContentGenerator::campaign_template);
    CHECK(config::to_string(c.content.generator) == "template");
    CHECK(c.content.command.empty());
    CHECK(c.content.timeout == Seconds(60));
    CHECK(c.unsubscribe.url.empty());
}

TEST_CASE("sending keys are read and checked", "[config]") {
    const auto c = config::parse(R"(
smtp:
  connect_timeout: 10s
  reply_timeout: 1m
  message_timeout: 4m
content:
  generator: command
  command: /usr/local/bin/write-email --model small
  timeout: 90s
unsubscribe:
  url: https://app.example.com/unsubscribe?lead={lead_id}&company={company_id}&e={email_log_id}
)",
                                 "x.yaml");
    CHECK(c.smtp.connect_timeout == Seconds(10));
    CHECK(c.smtp.reply_timeout == Seconds(60));
    CHECK(c.smtp.message_timeout == Seconds(240));
    CHECK(c.content.generator == config::ContentGenerator::command);
    CHECK(c.content.command == "/usr/local/bin/write-email --model small");
    CHECK(c.content.timeout == Seconds(90));
    CHECK(
        c.unsubscribe.url ==
        "https://app.example.com/unsubscribe?lead={lead_id}&company={company_id}&e={email_log_id}");

    CHECK(error_of("smtp:\n  reply_timeout: 30\n")
              .starts_with("78|test.yaml:2: smtp.reply_timeout: "));
    CHECK(error_of("smtp:\n  reply_timeout: 0s\n") ==
          "78|test.yaml:2: smtp.reply_timeout: 0s is out of range [1s, 10m]|");
    CHECK(error_of("smtp:\n  message_timeout: 2h\n") ==
          "78|test.yaml:2: smtp.message_timeout: 2h is out of range [1s, 1h]|");
    CHECK(error_of("content:\n  generator: llm\n") ==
          "78|test.yaml:2: content.generator: 'llm' is not one of template, command|");
    CHECK(error_of("content:\n  generator: command\n") ==
          "78|test.yaml: content.generator is command but content.command is empty|set "
          "content.command to the program that writes the emails");
    CHECK(error_of("unsubscribe:\n  url: http://x.example/u\n") ==
          "78|test.yaml:2: unsubscribe.url: 'http://x.example/u' is not an https:// URL|"
          "one-click unsubscribe (RFC 8058) requires https");
    CHECK(error_of("unsubscribe:\n  url: https://x.example/u?l={lead}\n") ==
          "78|test.yaml:2: unsubscribe.url: unknown placeholder '{lead}' (known: {lead_id}, "
          "{company_id}, {campaign_id}, {email_log_id})|");
    CHECK(error_of("unsubscribe:\n  url: \"https://x.example/a b\"\n") ==
          "78|test.yaml:2: unsubscribe.url: character 0x20 at position 20 is not allowed in "
          "the URL (percent-encode it)|");
    CHECK(error_of("unsubscribe:\n  url: https://x.example/" + std::string(900, 'a') + "\n")
              .starts_with("78|test.yaml:2: unsubscribe.url: the URL is 918 characters long"));
    CHECK(error_of("content:\n  comand: x\n") ==
          "78|test.yaml:2: unknown key 'content.comand'|did you mean 'content.command'?");
}

TEST_CASE("every key is in the full example and in emailqueue.yaml(5)", "[config]") {
    const std::string root = std::string(EQ_SOURCE_DIR);
    const auto example = test::read_file(root + "/etc/emailqueue.yaml");
    const auto man = test::read_file(root + "/man/emailqueue.yaml.5");
    for (const auto& key : config::known_keys()) {
        INFO(key);
        const auto leaf = key.substr(key.rfind('.') + 1);
        CHECK(example.find(leaf + ":") != std::string::npos);
        const auto star = key.find(".*.");
        if (star == std::string::npos) {
            CHECK(man.find(key) != std::string::npos);
        } else {
            CHECK(man.find(key.substr(0, star + 1) + " NAME ." + key.substr(star + 3)) !=
                  std::string::npos);
        }
    }
}

TEST_CASE("log and bugsnag keys parse, and bad values are refused with their line", "[config]") {
    const auto c = config::parse("log:\n  level: INFO\n  format: json\nbugsnag:\n"
                                 "  endpoint: http://127.0.0.1:9/notify/\n"
                                 "  release_stage: staging\n  timeout: 5s\n",
                                 "test.yaml");
    CHECK(c.log.level == log::Level::info);
    CHECK(c.log.format == log::Format::json);
    CHECK(c.bugsnag.endpoint == "http://127.0.0.1:9/notify");
    CHECK(c.bugsnag.release_stage == "staging");
    CHECK(c.bugsnag.timeout == std::chrono::seconds(5));
    const auto d = config::defaults();
    CHECK(d.log.level == log::Level::warn);
    CHECK(d.log.format == log::Format::text);
    CHECK(d.bugsnag.endpoint == "https://notify.bugsnag.com");
    CHECK(error_of("log:\n  level: loud\n") ==
          "78|test.yaml:2: log.level: 'loud' is not one of error, warn, info, debug|");
    CHECK(error_of("log:\n  format: xml\n") ==
          "78|test.yaml:2: log.format: 'xml' is not one of text, json, syslog|");
    CHECK(error_of("bugsnag:\n  endpoint: ftp://x\n")
              .starts_with("78|test.yaml:2: bugsnag.endpoint:"));
    CHECK(error_of("bugsnag:\n  timeout: 2m\n").starts_with("78|test.yaml:2: bugsnag.timeout:"));
}

TEST_CASE("processing.call_handoff is on by default and can be turned off", "[config]") {
    CHECK(config::defaults().processing.call_handoff);
    CHECK_FALSE(
        config::parse("processing:\n  call_handoff: false\n", "c.yaml").processing.call_handoff);
    CHECK_THROWS_AS(config::parse("processing:\n  call_handoff: maybe\n", "c.yaml"), Error);
}
