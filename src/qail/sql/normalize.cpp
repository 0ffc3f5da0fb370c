#include "normalize.hpp"

#include <nlohmann/json.hpp>
#include <pg_query.h>

#include <string>

namespace qail::sql {

namespace {

// Removes "location":<number> members from libpg_query's JSON parse tree.
std::string strip_locations(std::string_view json) {
    static constexpr std::string_view k_key = "\"location\":";
    std::string out;
    out.reserve(json.size());
    size_t i = 0;
    while (i < json.size()) {
        if (json.compare(i, k_key.size(), k_key) == 0) {
            size_t j = i + k_key.size();
            while (j < json.size() && (json[j] == '-' || (json[j] >= '0' && json[j] <= '9'))) {
                ++j;
            }
            // drop a separating comma on one side
            if (j < json.size() && json[j] == ',') {
                ++j;
            } else if (!out.empty() && out.back() == ',') {
                out.pop_back();
            }
            i = j;
            continue;
        }
        out += json[i++];
    }
    return out;
}

std::optional<std::string> parse_key(const std::string& text) {
    PgQueryParseResult result = pg_query_parse(text.c_str());
    std::optional<std::string> key;
    if (result.error == nullptr && result.parse_tree != nullptr) {
        key = strip_locations(result.parse_tree);
    }
    pg_query_free_parse_result(result);
    return key;
}

} // namespace

std::optional<std::string> expression_key(std::string_view expression) {
    return parse_key("SELECT (" + std::string(expression) + ")");
}

std::optional<std::string> statement_key(std::string_view statement) {
    return parse_key(std::string(statement));
}

std::optional<std::vector<SelectColumn>> select_columns(std::string_view query) {
    std::string text(query);
    PgQueryParseResult result = pg_query_parse(text.c_str());
    std::optional<std::vector<SelectColumn>> out;
    if (result.error == nullptr && result.parse_tree != nullptr) {
        try {
            nlohmann::json tree = nlohmann::json::parse(strip_locations(result.parse_tree));
            const auto& stmts = tree.at("stmts");
            if (stmts.size() == 1 && stmts[0].at("stmt").contains("SelectStmt")) {
                const auto& select = stmts[0]["stmt"]["SelectStmt"];
                if (select.contains("targetList") && select.value("op", "SETOP_NONE") == "SETOP_NONE") {
                    std::vector<SelectColumn> columns;
                    for (const auto& item : select["targetList"]) {
                        const auto& target = item.at("ResTarget");
                        SelectColumn c;
                        const auto& val = target.at("val");
                        if (target.contains("name")) {
                            c.name = target["name"].get<std::string>();
                        } else if (val.contains("ColumnRef")) {
                            const auto& fields = val["ColumnRef"].at("fields");
                            const auto& last = fields.back();
                            c.name = last.contains("String") ? last["String"].value("sval", "")
                                                             : "*";
                        } else if (val.contains("FuncCall")) {
                            const auto& names = val["FuncCall"].at("funcname");
                            c.name = names.back().contains("String")
                                         ? names.back()["String"].value("sval", "")
                                         : "?column?";
                        } else {
                            c.name = "?column?";
                        }
                        if (c.name == "*") {
                            columns.clear();
                            break; // a star: the columns are not known from the text
                        }
                        c.expression_key = val.dump();
                        columns.push_back(std::move(c));
                    }
                    if (!columns.empty()) {
                        out = std::move(columns);
                    }
                }
            }
        } catch (const nlohmann::json::exception&) {
            out.reset();
        }
    }
    pg_query_free_parse_result(result);
    return out;
}

std::vector<std::string> split_statements(std::string_view script) {
    std::string text(script);
    PgQuerySplitResult result = pg_query_split_with_scanner(text.c_str());
    std::vector<std::string> out;
    if (result.error == nullptr) {
        for (int i = 0; i < result.n_stmts; ++i) {
            const PgQuerySplitStmt* s = result.stmts[i];
            size_t len = s->stmt_len == 0 ? std::string::npos : static_cast<size_t>(s->stmt_len);
            out.push_back(text.substr(static_cast<size_t>(s->stmt_location), len));
        }
    } else {
        out.push_back(text);
    }
    pg_query_free_split_result(result);
    return out;
}

} // namespace qail::sql
