#include <gtest/gtest.h>

#include "support/process.hpp"

namespace qail::testing {
namespace {

TEST(Cli, VersionAndHelp) {
    RunResult v = run_qail({"--version"});
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_EQ(v.out.rfind("qail ", 0), 0u) << v.out;
    RunResult h = run_qail({"--help"});
    EXPECT_EQ(h.exit_code, 0);
    for (const char* command : {"check", "fmt", "pull", "diff", "migrate", "rollback", "sync"}) {
        EXPECT_NE(h.out.find(command), std::string::npos) << command;
    }
}

TEST(Cli, EveryCommandHasHelp) {
    std::vector<std::vector<std::string>> commands = {
        {"check"}, {"fmt"}, {"pull"}, {"diff"}, {"migrate"}, {"migrate", "new"},
        {"migrate", "plan"}, {"migrate", "apply"}, {"migrate", "rollback"}, {"migrate", "up"},
        {"migrate", "down"}, {"migrate", "status"}, {"migrate", "reset"}, {"migrate", "shadow"},
        {"migrate", "promote"}, {"migrate", "abort"}, {"rollback"}, {"sync"}, {"sync", "generate"},
        {"sync", "list"}};
    for (auto args : commands) {
        args.push_back("--help");
        RunResult r = run_qail(args);
        EXPECT_EQ(r.exit_code, 0) << args[0];
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << args[0] << ": " << r.out;
    }
}

TEST(Cli, UnknownCommandSuggestsAndExits2) {
    RunResult r = run_qail({"chekc", "x.qail"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown command 'chekc'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("did you mean 'check'?"), std::string::npos) << r.err;
}

TEST(Cli, NoColourWithoutTerminal) {
    RunResult r = run_qail({"chekc"});
    EXPECT_EQ(r.err.find("\x1b["), std::string::npos) << r.err;
}

TEST(Cli, BadFlagValueExits2) {
    RunResult r = run_qail({"diff", "a", "b", "--format", "yaml"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
}

} // namespace
} // namespace qail::testing
