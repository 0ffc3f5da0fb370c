#pragma once
// The libpq layer. This directory is the only code that includes
// <libpq-fe.h>; everything else talks to PostgreSQL through these types.
//
// Ownership follows libpqxx: a Connection owns its PGconn, a Result owns its
// PGresult, neither is copyable, destructors never throw, and a Transaction
// rolls back unless commit() was called.

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace qail::pg {

/// A query result. Row and column numbers are 0-based.
class Result {
public:
    Result() = default;
    explicit Result(pg_result* result);
    Result(Result&&) noexcept = default;
    Result& operator=(Result&&) noexcept = default;

    int rows() const;
    int columns() const;
    /// Column number by name; throws InternalError when missing (a bug in our query).
    int column(std::string_view name) const;
    bool is_null(int row, int col) const;
    /// The text value ("" for NULL).
    std::string_view get(int row, int col) const;
    std::string get_string(int row, int col) const { return std::string(get(row, col)); }
    std::optional<std::string> get_optional(int row, int col) const;
    long long get_int(int row, int col) const;
    bool get_bool(int row, int col) const;
    /// Rows changed by INSERT/UPDATE/DELETE (PQcmdTuples).
    long long affected_rows() const;

    /// Throws unless the result has exactly `n` rows; names the query in the message.
    void expect_rows(int n, std::string_view what) const;

private:
    struct Deleter {
        void operator()(pg_result* result) const;
    };
    std::unique_ptr<pg_result, Deleter> m_result;
};

/// A parameter for exec_params: nullopt is SQL NULL.
using Param = std::optional<std::string>;

class Connection {
public:
    /// Connects with a libpq conninfo string or URI ("" = libpq defaults).
    /// Failure is a DatabaseError (exit 3) whose one-line message names the
    /// problem and never contains the password. Sets standard_conforming_strings,
    /// client_encoding UTF8 and the application name.
    static Connection open(const std::string& conninfo);

    Connection(Connection&& other) noexcept;
    Connection& operator=(Connection&& other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    /// Runs one or more statements (simple query protocol). Throws DatabaseError
    /// with the SQLSTATE and the statement on failure; returns the last result.
    Result exec(std::string_view sql);
    /// One statement with $1..$n parameters, sent separately from the text.
    Result exec_params(std::string_view sql, std::span<const Param> params);

    /// Sends every query in pipeline mode (one round trip for all) and returns
    /// their results in order. Used by introspection.
    std::vector<Result> exec_pipeline(std::span<const std::string> queries);

    /// COPY ... TO STDOUT: calls `sink` with each chunk of data; returns bytes copied.
    long long copy_out(std::string_view copy_sql, const std::function<void(std::string_view)>& sink);
    /// COPY ... FROM STDIN: `source` fills the buffer and returns false at the end.
    void copy_in(std::string_view copy_sql, const std::function<bool(std::string&)>& source);

    /// Receives NOTICE/WARNING messages instead of libpq printing them to stderr.
    void on_notice(std::function<void(std::string_view)> handler);

    std::string database() const;
    std::string user() const;
    std::string host() const;
    std::string port() const;
    int server_version() const; ///< e.g. 150018
    int backend_pid() const;
    /// The conninfo this connection used, with another database name
    /// (for connecting to a shadow or maintenance database).
    std::string conninfo_for_database(const std::string& dbname) const;

    /// Asks the server to cancel the running query (from another thread).
    void cancel();

private:
    explicit Connection(pg_conn* conn, std::string conninfo);
    pg_conn* m_conn = nullptr;
    std::string m_conninfo;
    std::unique_ptr<std::function<void(std::string_view)>> m_notice;
};

/// The database `conninfo` names once libpq has applied what it applies when
/// connecting (service file, PG* variables, defaults), whether or not the
/// database accepts the connection (one connection attempt).
std::string database_named_by(const std::string& conninfo);

/// `conninfo` resolved the same way, with another database: reaches another
/// database of the same server while the named one refuses connections.
std::string conninfo_with_database(const std::string& conninfo, const std::string& dbname);

/// BEGIN on construction; ROLLBACK in the destructor unless commit() ran.
class Transaction {
public:
    explicit Transaction(Connection& conn, std::string_view begin_sql = "BEGIN");
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    Connection& connection() { return m_conn; }
    void commit();
    void rollback();
    bool active() const { return m_active; }

private:
    Connection& m_conn;
    bool m_active = true;
};

} // namespace qail::pg
