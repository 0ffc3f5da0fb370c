// Drift detection end to end (seed: "qail diff _ schema.qail --live --url"):
// a database built from the schema file shows no drift (exit 0); changes made
// outside migrations are reported by category with their risk level (exit 1),
// and the database is never written to.

#include <gtest/gtest.h>

#include "support/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace qail::testing {
namespace {

constexpr const char* k_schema = R"(table users {
  id serial primary_key
  name text not_null
  email text unique
  status text not_null default 'active'
  created_at timestamptz not_null default now()
}

table orders {
  id bigserial primary_key
  user_id integer not_null references users(id)
  total numeric(12,2) not_null default 0
}

index idx_orders_user on orders (user_id)
)";

// A database created from the schema file the way a user would: the SQL of
// `qail diff _ schema.qail`, applied with psql.
class DriftCli : public ::testing::Test {
protected:
    void SetUp() override {
        require_server();
        schema_file = dir.write("schema.qail", k_schema).string();
        RunResult create = run_qail({"diff", "_", schema_file});
        ASSERT_EQ(create.exit_code, 0) << create.err;
        auto sql = dir.write("create.sql", create.out);
        db.load_file(sql);
    }

    RunResult drift() const {
        return run_qail({"diff", "_", schema_file, "--live", "--url", db.uri()});
    }

    // Every line of `out` that holds `needle`, for readable failures.
    static bool has_line(const std::string& out, const std::string& risk,
                         const std::string& text) {
        size_t start = 0;
        while (start < out.size()) {
            size_t end = out.find('\n', start);
            std::string line = out.substr(start, end == std::string::npos ? end : end - start);
            if (line.find(risk) != std::string::npos && line.find(text) != std::string::npos) {
                return true;
            }
            if (end == std::string::npos) {
                break;
            }
            start = end + 1;
        }
        return false;
    }

    TempDir dir;
    TempDatabase db;
    std::string schema_file;
};

TEST_F(DriftCli, MatchingDatabaseHasNoDrift) {
    RunResult r = drift();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Drift detection: [live DB] → " + schema_file), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("→ Introspecting live database..."), std::string::npos) << r.out;
    // 2 tables; indexes: 2 primary keys, 1 unique, idx_orders_user
    EXPECT_NE(r.out.find("2 tables, 4 indexes introspected"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("✅ No drift detected — live DB matches schema file."),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "no colours without a terminal";
    EXPECT_EQ(r.out.find(db.uri()), std::string::npos) << "the URL holds the password";
}

TEST_F(DriftCli, DroppedColumnIsHighRisk) {
    db.exec("ALTER TABLE users DROP COLUMN email");
    RunResult r = drift();
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "🔴 HIGH", "missing column users.email")) << r.out;
    EXPECT_EQ(r.out.find("No drift detected"), std::string::npos) << r.out;
}

TEST_F(DriftCli, DroppedIndexIsAMediumIndexMismatch) {
    db.exec("DROP INDEX idx_orders_user");
    RunResult r = drift();
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "🟡 MEDIUM", "index idx_orders_user")) << r.out;
    EXPECT_FALSE(has_line(r.out, "🔴 HIGH", "")) << r.out;
}

TEST_F(DriftCli, ChangedIndexDefinitionIsAMediumIndexMismatch) {
    db.exec("DROP INDEX idx_orders_user; CREATE INDEX idx_orders_user ON orders (user_id, total)");
    RunResult r = drift();
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "🟡 MEDIUM", "index mismatch idx_orders_user")) << r.out;
}

TEST_F(DriftCli, ChangedDefaultIsLowRisk) {
    db.exec("ALTER TABLE users ALTER COLUMN status SET DEFAULT 'pending'");
    RunResult r = drift();
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "🟢 LOW", "default value difference on users.status")) << r.out;
    EXPECT_TRUE(has_line(r.out, "🟢 LOW", "'pending'")) << r.out;
    EXPECT_FALSE(has_line(r.out, "🔴 HIGH", "")) << r.out;
    EXPECT_FALSE(has_line(r.out, "🟡 MEDIUM", "")) << r.out;
}

TEST_F(DriftCli, ExtraTableAndChangedTypeAreHighRiskAndSortedFirst) {
    db.exec("CREATE TABLE audit_log (id integer); "
            "ALTER TABLE orders ALTER COLUMN total TYPE numeric(14,2); "
            "ALTER TABLE users ALTER COLUMN status DROP DEFAULT");
    RunResult r = drift();
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "🔴 HIGH", "extra table public.audit_log") ||
                has_line(r.out, "🔴 HIGH", "extra table audit_log"))
        << r.out;
    EXPECT_TRUE(has_line(r.out, "🔴 HIGH", "orders.total")) << r.out;
    EXPECT_TRUE(has_line(r.out, "🟢 LOW", "users.status")) << r.out;
    EXPECT_NE(r.out.find("3 drifts detected"), std::string::npos) << r.out;
    // highest risk first
    EXPECT_LT(r.out.find("🔴 HIGH"), r.out.find("🟢 LOW")) << r.out;
}

TEST_F(DriftCli, NullabilityDriftIsMediumRisk) {
    db.exec("ALTER TABLE users ALTER COLUMN name DROP NOT NULL");
    RunResult r = drift();
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "🟡 MEDIUM", "users.name")) << r.out;
}

TEST_F(DriftCli, DriftNeverWritesToTheDatabase) {
    db.exec("ALTER TABLE users DROP COLUMN email; DROP INDEX idx_orders_user");
    std::string before = normalized_dump(db.name());
    RunResult r = drift();
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(normalized_dump(db.name()), before);
    // the scratch database used to canonicalise the file is gone too
    EXPECT_EQ(db.scalar("SELECT count(*) FROM pg_database WHERE datname LIKE 'qail_scratch_%'"),
              "0");
}

TEST_F(DriftCli, JsonFormatAddsTheConvergingPlan) {
    db.exec("ALTER TABLE users DROP COLUMN email");
    RunResult r = run_qail(
        {"diff", "_", schema_file, "--live", "--url", db.uri(), "--format", "json"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("\"add_column\""), std::string::npos) << r.out;
}

TEST(DriftCliErrors, UnreachableDatabaseIsExit3AndFromMustBeEmpty) {
    TempDir dir;
    std::string schema = dir.write("schema.qail", k_schema).string();
    RunResult bad = run_qail({"diff", "_", schema, "--live", "--url",
                              "postgres://nobody:secret@127.0.0.1:1/nowhere"});
    EXPECT_EQ(bad.exit_code, 3) << bad.out << bad.err;
    EXPECT_EQ(bad.out.find("secret") , std::string::npos);
    EXPECT_EQ(bad.err.find("secret"), std::string::npos) << bad.err;
    RunResult usage = run_qail({"diff", schema, schema, "--live", "--url", "postgres:///x"});
    EXPECT_EQ(usage.exit_code, 2) << usage.out << usage.err;
    RunResult missing = run_qail({"diff", "_", (dir.path() / "nope.qail").string(), "--live",
                                  "--url", "postgres:///x"});
    EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
}

} // namespace
} // namespace qail::testing
