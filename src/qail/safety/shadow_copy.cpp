#include "shadow_copy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include <qail/base/error.hpp>
#include <qail/base/strings.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/sql/quote.hpp>

namespace qail::safety {

namespace {

/// Chunks between the COPY reader (primary) and the COPY writer (shadow).
class ChunkQueue {
public:
    bool push(std::string chunk) {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return m_chunks.size() < 16 || m_failed; });
        if (m_failed) {
            return false;
        }
        m_chunks.push_back(std::move(chunk));
        m_cv.notify_all();
        return true;
    }
    void close() {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_cv.notify_all();
    }
    void fail() {
        std::lock_guard lock(m_mutex);
        m_failed = true;
        m_cv.notify_all();
    }
    /// False at the end; throws when the reader failed.
    bool pop(std::string& out) {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return !m_chunks.empty() || m_closed || m_failed; });
        if (m_failed) {
            throw InternalError("the copy from the primary stopped");
        }
        if (m_chunks.empty()) {
            return false;
        }
        out = std::move(m_chunks.front());
        m_chunks.pop_front();
        m_cv.notify_all();
        return true;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<std::string> m_chunks;
    bool m_closed = false;
    bool m_failed = false;
};

struct StopCopy {};

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

} // namespace

std::vector<SyncTable> tables_to_copy(const model::Schema& schema) {
    std::vector<SyncTable> out;
    for (const model::Table& table : schema.tables) {
        if (table.partition_of) {
            continue;
        }
        SyncTable t;
        t.name = table.name;
        for (const model::Column& c : table.columns) {
            if (!c.generated_expr) {
                t.columns.push_back(c.name);
            }
        }
        if (!t.columns.empty()) {
            out.push_back(std::move(t));
        }
    }
    return out;
}

std::string column_list(const std::vector<std::string>& columns) {
    std::string out;
    for (const std::string& c : columns) {
        out += (out.empty() ? "" : ", ") + sql::quote_ident(c);
    }
    return out;
}

long long stream_rows(pg::Connection& from, const std::string& select_sql, pg::Connection& to,
                      const std::string& copy_in_sql) {
    ChunkQueue queue;
    std::exception_ptr write_error;
    std::thread writer([&] {
        try {
            to.copy_in(copy_in_sql, [&](std::string& buffer) { return queue.pop(buffer); });
        } catch (...) {
            write_error = std::current_exception();
            queue.fail();
        }
    });
    long long rows = 0;
    std::string batch;
    try {
        from.copy_out("COPY (" + select_sql + ") TO STDOUT", [&](std::string_view chunk) {
            // text COPY: one line per row (newlines inside values are escaped)
            rows += std::count(chunk.begin(), chunk.end(), '\n');
            batch.append(chunk);
            if (batch.size() >= (1u << 16)) {
                if (!queue.push(std::move(batch))) {
                    throw StopCopy{};
                }
                batch.clear();
            }
        });
        if (!batch.empty()) {
            queue.push(std::move(batch));
        }
        queue.close();
    } catch (...) {
        queue.fail();
        writer.join();
        if (write_error) {
            std::rethrow_exception(write_error);
        }
        throw;
    }
    writer.join();
    if (write_error) {
        std::rethrow_exception(write_error);
    }
    return rows;
}

void copy_tables(const CopyJob& job, std::vector<SyncTable>& tables) {
    std::atomic<size_t> next{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    int workers = std::max(1, std::min(job.parallel, static_cast<int>(tables.size())));
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&] {
            std::optional<pg::Connection> from;
            std::optional<pg::Connection> to;
            size_t i = 0;
            while ((i = next++) < tables.size()) {
                SyncTable& t = tables[i];
                try {
                    if (!from) {
                        from.emplace(pg::Connection::open(job.primary_conninfo));
                        to.emplace(pg::Connection::open(job.shadow_conninfo));
                        if (job.prepare) {
                            job.prepare(*from);
                            job.prepare(*to);
                        }
                        from->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
                        from->exec("SET TRANSACTION SNAPSHOT " + sql::quote_literal(job.snapshot_id));
                        to->exec("SET session_replication_role = replica");
                    }
                    std::string columns = column_list(t.columns);
                    t.rows = stream_rows(*from,
                                         fmt::format("SELECT {} FROM {}", columns,
                                                     qualified_sql(t.name)),
                                         *to,
                                         fmt::format("COPY {} ({}) FROM STDIN",
                                                     qualified_sql(t.name), columns));
                    long long landed =
                        to->exec("SELECT count(*) FROM " + qualified_sql(t.name)).get_int(0, 0);
                    if (landed != t.rows) {
                        throw RefusedError(fmt::format("{} rows streamed but {} in the shadow",
                                                       t.rows, landed));
                    }
                } catch (const std::exception& e) {
                    std::lock_guard lock(failures_mutex);
                    failures.push_back(
                        fmt::format("{}: {}", table_label(t.name), first_line(e.what())));
                    from.reset();
                    to.reset();
                }
            }
        });
    }
    for (std::thread& t : threads) {
        t.join();
    }
    if (!failures.empty()) {
        std::sort(failures.begin(), failures.end());
        throw RefusedError(fmt::format("the data sync to the shadow failed:\n  {}",
                                       join(failures, "\n  ")));
    }
}

void sync_sequences(pg::Connection& primary, pg::Connection& shadow) {
    pg::Result r = primary.exec("SELECT schemaname, sequencename, last_value FROM pg_sequences "
                                "WHERE last_value IS NOT NULL");
    for (int i = 0; i < r.rows(); ++i) {
        std::string name = sql::quote_qualified(r.get_string(i, 0), r.get_string(i, 1), true);
        std::vector<pg::Param> params{name, r.get_string(i, 2)};
        shadow.exec_params(
            "SELECT setval(s.seq, $2::bigint) FROM (SELECT to_regclass($1) AS seq) s JOIN "
            "pg_sequences q ON format('%I.%I', q.schemaname, q.sequencename)::regclass = s.seq "
            "WHERE q.last_value IS NULL OR q.last_value < $2::bigint",
            params);
    }
}

std::vector<size_t> changed_since(pg::Connection& conn, const std::string& snapshot,
                                  const std::vector<SyncTable>& tables,
                                  const std::vector<std::optional<model::QualifiedName>>& names) {
    std::string current =
        conn.exec("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").get_string(0, 0);
    std::vector<size_t> out;
    for (size_t i = 0; i < tables.size(); ++i) {
        std::optional<model::QualifiedName> name =
            names.empty() ? std::optional(tables[i].name) : names[i];
        if (!name) {
            continue;
        }
        std::vector<pg::Param> params{snapshot, current};
        // xmin is 32 bits: widen it with the epoch of the current transaction id
        pg::Result r = conn.exec_params(
            fmt::format("SELECT count(*), count(*) FILTER (WHERE NOT pg_visible_in_snapshot(((("
                        "($2::bigint >> 32) - CASE WHEN xmin::text::bigint > ($2::bigint & "
                        "4294967295) THEN 1 ELSE 0 END) << 32) | xmin::text::bigint)::text::xid8, "
                        "$1::pg_snapshot)) FROM {}",
                        qualified_sql(*name)),
            params);
        if (r.get_int(0, 0) != tables[i].rows || r.get_int(0, 1) > 0) {
            out.push_back(i);
        }
    }
    return out;
}

std::vector<SyncTable*> written_since(pg::Connection& conn, const std::string& snapshot,
                                      std::vector<SyncTable>& tables) {
    std::vector<SyncTable*> out;
    for (size_t i : changed_since(conn, snapshot, tables)) {
        out.push_back(&tables[i]);
    }
    return out;
}

} // namespace qail::safety
