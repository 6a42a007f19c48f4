#include "util/exit_code.hpp"

#include <array>

namespace eq {

std::span<const ExitCodeInfo> exit_code_table() {
    static constexpr std::array<ExitCodeInfo, 16> k_table{{
        {ExitCode::ok, "ok", "success"},
        {ExitCode::partial, "partial", "the command ran but part of its work failed"},
        {ExitCode::usage, "usage",
         "bad command line: unknown option, malformed UUID, time, "
         "duration or number"},
        {ExitCode::data, "data", "data in the database is unusable (campaign, template, account)"},
        {ExitCode::not_found, "not-found", "no such company, campaign, run or row"},
        {ExitCode::conflict, "conflict", "the object's state forbids the operation"},
        {ExitCode::unavailable, "unavailable", "the database cannot be reached"},
        {ExitCode::internal, "internal", "internal error (a bug; please report it)"},
        {ExitCode::cant_create, "cant-create", "an output file cannot be written"},
        {ExitCode::io, "io", "an input file cannot be read"},
        {ExitCode::temporary, "temporary", "temporary failure: try again later"},
        {ExitCode::schema, "schema", "the database schema is missing or a migration failed"},
        {ExitCode::permission, "permission", "permission denied"},
        {ExitCode::config, "config", "the configuration is invalid"},
        {ExitCode::interrupted, "interrupted", "stopped by SIGINT"},
        {ExitCode::terminated, "terminated", "stopped by SIGTERM"},
    }};
    return k_table;
}

} // namespace eq
