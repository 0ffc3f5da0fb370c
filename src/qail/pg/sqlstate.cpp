#include "sqlstate.hpp"

namespace qail::pg {

ErrorClass classify(std::string_view s) {
    if (s.size() != 5) {
        return ErrorClass::other;
    }
    if (s == "55P03") {
        return ErrorClass::lock_not_available;
    }
    if (s == "40001" || s == "40P01") {
        return ErrorClass::serialization;
    }
    if (s == "57014") {
        return ErrorClass::query_canceled;
    }
    if (s == "42P07" || s == "42710" || s == "42701" || s == "42P06" || s == "42723" ||
        s == "42P04") {
        return ErrorClass::duplicate_object;
    }
    if (s == "42P01" || s == "42704" || s == "42703" || s == "42883" || s == "3F000") {
        return ErrorClass::undefined_object;
    }
    if (s == "42501") {
        return ErrorClass::insufficient_privilege;
    }
    if (s == "28P01" || s == "28000") {
        return ErrorClass::invalid_password;
    }
    if (s == "3D000") {
        return ErrorClass::invalid_catalog;
    }
    if (s == "42601") {
        return ErrorClass::syntax;
    }
    if (s == "55006") {
        return ErrorClass::object_in_use;
    }
    if (s == "55000") {
        return ErrorClass::not_in_prerequisite_state;
    }
    if (s.substr(0, 3) == "57P") {
        return ErrorClass::admin_shutdown;
    }
    if (s.substr(0, 2) == "08") {
        return ErrorClass::connection;
    }
    if (s.substr(0, 2) == "23") {
        return ErrorClass::integrity;
    }
    if (s.substr(0, 2) == "22") {
        return ErrorClass::data_exception;
    }
    return ErrorClass::other;
}

bool is_transient(ErrorClass error_class) {
    return error_class == ErrorClass::lock_not_available ||
           error_class == ErrorClass::serialization;
}

} // namespace qail::pg
