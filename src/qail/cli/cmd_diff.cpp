#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ostream>

#include <qail/base/strings.hpp>
#include <qail/cli/commands.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/cli/sources.hpp>
#include <qail/diff/diff.hpp>
#include <qail/pg/connection.hpp>
#include <qail/plan/build.hpp>

namespace qail::cli {

namespace {

struct DiffOptions {
    std::string from;
    std::string to;
    std::string format = "sql";
    bool exit_code = false;
    bool live = false;
    std::optional<std::string> url;
    bool allow_destructive = false;
};

void refuse_unconfirmed(const diff::Result& result) {
    if (result.unconfirmed_drops.empty()) {
        return;
    }
    std::string message = "refusing to drop data that no 'drop ... confirm' hint covers:";
    for (const diff::UnconfirmedDrop& d : result.unconfirmed_drops) {
        if (d.column.empty()) {
            message += fmt::format("\n  DROP TABLE {}  (add: {})", d.table.display(), d.hint());
        } else {
            message += fmt::format("\n  DROP COLUMN {}.{}  (add: {})", d.table.display(), d.column,
                                   d.hint());
        }
    }
    message += "\nadd the hints to the target schema, or pass --allow-destructive";
    throw RefusedError(message);
}

nlohmann::json step_json(const plan::Step& s, size_t number) {
    nlohmann::json j;
    j["step"] = number;
    j["kind"] = plan::to_string(s.kind);
    j["object"] = {{"kind", model::to_string(s.target.kind)},
                   {"schema", s.target.name.schema},
                   {"name", s.target.name.name}};
    if (!s.target.member.empty()) {
        j["object"]["member"] = s.target.member;
    }
    j["sql"] = s.sql + ";";
    j["lock"] = plan::to_string(s.lock);
    if (!s.locked_relation.name.empty()) {
        j["locked_relation"] = s.locked_relation.display();
    }
    j["risk"] = plan::to_string(s.risk);
    j["reason"] = s.reason;
    j["phase"] = plan::to_string(s.phase);
    j["transactional"] = !s.outside_transaction;
    j["destructive"] = s.destructive;
    if (s.at_risk.kind != plan::DataAtRisk::Kind::none) {
        static const char* k_kinds[] = {"none",  "column_values", "table_rows",
                                        "failing_cast", "nulls", "enum_values"};
        j["data_at_risk"] = {{"kind", k_kinds[static_cast<int>(s.at_risk.kind)]},
                             {"table", s.at_risk.table.display()},
                             {"count_sql", s.at_risk.count_sql}};
        if (!s.at_risk.column.empty()) {
            j["data_at_risk"]["column"] = s.at_risk.column;
        }
    }
    if (s.inverse_sql) {
        j["inverse_sql"] = *s.inverse_sql + ";";
    }
    return j;
}

void print_json(std::ostream& out, const plan::Plan& plan, const std::string& from,
                const std::string& to) {
    nlohmann::json j;
    j["from"] = from;
    j["to"] = to;
    j["steps"] = nlohmann::json::array();
    for (size_t i = 0; i < plan.steps.size(); ++i) {
        j["steps"].push_back(step_json(plan.steps[i], i + 1));
    }
    j["notes"] = plan.notes;
    out << j.dump(2) << "\n";
}

void print_pretty(const Runtime& rt, const plan::Plan& plan, const std::string& from,
                  const std::string& to) {
    Style s{rt.color_out};
    std::ostream& out = *rt.out;
    if (plan.empty()) {
        out << "No changes: " << from << " and " << to << " describe the same schema.\n";
        return;
    }
    out << s.bold() << "Migration " << from << " → " << to << s.reset() << " ("
        << plan.steps.size() << (plan.steps.size() == 1 ? " step" : " steps") << ")\n\n";
    for (size_t i = 0; i < plan.steps.size(); ++i) {
        const plan::Step& st = plan.steps[i];
        const char* colour = st.risk == plan::Risk::high     ? s.red()
                             : st.risk == plan::Risk::medium ? s.yellow()
                                                             : s.green();
        out << fmt::format("{:>3}. ", i + 1) << colour << plan::risk_label(st.risk) << s.reset()
            << "  " << s.dim() << plan::to_string(st.phase) << s.reset() << "\n";
        std::string sql = replace_all(st.sql, "\n", "\n       ");
        out << "       " << sql << ";\n";
        std::string lock = plan::to_string(st.lock);
        std::string detail = "lock: " + lock;
        if (!st.locked_relation.name.empty()) {
            detail += " on " + st.locked_relation.display();
        }
        if (st.outside_transaction) {
            detail += " · outside a transaction";
        }
        if (!st.reason.empty()) {
            detail += " · " + st.reason;
        }
        out << "       " << s.dim() << detail << s.reset() << "\n";
    }
    for (const std::string& note : plan.notes) {
        out << "\nnote: " << note << "\n";
    }
}

// --------------------------------------------------------------- drift

struct DriftItem {
    plan::Risk risk = plan::Risk::low;
    std::string text;
};

std::string change_object(const diff::Change& c) {
    auto member = [&](const std::string& m) { return c.table.display() + "." + m; };
    switch (c.what) {
    case diff::What::column: {
        const auto* col = c.to_as<model::Column>() ? c.to_as<model::Column>()
                                                   : c.from_as<model::Column>();
        return member(col->name);
    }
    case diff::What::table: {
        const auto* t = c.to_as<model::Table>() ? c.to_as<model::Table>()
                                                : c.from_as<model::Table>();
        return t->name.display();
    }
    case diff::What::index: {
        const auto* i = c.to_as<model::Index>() ? c.to_as<model::Index>()
                                                : c.from_as<model::Index>();
        return i->name.display();
    }
    case diff::What::view: {
        const auto* v = c.to_as<model::View>() ? c.to_as<model::View>() : c.from_as<model::View>();
        return v->name.display();
    }
    case diff::What::function: {
        const auto* f = c.to_as<model::Function>() ? c.to_as<model::Function>()
                                                   : c.from_as<model::Function>();
        return f->signature();
    }
    case diff::What::trigger: {
        const auto* t = c.to_as<model::Trigger>() ? c.to_as<model::Trigger>()
                                                  : c.from_as<model::Trigger>();
        return t->table.display() + "." + t->name;
    }
    case diff::What::policy: {
        const auto* p = c.to_as<model::Policy>() ? c.to_as<model::Policy>()
                                                 : c.from_as<model::Policy>();
        return p->table.display() + "." + p->name;
    }
    case diff::What::enum_type: {
        const auto* e = c.to_as<model::EnumType>() ? c.to_as<model::EnumType>()
                                                   : c.from_as<model::EnumType>();
        return e->name.display();
    }
    case diff::What::primary_key: {
        const auto* k = c.to_as<model::PrimaryKey>() ? c.to_as<model::PrimaryKey>()
                                                     : c.from_as<model::PrimaryKey>();
        return member(k->name);
    }
    case diff::What::unique: {
        const auto* k = c.to_as<model::UniqueConstraint>() ? c.to_as<model::UniqueConstraint>()
                                                           : c.from_as<model::UniqueConstraint>();
        return member(k->name);
    }
    case diff::What::check: {
        const auto* k = c.to_as<model::CheckConstraint>() ? c.to_as<model::CheckConstraint>()
                                                          : c.from_as<model::CheckConstraint>();
        return member(k->name);
    }
    case diff::What::foreign_key: {
        const auto* k = c.to_as<model::ForeignKey>() ? c.to_as<model::ForeignKey>()
                                                     : c.from_as<model::ForeignKey>();
        return member(k->name);
    }
    case diff::What::sequence: {
        const auto* q = c.to_as<model::Sequence>() ? c.to_as<model::Sequence>()
                                                   : c.from_as<model::Sequence>();
        return q->name.display();
    }
    case diff::What::extension: {
        const auto* e = c.to_as<model::Extension>() ? c.to_as<model::Extension>()
                                                    : c.from_as<model::Extension>();
        return e->name;
    }
    default:
        return c.table.name.empty() ? std::string() : c.table.display();
    }
}

// One line per drifted object, worded from the schema file's point of view
// (the live database is "from", the file "to").
std::vector<DriftItem> drift_items(const diff::Result& result) {
    using diff::Action;
    using diff::What;
    std::vector<DriftItem> items;
    for (const diff::Change& c : result.changes) {
        DriftItem item;
        std::string object = change_object(c);
        std::string state = c.action == Action::create ? "missing"
                            : c.action == Action::drop ? "extra"
                            : c.action == Action::rename ? "renamed"
                                                         : "changed";
        auto where = [&]() {
            return c.action == Action::create ? " (in the schema file, not in the database: was "
                                                "it dropped outside migrations?)"
                   : c.action == Action::drop ? " (in the database, not in the schema file)"
                                              : "";
        };
        switch (c.what) {
        case What::table:
            item.risk = c.action == Action::alter ? plan::Risk::medium : plan::Risk::high;
            item.text = state + " table " + object + where();
            break;
        case What::column: {
            const auto* a = c.from_as<model::Column>();
            const auto* b = c.to_as<model::Column>();
            if (c.action != Action::alter) {
                item.risk = plan::Risk::high;
                item.text = state + " column " + object + where();
                break;
            }
            std::vector<std::string> parts;
            item.risk = plan::Risk::low;
            if (a->type != b->type) {
                parts.push_back(fmt::format("type {} in the database, {} in the file", a->type,
                                            b->type));
                item.risk = plan::Risk::high;
            }
            if (a->not_null != b->not_null) {
                parts.push_back(b->not_null ? "nullable in the database, NOT NULL in the file"
                                            : "NOT NULL in the database, nullable in the file");
                item.risk = std::max(item.risk, plan::Risk::medium);
            }
            if (a->default_expr != b->default_expr) {
                parts.push_back(fmt::format("default {} in the database, {} in the file",
                                            a->default_expr.value_or("none"),
                                            b->default_expr.value_or("none")));
            }
            if (a->identity != b->identity || a->generated_expr != b->generated_expr ||
                a->collation != b->collation) {
                parts.emplace_back("identity, generated expression or collation differ");
                item.risk = std::max(item.risk, plan::Risk::medium);
            }
            if (parts.empty()) {
                parts.emplace_back("storage or compression differ");
            }
            bool only_default = parts.size() == 1 && a->default_expr != b->default_expr;
            // the seed's wording for the common cosmetic case
            item.text = (only_default ? "default value difference on " : "column ") + object +
                        ": " + join(parts, "; ");
            break;
        }
        case What::index:
            item.risk = plan::Risk::medium;
            item.text = (c.action == Action::alter ? "index mismatch " : state + " index ") +
                        object + where();
            break;
        case What::primary_key:
        case What::unique:
        case What::check:
        case What::foreign_key:
        case What::exclusion:
            item.risk = plan::Risk::medium;
            item.text = (c.action == Action::alter ? "constraint mismatch " : state + " constraint ") +
                        object + where();
            break;
        case What::view:
        case What::function:
        case What::trigger:
        case What::policy:
        case What::enum_type:
        case What::domain:
        case What::composite_type:
        case What::sequence:
        case What::extension:
        case What::schema: {
            static const std::map<What, std::string> k_names = {
                {What::view, "view"},         {What::function, "function"},
                {What::trigger, "trigger"},   {What::policy, "policy"},
                {What::enum_type, "enum"},    {What::domain, "domain"},
                {What::composite_type, "type"}, {What::sequence, "sequence"},
                {What::extension, "extension"}, {What::schema, "schema"}};
            item.risk = plan::Risk::medium;
            item.text = (c.action == Action::alter ? k_names.at(c.what) + " mismatch "
                                                   : state + " " + k_names.at(c.what) + " ") +
                        object + where();
            break;
        }
        case What::grant:
        case What::revoke:
            item.risk = plan::Risk::low;
            item.text = "privileges differ" + (object.empty() ? "" : " on " + object);
            break;
        case What::comment:
            item.risk = plan::Risk::low;
            item.text = "comment differs";
            break;
        case What::owner:
            item.risk = plan::Risk::low;
            item.text = "owner differs";
            break;
        }
        items.push_back(item);
    }
    std::stable_sort(items.begin(), items.end(),
                     [](const DriftItem& a, const DriftItem& b) { return a.risk > b.risk; });
    return items;
}

void run_drift(Runtime& rt, const DiffOptions& o) {
    if (!is_empty_side(o.from)) {
        throw UsageError("--live compares the database given by --url with <to>: write "
                         "'qail diff _ <schema> --live --url URL'");
    }
    DatabaseTarget target = resolve_database(std::nullopt, o.url);
    std::string label = target.conninfo.empty() ? std::string("libpq defaults")
                                                : redact(target.conninfo);
    Style s{rt.color_out};
    std::ostream& out = *rt.out;
    Side file = load_side(o.to);
    out << "Drift detection: [live DB] → " << o.to << "\n";
    out << "→ Introspecting live database...\n" << std::flush;
    pg::Connection conn = pg::Connection::open(target.conninfo);
    introspect::Result live = introspect_live(conn);
    size_t index_count = live.schema.indexes.size();
    for (const auto& t : live.schema.tables) {
        index_count += (t.primary_key ? 1 : 0) + t.uniques.size() + t.exclusions.size();
    }
    out << "  " << with_thousands(static_cast<int64_t>(live.schema.tables.size())) << " tables, "
        << with_thousands(static_cast<int64_t>(index_count)) << " indexes introspected\n\n";
    for (const auto& u : live.unmanaged) {
        *rt.err << "unmanaged: " << u.kind << " " << u.name
                << (u.reason.empty() ? "" : " (" + u.reason + ")") << "\n";
    }
    Canonical canonical = canonicalize(conn, file.schema);
    if (!canonical.exact) {
        *rt.err << "note: " << canonical.note << "\n";
    }
    diff::Options diff_options;
    diff_options.loose_expressions = !canonical.exact;
    diff::Result result = diff::diff(live.schema, canonical.schema, diff_options);
    if (result.empty()) {
        out << "✅ No drift detected — live DB matches schema file.\n";
        rt.exit_code = ExitCode::ok;
        return;
    }
    std::vector<DriftItem> items = drift_items(result);
    out << "⚠️  " << items.size() << (items.size() == 1 ? " drift" : " drifts")
        << " detected:\n";
    for (const DriftItem& item : items) {
        const char* colour = item.risk == plan::Risk::high     ? s.red()
                             : item.risk == plan::Risk::medium ? s.yellow()
                                                               : s.green();
        out << "  " << colour << plan::risk_label(item.risk) << s.reset() << " — " << item.text
            << "\n";
    }
    if (o.format != "sql") {
        plan::Plan plan = plan::build(result, canonical.schema);
        out << "\n";
        if (o.format == "json") {
            print_json(out, plan, "[live DB]", o.to);
        } else {
            print_pretty(rt, plan, "[live DB]", o.to);
        }
    } else {
        out << "\nTo see the SQL that converges the database: qail diff <url> " << o.to << "\n";
    }
    rt.exit_code = ExitCode::changes;
}

void run_diff(Runtime& rt, const DiffOptions& o) {
    Side from = load_side(o.from);
    Side to = load_side(o.to);
    for (const Side* side : {&from, &to}) {
        for (const auto& u : side->unmanaged) {
            *rt.err << "unmanaged: " << u.kind << " " << u.name
                    << (u.reason.empty() ? "" : " (" + u.reason + ")") << "\n";
        }
    }
    diff::Options diff_options;
    // Introspection leaves out owners that are the connecting role's: a database
    // on the `to` side names every other owner.
    diff_options.owners_complete = to.kind == Side::Kind::database;
    // A file compared with a database: bring the file to the catalog's spelling.
    const Side* db = from.kind == Side::Kind::database ? &from
                     : to.kind == Side::Kind::database ? &to
                                                       : nullptr;
    Side* file = from.kind == Side::Kind::file ? &from : to.kind == Side::Kind::file ? &to : nullptr;
    if (db != nullptr && file != nullptr) {
        pg::Connection conn = pg::Connection::open(db->conninfo);
        Canonical canonical = canonicalize(conn, file->schema);
        if (!canonical.exact) {
            *rt.err << "note: " << canonical.note << "\n";
            diff_options.loose_expressions = true;
        }
        file->schema = std::move(canonical.schema);
    }
    diff::Result result = diff::diff(from.schema, to.schema, diff_options);
    if (!o.allow_destructive) {
        refuse_unconfirmed(result);
    }
    plan::Plan plan = plan::build(result, to.schema);
    if (o.format == "json") {
        print_json(*rt.out, plan, from.label, to.label);
    } else if (o.format == "pretty") {
        print_pretty(rt, plan, from.label, to.label);
    } else {
        *rt.out << plan.sql();
    }
    for (const std::string& note : plan.notes) {
        if (o.format == "sql") {
            *rt.err << "note: " << note << "\n";
        }
    }
    if (o.exit_code && !plan.empty()) {
        rt.exit_code = ExitCode::changes;
    }
}

} // namespace

void add_diff_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<DiffOptions>();
    CLI::App* cmd = app.add_subcommand(
        "diff", "Print the SQL that turns <from> into <to> (each a file, directory, URL or _)");
    cmd->add_option("from", options->from, "Current state: .qail file, directory, URL, or _")
        ->required();
    cmd->add_option("to", options->to, "Desired state: .qail file, directory, URL, or _")
        ->required();
    cmd->add_option("--format", options->format, "Output format")
        ->check(CLI::IsMember({"sql", "json", "pretty"}));
    cmd->add_flag("--exit-code", options->exit_code, "Exit 1 when there are changes");
    cmd->add_flag("--live", options->live,
                  "Drift detection: compare the live database (--url) with <to>");
    cmd->add_option("--url", options->url, "Database URL for --live");
    cmd->add_flag("--allow-destructive", options->allow_destructive,
                  "Allow drops that no 'drop ... confirm' hint covers");
    cmd->footer("Exit codes: 0 no changes (or changes without --exit-code), 1 changes with "
                "--exit-code or drift with --live,\n2 bad input, 3 database error, 4 a drop "
                "without a 'drop ... confirm' hint.");
    cmd->callback([options, &rt] {
        if (options->live) {
            run_drift(rt, *options);
        } else {
            run_diff(rt, *options);
        }
    });
}

} // namespace qail::cli
