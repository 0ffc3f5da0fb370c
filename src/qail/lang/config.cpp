#include "config.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include <qail/base/error.hpp>

namespace qail::lang {

namespace fs = std::filesystem;

std::string expand_env(const std::string& text, const fs::path& file) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$' || i + 1 >= text.size()) {
            out += text[i];
            continue;
        }
        if (text[i + 1] == '$') {
            out += '$';
            ++i;
            continue;
        }
        if (text[i + 1] != '{') {
            out += text[i];
            continue;
        }
        size_t close = text.find('}', i + 2);
        if (close == std::string::npos) {
            out += text[i];
            continue;
        }
        std::string inner = text.substr(i + 2, close - i - 2);
        std::string name = inner;
        std::optional<std::string> fallback;
        if (size_t sep = inner.find(":-"); sep != std::string::npos) {
            name = inner.substr(0, sep);
            fallback = inner.substr(sep + 2);
        }
        const char* value = std::getenv(name.c_str());
        if (value != nullptr && value[0] != '\0') {
            out += value;
        } else if (fallback) {
            out += *fallback;
        } else {
            throw InputError(Diagnostic{.file = file.string(), .line = 0, .column = 0, .length = 1,
                                        .line_text = {},
                                        .message = "environment variable " + name +
                                                   " is not set (used as ${" + name + "})",
                                        .help = "set it, or write ${" + name + ":-default}"});
        }
        i = close;
    }
    return out;
}

namespace {

std::string line_of(const std::string& text, int line) {
    std::istringstream in(text);
    std::string current;
    for (int n = 1; std::getline(in, current); ++n) {
        if (n == line) {
            return current;
        }
    }
    return std::string();
}

template <typename T>
std::optional<T> get(const toml::table& table, std::string_view section, std::string_view key) {
    if (auto value = table[section][key].value<T>()) {
        return *value;
    }
    return std::nullopt;
}

} // namespace

ProjectConfig load_project_config(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw InputError(file.string() + ": cannot read qail.toml");
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = expand_env(buffer.str(), file);

    toml::table root;
    try {
        root = toml::parse(text, file.string());
    } catch (const toml::parse_error& e) {
        int line = static_cast<int>(e.source().begin.line);
        int column = static_cast<int>(e.source().begin.column);
        throw InputError(Diagnostic{.file = file.string(), .line = line, .column = column,
                                    .length = 1, .line_text = line_of(text, line),
                                    .message = std::string(e.description()), .help = {}});
    }

    ProjectConfig config;
    config.file = file;
    config.dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    config.name = get<std::string>(root, "project", "name");
    config.mode = get<std::string>(root, "project", "mode");
    if (auto schema = get<std::string>(root, "project", "schema")) {
        config.schema = config.dir / *schema;
    }
    if (auto dir = get<std::string>(root, "project", "migrations_dir")) {
        config.migrations_dir = config.dir / *dir;
    }
    config.schema_strict_manifest = get<bool>(root, "project", "schema_strict_manifest");
    config.postgres_url = get<std::string>(root, "postgres", "url");
    if (const char* env = std::getenv("DATABASE_URL"); env != nullptr && env[0] != '\0') {
        config.postgres_url = env;
    }
    // upstream's placeholder URL means "not configured"
    if (config.postgres_url == "postgres://postgres@localhost:5432/postgres") {
        config.postgres_url.reset();
    }
    if (const toml::array* rules = root["sync"].as_array()) {
        for (const toml::node& node : *rules) {
            const toml::table* rule = node.as_table();
            if (rule == nullptr) {
                continue;
            }
            SyncRule r;
            r.source_table = (*rule)["source_table"].value_or(std::string());
            r.target_collection = (*rule)["target_collection"].value_or(std::string());
            if (auto v = (*rule)["trigger_column"].value<std::string>()) {
                r.trigger_column = *v;
            }
            if (auto v = (*rule)["embedding_model"].value<std::string>()) {
                r.embedding_model = *v;
            }
            r.line = static_cast<int>(rule->source().begin.line);
            config.sync.push_back(std::move(r));
        }
    }
    return config;
}

std::optional<ProjectConfig> find_project_config(const fs::path& start) {
    std::error_code ec;
    fs::path dir = fs::absolute(start, ec);
    if (ec) {
        return std::nullopt;
    }
    while (true) {
        fs::path candidate = dir / "qail.toml";
        if (fs::is_regular_file(candidate, ec)) {
            return load_project_config(candidate);
        }
        if (!dir.has_parent_path() || dir.parent_path() == dir) {
            return std::nullopt;
        }
        dir = dir.parent_path();
    }
}

fs::path migrations_dir(const std::optional<ProjectConfig>& config) {
    if (config) {
        if (config->migrations_dir) {
            return *config->migrations_dir;
        }
        return config->dir / "deltas";
    }
    return fs::path("deltas");
}

} // namespace qail::lang
