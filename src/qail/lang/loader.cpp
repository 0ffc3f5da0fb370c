// load_schema: a .qail file, or a modular directory (recursive *.qail in
// lexical order, `_order.qail` listing what loads first, strict manifests).

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include <qail/base/strings.hpp>
#include <qail/lang/config.hpp>
#include <qail/lang/modules.hpp>
#include <qail/lang/schema_io.hpp>
#include <qail/lang/statements.hpp>
#include <qail/lang/validate_impl.hpp>

namespace qail::lang {

namespace fs = std::filesystem;

namespace {

bool truthy(std::string_view value) {
    std::string v = to_lower(trim(value));
    return v == "1" || v == "true" || v == "yes" || v == "on";
}

bool has_qail_extension(const fs::path& p) {
    return to_lower(p.extension().string()) == ".qail";
}

// Is `path` (canonical) inside `root` (canonical)?
bool inside(const fs::path& path, const fs::path& root) {
    auto r = root.begin();
    auto p = path.begin();
    for (; r != root.end(); ++r, ++p) {
        if (p == path.end() || *p != *r) {
            return false;
        }
    }
    return true;
}

struct Walker {
    fs::path root;
    fs::path root_canonical;
    std::set<fs::path> visited;
    std::vector<std::string> modules; // relative, generic

    void walk(const fs::path& dir) {
        std::error_code ec;
        std::vector<fs::directory_entry> entries;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            entries.push_back(*it);
        }
        for (const fs::directory_entry& entry : entries) {
            std::string name = entry.path().filename().string();
            if (name.empty() || name[0] == '.') {
                continue; // hidden
            }
            std::error_code e2;
            fs::path target = fs::weakly_canonical(entry.path(), e2);
            if (e2) {
                continue;
            }
            if (entry.is_symlink(e2) && !inside(target, root_canonical)) {
                continue; // escapes the root
            }
            if (fs::is_directory(entry.path(), e2)) {
                if (!visited.insert(target).second) {
                    continue; // a loop
                }
                walk(entry.path());
            } else if (fs::is_regular_file(entry.path(), e2) && has_qail_extension(entry.path())) {
                std::string rel = entry.path().lexically_relative(root).generic_string();
                if (rel == "_order.qail") {
                    continue;
                }
                modules.push_back(rel);
            }
        }
    }
};

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw InputError(fmt::format("{}: cannot read the file", path.string()));
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

} // namespace

bool strict_manifest_from_environment(const fs::path& root) {
    if (const char* env = std::getenv("QAIL_SCHEMA_STRICT_MANIFEST"); env != nullptr) {
        return truthy(env);
    }
    try {
        std::optional<ProjectConfig> config = find_project_config(root);
        return config && config->schema_strict_manifest.value_or(false);
    } catch (const InputError&) {
        const char* strict = std::getenv("QAIL_SCHEMA_STRICT_MANIFEST_CONFIG_STRICT");
        if (strict != nullptr && truthy(strict)) {
            throw;
        }
        return false;
    }
}

ModuleList resolve_modules(const fs::path& dir) {
    ModuleList result;
    Walker walker;
    walker.root = dir;
    std::error_code ec;
    walker.root_canonical = fs::weakly_canonical(dir, ec);
    walker.visited.insert(walker.root_canonical);
    walker.walk(dir);
    std::sort(walker.modules.begin(), walker.modules.end());
    const std::vector<std::string>& discovered = walker.modules;

    fs::path order_file = dir / "_order.qail";
    std::vector<std::string> listed;
    std::set<std::string> listed_set;
    bool strict = false;
    std::vector<Diagnostic> errors;
    if (fs::is_regular_file(order_file, ec)) {
        std::string text = read_file(order_file);
        SourceText source(text, order_file.string());
        for (int line = 1; line <= source.line_count(); ++line) {
            std::string_view raw = source.line_text(line);
            std::string_view entry = trim(raw);
            size_t column = static_cast<size_t>(entry.data() - raw.data());
            size_t offset = source.line_start(line) + column;
            if (entry.empty() || entry[0] == '#') {
                continue;
            }
            if (entry.substr(0, 2) == "--") {
                std::string_view directive = trim(entry.substr(2));
                if (directive.substr(0, 5) == "qail:" &&
                    trim(directive.substr(5)) == "strict-manifest") {
                    strict = true;
                }
                continue;
            }
            if (entry == "!strict") {
                strict = true;
                continue;
            }
            if (size_t hash = entry.find(" #"); hash != std::string_view::npos) {
                entry = trim(entry.substr(0, hash));
            }
            auto fail = [&](std::string message, std::string help = {}) {
                errors.push_back(source.diagnostic(offset, entry.size(), std::move(message),
                                                   std::move(help)));
            };
            fs::path relative = fs::path(std::string(entry)).lexically_normal();
            if (relative.is_absolute()) {
                fail("_order.qail entries are relative to the schema directory");
                continue;
            }
            fs::path candidate = dir / relative;
            fs::path canonical = fs::weakly_canonical(candidate, ec);
            if (ec || !fs::exists(candidate, ec)) {
                std::vector<std::string_view> names(discovered.begin(), discovered.end());
                fail(fmt::format("'{}' does not exist", entry),
                     did_you_mean(std::string(entry), names));
                continue;
            }
            if (!inside(canonical, walker.root_canonical)) {
                fail(fmt::format("'{}' is outside the schema directory", entry));
                continue;
            }
            std::string rel = canonical.lexically_relative(walker.root_canonical).generic_string();
            if (rel == "_order.qail") {
                fail("_order.qail cannot list itself");
                continue;
            }
            if (fs::is_directory(candidate, ec)) {
                std::string prefix = rel == "." ? std::string() : rel + "/";
                size_t found = 0;
                for (const std::string& module : discovered) {
                    if (module.rfind(prefix, 0) == 0) {
                        ++found;
                        if (listed_set.insert(module).second) {
                            listed.push_back(module);
                        }
                    }
                }
                if (found == 0) {
                    fail(fmt::format("directory '{}' holds no .qail modules", entry));
                }
                continue;
            }
            if (!has_qail_extension(candidate)) {
                fail(fmt::format("'{}' is not a .qail file", entry));
                continue;
            }
            // a file listed through its own path (not a symlinked alias)
            std::string listed_rel = relative.generic_string();
            if (std::find(discovered.begin(), discovered.end(), listed_rel) == discovered.end()) {
                listed_rel = rel;
            }
            if (listed_set.insert(listed_rel).second) {
                listed.push_back(listed_rel);
            }
        }
    }
    if (!errors.empty()) {
        throw InputError(errors);
    }
    if (!strict) {
        strict = strict_manifest_from_environment(dir);
    }
    std::vector<std::string> unlisted;
    for (const std::string& module : discovered) {
        if (listed_set.count(module) == 0) {
            unlisted.push_back(module);
        }
    }
    if (strict && !unlisted.empty()) {
        std::string names;
        size_t shown = std::min<size_t>(unlisted.size(), 10);
        for (size_t i = 0; i < shown; ++i) {
            names += (i > 0 ? ", " : "") + unlisted[i];
        }
        if (unlisted.size() > shown) {
            names += fmt::format(" (+{} more)", unlisted.size() - shown);
        }
        throw InputError(Diagnostic{
            .file = order_file.string(), .line = 0, .column = 0, .length = 1, .line_text = {},
            .message = fmt::format("strict manifest: {} module(s) not listed in _order.qail: {}",
                                   unlisted.size(), names),
            .help = {}});
    }
    result.strict = strict;
    for (const std::string& module : listed) {
        result.modules.push_back(Module{dir / module, module});
    }
    for (const std::string& module : unlisted) {
        result.modules.push_back(Module{dir / module, module});
    }
    return result;
}

model::Schema load_schema(const fs::path& path, const LoadOptions& options) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        throw InputError(fmt::format("{}: schema not found (no such file or directory)",
                                     path.string()));
    }
    std::vector<Module> modules;
    bool single = !fs::is_directory(path, ec);
    if (single) {
        modules.push_back(Module{path, path.filename().string()});
    } else {
        modules = resolve_modules(path).modules;
        if (modules.empty()) {
            throw InputError(fmt::format("{}: the directory holds no .qail files", path.string()));
        }
    }
    std::map<std::string, std::string> texts;
    std::vector<Diagnostic> errors;
    model::Schema schema;
    for (const Module& module : modules) {
        std::string name = module.file.string();
        std::string& text = texts[name];
        text = read_file(module.file);
        SourceText source(text, name);
        if (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos) {
            errors.push_back(source.diagnostic(bad, 1, "the file is not valid UTF-8",
                                               "save it as UTF-8"));
            continue;
        }
        StatementParser parser(source);
        parser.parse([&](Statement&& s) { add_statement(schema, std::move(s)); });
        for (const Diagnostic& d : parser.diagnostics()) {
            errors.push_back(d);
        }
        if (single) {
            schema.origin.file = name;
            schema.origin.comments = parser.header_comments();
            schema.origin.closing_comments = parser.closing_comments();
        }
    }
    if (!errors.empty()) {
        throw InputError(errors);
    }
    finish_schema(schema);
    if (options.validate) {
        std::vector<Diagnostic> problems = validate_raw(schema);
        if (!problems.empty()) {
            attach_source_lines(problems, texts);
            throw InputError(problems);
        }
    }
    return schema;
}

} // namespace qail::lang
