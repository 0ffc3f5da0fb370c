#include <gtest/gtest.h>

#include <qail/base/error.hpp>
#include <qail/pg/connection.hpp>
#include <qail/pg/sqlstate.hpp>
#include "support/database.hpp"

namespace qail::pg {
namespace {

using testing::TempDatabase;

TEST(Connection, RunsQueriesAndParams) {
    testing::require_server();
    TempDatabase db;
    Connection conn = db.connect();
    EXPECT_EQ(conn.database(), db.name());
    Result r = conn.exec("SELECT 1 AS one, NULL::text AS nothing");
    ASSERT_EQ(r.rows(), 1);
    EXPECT_EQ(r.get_int(0, r.column("one")), 1);
    EXPECT_TRUE(r.is_null(0, r.column("nothing")));
    std::vector<Param> params{std::string("x'; drop table y; --"), std::nullopt};
    Result p = conn.exec_params("SELECT $1::text, $2::text IS NULL", params);
    EXPECT_EQ(p.get(0, 0), "x'; drop table y; --");
    EXPECT_TRUE(p.get_bool(0, 1));
}

TEST(Connection, ErrorsCarrySqlstateAndStatement) {
    testing::require_server();
    TempDatabase db;
    Connection conn = db.connect();
    try {
        conn.exec("SELECT * FROM no_such_table");
        FAIL() << "expected an error";
    } catch (const DatabaseError& e) {
        EXPECT_EQ(e.sqlstate(), "42P01");
        EXPECT_EQ(classify(e.sqlstate()), ErrorClass::undefined_object);
        EXPECT_EQ(e.statement(), "SELECT * FROM no_such_table");
        EXPECT_EQ(e.exit_code(), ExitCode::database);
    }
    // the connection is still usable
    EXPECT_EQ(conn.exec("SELECT 2").get_int(0, 0), 2);
}

TEST(Connection, TransactionRollsBackUnlessCommitted) {
    testing::require_server();
    TempDatabase db;
    Connection conn = db.connect();
    conn.exec("CREATE TABLE t (x int)");
    {
        Transaction tx(conn);
        conn.exec("INSERT INTO t VALUES (1)");
    }
    EXPECT_EQ(conn.exec("SELECT count(*) FROM t").get_int(0, 0), 0);
    {
        Transaction tx(conn);
        conn.exec("INSERT INTO t VALUES (2)");
        tx.commit();
    }
    EXPECT_EQ(conn.exec("SELECT count(*) FROM t").get_int(0, 0), 1);
}

TEST(Connection, PipelineReturnsResultsInOrder) {
    testing::require_server();
    TempDatabase db;
    Connection conn = db.connect();
    std::vector<std::string> queries{"SELECT 1", "SELECT 'two'", "SELECT 3"};
    auto results = conn.exec_pipeline(queries);
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0].get(0, 0), "1");
    EXPECT_EQ(results[1].get(0, 0), "two");
    EXPECT_EQ(results[2].get(0, 0), "3");
    std::vector<std::string> bad{"SELECT 1", "SELECT * FROM missing", "SELECT 3"};
    EXPECT_THROW(conn.exec_pipeline(bad), DatabaseError);
    EXPECT_EQ(conn.exec("SELECT 4").get_int(0, 0), 4);
}

TEST(Connection, CopyOutAndIn) {
    testing::require_server();
    TempDatabase db;
    Connection conn = db.connect();
    conn.exec("CREATE TABLE src AS SELECT g AS id, 'v' || g AS v FROM generate_series(1, 1000) g;"
              "CREATE TABLE dst (id int, v text)");
    std::string data;
    conn.copy_out("COPY src TO STDOUT", [&](std::string_view chunk) { data += chunk; });
    bool sent = false;
    conn.copy_in("COPY dst FROM STDIN", [&](std::string& buffer) {
        if (!sent) {
            buffer = data;
            sent = true;
        }
        return false;
    });
    EXPECT_EQ(conn.exec("SELECT count(*), sum(id) FROM dst").get(0, 1), "500500");
}

TEST(Connection, ConnectFailuresAreOneLineWithoutPassword) {
    testing::require_server();
    try {
        Connection::open("postgres://nobody:hunter2@127.0.0.1:1/x?connect_timeout=2");
        FAIL() << "expected an error";
    } catch (const DatabaseError& e) {
        std::string message = e.what();
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
        EXPECT_NE(message.find("Connection refused"), std::string::npos) << message;
        EXPECT_EQ(e.exit_code(), ExitCode::database);
    }
    try {
        Connection::open("dbname=qail_no_such_database_here");
        FAIL() << "expected an error";
    } catch (const DatabaseError& e) {
        EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
        EXPECT_EQ(e.sqlstate(), "3D000");
    }
}

} // namespace
} // namespace qail::pg
