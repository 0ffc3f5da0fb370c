#pragma once
// Canonical spelling of PostgreSQL type names, as format_type() prints them.

#include <string>
#include <string_view>

namespace qail::model {

/// Maps any spelling PostgreSQL (or upstream QAIL) accepts to format_type()'s:
///   int, int4, integer, i32        -> integer
///   varchar(20), character varying(20) -> character varying(20)
///   timestamptz                    -> timestamp with time zone
///   float, float8, f64, double     -> double precision
///   decimal(10, 2)                 -> numeric(10,2)
///   json                           -> json (upstream's json->jsonb widening is not applied)
///   int[]  / integer array         -> integer[]
///   serial / serial4               -> serial
/// Unknown names (extension and user types) are kept, lower-cased unless quoted,
/// with "public." removed. Whitespace is normalised.
std::string canonical_type(std::string_view type_text);

/// True for serial, bigserial and smallserial.
bool is_serial_type(std::string_view canonical);

/// The integer type behind a serial pseudo-type ("integer" for "serial").
std::string serial_base_type(std::string_view canonical);

/// Element type of an array type ("integer" for "integer[]"), or the input.
std::string_view array_element_type(std::string_view canonical);

} // namespace qail::model
