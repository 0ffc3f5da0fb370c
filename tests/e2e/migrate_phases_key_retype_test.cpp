// A primary key's type change (integer -> bigint, serial -> bigserial)
// phased like any other retype: a second column kept in step by a trigger,
// backfilled, and in contract a unique index built CONCURRENTLY that becomes
// the key in one short transaction, the foreign keys that reference the key
// dropped there and added back NOT VALID, then validated. The referencing
// column (orders.user_id) is retyped in the same migration. The old
// application keeps inserting through expand and backfill; afterwards the
// database is exactly the target schema, and the whole down file brings the
// old types back with the values.

#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

struct KeyCase {
    const char* v1;
    const char* v2;
    const char* create; ///< the v1 tables in SQL
    bool serial;        ///< the old application takes users' ids from the sequence
};

std::string key_types(const TempDatabase& db) {
    return db.scalar("SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' "
                     "ORDER BY table_name, column_name) FROM information_schema.columns WHERE "
                     "table_name IN ('users', 'orders') AND column_name IN ('id', 'user_id')");
}

std::string all_rows(const TempDatabase& db) {
    return table_text(db, "users", "id, name") + "\n--\n" + table_text(db, "orders", "id, user_id");
}

std::string constraints(const TempDatabase& db) {
    return db.scalar("SELECT string_agg(conrelid::regclass || ':' || conname || ':' || "
                     "pg_get_constraintdef(oid) || ':' || convalidated, ',' ORDER BY conname) "
                     "FROM pg_constraint WHERE conrelid IN ('users'::regclass, "
                     "'orders'::regclass)");
}

// The old application: a user and two orders for it, an order moved, one deleted.
void old_app_writes(const TempDatabase& db, bool serial, int round) {
    std::string user_id =
        serial ? db.scalar(fmt::format("INSERT INTO users (name) VALUES ('late{}') RETURNING id",
                                       round))
               : db.scalar(fmt::format("INSERT INTO users (id, name) VALUES ({}, 'late{}') "
                                       "RETURNING id",
                                       1000 + round, round));
    db.exec(fmt::format("INSERT INTO orders (id, user_id) VALUES ({}, {}), ({}, {})",
                        5000 + 2 * round, user_id, 5001 + 2 * round, user_id));
    db.exec(fmt::format("UPDATE orders SET user_id = {} WHERE id = {}", user_id, 10 + round));
    db.exec(fmt::format("UPDATE users SET name = 'renamed{}' WHERE id = {}", round, 20 + round));
    db.exec(fmt::format("DELETE FROM orders WHERE id = {}", 30 + round));
}

void run_key_retype(const KeyCase& c) {
    require_server();
    TempDatabase db;
    db.exec(c.create);
    db.exec("INSERT INTO users (id, name) SELECT g, 'user' || g FROM generate_series(1, 300) g;"
            "INSERT INTO orders (id, user_id) SELECT g, 1 + g % 300 FROM generate_series(1, 600) g;");
    if (c.serial) {
        db.exec("SELECT setval('users_id_seq', 300)");
    }
    Project p(db);
    p.write("v1.qail", c.v1);
    p.write("v2.qail", c.v2);
    RunResult created =
        p.qail_plain({"migrate", "new", "widen_keys", "--from", "v1.qail", "--to", "v2.qail"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    std::filesystem::path folder = only_migration(p);
    std::string expand = read_file((folder / "expand.qail").string());
    EXPECT_EQ(expand.find(" TYPE "), std::string::npos) << expand;
    EXPECT_NE(expand.find("ADD COLUMN id_qail_new BIGINT"), std::string::npos) << expand;
    std::string contract = read_file((folder / "contract.qail").string());
    EXPECT_EQ(contract.find(" TYPE "), std::string::npos) << contract;
    EXPECT_NE(contract.find("CREATE UNIQUE INDEX CONCURRENTLY users_id_qail_new_key"),
              std::string::npos)
        << contract;
    EXPECT_NE(contract.find("ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX "
                            "users_id_qail_new_key"),
              std::string::npos)
        << contract;
    EXPECT_NE(contract.find("FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID"),
              std::string::npos)
        << contract;
    std::string constraints_before = constraints(db);

    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    old_app_writes(db, c.serial, 1);
    // the trigger filled the new column of the rows the old application wrote
    EXPECT_EQ(db.scalar("SELECT string_agg(name, ',' ORDER BY name) FROM users WHERE "
                        "id_qail_new = id"),
              "late1,renamed1");
    RunResult backfill =
        p.qail({"migrate", "apply", "--phase", "backfill", "--backfill-chunk-size", "50"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE id_qail_new IS DISTINCT FROM id"), "0");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM orders WHERE user_id_qail_new IS DISTINCT FROM "
                        "user_id"),
              "0");
    old_app_writes(db, c.serial, 2);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users WHERE id_qail_new IS DISTINCT FROM id"), "0");
    std::string rows = all_rows(db);
    EXPECT_EQ(db.scalar("SELECT count(*) FROM users"), "302");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM orders"), "602");

    // dropping the old columns needs a backup choice without a terminal
    RunResult refused = p.qail({"migrate", "apply", "--phase", "contract"});
    EXPECT_EQ(refused.exit_code, 4) << refused.out << refused.err;
    EXPECT_EQ(key_types(db), "orders.id:integer,orders.user_id:integer,users.id:integer");
    EXPECT_EQ(history(db).size(), 2u);
    RunResult contracted = p.qail({"migrate", "apply", "--phase", "contract", "--backup=db"});
    ASSERT_EQ(contracted.exit_code, 0) << contracted.out << contracted.err;

    // exactly the target schema
    RunResult drift =
        run_qail({"diff", "_", "v2.qail", "--live", "--url", db.uri()}, p.options());
    EXPECT_EQ(drift.exit_code, 0) << drift.out << drift.err;
    EXPECT_EQ(key_types(db), "orders.id:integer,orders.user_id:bigint,users.id:bigint");
    EXPECT_EQ(all_rows(db), rows);
    EXPECT_EQ(constraints(db),
              "orders:orders_pkey:PRIMARY KEY (id):true,"
              "orders:orders_user_id_fkey:FOREIGN KEY (user_id) REFERENCES users(id):true,"
              "users:users_pkey:PRIMARY KEY (id):true");
    EXPECT_EQ(db.scalar("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
                        "WHERE tablename IN ('users', 'orders')"),
              "orders_pkey,users_pkey");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('users'::regclass, "
                        "'orders'::regclass) AND NOT tgisinternal"),
              "0");
    EXPECT_THROW(db.exec("INSERT INTO orders (id, user_id) VALUES (9000, 99999)"), std::exception);
    EXPECT_THROW(db.exec("INSERT INTO users (id, name) VALUES (1, 'dup')"), std::exception);
    EXPECT_THROW(db.exec("DELETE FROM users WHERE id = 2"), std::exception); // orders reference it
    db.exec("INSERT INTO users (id, name) VALUES (5000000000, 'big')");
    db.exec("INSERT INTO orders (id, user_id) VALUES (9001, 5000000000)");
    if (c.serial) {
        // the sequence goes on where the old column left it, now bigint
        EXPECT_EQ(db.scalar("INSERT INTO users (name) VALUES ('new') RETURNING id"), "303");
        EXPECT_EQ(db.scalar("SELECT pg_get_serial_sequence('users', 'id')"), "public.users_id_seq");
        EXPECT_EQ(db.scalar("SELECT data_type FROM information_schema.sequences WHERE "
                            "sequence_name = 'users_id_seq'"),
                  "bigint");
    }
    EXPECT_EQ(history(db).size(), 3u);

    // the whole down file: the old types, the values, the key and its foreign key
    db.exec("DELETE FROM orders WHERE id = 9001; DELETE FROM users WHERE id = 5000000000 OR "
            "name = 'new'");
    RunResult back = p.qail({"migrate", "rollback", "--to", "base"});
    ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
    EXPECT_EQ(key_types(db), "orders.id:integer,orders.user_id:integer,users.id:integer");
    EXPECT_EQ(all_rows(db), rows);
    EXPECT_EQ(constraints(db), constraints_before);
    // the database backup of the dropped old columns restores onto the old
    // schema: its rows are found by the key's final name, not <col>_qail_new
    std::string version = folder.filename().string() + "/contract.qail";
    RunResult restored = p.qail({"rollback", "--data", version});
    ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
    EXPECT_NE((restored.out + restored.err).find("values restored in users.id"),
              std::string::npos)
        << restored.out << restored.err;
    EXPECT_EQ(all_rows(db), rows);
    RunResult drift_back =
        run_qail({"diff", "_", "v1.qail", "--live", "--url", db.uri()}, p.options());
    EXPECT_EQ(drift_back.exit_code, 0) << drift_back.out << drift_back.err;
    if (c.serial) {
        EXPECT_EQ(db.scalar("SELECT pg_get_serial_sequence('users', 'id')"), "public.users_id_seq");
        EXPECT_EQ(db.scalar("INSERT INTO users (name) VALUES ('after') RETURNING id"), "304");
    }
    EXPECT_TRUE(history(db).empty());
}

TEST(MigratePhasesKeyRetype, IntegerKeyAndItsReferencesBecomeBigintWhileTheOldAppWrites) {
    run_key_retype({"table users {\n  id integer primary_key\n  name text\n}\n"
                    "table orders {\n  id integer primary_key\n"
                    "  user_id integer references users(id)\n}\n",
                    "table users {\n  id bigint primary_key\n  name text\n}\n"
                    "table orders {\n  id integer primary_key\n"
                    "  user_id bigint references users(id)\n}\n",
                    "CREATE TABLE users (id integer PRIMARY KEY, name text);"
                    "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES "
                    "users(id));",
                    false});
}

TEST(MigratePhasesKeyRetype, SerialKeyBecomesBigserialAndTheSequenceMovesWithIt) {
    run_key_retype({"table users {\n  id serial primary_key\n  name text\n}\n"
                    "table orders {\n  id integer primary_key\n"
                    "  user_id integer references users(id)\n}\n",
                    "table users {\n  id bigserial primary_key\n  name text\n}\n"
                    "table orders {\n  id integer primary_key\n"
                    "  user_id bigint references users(id)\n}\n",
                    "CREATE TABLE users (id serial PRIMARY KEY, name text);"
                    "CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES "
                    "users(id));",
                    true});
}

// A key referenced by its own table (retyped too) and by a column that keeps
// its type: both foreign keys come back on the new key, validated.
TEST(MigratePhasesKeyRetype, SelfReferenceAndAnUntouchedReferencingColumnFollowTheKey) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE users (id serial PRIMARY KEY, parent_id integer REFERENCES users(id));"
            "CREATE TABLE notes (id integer PRIMARY KEY, user_id integer REFERENCES users(id));"
            "INSERT INTO users (parent_id) VALUES (NULL);"
            "INSERT INTO users (parent_id) SELECT 1 + g % 7 FROM generate_series(1, 120) g;"
            "INSERT INTO notes SELECT g, g FROM generate_series(1, 100) g;");
    Project p(db);
    p.write("v1.qail", "table users {\n  id serial primary_key\n"
                       "  parent_id integer references users(id)\n}\n"
                       "table notes {\n  id integer primary_key\n"
                       "  user_id integer references users(id)\n}\n");
    p.write("v2.qail", "table users {\n  id bigserial primary_key\n"
                       "  parent_id bigint references users(id)\n}\n"
                       "table notes {\n  id integer primary_key\n"
                       "  user_id integer references users(id)\n}\n");
    ASSERT_EQ(p.qail_plain({"migrate", "new", "keys", "--from", "v1.qail", "--to", "v2.qail"})
                  .exit_code,
              0);
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    std::string child = db.scalar("INSERT INTO users (parent_id) VALUES (3) RETURNING id");
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "backfill"}).exit_code, 0);
    db.exec("INSERT INTO notes VALUES (500, " + child + ")");
    db.exec("INSERT INTO users (parent_id) VALUES (" + child + ")");
    std::string rows = table_text(db, "users", "id, parent_id") + "\n--\n" +
                       table_text(db, "notes", "id, user_id");
    RunResult contracted = p.qail({"migrate", "apply", "--phase", "contract", "--backup=none"});
    ASSERT_EQ(contracted.exit_code, 0) << contracted.out << contracted.err;
    RunResult drift =
        run_qail({"diff", "_", "v2.qail", "--live", "--url", db.uri()}, p.options());
    EXPECT_EQ(drift.exit_code, 0) << drift.out << drift.err;
    EXPECT_EQ(table_text(db, "users", "id, parent_id") + "\n--\n" +
                  table_text(db, "notes", "id, user_id"),
              rows);
    EXPECT_EQ(db.scalar("SELECT string_agg(conname || ':' || pg_get_constraintdef(oid) || ':' || "
                        "convalidated, ',' ORDER BY conname) FROM pg_constraint WHERE contype = "
                        "'f'"),
              "notes_user_id_fkey:FOREIGN KEY (user_id) REFERENCES users(id):true,"
              "users_parent_id_fkey:FOREIGN KEY (parent_id) REFERENCES users(id):true");
    EXPECT_THROW(db.exec("INSERT INTO users (parent_id) VALUES (99999)"), std::exception);
    EXPECT_THROW(db.exec("INSERT INTO notes VALUES (501, 99999)"), std::exception);
    RunResult back = p.qail({"migrate", "rollback", "--to", "base"});
    ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
    RunResult drift_back =
        run_qail({"diff", "_", "v1.qail", "--live", "--url", db.uri()}, p.options());
    EXPECT_EQ(drift_back.exit_code, 0) << drift_back.out << drift_back.err;
    EXPECT_EQ(table_text(db, "users", "id, parent_id") + "\n--\n" +
                  table_text(db, "notes", "id, user_id"),
              rows);
}

} // namespace
} // namespace qail::testing::migrate
