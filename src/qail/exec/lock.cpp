#include "lock.hpp"

#include <fmt/format.h>

#include <thread>

#include <qail/base/error.hpp>

namespace qail::exec {

namespace {

std::string holder_description(pg::Connection& conn) {
    auto r = conn.exec(fmt::format(
        "SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
        "coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS'), '') "
        "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {} AND l.objid = {} "
        "AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = "
        "current_database()) LIMIT 1",
        static_cast<unsigned>(k_lock_class), k_lock_object));
    if (r.rows() == 0) {
        return "another session";
    }
    std::string text = fmt::format("pid {}", r.get(0, 0));
    if (!r.get(0, 1).empty() || !r.get(0, 2).empty()) {
        text += fmt::format(" ({}{}{}, since {})", r.get(0, 1), r.get(0, 1).empty() ? "" : " as ",
                            r.get(0, 2), r.get(0, 3));
    }
    return text;
}

bool try_lock(pg::Connection& conn) {
    auto r = conn.exec(fmt::format("SELECT pg_try_advisory_lock({}, {})", k_lock_class,
                                   k_lock_object));
    return r.get_bool(0, 0);
}

} // namespace

MigrationLock::MigrationLock(pg::Connection& conn, bool wait, std::chrono::seconds timeout)
    : m_conn(conn) {
    if (try_lock(conn)) {
        return;
    }
    if (!wait) {
        throw RefusedError(fmt::format(
            "another migration is running on database {} (lock held by {}); "
            "re-run with --wait-for-lock to wait for it",
            conn.database(), holder_description(conn)));
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!try_lock(conn)) {
        if (timeout.count() > 0 && std::chrono::steady_clock::now() >= deadline) {
            throw RefusedError(fmt::format(
                "gave up waiting {}s for the migration lock on database {} (held by {})",
                timeout.count(), conn.database(), holder_description(conn)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

MigrationLock::~MigrationLock() {
    try {
        m_conn.exec(fmt::format("SELECT pg_advisory_unlock({}, {})", k_lock_class, k_lock_object));
    } catch (...) { // NOLINT(bugprone-empty-catch): the session ending frees it anyway
    }
}

} // namespace qail::exec
