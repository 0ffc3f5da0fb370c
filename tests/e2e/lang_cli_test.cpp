// `qail check` and `qail fmt`, run as a user would.

#include <gtest/gtest.h>

#include <filesystem>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace qail::testing {
namespace {

namespace fs = std::filesystem;

const fs::path k_examples = fs::path(QAIL_SOURCE_DIR) / "examples";
const fs::path k_modular = fs::path(QAIL_CORPUS_DIR) / "upstream-qail" / "modular";

void copy_tree(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

TEST(LangCli, CheckSingleFileExample) {
    RunResult r = run_qail({"check", (k_examples / "schema/single/schema.qail").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("✓ Schema is valid\n", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("  Tables:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  Columns:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  Indexes:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  Migration hints:        1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  Views:                  1"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "no colours without a terminal";
}

TEST(LangCli, CheckModularDirectories) {
    RunResult r = run_qail({"check", (k_examples / "schema/modular/schema").string()},
                           RunOptions{.unset_env = {"QAIL_SCHEMA_STRICT_MANIFEST"}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Tables:              4"), std::string::npos) << r.out;
    RunResult upstream = run_qail({"check", k_modular.string()},
                                  RunOptions{.unset_env = {"QAIL_SCHEMA_STRICT_MANIFEST"}});
    EXPECT_EQ(upstream.exit_code, 0) << upstream.err;
    EXPECT_NE(upstream.out.find("✓ Schema is valid"), std::string::npos);
    EXPECT_NE(upstream.out.find("Tables:              4"), std::string::npos) << upstream.out;
    EXPECT_NE(upstream.out.find("Columns:             24"), std::string::npos) << upstream.out;
    EXPECT_NE(upstream.out.find("Indexes:             3"), std::string::npos) << upstream.out;
}

TEST(LangCli, CheckSeedPair) {
    for (const char* file : {"seed/v1.qail", "seed/v2.qail"}) {
        RunResult r = run_qail({"check", (k_examples / file).string()});
        EXPECT_EQ(r.exit_code, 0) << file << ": " << r.err;
    }
    RunResult v2 = run_qail({"check", (k_examples / "seed/v2.qail").string()});
    EXPECT_NE(v2.out.find("Migration hints:     1"), std::string::npos) << v2.out;
}

TEST(LangCli, CheckReportsEveryProblemWithCaret) {
    TempDir dir;
    fs::path file = dir.write("bad.qail", "tabel users {\n  id integer\n}\n"
                                          "table orders {\n  id serial primary_kye\n}\n");
    RunResult r = run_qail({"check", file.string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(file.string() + ":1:1: error: unknown statement 'tabel'"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("help: did you mean 'table'?"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(file.string() + ":5:13: error: unknown column option 'primary_kye'"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("5 |   id serial primary_kye\n  |             ^~~~~~~~~~~"),
              std::string::npos)
        << r.err;

    fs::path invalid = dir.write("invalid.qail", "table t {\n  a integer references u(id)\n}\n"
                                                 "index i on t (b)\n");
    RunResult v = run_qail({"check", invalid.string()});
    EXPECT_EQ(v.exit_code, 2);
    EXPECT_NE(v.err.find(":2:"), std::string::npos) << v.err;
    EXPECT_NE(v.err.find("which is not declared"), std::string::npos) << v.err;
    EXPECT_NE(v.err.find(":4:7: error: index 'i' names column 'b'"), std::string::npos) << v.err;

    RunResult missing = run_qail({"check", (dir.path() / "nope.qail").string()});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("schema not found"), std::string::npos) << missing.err;
}

TEST(LangCli, FmtCheckListsFilesAndChangesNothing) {
    TempDir dir;
    std::string seed = read_file(k_examples / "seed/v2.qail");
    fs::path file = dir.write("v2.qail", seed);
    RunResult r = run_qail({"fmt", "--check", file.string()});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.out, file.string() + "\n");
    EXPECT_EQ(read_file(file), seed);

    RunResult canonical = run_qail({"fmt", "--check", (k_examples / "schema").string()});
    EXPECT_EQ(canonical.exit_code, 0) << canonical.out << canonical.err;
    EXPECT_EQ(canonical.out, "");
}

TEST(LangCli, FmtRewritesAndKeepsComments) {
    TempDir dir;
    fs::path file = dir.write("v2.qail", read_file(k_examples / "seed/v2.qail"));
    RunResult r = run_qail({"fmt", file.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(file), "table users {\n"
                               "  id serial primary_key\n"
                               "  name text not_null  # was 'username'\n"
                               "  email text unique\n"
                               "  created_at timestamp without time zone not_null\n"
                               "}\n"
                               "\n"
                               "rename users.username -> users.name\n");
    RunResult again = run_qail({"fmt", "--check", file.string()});
    EXPECT_EQ(again.exit_code, 0) << again.out;
}

TEST(LangCli, FmtDirectoryRoundTrips) {
    TempDir dir;
    copy_tree(k_modular, dir.path() / "schema");
    RunResult before = run_qail({"check", (dir.path() / "schema").string()});
    ASSERT_EQ(before.exit_code, 0) << before.err;
    RunResult r = run_qail({"fmt", (dir.path() / "schema").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir.path() / "schema/_order.qail"), read_file(k_modular / "_order.qail"))
        << "_order.qail is not a schema file";
    RunResult after = run_qail({"check", (dir.path() / "schema").string()});
    EXPECT_EQ(after.exit_code, 0) << after.err;
    EXPECT_EQ(after.out, before.out);
    RunResult check = run_qail({"fmt", "--check", (dir.path() / "schema").string()});
    EXPECT_EQ(check.exit_code, 0) << check.out;
}

TEST(LangCli, FmtLeavesBrokenFilesAlone) {
    TempDir dir;
    fs::path good = dir.write("a_good.qail", "table t {\nid integer\n}\n");
    fs::path bad = dir.write("b_bad.qail", "table t {\n  id integer primary_kye\n}\n");
    RunResult r = run_qail({"fmt", dir.path().string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown column option 'primary_kye'"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(bad), "table t {\n  id integer primary_kye\n}\n");
    EXPECT_EQ(read_file(good), "table t {\n  id integer\n}\n");
    RunResult usage = run_qail({"fmt"});
    EXPECT_EQ(usage.exit_code, 2);
}

} // namespace
} // namespace qail::testing
