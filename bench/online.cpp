// bench/online: 4 writer threads run short UPDATEs on random rows of a
// 1,000,000-row table while a migration adds a NOT NULL (to an existing
// column), a foreign key, a column with a default and an index. Twice, on
// identical databases in the same run: once as plain DDL, once as QAIL's
// phases (`qail migrate new --from v1 --to v2`, then `qail migrate apply`).
// Prints, for each, the longest writer transaction and the failed ones.
// Target for QAIL: longest under 200 ms, 0 failed.
//
// Run it under a throwaway cluster (it creates and drops its own databases):
//   pg_virtualenv -t build/bench/online [rows]

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

#include "bench_support.hpp"

namespace {

using namespace qail::bench;

void setup(const std::string& conninfo, long long rows) {
    qail::pg::Connection conn = qail::pg::Connection::open(conninfo);
    conn.exec("CREATE TABLE owners (id integer PRIMARY KEY)");
    conn.exec("INSERT INTO owners SELECT g FROM generate_series(1, 1000) g");
    conn.exec("CREATE TABLE big (id bigint PRIMARY KEY, a integer NOT NULL, b integer, "
              "owner_id integer)");
    conn.exec(fmt::format("INSERT INTO big SELECT g, g % 977, g % 13, g % 1000 + 1 "
                          "FROM generate_series(1, {}) g",
                          rows));
    conn.exec("VACUUM ANALYZE big");
    conn.exec("CHECKPOINT");
}

constexpr const char* k_v1 = R"(table owners {
  id integer primary_key
}
table big {
  id bigint primary_key
  a integer not_null
  b integer
  owner_id integer
}
)";

constexpr const char* k_v2 = R"(table owners {
  id integer primary_key
}
table big {
  id bigint primary_key
  a integer not_null
  b integer not_null
  owner_id integer references owners(id)
  c integer not_null default 0
}
index idx_big_a on big (a)
)";

void print(const char* label, const WriterStats& s, double migration_s) {
    std::printf("  %-34s migration %6.2f s · writer txns %7lld · longest %8.1f ms · failed %lld\n",
                label, migration_s, s.transactions.load(),
                static_cast<double>(s.longest_us.load()) / 1000.0, s.failed.load());
}

} // namespace

int main(int argc, char** argv) {
    long long rows = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
    try {
        std::printf("online migration of a %lld-row table with 4 writers (short UPDATEs)\n", rows);
        // plain DDL
        std::string plain = fresh_database("qail_bench_online_plain");
        setup(plain, rows);
        WriterStats plain_stats;
        double plain_s = 0;
        with_writers(plain, rows, plain_stats, [&] {
            qail::pg::Connection conn = qail::pg::Connection::open(plain);
            auto start = Clock::now();
            conn.exec("ALTER TABLE big ALTER COLUMN b SET NOT NULL");
            conn.exec("ALTER TABLE big ADD CONSTRAINT big_owner_id_fkey FOREIGN KEY (owner_id) "
                      "REFERENCES owners (id)");
            conn.exec("ALTER TABLE big ADD COLUMN c integer DEFAULT 0 NOT NULL");
            conn.exec("CREATE INDEX idx_big_a ON big (a)");
            plain_s = seconds_since(start);
        });
        drop_database("qail_bench_online_plain");

        // QAIL's phases
        std::string phased = fresh_database("qail_bench_online_qail");
        setup(phased, rows);
        ProjectDir project;
        project.write("v1.qail", k_v1);
        project.write("v2.qail", k_v2);
        if (run_qail({"migrate", "new", "online", "--from", "v1.qail", "--to", "v2.qail"},
                     project.path, project.path / "new.log") != 0) {
            std::fprintf(stderr, "qail migrate new failed:\n%s",
                         read_text(project.path / "new.log").c_str());
            return 1;
        }
        WriterStats qail_stats;
        double qail_s = 0;
        int code = 0;
        with_writers(phased, rows, qail_stats, [&] {
            auto start = Clock::now();
            code = run_qail({"migrate", "apply", phased}, project.path, project.path / "apply.log");
            qail_s = seconds_since(start);
        });
        if (code != 0) {
            std::fprintf(stderr, "qail migrate apply failed (%d):\n%s", code,
                         read_text(project.path / "apply.log").c_str());
            return 1;
        }
        drop_database("qail_bench_online_qail");

        print("plain DDL", plain_stats, plain_s);
        print("qail migrate apply (3 phases)", qail_stats, qail_s);
        std::printf("  longest writer wait, plain / qail: %.1fx (target for qail: < 200 ms, 0 "
                    "failed)\n",
                    static_cast<double>(plain_stats.longest_us.load()) /
                        static_cast<double>(std::max<long long>(1, qail_stats.longest_us.load())));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench/online: %s\n", e.what());
        return 1;
    }
    return 0;
}
