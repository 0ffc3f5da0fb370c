#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <ostream>

#include <qail/base/error.hpp>
#include <qail/cli/commands.hpp>
#include <qail/cli/database_url.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/introspect/introspect.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/pg/connection.hpp>

namespace qail::cli {

namespace {

namespace fs = std::filesystem;

struct PullOptions {
    std::optional<std::string> url_positional;
    std::optional<std::string> url;
    std::optional<std::string> output;
    std::optional<std::string> split_dir;
    std::vector<std::string> schemas;
    bool strict = false;
};

// Writes through a temporary file next to the target, so that a failed pull
// never leaves half a schema behind (or destroys the previous one).
void write_file(const fs::path& path, const std::string& text) {
    fs::path temp = path;
    temp += ".qail-pull.tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            std::error_code ignored;
            fs::remove(temp, ignored);
            throw InputError(fmt::format("{}: cannot write the file", path.string()));
        }
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw InputError(fmt::format("{}: cannot write the file", path.string()));
    }
}

void write_split(const fs::path& dir, const model::Schema& schema) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
        throw InputError(fmt::format("{}: exists and is not a directory", dir.string()));
    }
    fs::create_directories(dir, ec);
    if (ec) {
        throw InputError(fmt::format("{}: cannot create the directory ({})", dir.string(),
                                     ec.message()));
    }
    for (const auto& [relative, text] : lang::print_split(schema)) {
        fs::path file = dir / relative;
        fs::create_directories(file.parent_path(), ec);
        write_file(file, text);
    }
}

void run_pull(Runtime& rt, const PullOptions& o) {
    if (o.url_positional && !o.url_positional->empty() && o.url && !o.url->empty()) {
        throw UsageError("give the database either as an argument or with --url, not both");
    }
    DatabaseTarget target = resolve_database(o.url_positional, o.url);
    pg::Connection conn = pg::Connection::open(target.conninfo);
    introspect::Options options;
    options.schemas = o.schemas;
    introspect::Result result = introspect::introspect(conn, options);
    for (const introspect::Unmanaged& u : result.unmanaged) {
        *rt.err << "unmanaged: " << u.kind << " " << u.name
                << (u.reason.empty() ? "" : " (" + u.reason + ")") << "\n";
    }
    if (o.split_dir) {
        write_split(*o.split_dir, result.schema);
    } else {
        std::string text = lang::print_schema(result.schema);
        if (o.output && *o.output != "-") {
            write_file(*o.output, text);
        } else {
            *rt.out << text << std::flush;
        }
    }
    if (o.strict && !result.unmanaged.empty()) {
        throw RefusedError(fmt::format(
            "{} object{} QAIL cannot represent (listed above); --strict refuses a partial schema",
            result.unmanaged.size(), result.unmanaged.size() == 1 ? "" : "s"));
    }
}

} // namespace

void add_pull_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<PullOptions>();
    CLI::App* cmd = app.add_subcommand(
        "pull", "Introspect a live database and print its schema as .qail (stdout by default)");
    cmd->add_option("url", options->url_positional, "Database URL or conninfo");
    cmd->add_option("--url", options->url, "Database URL (else DATABASE_URL, qail.toml, libpq)");
    CLI::Option* output =
        cmd->add_option("-o,--output", options->output, "Write to this file instead of stdout");
    cmd->add_option("--split", options->split_dir,
                    "Write a modular directory (one file per table, _order.qail)")
        ->excludes(output);
    cmd->add_option("--schema", options->schemas,
                    "Only this PostgreSQL schema (repeatable; default: every user schema)");
    cmd->add_flag("--strict", options->strict,
                  "Exit 4 when an object QAIL cannot represent is found");
    cmd->callback([options, &rt] { run_pull(rt, *options); });
}

} // namespace qail::cli
