#include "sources.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <random>

#include <qail/base/error.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/pg/connection.hpp>
#include <qail/pg/sqlstate.hpp>
#include <qail/plan/create_sql.hpp>
#include <qail/sql/quote.hpp>

namespace qail::cli {

introspect::Result introspect_live(pg::Connection& conn) {
    return introspect::introspect(conn, {});
}

bool is_empty_side(const std::string& spec) {
    return spec == "_";
}

Side load_database(const std::string& conninfo, const std::string& label) {
    Side side;
    side.kind = Side::Kind::database;
    side.label = label;
    side.conninfo = conninfo;
    pg::Connection conn = pg::Connection::open(conninfo);
    introspect::Result result = introspect_live(conn);
    side.schema = std::move(result.schema);
    side.unmanaged = std::move(result.unmanaged);
    return side;
}

Side load_side(const std::string& spec) {
    if (is_empty_side(spec)) {
        Side side;
        side.kind = Side::Kind::empty;
        side.label = "_";
        return side;
    }
    if (looks_like_database_url(spec)) {
        return load_database(spec, redact(spec));
    }
    std::filesystem::path path(spec);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        throw InputError(fmt::format("{}: no such file or directory (a side is a .qail file, a "
                                     "schema directory, a database URL, or _ for empty)",
                                     spec));
    }
    Side side;
    side.kind = Side::Kind::file;
    side.label = spec;
    side.schema = lang::load_schema(path, {});
    return side;
}

namespace {

std::string random_suffix() {
    std::random_device rd;
    std::mt19937_64 gen(rd());
    return fmt::format("{:012x}", gen() & 0xffffffffffffULL);
}

// Drops the scratch database however the canonicalisation ends.
class ScratchDatabase {
public:
    ScratchDatabase(pg::Connection& server, std::string name)
        : m_server(server), m_name(std::move(name)) {}
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;
    ~ScratchDatabase() {
        try {
            m_server.exec("DROP DATABASE IF EXISTS " + sql::quote_ident(m_name) +
                          " WITH (FORCE)");
        } catch (...) { // NOLINT(bugprone-empty-catch): best effort; never throw from here
        }
    }

private:
    pg::Connection& m_server;
    std::string m_name;
};

} // namespace

Canonical canonicalize(pg::Connection& server, const model::Schema& schema) {
    Canonical out;
    std::string name = "qail_scratch_" + random_suffix();
    try {
        server.exec("CREATE DATABASE " + sql::quote_ident(name));
    } catch (const DatabaseError& e) {
        out.schema = schema;
        out.exact = false;
        out.note = fmt::format(
            "could not create a scratch database to canonicalise the schema file ({}); "
            "expressions and view definitions are compared approximately",
            e.what());
        return out;
    }
    ScratchDatabase guard(server, name);
    pg::Connection scratch = pg::Connection::open(server.conninfo_for_database(name));
    std::string sql = plan::create_sql(schema);
    try {
        scratch.exec(sql);
    } catch (const DatabaseError& e) {
        throw DatabaseError(
            fmt::format("the schema file does not load into PostgreSQL: {}", e.what()),
            e.sqlstate(), e.statement());
    }
    introspect::Result result = introspect_live(scratch);
    out.schema = std::move(result.schema);
    out.schema.renames = schema.renames;
    out.schema.transforms = schema.transforms;
    out.schema.drops = schema.drops;
    out.exact = true;
    return out;
}

} // namespace qail::cli
