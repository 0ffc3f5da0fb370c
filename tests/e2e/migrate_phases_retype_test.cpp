// A column type change phased through a second column: expand adds the
// new-typed column and a trigger that converts every write, backfill converts
// the existing rows, contract swaps the columns. An application still writing
// the old type keeps working until contract and every row it writes comes out
// converted; the column's indexes (plain, partial, expression), its unique
// constraint, check and foreign key are there again afterwards, on the new
// column and under their own names.

#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_v1 = "table kinds {\n"
                             "  id integer primary_key\n"
                             "}\n"
                             "table items {\n"
                             "  id bigint primary_key\n"
                             "  amount integer not_null check(amount >= 0)\n"
                             "  code text unique\n"
                             "  kind integer references kinds(id)\n"
                             "}\n"
                             "index idx_items_amount on items (amount)\n"
                             "index idx_items_big on items (id) where amount > 100\n"
                             "index idx_items_code_abs on items ((abs(code::integer)))\n";

constexpr const char* k_v2 = "table kinds {\n"
                             "  id integer primary_key\n"
                             "}\n"
                             "table items {\n"
                             "  id bigint primary_key\n"
                             "  amount bigint not_null check(amount >= 0)\n"
                             "  code integer unique\n"
                             "  kind bigint references kinds(id)\n"
                             "}\n"
                             "index idx_items_amount on items (amount)\n"
                             "index idx_items_big on items (id) where amount > 100\n"
                             "index idx_items_code_abs on items ((abs(code)))\n"
                             "transform trim(code)::integer -> items.code\n";

std::string column_types(const TempDatabase& db) {
    return db.scalar("SELECT string_agg(column_name || ':' || data_type || ':' || is_nullable, ',' "
                     "ORDER BY column_name) FROM information_schema.columns WHERE table_name = "
                     "'items'");
}

TEST(MigratePhasesRetype, OldWritersKeepWorkingAndEveryRowIsConverted) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE kinds (id integer PRIMARY KEY);"
            "INSERT INTO kinds SELECT generate_series(1, 3);"
            "CREATE TABLE items (id bigint PRIMARY KEY, amount integer NOT NULL "
            "CHECK (amount >= 0), code text UNIQUE, kind integer REFERENCES kinds(id));"
            "CREATE INDEX idx_items_amount ON items (amount);"
            "CREATE INDEX idx_items_big ON items (id) WHERE amount > 100;"
            "CREATE INDEX idx_items_code_abs ON items ((abs(code::integer)));"
            "INSERT INTO items SELECT g, g * 10, ' ' || g || ' ', 1 + g % 3 "
            "FROM generate_series(1, 40) g;");
    Project p(db);
    p.write("v1.qail", k_v1);
    p.write("v2.qail", k_v2);
    RunResult created =
        p.qail_plain({"migrate", "new", "widen", "--from", "v1.qail", "--to", "v2.qail"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    std::filesystem::path folder = only_migration(p);
    std::string expand = read_file((folder / "expand.qail").string());
    EXPECT_EQ(expand.find(" TYPE "), std::string::npos) << expand;
    EXPECT_NE(expand.find("ADD COLUMN amount_qail_new BIGINT"), std::string::npos) << expand;
    EXPECT_NE(expand.find("CREATE INDEX CONCURRENTLY idx_items_big_qail"), std::string::npos)
        << expand;
    std::string contract = read_file((folder / "contract.qail").string());
    EXPECT_EQ(contract.find(" TYPE "), std::string::npos) << contract;
    EXPECT_NE(contract.find("RENAME COLUMN amount_qail_new TO amount"), std::string::npos)
        << contract;

    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    // the old application writes the old types
    db.exec("INSERT INTO items (id, amount, code, kind) VALUES (100, 5, ' 77 ', 2)");
    db.exec("UPDATE items SET amount = 1000 WHERE id = 2");
    db.exec("UPDATE items SET code = ' -8 ' WHERE id = 3");
    db.exec("UPDATE items SET kind = 3 WHERE id = 4"); // a row not converted yet
    EXPECT_EQ(db.scalar("SELECT amount_qail_new || '/' || code_qail_new FROM items WHERE id = 100"),
              "5/77");
    RunResult backfill =
        p.qail({"migrate", "apply", "--phase", "backfill", "--backfill-chunk-size", "7"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
    EXPECT_EQ(db.scalar("SELECT count(*) FROM items WHERE amount_qail_new IS DISTINCT FROM amount "
                        "OR code_qail_new IS DISTINCT FROM trim(code)::integer OR "
                        "kind_qail_new IS DISTINCT FROM kind"),
              "0");
    // the backfill fills the new columns and leaves the old values as they were
    // (converting back would turn ' 1 ' into '1')
    EXPECT_EQ(db.scalar("SELECT '[' || code || ']' FROM items WHERE id = 1"), "[ 1 ]");
    // still the old application, after the backfill
    db.exec("INSERT INTO items (id, amount, code, kind) VALUES (101, 6, '66', 1)");
    db.exec("UPDATE items SET amount = 7, code = '90 ' WHERE id = 5");
    db.exec("DELETE FROM items WHERE id = 6");

    // the code names the columns it keeps using: the guard lets contract run
    p.write("src/app.sql", "SELECT amount, code, kind FROM items;\n");
    // dropping the old columns loses their exact values: impact analysis
    // counts them and, without a terminal, a backup choice is required
    std::string before = column_types(db);
    RunResult refused =
        p.qail({"migrate", "apply", "--phase", "contract", "--codebase", "./src"});
    EXPECT_EQ(refused.exit_code, 4) << refused.out << refused.err;
    std::string impact = refused.out + refused.err;
    EXPECT_NE(impact.find("DROP COLUMN items.code"), std::string::npos) << impact;
    EXPECT_NE(impact.find("Total: 123 records at risk"), std::string::npos) << impact;
    EXPECT_EQ(column_types(db), before);
    RunResult contracted = p.qail(
        {"migrate", "apply", "--phase", "contract", "--codebase", "./src", "--backup=db"});
    ASSERT_EQ(contracted.exit_code, 0) << contracted.err;
    EXPECT_EQ(column_types(db),
              "amount:bigint:NO,code:integer:YES,id:bigint:NO,kind:bigint:YES");
    EXPECT_EQ(db.scalar("SELECT string_agg(id || '=' || amount || '/' || code || '/' || kind, ',' "
                        "ORDER BY id) FROM items WHERE id IN (2, 3, 4, 5, 100, 101)"),
              "2=1000/2/3,3=30/-8/1,4=40/4/3,5=7/90/3,100=5/77/2,101=6/66/1");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM items"), "41");
    // dependents, on the new columns under their own names
    EXPECT_EQ(db.scalar("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
                        "WHERE tablename = 'items'"),
              "idx_items_amount,idx_items_big,idx_items_code_abs,items_code_key,items_pkey");
    EXPECT_EQ(db.scalar("SELECT pg_get_indexdef('idx_items_big'::regclass)"),
              "CREATE INDEX idx_items_big ON public.items USING btree (id) WHERE (amount > 100)");
    EXPECT_EQ(db.scalar("SELECT string_agg(conname || ':' || contype::text || ':' || convalidated, ',' "
                        "ORDER BY conname) FROM pg_constraint WHERE conrelid = 'items'::regclass"),
              "items_amount_check:c:true,items_code_key:u:true,items_kind_fkey:f:true,"
              "items_pkey:p:true");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'items'::regclass AND "
                        "NOT tgisinternal"),
              "0");
    EXPECT_THROW(db.exec("INSERT INTO items (id, amount) VALUES (200, -1)"), std::exception);
    EXPECT_THROW(db.exec("INSERT INTO items (id, amount, kind) VALUES (201, 1, 99)"),
                 std::exception);
    EXPECT_EQ(history(db).size(), 3u);

    // the whole down file brings the old types back with the values
    RunResult back = p.qail({"migrate", "rollback", "--to", "base"});
    ASSERT_EQ(back.exit_code, 0) << back.err;
    EXPECT_EQ(column_types(db), "amount:integer:NO,code:text:YES,id:bigint:NO,kind:integer:YES");
    EXPECT_EQ(db.scalar("SELECT string_agg(id || '=' || amount || '/' || code || '/' || kind, ',' "
                        "ORDER BY id) FROM items WHERE id IN (2, 3, 100)"),
              "2=1000/2/3,3=30/-8/1,100=5/77/2");
    EXPECT_EQ(db.scalar("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
                        "WHERE tablename = 'items'"),
              "idx_items_amount,idx_items_big,idx_items_code_abs,items_code_key,items_pkey");
    EXPECT_TRUE(history(db).empty());
    // the values converted back lost their spaces; the backup has them as written
    std::string version = folder.filename().string() + "/contract.qail";
    RunResult restored = p.qail({"rollback", "--data", version});
    ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
    EXPECT_EQ(db.scalar("SELECT string_agg(id || '=[' || code || ']', ',' ORDER BY id) FROM items "
                        "WHERE id IN (1, 3, 100)"),
              "1=[ 1 ],3=[ -8 ],100=[ 77 ]");
}

} // namespace
} // namespace qail::testing::migrate

namespace qail::testing::migrate {
namespace {

TEST(MigratePhasesRetype, RenamedColumnKeepsItsCheckForeignKeyAndIndexes) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE teams (id integer PRIMARY KEY);"
            "INSERT INTO teams SELECT generate_series(1, 5);"
            "CREATE TABLE members (id bigint PRIMARY KEY, team integer REFERENCES teams(id) "
            "CHECK (team > 0), nick text);"
            "CREATE INDEX idx_members_team_nick ON members (team, lower(nick)) WHERE team < 5;"
            "INSERT INTO members SELECT g, 1 + g % 5, 'N' || g FROM generate_series(1, 30) g;");
    Project p(db);
    p.write("v1.qail", "table teams {\n  id integer primary_key\n}\n"
                       "table members {\n  id bigint primary_key\n"
                       "  team integer references teams(id) check(team > 0)\n  nick text\n}\n"
                       "index idx_members_team_nick on members (team, (lower(nick))) "
                       "where team < 5\n");
    p.write("v2.qail", "table teams {\n  id integer primary_key\n}\n"
                       "table members {\n  id bigint primary_key\n"
                       "  team_id integer references teams(id) check(team_id > 0)\n  nick text\n}\n"
                       "index idx_members_team_nick on members (team_id, (lower(nick))) "
                       "where team_id < 5\n"
                       "rename members.team -> members.team_id\n");
    RunResult created =
        p.qail_plain({"migrate", "new", "team_id", "--from", "v1.qail", "--to", "v2.qail"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "expand"}).exit_code, 0);
    db.exec("INSERT INTO members (id, team, nick) VALUES (100, 2, 'old')");
    ASSERT_EQ(p.qail({"migrate", "apply", "--phase", "backfill"}).exit_code, 0);
    RunResult contracted =
        p.qail({"migrate", "apply", "--phase", "contract", "--backup=none"});
    ASSERT_EQ(contracted.exit_code, 0) << contracted.err;
    EXPECT_EQ(db.scalar("SELECT string_agg(pg_get_constraintdef(oid) || ':' || convalidated, ',' "
                        "ORDER BY conname) FROM pg_constraint WHERE conrelid = "
                        "'members'::regclass AND conname <> 'members_pkey'"),
              "CHECK ((team_id > 0)):true,FOREIGN KEY (team_id) REFERENCES teams(id):true");
    EXPECT_EQ(db.scalar("SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint "
                        "WHERE conrelid = 'members'::regclass"),
              "members_pkey,members_team_id_check,members_team_id_fkey");
    EXPECT_EQ(db.scalar("SELECT pg_get_indexdef('idx_members_team_nick'::regclass)"),
              "CREATE INDEX idx_members_team_nick ON public.members USING btree (team_id, "
              "lower(nick)) WHERE (team_id < 5)");
    EXPECT_EQ(db.scalar("SELECT team_id FROM members WHERE id = 100"), "2");
    EXPECT_THROW(db.exec("INSERT INTO members (id, team_id) VALUES (200, 99)"), std::exception);
}

} // namespace
} // namespace qail::testing::migrate
