// Every backup has an identity of its own: a migration applied, rolled back
// with its data and applied again has two backups, a restore takes the
// newest (or the one --backup-id names), `qail rollback --list` shows them,
// and a backup is never restored twice. A backup that a failed or killed run
// left half-written blocks nothing.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_migration = "20260101000000_drop_price";
constexpr const char* k_contract = "20260101000000_drop_price/contract.qail";

// items(id, label, price) with 50 prices; a delta migration that drops price.
void seed(const TempDatabase& db, const Project& p) {
    db.exec("CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL, price numeric)");
    db.exec("INSERT INTO items SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 50) g");
    std::string dir = std::string("deltas/") + k_migration + "/";
    p.write(dir + "expand.qail", "sql $$ COMMENT ON TABLE items IS 'items for sale' $$\n");
    p.write(dir + "contract.qail", "drop items.price confirm\n");
    p.write(dir + "down.qail", "alter items add price:numeric:nullable\n");
}

std::string prices(const TempDatabase& db) {
    return db.scalar("SELECT string_agg(id || '=' || coalesce(price::text, 'NULL'), ',' ORDER BY "
                     "id) FROM items");
}

RunResult apply_with(const Project& p, const std::string& backup) {
    return p.qail({"migrate", "apply", "--backup=" + backup});
}

TEST(BackupIdentity, ReappliedMigrationRestoresTheNewestBackup) {
    require_server();
    for (const std::string mode : {"db", "files"}) {
        SCOPED_TRACE(mode);
        TempDatabase db;
        Project p(db);
        seed(db, p);
        std::string first = prices(db);

        RunResult up1 = apply_with(p, mode);
        ASSERT_EQ(up1.exit_code, 0) << up1.err;
        ASSERT_EQ(p.qail({"migrate", "rollback", "--to", "base"}).exit_code, 0);
        RunResult restore1 = p.qail({"rollback", "--data", k_contract});
        ASSERT_EQ(restore1.exit_code, 0) << restore1.err;
        EXPECT_EQ(prices(db), first);

        // new values, a new application, a new backup
        db.exec("UPDATE items SET price = price * 10 + 1");
        std::string second = prices(db);
        ASSERT_NE(first, second);
        RunResult up2 = apply_with(p, mode);
        ASSERT_EQ(up2.exit_code, 0) << up2.err;
        EXPECT_NE(up2.err.find("backup #2"), std::string::npos) << up2.err;
        ASSERT_EQ(p.qail({"migrate", "rollback", "--to", "base"}).exit_code, 0);
        RunResult restore2 = p.qail({"rollback", "--data", k_contract});
        ASSERT_EQ(restore2.exit_code, 0) << restore2.err;
        EXPECT_NE(restore2.err.find("backup #2"), std::string::npos) << restore2.err;
        EXPECT_EQ(prices(db), second) << "the restore took the first backup's values";

        // both are listed, both restored
        RunResult list = p.qail({"rollback", "--list", "--json"});
        ASSERT_EQ(list.exit_code, 0) << list.err;
        nlohmann::json j = nlohmann::json::parse(list.out);
        ASSERT_EQ(j["backups"].size(), 2u) << list.out;
        EXPECT_EQ(j["backups"][0]["id"], 2);
        EXPECT_EQ(j["backups"][1]["id"], 1);
        for (const auto& b : j["backups"]) {
            EXPECT_EQ(b["version"], k_contract);
            EXPECT_EQ(b["kind"], mode);
            EXPECT_EQ(b["rows"], 50);
            EXPECT_FALSE(b["restored_at"].is_null()) << b.dump();
        }
        RunResult text = p.qail({"rollback", "--list"});
        ASSERT_EQ(text.exit_code, 0) << text.err;
        EXPECT_NE(text.out.find(k_contract), std::string::npos) << text.out;
        EXPECT_NE(text.out.find("restored"), std::string::npos) << text.out;
    }
}

TEST(BackupIdentity, BackupIdChoosesAnOlderBackup) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    std::string first = prices(db);
    ASSERT_EQ(apply_with(p, "db").exit_code, 0);
    ASSERT_EQ(p.qail({"migrate", "rollback", "--to", "base"}).exit_code, 0);
    // the column came back empty: apply again without restoring; the second backup holds nothing
    RunResult up2 = apply_with(p, "db");
    ASSERT_EQ(up2.exit_code, 0) << up2.err;
    ASSERT_EQ(p.qail({"migrate", "rollback", "--to", "base"}).exit_code, 0);

    RunResult wrong = p.qail({"rollback", "--data", k_contract, "--backup-id", "7"});
    EXPECT_EQ(wrong.exit_code, 2) << wrong.err;
    EXPECT_NE(wrong.err.find("no backup #7"), std::string::npos) << wrong.err;
    RunResult old = p.qail({"rollback", "--data", k_contract, "--backup-id", "1"});
    ASSERT_EQ(old.exit_code, 0) << old.err;
    EXPECT_EQ(prices(db), first);
}

TEST(BackupIdentity, SecondRestoreIsRefusedAndKeepsNewerValues) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    ASSERT_EQ(apply_with(p, "db").exit_code, 0);
    ASSERT_EQ(p.qail({"migrate", "rollback", "--to", "base"}).exit_code, 0);
    ASSERT_EQ(p.qail({"rollback", "--data", k_contract}).exit_code, 0);
    db.exec("UPDATE items SET price = 999 WHERE id <= 10");
    std::string newer = prices(db);

    RunResult again = p.qail({"rollback", "--data", k_contract});
    EXPECT_EQ(again.exit_code, 4) << again.err;
    EXPECT_NE(again.err.find("was restored already"), std::string::npos) << again.err;
    EXPECT_EQ(prices(db), newer);
    RunResult by_id = p.qail({"rollback", "--data", k_contract, "--backup-id", "1"});
    EXPECT_EQ(by_id.exit_code, 4) << by_id.err;
    EXPECT_EQ(prices(db), newer);
}

TEST(BackupIdentity, FailedRunsFolderDoesNotBlockTheNextRun) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    std::string before = prices(db);
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);

    // a reader keeps the drop from taking its lock: the run fails after its backup is written
    pg::Connection reader = db.connect();
    reader.exec("BEGIN");
    reader.exec("SELECT count(*) FROM items");
    RunResult failed = p.qail({"migrate", "apply", "--backup=files", "--lock-timeout", "0.1"});
    reader.exec("COMMIT");
    EXPECT_EQ(failed.exit_code, 3) << failed.err;
    EXPECT_NE(failed.err.find("lock"), std::string::npos) << failed.err;
    EXPECT_EQ(prices(db), before);

    // and killed right after its bulk copy: the capture trigger stays behind until the next run
    RunResult killed = p.qail({"migrate", "apply", "--backup=files"},
                              {{"QAIL_FAILPOINT", "after_backup_copy:1"}});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_qail\\_capture%'"),
              "2");
    db.exec("UPDATE items SET price = 7 WHERE id = 3");
    std::string written = prices(db);

    RunResult ok = p.qail({"migrate", "apply", "--backup=files"});
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\\_qail\\_capture%'"),
              "0");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_proc WHERE proname LIKE '\\_qail\\_capture%'"),
              "0");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM _qail_backup_changes"), "0");
    ASSERT_EQ(p.qail({"migrate", "rollback", "--to", "base"}).exit_code, 0);
    RunResult restore = p.qail({"rollback", "--data", k_contract});
    ASSERT_EQ(restore.exit_code, 0) << restore.err;
    EXPECT_EQ(prices(db), written);
    RunResult list = p.qail({"rollback", "--list", "--json"});
    nlohmann::json j = nlohmann::json::parse(list.out);
    int restored = 0;
    for (const auto& b : j["backups"]) {
        restored += b["restored_at"].is_null() ? 0 : 1;
        if (b["restored_at"].is_null()) {
            EXPECT_EQ(b["complete_entries"], 0) << b.dump(); // the failed runs' backups
        }
    }
    EXPECT_EQ(restored, 1) << list.out;
}

TEST(BackupIdentity, BackupRowsEqualTheImpactAnalysis) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    db.exec("UPDATE items SET price = NULL WHERE id % 5 = 0");
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    RunResult up = apply_with(p, "db");
    ASSERT_EQ(up.exit_code, 0) << up.err;
    EXPECT_NE(up.err.find("DROP COLUMN items.price → 40 values at risk"), std::string::npos)
        << up.err;
    EXPECT_NE(up.err.find("Backed up 40 rows to _qail_data_snapshots"), std::string::npos)
        << up.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM _qail_data_snapshots"), "40");
}

// Names that are hostile to labels, file names and SQL: a schema with a dot,
// a table that reads as SQL, a key with a space and capitals, a column with
// a quote and a dot.
TEST(BackupIdentity, HostileNamesAreBackedUpAndRestored) {
    require_server();
    const char* k_from = R"(schema "eu.billing"
table "eu.billing"."x""; drop table y" {
  "Key Id" integer primary_key
  "we""ird.col" text
  other text
}
)";
    const char* k_to = R"(schema "eu.billing"
table "eu.billing"."x""; drop table y" {
  "Key Id" integer primary_key
  other text
}
drop confirm "eu.billing"."x""; drop table y"."we""ird.col"
)";
    const std::string table = R"("eu.billing"."x""; drop table y")";
    const std::string query = "SELECT string_agg(\"Key Id\" || '=' || \"we\"\"ird.col\", ',' "
                              "ORDER BY \"Key Id\") FROM " + table;
    for (const std::string mode : {"db", "files"}) {
        SCOPED_TRACE(mode);
        TempDatabase db;
        Project p(db);
        p.write("from.qail", k_from);
        p.write("to.qail", k_to);
        RunResult init = p.qail({"migrate", "up", "_:from.qail"});
        ASSERT_EQ(init.exit_code, 0) << init.err;
        db.exec("INSERT INTO " + table +
                " SELECT g, 'v''\"' || g, 'o' FROM generate_series(1, 30) g");
        std::string before = db.scalar(query);
        RunResult up = p.qail({"migrate", "up", "from.qail:to.qail", "--backup=" + mode});
        ASSERT_EQ(up.exit_code, 0) << up.err;
        EXPECT_NE(up.err.find("Backed up 30 rows"), std::string::npos) << up.err;
        RunResult down = p.qail({"migrate", "down", "to.qail:from.qail", "--restore-data"});
        ASSERT_EQ(down.exit_code, 0) << down.err;
        EXPECT_EQ(db.scalar(query), before);
        EXPECT_EQ(db.scalar("SELECT to_regclass('y') IS NULL"), "t");
    }
}

} // namespace
} // namespace qail::testing::migrate
