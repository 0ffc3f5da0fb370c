#include "objects.hpp"

#include "hints.hpp"
#include "table.hpp"

namespace qail::model {

std::string Function::identity_args() const {
    std::string out;
    for (const FunctionArg& arg : args) {
        if (arg.mode == ArgMode::out || arg.mode == ArgMode::table) {
            continue;
        }
        if (!out.empty()) {
            out += ", ";
        }
        if (arg.mode == ArgMode::variadic) {
            out += "VARIADIC ";
        }
        out += arg.type;
    }
    return out;
}

std::string Function::signature() const {
    return name.display() + "(" + identity_args() + ")";
}

const Column* Table::find_column(std::string_view column_name) const {
    for (const Column& column : columns) {
        if (column.name == column_name) {
            return &column;
        }
    }
    return nullptr;
}

Column* Table::find_column(std::string_view column_name) {
    for (Column& column : columns) {
        if (column.name == column_name) {
            return &column;
        }
    }
    return nullptr;
}

const char* to_sql(FkAction action) {
    switch (action) {
    case FkAction::no_action:
        return "NO ACTION";
    case FkAction::restrict:
        return "RESTRICT";
    case FkAction::cascade:
        return "CASCADE";
    case FkAction::set_null:
        return "SET NULL";
    case FkAction::set_default:
        return "SET DEFAULT";
    }
    return "NO ACTION";
}

const char* to_qail(FkAction action) {
    switch (action) {
    case FkAction::no_action:
        return "no_action";
    case FkAction::restrict:
        return "restrict";
    case FkAction::cascade:
        return "cascade";
    case FkAction::set_null:
        return "set_null";
    case FkAction::set_default:
        return "set_default";
    }
    return "no_action";
}

const char* to_string(ObjectKind kind) {
    switch (kind) {
    case ObjectKind::schema:
        return "schema";
    case ObjectKind::table:
        return "table";
    case ObjectKind::column:
        return "column";
    case ObjectKind::view:
        return "view";
    case ObjectKind::materialized_view:
        return "materialized view";
    case ObjectKind::sequence:
        return "sequence";
    case ObjectKind::index:
        return "index";
    case ObjectKind::function:
        return "function";
    case ObjectKind::procedure:
        return "procedure";
    case ObjectKind::type:
        return "type";
    case ObjectKind::domain:
        return "domain";
    case ObjectKind::trigger:
        return "trigger";
    case ObjectKind::policy:
        return "policy";
    case ObjectKind::constraint:
        return "constraint";
    case ObjectKind::domain_constraint:
        return "domain constraint";
    case ObjectKind::extension:
        return "extension";
    }
    return "object";
}

std::vector<std::string> all_privileges(ObjectKind kind) {
    using K = ObjectKind;
    switch (kind) {
    case K::table:
    case K::view:
    case K::materialized_view:
        return {"DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"};
    case K::column:
        return {"INSERT", "REFERENCES", "SELECT", "UPDATE"};
    case K::sequence:
        return {"SELECT", "UPDATE", "USAGE"};
    case K::function:
    case K::procedure:
        return {"EXECUTE"};
    case K::schema:
        return {"CREATE", "USAGE"};
    case K::type:
    case K::domain:
        return {"USAGE"};
    default:
        return {};
    }
}

const char* to_string(RenameHint::Target target) {
    switch (target) {
    case RenameHint::Target::column:
        return "column";
    case RenameHint::Target::table:
        return "table";
    case RenameHint::Target::index:
        return "index";
    case RenameHint::Target::view:
        return "view";
    case RenameHint::Target::type:
        return "type";
    case RenameHint::Target::sequence:
        return "sequence";
    case RenameHint::Target::function:
        return "function";
    case RenameHint::Target::schema:
        return "schema";
    }
    return "column";
}

const char* to_string(DropHint::Target target) {
    switch (target) {
    case DropHint::Target::column:
        return "column";
    case DropHint::Target::table:
        return "table";
    case DropHint::Target::index:
        return "index";
    case DropHint::Target::view:
        return "view";
    case DropHint::Target::materialized_view:
        return "materialized view";
    case DropHint::Target::sequence:
        return "sequence";
    case DropHint::Target::type:
        return "type";
    case DropHint::Target::function:
        return "function";
    case DropHint::Target::trigger:
        return "trigger";
    case DropHint::Target::policy:
        return "policy";
    case DropHint::Target::extension:
        return "extension";
    case DropHint::Target::schema:
        return "schema";
    case DropHint::Target::constraint:
        return "constraint";
    }
    return "column";
}

} // namespace qail::model
