#include <gtest/gtest.h>

#include <qail/base/error.hpp>
#include <qail/exec/history.hpp>
#include <qail/exec/lock.hpp>
#include "support/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace qail::exec {
namespace {

using testing::TempDatabase;

TEST(History, CreatedOnFirstUseAndRecordsRows) {
    testing::require_server();
    TempDatabase db;
    auto conn = db.connect();
    History history(conn);
    EXPECT_FALSE(history.exists());
    EXPECT_TRUE(history.rows().empty());
    history.ensure();
    EXPECT_TRUE(history.exists());
    history.ensure(); // idempotent
    HistoryRow row;
    row.version = "001_init.up.qail";
    row.name = "init";
    row.phase = "expand";
    row.checksum = std::string(64, 'a');
    row.duration_ms = 12;
    row.sql_up = "CREATE TABLE t (id int);";
    history.record(row);
    auto rows = history.rows();
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].version, "001_init.up.qail");
    EXPECT_EQ(rows[0].duration_ms, 12);
    EXPECT_EQ(rows[0].applied_at.size(), 19u);
    EXPECT_TRUE(history.find("001_init.up.qail").has_value());
    history.remove("001_init.up.qail");
    EXPECT_TRUE(history.rows().empty());
}

TEST(History, RefusesANewerLayout) {
    testing::require_server();
    TempDatabase db;
    auto conn = db.connect();
    History history(conn);
    history.ensure();
    conn.exec("COMMENT ON TABLE _qail_migrations IS 'QAIL migration history, layout 99'");
    EXPECT_THROW(history.ensure(), RefusedError);
}

TEST(MigrationLock, SecondHolderIsRefusedWithPid) {
    testing::require_server();
    TempDatabase db;
    auto first = db.connect();
    auto second = db.connect();
    {
        MigrationLock lock(first, false);
        try {
            MigrationLock other(second, false);
            FAIL() << "expected a refusal";
        } catch (const RefusedError& e) {
            std::string message = e.what();
            EXPECT_NE(message.find("pid " + std::to_string(first.backend_pid())), std::string::npos)
                << message;
            EXPECT_NE(message.find("--wait-for-lock"), std::string::npos) << message;
        }
    }
    MigrationLock again(second, false); // released with the first lock's scope
}

TEST(MigrationStatus, EmptyAndAppliedHistory) {
    testing::require_server();
    TempDatabase db;
    testing::TempDir dir;
    auto empty = testing::run_qail({"migrate", "status", db.conninfo()},
                                   {.cwd = dir.path().string()});
    EXPECT_EQ(empty.exit_code, 0) << empty.err;
    EXPECT_NE(empty.out.find("📋 Migration Status — " + db.name()), std::string::npos) << empty.out;
    EXPECT_NE(empty.out.find("No migrations applied yet"), std::string::npos) << empty.out;

    auto conn = db.connect();
    History history(conn);
    history.ensure();
    HistoryRow row;
    row.version = "001_qail_queue.up.qail";
    row.name = "qail_queue";
    row.phase = "expand";
    row.checksum = "a3b8d1c0ffee";
    history.record(row);
    auto shown = testing::run_qail({"migrate", "status", "--url", db.conninfo()},
                                   {.cwd = dir.path().string()});
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_NE(shown.out.find("┌"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("│ Version"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("001_qail_queue.up.qail"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("qail_queue"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("a3b8d1c0..."), std::string::npos) << shown.out;

    auto json = testing::run_qail({"migrate", "status", db.conninfo(), "--json"},
                                  {.cwd = dir.path().string()});
    EXPECT_EQ(json.exit_code, 0) << json.err;
    EXPECT_NE(json.out.find("\"version\": \"001_qail_queue.up.qail\""), std::string::npos)
        << json.out;
}

TEST(MigrationStatus, UnreachableDatabaseExits3) {
    testing::require_server();
    auto r = testing::run_qail({"migrate", "status", "postgres://u:pw@127.0.0.1:1/x"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(r.err.find("pw@"), std::string::npos) << r.err;
}

} // namespace
} // namespace qail::exec
