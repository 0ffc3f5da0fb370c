// What a shadow's schema must be after the migration: the new file, plus what
// neither file names (carried over from the primary untouched).

#include <gtest/gtest.h>

#include <qail/lang/schema_io.hpp>
#include <qail/safety/shadow.hpp>
#include <qail/safety/shadow_resync.hpp>

namespace qail::safety {
namespace {

model::Schema parse(const char* text) {
    return lang::parse_schema(text, "test.qail");
}

constexpr const char* k_from = R"(table users {
  id serial primary_key
  username text not_null
}
table sessions {
  id serial primary_key
}
)";

constexpr const char* k_to = R"(table people {
  id serial primary_key
  name text not_null
  email text
}
rename table users -> people
rename people.username -> people.name
drop table sessions confirm
)";

TEST(ExpectedShadowSchema, CarriesWhatNeitherFileNames) {
    model::Schema shadow = parse(R"(table people {
  id serial primary_key
  name text not_null
  email text
  nickname text
}
table audit_log {
  id bigserial primary_key
  what text
}
index audit_log_what on audit_log (what)
)");
    model::Schema expected = expected_shadow_schema(parse(k_to), parse(k_from), shadow);
    EXPECT_EQ(lang::print_schema(expected), lang::print_schema(model::without_hints(shadow)));
}

TEST(ExpectedShadowSchema, WhatTheOldFileNamesMustBeGoneOrAsTheNewOneSays) {
    // sessions should have been dropped, people.email added
    model::Schema shadow = parse(R"(table people {
  id serial primary_key
  name text not_null
}
table sessions {
  id serial primary_key
}
)");
    model::Schema expected = expected_shadow_schema(parse(k_to), parse(k_from), shadow);
    EXPECT_EQ(expected.find_table(model::qualified("sessions")), nullptr);
    const model::Table* people = expected.find_table(model::qualified("people"));
    ASSERT_NE(people, nullptr);
    EXPECT_NE(people->find_column("email"), nullptr);
    EXPECT_NE(lang::print_schema(expected), lang::print_schema(shadow));
}

TEST(MigratedName, FollowsTableRenamesAndDrops) {
    model::Schema from = parse(k_from);
    model::Schema to = parse(k_to);
    EXPECT_EQ(migrated_name(from, to, model::qualified("users")), model::qualified("people"));
    EXPECT_EQ(migrated_name(from, to, model::qualified("sessions")), std::nullopt);
    // a table neither file names stays as it is
    EXPECT_EQ(migrated_name(from, to, model::qualified("audit_log")),
              model::qualified("audit_log"));
}

} // namespace
} // namespace qail::safety
