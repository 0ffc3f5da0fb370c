// Shadow databases (issue #7, seed Phase 3): migrate shadow builds
// <db>_shadow with the new schema and the primary's data; promote swaps the
// databases without losing a write made to the primary after the sync (it
// re-syncs, or refuses naming the tables); abort drops the shadow.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "e2e/migrate_support.hpp"

namespace qail::testing::migrate {
namespace {

constexpr const char* k_v1 = R"(table users {
  id serial primary_key
  username text not_null
  email text
}
table orders {
  id bigserial primary_key
  user_id integer not_null references users(id)
  total numeric(10,2)
  note varchar(40)
}
)";

constexpr const char* k_v2 = R"(table users {
  id serial primary_key
  name text not_null  # was 'username'
  email text
  created_at timestamptz not_null default now()
}
table orders {
  id bigserial primary_key
  user_id integer not_null references users(id)
  total numeric(10,2)
  note varchar(10)
}
rename users.username -> users.name
)";

bool database_exists(const TempDatabase& db, const std::string& name) {
    return db.scalar("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "1";
}

/// A database of the same server by name (the primary's name after promote).
pg::Connection connect_to(const std::string& name) {
    return pg::Connection::open("dbname=" + name);
}

std::string scalar_in(const std::string& name, const std::string& sql) {
    pg::Connection c = connect_to(name);
    return c.exec(sql).get_string(0, 0);
}

void drop_database(const TempDatabase& db, const std::string& name) {
    db.exec("SELECT 1"); // keeps the helper's connection style
    pg::Connection maint = pg::Connection::open("dbname=postgres");
    maint.exec("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
}

void seed(const TempDatabase& db, const Project& p) {
    p.write("v1.qail", k_v1);
    p.write("v2.qail", k_v2);
    RunResult init = p.qail({"migrate", "up", "_:v1.qail"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    db.exec("INSERT INTO users (username, email) SELECT 'user' || g, 'u' || g || '@x' FROM "
            "generate_series(1, 1234) g");
    db.exec("INSERT INTO orders (user_id, total, note) SELECT g % 1234 + 1, g * 0.5, 'n' || g % "
            "100 FROM generate_series(1, 5678) g");
}

TEST(ShadowMigration, SeedOutputThenAbortLeavesThePrimaryAlone) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    std::string shadow = db.name() + "_shadow";
    std::string data_before = table_text(db, "users", "*") + table_text(db, "orders", "*");

    RunResult r = p.qail({"migrate", "shadow", "v1.qail:v2.qail"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("🔄 Shadow Migration Mode"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("  [1/4] Creating shadow database: " + shadow + " ✓"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("  [2/4] Applying migration to shadow... ✓"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("  [3/4] Syncing data from primary to shadow...\n"), std::string::npos);
    EXPECT_NE(r.err.find("    ✓ users (1,234 rows)\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("    ✓ orders (5,678 rows)\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("    ✓ Synced 2 tables, 6,912 rows\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("  [4/4] Shadow ready for validation"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("  Shadow URL: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("qail migrate promote → Switch traffic to shadow"), std::string::npos);
    EXPECT_NE(r.err.find("qail migrate abort   → Drop shadow, keep primary"), std::string::npos);
    // the shadow has the new schema and the data, renamed column included
    EXPECT_EQ(scalar_in(shadow, "SELECT name FROM users WHERE id = 7"), "user7");
    EXPECT_EQ(scalar_in(shadow, "SELECT sum(total) FROM orders"),
              db.scalar("SELECT sum(total) FROM orders"));
    EXPECT_EQ(scalar_in(shadow, "SELECT count(*) FROM _qail_migrations"), "2");
    EXPECT_EQ(db.scalar("SELECT status FROM _qail_shadow_state ORDER BY id DESC LIMIT 1"),
              "verified");
    // a new row in the shadow does not collide with a copied key
    EXPECT_EQ(scalar_in(shadow, "INSERT INTO users (name) VALUES ('new') RETURNING id"), "1235");
    // the primary's data is as it was (only _qail_shadow_state was added)
    EXPECT_EQ(table_text(db, "users", "*") + table_text(db, "orders", "*"), data_before);
    std::string before = normalized_dump(db.name());

    RunResult abort = p.qail({"migrate", "abort"});
    ASSERT_EQ(abort.exit_code, 0) << abort.err;
    EXPECT_NE(abort.err.find("🛑 Aborting Shadow Migration"), std::string::npos) << abort.err;
    EXPECT_NE(abort.err.find("  Dropping shadow database: " + shadow), std::string::npos);
    EXPECT_NE(abort.err.find("✓ Shadow database dropped. Primary unchanged."), std::string::npos);
    EXPECT_FALSE(database_exists(db, shadow));
    EXPECT_EQ(normalized_dump(db.name()), before);
    EXPECT_EQ(db.scalar("SELECT status FROM _qail_shadow_state ORDER BY id DESC LIMIT 1"),
              "aborted");
}

TEST(ShadowMigration, PromoteWithWritersRunningLosesNoWrite) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    RunResult shadow = p.qail({"migrate", "shadow", "v1.qail:v2.qail"});
    ASSERT_EQ(shadow.exit_code, 0) << shadow.err;

    // writers against the primary (by name: after promote, that is the new one)
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::vector<std::string> inserted;        // order ids whose INSERT committed
    std::map<std::string, std::string> email; // user id -> last committed e-mail
    std::map<std::string, std::string> deleted;
    auto writer = [&](int which) {
        std::optional<pg::Connection> c;
        for (int n = 0; !stop; ++n) {
            try {
                if (!c) {
                    c.emplace(connect_to(db.name()));
                }
                if (which == 0) {
                    std::string id = c->exec("INSERT INTO orders (user_id, total, note) VALUES "
                                             "(1, 9.99, 'live') RETURNING id")
                                         .get_string(0, 0);
                    std::lock_guard lock(mutex);
                    inserted.push_back(id);
                } else {
                    std::string user = std::to_string(n % 50 + 1);
                    std::string value = "w" + std::to_string(n) + "@x";
                    c->exec("UPDATE users SET email = '" + value + "' WHERE id = " + user);
                    std::lock_guard lock(mutex);
                    email[user] = value;
                    if (n % 40 == 0) {
                        std::string victim = std::to_string(5000 + n % 600);
                        if (c->exec("DELETE FROM orders WHERE id = " + victim).affected_rows() > 0) {
                            deleted[victim] = "gone";
                        }
                    }
                }
            } catch (const std::exception&) {
                c.reset(); // terminated by promote, or the database is closed for a moment
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
    };
    std::thread inserts(writer, 0);
    std::thread updates(writer, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));

    // the writers are connected: without a terminal, ending them takes the flag
    RunResult promote = p.qail({"migrate", "promote", "--terminate-sessions", "--grace", "0"});
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop = true;
    inserts.join();
    updates.join();
    ASSERT_EQ(promote.exit_code, 0) << promote.err;
    EXPECT_NE(promote.err.find("🚀 Promoting Shadow to Primary"), std::string::npos);
    EXPECT_NE(promote.err.find("re-syncing"), std::string::npos) << promote.err;
    EXPECT_NE(promote.err.find("✓ Shadow promoted successfully!"), std::string::npos);
    std::string old_name = db.scalar("SELECT 'unused'") == "unused"
                               ? scalar_in("postgres", "SELECT datname FROM pg_database WHERE "
                                                       "datname LIKE '" + db.name() +
                                                           "\\_old\\_%'")
                               : "";
    EXPECT_NE(promote.err.find("[1/3] Renaming " + db.name() + " → " + old_name + " ✓"),
              std::string::npos)
        << promote.err;
    EXPECT_NE(promote.err.find("To clean up: DROP DATABASE " + old_name), std::string::npos);
    EXPECT_FALSE(database_exists(db, db.name() + "_shadow"));

    // the database under the primary's name is the promoted one, with every write
    pg::Connection now = connect_to(db.name());
    EXPECT_EQ(now.exec("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                       "'users' AND column_name = 'name'")
                  .get_string(0, 0),
              "1");
    ASSERT_GT(inserted.size(), 10u);
    for (const std::string& id : inserted) {
        ASSERT_EQ(now.exec("SELECT count(*) FROM orders WHERE id = " + id).get_string(0, 0), "1")
            << "order " << id << " was written to the primary and is missing";
    }
    for (const auto& [user, value] : email) {
        EXPECT_EQ(now.exec("SELECT email FROM users WHERE id = " + user).get_string(0, 0), value)
            << "user " << user;
    }
    for (const auto& [id, gone] : deleted) {
        EXPECT_EQ(now.exec("SELECT count(*) FROM orders WHERE id = " + id).get_string(0, 0), "0")
            << "order " << id << " was deleted on the primary";
    }
    EXPECT_EQ(scalar_in(old_name, "SELECT count(*) FROM users"), "1234");
    drop_database(db, old_name);
}

TEST(ShadowMigration, PromoteRefusesWhenAChangedTableCannotBeResynced) {
    require_server();
    TempDatabase db;
    Project p(db);
    seed(db, p);
    ASSERT_EQ(p.qail({"migrate", "shadow", "v1.qail:v2.qail"}).exit_code, 0);
    // too long for the shadow's varchar(10)
    db.exec("INSERT INTO orders (user_id, total, note) VALUES (1, 1, 'far too long a note')");
    RunResult promote = p.qail({"migrate", "promote"});
    EXPECT_EQ(promote.exit_code, 4) << promote.err;
    EXPECT_NE(promote.err.find("refusing to promote: orders changed"), std::string::npos)
        << promote.err;
    // the primary is still the primary, open to clients
    EXPECT_EQ(db.scalar("SELECT count(*) FROM orders"), "5679");
    EXPECT_EQ(scalar_in("postgres", "SELECT datallowconn FROM pg_database WHERE datname = '" +
                                        db.name() + "'"),
              "t");
    EXPECT_TRUE(database_exists(db, db.name() + "_shadow"));
    ASSERT_EQ(p.qail({"migrate", "abort"}).exit_code, 0);
}

} // namespace
} // namespace qail::testing::migrate
