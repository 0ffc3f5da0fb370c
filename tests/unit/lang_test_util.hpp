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
               << "parse(print(s)) != s\n--- printed:\n" << printed << "\n--- printed again:\n"
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
