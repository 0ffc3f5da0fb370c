// bench/safety: the cost of QAIL's shadow database on a 1,000,000-row
// table, next to a reference measured in the same run (bench/backup
// measures backups):
//   - `qail migrate shadow` (new database, schema, parallel COPY, verification)
//     vs `pg_dump -Fc | pg_restore` of the same database into a new one;
//     target: shadow faster.
//
// Run it against a throwaway cluster (PG* variables set by pg_virtualenv):
//   scripts/build && pg_virtualenv -t -o wal_level=logical build/bench/safety [rows]

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <qail/pg/connection.hpp>

namespace {

using namespace qail;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int shell(const std::string& command) {
    int rc = std::system(command.c_str());
    if (rc != 0) {
        std::fprintf(stderr, "command failed (%d): %s\n", rc, command.c_str());
        std::exit(1);
    }
    return rc;
}

} // namespace

int main(int argc, char** argv) {
    long long rows = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
    const std::string db = "qail_bench_safety";
    pg::Connection maint = pg::Connection::open("dbname=postgres");
    for (const char* name : {"qail_bench_safety", "qail_bench_safety_shadow", "qail_bench_restored"}) {
        maint.exec(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name));
    }
    maint.exec("CREATE DATABASE " + db);
    pg::Connection conn = pg::Connection::open("dbname=" + db);
    std::fprintf(stderr, "loading %lld rows ...\n", rows);
    conn.exec("CREATE TABLE big (id bigint PRIMARY KEY, email text, payload text, amount "
              "numeric(12,2), created_at timestamptz NOT NULL DEFAULT now())");
    conn.exec(fmt::format("INSERT INTO big (id, email, payload, amount) SELECT g, 'user' || g || "
                          "'@example.com', repeat(md5(g::text), 2), g * 0.01 FROM "
                          "generate_series(1, {}) g",
                          rows));
    conn.exec("VACUUM ANALYZE big");

    // --------------------------------------------- shadow vs dump|restore
    std::filesystem::path dir = std::filesystem::temp_directory_path() / "qail_bench_safety";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "v.qail") << "table big {\n  id bigint primary_key\n  email text\n"
                                     "  payload text\n  amount numeric(12,2)\n"
                                     "  created_at timestamptz not_null default now()\n}\n";
    std::string schema = (dir / "v.qail").string();
    std::vector<double> shadow_times;
    std::vector<double> dump_times;
    for (int round = 0; round < 3; ++round) {
        auto start = Clock::now();
        shell(fmt::format("{} migrate shadow {}:{} dbname={} > /dev/null 2>&1", QAIL_BINARY,
                          schema, schema, db));
        shadow_times.push_back(seconds_since(start));
        shell(fmt::format("{} migrate abort dbname={} > /dev/null 2>&1", QAIL_BINARY, db));

        start = Clock::now();
        shell("createdb qail_bench_restored");
        shell(fmt::format("pg_dump -Fc {} | pg_restore --no-owner -d qail_bench_restored", db));
        dump_times.push_back(seconds_since(start));
        maint.exec("DROP DATABASE qail_bench_restored WITH (FORCE)");
    }
    double shadow = median(shadow_times);
    double dump = median(dump_times);
    std::printf("qail migrate shadow (%lld rows)          : %.3f s (median of 3)\n", rows, shadow);
    std::printf("pg_dump -Fc | pg_restore                 : %.3f s (median of 3)\n", dump);
    std::printf("ratio shadow / dump|restore              : %.2f (target < 1) %s\n", shadow / dump,
                shadow < dump ? "OK" : "MISSED");

    conn = pg::Connection::open("dbname=postgres");
    maint.exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    std::filesystem::remove_all(dir);
    return 0;
}
