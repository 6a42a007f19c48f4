#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace eq::db {

struct ScriptStatement {
    std::string sql; // from its first significant character, without the ';'
    int line;        // 1-based line where the statement starts
};

// Splits a SQL script into statements at top-level semicolons, honouring quotes,
// quoted identifiers, dollar-quoted bodies ($$ ... $$, $fn$ ... $fn$) and comments, so a
// migration can be run statement by statement and a failure named precisely.
std::vector<ScriptStatement> split_script(std::string_view sql);

} // namespace eq::db
