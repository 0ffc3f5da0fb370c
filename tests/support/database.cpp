#include "support/database.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <random>
#include <sstream>
#include <vector>

#include <qail/base/error.hpp>
#include "support/process.hpp"

namespace qail::testing {

namespace {

std::string env_or(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && value[0] != '\0' ? value : fallback;
}

pg::Connection maintenance_connection() {
    return pg::Connection::open("dbname=postgres");
}

} // namespace

void require_server() {
    if (std::getenv("PGHOST") == nullptr && std::getenv("PGPORT") == nullptr) {
        FAIL() << "no PostgreSQL configured: run the tests through scripts/test "
                  "(it starts a throwaway cluster with pg_virtualenv)";
    }
}

TempDatabase::TempDatabase() {
    static std::atomic<int> counter{0};
    std::random_device device;
    m_name = fmt::format("qail_t_{}_{}_{:x}", getpid(), counter++, device() & 0xffffff);
    auto conn = maintenance_connection();
    conn.exec(fmt::format("CREATE DATABASE {} TEMPLATE template1", m_name));
}

TempDatabase::~TempDatabase() {
    try {
        auto conn = maintenance_connection();
        conn.exec(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", m_name));
        // a test may have made a shadow or renamed copies of this database
        auto rest = conn.exec(fmt::format(
            "SELECT datname FROM pg_database WHERE datname LIKE '{}\\_%'", m_name));
        for (int i = 0; i < rest.rows(); ++i) {
            conn.exec(fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", rest.get(i, 0)));
        }
    } catch (const std::exception&) { // NOLINT(bugprone-empty-catch): best-effort cleanup
    }
}

std::string TempDatabase::conninfo() const {
    return "dbname=" + m_name;
}

std::string TempDatabase::uri() const {
    std::string password = env_or("PGPASSWORD", "");
    return fmt::format("postgres://{}{}@{}:{}/{}", env_or("PGUSER", "postgres"),
                       password.empty() ? "" : ":" + password, env_or("PGHOST", "localhost"),
                       env_or("PGPORT", "5432"), m_name);
}

pg::Connection TempDatabase::connect() const {
    return pg::Connection::open(conninfo());
}

pg::Result TempDatabase::exec(const std::string& sql) const {
    auto conn = connect();
    return conn.exec(sql);
}

std::string TempDatabase::scalar(const std::string& sql) const {
    auto result = exec(sql);
    if (result.rows() != 1 || result.columns() < 1) {
        throw std::runtime_error("scalar query returned " + std::to_string(result.rows()) +
                                 " rows: " + sql);
    }
    return result.get_string(0, 0);
}

void TempDatabase::load_file(const std::filesystem::path& file) const {
    RunResult r = run_process({"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", m_name, "-f",
                               file.string()});
    if (r.exit_code != 0) {
        throw std::runtime_error("psql -f " + file.string() + " failed: " + r.err);
    }
}

std::string normalized_dump(const std::string& database) {
    RunResult r = run_process({"pg_dump", "--schema-only", "--no-comments", "-d", database});
    if (r.exit_code != 0) {
        throw std::runtime_error("pg_dump failed: " + r.err);
    }
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line.rfind("--", 0) == 0 || line.rfind("\\restrict", 0) == 0 ||
            line.rfind("\\unrestrict", 0) == 0 || line.rfind("SET ", 0) == 0 ||
            line.rfind("SELECT pg_catalog.set_config", 0) == 0) {
            continue;
        }
        while (!line.empty() && (line.back() == ',' || line.back() == ' ')) {
            line.pop_back();
        }
        lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const std::string& l : lines) {
        out += l + "\n";
    }
    return out;
}

void ensure_corpus_roles() {
    auto conn = maintenance_connection();
    auto result = conn.exec("SELECT count(*) FROM pg_roles WHERE rolname = 'psqldef_user'");
    if (result.get_int(0, 0) > 0) {
        return;
    }
    RunResult r = run_process({"psql", "-X", "-q", "-d", "postgres", "-f",
                               std::string(QAIL_CORPUS_DIR) + "/sqldef/roles.sql"});
    if (r.exit_code != 0) {
        throw std::runtime_error("loading corpus roles failed: " + r.err);
    }
}

} // namespace qail::testing
