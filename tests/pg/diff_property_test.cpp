// Property: for random schema pairs (x, y) from a generator, the plan of
// diff(x, y) applied to a database holding x gives a database equal to one
// created from y (pg_dump --schema-only, normalised).

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include <qail/plan/build.hpp>
#include <qail/plan/create_sql.hpp>

#include "support/database.hpp"
#include "support/temp_dir.hpp"

namespace qail::plan {
namespace {

using model::QualifiedName;

class Generator {
public:
    explicit Generator(unsigned seed) : m_rng(seed) {}

    model::Schema schema() {
        model::Schema s;
        if (coin(2)) {
            model::EnumType e;
            e.name = {"public", "mood"};
            e.values = {"sad", "ok", "happy"};
            s.enums.push_back(e);
        }
        int tables = pick(2, 5);
        for (int i = 0; i < tables; ++i) {
            s.tables.push_back(table(s, "t" + std::to_string(i)));
        }
        for (const auto& t : s.tables) {
            if (coin(2) && t.columns.size() > 1) {
                s.indexes.push_back(index(t));
            }
        }
        if (coin(2)) {
            model::View v;
            v.name = {"public", "v_" + s.tables[0].name.name};
            v.definition = "SELECT id FROM " + s.tables[0].name.name;
            s.views.push_back(v);
        }
        model::normalize(s);
        return s;
    }

    model::Schema mutate(model::Schema s) {
        int changes = pick(1, 4);
        for (int k = 0; k < changes; ++k) {
            int what = pick(0, 11);
            model::Table& t = s.tables[static_cast<size_t>(pick(0, static_cast<int>(s.tables.size()) - 1))];
            switch (what) {
            case 0: // new table
                s.tables.push_back(table(s, "n" + std::to_string(m_counter++)));
                break;
            case 1: // drop a table nobody references
                drop_table(s);
                break;
            case 2: // new column
                t.columns.push_back(column("c" + std::to_string(m_counter++), s));
                break;
            case 3: // drop a column that no key uses
                drop_column(s, t);
                break;
            case 4: { // type change
                for (auto& c : t.columns) {
                    if (c.type == "integer" && !is_key_column(s, t, c.name)) {
                        c.type = "bigint";
                        break;
                    }
                    if (c.type == "text" && !is_key_column(s, t, c.name)) {
                        c.type = "character varying(200)";
                        break;
                    }
                }
                break;
            }
            case 5: // nullability
                for (auto& c : t.columns) {
                    if (!is_key_column(s, t, c.name)) {
                        c.not_null = !c.not_null;
                        break;
                    }
                }
                break;
            case 6: // default
                for (auto& c : t.columns) {
                    if (c.type == "integer") {
                        c.default_expr = c.default_expr ? std::nullopt
                                                        : std::optional<std::string>("42");
                        break;
                    }
                }
                break;
            case 7: // index
                if (coin(2) && !s.indexes.empty()) {
                    s.indexes.pop_back();
                } else if (t.columns.size() > 1) {
                    s.indexes.push_back(index(t));
                }
                break;
            case 8: // check
                if (!t.checks.empty()) {
                    t.checks.pop_back();
                } else {
                    t.checks.push_back({"", "id > 0", false, false, {}});
                }
                break;
            case 9: // enum value
                if (!s.enums.empty()) {
                    s.enums[0].values.push_back("v" + std::to_string(m_counter++));
                }
                break;
            case 10: // view
                if (!s.views.empty()) {
                    s.views[0].definition += " WHERE id > " + std::to_string(m_counter++);
                }
                break;
            case 11: // unique
                if (!t.uniques.empty()) {
                    t.uniques.pop_back();
                } else if (t.columns.size() > 1) {
                    // not on the PK's columns: CREATE TABLE would drop it as redundant
                    t.uniques.push_back({"", {t.columns.back().name}, {}, false, {}, {}});
                }
                break;
            }
        }
        // forget generated names so normalize picks PostgreSQL's again
        model::normalize(s);
        return s;
    }

private:
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }
    bool coin(int n) { return pick(1, n) == 1; }

    model::Column column(std::string name, const model::Schema& s) {
        static const std::vector<std::string> k_types = {
            "integer", "bigint", "text", "boolean", "numeric(10,2)", "timestamp with time zone",
            "character varying(50)", "jsonb", "uuid", "date"};
        model::Column c;
        c.name = std::move(name);
        c.type = k_types[static_cast<size_t>(pick(0, static_cast<int>(k_types.size()) - 1))];
        if (!s.enums.empty() && coin(5)) {
            c.type = "mood";
        }
        c.not_null = coin(3);
        if (c.type == "boolean" && coin(2)) {
            c.default_expr = "false";
        }
        return c;
    }

    model::Table table(const model::Schema& s, const std::string& name) {
        model::Table t;
        t.name = {"public", name};
        model::Column id;
        id.name = "id";
        id.type = coin(2) ? "integer" : "bigint";
        id.not_null = true;
        t.columns.push_back(id);
        t.primary_key = model::PrimaryKey{"", {"id"}, {}, {}, {}};
        int cols = pick(1, 4);
        for (int i = 0; i < cols; ++i) {
            t.columns.push_back(column("c" + std::to_string(m_counter++), s));
        }
        if (!s.tables.empty() && coin(2)) {
            const model::Table& parent = s.tables.front();
            if (parent.primary_key) {
                model::Column ref;
                ref.name = parent.name.name + "_id";
                ref.type = parent.find_column("id")->type;
                t.columns.push_back(ref);
                model::ForeignKey fk;
                fk.columns = {ref.name};
                fk.ref_table = parent.name;
                fk.ref_columns = {"id"};
                fk.on_delete = coin(2) ? model::FkAction::cascade : model::FkAction::no_action;
                t.foreign_keys.push_back(fk);
            }
        }
        return t;
    }

    model::Index index(const model::Table& t) {
        model::Index i;
        i.table = t.name;
        model::IndexElement e;
        e.key = t.columns[static_cast<size_t>(pick(1, static_cast<int>(t.columns.size()) - 1))].name;
        i.elements = {e};
        i.name = {"public", t.name.name + "_" + e.key + "_" + std::to_string(m_counter++) + "_idx"};
        return i;
    }

    static bool is_key_column(const model::Schema& s, const model::Table& t,
                              const std::string& c) {
        if (t.primary_key && std::count(t.primary_key->columns.begin(),
                                        t.primary_key->columns.end(), c)) {
            return true;
        }
        for (const auto& fk : t.foreign_keys) {
            if (std::count(fk.columns.begin(), fk.columns.end(), c)) {
                return true;
            }
        }
        for (const auto& u : t.uniques) {
            if (std::count(u.columns.begin(), u.columns.end(), c)) {
                return true;
            }
        }
        for (const auto& other : s.tables) {
            for (const auto& fk : other.foreign_keys) {
                if (fk.ref_table == t.name) {
                    return true;
                }
            }
        }
        return false;
    }

    void drop_column(model::Schema& s, model::Table& t) {
        for (size_t i = 1; i < t.columns.size(); ++i) {
            const std::string name = t.columns[i].name;
            if (is_key_column(s, t, name)) {
                continue;
            }
            t.columns.erase(t.columns.begin() + static_cast<long>(i));
            std::erase_if(s.indexes, [&](const model::Index& x) {
                return x.table == t.name && x.elements[0].key == name;
            });
            return;
        }
    }

    void drop_table(model::Schema& s) {
        for (size_t i = s.tables.size(); i-- > 1;) {
            const QualifiedName name = s.tables[i].name;
            bool referenced = false;
            for (const auto& other : s.tables) {
                for (const auto& fk : other.foreign_keys) {
                    referenced = referenced || (fk.ref_table == name && !(other.name == name));
                }
            }
            bool viewed = std::any_of(s.views.begin(), s.views.end(), [&](const model::View& v) {
                return v.definition.find(" " + name.name) != std::string::npos;
            });
            if (referenced || viewed) {
                continue;
            }
            s.tables.erase(s.tables.begin() + static_cast<long>(i));
            std::erase_if(s.indexes, [&](const model::Index& x) { return x.table == name; });
            return;
        }
    }

    std::mt19937 m_rng;
    int m_counter = 0;
};

void load(const testing::TempDatabase& db, const testing::TempDir& dir, const std::string& name,
          const std::string& sql) {
    auto path = dir.path() / name;
    std::ofstream(path) << sql;
    db.load_file(path);
}

TEST(DiffProperty, PlanAppliedToXGivesY) {
    testing::require_server();
    testing::TempDir dir;
    int failures = 0;
    const int cases = 30;
    for (int seed = 1; seed <= cases; ++seed) {
        Generator gen(static_cast<unsigned>(seed));
        model::Schema x = gen.schema();
        model::Schema y = gen.mutate(x);
        std::string plan_sql = plan_migration(x, y).sql();
        testing::TempDatabase a;
        testing::TempDatabase b;
        try {
            load(a, dir, "x.sql", create_sql(x));
            load(a, dir, "plan.sql", plan_sql);
            load(b, dir, "y.sql", create_sql(y));
        } catch (const std::exception& e) {
            ADD_FAILURE() << "seed " << seed << ": " << e.what() << "\nplan:\n" << plan_sql;
            ++failures;
            continue;
        }
        std::string da = testing::normalized_dump(a.name());
        std::string db = testing::normalized_dump(b.name());
        if (da != db) {
            ++failures;
            ADD_FAILURE() << "seed " << seed << ": databases differ\nplan:\n"
                          << plan_sql << "\nx:\n"
                          << create_sql(x) << "\ny:\n"
                          << create_sql(y) << "\nA:\n"
                          << da << "\nB:\n"
                          << db;
        }
        // and the plan from y to y is empty
        EXPECT_TRUE(plan_migration(y, y).empty()) << "seed " << seed;
    }
    std::cout << "property: " << (cases - failures) << "/" << cases << " schema pairs converge\n";
}

} // namespace
} // namespace qail::plan
