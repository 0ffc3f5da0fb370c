#include <gtest/gtest.h>

#include <qail/cli/database_url.hpp>

namespace qail::cli {
namespace {

TEST(DatabaseUrl, RedactsPasswords) {
    EXPECT_EQ(redact("postgres://alice:s3cret@db.example.com:5432/app"),
              "postgres://alice:****@db.example.com:5432/app");
    EXPECT_EQ(redact("postgresql://alice@db/app?sslmode=require&password=s3cret"),
              "postgresql://alice@db/app?sslmode=require&password=****");
    EXPECT_EQ(redact("host=db user=alice password=s3cret dbname=app"),
              "host=db user=alice password=**** dbname=app");
    EXPECT_EQ(redact("host=db password='with space' dbname=app"),
              "host=db password=**** dbname=app");
    EXPECT_EQ(redact("postgres://alice@db/app"), "postgres://alice@db/app");
}

TEST(DatabaseUrl, RecognisesUrls) {
    EXPECT_TRUE(looks_like_database_url("postgres://localhost/db"));
    EXPECT_TRUE(looks_like_database_url("postgresql://localhost/db"));
    EXPECT_TRUE(looks_like_database_url("host=localhost dbname=x"));
    EXPECT_TRUE(looks_like_database_url("dbname=x"));
    EXPECT_FALSE(looks_like_database_url("schema.qail"));
    EXPECT_FALSE(looks_like_database_url("schema/"));
    EXPECT_FALSE(looks_like_database_url("_"));
}

} // namespace
} // namespace qail::cli
