#include "apply_guard.hpp"

namespace qail::safety {

void guard_delta_files(Guard& guard, pg::Connection& conn,
                       const std::vector<std::pair<std::string, const std::vector<exec::DeltaStep>*>>& files) {
    std::vector<GuardedStep> steps;
    for (const auto& [version, file_steps] : files) {
        for (const exec::DeltaStep& s : *file_steps) {
            steps.push_back(GuardedStep{&s.step, version});
        }
    }
    guard.before_run(conn, steps);
}

} // namespace qail::safety
