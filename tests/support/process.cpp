#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace qail::testing {

RunResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
    int out_pipe[2];
    int err_pipe[2];
    int in_pipe[2];
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0 || pipe(in_pipe) != 0) {
        throw std::runtime_error("pipe failed");
    }
    pid_t pid = fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        dup2(in_pipe[0], STDIN_FILENO);
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        close(in_pipe[1]);
        close(out_pipe[0]);
        close(err_pipe[0]);
        if (options.cwd && chdir(options.cwd->c_str()) != 0) {
            _exit(127);
        }
        for (const std::string& name : options.unset_env) {
            unsetenv(name.c_str());
        }
        for (const auto& [name, value] : options.env) {
            setenv(name.c_str(), value.c_str(), 1);
        }
        std::vector<char*> args;
        for (const std::string& a : argv) {
            args.push_back(const_cast<char*>(a.c_str()));
        }
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (options.stdin_text) {
        const std::string& text = *options.stdin_text;
        size_t written = 0;
        while (written < text.size()) {
            ssize_t n = write(in_pipe[1], text.data() + written, text.size() - written);
            if (n <= 0) {
                break;
            }
            written += static_cast<size_t>(n);
        }
    }
    close(in_pipe[1]);

    RunResult result;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_count = 2;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
    char buffer[65536];
    bool timed_out = false;
    while (open_count > 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        int ready = poll(fds, 2, 200);
        if (ready <= 0) {
            continue;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0) {
                continue;
            }
            ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
            } else {
                (i == 0 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
            }
        }
    }
    for (auto& fd : fds) {
        if (fd.fd >= 0) {
            close(fd.fd);
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (timed_out) {
        result.exit_code = -2;
        result.err += "\n[test harness: killed after timeout]";
    } else if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.exit_code = 128 + WTERMSIG(status);
    }
    return result;
}

RunResult run_qail(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv{QAIL_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, options);
}

RunResult run_shell(const std::string& command, const RunOptions& options) {
    return run_process({"sh", "-c", command}, options);
}

} // namespace qail::testing
