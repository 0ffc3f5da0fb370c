#pragma once
// Shared by bench/backfill and bench/online: a fresh database on the server
// that libpq's environment names (PGHOST, PGPORT, PGUSER, ... as pg_virtualenv
// sets them), a temporary project folder, and build/qail run as a process.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
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

inline std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace qail::bench
