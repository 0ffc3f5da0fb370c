#include <CLI/CLI.hpp>

#include <qail/cli/commands.hpp>
#include <qail/cli/migrate_status.hpp>
#include <qail/cli/runtime.hpp>

namespace qail::cli {

namespace {

/// Options every database-writing migrate command shares.
struct DatabaseOptions {
    std::optional<std::string> url_positional;
    std::optional<std::string> url;
    bool wait_for_lock = false;
};

void add_database_options(CLI::App* cmd, DatabaseOptions& options, bool positional = true) {
    if (positional) {
        cmd->add_option("url", options.url_positional, "Database URL or conninfo");
    }
    cmd->add_option("--url", options.url, "Database URL (else DATABASE_URL, qail.toml, libpq)");
    cmd->add_flag("--wait-for-lock", options.wait_for_lock,
                  "Wait for another running migration instead of exiting 4");
}

struct NewOptions {
    std::string name;
    std::optional<std::string> from;
    std::optional<std::string> to;
};

struct PlanOptions {
    std::string diff;
    std::optional<std::string> output;
};

struct ApplyOptions {
    DatabaseOptions db;
    std::string phase = "all";
    std::string direction = "up";
    int backfill_chunk_size = 5000;
    std::optional<std::string> codebase;
    bool dry_run = false;
    bool yes = false;
    bool allow_destructive = false;
    bool allow_contract_with_references = false;
    std::optional<std::string> backup;
    double lock_timeout = 2.0;
};

struct RollbackOptions {
    DatabaseOptions db;
    std::string to;
};

struct StateOptions {
    DatabaseOptions db;
    std::string diff;
    bool yes = false;
    bool allow_destructive = false;
    std::optional<std::string> backup;
    bool restore_data = false;
    std::optional<long long> estimate_above;
};

struct StatusOptions {
    DatabaseOptions db;
    bool json = false;
};

struct ResetOptions {
    DatabaseOptions db;
    std::string schema;
    bool yes = false;
};

struct ShadowOptions {
    DatabaseOptions db;
    std::string diff;
};

} // namespace

void add_migrate_command(CLI::App& app, Runtime& rt) {
    CLI::App* migrate = app.add_subcommand("migrate", "Plan, apply, inspect and undo migrations");
    migrate->require_subcommand(1);

    auto new_options = std::make_shared<NewOptions>();
    CLI::App* create = migrate->add_subcommand(
        "new", "Create a delta folder deltas/<timestamp>_<name>/ (from a diff with --from/--to)");
    create->add_option("name", new_options->name, "Migration name, e.g. add_user_name")
        ->required();
    create->add_option("--from", new_options->from, "Current state (file, directory, URL)");
    create->add_option("--to", new_options->to, "Desired state (file, directory, URL)");
    create->callback([&rt] {
        (void)rt;
        not_implemented("migrate new", 5);
    });

    auto plan_options = std::make_shared<PlanOptions>();
    CLI::App* plan = migrate->add_subcommand(
        "plan", "Show the phased plan for old:new with each step's lock and risk; runs nothing");
    plan->add_option("diff", plan_options->diff, "old.qail:new.qail")->required();
    plan->add_option("-o,--output", plan_options->output, "Also write the plan as SQL to a file");
    plan->callback([&rt] {
        (void)rt;
        not_implemented("migrate plan", 6);
    });

    auto apply_options = std::make_shared<ApplyOptions>();
    CLI::App* apply = migrate->add_subcommand("apply", "Apply pending delta files from deltas/");
    add_database_options(apply, apply_options->db);
    apply->add_option("--phase", apply_options->phase, "Which phase to run")
        ->check(CLI::IsMember({"expand", "backfill", "contract", "all"}));
    apply->add_option("--direction", apply_options->direction, "up, or down to run down files")
        ->check(CLI::IsMember({"up", "down"}));
    apply->add_option("--backfill-chunk-size", apply_options->backfill_chunk_size,
                      "Rows per backfill transaction (default 5000)")
        ->check(CLI::PositiveNumber);
    apply->add_option("--codebase", apply_options->codebase,
                      "Refuse contract while files here still name dropped tables/columns");
    apply->add_flag("--allow-contract-with-references",
                    apply_options->allow_contract_with_references,
                    "Contract even though the codebase still references dropped names");
    apply->add_flag("--dry-run", apply_options->dry_run,
                    "Print each step with the lock it takes; run nothing");
    apply->add_flag("-y,--yes", apply_options->yes, "Answer yes to confirmations");
    apply->add_flag("--allow-destructive", apply_options->allow_destructive,
                    "Allow destructive steps without a confirm hint");
    apply->add_option("--backup", apply_options->backup,
                      "Backup before destructive steps: none, files or db")
        ->check(CLI::IsMember({"none", "files", "db"}));
    apply->add_option("--lock-timeout", apply_options->lock_timeout,
                      "Seconds a DDL step may wait for its lock before retrying (default 2)");
    apply->callback([&rt] {
        (void)rt;
        not_implemented("migrate apply", 5);
    });

    auto rollback_options = std::make_shared<RollbackOptions>();
    CLI::App* rollback =
        migrate->add_subcommand("rollback", "Run down files back to (and excluding) a version");
    add_database_options(rollback, rollback_options->db);
    rollback->add_option("--to", rollback_options->to,
                         "Version to roll back to, e.g. 20260527090000_add_user_name.expand.up.qail")
        ->required();
    rollback->callback([&rt] {
        (void)rt;
        not_implemented("migrate rollback", 5);
    });

    for (const char* direction : {"up", "down"}) {
        auto state_options = std::make_shared<StateOptions>();
        bool up = std::string(direction) == "up";
        CLI::App* state = migrate->add_subcommand(
            direction, up ? "State-based migration old:new, with impact analysis and backups"
                          : "State-based migration back, new:old");
        state->add_option("diff", state_options->diff, up ? "old.qail:new.qail" : "new.qail:old.qail")
            ->required();
        add_database_options(state, state_options->db);
        state->add_flag("-y,--yes", state_options->yes, "Proceed without a backup prompt");
        state->add_flag("--allow-destructive", state_options->allow_destructive,
                        "Allow drops that no 'drop ... confirm' hint covers");
        state->add_option("--backup", state_options->backup,
                          "Backup before destructive steps: none, files or db")
            ->check(CLI::IsMember({"none", "files", "db"}));
        state->add_option("--estimate-above", state_options->estimate_above,
                          "Estimate instead of counting on tables with more rows (default 10000000)");
        if (!up) {
            state->add_flag("--restore-data", state_options->restore_data,
                            "Restore backed-up values after the schema is rolled back");
        }
        std::string name = std::string("migrate ") + direction;
        state->callback([&rt, name] {
            (void)rt;
            not_implemented(name, 7);
        });
    }

    auto status_options = std::make_shared<StatusOptions>();
    CLI::App* status = migrate->add_subcommand("status", "Show the migration history");
    add_database_options(status, status_options->db);
    status->add_flag("--json", status_options->json, "Print the history as JSON");
    status->callback([&rt, status_options] {
        run_migrate_status(rt, StatusRequest{status_options->db.url_positional,
                                             status_options->db.url, status_options->json});
    });

    auto reset_options = std::make_shared<ResetOptions>();
    CLI::App* reset = migrate->add_subcommand(
        "reset", "Drop everything, clear history, create from a schema (development only)");
    reset->add_option("schema", reset_options->schema, "Schema file or directory")->required();
    add_database_options(reset, reset_options->db);
    reset->add_flag("-y,--yes", reset_options->yes, "Required: confirms that all data goes");
    reset->callback([&rt] {
        (void)rt;
        not_implemented("migrate reset", 5);
    });

    auto shadow_options = std::make_shared<ShadowOptions>();
    CLI::App* shadow = migrate->add_subcommand(
        "shadow", "Rehearse old:new on <db>_shadow with a copy of the data");
    shadow->add_option("diff", shadow_options->diff, "old.qail:new.qail")->required();
    add_database_options(shadow, shadow_options->db);
    shadow->callback([&rt] {
        (void)rt;
        not_implemented("migrate shadow", 7);
    });

    for (const char* verb : {"promote", "abort"}) {
        auto options = std::make_shared<DatabaseOptions>();
        bool promote = std::string(verb) == "promote";
        CLI::App* cmd = migrate->add_subcommand(
            verb, promote ? "Switch to the shadow database, keeping the old one"
                          : "Drop the shadow database; the primary stays as it is");
        add_database_options(cmd, *options);
        std::string name = std::string("migrate ") + verb;
        cmd->callback([&rt, name] {
            (void)rt;
            not_implemented(name, 7);
        });
    }
}

} // namespace qail::cli
