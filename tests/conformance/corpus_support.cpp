#include "conformance/corpus_support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "support/process.hpp"

namespace qail::testing {

namespace fs = std::filesystem;

fs::path corpus_root() {
    const char* from_env = std::getenv("QAIL_CORPUS_DIR");
    if (from_env != nullptr && from_env[0] != '\0') {
        return fs::path(from_env);
    }
    return fs::path(QAIL_CORPUS_DIR);
}

namespace {

void add_case_dirs(const fs::path& parent, const std::string& prefix,
                   std::vector<CorpusCase>& out) {
    for (const fs::directory_entry& entry : fs::directory_iterator(parent)) {
        if (entry.is_directory() && fs::exists(entry.path() / "a.sql") &&
            fs::exists(entry.path() / "b.sql")) {
            out.push_back({prefix + entry.path().filename().string(), entry.path()});
        }
    }
}

} // namespace

std::vector<CorpusCase> corpus_cases() {
    fs::path root = corpus_root();
    if (!fs::is_directory(root / "sqldef")) {
        throw std::runtime_error("no corpus at " + (root / "sqldef").string() +
                                 " (set QAIL_CORPUS_DIR)");
    }
    std::vector<CorpusCase> cases;
    add_case_dirs(root / "sqldef", "sqldef/", cases);
    if (fs::is_directory(root / "realworld")) {
        add_case_dirs(root / "realworld", "realworld/", cases);
    }
    std::sort(cases.begin(), cases.end(),
              [](const CorpusCase& x, const CorpusCase& y) { return x.name < y.name; });
    const char* filter = std::getenv("QAIL_CORPUS_FILTER");
    if (filter != nullptr && filter[0] != '\0') {
        std::erase_if(cases, [filter](const CorpusCase& c) {
            return c.name.find(filter) == std::string::npos;
        });
    }
    return cases;
}

std::string first_lines(const std::string& text, size_t max_lines) {
    std::string out;
    size_t lines = 0;
    size_t start = 0;
    while (start < text.size() && lines < max_lines) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        if (end > start) {
            if (!out.empty()) {
                out += " | ";
            }
            out += text.substr(start, end - start);
            ++lines;
        }
        start = end + 1;
    }
    return out;
}

LoadOutcome load_sql(const TempDatabase& database, const fs::path& file) {
    static std::once_flag roles_once;
    std::call_once(roles_once, [] { ensure_corpus_roles(); });
    RunResult r = run_process({"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                               database.name(), "-f", file.string()});
    if (r.exit_code == 0) {
        return {true, ""};
    }
    // psql prints NOTICEs too; the reason is the first ERROR line.
    std::string reason;
    size_t at = r.err.find("ERROR:");
    reason = first_lines(at == std::string::npos ? r.err : r.err.substr(at));
    return {false, fmt::format("{} does not load: {}", file.filename().string(), reason)};
}

bool reset_database(const TempDatabase& database) {
    pg::Connection conn = database.connect();
    conn.exec(R"SQL(
SET client_min_messages = warning;
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT evtname FROM pg_event_trigger LOOP
    EXECUTE format('DROP EVENT TRIGGER %I', r.evtname);
  END LOOP;
  FOR r IN SELECT pubname FROM pg_publication LOOP
    EXECUTE format('DROP PUBLICATION %I', r.pubname);
  END LOOP;
  FOR r IN SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' LOOP
    EXECUTE format('DROP EXTENSION %I CASCADE', r.extname);
  END LOOP;
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname);
  END LOOP;
END $$;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';
)SQL");
    pg::Result left = conn.exec(R"SQL(
SELECT (SELECT count(*) FROM pg_class WHERE oid >= 16384)
     + (SELECT count(*) FROM pg_proc WHERE oid >= 16384)
     + (SELECT count(*) FROM pg_type WHERE oid >= 16384)
     + (SELECT count(*) FROM pg_cast WHERE oid >= 16384)
     + (SELECT count(*) FROM pg_collation WHERE oid >= 16384)
     + (SELECT count(*) FROM pg_operator WHERE oid >= 16384)
     + (SELECT count(*) FROM pg_default_acl)
     + (SELECT count(*) FROM pg_foreign_data_wrapper)
     + (SELECT count(*) FROM pg_language WHERE oid >= 16384)
     + (SELECT count(*) FROM pg_database WHERE datname = current_database()
        AND (datacl IS NOT NULL OR datdba <> 10))
     + (SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
        WHERE d.datname = current_database())
     + (SELECT count(*) FROM pg_namespace WHERE oid >= 16384 AND nspname <> 'public'))SQL");
    return left.get_int(0, 0) == 0;
}

void WorkerDatabases::prepare() {
    if (fresh) {
        fresh = false;
        return;
    }
    for (std::unique_ptr<TempDatabase>* db : {&a, &b}) {
        bool clean = false;
        try {
            clean = reset_database(**db);
        } catch (const std::exception&) {
            clean = false;
        }
        if (!clean) {
            *db = std::make_unique<TempDatabase>();
        }
    }
}

void CaseTable::pass(const std::string&) {
    std::lock_guard lock(m_mutex);
    ++m_passed;
}

void CaseTable::fail(const std::string& name, const std::string& reason) {
    std::lock_guard lock(m_mutex);
    m_failures.push_back({name, reason});
}

void CaseTable::skip(const std::string& name, const std::string& reason) {
    std::lock_guard lock(m_mutex);
    m_skips.push_back({name, reason});
}

int CaseTable::passed() const {
    std::lock_guard lock(m_mutex);
    return m_passed;
}

int CaseTable::failed() const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_failures.size());
}

int CaseTable::skipped() const {
    std::lock_guard lock(m_mutex);
    return static_cast<int>(m_skips.size());
}

int CaseTable::total() const {
    return passed() + failed();
}

std::string CaseTable::report() const {
    std::lock_guard lock(m_mutex);
    auto by_name = [](const Entry& x, const Entry& y) { return x.name < y.name; };
    std::vector<Entry> failures = m_failures;
    std::vector<Entry> skips = m_skips;
    std::sort(failures.begin(), failures.end(), by_name);
    std::sort(skips.begin(), skips.end(), by_name);
    std::string out = fmt::format("{}: {}/{} cases", m_suite, m_passed,
                                  m_passed + static_cast<int>(failures.size()));
    if (!skips.empty()) {
        out += fmt::format(" ({} skipped)", skips.size());
    }
    out += "\n";
    for (const Entry& e : failures) {
        out += fmt::format("  FAIL {}: {}\n", e.name, e.reason);
    }
    for (const Entry& e : skips) {
        out += fmt::format("  skip {}: {}\n", e.name, e.reason);
    }
    return out;
}

void for_each_case(const std::vector<CorpusCase>& cases, CaseTable& table,
                   const std::function<void(const CorpusCase&, CaseTable&)>& body) {
    int jobs = 2;
    if (const char* env = std::getenv("QAIL_CORPUS_JOBS"); env != nullptr && env[0] != '\0') {
        jobs = std::max(1, std::atoi(env));
    }
    std::atomic<size_t> next{0};
    auto worker = [&] {
        for (size_t i = next++; i < cases.size(); i = next++) {
            try {
                body(cases[i], table);
            } catch (const std::exception& e) {
                table.fail(cases[i].name, first_lines(e.what(), 3));
            }
        }
    };
    std::vector<std::thread> threads;
    for (int j = 0; j < jobs; ++j) {
        threads.emplace_back(worker);
    }
    for (std::thread& t : threads) {
        t.join();
    }
}

} // namespace qail::testing
