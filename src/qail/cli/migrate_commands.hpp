#pragma once
// The options of the migrate subcommands the engine implements (apply,
// rollback, new, up/down, reset), filled by cmd_migrate.cpp and run by the
// migrate_*.cpp files.

#include <optional>
#include <string>

namespace qail::cli {

struct Runtime;

/// Options every database-writing migrate command shares.
struct DatabaseOptions {
    std::optional<std::string> url_positional;
    std::optional<std::string> url;
    bool wait_for_lock = false;
};

struct NewOptions {
    std::string name;
    std::optional<std::string> from;
    std::optional<std::string> to;
    bool allow_destructive = false;
};

struct PlanOptions {
    std::string diff;
    std::optional<std::string> output;
    bool allow_destructive = false;
};

struct ApplyOptions {
    DatabaseOptions db;
    std::string phase = "all";
    std::string direction = "up";
    int backfill_chunk_size = 5000;
    bool backfill_chunk_size_given = false;
    int backfill_pause_ms = 0;
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
    double lock_timeout = 2.0;
};

struct StateOptions {
    DatabaseOptions db;
    std::string diff;
    bool up = true;
    bool yes = false;
    bool allow_destructive = false;
    std::optional<std::string> backup;
    bool restore_data = false;
    std::optional<long long> estimate_above;
    double lock_timeout = 2.0;
};

struct ResetOptions {
    DatabaseOptions db;
    std::string schema;
    bool yes = false;
};

void run_migrate_new(Runtime& rt, const NewOptions& options);
void run_migrate_plan(Runtime& rt, const PlanOptions& options);
void run_migrate_apply(Runtime& rt, const ApplyOptions& options);
void run_migrate_rollback(Runtime& rt, const RollbackOptions& options);
void run_migrate_state(Runtime& rt, const StateOptions& options);
void run_migrate_reset(Runtime& rt, const ResetOptions& options);

} // namespace qail::cli
