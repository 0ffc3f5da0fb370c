#pragma once
// SQLSTATE codes mapped to the kinds of failure QAIL reacts to, in one place.

#include <string_view>

namespace qail::pg {

enum class ErrorClass {
    other,
    connection,           ///< class 08: connection failure
    lock_not_available,   ///< 55P03: lock_timeout expired, NOWAIT failed
    serialization,        ///< 40001 / 40P01: serialization failure, deadlock
    query_canceled,       ///< 57014: statement_timeout or cancel
    duplicate_object,     ///< 42P07, 42710, 42701, 42P06, 42723, 42P04: already exists
    undefined_object,     ///< 42P01, 42704, 42703, 42883, 3F000: does not exist
    insufficient_privilege, ///< 42501
    invalid_password,     ///< 28P01, 28000
    invalid_catalog,      ///< 3D000: database does not exist
    integrity,            ///< class 23: not null, FK, unique, check violations
    data_exception,       ///< class 22: bad cast, out of range
    syntax,               ///< 42601
    object_in_use,        ///< 55006
    not_in_prerequisite_state, ///< 55000 (on connect: the database refuses connections)
    admin_shutdown,       ///< 57P01..57P03
};

ErrorClass classify(std::string_view sqlstate);

/// Worth retrying the same statement after a pause (lock and serialization failures).
bool is_transient(ErrorClass error_class);

} // namespace qail::pg
