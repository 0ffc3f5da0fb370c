#include <CLI/CLI.hpp>

#include <qail/cli/commands.hpp>
#include <qail/cli/migrate_commands.hpp>
#include <qail/cli/migrate_safety.hpp>
#include <qail/cli/migrate_status.hpp>
#include <qail/cli/runtime.hpp>

namespace qail::cli {

namespace {

void add_database_options(CLI::App* cmd, DatabaseOptions& options, bool positional = true) {
    if (positional) {
        cmd->add_option("url", options.url_positional, "Database URL or conninfo");
    }
    cmd->add_option("--url", options.url, "Database URL (else DATABASE_URL, qail.toml, libpq)");
    cmd->add_flag("--wait-for-lock", options.wait_for_lock,
                  "Wait for another running migration instead of exiting 4");
}

struct StatusOptions {
    DatabaseOptions db;
    bool json = false;
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
    create->add_flag("--allow-destructive", new_options->allow_destructive,
                     "Allow drops that no 'drop ... confirm' hint covers");
    create->callback([&rt, new_options] { run_migrate_new(rt, *new_options); });

    auto plan_options = std::make_shared<PlanOptions>();
    CLI::App* plan = migrate->add_subcommand(
        "plan", "Show the phased plan for old:new with each step's lock and risk; runs nothing");
    plan->add_option("diff", plan_options->diff, "old.qail:new.qail")->required();
    plan->add_option("-o,--output", plan_options->output, "Also write the plan as SQL to a file");
    plan->add_flag("--allow-destructive", plan_options->allow_destructive,
                   "Allow drops that no 'drop ... confirm' hint covers");
    plan->callback([&rt, plan_options] { run_migrate_plan(rt, *plan_options); });

    auto apply_options = std::make_shared<ApplyOptions>();
    CLI::App* apply = migrate->add_subcommand("apply", "Apply pending delta files from deltas/");
    add_database_options(apply, apply_options->db);
    apply->add_option("--phase", apply_options->phase, "Which phase to run")
        ->check(CLI::IsMember({"expand", "backfill", "contract", "all"}));
    apply->add_option("--direction", apply_options->direction, "up, or down to run down files")
        ->check(CLI::IsMember({"up", "down"}));
    CLI::Option* chunk_option =
        apply->add_option("--backfill-chunk-size", apply_options->backfill_chunk_size,
                          "Rows per backfill transaction (default 5000; wins over a file's "
                          "@backfill.chunk_size)")
            ->check(CLI::PositiveNumber);
    apply->add_option("--backfill-pause", apply_options->backfill_pause_ms,
                      "Milliseconds to sleep between backfill chunks (default 0)")
        ->check(CLI::NonNegativeNumber);
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
    apply->callback([&rt, apply_options, chunk_option] {
        apply_options->backfill_chunk_size_given = chunk_option->count() > 0;
        run_migrate_apply(rt, *apply_options);
    });

    auto rollback_options = std::make_shared<RollbackOptions>();
    CLI::App* rollback =
        migrate->add_subcommand("rollback", "Run down files back to (and excluding) a version");
    add_database_options(rollback, rollback_options->db);
    rollback->add_option("--to", rollback_options->to,
                         "Version to keep, e.g. 20260527090000_add_user_name.expand.up.qail; `base` undoes all")
        ->required();
    rollback->add_option("--lock-timeout", rollback_options->lock_timeout,
                         "Seconds a DDL step may wait for its lock before retrying (default 2)");
    rollback->callback([&rt, rollback_options] { run_migrate_rollback(rt, *rollback_options); });

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
        state_options->up = up;
        state->add_option("--lock-timeout", state_options->lock_timeout,
                          "Seconds a DDL step may wait for its lock before retrying (default 2)");
        state->callback([&rt, state_options] { run_migrate_state(rt, *state_options); });
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
    reset->callback([&rt, reset_options] { run_migrate_reset(rt, *reset_options); });

    add_shadow_commands(migrate, rt);
}

} // namespace qail::cli
