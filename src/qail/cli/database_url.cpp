#include "database_url.hpp"

#include <cstdlib>
#include <regex>

#include <qail/lang/config.hpp>

namespace qail::cli {

bool looks_like_database_url(const std::string& text) {
    if (text.rfind("postgres://", 0) == 0 || text.rfind("postgresql://", 0) == 0) {
        return true;
    }
    // key=value conninfo: "host=... dbname=..."
    static const std::regex k_conninfo(
        R"(^\s*(host|hostaddr|port|dbname|user|password|service|sslmode|application_name|connect_timeout|options)\s*=)");
    return std::regex_search(text, k_conninfo);
}

DatabaseTarget resolve_database(const std::optional<std::string>& positional,
                                const std::optional<std::string>& url_flag) {
    if (positional && !positional->empty()) {
        return {*positional, "argument"};
    }
    if (url_flag && !url_flag->empty()) {
        return {*url_flag, "--url"};
    }
    if (const char* env = std::getenv("DATABASE_URL"); env != nullptr && env[0] != '\0') {
        return {env, "DATABASE_URL"};
    }
    if (auto config = lang::find_project_config()) {
        if (config->postgres_url && !config->postgres_url->empty()) {
            return {*config->postgres_url, "qail.toml"};
        }
    }
    return {std::string(), "libpq defaults"};
}

std::string redact(const std::string& conninfo) {
    std::string out = conninfo;
    // URI userinfo: scheme://user:secret@host
    static const std::regex k_uri_password(R"(((?:postgres|postgresql)://[^:/@?#]*:)[^@/?#]*@)");
    out = std::regex_replace(out, k_uri_password, "$1****@");
    // URI query parameter: ?password=secret or &password=secret
    static const std::regex k_query_password(R"(([?&]password=)[^&#]*)");
    out = std::regex_replace(out, k_query_password, "$1****");
    // key=value form: password=secret or password='se cret'
    static const std::regex k_kv_password(R"((\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+))");
    out = std::regex_replace(out, k_kv_password, "$1****");
    return out;
}

} // namespace qail::cli
