#include "run.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <array>
#include <iostream>

#include <qail/base/strings.hpp>
#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>

#ifndef QAIL_VERSION
#define QAIL_VERSION "0.0.0"
#endif

namespace qail::cli {

void not_implemented(const std::string& command, int issue) {
    throw UsageError(fmt::format("'qail {}' is not implemented yet (planned in issue #{})",
                                 command, issue));
}

namespace {

constexpr std::array<std::string_view, 8> k_commands = {
    "check", "fmt", "pull", "diff", "migrate", "rollback", "sync", "help"};

void print_error(const Runtime& rt, const std::string& message) {
    Style s{rt.color_err};
    *rt.err << s.bold() << s.red() << "error:" << s.reset() << " " << message << "\n";
}

// CLI11 reports an unknown command as an unexpected extra argument; say which
// command was probably meant.
std::string explain_parse_error(const CLI::ParseError& e, int argc, char** argv) {
    std::string message = e.what();
    if (argc >= 2) {
        std::string first = argv[1];
        if (!first.empty() && first[0] != '-' &&
            std::find(k_commands.begin(), k_commands.end(), first) == k_commands.end()) {
            message = fmt::format("unknown command '{}'", first);
            std::string hint = did_you_mean(first, k_commands);
            if (!hint.empty()) {
                message += "; " + hint;
            }
            message += "\nrun 'qail --help' for the list of commands";
        }
    }
    return message;
}

} // namespace

int run(int argc, char** argv) {
    Runtime rt = Runtime::for_process();
    CLI::App app{"QAIL: PostgreSQL schema migrations that keep your data.", "qail"};
    app.set_version_flag("-V,--version", std::string("qail ") + QAIL_VERSION);
    app.require_subcommand(1);
    app.footer("Exit codes: 0 ok, 1 differences/drift, 2 bad usage or input, 3 database error,\n"
               "            4 refused by a safety rule, 5 cancelled at a prompt.\n"
               "Run 'qail <command> --help' for a command's options.");
    add_check_command(app, rt);
    add_fmt_command(app, rt);
    add_pull_command(app, rt);
    add_diff_command(app, rt);
    add_migrate_command(app, rt);
    add_rollback_command(app, rt);
    add_sync_command(app, rt);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        *rt.out << app.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        *rt.out << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion&) {
        *rt.out << "qail " << QAIL_VERSION << "\n";
        return 0;
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) {
            *rt.out << app.help();
            return 0;
        }
        print_error(rt, explain_parse_error(e, argc, argv));
        return static_cast<int>(ExitCode::bad_input);
    } catch (const InputError& e) {
        rt.err->flush();
        *rt.err << e.render(rt.color_err);
        return static_cast<int>(e.exit_code());
    } catch (const DatabaseError& e) {
        std::string message = e.what();
        if (!e.sqlstate().empty()) {
            message += fmt::format(" (SQLSTATE {})", e.sqlstate());
        }
        if (!e.statement().empty()) {
            message += "\n  statement: " + e.statement();
        }
        print_error(rt, message);
        return static_cast<int>(e.exit_code());
    } catch (const Error& e) {
        print_error(rt, e.what());
        return static_cast<int>(e.exit_code());
    } catch (const std::exception& e) {
        print_error(rt, fmt::format("internal error: {}", e.what()));
        return static_cast<int>(ExitCode::internal);
    }
    return static_cast<int>(rt.exit_code);
}

} // namespace qail::cli
