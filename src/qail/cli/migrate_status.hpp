#pragma once

#include <optional>
#include <string>

namespace qail::cli {

struct Runtime;

struct StatusRequest {
    std::optional<std::string> url_positional;
    std::optional<std::string> url;
    bool json = false;
};

/// `qail migrate status`: the history as a box table (or JSON), then what is
/// pending in the migrations folder.
void run_migrate_status(Runtime& rt, const StatusRequest& request);

} // namespace qail::cli
