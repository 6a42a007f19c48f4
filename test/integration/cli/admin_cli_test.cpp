#include <catch2/catch.hpp>

#include "support/programs.hpp"
#include "support/temp_dir.hpp"
#include "util/version.hpp"

using namespace eq;
using namespace eq::test;

TEST_CASE("every program prints its version and help", "[cli]") {
    for (const std::string program : {"queue-admin", "queue-enqueue", "queue-process"}) {
        INFO(program);
        const auto v = run_program_without_db(program, {"--version"});
        CHECK(v.exit_code == 0);
        CHECK(v.out == program + " (emailqueue) " + k_version + "\n");
        const auto h = run_program_without_db(program, {"--help"});
        CHECK(h.exit_code == 0);
        CHECK(h.out.find("--config") != std::string::npos);
        CHECK(h.out.find("--json") != std::string::npos);
        CHECK(h.out.find("--version") != std::string::npos);
    }
}

TEST_CASE("a misspelt subcommand or option gets 'did you mean' and exit 64", "[cli]") {
    const auto sub = run_program_without_db("queue-admin", {"db", "migrat"});
    CHECK(sub.exit_code == 64);
    CHECK(sub.err.find("queue-admin: error: unexpected argument 'migrat'") != std::string::npos);
    CHECK(sub.err.find("hint: did you mean 'migrate'?") != std::string::npos);

    const auto top = run_program_without_db("queue-admin", {"dbb"});
    CHECK(top.exit_code == 64);
    CHECK(top.err.find("did you mean 'db'?") != std::string::npos);

    const auto opt = run_program_without_db("queue-admin", {"db", "status", "--jsno"});
    CHECK(opt.exit_code == 64);
    CHECK(opt.err.find("did you mean '--json'?") != std::string::npos);
}

TEST_CASE("configuration errors exit 78 with file and line", "[cli]") {
    TempDir dir;
    const auto cfg = dir.write("bad.yaml", "processing:\n  batch_cap: -1\n", 0644);
    const auto r = run_program_without_db("queue-admin", {"db", "status", "--config", cfg});
    CHECK(r.exit_code == 78);
    CHECK(r.err == "queue-admin: error: " + cfg +
                       ":2: processing.batch_cap: -1 is negative; it must be at least 1\n");

    const auto env = run_program_without_db("queue-admin", {"db", "status"},
                                            {{"EMAILQUEUE_CONFIG", dir.file("none.yaml")}});
    CHECK(env.exit_code == 78);
    CHECK(env.err.find("cannot read config file") != std::string::npos);
}

TEST_CASE("a config with a password readable by others is refused with exit 77", "[cli]") {
    TempDir dir;
    const auto cfg = dir.write("open.yaml", "database:\n  url: postgresql://q:hunter2@h/d\n", 0644);
    const auto r = run_program_without_db("queue-admin", {"db", "status", "--config", cfg},
                                          {{"DATABASE_URL", ""}});
    CHECK(r.exit_code == 77);
    CHECK(r.err.find("group or others can access it") != std::string::npos);
    CHECK(r.err.find("hunter2") == std::string::npos);
}

TEST_CASE("an unreachable database exits 69 with a clear message", "[cli]") {
    const auto r = run_program_without_db("queue-admin", {"db", "status"});
    CHECK(r.exit_code == 69);
    CHECK(r.err.find("queue-admin: error: cannot connect to the database:") == 0);
    CHECK(r.err.find("hint: set database.url") != std::string::npos);
}

TEST_CASE("the database can come from libpq's environment alone", "[cli]") {
    TestDatabase db;
    const auto& pg = pg_server();
    const auto r = run_program("queue-admin", {"db", "status", "--json"}, db,
                               {{"DATABASE_URL", ""},
                                {"PGHOST", pg.host},
                                {"PGPORT", std::to_string(pg.port)},
                                {"PGUSER", pg.user},
                                {"PGDATABASE", db.name()}});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("\"pending\":[]") != std::string::npos);
}
