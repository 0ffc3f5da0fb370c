// Parse and print speed of the .qail language on a 10,000-table schema
// (about 8 columns each, with keys, foreign keys, checks and indexes).
//
//   build/bench/parse [tables] [repetitions]
//
// Prints the text size, then the best and median time of parse_schema and
// of print_schema, in seconds and MB/s. Target: parse under 0.3 s.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <qail/lang/schema_io.hpp>

namespace {

std::string generate(int tables) {
    std::string text = "extension pgcrypto\n\nenum status { draft, active, archived }\n\n";
    text.reserve(static_cast<size_t>(tables) * 520);
    for (int i = 0; i < tables; ++i) {
        std::string t = "t" + std::to_string(i);
        text += "table " + t + " {\n";
        text += "  id bigint primary_key generated_by_default_identity\n";
        text += "  tenant_id uuid not_null default gen_random_uuid()\n";
        if (i > 0) {
            text += "  parent_id bigint references t" + std::to_string(i - 1) +
                    "(id) on_delete cascade\n";
        } else {
            text += "  parent_id bigint\n";
        }
        text += "  name varchar(200) not_null check(length(name) > 0)\n";
        text += "  status status not_null default 'draft'\n";
        text += "  amount numeric(12,2) not_null default 0 check(amount >= 0)\n";
        text += "  created_at timestamptz not_null default now()\n";
        text += "  data jsonb  # free-form\n";
        text += "  unique (tenant_id, name)\n";
        text += "}\n\n";
        text += "index idx_" + t + "_tenant on " + t + " (tenant_id, created_at desc)\n";
        text += "index idx_" + t + "_active on " + t + " (parent_id) where status = 'active'\n\n";
    }
    return text;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU time of this process: what the work costs when other processes compete
// for the cores (wall-clock time is also reported).
double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void report(const char* what, std::vector<double> times, std::vector<double> cpu,
            size_t bytes) {
    std::sort(times.begin(), times.end());
    std::sort(cpu.begin(), cpu.end());
    double best = times.front();
    double median = times[times.size() / 2];
    double mb = static_cast<double>(bytes) / (1024.0 * 1024.0);
    std::printf("%-6s best %.3f s (%.1f MB/s)   median %.3f s (%.1f MB/s)   cpu best %.3f s\n",
                what, best, mb / best, median, mb / median, cpu.front());
}

} // namespace

int main(int argc, char** argv) {
    int tables = argc > 1 ? std::atoi(argv[1]) : 10000;
    int repetitions = argc > 2 ? std::atoi(argv[2]) : 5;
    std::string text = generate(tables);
    std::printf("schema: %d tables, %.2f MB of .qail text, %d repetitions\n", tables,
                static_cast<double>(text.size()) / (1024.0 * 1024.0), repetitions);

    std::vector<double> parse_times;
    std::vector<double> print_times;
    std::vector<double> parse_cpu;
    std::vector<double> print_cpu;
    size_t printed_bytes = 0;
    qail::model::Schema schema;
    for (int r = 0; r < repetitions; ++r) {
        schema = qail::model::Schema();
        auto start = std::chrono::steady_clock::now();
        double cpu = cpu_seconds();
        schema = qail::lang::parse_schema(text, "bench.qail");
        parse_times.push_back(seconds_since(start));
        parse_cpu.push_back(cpu_seconds() - cpu);
        start = std::chrono::steady_clock::now();
        cpu = cpu_seconds();
        std::string printed = qail::lang::print_schema(schema);
        print_times.push_back(seconds_since(start));
        print_cpu.push_back(cpu_seconds() - cpu);
        printed_bytes = printed.size();
    }
    std::printf("model: %zu tables, %zu columns, %zu indexes\n", schema.tables.size(),
                schema.column_count(), schema.indexes.size());
    report("parse", parse_times, parse_cpu, text.size());
    report("print", print_times, print_cpu, printed_bytes);
    std::vector<double> sorted = parse_times;
    std::sort(sorted.begin(), sorted.end());
    std::printf("parse target 0.300 s: %s\n", sorted.front() < 0.3 ? "met" : "NOT met");
    return 0;
}
