// Fidelity of `qail pull` over the shared corpus.
//
// For every case directory of ../shared/corpus/sqldef/ (and each real-world
// schema under ../shared/corpus/realworld/): load b.sql into a fresh database
// A (psql -v ON_ERROR_STOP=1), pull A, create a fresh database B from the SQL
// `qail diff _ pulled.qail` prints, pull B. A case passes when both pulls are
// identical and pg_dump --schema-only of A and B match after normalising.
// A case whose b.sql does not load is skipped, with psql's reason.
//
// Prints "fidelity: N/M cases" (M = cases that load) and every failing case
// with its reason. The test fails when the pass count drops below
// k_min_passing (set from the measured result, see there).
//
// Speed: creating a database costs more than a whole case on this machine,
// so each worker keeps its two databases and empties them between cases
// (every user schema and extension dropped, public recreated as initdb makes
// it); a database holding anything else afterwards is replaced by a new one.
// $QAIL_CORPUS_FILTER and $QAIL_CORPUS_JOBS (corpus_support.hpp) narrow and
// spread the run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#include <qail/introspect/introspect.hpp>
#include <qail/lang/schema_io.hpp>

#include "conformance/corpus_support.hpp"
#include "support/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace qail::testing {
namespace {

namespace fs = std::filesystem;

// Measured on this machine (PostgreSQL 15.18): 797 of the 799 cases pass (all
// load). The two failures are limits of the model, not of pull:
// sqldef/CreateIndexWithMultipleStorageParameters (index storage parameters
// are kept sorted; pg_dump prints them in the order given) and
// realworld/danbooru (a user-defined operator and SET STATISTICS targets,
// reported as unmanaged). A regression below this count fails the suite.
constexpr int k_min_passing = 797;

std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

// The first line where two texts differ, for the report.
std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream ia(a);
    std::istringstream ib(b);
    std::string la;
    std::string lb;
    while (true) {
        bool more_a = static_cast<bool>(std::getline(ia, la));
        bool more_b = static_cast<bool>(std::getline(ib, lb));
        if (!more_a && !more_b) {
            return "(no difference)";
        }
        la = more_a ? la : "<end>";
        lb = more_b ? lb : "<end>";
        if (la != lb) {
            return "A: " + first_line(la) + " | B: " + first_line(lb);
        }
    }
}

std::string pull_text(const TempDatabase& db, std::string* unmanaged = nullptr) {
    pg::Connection conn = db.connect();
    introspect::Result result = introspect::introspect(conn, {});
    if (unmanaged != nullptr) {
        for (const introspect::Unmanaged& u : result.unmanaged) {
            *unmanaged += (unmanaged->empty() ? "" : ", ") + u.kind + " " + u.name;
        }
    }
    return lang::print_schema(result.schema);
}

void run_case(const CorpusCase& c, CaseTable& table) {
    thread_local WorkerDatabases databases;
    databases.prepare();
    const TempDatabase& a = *databases.a;
    const TempDatabase& b = *databases.b;

    LoadOutcome load = load_sql(a, c.b_sql());
    if (!load.loaded) {
        table.skip(c.name, load.reason);
        return;
    }
    std::string unmanaged;
    std::string pulled_a = pull_text(a, &unmanaged);
    TempDir dir;
    fs::path qail_file = dir.write("pulled.qail", pulled_a);
    RunResult create = run_qail({"diff", "_", qail_file.string()});
    if (create.exit_code != 0) {
        table.fail(c.name, "qail diff _ pulled.qail exited " + std::to_string(create.exit_code) +
                               ": " + first_line(create.err));
        return;
    }
    fs::path sql_file = dir.write("create.sql", create.out);
    RunResult load_b = run_process(
        {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", b.name(), "-f", sql_file.string()});
    if (load_b.exit_code != 0) {
        size_t at = load_b.err.find("ERROR:");
        table.fail(c.name, "the created SQL does not load: " +
                               first_line(at == std::string::npos ? load_b.err
                                                                  : load_b.err.substr(at)));
        return;
    }
    std::string pulled_b = pull_text(b);
    if (pulled_a != pulled_b) {
        table.fail(c.name, "pulls differ: " + first_difference(pulled_a, pulled_b));
        return;
    }
    std::string dump_a = normalized_dump(a.name());
    std::string dump_b = normalized_dump(b.name());
    if (dump_a != dump_b) {
        table.fail(c.name, "pg_dump differs: " + first_difference(dump_a, dump_b) +
                               (unmanaged.empty() ? "" : " (unmanaged: " + unmanaged + ")"));
        return;
    }
    table.pass(c.name);
}

TEST(Fidelity, PullCreatePullOverTheCorpus) {
    require_server();
    ensure_corpus_roles();
    std::vector<CorpusCase> cases = corpus_cases();
    ASSERT_FALSE(cases.empty());
    CaseTable table("fidelity");
    for_each_case(cases, table, run_case);
    std::cout << table.report() << std::flush;
    if (std::getenv("QAIL_CORPUS_FILTER") == nullptr) {
        EXPECT_GE(table.passed(), k_min_passing) << "fidelity regressed";
    }
    EXPECT_GT(table.passed(), 0);
}

} // namespace
} // namespace qail::testing
