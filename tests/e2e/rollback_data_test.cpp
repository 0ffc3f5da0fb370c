// Data rollback (issue #7): a 100,000-row table loses a column and a
// related table, the schema is rolled back, and the backup puts every value
// back — identical row for row (checksums over the tables before and after).

#include <gtest/gtest.h>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_old = R"(table items {
  id bigint primary_key
  label text not_null
  price numeric(12,2)
  noted_at timestamptz
  tags text[]
  extra jsonb
}
table item_notes {
  item_id bigint not_null
  seq integer not_null
  body text
  primary_key (item_id, seq)
}
)";

constexpr const char* k_new = R"(table items {
  id bigint primary_key
  label text not_null
  noted_at timestamptz
  tags text[]
  extra jsonb
}
drop confirm items.price
drop confirm item_notes
)";

// Restoring goes back to old: the column and the table come back empty.
constexpr const char* k_back = R"(table items {
  id bigint primary_key
  label text not_null
  noted_at timestamptz
  tags text[]
  extra jsonb
  price numeric(12,2)
}
table item_notes {
  item_id bigint not_null
  seq integer not_null
  body text
  primary_key (item_id, seq)
}
)";

std::string items_checksum(const TempDatabase& db) {
    return db.scalar("SELECT md5(string_agg(concat_ws('|', id, label, price, noted_at, tags, "
                     "extra), E'\\n' ORDER BY id)) || ':' || count(*) FROM items");
}

std::string notes_checksum(const TempDatabase& db) {
    return db.scalar("SELECT md5(string_agg(concat_ws('|', item_id, seq, body), E'\\n' ORDER BY "
                     "item_id, seq)) || ':' || count(*) FROM item_notes");
}

void seed(const TempDatabase& db, const Project& p) {
    p.write("old.qail", k_old);
    p.write("new.qail", k_new);
    p.write("back.qail", k_back);
    RunResult init = p.qail({"migrate", "up", "_:old.qail"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    db.exec("INSERT INTO items SELECT g, 'item ' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE "
            "(g * 1.37)::numeric(12,2) END, timestamptz '2024-01-01 00:00:00+00' + g * interval "
            "'1 minute', ARRAY['a' || g % 5, 'quote\"s, and\nnewlines'], jsonb_build_object('n', "
            "g, 'f', g / 3.0) FROM generate_series(1, 100000) g");
    db.exec("INSERT INTO item_notes SELECT g % 1000 + 1, g, 'note ' || g FROM generate_series(1, "
            "20000) g");
}

std::string latest_up(const TempDatabase& db) {
    return db.scalar("SELECT version FROM _qail_migrations WHERE version LIKE '%\\_up%' ORDER BY "
                     "id DESC LIMIT 1");
}

TEST(RollbackData, DatabaseBackupRestoredByMigrateDownRestoreData) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    std::string items_before = items_checksum(db);
    std::string notes_before = notes_checksum(db);

    RunResult up = p.qail({"migrate", "up", "old.qail:new.qail", "--backup=db"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    EXPECT_NE(up.err.find("DROP COLUMN items.price → 85,715 values at risk"), std::string::npos)
        << up.err;
    EXPECT_NE(up.err.find("DROP TABLE  item_notes  → 20,000 rows affected"), std::string::npos)
        << up.err;
    EXPECT_EQ(db.scalar("SELECT to_regclass('item_notes') IS NULL"), "t");
    std::string version = latest_up(db);

    // the backup cannot go back while the schema does not fit
    RunResult early = p.qail({"rollback", "--data", version});
    EXPECT_EQ(early.exit_code, 4) << early.err;
    EXPECT_NE(early.err.find("does not exist"), std::string::npos) << early.err;

    RunResult down = p.qail({"migrate", "down", "new.qail:back.qail", "--restore-data"});
    ASSERT_EQ(down.exit_code, 0) << down.err;
    EXPECT_NE(down.err.find("20,000 rows restored into item_notes"), std::string::npos)
        << down.err;
    // the backup holds the values at risk: every non-NULL price
    EXPECT_NE(down.err.find("85,715 values restored in items.price"), std::string::npos)
        << down.err;
    EXPECT_EQ(items_checksum(db), items_before);
    EXPECT_EQ(notes_checksum(db), notes_before);

    // twice is refused: the backup was restored already
    RunResult again = p.qail({"rollback", "--data", version});
    EXPECT_EQ(again.exit_code, 4) << again.err;
    EXPECT_NE(again.err.find("was restored already"), std::string::npos) << again.err;
    EXPECT_EQ(notes_checksum(db), notes_before);
}

TEST(RollbackData, FileBackupRestoredByRollbackData) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    std::string items_before = items_checksum(db);
    std::string notes_before = notes_checksum(db);

    RunResult up = p.qail({"migrate", "up", "old.qail:new.qail", "--backup=files"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    std::string version = latest_up(db);
    RunResult down = p.qail({"migrate", "down", "new.qail:back.qail"});
    ASSERT_EQ(down.exit_code, 0) << down.err;
    EXPECT_EQ(db.scalar("SELECT count(price) FROM items"), "0");

    RunResult data = p.qail({"rollback", "--data", version});
    ASSERT_EQ(data.exit_code, 0) << data.err;
    EXPECT_NE(data.err.find("Restored 105,715 rows"), std::string::npos) << data.err;
    EXPECT_EQ(items_checksum(db), items_before);
    EXPECT_EQ(notes_checksum(db), notes_before);
}

TEST(RollbackData, RetypedValuesComeBackAndAWrongTypeIsRefused) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("a.qail", "table r {\n  id integer primary_key\n  amount numeric(10,3)\n}\n");
    p.write("b.qail", "table r {\n  id integer primary_key\n  amount numeric(10,1)\n}\n");
    ASSERT_EQ(p.qail({"migrate", "up", "_:a.qail"}).exit_code, 0);
    db.exec("INSERT INTO r SELECT g, g + 0.123 FROM generate_series(1, 1000) g");
    std::string before = db.scalar("SELECT md5(string_agg(amount::text, ',' ORDER BY id)) FROM r");
    RunResult up = p.qail({"migrate", "up", "a.qail:b.qail", "--backup=db"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
    std::string version = latest_up(db);
    EXPECT_EQ(db.scalar("SELECT amount FROM r WHERE id = 1"), "1.1");
    RunResult early = p.qail({"rollback", "--data", version});
    EXPECT_EQ(early.exit_code, 4) << early.err;
    EXPECT_NE(early.err.find("numeric(10,1)"), std::string::npos) << early.err;
    ASSERT_EQ(p.qail({"migrate", "down", "b.qail:a.qail"}).exit_code, 0);
    RunResult data = p.qail({"rollback", "--data", version});
    ASSERT_EQ(data.exit_code, 0) << data.err;
    EXPECT_EQ(db.scalar("SELECT md5(string_agg(amount::text, ',' ORDER BY id)) FROM r"), before);
}

// 0x5141494C: exec::k_lock_class
constexpr const char* k_lock_holder =
    "SELECT coalesce(min(pid), 0) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = 1363233100 AND database = (SELECT oid FROM pg_database WHERE datname = "
    "current_database())";

// A data rollback holds the migration lock like a migration does, and a
// killed one lets it go at once, not when its statement would have ended.
TEST(RollbackData, HoldsTheMigrationLockAndAKilledOneFreesIt) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("a.qail", "table r {\n  id integer primary_key\n  note text\n}\n");
    p.write("b.qail", "table r {\n  id integer primary_key\n}\ndrop confirm r.note\n");
    ASSERT_EQ(p.qail({"migrate", "up", "_:a.qail"}).exit_code, 0);
    db.exec("INSERT INTO r SELECT g, 'note ' || g FROM generate_series(1, 400) g");
    ASSERT_EQ(p.qail({"migrate", "up", "a.qail:b.qail", "--backup=db"}).exit_code, 0);
    std::string version = latest_up(db);
    ASSERT_EQ(p.qail({"migrate", "down", "b.qail:a.qail"}).exit_code, 0);
    // each restored row takes a while: the restore runs for about 20 s
    db.exec("CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM "
            "pg_sleep(0.05); RETURN NEW; END $$");
    db.exec("CREATE TRIGGER slow BEFORE UPDATE ON r FOR EACH ROW EXECUTE FUNCTION slow()");

    Background restore({"rollback", "--data", version, db.conninfo()}, p.options());
    ASSERT_TRUE(eventually([&] { return db.scalar(k_lock_holder) != "0"; }));
    RunResult second = p.qail({"rollback", "--data", version});
    EXPECT_EQ(second.exit_code, 4) << second.err;
    EXPECT_NE(second.err.find("another migration is running"), std::string::npos) << second.err;
    RunResult migrate = p.qail({"migrate", "up", "a.qail:b.qail", "--backup=db"});
    EXPECT_EQ(migrate.exit_code, 4) << migrate.err;

    // killed while its UPDATE runs (a backend between statements would notice at once anyway)
    ASSERT_TRUE(eventually([&] {
        return db.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                         "current_database() AND state = 'active' AND query LIKE 'UPDATE %'") !=
               "0";
    }));
    restore.kill9();
    restore.wait();
    // the server notices the dead client within about a second
    EXPECT_TRUE(eventually([&] { return db.scalar(k_lock_holder) == "0"; }, 6));
    EXPECT_EQ(db.scalar("SELECT count(note) FROM r"), "0");
    db.exec("DROP TRIGGER slow ON r");
    RunResult again = p.qail({"rollback", "--data", version});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(db.scalar("SELECT count(note) FROM r"), "400");
}

TEST(RollbackData, UnknownVersionIsBadInput) {
    require_server();
    TempDatabase db;
    Project p(db);
    RunResult r = p.qail({"rollback", "--data", "20990101000000_up"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("no backup of version 20990101000000_up"), std::string::npos) << r.err;
}

} // namespace
} // namespace qail::testing::migrate
