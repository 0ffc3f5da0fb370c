// bench/backfill: QAIL's chunked, checkpointed backfill of 1,000,000 rows
// (`qail migrate apply` of a backfill.qail, chunks of 5,000 rows, each its own
// transaction) next to one plain `UPDATE` of an identical table, in the same
// run. Prints rows/s of both and the ratio. Target: ratio >= 0.7.
//
// Run it under a throwaway cluster (it creates and drops its own database):
//   pg_virtualenv -t build/bench/backfill [rows]

#include <cstdlib>
#include <cstdio>

#include "bench_support.hpp"

int main(int argc, char** argv) {
    using namespace qail::bench;
    long long rows = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
    const std::string name = "qail_bench_backfill";
    try {
        std::string conninfo = fresh_database(name);
        qail::pg::Connection conn = qail::pg::Connection::open(conninfo);
        for (const char* table : {"plain_t", "qail_t"}) {
            conn.exec(fmt::format("CREATE TABLE {} (id bigint PRIMARY KEY, v int NOT NULL, w int)",
                                  table));
            conn.exec(fmt::format("INSERT INTO {} SELECT g, g % 1000 FROM generate_series(1, {}) g",
                                  table, rows));
            conn.exec(fmt::format("VACUUM ANALYZE {}", table));
        }
        conn.exec("CHECKPOINT");

        auto plain_start = Clock::now();
        conn.exec("UPDATE plain_t SET w = v * 2 + 1");
        double plain_s = seconds_since(plain_start);

        conn.exec("CHECKPOINT");
        ProjectDir project;
        project.write("deltas/001_fill_w/backfill.qail",
                      "-- @backfill.table: qail_t\n-- @backfill.set: w = v * 2 + 1\n");
        project.write("deltas/001_fill_w/down.qail", "sql $$ UPDATE qail_t SET w = NULL $$\n");
        auto qail_start = Clock::now();
        int code = run_qail({"migrate", "apply", "--backfill-chunk-size", "5000", conninfo},
                            project.path, project.path / "apply.log");
        double qail_s = seconds_since(qail_start);
        if (code != 0) {
            std::fprintf(stderr, "qail migrate apply failed (%d):\n%s", code,
                         read_text(project.path / "apply.log").c_str());
            return 1;
        }
        std::string done = conn.exec("SELECT count(*) FROM qail_t WHERE w = v * 2 + 1").get_string(0, 0);
        if (std::atoll(done.c_str()) != rows) {
            std::fprintf(stderr, "backfill left rows undone: %s of %lld\n", done.c_str(), rows);
            return 1;
        }
        double plain_rate = static_cast<double>(rows) / plain_s;
        double qail_rate = static_cast<double>(rows) / qail_s;
        std::printf("backfill of %lld rows\n", rows);
        std::printf("  plain UPDATE (one transaction):           %7.2f s  %10.0f rows/s\n", plain_s,
                    plain_rate);
        std::printf("  qail migrate apply (chunks of 5,000):     %7.2f s  %10.0f rows/s\n", qail_s,
                    qail_rate);
        std::printf("  ratio qail / plain: %.2f (target >= 0.70; includes process start, "
                    "connection, history and checkpoints)\n",
                    qail_rate / plain_rate);
        drop_database(name);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench/backfill: %s\n", e.what());
        return 1;
    }
    return 0;
}
