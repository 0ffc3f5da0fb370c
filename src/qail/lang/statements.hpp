#pragma once
// The statement layer of the .qail parser: a text becomes the ordered list of
// statements written in it. parse_schema merges them into a model::Schema;
// the delta-file parser reuses the same statement parsers (order matters
// there) and handles its own extra statements through the hook.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <qail/base/error.hpp>
#include <qail/lang/source.hpp>
#include <qail/model/schema.hpp>

namespace qail::lang {

/// One top-level statement, as written (names folded, types canonical, not
/// yet normalised: unnamed constraints have empty names).
using Statement =
    std::variant<model::Extension, model::SchemaDef, model::EnumType, model::Domain,
                 model::CompositeType, model::Sequence, model::Table, model::Index, model::View,
                 model::Function, model::Trigger, model::Policy, std::vector<model::Grant>,
                 std::vector<model::Revoke>, model::Comment, model::Owner, model::Resource,
                 model::RenameHint, model::TransformHint, model::DropHint>;

/// A function reference written without its argument list (`grant execute on
/// function f to r`): parse_schema resolves it when the name is unique.
inline constexpr const char* k_unresolved_args = "*";

class StatementParser;

/// What a hook gets to parse a statement of its own: the text, the position
/// of the statement's first word, and a way to report a located error.
struct HookContext {
    const SourceText& source;
    size_t position;                 ///< in: first word of the line; out: where parsing resumes
    std::vector<std::string> comments; ///< comment lines just before the statement
};

struct ParseHooks {
    /// Called for a top-level line whose first word is not a schema statement
    /// keyword. It returns false when it does not know the word either (the
    /// parser then reports an unknown statement), or true after consuming the
    /// statement, leaving `position` at the end of its last line. It may throw
    /// InputError for a located problem.
    std::function<bool(HookContext&, std::string_view word)> unknown_statement;
};

/// Parses a whole text statement by statement. Problems are collected (the
/// parser recovers at the next line or block and goes on) rather than thrown.
class StatementParser {
public:
    explicit StatementParser(const SourceText& source, ParseHooks hooks = {});
    ~StatementParser();
    StatementParser(const StatementParser&) = delete;
    StatementParser& operator=(const StatementParser&) = delete;

    /// Parses everything, handing each statement to `sink` in written order.
    void parse(const std::function<void(Statement&&)>& sink);

    /// Every problem found, in text order (empty when the text is valid).
    const std::vector<Diagnostic>& diagnostics() const;
    /// Comment lines at the top of the text, followed by a blank line.
    const std::vector<std::string>& header_comments() const;
    /// Comment lines after the last statement.
    const std::vector<std::string>& closing_comments() const;

    /// Parses one column definition as written inside a table block
    /// (`email text not_null unique references users(id)`) starting at
    /// `position`, up to the end of its line. The column is appended to
    /// `table` and the constraints its options declare are added (unnamed
    /// ones keep empty names); a `primary_key` option sets the table's
    /// primary key. Returns the offset just past the line. Throws InputError
    /// with the location of a problem. For delta files' `alter ... add` lines.
    static size_t parse_column_line(const SourceText& source, size_t position,
                                    model::Table& table);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Parses a text into its statements; throws InputError with every problem.
std::vector<Statement> parse_statements(std::string_view text, const std::string& file_name);

/// The words that end a column's `default <expression>` (the column options).
std::span<const std::string_view> column_option_keywords();

/// Adds a parsed statement to a schema under construction.
void add_statement(model::Schema& schema, Statement&& statement);

/// Completes a schema built from statements: resolves untyped references
/// (`grant select on v` where v is a view), merges grants of one object and
/// grantee, and normalises.
void finish_schema(model::Schema& schema);

} // namespace qail::lang
