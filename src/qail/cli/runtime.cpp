#include "runtime.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

namespace qail::cli {

namespace {
bool color_allowed() {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && no_color[0] != '\0') {
        return false;
    }
    const char* term = std::getenv("TERM");
    return term == nullptr || std::strcmp(term, "dumb") != 0;
}
} // namespace

Runtime Runtime::for_process() {
    Runtime rt;
    rt.out = &std::cout;
    rt.err = &std::cerr;
    rt.out_is_terminal = isatty(STDOUT_FILENO) == 1;
    rt.err_is_terminal = isatty(STDERR_FILENO) == 1;
    rt.stdin_is_terminal = isatty(STDIN_FILENO) == 1;
    bool allowed = color_allowed();
    rt.color_out = allowed && rt.out_is_terminal;
    rt.color_err = allowed && rt.err_is_terminal;
    return rt;
}

} // namespace qail::cli
