#include "history.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <ctime>

#include <qail/base/error.hpp>

namespace qail::exec {

namespace {

constexpr const char* k_create = R"(CREATE TABLE IF NOT EXISTS public._qail_migrations (
    id bigserial PRIMARY KEY,
    version text NOT NULL UNIQUE,
    name text NOT NULL,
    phase text NOT NULL DEFAULT 'expand',
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms bigint NOT NULL DEFAULT 0,
    actor text,
    qail_version text,
    sql_up text NOT NULL DEFAULT '',
    sql_down text,
    status text NOT NULL DEFAULT 'applied',
    steps_done integer NOT NULL DEFAULT 0
))";

constexpr const char* k_columns =
    "id, version, name, phase, checksum, "
    "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), duration_ms, "
    "coalesce(actor, ''), coalesce(qail_version, ''), sql_up, sql_down, status, steps_done";

HistoryRow read_row(const pg::Result& r, int i) {
    HistoryRow row;
    row.id = r.get_int(i, 0);
    row.version = r.get_string(i, 1);
    row.name = r.get_string(i, 2);
    row.phase = r.get_string(i, 3);
    row.checksum = r.get_string(i, 4);
    row.applied_at = r.get_string(i, 5);
    row.duration_ms = r.get_int(i, 6);
    row.actor = r.get_string(i, 7);
    row.qail_version = r.get_string(i, 8);
    row.sql_up = r.get_string(i, 9);
    row.sql_down = r.get_optional(i, 10);
    row.status = r.get_string(i, 11);
    row.steps_done = static_cast<int>(r.get_int(i, 12));
    return row;
}

std::vector<pg::Param> params_of(const HistoryRow& row) {
    return {row.version,
            row.name,
            row.phase,
            row.checksum,
            std::to_string(row.duration_ms),
            row.actor.empty() ? std::nullopt : std::optional<std::string>(row.actor),
            row.qail_version,
            row.sql_up,
            row.sql_down,
            row.status,
            std::to_string(row.steps_done)};
}

} // namespace

bool History::exists() {
    auto r = m_conn.exec("SELECT to_regclass('public._qail_migrations') IS NOT NULL");
    return r.get_bool(0, 0);
}

void History::ensure() {
    // Callers hold the migration lock, so no other QAIL creates it meanwhile.
    if (!exists()) {
        m_conn.exec(k_create);
        m_conn.exec(fmt::format("COMMENT ON TABLE public._qail_migrations IS "
                                "'QAIL migration history, layout {}'",
                                k_history_layout));
        return;
    }
    auto r = m_conn.exec(
        "SELECT coalesce(obj_description('public._qail_migrations'::regclass, 'pg_class'), '')");
    std::string comment = r.get_string(0, 0);
    size_t pos = comment.rfind("layout ");
    if (pos != std::string::npos) {
        int layout = std::atoi(comment.c_str() + pos + 7);
        if (layout > k_history_layout) {
            throw RefusedError(fmt::format(
                "_qail_migrations was written by a newer QAIL (history layout {}, this QAIL "
                "knows up to {}); upgrade QAIL before migrating this database",
                layout, k_history_layout));
        }
    }
    // Tables made by upstream QAIL lack our columns; add them in place.
    m_conn.exec("ALTER TABLE public._qail_migrations "
                "ADD COLUMN IF NOT EXISTS phase text NOT NULL DEFAULT 'expand', "
                "ADD COLUMN IF NOT EXISTS duration_ms bigint NOT NULL DEFAULT 0, "
                "ADD COLUMN IF NOT EXISTS actor text, "
                "ADD COLUMN IF NOT EXISTS qail_version text, "
                "ADD COLUMN IF NOT EXISTS sql_down text, "
                "ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'applied', "
                "ADD COLUMN IF NOT EXISTS steps_done integer NOT NULL DEFAULT 0");
}

std::vector<HistoryRow> History::rows() {
    if (!exists()) {
        return {};
    }
    auto r = m_conn.exec(fmt::format("SELECT {} FROM public._qail_migrations ORDER BY id", k_columns));
    std::vector<HistoryRow> rows;
    for (int i = 0; i < r.rows(); ++i) {
        rows.push_back(read_row(r, i));
    }
    return rows;
}

std::optional<HistoryRow> History::find(const std::string& version) {
    if (!exists()) {
        return std::nullopt;
    }
    std::vector<pg::Param> params{version};
    auto r = m_conn.exec_params(
        fmt::format("SELECT {} FROM public._qail_migrations WHERE version = $1", k_columns),
        params);
    if (r.rows() == 0) {
        return std::nullopt;
    }
    return read_row(r, 0);
}

void History::record(const HistoryRow& row) {
    auto params = params_of(row);
    m_conn.exec_params(
        "INSERT INTO public._qail_migrations (version, name, phase, checksum, duration_ms, actor, "
        "qail_version, sql_up, sql_down, status, steps_done) "
        "VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8, $9, $10, $11::integer) "
        "ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, phase = EXCLUDED.phase, "
        "checksum = EXCLUDED.checksum, applied_at = now(), duration_ms = EXCLUDED.duration_ms, "
        "actor = EXCLUDED.actor, qail_version = EXCLUDED.qail_version, sql_up = EXCLUDED.sql_up, "
        "sql_down = EXCLUDED.sql_down, status = EXCLUDED.status, steps_done = EXCLUDED.steps_done",
        params);
}

void History::record_progress(const HistoryRow& row) {
    record(row);
}

void History::remove(const std::string& version) {
    std::vector<pg::Param> params{version};
    m_conn.exec_params("DELETE FROM public._qail_migrations WHERE version = $1", params);
}

void History::clear() {
    if (exists()) {
        m_conn.exec("DELETE FROM public._qail_migrations");
    }
}

std::string version_timestamp() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &utc);
    return text;
}

std::string current_actor() {
    for (const char* name : {"QAIL_ACTOR", "GIT_AUTHOR_NAME", "USER", "USERNAME", "SUDO_USER"}) {
        const char* value = std::getenv(name);
        if (value != nullptr && value[0] != '\0') {
            return value;
        }
    }
    return "unknown";
}

} // namespace qail::exec
