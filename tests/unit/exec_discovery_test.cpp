#include <gtest/gtest.h>

#include <qail/base/error.hpp>
#include <qail/exec/discovery.hpp>
#include "support/temp_dir.hpp"

namespace qail::exec {
namespace {

using testing::TempDir;

TEST(Discovery, FoldersFlatPairsAndPhasedFlatFiles) {
    TempDir dir;
    dir.write("20260527090000_add_user_name/expand.qail", "");
    dir.write("20260527090000_add_user_name/backfill.qail", "");
    dir.write("20260527090000_add_user_name/contract.qail", "");
    dir.write("20260527090000_add_user_name/down.qail", "");
    dir.write("001_qail_queue.up.qail", "");
    dir.write("001_qail_queue.down.qail", "");
    dir.write("20260601000000_split.expand.up.qail", "");
    dir.write("20260601000000_split.contract.up.qail", "");
    dir.write("20260601000000_split.down.qail", "");
    dir.write(".hidden/expand.qail", "");
    dir.write("notes/README.md", "");

    auto migrations = discover_migrations(dir.path());
    ASSERT_EQ(migrations.size(), 3u);
    EXPECT_EQ(migrations[0].key, "001_qail_queue");
    EXPECT_EQ(migrations[0].name, "qail_queue");
    EXPECT_EQ(migrations[0].up[0].version, "001_qail_queue.up.qail");
    EXPECT_EQ(migrations[1].key, "20260527090000_add_user_name");
    EXPECT_EQ(migrations[1].name, "add_user_name");
    ASSERT_EQ(migrations[1].up.size(), 3u);
    EXPECT_EQ(migrations[1].up[0].version, "20260527090000_add_user_name/expand.qail");
    EXPECT_EQ(migrations[1].up[1].phase, Phase::backfill);
    EXPECT_EQ(migrations[1].up[2].phase, Phase::contract);
    EXPECT_EQ(migrations[2].key, "20260601000000_split");
    ASSERT_EQ(migrations[2].up.size(), 2u);
    EXPECT_EQ(migrations[2].up[0].version, "20260601000000_split.expand.up.qail");
    EXPECT_EQ(migrations[2].up[1].phase, Phase::contract);
    EXPECT_EQ(migrations[2].down.filename(), "20260601000000_split.down.qail");

    auto files = up_files(migrations);
    ASSERT_EQ(files.size(), 6u);
    EXPECT_EQ(files[1].version, "20260527090000_add_user_name/expand.qail");
}

TEST(Discovery, MissingDownFileIsNamed) {
    TempDir dir;
    dir.write("20260527090000_add_user_name.expand.up.qail", "");
    try {
        discover_migrations(dir.path());
        FAIL() << "expected an error";
    } catch (const InputError& e) {
        std::string text = e.render();
        EXPECT_NE(text.find("missing down file"), std::string::npos) << text;
        EXPECT_NE(text.find("20260527090000_add_user_name.down.qail"), std::string::npos) << text;
        EXPECT_EQ(e.exit_code(), ExitCode::bad_input);
    }
    TempDir folder;
    folder.write("20260527090000_x/expand.qail", "");
    EXPECT_THROW(discover_migrations(folder.path()), InputError);
}

TEST(Discovery, PerPhaseDownFiles) {
    TempDir dir;
    dir.write("20260527090000_add_user_name.expand.up.qail", "");
    dir.write("20260527090000_add_user_name.contract.up.qail", "");
    dir.write("20260527090000_add_user_name.down.qail", "");
    dir.write("20260527090000_add_user_name.contract.down.qail", "");
    dir.write("20260601000000_folder/expand.qail", "");
    dir.write("20260601000000_folder/contract.qail", "");
    dir.write("20260601000000_folder/down.qail", "");
    dir.write("20260601000000_folder/down.contract.qail", "");
    auto migrations = discover_migrations(dir.path());
    ASSERT_EQ(migrations.size(), 2u);
    EXPECT_FALSE(migrations[0].up[0].phase_down.has_value());
    ASSERT_TRUE(migrations[0].up[1].phase_down.has_value());
    EXPECT_EQ(migrations[0].up[1].phase_down->filename(),
              "20260527090000_add_user_name.contract.down.qail");
    ASSERT_TRUE(migrations[1].up[1].phase_down.has_value());
    EXPECT_EQ(migrations[1].up[1].phase_down->filename(), "down.contract.qail");
}

TEST(Discovery, SqlFilesAreRejected) {
    TempDir dir;
    dir.write("001_init.up.sql", "");
    dir.write("001_init.down.sql", "");
    EXPECT_THROW(discover_migrations(dir.path()), InputError);
}

TEST(Discovery, MissingFolderMeansNothingToDo) {
    EXPECT_TRUE(discover_migrations("/nonexistent/deltas").empty());
}

TEST(Discovery, PhaseFromFlatNames) {
    TempDir dir;
    dir.write("002_drop_old_contract.up.qail", "");
    dir.write("002_drop_old_contract.down.qail", "");
    dir.write("003_backfill_names.up.qail", "");
    dir.write("003_backfill_names.down.qail", "");
    auto migrations = discover_migrations(dir.path());
    ASSERT_EQ(migrations.size(), 2u);
    EXPECT_EQ(migrations[0].up[0].phase, Phase::contract);
    EXPECT_EQ(migrations[1].up[0].phase, Phase::backfill);
}

} // namespace
} // namespace qail::exec
