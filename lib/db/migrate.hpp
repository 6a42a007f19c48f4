#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"
#include "util/time.hpp"

namespace eq::db {

// One file sql/NNN_name.sql. Versions are applied in ascending order, each once.
struct Migration {
    int version = 0;
    std::string name; // "002_email_queue"
    std::string path; // where it was read from
    std::string sql;
    std::string checksum; // sha256 of the file, recorded when applied
};

struct AppliedMigration {
    int version = 0;
    std::string name;
    std::string checksum;
    Timestamp applied_at;
};

struct MigrationStatus {
    std::vector<AppliedMigration> applied;
    std::vector<Migration> pending;
    // Applied migrations whose file has changed since (or is gone): worth a warning.
    std::vector<std::string> changed;
};

// The folder holding the migrations: `override` when given, else $EMAILQUEUE_SQL_DIR,
// else <program dir>/../share/emailqueue/sql (an installed tree), else the source tree's
// sql/ (a build tree), else the compiled-in install path. Throws eq::Error(schema).
std::string find_sql_dir(const std::optional<std::string>& override_dir);

// A file's checksum as recorded in emailqueue_migrations (the caller's digest:
// crypto::sha256_hex), so db needs no cryptography of its own.
using Checksum = std::string (*)(std::string_view text);

// Reads every NNN_name.sql in dir, sorted by version, each with its checksum. Throws on
// duplicate versions.
std::vector<Migration> load_migrations(const std::string& dir, Checksum checksum);

// What has been applied and what is pending. Works on a database that has never been
// migrated (nothing applied).
MigrationStatus migration_status(Connection& conn, const std::vector<Migration>& available);

// Applies the pending migrations in order, each in its own transaction and recorded in
// emailqueue_migrations. A session advisory lock makes concurrent runs wait for each
// other, so a second run finds nothing to do. A failing statement rolls its migration
// back and throws eq::Error(schema) naming the file, the line and the statement.
// on_applied is called after each migration commits.
std::vector<Migration> migrate(Connection& conn, const std::vector<Migration>& available,
                               const std::function<void(const Migration&)>& on_applied = {});

} // namespace eq::db
