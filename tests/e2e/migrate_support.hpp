#pragma once
// Shared by the migrate/sync end-to-end tests: a project folder, build/qail
// run in it against a TempDatabase, the history as text, and qail started in
// the background (to run two at once or to kill one).

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/database.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace qail::testing::migrate {

/// A project folder (with deltas/) tied to one database.
class Project {
public:
    explicit Project(const TempDatabase& db) : m_db(db) {}

    const std::filesystem::path& path() const { return m_dir.path(); }
    std::filesystem::path write(const std::string& relative, std::string_view text) const {
        return m_dir.write(relative, text);
    }
    std::string read(const std::string& relative) const { return m_dir.read(relative); }

    RunOptions options(std::map<std::string, std::string> env = {}) const {
        RunOptions o;
        o.cwd = m_dir.path().string();
        o.env = std::move(env);
        o.unset_env = {"DATABASE_URL", "QAIL_FAILPOINT"};
        o.env["NO_COLOR"] = "1";
        return o;
    }

    /// build/qail <args> <conninfo> in the project folder.
    RunResult qail(std::vector<std::string> args, std::map<std::string, std::string> env = {}) const {
        args.push_back(m_db.conninfo());
        return run_qail(args, options(std::move(env)));
    }
    /// build/qail <args> without adding the database.
    RunResult qail_plain(const std::vector<std::string>& args) const {
        return run_qail(args, options());
    }

private:
    const TempDatabase& m_db;
    TempDir m_dir;
};

/// The one migration folder `qail migrate new` wrote under deltas/ (fails the
/// test when there is not exactly one).
inline std::filesystem::path only_migration(const Project& p) {
    std::vector<std::filesystem::path> folders;
    for (const auto& entry : std::filesystem::directory_iterator(p.path() / "deltas")) {
        folders.push_back(entry.path());
    }
    EXPECT_EQ(folders.size(), 1u);
    return folders.empty() ? std::filesystem::path() : folders.front();
}

/// version|phase|status|steps_done|checksum per history row, oldest first.
inline std::vector<std::string> history(const TempDatabase& db) {
    std::vector<std::string> rows;
    if (db.scalar("SELECT to_regclass('public._qail_migrations') IS NOT NULL") != "t") {
        return rows;
    }
    pg::Result r = db.exec("SELECT version || '|' || phase || '|' || status || '|' || steps_done "
                           "|| '|' || checksum FROM _qail_migrations ORDER BY id");
    for (int i = 0; i < r.rows(); ++i) {
        rows.push_back(r.get_string(i, 0));
    }
    return rows;
}

/// Every row of a table (these columns), ordered, as text (to compare data
/// between databases).
inline std::string table_text(const TempDatabase& db, const std::string& table,
                              const std::string& columns) {
    return db.scalar("SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM "
                     "(SELECT " + columns + " FROM " + table + ") t");
}

/// build/qail started in the background; stdout/stderr go to files.
class Background {
public:
    Background(const std::vector<std::string>& args, const RunOptions& options) {
        m_out = std::filesystem::temp_directory_path() /
                ("qail_bg_" + std::to_string(getpid()) + "_" + std::to_string(counter()++));
        m_pid = fork();
        if (m_pid == 0) {
            if (options.cwd && chdir(options.cwd->c_str()) != 0) {
                _exit(127);
            }
            for (const std::string& name : options.unset_env) {
                unsetenv(name.c_str());
            }
            for (const auto& [name, value] : options.env) {
                setenv(name.c_str(), value.c_str(), 1);
            }
            int out = open((m_out.string() + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = open((m_out.string() + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(out, STDOUT_FILENO);
            dup2(err, STDERR_FILENO);
            std::vector<std::string> argv{QAIL_BINARY};
            argv.insert(argv.end(), args.begin(), args.end());
            std::vector<char*> raw;
            for (auto& a : argv) {
                raw.push_back(a.data());
            }
            raw.push_back(nullptr);
            execv(raw[0], raw.data());
            _exit(127);
        }
    }
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;
    ~Background() {
        if (m_pid > 0 && !m_done) {
            kill(m_pid, SIGKILL);
            wait();
        }
        std::error_code ec;
        std::filesystem::remove(m_out.string() + ".out", ec);
        std::filesystem::remove(m_out.string() + ".err", ec);
    }

    pid_t pid() const { return m_pid; }
    void kill9() { kill(m_pid, SIGKILL); }
    /// Waits for the exit; the code (128 + signal when killed).
    RunResult wait() {
        if (!m_done) {
            int status = 0;
            waitpid(m_pid, &status, 0);
            m_done = true;
            m_result.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                                 : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                                       : -1;
            m_result.out = read_file(m_out.string() + ".out");
            m_result.err = read_file(m_out.string() + ".err");
        }
        return m_result;
    }

private:
    static int& counter() {
        static int n = 0;
        return n;
    }
    pid_t m_pid = -1;
    bool m_done = false;
    std::filesystem::path m_out;
    RunResult m_result;
};

/// Polls `condition` every 50 ms for up to `seconds`; false on timeout.
template <typename F>
bool eventually(F condition, int seconds = 60) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

} // namespace qail::testing::migrate
