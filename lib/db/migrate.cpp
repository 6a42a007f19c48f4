#include "db/migrate.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "db/sql_script.hpp"

namespace eq::db {

namespace fs = std::filesystem;

namespace {

// Where the migrations are looked for: the source tree's sql/ (a build run in place) and
// the installed copy, as the build names them (CMakeLists.txt).
#ifdef EQ_SQL_SOURCE_DIR
constexpr const char* k_sql_source_dir = EQ_SQL_SOURCE_DIR;
#else
constexpr const char* k_sql_source_dir = "";
#endif
#ifdef EQ_SQL_INSTALL_DIR
constexpr const char* k_sql_install_dir = EQ_SQL_INSTALL_DIR;
#else
constexpr const char* k_sql_install_dir = "/usr/local/share/emailqueue/sql";
#endif

// Serialises concurrent migrate runs ("emailq" in ASCII).
constexpr long long k_migrate_lock = 0x656d61696c71;

constexpr Statement k_create_table{"create_migrations_table",
                                   "CREATE TABLE IF NOT EXISTS emailqueue_migrations ("
                                   " version integer PRIMARY KEY,"
                                   " name text NOT NULL,"
                                   " checksum text NOT NULL,"
                                   " applied_at timestamptz NOT NULL DEFAULT now())"};
constexpr Statement k_table_exists{"migrations_table_exists",
                                   "SELECT to_regclass('emailqueue_migrations') IS NOT NULL AS ok"};
constexpr Statement k_applied{
    "applied_migrations",
    "SELECT version, name, checksum, applied_at FROM emailqueue_migrations ORDER BY version"};
constexpr Statement k_record{
    "record_migration",
    "INSERT INTO emailqueue_migrations (version, name, checksum) VALUES ($1, $2, $3)"};
constexpr Statement k_lock{"migrate_lock", "SELECT pg_advisory_lock($1)"};
constexpr Statement k_unlock{"migrate_unlock", "SELECT pg_advisory_unlock($1) AS ok"};

// Earlier forms of a migration that was corrected after release, by version: a database
// that applied one of them is not warned about, since a later migration repairs what it
// did. 002's first form treated the web application's follow-ups (reminders, replies) as
// duplicates of the first email; 012 undoes that.
const std::map<int, std::vector<std::string_view>> k_superseded{
    {2, {"6e5ae399f21b7031d8282ad9dbb7ab283bbb0897229c631369b07410ac1e3021"}}};

bool superseded(int version, const std::string& checksum) {
    const auto it = k_superseded.find(version);
    return it != k_superseded.end() &&
           std::find(it->second.begin(), it->second.end(), checksum) != it->second.end();
}

std::vector<AppliedMigration> read_applied(Connection& conn) {
    std::vector<AppliedMigration> out;
    if (!conn.one(k_table_exists).only().boolean("ok")) {
        return out;
    }
    for (const auto row : conn.rows(k_applied)) {
        out.push_back({static_cast<int>(row.integer("version")), row.text("name"),
                       row.text("checksum"), row.time("applied_at")});
    }
    return out;
}

std::string one_line(std::string_view sql) {
    std::string s;
    bool space = false;
    for (const char c : sql) {
        if (c == '\n' || c == '\t' || c == ' ' || c == '\r') {
            space = !s.empty();
            continue;
        }
        if (space) {
            s.push_back(' ');
            space = false;
        }
        s.push_back(c);
    }
    return s.size() > 100 ? s.substr(0, 97) + "..." : s;
}

} // namespace

std::string find_sql_dir(const std::optional<std::string>& override_dir) {
    const auto usable = [](const fs::path& p) {
        std::error_code ec;
        return fs::is_directory(p, ec);
    };
    if (override_dir) {
        if (!usable(*override_dir)) {
            throw Error(ExitCode::schema,
                        fmt::format("migrations folder '{}' does not exist", *override_dir));
        }
        return *override_dir;
    }
    if (const char* env = std::getenv("EMAILQUEUE_SQL_DIR"); env != nullptr && *env) {
        if (!usable(env)) {
            throw Error(
                ExitCode::schema,
                fmt::format("EMAILQUEUE_SQL_DIR: migrations folder '{}' does not exist", env));
        }
        return env;
    }
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = exe.parent_path().parent_path() / "share" / "emailqueue" / "sql";
        if (usable(installed)) {
            return installed.string();
        }
    }
    for (const char* dir : {k_sql_source_dir, k_sql_install_dir}) {
        if (*dir && usable(dir)) {
            return dir;
        }
    }
    throw Error(ExitCode::schema, "cannot find the SQL migrations",
                "install them, or point EMAILQUEUE_SQL_DIR at the sql/ folder");
}

std::vector<Migration> load_migrations(const std::string& dir, Checksum checksum) {
    static const std::regex k_name(R"((\d{3,})_([A-Za-z0-9_]+)\.sql)");
    std::vector<Migration> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const auto file = entry.path().filename().string();
        std::smatch m;
        if (!entry.is_regular_file() || !std::regex_match(file, m, k_name)) {
            continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        if (!in) {
            throw Error(ExitCode::io,
                        fmt::format("cannot read migration '{}'", entry.path().string()));
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        Migration mig;
        mig.version = std::stoi(m[1].str());
        mig.name = entry.path().stem().string();
        mig.path = entry.path().string();
        mig.sql = ss.str();
        mig.checksum = checksum(mig.sql);
        out.push_back(std::move(mig));
    }
    if (ec) {
        throw Error(ExitCode::io,
                    fmt::format("cannot list migrations in '{}': {}", dir, ec.message()));
    }
    std::sort(out.begin(), out.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (out[i].version == out[i - 1].version) {
            throw Error(ExitCode::schema,
                        fmt::format("two migrations have version {}: {} and {}", out[i].version,
                                    out[i - 1].path, out[i].path));
        }
    }
    return out;
}

MigrationStatus migration_status(Connection& conn, const std::vector<Migration>& available) {
    MigrationStatus st;
    st.applied = read_applied(conn);
    std::map<int, const AppliedMigration*> by_version;
    for (const auto& a : st.applied) {
        by_version[a.version] = &a;
    }
    std::set<int> present;
    for (const auto& m : available) {
        present.insert(m.version);
        const auto it = by_version.find(m.version);
        if (it == by_version.end()) {
            st.pending.push_back(m);
        } else if (it->second->checksum != m.checksum &&
                   !superseded(m.version, it->second->checksum)) {
            st.changed.push_back(fmt::format("{} was edited after it was applied", m.name));
        }
    }
    for (const auto& a : st.applied) {
        if (!present.contains(a.version)) {
            st.changed.push_back(fmt::format("{} is applied but its file is missing", a.name));
        }
    }
    return st;
}

std::vector<Migration> migrate(Connection& conn, const std::vector<Migration>& available,
                               const std::function<void(const Migration&)>& on_applied) {
    conn.one(k_lock, k_migrate_lock);
    struct Unlock {
        Connection& c;
        bool done = false;
        // Through a pooler in transaction mode the lock would have been taken on another
        // server session than this one, and nothing serialised the run.
        void now() {
            done = true;
            if (!c.one(k_unlock, k_migrate_lock).only().boolean("ok")) {
                throw lock_vanished("of db migrate");
            }
        }
        ~Unlock() {
            try {
                if (!done) {
                    c.one(k_unlock, k_migrate_lock);
                }
            } catch (...) {
                // Session locks end with the session anyway.
            }
        }
    } unlock{conn};

    conn.none(k_create_table);
    const auto status = migration_status(conn, available);
    std::vector<Migration> applied;
    for (const auto& mig : status.pending) {
        Transaction tx(conn);
        for (const auto& stmt : split_script(mig.sql)) {
            try {
                conn.run(stmt.sql, mig.name);
            } catch (const DbError& e) {
                if (e.code() == ExitCode::unavailable) {
                    throw;
                }
                throw Error(ExitCode::schema,
                            fmt::format("{}:{}: migration {} failed in statement \"{}\": {} "
                                        "[SQLSTATE {}]",
                                        mig.path, stmt.line, mig.name, one_line(stmt.sql),
                                        e.server_message(), e.sqlstate()),
                            "nothing of this migration was applied; fix the cause and run "
                            "'queue-admin db migrate' again");
            }
        }
        conn.none(k_record, mig.version, mig.name, mig.checksum);
        tx.commit();
        applied.push_back(mig);
        if (on_applied) {
            on_applied(mig);
        }
    }
    unlock.now();
    return applied;
}

} // namespace eq::db
