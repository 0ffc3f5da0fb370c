#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include <qail/base/strings.hpp>
#include <qail/cli/commands.hpp>
#include <qail/cli/runtime.hpp>
#include <qail/lang/schema_io.hpp>

namespace qail::cli {

namespace fs = std::filesystem;

namespace {

struct FmtOptions {
    std::vector<std::string> paths;
    bool check = false;
};

bool is_qail_file(const fs::path& p) {
    return to_lower(p.extension().string()) == ".qail" && p.filename() != "_order.qail";
}

// The .qail files of a directory (recursively, hidden entries skipped), sorted.
void collect(const fs::path& dir, std::vector<fs::path>& files) {
    std::vector<fs::path> found;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, ec);
    for (fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
            if (it->is_directory(ec)) {
                it.disable_recursion_pending();
            }
            continue;
        }
        if (it->is_regular_file(ec) && is_qail_file(it->path())) {
            found.push_back(it->path());
        }
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw InputError(fmt::format("{}: cannot read the file", path.string()));
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// Replaces the file's contents through a temporary file in the same directory.
void write_file(const fs::path& path, const std::string& text) {
    fs::path temp = path;
    temp += ".qail-fmt.tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) {
            throw InputError(fmt::format("{}: cannot write the file", path.string()));
        }
    }
    std::error_code ec;
    fs::permissions(temp, fs::status(path).permissions(), ec);
    fs::rename(temp, path, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw InputError(fmt::format("{}: cannot replace the file", path.string()));
    }
}

} // namespace

void add_fmt_command(CLI::App& app, Runtime& rt) {
    auto options = std::make_shared<FmtOptions>();
    CLI::App* cmd = app.add_subcommand("fmt", "Rewrite .qail files in canonical form");
    cmd->add_option("paths", options->paths, ".qail files or directories")->required();
    cmd->add_flag("--check", options->check,
                  "Change nothing; exit 1 and list the files that would change");
    cmd->footer("Each file is formatted on its own (no cross-file validation); comments are "
                "kept.\nExit codes: 0 done (or nothing to change), 1 --check found files to "
                "change, 2 a file does not parse.");
    cmd->callback([options, &rt] {
        std::vector<fs::path> files;
        for (const std::string& p : options->paths) {
            std::error_code ec;
            if (fs::is_directory(p, ec)) {
                collect(p, files);
            } else if (fs::exists(p, ec)) {
                files.emplace_back(p);
            } else {
                throw InputError(fmt::format("{}: no such file or directory", p));
            }
        }
        std::vector<Diagnostic> errors;
        std::vector<std::string> changed;
        size_t unchanged = 0;
        for (const fs::path& file : files) {
            std::string text = read_file(file);
            std::string formatted;
            try {
                model::Schema schema = lang::parse_schema(text, file.string());
                formatted = lang::print_schema(schema);
                // Never write what does not read back as the same schema.
                if (!(lang::parse_schema(formatted, file.string()) == schema)) {
                    throw InternalError(fmt::format(
                        "{}: the formatted text does not read back as the same schema; the file "
                        "was left as it is (please report this)",
                        file.string()));
                }
            } catch (const InputError& e) {
                errors.insert(errors.end(), e.diagnostics().begin(), e.diagnostics().end());
                continue;
            }
            if (formatted == text) {
                ++unchanged;
                continue;
            }
            changed.push_back(file.string());
            if (!options->check) {
                write_file(file, formatted);
            }
        }
        Style style{rt.color_err};
        if (options->check) {
            for (const std::string& f : changed) {
                *rt.out << f << "\n";
            }
            if (!changed.empty()) {
                *rt.err << fmt::format("{} file(s) would be reformatted, {} already formatted\n",
                                       changed.size(), unchanged);
                rt.exit_code = ExitCode::changes;
            } else if (errors.empty()) {
                *rt.err << fmt::format("{}✓{} {} file(s) already formatted\n", style.green(),
                                       style.reset(), unchanged);
            }
        } else if (errors.empty() || !changed.empty()) {
            *rt.err << fmt::format("{}✓{} {} file(s) reformatted, {} already formatted\n",
                                   style.green(), style.reset(), changed.size(), unchanged);
        }
        if (!errors.empty()) {
            throw InputError(errors);
        }
    });
}

} // namespace qail::cli
