#pragma once
// Helpers for the .qail language tests.

#include <gtest/gtest.h>

#include <string>

#include <qail/lang/schema_io.hpp>

namespace qail::lang::test {

/// Parses, or fails the test with the rendered diagnostics.
inline model::Schema parse_ok(std::string_view text) {
    try {
        return parse_schema(text, "test.qail");
    } catch (const InputError& e) {
        ADD_FAILURE() << "unexpected parse error:\n" << e.render() << "\nin:\n" << text;
        return {};
    }
}

/// The rendered error of a text that must not parse ("" when it parsed).
inline std::string parse_error(std::string_view text) {
    try {
        parse_schema(text, "test.qail");
    } catch (const InputError& e) {
        return e.render();
    }
    return {};
}

/// Which part of two schemas differs (for failure messages).
inline std::string describe_difference(const model::Schema& a, const model::Schema& b) {
    std::string out;
    auto cmp = [&](const char* what, const auto& x, const auto& y) {
        if (x.size() != y.size()) {
            out += std::string(what) + ": " + std::to_string(x.size()) + " vs " +
                   std::to_string(y.size()) + "\n";
            return;
        }
        for (size_t i = 0; i < x.size(); ++i) {
            if (!(x[i] == y[i])) {
                out += std::string(what) + "[" + std::to_string(i) + "] differs\n";
            }
        }
    };
    cmp("extensions", a.extensions, b.extensions);
    cmp("schemas", a.schemas, b.schemas);
    cmp("enums", a.enums, b.enums);
    cmp("domains", a.domains, b.domains);
    cmp("composite_types", a.composite_types, b.composite_types);
    cmp("sequences", a.sequences, b.sequences);
    cmp("tables", a.tables, b.tables);
    if (a.tables.size() == b.tables.size()) {
        for (size_t i = 0; i < a.tables.size(); ++i) {
            const model::Table& x = a.tables[i];
            const model::Table& y = b.tables[i];
            std::string t = "  table " + x.name.display() + ".";
            cmp((t + "columns").c_str(), x.columns, y.columns);
            if (!(x.primary_key == y.primary_key)) {
                out += t + "primary_key differs\n";
            }
            cmp((t + "uniques").c_str(), x.uniques, y.uniques);
            cmp((t + "checks").c_str(), x.checks, y.checks);
            if (!(x.checks == y.checks)) {
                for (const auto& c : x.checks) {
                    out += "    expected check " + c.name + ": " + c.expression +
                           (c.no_inherit ? " no_inherit" : "") + (c.not_valid ? " not_valid" : "") + "\n";
                }
                for (const auto& c : y.checks) {
                    out += "    got check " + c.name + ": " + c.expression +
                           (c.no_inherit ? " no_inherit" : "") + (c.not_valid ? " not_valid" : "") + "\n";
                }
            }
            cmp((t + "foreign_keys").c_str(), x.foreign_keys, y.foreign_keys);
            cmp((t + "exclusions").c_str(), x.exclusions, y.exclusions);
            if (!(x.partition_by == y.partition_by) || !(x.partition_of == y.partition_of)) {
                out += t + "partitioning differs\n";
            }
            if (x.unlogged != y.unlogged || x.rls_enabled != y.rls_enabled ||
                x.rls_forced != y.rls_forced || x.options != y.options || !(x.name == y.name)) {
                out += t + "flags differ\n";
            }
        }
    }
    cmp("indexes", a.indexes, b.indexes);
    cmp("views", a.views, b.views);
    cmp("functions", a.functions, b.functions);
    cmp("triggers", a.triggers, b.triggers);
    cmp("policies", a.policies, b.policies);
    cmp("grants", a.grants, b.grants);
    cmp("revokes", a.revokes, b.revokes);
    cmp("comments", a.comments, b.comments);
    cmp("owners", a.owners, b.owners);
    cmp("resources", a.resources, b.resources);
    cmp("renames", a.renames, b.renames);
    cmp("transforms", a.transforms, b.transforms);
    cmp("drops", a.drops, b.drops);
    return out;
}

/// print -> parse gives the same model, and printing again gives the same text.
inline ::testing::AssertionResult round_trips(const model::Schema& schema) {
    std::string printed = print_schema(schema);
    model::Schema again;
    try {
        again = parse_schema(printed, "printed.qail");
    } catch (const InputError& e) {
        return ::testing::AssertionFailure()
               << "printed text does not parse:\n" << e.render() << "\n--- printed:\n" << printed;
    }
    if (!(again == schema)) {
        return ::testing::AssertionFailure()
               << "parse(print(s)) != s\n" << describe_difference(schema, again) << "--- printed:\n" << printed << "\n--- printed again:\n"
               << print_schema(again);
    }
    std::string twice = print_schema(again);
    if (twice != printed) {
        return ::testing::AssertionFailure()
               << "printing is not idempotent\n--- first:\n" << printed << "\n--- second:\n"
               << twice;
    }
    return ::testing::AssertionSuccess();
}

/// fmt(text) is stable: formatting the formatted text changes nothing.
inline ::testing::AssertionResult formats_stably(std::string_view text) {
    model::Schema s;
    try {
        s = parse_schema(text, "test.qail");
    } catch (const InputError& e) {
        return ::testing::AssertionFailure() << e.render();
    }
    std::string once = print_schema(s);
    std::string twice;
    try {
        twice = print_schema(parse_schema(once, "once.qail"));
    } catch (const InputError& e) {
        return ::testing::AssertionFailure() << "formatted text does not parse:\n"
                                             << e.render() << "\n" << once;
    }
    if (once != twice) {
        return ::testing::AssertionFailure() << "--- once:\n" << once << "\n--- twice:\n" << twice;
    }
    return round_trips(s);
}

} // namespace qail::lang::test
