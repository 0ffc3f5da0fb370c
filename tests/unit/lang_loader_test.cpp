// Modular schema directories (reference §1.10): discovery, _order.qail,
// strict manifests from the file, the environment and qail.toml, and errors.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "lang_test_util.hpp"
#include "support/temp_dir.hpp"

#include <qail/lang/modules.hpp>

namespace qail::lang {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Sets (or unsets) an environment variable for one test.
class EnvVar {
public:
    EnvVar(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name)) {
            m_old = old;
        }
        if (value != nullptr) {
            setenv(name, value, 1);
        } else {
            unsetenv(name);
        }
    }
    ~EnvVar() {
        if (m_old) {
            setenv(m_name, m_old->c_str(), 1);
        } else {
            unsetenv(m_name);
        }
    }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

std::vector<std::string> order_of(const fs::path& dir) {
    std::vector<std::string> out;
    for (const Module& m : resolve_modules(dir).modules) {
        out.push_back(m.relative);
    }
    return out;
}

std::string load_error(const fs::path& path) {
    try {
        load_schema(path);
    } catch (const InputError& e) {
        return e.render();
    }
    return {};
}


std::string table(const std::string& name) {
    return "table " + name + " {\n  id integer\n}\n";
}

TEST(LangLoader, UpstreamModularCorpusWithStrictManifest) {
    EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
    fs::path dir = fs::path(QAIL_CORPUS_DIR) / "upstream-qail" / "modular";
    ModuleList list = resolve_modules(dir);
    EXPECT_TRUE(list.strict);
    std::vector<std::string> order;
    for (const Module& m : list.modules) {
        order.push_back(m.relative);
    }
    EXPECT_EQ(order, (std::vector<std::string>{"core.qail", "auth/sessions.qail",
                                                "auth/users.qail", "booking/orders.qail"}));
    model::Schema s = load_schema(dir);
    EXPECT_EQ(s.tables.size(), 4u);
    EXPECT_EQ(s.indexes.size(), 3u);
    EXPECT_EQ(s.extensions.size(), 1u);
    // the same as one file holding every module
    std::string merged;
    for (const Module& m : list.modules) {
        merged += testing::read_file(m.file) + "\n";
    }
    EXPECT_EQ(parse_schema(merged, "merged.qail"), s);
}

TEST(LangLoader, LexicalOrderHiddenAndNonQailSkipped) {
    EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
    TempDir dir;
    dir.write("b.qail", table("b"));
    dir.write("a/z.qail", table("z"));
    dir.write("a/y.QAIL", table("y"));
    dir.write(".hidden.qail", "this is not parsed");
    dir.write(".git/x.qail", "nor this");
    dir.write("notes.txt", "nor this");
    dir.write("c.qail.bak", "nor this");
    EXPECT_EQ(order_of(dir.path()),
              (std::vector<std::string>{"a/y.QAIL", "a/z.qail", "b.qail"}));
    EXPECT_EQ(load_schema(dir.path()).tables.size(), 3u);
}

TEST(LangLoader, OrderFileListsFirstThenTheRest) {
    EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
    TempDir dir;
    dir.write("a.qail", table("a"));
    dir.write("b.qail", table("b"));
    dir.write("late/x.qail", table("x"));
    dir.write("late/w.qail", table("w"));
    dir.write("z.qail", table("z"));
    dir.write("_order.qail", "# comment\n-- a comment too\n\nz.qail\nlate/   # trailing\nz.qail\n");
    EXPECT_EQ(order_of(dir.path()), (std::vector<std::string>{"z.qail", "late/w.qail",
                                                               "late/x.qail", "a.qail", "b.qail"}));
    EXPECT_FALSE(resolve_modules(dir.path()).strict);
}

TEST(LangLoader, StrictManifestNamesUnlistedModules) {
    EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
    TempDir dir;
    dir.write("_order.qail", "-- qail: strict-manifest\nm00.qail\n");
    for (int i = 0; i < 14; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "m%02d.qail", i);
        dir.write(name, table("t" + std::to_string(i)));
    }
    std::string error = load_error(dir.path());
    EXPECT_NE(error.find("strict manifest: 13 module(s) not listed in _order.qail: m01.qail, "
                         "m02.qail, m03.qail, m04.qail, m05.qail, m06.qail, m07.qail, m08.qail, "
                         "m09.qail, m10.qail (+3 more)"),
              std::string::npos)
        << error;
    // the !strict shorthand
    dir.write("_order.qail", "!strict\nm00.qail\nm01.qail\n");
    EXPECT_NE(load_error(dir.path()).find("12 module(s) not listed"), std::string::npos);
    // listing a directory covers its modules
    dir.write("_order.qail", "!strict\n./\n");
    EXPECT_EQ(load_error(dir.path()), "");
}

TEST(LangLoader, StrictFromEnvironmentAndConfig) {
    TempDir root;
    root.write("qail.toml", "[project]\nschema_strict_manifest = true\n");
    root.write("schema/a.qail", table("a"));
    root.write("schema/b.qail", table("b"));
    root.write("schema/_order.qail", "a.qail\n");
    fs::path dir = root.path() / "schema";
    {
        EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
        EXPECT_NE(load_error(dir).find("not listed in _order.qail: b.qail"), std::string::npos);
    }
    {
        EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", "off"); // any other value: off
        EXPECT_EQ(load_error(dir), "");
    }
    root.write("qail.toml", "[project]\nschema_strict_manifest = false\n");
    {
        EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", "yes");
        EXPECT_NE(load_error(dir).find("b.qail"), std::string::npos);
    }
    for (const char* value : {"1", "true", "TRUE", "on"}) {
        EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", value);
        EXPECT_NE(load_error(dir).find("b.qail"), std::string::npos) << value;
    }
    {
        EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
        EXPECT_EQ(load_error(dir), "");
    }
    // a malformed qail.toml is ignored, unless asked to be strict about it
    root.write("qail.toml", "[project\nbroken");
    {
        EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
        EnvVar config("QAIL_SCHEMA_STRICT_MANIFEST_CONFIG_STRICT", nullptr);
        EXPECT_EQ(load_error(dir), "");
    }
    {
        EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
        EnvVar config("QAIL_SCHEMA_STRICT_MANIFEST_CONFIG_STRICT", "1");
        EXPECT_NE(load_error(dir).find("qail.toml"), std::string::npos);
    }
}

TEST(LangLoader, OrderFileErrors) {
    EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
    TempDir outside;
    outside.write("other.qail", table("other"));
    TempDir dir;
    dir.write("a.qail", table("a"));
    dir.write("empty/readme.txt", "no modules here");
    dir.write("notes.txt", "text");
    dir.write("_order.qail", "a.qail\n  missing.qail\n../escape.qail\nnotes.txt\n_order.qail\nempty/\n" +
                                 (outside.path() / "other.qail").string() + "\n");
    std::string error = load_error(dir.path());
    EXPECT_NE(error.find("_order.qail:2:3: error: 'missing.qail' does not exist"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("_order.qail:3:1: error: '../escape.qail'"), std::string::npos) << error;
    EXPECT_NE(error.find("_order.qail:4:1: error: 'notes.txt' is not a .qail file"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("_order.qail:5:1: error: _order.qail cannot list itself"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("_order.qail:6:1: error: directory 'empty/' holds no .qail modules"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("_order.qail:7:1: error: _order.qail entries are relative"),
              std::string::npos)
        << error;
}

TEST(LangLoader, SymlinksLeavingTheRootAreSkipped) {
    EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
    TempDir outside;
    outside.write("x.qail", table("outside"));
    TempDir dir;
    dir.write("a.qail", table("a"));
    dir.write("sub/b.qail", table("b"));
    fs::create_directory_symlink(outside.path(), dir.path() / "linked_out");
    fs::create_symlink(outside.path() / "x.qail", dir.path() / "out.qail");
    fs::create_directory_symlink(dir.path() / "sub", dir.path() / "sub_alias");
    fs::create_directory_symlink(dir.path(), dir.path() / "sub" / "loop");
    std::vector<std::string> order = order_of(dir.path());
    EXPECT_EQ(std::count(order.begin(), order.end(), "a.qail"), 1);
    for (const std::string& m : order) {
        EXPECT_EQ(m.find("linked_out"), std::string::npos) << m;
        EXPECT_NE(m, "out.qail");
    }
    // b.qail is reachable twice (sub/ and sub_alias/) but loaded once
    model::Schema s = load_schema(dir.path());
    EXPECT_EQ(s.tables.size(), 2u);
}

TEST(LangLoader, ErrorsNameTheModuleAndLine) {
    EnvVar env("QAIL_SCHEMA_STRICT_MANIFEST", nullptr);
    TempDir dir;
    dir.write("a.qail", table("a"));
    dir.write("auth/users.qail", "\n\ntable users {\n  id integr primary_kye\n}\n");
    std::string error = load_error(dir.path());
    std::string expected = (dir.path() / "auth/users.qail").string() +
                           ":4:13: error: unknown column option 'primary_kye'";
    EXPECT_NE(error.find(expected), std::string::npos) << error;
    // validation errors too
    dir.write("auth/users.qail", "table users {\n  id integer references missing(id)\n}\n");
    error = load_error(dir.path());
    expected = (dir.path() / "auth/users.qail").string() + ":2:";
    EXPECT_NE(error.find(expected), std::string::npos) << error;
    EXPECT_NE(error.find("foreign key references table 'missing', which is not declared"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("2 |   id integer references missing(id)"), std::string::npos) << error;
}

TEST(LangLoader, MissingAndEmpty) {
    TempDir dir;
    EXPECT_NE(load_error(dir.path() / "nope.qail").find("schema not found"), std::string::npos);
    EXPECT_NE(load_error(dir.path()).find("holds no .qail files"), std::string::npos);
}

} // namespace
} // namespace qail::lang
