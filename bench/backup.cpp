// bench/backup: what a backup of a dropped column costs the application.
// 4 writer threads run short UPDATEs on random rows of a 1,000,000-row table
// while its column is dropped, on identical databases in the same run:
//   - plain DDL, no backup (the reference: ALTER TABLE ... DROP COLUMN);
//   - the drop with a backup taken inside its transaction, under its lock
//     (INSERT ... SELECT after LOCK TABLE: what a backup costs done naively);
//   - `qail migrate up v1:v2 --backup=none`, `--backup=db`, `--backup=files`.
// Prints, for each, the time and the longest writer transaction. Target:
// qail with a backup keeps the longest wait near the plain drop's (the bulk
// is copied before the drop's lock; only rows written meanwhile are read
// under it), far below the naive backup's.
//
//   scripts/build && pg_virtualenv -t build/bench/backup [rows]

#include <cstdio>
#include <cstdlib>

#include "bench_support.hpp"

namespace {

using namespace qail::bench;

void setup(const std::string& conninfo, long long rows) {
    qail::pg::Connection conn = qail::pg::Connection::open(conninfo);
    conn.exec("CREATE TABLE big (id bigint PRIMARY KEY, email text, payload text, b integer NOT "
              "NULL DEFAULT 0)");
    conn.exec(fmt::format("INSERT INTO big SELECT g, 'user' || g || '@example.com', "
                          "repeat(md5(g::text), 2), 0 FROM generate_series(1, {}) g",
                          rows));
    conn.exec("VACUUM ANALYZE big");
    conn.exec("CHECKPOINT");
}

constexpr const char* k_v1 = R"(table big {
  id bigint primary_key
  email text
  payload text
  b integer not_null default 0
}
)";

constexpr const char* k_v2 = R"(table big {
  id bigint primary_key
  payload text
  b integer not_null default 0
}
drop confirm big.email
)";

struct Result {
    std::string label;
    double seconds = 0;
    long long longest_us = 0;
    long long transactions = 0;
    long long failed = 0;
};

Result measure(const std::string& label, long long rows,
               const std::function<void(const std::string& conninfo)>& migrate) {
    const std::string name = "qail_bench_backup";
    std::string conninfo = fresh_database(name);
    setup(conninfo, rows);
    WriterStats stats;
    Result r;
    r.label = label;
    with_writers(conninfo, rows, stats, [&] {
        auto start = Clock::now();
        migrate(conninfo);
        r.seconds = seconds_since(start);
    });
    r.longest_us = stats.longest_us.load();
    r.transactions = stats.transactions.load();
    r.failed = stats.failed.load();
    drop_database(name);
    return r;
}

void qail_up(const ProjectDir& project, const std::string& conninfo, const std::string& backup) {
    std::vector<std::string> args{"migrate", "up", "v1.qail:v2.qail", "--backup=" + backup,
                                  conninfo};
    if (run_qail(args, project.path, project.path / "up.log") != 0) {
        throw std::runtime_error("qail migrate up failed:\n" +
                                 read_text(project.path / "up.log"));
    }
}

} // namespace

int main(int argc, char** argv) {
    long long rows = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
    try {
        ProjectDir project;
        project.write("v1.qail", k_v1);
        project.write("v2.qail", k_v2);
        std::vector<Result> results;
        results.push_back(measure("plain DROP COLUMN, no backup", rows, [](const std::string& c) {
            qail::pg::Connection conn = qail::pg::Connection::open(c);
            conn.exec("ALTER TABLE big DROP COLUMN email");
        }));
        results.push_back(measure("backup inside the drop's lock", rows, [](const std::string& c) {
            qail::pg::Connection conn = qail::pg::Connection::open(c);
            conn.exec("CREATE TABLE copy_of_email (row_id text, value_json jsonb)");
            qail::pg::Transaction tx(conn);
            conn.exec("LOCK TABLE big IN ACCESS EXCLUSIVE MODE");
            conn.exec("INSERT INTO copy_of_email SELECT '{\"id\": ' || id || '}', to_jsonb(email) "
                      "FROM big WHERE email IS NOT NULL");
            conn.exec("ALTER TABLE big DROP COLUMN email");
            tx.commit();
        }));
        results.push_back(measure("CTAS of (id, email) (copy reference)", rows,
                                  [](const std::string& c) {
                                      qail::pg::Connection conn = qail::pg::Connection::open(c);
                                      conn.exec("CREATE TABLE copy_of_email AS SELECT id, email "
                                                "FROM big WHERE email IS NOT NULL");
                                  }));
        results.push_back(measure("CTAS of the same snapshot rows", rows, [](const std::string& c) {
            qail::pg::Connection conn = qail::pg::Connection::open(c);
            conn.exec("CREATE TABLE copy_of_rows AS SELECT 'v'::varchar(255) AS migration_version, "
                      "'big'::varchar(255) AS table_name, 'email'::varchar(255) AS column_name, "
                      "('{\"id\": ' || to_jsonb(id)::text || '}') AS row_id, to_jsonb(email) AS "
                      "value_json, 'DROP_COLUMN'::varchar(50) AS snapshot_type, now() AS "
                      "created_at, 'text' AS column_type, 1::bigint AS backup_id, 1::bigint AS "
                      "entry_id FROM big WHERE email IS NOT NULL");
        }));
        for (const char* backup : {"none", "db", "files"}) {
            results.push_back(measure(fmt::format("qail migrate up --backup={}", backup), rows,
                                      [&](const std::string& c) { qail_up(project, c, backup); }));
        }
        std::printf("dropping a column of a %lld-row table with 4 writers (short UPDATEs)\n", rows);
        for (const Result& r : results) {
            std::printf("  %-34s %7.2f s · writer txns %7lld · longest %8.1f ms · failed %lld\n",
                        r.label.c_str(), r.seconds, r.transactions,
                        static_cast<double>(r.longest_us) / 1000.0, r.failed);
        }
        double plain = static_cast<double>(std::max<long long>(1, results[0].longest_us));
        double naive = static_cast<double>(results[1].longest_us);
        double copy = results[2].seconds;
        double same_rows = results[3].seconds;
        double qail_none = results[4].seconds;
        for (size_t i = 5; i < results.size(); ++i) {
            double q = static_cast<double>(results[i].longest_us);
            double backup = results[i].seconds - qail_none;
            std::printf("  %-34s longest wait %.1fx the plain drop's, %.2fx the naive backup's; "
                        "its backup took %.2f s, %.2fx the CTAS of (id, email), %.2fx the CTAS "
                        "of the same rows\n",
                        results[i].label.c_str(), q / plain, q / std::max(1.0, naive), backup,
                        backup / std::max(0.001, copy), backup / std::max(0.001, same_rows));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench/backup: %s\n", e.what());
        return 1;
    }
    return 0;
}
