#pragma once
// Which database a command talks to, and how to show that without secrets.

#include <optional>
#include <string>

namespace qail::cli {

struct DatabaseTarget {
    /// A libpq conninfo string or URI; empty means "libpq defaults"
    /// (PGHOST, PGUSER, service files, .pgpass).
    std::string conninfo;
    /// Where it came from: "argument", "--url", "DATABASE_URL", "qail.toml", "libpq defaults".
    std::string source;
};

/// Resolution order (SPEC §3): positional URL, --url, DATABASE_URL, [postgres] url
/// of the nearest qail.toml, libpq's own defaults.
DatabaseTarget resolve_database(const std::optional<std::string>& positional,
                                const std::optional<std::string>& url_flag);

/// True when `text` looks like a database (URI or key=value conninfo) rather than a file path.
bool looks_like_database_url(const std::string& text);

/// The conninfo with any password replaced by "****" (URI userinfo, `password=`
/// keywords and `?password=` parameters).
std::string redact(const std::string& conninfo);

} // namespace qail::cli
