// qail diff as a user runs it: files, directories, URLs, `_`, formats, exit
// codes, refusals, drift.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace qail::testing {
namespace {

constexpr const char* k_v1 = R"(table users {
  id serial primary_key
  username text not_null
  email text unique
}
)";

constexpr const char* k_v2 = R"(table users {
  id serial primary_key
  name text not_null  # was 'username'
  email text unique
  created_at timestamp not_null
}

rename users.username -> users.name
)";

TEST(DiffCli, SeedExamplePrintsExactlyTheTwoStatements) {
    TempDir dir;
    dir.write("v1.qail", k_v1);
    dir.write("v2.qail", k_v2);
    RunResult r = run_qail({"diff", "v1.qail", "v2.qail"}, {.cwd = dir.path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "ALTER TABLE users RENAME COLUMN username TO name;\n"
                     "ALTER TABLE users ADD COLUMN created_at TIMESTAMP NOT NULL;\n");
}

TEST(DiffCli, ExitCodeFlagsChanges) {
    TempDir dir;
    auto v1 = dir.write("v1.qail", k_v1).string();
    auto v2 = dir.write("v2.qail", k_v2).string();
    EXPECT_EQ(run_qail({"diff", v1, v2, "--exit-code"}).exit_code, 1);
    RunResult same = run_qail({"diff", v1, v1, "--exit-code"});
    EXPECT_EQ(same.exit_code, 0) << same.err;
    EXPECT_EQ(same.out, "");
    EXPECT_EQ(run_qail({"diff", v1, v2}).exit_code, 0);
}

TEST(DiffCli, UnconfirmedDropIsRefusedWithTheHint) {
    TempDir dir;
    auto v1 = dir.write("v1.qail", k_v1).string();
    auto v3 = dir.write("v3.qail", "table users {\n  id serial primary_key\n  username text "
                                   "not_null\n}\n")
                  .string();
    RunResult r = run_qail({"diff", v1, v3});
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_NE(r.err.find("drop users.email confirm"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--allow-destructive"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    RunResult allowed = run_qail({"diff", v1, v3, "--allow-destructive"});
    EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
    EXPECT_EQ(allowed.out, "ALTER TABLE users DROP COLUMN email;\n");
    auto v4 = dir.write("v4.qail", "table users {\n  id serial primary_key\n  username text "
                                   "not_null\n}\ndrop users.email confirm\n")
                  .string();
    RunResult hinted = run_qail({"diff", v1, v4});
    EXPECT_EQ(hinted.exit_code, 0) << hinted.err;
    EXPECT_EQ(hinted.out, "ALTER TABLE users DROP COLUMN email;\n");
}

TEST(DiffCli, JsonAndPrettyCarryLockRiskAndPhase) {
    TempDir dir;
    auto v1 = dir.write("v1.qail", k_v1).string();
    auto v2 = dir.write("v2.qail", k_v2).string();
    RunResult r = run_qail({"diff", v1, v2, "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["steps"].size(), 2u);
    EXPECT_EQ(j["steps"][0]["kind"], "rename_column");
    EXPECT_EQ(j["steps"][0]["sql"], "ALTER TABLE users RENAME COLUMN username TO name;");
    EXPECT_EQ(j["steps"][0]["lock"], "ACCESS EXCLUSIVE");
    EXPECT_EQ(j["steps"][1]["kind"], "add_column");
    EXPECT_EQ(j["steps"][1]["phase"], "expand");
    EXPECT_EQ(j["steps"][1]["transactional"], true);
    EXPECT_TRUE(j["steps"][1].contains("risk"));
    RunResult p = run_qail({"diff", v1, v2, "--format", "pretty"});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_NE(p.out.find("lock: ACCESS EXCLUSIVE on users"), std::string::npos) << p.out;
    EXPECT_NE(p.out.find("MEDIUM"), std::string::npos) << p.out;
    EXPECT_EQ(p.out.find("\x1b["), std::string::npos) << "no colours without a terminal";
}

} // namespace
} // namespace qail::testing
