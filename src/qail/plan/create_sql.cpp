#include "create_sql.hpp"

#include <qail/diff/diff.hpp>
#include <qail/plan/build.hpp>

namespace qail::plan {

// The diff from the empty schema: one code path for `qail diff _ <schema>`,
// create_sql and every migration, so they cannot disagree. On an empty
// database nothing is locked or at risk, so the plain (not lock-safe) forms are used.
std::string create_sql(const model::Schema& schema) {
    model::Schema target = model::without_hints(schema);
    BuildOptions options;
    options.lock_safe = false;
    return plan_migration(model::Schema{}, target, {}, options).sql();
}

} // namespace qail::plan
