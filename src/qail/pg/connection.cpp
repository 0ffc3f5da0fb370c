#include "connection.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include <qail/base/error.hpp>

namespace qail::pg {

// ---- Result ---------------------------------------------------------------

void Result::Deleter::operator()(pg_result* result) const {
    PQclear(result);
}

Result::Result(pg_result* result) : m_result(result) {}

int Result::rows() const {
    return m_result ? PQntuples(m_result.get()) : 0;
}

int Result::columns() const {
    return m_result ? PQnfields(m_result.get()) : 0;
}

int Result::column(std::string_view name) const {
    std::string key(name);
    int index = m_result ? PQfnumber(m_result.get(), key.c_str()) : -1;
    if (index < 0) {
        throw InternalError(fmt::format("result has no column '{}'", name));
    }
    return index;
}

bool Result::is_null(int row, int col) const {
    return PQgetisnull(m_result.get(), row, col) == 1;
}

std::string_view Result::get(int row, int col) const {
    const char* value = PQgetvalue(m_result.get(), row, col);
    int length = PQgetlength(m_result.get(), row, col);
    return std::string_view(value, static_cast<size_t>(length));
}

std::optional<std::string> Result::get_optional(int row, int col) const {
    if (is_null(row, col)) {
        return std::nullopt;
    }
    return std::string(get(row, col));
}

long long Result::get_int(int row, int col) const {
    if (is_null(row, col)) {
        return 0;
    }
    return std::strtoll(PQgetvalue(m_result.get(), row, col), nullptr, 10);
}

bool Result::get_bool(int row, int col) const {
    std::string_view value = get(row, col);
    return value == "t" || value == "true" || value == "1";
}

long long Result::affected_rows() const {
    const char* text = m_result ? PQcmdTuples(m_result.get()) : "";
    return text[0] == '\0' ? 0 : std::strtoll(text, nullptr, 10);
}

void Result::expect_rows(int n, std::string_view what) const {
    if (rows() != n) {
        throw InternalError(fmt::format("{}: expected {} row(s), got {}", what, n, rows()));
    }
}

// ---- errors ---------------------------------------------------------------

namespace {

constexpr size_t k_max_statement_in_error = 2000;

std::string shorten(std::string_view sql) {
    if (sql.size() <= k_max_statement_in_error) {
        return std::string(sql);
    }
    return std::string(sql.substr(0, k_max_statement_in_error)) + " ...";
}

std::string field(const PGresult* result, int code) {
    const char* value = PQresultErrorField(result, code);
    return value ? value : "";
}

[[noreturn]] void throw_result_error(PGconn* conn, const PGresult* result, std::string_view sql) {
    std::string sqlstate = result ? field(result, PG_DIAG_SQLSTATE) : "";
    std::string message = result ? field(result, PG_DIAG_MESSAGE_PRIMARY) : "";
    if (message.empty()) {
        message = PQerrorMessage(conn);
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
            message.pop_back();
        }
    }
    if (result) {
        std::string detail = field(result, PG_DIAG_MESSAGE_DETAIL);
        std::string hint = field(result, PG_DIAG_MESSAGE_HINT);
        if (!detail.empty()) {
            message += "\n  detail: " + detail;
        }
        if (!hint.empty()) {
            message += "\n  hint: " + hint;
        }
    }
    if (sqlstate.empty() && PQstatus(conn) != CONNECTION_OK) {
        sqlstate = "08006";
    }
    throw DatabaseError(message, sqlstate, shorten(sql));
}

void check_result(PGconn* conn, const PGresult* result, std::string_view sql) {
    if (result == nullptr) {
        throw_result_error(conn, nullptr, sql);
    }
    switch (PQresultStatus(result)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_PIPELINE_SYNC:
        return;
    default:
        throw_result_error(conn, result, sql);
    }
}

// libpq's connection errors span several lines ("connection to server at ...
// failed: ...\n\tIs the server running ...?"). Keep the reason, in one line.
std::string connection_reason(std::string message) {
    std::string first;
    size_t start = 0;
    while (start < message.size()) {
        size_t end = message.find('\n', start);
        std::string line = message.substr(start, end == std::string::npos ? std::string::npos
                                                                          : end - start);
        start = end == std::string::npos ? message.size() : end + 1;
        size_t failed = line.find("failed: ");
        if (failed != std::string::npos) {
            line = line.substr(failed + 8);
        }
        while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) {
            line.erase(0, 1);
        }
        if (!line.empty() && first.empty()) {
            first = line;
        }
    }
    return first.empty() ? "connection failed" : first;
}

std::string guess_connection_sqlstate(const std::string& reason) {
    if (reason.find("password authentication failed") != std::string::npos ||
        reason.find("no password supplied") != std::string::npos) {
        return "28P01";
    }
    if (reason.find("does not exist") != std::string::npos &&
        reason.find("database") != std::string::npos) {
        return "3D000";
    }
    if (reason.find("is not currently accepting connections") != std::string::npos) {
        return "55000"; // the server's SQLSTATE for a database with ALLOW_CONNECTIONS false
    }
    if (reason.find("role") != std::string::npos &&
        reason.find("does not exist") != std::string::npos) {
        return "28000";
    }
    return "08001";
}

void drop_notice(void*, const char*) {}

void forward_notice(void* arg, const char* message) {
    auto* handler = static_cast<std::function<void(std::string_view)>*>(arg);
    std::string_view text(message);
    while (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    }
    (*handler)(text);
}

// Every option set in `options` (which it frees) as a conninfo string, with
// `dbname` instead of the original database.
std::string conninfo_replacing_database(PQconninfoOption* options, const std::string& dbname) {
    std::string out;
    auto quote = [](const std::string& value) {
        std::string q = "'";
        for (char c : value) {
            if (c == '\'' || c == '\\') {
                q += '\\';
            }
            q += c;
        }
        return q + "'";
    };
    for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
        if (o->val == nullptr || std::strcmp(o->keyword, "dbname") == 0 ||
            std::strcmp(o->keyword, "replication") == 0) {
            continue;
        }
        out += fmt::format("{}={} ", o->keyword, quote(o->val));
    }
    PQconninfoFree(options);
    out += "dbname=" + quote(dbname);
    return out;
}

// One connection attempt, successful or not: libpq has resolved every option
// (service file, environment, defaults) and they can be read back.
struct AttemptedConnection {
    PGconn* conn;
    explicit AttemptedConnection(const std::string& conninfo) {
        const char* keywords[] = {"dbname", "fallback_application_name", nullptr};
        const char* values[] = {conninfo.c_str(), "qail", nullptr};
        conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
        if (conn == nullptr) {
            throw DatabaseError("out of memory while connecting", "08001");
        }
    }
    AttemptedConnection(const AttemptedConnection&) = delete;
    AttemptedConnection& operator=(const AttemptedConnection&) = delete;
    ~AttemptedConnection() { PQfinish(conn); }
};

} // namespace

// ---- Connection -----------------------------------------------------------

Connection Connection::open(const std::string& conninfo) {
    const char* keywords[] = {"dbname", "fallback_application_name", "client_encoding", nullptr};
    const char* values[] = {conninfo.c_str(), "qail", "UTF8", nullptr};
    PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    if (conn == nullptr) {
        throw DatabaseError("out of memory while connecting", "08001");
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        std::string reason = connection_reason(PQerrorMessage(conn));
        std::string where;
        const char* host = PQhost(conn);
        const char* port = PQport(conn);
        const char* db = PQdb(conn);
        const char* user = PQuser(conn);
        where = fmt::format("{}:{}/{}{}", host && *host ? host : "localhost",
                            port && *port ? port : "5432", db ? db : "",
                            user && *user ? fmt::format(" as {}", user) : "");
        PQfinish(conn);
        throw DatabaseError(fmt::format("cannot connect to {}: {}", where, reason),
                            guess_connection_sqlstate(reason));
    }
    PQsetNoticeProcessor(conn, drop_notice, nullptr);
    Connection connection(conn, conninfo);
    connection.exec("SET standard_conforming_strings = on");
    return connection;
}

Connection::Connection(pg_conn* conn, std::string conninfo)
    : m_conn(conn), m_conninfo(std::move(conninfo)) {}

Connection::Connection(Connection&& other) noexcept
    : m_conn(other.m_conn), m_conninfo(std::move(other.m_conninfo)),
      m_notice(std::move(other.m_notice)) {
    other.m_conn = nullptr;
}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        if (m_conn != nullptr) {
            PQfinish(m_conn);
        }
        m_conn = other.m_conn;
        m_conninfo = std::move(other.m_conninfo);
        m_notice = std::move(other.m_notice);
        other.m_conn = nullptr;
    }
    return *this;
}

Connection::~Connection() {
    if (m_conn != nullptr) {
        PQfinish(m_conn);
    }
}

Result Connection::exec(std::string_view sql) {
    std::string text(sql);
    // PQexec returns the last result; an error in any statement ends the batch
    // and is that last result.
    PGresult* raw = PQexec(m_conn, text.c_str());
    Result result(raw);
    check_result(m_conn, raw, sql);
    return result;
}

Result Connection::exec_params(std::string_view sql, std::span<const Param> params) {
    std::string text(sql);
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const Param& p : params) {
        values.push_back(p ? p->c_str() : nullptr);
    }
    PGresult* raw = PQexecParams(m_conn, text.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    Result result(raw);
    check_result(m_conn, raw, sql);
    return result;
}

std::vector<Result> Connection::exec_pipeline(std::span<const std::string> queries) {
    if (PQenterPipelineMode(m_conn) != 1) {
        throw DatabaseError("cannot enter pipeline mode", "08000");
    }
    struct ExitPipeline {
        PGconn* conn;
        ~ExitPipeline() { PQexitPipelineMode(conn); }
    } guard{m_conn};
    for (const std::string& query : queries) {
        if (PQsendQueryParams(m_conn, query.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) !=
            1) {
            throw_result_error(m_conn, nullptr, query);
        }
    }
    if (PQpipelineSync(m_conn) != 1) {
        throw_result_error(m_conn, nullptr, "pipeline sync");
    }
    std::vector<Result> results;
    results.reserve(queries.size());
    std::optional<DatabaseError> first_error;
    for (size_t i = 0; i < queries.size(); ++i) {
        PGresult* raw = PQgetResult(m_conn);
        Result result(raw);
        if (!first_error) {
            try {
                check_result(m_conn, raw, queries[i]);
            } catch (const DatabaseError& e) {
                first_error = e;
            }
        }
        results.push_back(std::move(result));
        // each query's results end with a NULL
        while (PGresult* extra = PQgetResult(m_conn)) {
            PQclear(extra);
        }
    }
    // the sync result
    while (PGresult* sync = PQgetResult(m_conn)) {
        bool done = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(sync);
        if (done) {
            break;
        }
    }
    if (first_error) {
        throw *first_error;
    }
    return results;
}

long long Connection::copy_out(std::string_view copy_sql,
                               const std::function<void(std::string_view)>& sink) {
    std::string text(copy_sql);
    {
        PGresult* raw = PQexec(m_conn, text.c_str());
        Result start(raw);
        check_result(m_conn, raw, copy_sql);
    }
    long long bytes = 0;
    while (true) {
        char* buffer = nullptr;
        int length = PQgetCopyData(m_conn, &buffer, 0);
        if (length == -1) {
            break;
        }
        if (length == -2) {
            throw_result_error(m_conn, nullptr, copy_sql);
        }
        bytes += length;
        try {
            sink(std::string_view(buffer, static_cast<size_t>(length)));
        } catch (...) {
            PQfreemem(buffer);
            // drain the rest so the connection stays usable
            while (PQgetCopyData(m_conn, &buffer, 0) >= 0) {
                PQfreemem(buffer);
            }
            while (PGresult* r = PQgetResult(m_conn)) {
                PQclear(r);
            }
            throw;
        }
        PQfreemem(buffer);
    }
    PGresult* final_result = PQgetResult(m_conn);
    Result owned(final_result);
    check_result(m_conn, final_result, copy_sql);
    while (PGresult* r = PQgetResult(m_conn)) {
        PQclear(r);
    }
    return bytes;
}

void Connection::copy_in(std::string_view copy_sql,
                         const std::function<bool(std::string&)>& source) {
    std::string text(copy_sql);
    {
        PGresult* raw = PQexec(m_conn, text.c_str());
        Result start(raw);
        check_result(m_conn, raw, copy_sql);
    }
    std::string buffer;
    try {
        while (true) {
            buffer.clear();
            bool more = source(buffer);
            if (!buffer.empty() &&
                PQputCopyData(m_conn, buffer.data(), static_cast<int>(buffer.size())) != 1) {
                throw_result_error(m_conn, nullptr, copy_sql);
            }
            if (!more) {
                break;
            }
        }
    } catch (...) {
        PQputCopyEnd(m_conn, "aborted by qail");
        while (PGresult* r = PQgetResult(m_conn)) {
            PQclear(r);
        }
        throw;
    }
    if (PQputCopyEnd(m_conn, nullptr) != 1) {
        throw_result_error(m_conn, nullptr, copy_sql);
    }
    PGresult* final_result = PQgetResult(m_conn);
    Result owned(final_result);
    check_result(m_conn, final_result, copy_sql);
    while (PGresult* r = PQgetResult(m_conn)) {
        PQclear(r);
    }
}

void Connection::on_notice(std::function<void(std::string_view)> handler) {
    m_notice = std::make_unique<std::function<void(std::string_view)>>(std::move(handler));
    PQsetNoticeProcessor(m_conn, forward_notice, m_notice.get());
}

std::string Connection::database() const {
    return PQdb(m_conn);
}
std::string Connection::user() const {
    return PQuser(m_conn);
}
std::string Connection::host() const {
    const char* host = PQhost(m_conn);
    return host ? host : "";
}
std::string Connection::port() const {
    const char* port = PQport(m_conn);
    return port ? port : "";
}
int Connection::server_version() const {
    return PQserverVersion(m_conn);
}
int Connection::backend_pid() const {
    return PQbackendPID(m_conn);
}

std::string Connection::conninfo_for_database(const std::string& dbname) const {
    return conninfo_replacing_database(PQconninfo(m_conn), dbname);
}

std::string database_named_by(const std::string& conninfo) {
    AttemptedConnection attempt(conninfo);
    const char* db = PQdb(attempt.conn);
    return db != nullptr ? db : "";
}

std::string conninfo_with_database(const std::string& conninfo, const std::string& dbname) {
    AttemptedConnection attempt(conninfo);
    return conninfo_replacing_database(PQconninfo(attempt.conn), dbname);
}

void Connection::cancel() {
    PGcancel* handle = PQgetCancel(m_conn);
    if (handle != nullptr) {
        char error[256];
        PQcancel(handle, error, sizeof error);
        PQfreeCancel(handle);
    }
}

// ---- Transaction ----------------------------------------------------------

Transaction::Transaction(Connection& conn, std::string_view begin_sql) : m_conn(conn) {
    m_conn.exec(begin_sql);
}

Transaction::~Transaction() {
    if (m_active) {
        try {
            m_conn.exec("ROLLBACK");
        } catch (...) { // NOLINT(bugprone-empty-catch): a destructor must not throw
        }
    }
}

void Transaction::commit() {
    if (m_active) {
        m_active = false;
        m_conn.exec("COMMIT");
    }
}

void Transaction::rollback() {
    if (m_active) {
        m_active = false;
        m_conn.exec("ROLLBACK");
    }
}

} // namespace qail::pg
