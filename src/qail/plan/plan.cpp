#include "plan.hpp"

#include <algorithm>

namespace qail::plan {

std::string Plan::sql() const {
    std::string out;
    for (const Step& step : steps) {
        out += step.sql;
        out += ";\n";
    }
    return out;
}

bool Plan::has_destructive() const {
    return std::any_of(steps.begin(), steps.end(), [](const Step& s) { return s.destructive; });
}

const char* to_string(StepKind kind) {
    switch (kind) {
    case StepKind::set_config: return "set_config";
    case StepKind::create_extension: return "create_extension";
    case StepKind::alter_extension: return "alter_extension";
    case StepKind::drop_extension: return "drop_extension";
    case StepKind::create_schema: return "create_schema";
    case StepKind::drop_schema: return "drop_schema";
    case StepKind::create_enum: return "create_enum";
    case StepKind::add_enum_value: return "add_enum_value";
    case StepKind::rename_enum_value: return "rename_enum_value";
    case StepKind::rebuild_enum: return "rebuild_enum";
    case StepKind::create_domain: return "create_domain";
    case StepKind::alter_domain: return "alter_domain";
    case StepKind::drop_domain: return "drop_domain";
    case StepKind::create_composite_type: return "create_composite_type";
    case StepKind::alter_composite_type: return "alter_composite_type";
    case StepKind::drop_type: return "drop_type";
    case StepKind::rename_type: return "rename_type";
    case StepKind::create_sequence: return "create_sequence";
    case StepKind::alter_sequence: return "alter_sequence";
    case StepKind::sequence_owned_by: return "sequence_owned_by";
    case StepKind::drop_sequence: return "drop_sequence";
    case StepKind::create_function: return "create_function";
    case StepKind::replace_function: return "replace_function";
    case StepKind::drop_function: return "drop_function";
    case StepKind::create_table: return "create_table";
    case StepKind::drop_table: return "drop_table";
    case StepKind::rename_table: return "rename_table";
    case StepKind::alter_table: return "alter_table";
    case StepKind::attach_partition: return "attach_partition";
    case StepKind::detach_partition: return "detach_partition";
    case StepKind::add_column: return "add_column";
    case StepKind::drop_column: return "drop_column";
    case StepKind::rename_column: return "rename_column";
    case StepKind::alter_column_type: return "alter_column_type";
    case StepKind::set_default: return "set_default";
    case StepKind::drop_default: return "drop_default";
    case StepKind::set_not_null: return "set_not_null";
    case StepKind::drop_not_null: return "drop_not_null";
    case StepKind::alter_identity: return "alter_identity";
    case StepKind::alter_column: return "alter_column";
    case StepKind::add_constraint: return "add_constraint";
    case StepKind::validate_constraint: return "validate_constraint";
    case StepKind::drop_constraint: return "drop_constraint";
    case StepKind::rename_constraint: return "rename_constraint";
    case StepKind::enable_rls: return "enable_rls";
    case StepKind::disable_rls: return "disable_rls";
    case StepKind::force_rls: return "force_rls";
    case StepKind::no_force_rls: return "no_force_rls";
    case StepKind::backfill: return "backfill";
    case StepKind::create_index: return "create_index";
    case StepKind::drop_index: return "drop_index";
    case StepKind::rename_index: return "rename_index";
    case StepKind::create_view: return "create_view";
    case StepKind::replace_view: return "replace_view";
    case StepKind::drop_view: return "drop_view";
    case StepKind::rename_view: return "rename_view";
    case StepKind::create_trigger: return "create_trigger";
    case StepKind::drop_trigger: return "drop_trigger";
    case StepKind::alter_trigger: return "alter_trigger";
    case StepKind::create_policy: return "create_policy";
    case StepKind::alter_policy: return "alter_policy";
    case StepKind::drop_policy: return "drop_policy";
    case StepKind::grant: return "grant";
    case StepKind::revoke: return "revoke";
    case StepKind::comment: return "comment";
    case StepKind::set_owner: return "set_owner";
    }
    return "step";
}

const char* to_string(LockLevel lock) {
    switch (lock) {
    case LockLevel::none: return "none";
    case LockLevel::access_share: return "ACCESS SHARE";
    case LockLevel::row_share: return "ROW SHARE";
    case LockLevel::row_exclusive: return "ROW EXCLUSIVE";
    case LockLevel::share_update_exclusive: return "SHARE UPDATE EXCLUSIVE";
    case LockLevel::share: return "SHARE";
    case LockLevel::share_row_exclusive: return "SHARE ROW EXCLUSIVE";
    case LockLevel::exclusive: return "EXCLUSIVE";
    case LockLevel::access_exclusive: return "ACCESS EXCLUSIVE";
    }
    return "none";
}

const char* to_string(Risk risk) {
    switch (risk) {
    case Risk::low: return "low";
    case Risk::medium: return "medium";
    case Risk::high: return "high";
    }
    return "low";
}

const char* to_string(Phase phase) {
    switch (phase) {
    case Phase::expand: return "expand";
    case Phase::backfill: return "backfill";
    case Phase::contract: return "contract";
    }
    return "expand";
}

const char* risk_label(Risk risk) {
    switch (risk) {
    case Risk::low: return "🟢 LOW";
    case Risk::medium: return "🟡 MEDIUM";
    case Risk::high: return "🔴 HIGH";
    }
    return "🟢 LOW";
}

} // namespace qail::plan
