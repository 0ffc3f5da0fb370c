#include "backfill.hpp"

#include <fmt/format.h>

#include <chrono>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/exec/failpoint.hpp>
#include <qail/plan/ddl.hpp>
#include <qail/sql/quote.hpp>

namespace qail::exec {

namespace {

struct KeyColumn {
    std::string name;
    std::string type; ///< format_type(), safe to paste as a cast
};

[[noreturn]] void spec_error(const BackfillSpec& spec, const std::string& message,
                             const std::string& help = {}) {
    throw InputError(Diagnostic{.file = spec.file, .line = spec.line, .column = 1, .length = 1,
                                .line_text = {}, .message = message, .help = help});
}

std::vector<KeyColumn> key_columns(pg::Connection& conn, const BackfillSpec& spec,
                                   const std::string& regclass) {
    std::vector<KeyColumn> keys;
    if (spec.pk.empty()) {
        std::vector<pg::Param> params{regclass};
        auto r = conn.exec_params(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
            "WHERE i.indrelid = $1::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey::int2[], a.attnum)",
            params);
        for (int i = 0; i < r.rows(); ++i) {
            keys.push_back(KeyColumn{r.get_string(i, 0), r.get_string(i, 1)});
        }
        if (keys.empty()) {
            spec_error(spec,
                       fmt::format("table {} has no primary key to backfill by",
                                   spec.table.display()),
                       "name the key columns with `-- @backfill.pk: <column>[, <column>]`");
        }
        return keys;
    }
    for (const std::string& column : spec.pk) {
        std::vector<pg::Param> params{regclass, column};
        auto r = conn.exec_params(
            "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "WHERE a.attrelid = $1::regclass AND a.attname = $2 AND a.attnum > 0 "
            "AND NOT a.attisdropped",
            params);
        if (r.rows() == 0) {
            spec_error(spec, fmt::format("table {} has no column '{}' (@backfill.pk)",
                                         spec.table.display(), column));
        }
        keys.push_back(KeyColumn{column, r.get_string(0, 0)});
    }
    return keys;
}

} // namespace

BackfillResult run_backfill(pg::Connection& conn, const BackfillSpec& spec, long long chunk_size,
                            std::ostream& progress) {
    std::string table = plan::ddl::name(spec.table);
    {
        std::vector<pg::Param> params{table};
        auto r = conn.exec_params("SELECT to_regclass($1) IS NOT NULL", params);
        if (!r.get_bool(0, 0)) {
            spec_error(spec, fmt::format("table {} does not exist", spec.table.display()));
        }
    }
    std::vector<KeyColumn> keys = key_columns(conn, spec, table);
    std::vector<std::string> names;
    std::vector<std::string> as_text;
    for (const KeyColumn& k : keys) {
        names.push_back(sql::quote_ident(k.name));
        // named apart from the columns, or ORDER BY would sort the text
        as_text.push_back(fmt::format("{}::text AS qail_key_{}", sql::quote_ident(k.name),
                                      as_text.size()));
    }
    std::string key_tuple = "(" + join(names, ", ") + ")";
    std::string order = join(names, ", ");
    auto bound = [&](int first_param) {
        std::vector<std::string> casts;
        for (size_t i = 0; i < keys.size(); ++i) {
            casts.push_back(fmt::format("${}::{}", first_param + static_cast<int>(i), keys[i].type));
        }
        return "(" + join(casts, ", ") + ")";
    };
    std::string filter = spec.where ? " AND (" + *spec.where + ")" : std::string();
    int n = static_cast<int>(keys.size());

    BackfillResult result;
    std::optional<std::vector<std::string>> cursor; // last key done
    auto started = std::chrono::steady_clock::now();
    auto last_report = started;
    while (true) {
        pg::Transaction tx(conn);
        // the upper end of this chunk: the chunk_size-th key after the cursor
        std::string lower = cursor ? key_tuple + " > " + bound(1) : std::string("true");
        std::vector<pg::Param> params;
        if (cursor) {
            params.assign(cursor->begin(), cursor->end());
        }
        auto upper_row = conn.exec_params(
            fmt::format("SELECT {} FROM {} WHERE {}{} ORDER BY {} LIMIT 1 OFFSET {}",
                        join(as_text, ", "), table, lower, filter, order, chunk_size - 1),
            params);
        std::optional<std::vector<std::string>> upper;
        if (upper_row.rows() > 0) {
            upper.emplace();
            for (int i = 0; i < n; ++i) {
                if (upper_row.is_null(0, i)) {
                    throw RefusedError(fmt::format(
                        "backfill of {}: a key column holds NULL; name a NOT NULL key with "
                        "@backfill.pk",
                        spec.table.display()));
                }
                upper->push_back(upper_row.get_string(0, i));
            }
        }
        std::string range = lower;
        std::vector<pg::Param> update_params = params;
        if (upper) {
            range += " AND " + key_tuple + " <= " + bound(static_cast<int>(params.size()) + 1);
            update_params.insert(update_params.end(), upper->begin(), upper->end());
        }
        auto updated = conn.exec_params(
            fmt::format("UPDATE {} SET {} WHERE {}{}", table, spec.set, range, filter),
            update_params);
        tx.commit();
        result.rows += updated.affected_rows();
        ++result.chunks;
        failpoint("chunk");
        auto now = std::chrono::steady_clock::now();
        if (!upper) {
            break;
        }
        cursor = upper;
        if (now - last_report >= std::chrono::seconds(1)) {
            double seconds = std::chrono::duration<double>(now - started).count();
            progress << fmt::format("    backfill {}: {} rows in {} chunks ({} rows/s)\n",
                                    spec.table.display(), with_thousands(result.rows),
                                    with_thousands(result.chunks),
                                    with_thousands(static_cast<int64_t>(
                                        static_cast<double>(result.rows) / std::max(seconds, 0.001))));
            progress.flush();
            last_report = now;
        }
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress << fmt::format("    backfill {}: {} rows in {} chunk{} ({:.1f} s)\n",
                            spec.table.display(), with_thousands(result.rows),
                            with_thousands(result.chunks), result.chunks == 1 ? "" : "s", seconds);
    return result;
}

} // namespace qail::exec
