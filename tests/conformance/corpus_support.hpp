#pragma once
// Shared helpers for the corpus suites (convergence, fidelity): where the
// corpus is, which cases it holds, loading a case's .sql into a database as a
// user would, and the "<suite>: N/M cases" result table.

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "support/database.hpp"

namespace qail::testing {

/// $QAIL_CORPUS_DIR when set, else the build-time QAIL_CORPUS_DIR (../shared/corpus).
std::filesystem::path corpus_root();

struct CorpusCase {
    std::string name;            ///< "sqldef/AddArrayColumn", "realworld/danbooru"
    std::filesystem::path dir;   ///< holds a.sql and b.sql
    std::filesystem::path a_sql() const { return dir / "a.sql"; }
    std::filesystem::path b_sql() const { return dir / "b.sql"; }
};

/// Every case directory of sqldef/ and realworld/*, sorted by name. Throws when
/// the corpus is missing (a suite must fail, not pass on nothing).
/// $QAIL_CORPUS_FILTER (a substring of the case name) narrows the list for
/// quick local runs.
std::vector<CorpusCase> corpus_cases();

struct LoadOutcome {
    bool loaded = false;
    std::string reason;  ///< why not: psql's first error line
};

/// Loads `file` into `database` with psql -X -v ON_ERROR_STOP=1 after
/// ensure_corpus_roles(), as the corpus README describes.
LoadOutcome load_sql(const TempDatabase& database, const std::filesystem::path& file);

/// Empties a database for the next case: every user schema, extension, event
/// trigger and publication dropped, public recreated as initdb makes it.
/// Returns false when something the reset does not cover is left behind.
bool reset_database(const TempDatabase& database);

/// Two databases a worker reuses from case to case (creating a database costs
/// more than a whole case here): prepare() empties them, and replaces one that
/// does not empty cleanly with a fresh database.
struct WorkerDatabases {
    std::unique_ptr<TempDatabase> a = std::make_unique<TempDatabase>();
    std::unique_ptr<TempDatabase> b = std::make_unique<TempDatabase>();
    bool fresh = true;
    void prepare();
};

/// First `max_lines` lines of a (possibly long) message, for one-line reasons.
std::string first_lines(const std::string& text, size_t max_lines = 1);

/// Results of one suite. Thread-safe, so cases may run on several workers.
class CaseTable {
public:
    explicit CaseTable(std::string suite) : m_suite(std::move(suite)) {}
    void pass(const std::string& name);
    void fail(const std::string& name, const std::string& reason);
    void skip(const std::string& name, const std::string& reason);

    int passed() const;
    int failed() const;
    int skipped() const;
    /// Cases that ran (passed + failed); skipped ones are not counted.
    int total() const;

    /// "<suite>: N/M cases (K skipped)", then one line per failure and skip.
    std::string report() const;

private:
    struct Entry {
        std::string name;
        std::string reason;
    };
    std::string m_suite;
    mutable std::mutex m_mutex;
    int m_passed = 0;
    std::vector<Entry> m_failures;
    std::vector<Entry> m_skips;
};

/// Runs `body` for each case on $QAIL_CORPUS_JOBS workers (default 2).
/// Exceptions from `body` are recorded as failures of that case.
void for_each_case(const std::vector<CorpusCase>& cases, CaseTable& table,
                   const std::function<void(const CorpusCase&, CaseTable&)>& body);

} // namespace qail::testing
