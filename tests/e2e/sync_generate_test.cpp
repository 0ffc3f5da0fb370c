// qail sync generate / list: outbox triggers written as a phased delta folder
// that migrate apply accepts; each insert, update of the watched column and
// delete queues one row; an update of another column queues none.

#include <gtest/gtest.h>

#include <qail/base/strings.hpp>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_config = R"([project]
name = "shop"
mode = "hybrid"

[[sync]]
source_table = "products"
target_collection = "products_search"
trigger_column = "description"
embedding_model = "text-embedding-3-small"
)";

TEST(SyncGenerate, OutboxTriggersQueueOneRowPerWatchedChange) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE products (id serial PRIMARY KEY, name text, description text, "
            "price numeric)");
    Project p(db);
    p.write("qail.toml", k_config);

    RunResult list = p.qail_plain({"sync", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_NE(list.out.find("1. products → products_search (trigger column: description, model: "
                            "text-embedding-3-small)"),
              std::string::npos)
        << list.out;

    RunResult generated = p.qail_plain({"sync", "generate"});
    ASSERT_EQ(generated.exit_code, 0) << generated.err;
    std::filesystem::path folder{std::string(qail::trim(generated.out))};
    EXPECT_TRUE(folder.filename().string().ends_with("_qail_sync_triggers")) << folder;
    EXPECT_TRUE(std::filesystem::exists(p.path() / folder / "expand.qail"));
    EXPECT_TRUE(std::filesystem::exists(p.path() / folder / "down.qail"));

    RunResult again = p.qail_plain({"sync", "generate"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.err.find("up to date"), std::string::npos) << again.err;

    RunResult apply = p.qail({"migrate", "apply"});
    ASSERT_EQ(apply.exit_code, 0) << apply.err;
    auto queued = [&] { return db.scalar("SELECT count(*) FROM _qail_queue"); };
    EXPECT_EQ(queued(), "0");

    db.exec("INSERT INTO products (name, description, price) VALUES ('lamp', 'a lamp', 10)");
    EXPECT_EQ(queued(), "1");
    db.exec("UPDATE products SET description = 'a brighter lamp' WHERE name = 'lamp'");
    EXPECT_EQ(queued(), "2");
    db.exec("UPDATE products SET price = 12 WHERE name = 'lamp'");
    EXPECT_EQ(queued(), "2");
    db.exec("DELETE FROM products WHERE name = 'lamp'");
    EXPECT_EQ(queued(), "3");
    EXPECT_EQ(db.scalar("SELECT string_agg(operation || ':' || ref_table || ':' || ref_id || ':' || "
                        "(payload ->> 'description'), ',' ORDER BY id) FROM _qail_queue"),
              "UPSERT:products:1:a lamp,UPSERT:products:1:a brighter lamp,"
              "DELETE:products:1:a brighter lamp");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM _qail_queue WHERE status <> 'pending'"), "0");

    // the down file removes the triggers and the queue
    RunResult back = p.qail({"migrate", "rollback", "--to", "base"});
    ASSERT_EQ(back.exit_code, 0) << back.err;
    EXPECT_EQ(db.scalar("SELECT to_regclass('_qail_queue') IS NULL"), "t");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'qail_sync%'"), "0");
    db.exec("INSERT INTO products (name) VALUES ('chair')");
}

TEST(SyncGenerate, ChangedRulesReplaceTheTriggersAndRollBackToThem) {
    require_server();
    TempDatabase db;
    db.exec("CREATE TABLE products (id serial PRIMARY KEY, description text, price numeric);"
            "CREATE TABLE articles (id serial PRIMARY KEY, body text)");
    Project p(db);
    p.write("qail.toml", k_config);
    ASSERT_EQ(p.qail_plain({"sync", "generate"}).exit_code, 0);
    ASSERT_EQ(p.qail({"migrate", "apply"}).exit_code, 0);
    std::string first_version = db.scalar("SELECT version FROM _qail_migrations");

    // products now queues every update; articles joins
    p.write("qail.toml", "[[sync]]\nsource_table = \"products\"\ntarget_collection = \"p\"\n"
                         "[[sync]]\nsource_table = \"articles\"\ntarget_collection = \"a\"\n"
                         "trigger_column = \"body\"\n");
    // keep the new folder's timestamp after the first one's
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    RunResult second = p.qail_plain({"sync", "generate"});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    ASSERT_EQ(p.qail({"migrate", "apply"}).exit_code, 0);
    db.exec("INSERT INTO products (price) VALUES (1); UPDATE products SET price = 2;"
            "INSERT INTO articles (body) VALUES ('x')");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM _qail_queue"), "3");

    RunResult back = p.qail({"migrate", "rollback", "--to", first_version});
    ASSERT_EQ(back.exit_code, 0) << back.err;
    db.exec("UPDATE products SET price = 3; INSERT INTO articles (body) VALUES ('y')");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM _qail_queue"), "3"); // price is not watched again
    db.exec("UPDATE products SET description = 'd'");
    EXPECT_EQ(db.scalar("SELECT count(*) FROM _qail_queue"), "4");
}

TEST(SyncGenerate, BadRulesAreInputErrors) {
    require_server();
    TempDatabase db;
    Project p(db);
    p.write("qail.toml", "[[sync]]\nsource_table = \"products; drop table x\"\n"
                         "target_collection = \"p\"\n");
    RunResult r = p.qail_plain({"sync", "generate"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("qail.toml:1"), std::string::npos) << r.err;
    p.write("qail.toml", "[project]\nname = \"x\"\n");
    RunResult none = p.qail_plain({"sync", "generate"});
    EXPECT_EQ(none.exit_code, 2) << none.err;
    EXPECT_NE(none.err.find("no [[sync]] rules"), std::string::npos) << none.err;
}

} // namespace
} // namespace qail::testing::migrate
