#include "failpoint.hpp"

#include <csignal>
#include <cstdlib>
#include <map>
#include <string>

#include <qail/base/strings.hpp>

namespace qail::exec {

void failpoint(std::string_view kind) {
    static std::map<std::string, long long, std::less<>> counts;
    long long n = ++counts[std::string(kind)];
    const char* spec = std::getenv("QAIL_FAILPOINT");
    if (spec == nullptr || spec[0] == '\0') {
        return;
    }
    std::string wanted = "after_" + std::string(kind) + ":";
    for (const std::string& item : split(spec, ',')) {
        std::string_view point = trim(item);
        if (point.rfind(wanted, 0) == 0 && std::string(point.substr(wanted.size())) == std::to_string(n)) {
            std::raise(SIGKILL);
        }
    }
}

} // namespace qail::exec
