#pragma once
// A fresh database on the throwaway cluster that scripts/test starts
// (pg_virtualenv sets PGHOST, PGPORT, PGUSER, PGPASSWORD). Each test gets its
// own; it is dropped when the object goes out of scope.

#include <filesystem>
#include <string>

#include <qail/pg/connection.hpp>

namespace qail::testing {

class TempDatabase {
public:
    TempDatabase();
    TempDatabase(const TempDatabase&) = delete;
    TempDatabase& operator=(const TempDatabase&) = delete;
    ~TempDatabase();

    const std::string& name() const { return m_name; }
    /// key=value conninfo naming only the database (the rest comes from PG*).
    std::string conninfo() const;
    /// postgres://user:password@host:port/name
    std::string uri() const;
    pg::Connection connect() const;
    /// Runs SQL (several statements allowed) and returns the last result.
    pg::Result exec(const std::string& sql) const;
    /// Single value of a one-row, one-column query.
    std::string scalar(const std::string& sql) const;
    /// Loads a file with psql -X -v ON_ERROR_STOP=1 (as a user would).
    void load_file(const std::filesystem::path& file) const;

private:
    std::string m_name;
};

/// Fails (not skips) the test when no server is configured.
void require_server();

/// pg_dump --schema-only of a database, with the lines that differ from run to
/// run (\restrict keys, SET lines, comments) removed, lines sorted and trailing
/// commas dropped so that column order does not matter.
std::string normalized_dump(const std::string& database);

/// Runs shared/corpus/sqldef/roles.sql once per cluster (idempotent).
void ensure_corpus_roles();

} // namespace qail::testing
