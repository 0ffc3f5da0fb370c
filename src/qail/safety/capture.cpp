#include "capture.hpp"

#include <fmt/format.h>

#include <qail/safety/backup_store.hpp>
#include <qail/safety/catalog.hpp>
#include <qail/sql/quote.hpp>
#include <qail/sql/text.hpp>

namespace qail::safety {

namespace {

std::string function_sql(long long entry_id) {
    return "public." + sql::quote_ident(capture_name(entry_id));
}

// (OLD."a", OLD."b") IS DISTINCT FROM (NEW."a", NEW."b")
std::string key_changed(const std::vector<std::string>& key) {
    std::string old_row;
    std::string new_row;
    for (const std::string& k : key) {
        old_row += (old_row.empty() ? "" : ", ") + std::string("OLD.") + sql::quote_ident(k);
        new_row += (new_row.empty() ? "" : ", ") + std::string("NEW.") + sql::quote_ident(k);
    }
    return fmt::format("ROW({}) IS DISTINCT FROM ROW({})", old_row, new_row);
}

} // namespace

std::string capture_name(long long entry_id) {
    return fmt::format("_qail_capture_{}", entry_id);
}

void install_capture(pg::Connection& conn, long long entry_id, const model::QualifiedName& table,
                     const std::vector<std::string>& key) {
    std::string log = fmt::format("INSERT INTO public.{} (entry_id, row_id) VALUES ({}, ",
                                  k_backup_changes_table, entry_id);
    std::string body = fmt::format(
        "BEGIN\n"
        "  IF TG_OP = 'TRUNCATE' THEN\n"
        "    {}NULL);\n"
        "    RETURN NULL;\n"
        "  END IF;\n"
        "  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND {}) THEN\n"
        "    {}{});\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' THEN\n"
        "    {}{});\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END",
        log, key_changed(key), log, key_json_sql(key, "OLD"), log, key_json_sql(key, "NEW"));
    std::string name = sql::quote_ident(capture_name(entry_id));
    std::string truncate_name = sql::quote_ident(capture_name(entry_id) + "_truncate");
    std::string on = qualified_sql(table);
    pg::Transaction tx(conn);
    conn.exec(fmt::format("CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql "
                          "SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS {}",
                          function_sql(entry_id), sql::dollar_quote(body)));
    conn.exec(fmt::format("REVOKE ALL ON FUNCTION {}() FROM PUBLIC", function_sql(entry_id)));
    conn.exec(fmt::format("CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {} FOR EACH ROW "
                          "EXECUTE FUNCTION {}()",
                          name, on, function_sql(entry_id)));
    conn.exec(fmt::format("CREATE TRIGGER {} AFTER TRUNCATE ON {} FOR EACH STATEMENT EXECUTE "
                          "FUNCTION {}()",
                          truncate_name, on, function_sql(entry_id)));
    conn.exec(fmt::format("ALTER TABLE {} ENABLE ALWAYS TRIGGER {}, ENABLE ALWAYS TRIGGER {}", on,
                          name, truncate_name));
    // row triggers reach a partitioned table's partitions; TRUNCATE of one
    // partition fires only that partition's own statement triggers
    std::vector<pg::Param> params{on};
    pg::Result partitions = conn.exec_params(
        "SELECT relid::regclass::text FROM pg_partition_tree($1::regclass) WHERE level > 0",
        params);
    for (int i = 0; i < partitions.rows(); ++i) {
        std::string partition = partitions.get_string(i, 0);
        conn.exec(fmt::format("CREATE TRIGGER {} AFTER TRUNCATE ON {} FOR EACH STATEMENT EXECUTE "
                              "FUNCTION {}()",
                              truncate_name, partition, function_sql(entry_id)));
        conn.exec(fmt::format("ALTER TABLE {} ENABLE ALWAYS TRIGGER {}", partition, truncate_name));
    }
    tx.commit();
}

void remove_capture(pg::Connection& conn, long long entry_id) {
    std::vector<pg::Param> params{capture_name(entry_id), capture_name(entry_id) + "_truncate"};
    // only the parent's triggers: dropping them drops the partitions' clones
    pg::Result triggers = conn.exec_params(
        "SELECT t.tgname, t.tgrelid::regclass::text FROM pg_trigger t WHERE t.tgname IN ($1, $2) "
        "AND t.tgparentid = 0",
        params);
    for (int i = 0; i < triggers.rows(); ++i) {
        conn.exec(fmt::format("DROP TRIGGER IF EXISTS {} ON {}",
                              sql::quote_ident(triggers.get_string(i, 0)),
                              triggers.get_string(i, 1)));
    }
    conn.exec(fmt::format("DROP FUNCTION IF EXISTS {}()", function_sql(entry_id)));
    std::vector<pg::Param> entry{std::to_string(entry_id)};
    conn.exec_params(fmt::format("DELETE FROM public.{} WHERE entry_id = $1::bigint",
                                 k_backup_changes_table),
                     entry);
}

void remove_stale_captures(pg::Connection& conn) {
    // a function of ours is stale unless its entry is still capturing
    pg::Result r = conn.exec(fmt::format(
        "SELECT substr(p.proname, length('_qail_capture_') + 1)::bigint FROM pg_proc p JOIN "
        "pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proname ~ "
        "'^_qail_capture_[0-9]+$' AND NOT EXISTS (SELECT 1 FROM public.{} e WHERE e.id = "
        "substr(p.proname, length('_qail_capture_') + 1)::bigint AND e.status = 'capturing')",
        k_backup_entries_table));
    for (int i = 0; i < r.rows(); ++i) {
        remove_capture(conn, r.get_int(i, 0));
    }
}

} // namespace qail::safety
