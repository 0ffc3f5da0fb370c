#pragma once
// Shared by bench/backfill, bench/online and bench/backup: a fresh database on the server
// that libpq's environment names (PGHOST, PGPORT, PGUSER, ... as pg_virtualenv
// sets them), a temporary project folder, and build/qail run as a process.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <qail/pg/connection.hpp>

extern char** environ;

namespace qail::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Drops and creates database `name`; returns its conninfo.
inline std::string fresh_database(const std::string& name) {
    pg::Connection admin = pg::Connection::open("dbname=postgres");
    admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    admin.exec("CREATE DATABASE " + name);
    return "dbname=" + name;
}

inline void drop_database(const std::string& name) {
    pg::Connection admin = pg::Connection::open("dbname=postgres");
    admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

struct ProjectDir {
    std::filesystem::path path;
    ProjectDir() {
        path = std::filesystem::temp_directory_path() /
               fmt::format("qail_bench_{}_{}", getpid(), Clock::now().time_since_epoch().count());
        std::filesystem::create_directories(path);
    }
    ~ProjectDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    ProjectDir(const ProjectDir&) = delete;
    ProjectDir& operator=(const ProjectDir&) = delete;
    void write(const std::string& relative, const std::string& text) const {
        std::filesystem::path file = path / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file) << text;
    }
};

/// Runs build/qail with `args` in `dir`; stdout and stderr go to `log`.
/// Returns the exit code.
inline int run_qail(const std::vector<std::string>& args, const std::filesystem::path& dir,
                    const std::filesystem::path& log) {
    std::string command = "cd '" + dir.string() + "' && NO_COLOR=1 '" QAIL_BINARY "'";
    for (const std::string& a : args) {
        command += " '" + a + "'";
    }
    command += " > '" + log.string() + "' 2>&1";
    std::vector<std::string> argv_text{"/bin/sh", "-c", command};
    std::vector<char*> argv;
    for (std::string& a : argv_text) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv.data(), environ) != 0) {
        throw std::runtime_error("cannot start qail");
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct WriterStats {
    std::atomic<long long> transactions{0};
    std::atomic<long long> failed{0};
    std::atomic<long long> longest_us{0};
};

/// Runs `migrate` while 4 writers run `UPDATE big SET b = b + 1` on random
/// rows (ids 1..rows) of `conninfo`, each statement timed; fills `stats`.
inline void with_writers(const std::string& conninfo, long long rows, WriterStats& stats,
                         const std::function<void()>& migrate) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
        writers.emplace_back([&, w] {
            pg::Connection conn = pg::Connection::open(conninfo);
            conn.exec("SET statement_timeout = '120s'");
            std::mt19937_64 random(static_cast<unsigned long long>(w) * 7919ULL + 17ULL);
            std::uniform_int_distribution<long long> pick(1, rows);
            while (!stop) {
                std::vector<pg::Param> params{std::to_string(pick(random))};
                auto start = Clock::now();
                try {
                    conn.exec_params("UPDATE big SET b = b + 1 WHERE id = $1::bigint", params);
                    ++stats.transactions;
                } catch (const std::exception&) {
                    ++stats.failed;
                }
                auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start)
                              .count();
                long long seen = stats.longest_us.load();
                while (us > seen && !stats.longest_us.compare_exchange_weak(seen, us)) {
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    migrate();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    stop = true;
    for (std::thread& t : writers) {
        t.join();
    }
}

inline std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace qail::bench
