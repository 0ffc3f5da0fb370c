#include "backfill.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

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

namespace {

constexpr const char* k_create_checkpoints =
    "CREATE TABLE IF NOT EXISTS _qail_backfill_checkpoints ("
    "migration text NOT NULL, step integer NOT NULL, table_name text NOT NULL, "
    "last_key text[], rows_done bigint NOT NULL DEFAULT 0, "
    "chunks_done bigint NOT NULL DEFAULT 0, finished boolean NOT NULL DEFAULT false, "
    "updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (migration, step))";

struct Checkpoint {
    std::string migration;
    int step = 0;
};

Checkpoint parse_checkpoint(const std::string& key) {
    size_t hash = key.rfind('#');
    Checkpoint c;
    c.migration = key.substr(0, hash);
    c.step = hash == std::string::npos ? 0 : std::stoi(key.substr(hash + 1));
    return c;
}

// {"a","b"} as a text[] literal for a query parameter.
std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (size_t i = 0; i < values.size(); ++i) {
        out += i == 0 ? "\"" : ",\"";
        for (char c : values[i]) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

std::string eta_text(double seconds) {
    if (seconds < 0 || seconds > 1e7) {
        return "?";
    }
    auto s = static_cast<long long>(seconds + 0.5);
    if (s < 60) {
        return fmt::format("{} s", s);
    }
    if (s < 3600) {
        return fmt::format("{} min {} s", s / 60, s % 60);
    }
    return fmt::format("{} h {} min", s / 3600, (s % 3600) / 60);
}

} // namespace

void clear_backfill_checkpoints(pg::Connection& conn, const std::string& version) {
    auto exists = conn.exec("SELECT to_regclass('_qail_backfill_checkpoints') IS NOT NULL");
    if (!exists.get_bool(0, 0)) {
        return;
    }
    std::vector<pg::Param> params{version};
    conn.exec_params("DELETE FROM _qail_backfill_checkpoints WHERE migration = $1", params);
}

BackfillResult run_backfill(pg::Connection& conn, const BackfillSpec& spec,
                            const BackfillOptions& options, std::ostream& progress) {
    long long chunk_size = std::max<long long>(1, options.chunk_size);
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
    std::optional<Checkpoint> checkpoint;
    if (!options.checkpoint.empty()) {
        checkpoint = parse_checkpoint(options.checkpoint);
        conn.exec(k_create_checkpoints);
        std::vector<pg::Param> params{checkpoint->migration, std::to_string(checkpoint->step)};
        auto r = conn.exec_params(
            "SELECT last_key, rows_done, chunks_done, finished, array_length(last_key, 1) "
            "FROM _qail_backfill_checkpoints WHERE migration = $1 AND step = $2::int",
            params);
        if (r.rows() > 0) {
            result.resumed = true;
            result.rows = std::stoll(r.get_string(0, 1));
            result.chunks = std::stoll(r.get_string(0, 2));
            if (r.get_bool(0, 3)) {
                progress << fmt::format("    backfill {}: done by an earlier run ({} rows)\n",
                                        spec.table.display(), with_thousands(result.rows));
                return result;
            }
            if (!r.is_null(0, 0)) {
                // the key of the last chunk committed, one text per key column
                auto parts = conn.exec_params(
                    "SELECT unnest(last_key) FROM _qail_backfill_checkpoints "
                    "WHERE migration = $1 AND step = $2::int",
                    params);
                cursor.emplace();
                for (int i = 0; i < parts.rows(); ++i) {
                    cursor->push_back(parts.get_string(i, 0));
                }
                if (static_cast<int>(cursor->size()) != n) {
                    throw RefusedError(fmt::format(
                        "backfill of {}: the checkpoint holds a key of {} columns, the table's "
                        "key has {}; the table changed since the interrupted run",
                        spec.table.display(), cursor->size(), n));
                }
            }
            progress << fmt::format(
                "    backfill {}: resuming after {} rows in {} chunks (checkpoint)\n",
                spec.table.display(), with_thousands(result.rows), with_thousands(result.chunks));
        } else {
            std::vector<pg::Param> insert{checkpoint->migration, std::to_string(checkpoint->step),
                                          spec.table.display()};
            conn.exec_params("INSERT INTO _qail_backfill_checkpoints (migration, step, table_name) "
                             "VALUES ($1, $2::int, $3)",
                             insert);
        }
    }
    // how many rows, roughly, for the ETA: the planner's estimate on big tables
    long long total = 0;
    {
        std::vector<pg::Param> params{table};
        auto r = conn.exec_params(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass", params);
        total = std::stoll(r.get_string(0, 0));
        if (total < 100'000) {
            auto c = conn.exec(fmt::format("SELECT count(*) FROM {} WHERE true{}", table, filter));
            total = std::stoll(c.get_string(0, 0)) + (spec.where ? result.rows : 0);
        }
    }

    auto started = std::chrono::steady_clock::now();
    auto last_report = started;
    long long rows_at_start = result.rows;
    auto report = [&](bool final) {
        auto now = std::chrono::steady_clock::now();
        double seconds = std::chrono::duration<double>(now - started).count();
        double rate = static_cast<double>(result.rows - rows_at_start) / std::max(seconds, 0.001);
        if (final) {
            if (options.terminal) {
                progress << "\r\x1b[2K";
            }
            progress << fmt::format("    backfill {}: {} rows in {} chunk{} ({:.1f} s, {} rows/s)\n",
                                    spec.table.display(), with_thousands(result.rows),
                                    with_thousands(result.chunks), result.chunks == 1 ? "" : "s",
                                    seconds, with_thousands(static_cast<int64_t>(rate)));
            progress.flush();
            return;
        }
        auto every = options.terminal ? std::chrono::milliseconds(200) : std::chrono::milliseconds(2000);
        if (now - last_report < every) {
            return;
        }
        last_report = now;
        long long left = std::max<long long>(0, total - result.rows);
        std::string of = total > 0 ? fmt::format(" of ~{} ({}%)", with_thousands(total),
                                                 std::min<long long>(100, result.rows * 100 / total))
                                   : std::string();
        std::string line = fmt::format("    backfill {}: {} rows{} · {} rows/s · ETA {}",
                                       spec.table.display(), with_thousands(result.rows), of,
                                       with_thousands(static_cast<int64_t>(rate)),
                                       eta_text(rate > 0 ? static_cast<double>(left) / rate : -1));
        if (options.terminal) {
            progress << "\r\x1b[2K" << line;
        } else {
            progress << line << "\n";
        }
        progress.flush();
    };

    auto run_chunk = [&](const std::function<void()>& chunk) {
        if (options.retry) {
            options.retry(chunk);
        } else {
            chunk();
        }
    };
    while (true) {
        std::optional<std::vector<std::string>> upper;
        long long updated_rows = 0;
        run_chunk([&] {
            upper.reset();
            pg::Transaction tx(conn);
            // the chunk and its checkpoint commit together, so a commit lost in a
            // server crash loses both and the chunk is simply done again
            conn.exec("SET LOCAL synchronous_commit = off");
            // tells the retype sync triggers (exec/phasing.cpp) that this write
            // fills the new column from the old one: leave the old one as it is
            conn.exec("SET LOCAL qail.backfill = 'on'");
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
            updated_rows = updated.affected_rows();
            if (checkpoint) {
                std::vector<pg::Param> cp{checkpoint->migration, std::to_string(checkpoint->step),
                                          upper ? pg::Param(text_array(*upper)) : pg::Param(),
                                          std::to_string(updated_rows), upper ? "f" : "t"};
                conn.exec_params(
                    "UPDATE _qail_backfill_checkpoints SET last_key = coalesce($3::text[], "
                    "last_key), rows_done = rows_done + $4::bigint, chunks_done = chunks_done + 1, "
                    "finished = $5::boolean, updated_at = now() "
                    "WHERE migration = $1 AND step = $2::int",
                    cp);
            }
            tx.commit();
        });
        result.rows += updated_rows;
        ++result.chunks;
        failpoint("chunk");
        if (!upper) {
            break;
        }
        cursor = upper;
        report(false);
        if (options.pause.count() > 0) {
            std::this_thread::sleep_for(options.pause);
        }
    }
    report(true);
    return result;
}

} // namespace qail::exec
