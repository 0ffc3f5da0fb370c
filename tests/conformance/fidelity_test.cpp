// Fidelity of `qail pull` over the shared corpus.
//
// For every case directory of ../shared/corpus/sqldef/ (and each real-world
// schema under ../shared/corpus/realworld/): load b.sql into a fresh database
// A (psql -v ON_ERROR_STOP=1), pull A, create a fresh database B from the SQL
// `qail diff _ pulled.qail` prints, pull B. A case passes when both pulls are
// identical and pg_dump --schema-only of A and B match after normalising.
// A case whose b.sql does not load is skipped, with psql's reason. The SQL
// for B is what `qail diff _` prints (lang::load_schema's parse and validate,
// then plan::create_sql), computed in-process; the e2e test
// tests/e2e/pull_cli_test.cpp runs the same chain through build/qail.
//
// Prints "fidelity: N/M cases" (M = cases that load) and every failing case
// with its reason. The test fails when the pass count drops below
// k_min_passing (set from the measured result, see there).
//
// Speed: each worker reuses two databases, emptied between cases
// (corpus_support's WorkerDatabases). $QAIL_CORPUS_FILTER and
// $QAIL_CORPUS_JOBS (corpus_support.hpp) narrow and spread the run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <iostream>
#include <sstream>

#include <qail/introspect/introspect.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/plan/create_sql.hpp>

#include "conformance/corpus_support.hpp"
#include "support/database.hpp"

namespace qail::testing {
namespace {

// Measured on this machine (PostgreSQL 15.18): 798 of the 799 cases pass (all
// load). The failure is a limit of the model, not of pull: realworld/danbooru
// has a user-defined operator and SET STATISTICS targets, which pull reports
// as unmanaged. A regression below this count fails the suite.
constexpr int k_min_passing = 798;

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
    // What `qail diff _ pulled.qail` prints (load_schema, then plan::create_sql),
    // done in-process: a process per step costs more than the step on 2 cores.
    std::string create_sql;
    try {
        model::Schema reread = lang::parse_schema(pulled_a, "pulled.qail");
        std::vector<Diagnostic> problems = lang::validate(reread);
        if (!problems.empty()) {
            table.fail(c.name, "the pulled schema does not validate: " + problems.front().message);
            return;
        }
        create_sql = plan::create_sql(reread);
    } catch (const std::exception& e) {
        table.fail(c.name, "the pulled schema does not read back: " + first_line(e.what()));
        return;
    }
    try {
        pg::Connection conn = b.connect();
        conn.exec(create_sql);
    } catch (const std::exception& e) {
        table.fail(c.name, "the created SQL does not load: " + first_line(e.what()));
        return;
    }
    std::string pulled_b = pull_text(b);
    if (pulled_a != pulled_b) {
        table.fail(c.name, "pulls differ: " + first_difference(pulled_a, pulled_b));
        return;
    }
    // the two dumps are independent processes: run them side by side
    std::future<std::string> dump_of_a =
        std::async(std::launch::async, [&] { return normalized_dump(a.name()); });
    std::string dump_b = normalized_dump(b.name());
    std::string dump_a = dump_of_a.get();
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
