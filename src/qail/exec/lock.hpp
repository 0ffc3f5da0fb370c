#pragma once
// One migration at a time per database: a session-level advisory lock that
// every writing command takes before it reads the history.

#include <chrono>

#include <qail/pg/connection.hpp>

namespace qail::exec {

/// The advisory lock key (two int4 halves). Advisory locks are per database,
/// so one constant key serialises QAIL runs on each database.
inline constexpr int k_lock_class = 0x5141494C; // "QAIL"
inline constexpr int k_lock_object = 1;

class MigrationLock {
public:
    /// Takes the lock. Without `wait`, another holder makes this a RefusedError
    /// (exit 4) naming the holder's pid; with `wait`, blocks until it is free
    /// (up to `timeout`, zero = forever).
    MigrationLock(pg::Connection& conn, bool wait,
                  std::chrono::seconds timeout = std::chrono::seconds(0));
    MigrationLock(const MigrationLock&) = delete;
    MigrationLock& operator=(const MigrationLock&) = delete;
    ~MigrationLock();

private:
    pg::Connection& m_conn;
};

} // namespace qail::exec
