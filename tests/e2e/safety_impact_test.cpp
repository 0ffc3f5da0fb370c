// Impact analysis and the backup choice before destructive steps (issue #7):
// the seed's "🚨 Migration Impact Analysis" block with exact counts (or
// estimates), the [1]-[4] menu on a terminal, the flags without one, and the
// file and database backups each choice makes.

#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include <qail/base/sha256.hpp>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_old = R"(table users {
  id serial primary_key
  name text not_null
  email text
}
table sessions {
  id serial primary_key
  token text
}
)";

constexpr const char* k_new = R"(table users {
  id serial primary_key
  name text not_null
}
drop confirm users.email
drop confirm sessions
)";

// A database at k_old with 3 e-mails (one more user without) and 5 sessions.
void seed(const TempDatabase& db, const Project& p) {
    p.write("old.qail", k_old);
    p.write("new.qail", k_new);
    RunResult init = p.qail({"migrate", "up", "_:old.qail"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    db.exec("INSERT INTO users (name, email) VALUES ('ada', 'ada@x'), ('bob', 'bob@x'), "
            "('cy', 'cy@x'), ('dee', NULL)");
    db.exec("INSERT INTO sessions (token) SELECT 't' || g FROM generate_series(1, 5) g");
}

std::string latest_version(const TempDatabase& db) {
    return db.scalar("SELECT version FROM _qail_migrations ORDER BY id DESC LIMIT 1");
}

int mode_of(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return static_cast<int>(st.st_mode & 0777);
}

// build/qail under a pseudo-terminal (util-linux `script`), answering `input`.
RunResult qail_on_terminal(const Project& p, const TempDatabase& db,
                           const std::vector<std::string>& args, const std::string& input) {
    std::string command = std::string("'") + QAIL_BINARY + "'";
    for (const std::string& a : args) {
        command += " '" + a + "'";
    }
    command += " '" + db.conninfo() + "'";
    RunOptions o = p.options();
    o.stdin_text = input;
    return run_process({"/usr/bin/script", "-qec", command, "/dev/null"}, o);
}

TEST(SafetyImpact, SeedReportThenRefusalWithoutTerminalOrFlags) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    std::string before = normalized_dump(db.name());
    RunResult r = p.qail({"migrate", "up", "old.qail:new.qail"});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("🚨 Migration Impact Analysis\n━━━━━━━━━━━━━━━━━━━━━━━━━━━━\n"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("  DROP COLUMN users.email → 3 values at risk\n"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("  DROP TABLE  sessions    → 5 rows affected\n"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("  Total: 8 records at risk"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--backup=none|files|db"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
    EXPECT_EQ(normalized_dump(db.name()), before);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM sessions"), "5");
}

TEST(SafetyImpact, CancelOnTheTerminalExits5AndChangesNothing) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    std::string before = normalized_dump(db.name());
    RunResult r = qail_on_terminal(p, db, {"migrate", "up", "old.qail:new.qail"}, "4\n");
    EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
    EXPECT_NE(r.out.find("[1] Proceed (I have my own backup)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("[2] Backup to files (_qail_snapshots/)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("[3] Backup to database (with rollback support)"), std::string::npos);
    EXPECT_NE(r.out.find("[4] Cancel migration"), std::string::npos) << r.out;
    EXPECT_EQ(normalized_dump(db.name()), before);
    EXPECT_EQ(history(db).size(), 1u);
}

TEST(SafetyImpact, DatabaseBackupChosenOnTheTerminal) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    RunResult r = qail_on_terminal(p, db, {"migrate", "up", "old.qail:new.qail"}, "3\n");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::string version = latest_version(db);
    // the NULL e-mail is not at risk and not backed up: 3 values and 5 rows
    EXPECT_NE(r.out.find("Backed up 8 rows to _qail_data_snapshots"), std::string::npos) << r.out;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM _qail_data_snapshots WHERE migration_version = '" +
                        version + "' AND snapshot_type = 'DROP_TABLE' AND table_name = 'sessions'"),
              "5");
    EXPECT_EQ(db.scalar("SELECT value_json->>'token' FROM _qail_data_snapshots WHERE "
                        "snapshot_type = 'DROP_TABLE' AND row_id = '{\"id\": 3}'"),
              "t3");
    EXPECT_EQ(db.scalar("SELECT string_agg(value_json::text, ',' ORDER BY row_id) FROM "
                        "_qail_data_snapshots WHERE snapshot_type = 'DROP_COLUMN' AND "
                        "column_name = 'email'"),
              "\"ada@x\",\"bob@x\",\"cy@x\"");
    EXPECT_EQ(db.scalar("SELECT to_regclass('sessions') IS NULL"), "t");
}

TEST(SafetyImpact, FileBackupWritesPrivateCsvsAndAManifest) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    RunResult r = p.qail({"migrate", "up", "old.qail:new.qail", "--backup=files"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string version = latest_version(db);
    // one folder per backup: <version>.<backup id>
    std::string id = db.scalar("SELECT max(id) FROM _qail_backups");
    std::filesystem::path folder = p.path() / "_qail_snapshots" / (version + "." + id);
    EXPECT_EQ(mode_of(p.path() / "_qail_snapshots"), 0700);
    EXPECT_EQ(mode_of(folder), 0700);
    std::ifstream in(folder / "manifest.json");
    ASSERT_TRUE(in) << r.err;
    nlohmann::json manifest = nlohmann::json::parse(in);
    EXPECT_EQ(manifest["version"], version);
    EXPECT_EQ(std::to_string(manifest["backup_id"].get<long long>()), id);
    ASSERT_EQ(manifest["entries"].size(), 2u) << manifest.dump(2);
    int checked = 0;
    for (const auto& e : manifest["entries"]) {
        std::filesystem::path file = folder / e["file"].get<std::string>();
        EXPECT_EQ(mode_of(file), 0600) << file;
        std::string text = p.read(std::filesystem::relative(file, p.path()).string());
        EXPECT_EQ(sha256_hex(text), e["sha256"].get<std::string>());
        if (e["type"] == "DROP_COLUMN") {
            EXPECT_EQ(e["table"], "users");
            EXPECT_EQ(e["column"], "email");
            EXPECT_EQ(e["rows"], 3); // the non-NULL e-mails
            EXPECT_EQ(text.substr(0, text.find('\n')), "id,email");
            EXPECT_NE(text.find("\n2,bob@x\n"), std::string::npos) << text;
            ++checked;
        } else {
            EXPECT_EQ(e["type"], "DROP_TABLE");
            EXPECT_EQ(e["rows"], 5);
            EXPECT_EQ(text.substr(0, text.find('\n')), "id,token");
            ++checked;
        }
    }
    EXPECT_EQ(checked, 2);
    EXPECT_EQ(mode_of(folder / "manifest.json"), 0600);
}

TEST(SafetyImpact, NarrowingTypeChangeCountsTheValuesThatFailTheCast) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("a.qail", "table m {\n  id integer primary_key\n  v text\n  n bigint\n}\n");
    p.write("b.qail", "table m {\n  id integer primary_key\n  v integer\n  n bigint\n}\n");
    p.write("c.qail", "table m {\n  id integer primary_key\n  v text\n  n integer\n}\n");
    p.write("d.qail", "table m {\n  id integer primary_key\n  v text not_null\n  n bigint\n}\n");
    ASSERT_EQ(p.qail({"migrate", "up", "_:a.qail"}).exit_code, 0);
    db.exec("INSERT INTO m VALUES (1, '10', 1), (2, 'abc', 5000000000), (3, NULL, NULL), "
            "(4, ' 7 ', 2), (5, '1.5', 9000000000)");
    std::string before = normalized_dump(db.name());
    RunResult cast = p.qail({"migrate", "up", "a.qail:b.qail"});
    EXPECT_EQ(cast.exit_code, 4) << cast.err;
    EXPECT_NE(cast.err.find("ALTER TYPE m.v (text → integer) → 2 values would fail the cast"),
              std::string::npos)
        << cast.err;
    RunResult narrow = p.qail({"migrate", "up", "a.qail:c.qail"});
    EXPECT_EQ(narrow.exit_code, 4) << narrow.err;
    EXPECT_NE(narrow.err.find("(bigint → integer) → 2 values would fail the cast"),
              std::string::npos)
        << narrow.err;
    RunResult nulls = p.qail({"migrate", "up", "a.qail:d.qail"});
    EXPECT_EQ(nulls.exit_code, 4) << nulls.err;
    EXPECT_NE(nulls.err.find("SET NOT NULL m.v → 1 NULLs would be rejected"), std::string::npos)
        << nulls.err;
    EXPECT_EQ(normalized_dump(db.name()), before);

    // nothing at risk: no question, the migration runs
    db.exec("UPDATE m SET n = 1 WHERE n > 2000000000");
    RunResult fits = p.qail({"migrate", "up", "a.qail:c.qail"});
    EXPECT_EQ(fits.exit_code, 0) << fits.err;
    EXPECT_NE(fits.err.find("→ 0 values would fail the cast"), std::string::npos) << fits.err;
    EXPECT_EQ(db.scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid "
                        "= 'm'::regclass AND attname = 'n'"),
              "integer");
}

// A type change that converts every value can still lose some: rounded,
// trimmed or cut values do not convert back to what they were. Those are at
// risk too, so the run asks (or refuses without a terminal or a flag).
TEST(SafetyImpact, ALossyTypeChangeIsAtRiskThoughEveryValueConverts) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("a.qail", "table m {\n  id integer primary_key\n  amount numeric(10,3)\n  code text\n}\n");
    p.write("b.qail", "table m {\n  id integer primary_key\n  amount numeric(10,1)\n  code text\n}\n");
    p.write("c.qail", "table m {\n  id integer primary_key\n  amount numeric(10,3)\n  code integer\n}\n");
    ASSERT_EQ(p.qail({"migrate", "up", "_:a.qail"}).exit_code, 0);
    db.exec("INSERT INTO m VALUES (1, 1.123, '10'), (2, 2.5, ' 7 '), (3, NULL, NULL), "
            "(4, 4.25, '0042')");
    std::string before = normalized_dump(db.name());
    std::string rows = db.scalar("SELECT string_agg(m::text, ';' ORDER BY id) FROM m");

    RunResult rounded = p.qail({"migrate", "up", "a.qail:b.qail"});
    EXPECT_EQ(rounded.exit_code, 4) << rounded.err;
    EXPECT_NE(rounded.err.find("ALTER TYPE m.amount (numeric(10,3) → numeric(10,1)) → 0 values "
                               "would fail the cast, 2 would change"),
              std::string::npos)
        << rounded.err;
    EXPECT_NE(rounded.err.find("Total: 2 records at risk"), std::string::npos) << rounded.err;
    RunResult trimmed = p.qail({"migrate", "up", "a.qail:c.qail"});
    EXPECT_EQ(trimmed.exit_code, 4) << trimmed.err;
    EXPECT_NE(trimmed.err.find("ALTER TYPE m.code (text → integer) → 0 values would fail the "
                               "cast, 2 would change"),
              std::string::npos)
        << trimmed.err;
    EXPECT_EQ(normalized_dump(db.name()), before);
    EXPECT_EQ(db.scalar("SELECT string_agg(m::text, ';' ORDER BY id) FROM m"), rows);
}

TEST(SafetyImpact, EstimatesBeyondTheThresholdAreMarked) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    db.exec("ANALYZE users; ANALYZE sessions");
    RunResult r = p.qail({"migrate", "up", "old.qail:new.qail", "--estimate-above", "2",
                          "--backup=none"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("DROP TABLE  sessions    → ~5 rows affected (estimate)"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("DROP COLUMN users.email → ~3 values at risk (estimate)"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("Total: ~8 records at risk (estimate)"), std::string::npos) << r.err;
}

TEST(SafetyImpact, ContractPhaseOfDeltaFilesAsksToo) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE orders (region text, no int, legacy text, PRIMARY KEY (region, no))");
    db.exec("INSERT INTO orders VALUES ('eu', 1, 'x'), ('us', 1, 'y'), ('us', 2, NULL)");
    Project p(db);
    p.write("deltas/20260101000000_drop_legacy/expand.qail", "");
    p.write("deltas/20260101000000_drop_legacy/contract.qail", "drop orders.legacy confirm\n");
    p.write("deltas/20260101000000_drop_legacy/down.qail",
            "alter orders add legacy:text:nullable\n");
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    RunResult refused = p.qail({"migrate", "apply", "--phase", "contract"});
    EXPECT_EQ(refused.exit_code, 4) << refused.err;
    EXPECT_NE(refused.err.find("DROP COLUMN orders.legacy → 2 values at risk"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("--backup=none|files|db"), std::string::npos) << refused.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = "
                        "'legacy'"),
              "1");
    RunResult ok = p.qail({"migrate", "apply", "--phase", "contract", "--backup=db"});
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    // a composite key becomes a JSON object of both columns
    EXPECT_EQ(db.scalar("SELECT string_agg(row_id || '=' || value_json::text, ' ' ORDER BY id) "
                        "FROM _qail_data_snapshots WHERE migration_version = "
                        "'20260101000000_drop_legacy/contract.qail'"),
              "{\"no\": 1, \"region\": \"eu\"}=\"x\" {\"no\": 1, \"region\": \"us\"}=\"y\"");
}

} // namespace
} // namespace qail::testing::migrate
