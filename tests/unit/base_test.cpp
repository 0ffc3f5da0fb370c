#include <gtest/gtest.h>

#include <array>

#include <qail/base/error.hpp>
#include <qail/base/sha256.hpp>
#include <qail/base/strings.hpp>

namespace qail {
namespace {

TEST(Strings, TrimAndSplit) {
    EXPECT_EQ(trim("  a b \t\n"), "a b");
    EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
    EXPECT_EQ(to_lower("MiXeD"), "mixed");
    EXPECT_TRUE(equals_icase("ABC", "abc"));
    EXPECT_EQ(replace_all("a.b.c", ".", "::"), "a::b::c");
}

TEST(Strings, EditDistanceAndSuggestion) {
    EXPECT_EQ(edit_distance("not_nul", "not_null"), 1u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    std::array<std::string_view, 3> candidates{"not_null", "nullable", "unique"};
    EXPECT_EQ(did_you_mean("not_nul", candidates), "did you mean 'not_null'?");
    EXPECT_EQ(did_you_mean("uniqeu", candidates), "did you mean 'unique'?");
    EXPECT_EQ(did_you_mean("completely_different", candidates), "");
}

TEST(Strings, Thousands) {
    EXPECT_EQ(with_thousands(0), "0");
    EXPECT_EQ(with_thousands(1234), "1,234");
    EXPECT_EQ(with_thousands(1234567), "1,234,567");
    EXPECT_EQ(with_thousands(-6912), "-6,912");
}

TEST(Sha256, KnownVector) {
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Error, ExitCodes) {
    EXPECT_EQ(UsageError("x").exit_code(), ExitCode::bad_input);
    EXPECT_EQ(InputError("x").exit_code(), ExitCode::bad_input);
    EXPECT_EQ(DatabaseError("x").exit_code(), ExitCode::database);
    EXPECT_EQ(RefusedError("x").exit_code(), ExitCode::refused);
    EXPECT_EQ(CancelledError("x").exit_code(), ExitCode::cancelled);
}

TEST(Error, DiagnosticRendersLineAndCaret) {
    Diagnostic d{.file = "schema.qail", .line = 3, .column = 11, .length = 7,
                 .line_text = "  name text not_nul", .message = "unknown column option 'not_nul'",
                 .help = "did you mean 'not_null'?"};
    std::string text = d.render(false);
    EXPECT_NE(text.find("schema.qail:3:11: error: unknown column option 'not_nul'"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("3 |   name text not_nul"), std::string::npos) << text;
    EXPECT_NE(text.find("  |           ^~~~~~~"), std::string::npos) << text;
    EXPECT_NE(text.find("help: did you mean 'not_null'?"), std::string::npos) << text;
    EXPECT_EQ(text.find("\x1b["), std::string::npos) << "no colour when not asked";
}

} // namespace
} // namespace qail
