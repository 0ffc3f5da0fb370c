#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ostream>

#include <qail/base/strings.hpp>
#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/lang/schema_io.hpp>

namespace qail::cli {

namespace {

struct CheckOptions {
    std::string schema;
};

struct Count {
    const char* label;
    size_t value;
    bool always;
};

void print_summary(const model::Schema& s, Runtime& rt) {
    size_t views = 0;
    size_t materialized = 0;
    for (const auto& v : s.views) {
        (v.materialized ? materialized : views) += 1u;
    }
    size_t functions = 0;
    size_t procedures = 0;
    for (const auto& f : s.functions) {
        (f.is_procedure ? procedures : functions) += 1u;
    }
    size_t primary_keys = 0;
    size_t uniques = 0;
    size_t foreign_keys = 0;
    size_t checks = 0;
    size_t exclusions = 0;
    size_t partitions = 0;
    for (const auto& t : s.tables) {
        primary_keys += t.primary_key ? 1u : 0u;
        uniques += t.uniques.size();
        foreign_keys += t.foreign_keys.size();
        checks += t.checks.size();
        exclusions += t.exclusions.size();
        partitions += t.partition_of ? 1u : 0u;
    }
    const Count counts[] = {
        {"Tables", s.tables.size(), true},
        {"Columns", s.column_count(), true},
        {"Indexes", s.indexes.size(), true},
        {"Migration hints", s.hint_count(), true},
        {"Primary keys", primary_keys, false},
        {"Unique constraints", uniques, false},
        {"Foreign keys", foreign_keys, false},
        {"Check constraints", checks, false},
        {"Exclusion constraints", exclusions, false},
        {"Partitions", partitions, false},
        {"Extensions", s.extensions.size(), false},
        {"Schemas", s.schemas.size(), false},
        {"Enums", s.enums.size(), false},
        {"Domains", s.domains.size(), false},
        {"Composite types", s.composite_types.size(), false},
        {"Sequences", s.sequences.size(), false},
        {"Views", views, false},
        {"Materialized views", materialized, false},
        {"Functions", functions, false},
        {"Procedures", procedures, false},
        {"Triggers", s.triggers.size(), false},
        {"Policies", s.policies.size(), false},
        {"Grants", s.grants.size() + s.revokes.size(), false},
        {"Comments", s.comments.size(), false},
        {"Owners", s.owners.size(), false},
        {"Resources", s.resources.size(), false},
    };
    Style style{rt.color_out};
    *rt.out << style.green() << "✓" << style.reset() << " Schema is valid\n";
    size_t width = 0;
    for (const Count& c : counts) {
        if (c.always || c.value > 0) {
            width = std::max(width, std::string_view(c.label).size());
        }
    }
    for (const Count& c : counts) {
        if (c.always || c.value > 0) {
            *rt.out << fmt::format("  {:<{}}  {}\n", std::string(c.label) + ":", width + 1,
                                   with_thousands(static_cast<int64_t>(c.value)));
        }
    }
}

} // namespace

void add_check_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<CheckOptions>();
    CLI::App* cmd = app.add_subcommand(
        "check", "Parse and validate a schema file or directory; print what it holds");
    cmd->add_option("schema", options->schema, "A .qail file or a modular schema directory")
        ->required();
    cmd->footer("Exit codes: 0 valid, 2 a problem was found (every problem is listed).");
    cmd->callback([options, &rt] {
        model::Schema schema = lang::load_schema(options->schema);
        print_summary(schema, rt);
    });
}

} // namespace qail::cli
