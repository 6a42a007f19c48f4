#include "support/programs.hpp"

#include <fmt/format.h>

#include "support/temp_dir.hpp"

namespace eq::test {

namespace {

std::vector<std::string> argv_for(const std::string& program,
                                  const std::vector<std::string>& args) {
    std::vector<std::string> argv{program_path(program)};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

} // namespace

ProcessResult run_program(const std::string& program, const std::vector<std::string>& args,
                          const TestDatabase& db,
                          const std::map<std::string, std::string>& extra_env,
                          const std::string& stdin_text) {
    auto env = db.env();
    for (const auto& [k, v] : extra_env) {
        env[k] = v;
    }
    RunOptions options;
    options.env = std::move(env);
    options.stdin_text = stdin_text;
    return run_process(argv_for(program, args), options);
}

ProcessResult run_program_without_db(const std::string& program,
                                     const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& extra_env) {
    RunOptions options;
    options.env = {
        {"DATABASE_URL", fmt::format("postgresql://nobody@127.0.0.1:{}/none", free_port())},
        {"EMAILQUEUE_CONFIG", ""},
        {"PGHOST", ""},
        {"PGPORT", ""}};
    for (const auto& [k, v] : extra_env) {
        options.env[k] = v;
    }
    return run_process(argv_for(program, args), options);
}

std::string fixture_path(const std::string& name) {
    return std::string(EQ_SOURCE_DIR) + "/test/integration/fixtures/" + name;
}

} // namespace eq::test
