// queue-admin db migrate | db status

#include <fmt/format.h>

#include <iostream>

#include "admin/admin.hpp"
#include "crypto/digest.hpp"
#include "db/connection.hpp"
#include "db/migrate.hpp"

namespace eq::admin {

namespace {

struct DbOptions {
    std::string sql_dir;
    std::string url; // migrate --url
};

std::optional<std::string> dir_option(const DbOptions& o) {
    return o.sql_dir.empty() ? std::nullopt : std::optional<std::string>(o.sql_dir);
}

// Migrations need one session for the whole run (their advisory lock): --url, then
// database.migrate_url, is the direct port; database.url only when it is not a pooler in
// transaction mode.
db::Connection migrate_connection(const config::Config& config, const DbOptions& options) {
    const std::string& direct = options.url.empty() ? config.database.migrate_url : options.url;
    if (!direct.empty()) {
        return db::Connection::open(direct, k_program, config::PoolMode::session);
    }
    if (config.database.pool_mode == config::PoolMode::transaction) {
        throw Error(ExitCode::config,
                    "db migrate needs one database session for its whole run, which a pooler "
                    "in transaction mode (database.pool_mode: transaction) does not keep",
                    "set database.migrate_url to the database's direct port (on Supabase "
                    "port 5432, not 6543), or pass --url");
    }
    return cli::connect(config, k_program);
}

int migrate(const Context& context, const DbOptions& options) {
    const auto config = cli::load_config(context.common);
    const auto migrations =
        db::load_migrations(db::find_sql_dir(dir_option(options)), crypto::sha256_hex);
    auto conn = migrate_connection(config, options);
    const bool chatty = !context.common.json && cli::stdout_is_terminal();
    const auto applied = db::migrate(conn, migrations, [&](const db::Migration& m) {
        if (chatty) {
            std::cout << "applied " << m.name << std::endl;
        }
    });
    if (context.common.json) {
        Json out = Json::object();
        Json list = Json::array();
        for (const auto& m : applied) {
            list.push(Json(Json::Object{{"version", m.version}, {"name", m.name}}));
        }
        out.set("applied", std::move(list));
        out.set("pending", 0);
        cli::print_json(out);
    } else if (chatty) {
        std::cout << (applied.empty() ? std::string("the database is up to date")
                                      : fmt::format("{} migration{} applied", applied.size(),
                                                    applied.size() == 1 ? "" : "s"))
                  << '\n';
    }
    return 0;
}

int status(const Context& context, const DbOptions& options) {
    const auto config = cli::load_config(context.common);
    const auto migrations =
        db::load_migrations(db::find_sql_dir(dir_option(options)), crypto::sha256_hex);
    auto conn = cli::connect(config, k_program);
    const auto st = db::migration_status(conn, migrations);
    if (context.common.json) {
        Json applied = Json::array();
        for (const auto& a : st.applied) {
            applied.push(Json(Json::Object{{"version", a.version},
                                           {"name", a.name},
                                           {"applied_at", format_timestamp(a.applied_at)}}));
        }
        Json pending = Json::array();
        for (const auto& p : st.pending) {
            pending.push(Json(Json::Object{{"version", p.version}, {"name", p.name}}));
        }
        Json changed = Json::array();
        for (const auto& c : st.changed) {
            changed.push(c);
        }
        cli::print_json(Json(Json::Object{{"applied", std::move(applied)},
                                          {"pending", std::move(pending)},
                                          {"warnings", std::move(changed)}}));
        return 0;
    }
    for (const auto& a : st.applied) {
        std::cout << fmt::format("applied  {:<32} {}\n", a.name, format_timestamp(a.applied_at));
    }
    for (const auto& p : st.pending) {
        std::cout << fmt::format("pending  {}\n", p.name);
    }
    for (const auto& c : st.changed) {
        cli::warn(k_program, c);
    }
    if (st.pending.empty()) {
        std::cout << "the database is up to date\n";
    } else {
        std::cout << fmt::format("{} migration{} pending: run 'queue-admin db migrate'\n",
                                 st.pending.size(), st.pending.size() == 1 ? "" : "s");
    }
    return 0;
}

} // namespace

void setup_db(CLI::App& app, Context& context) {
    auto* db = app.add_subcommand("db", "Database schema: apply and list migrations");
    db->require_subcommand(1);
    auto options = std::make_shared<DbOptions>();

    auto* mig = db->add_subcommand("migrate", "Apply pending migrations, each in its own "
                                              "transaction (safe to run concurrently)");
    mig->add_option("--sql-dir", options->sql_dir,
                    "Folder of NNN_name.sql migrations (default: the installed ones)")
        ->type_name("DIR");
    mig->add_option("--url", options->url,
                    "Connect here (a libpq URL or connection string) instead of "
                    "database.migrate_url or database.url: the direct port, not a pooler in "
                    "transaction mode")
        ->type_name("URL");
    mig->callback([&context, options] {
        context.action = [&context, options] { return migrate(context, *options); };
    });

    auto* st = db->add_subcommand("status", "List applied and pending migrations");
    st->add_option("--sql-dir", options->sql_dir, "Folder of NNN_name.sql migrations")
        ->type_name("DIR");
    st->callback([&context, options] {
        context.action = [&context, options] { return status(context, *options); };
    });
}

} // namespace eq::admin
