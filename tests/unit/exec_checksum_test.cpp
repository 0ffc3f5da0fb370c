#include <gtest/gtest.h>

#include <qail/exec/checksum.hpp>

namespace qail::exec {
namespace {

TEST(Checksum, WhitespaceAndCommentsDoNotCount) {
    EXPECT_EQ(normalize_sql("CREATE   TABLE t (\n  id int -- the key\n);"),
              "CREATE TABLE t(id int)");
    EXPECT_EQ(normalize_sql("select /* a /* nested */ comment */ 1"), "select 1");
    std::vector<std::string> a{"CREATE TABLE t (id int);", "ALTER TABLE t ADD COLUMN x text"};
    std::vector<std::string> b{"CREATE TABLE t(\n\tid int\n)", "-- note\nALTER TABLE t ADD COLUMN x text;"};
    EXPECT_EQ(checksum_statements(a), checksum_statements(b));
}

TEST(Checksum, ChangesThatRunDoCount) {
    EXPECT_NE(checksum_statements({"UPDATE t SET x = 'a  b'"}),
              checksum_statements({"UPDATE t SET x = 'a b'"}));
    EXPECT_NE(checksum_statements({"SELECT 1"}), checksum_statements({"SELECT 2"}));
    EXPECT_NE(checksum_statements({"SELECT $$a  b$$"}), checksum_statements({"SELECT $$a b$$"}));
    EXPECT_EQ(normalize_sql("SELECT \"My  Col\" FROM t"), "SELECT \"My  Col\" FROM t");
    EXPECT_EQ(checksum_statements({"SELECT 1"}).size(), 64u);
}

} // namespace
} // namespace qail::exec
