// libFuzzer entry point: the .qail parser must never crash, hang or read out
// of bounds, and whatever it accepts must round-trip through the printer.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <qail/lang/schema_io.hpp>
#include <qail/lang/statements.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    qail::model::Schema schema;
    try {
        schema = qail::lang::parse_schema(text, "<fuzz>");
    } catch (const qail::InputError& e) {
        if (e.diagnostics().empty()) {
            std::abort(); // an error must say where
        }
        return 0;
    }
    std::string printed = qail::lang::print_schema(schema);
    qail::model::Schema again;
    try {
        again = qail::lang::parse_schema(printed, "<printed>");
    } catch (const qail::InputError& e) {
        std::fprintf(stderr, "printed text does not parse:\n%s\n--- printed:\n%s\n",
                     e.render().c_str(), printed.c_str());
        std::abort();
    }
    if (!(again == schema)) {
        std::fprintf(stderr, "parse(print(s)) != s\n--- printed:\n%s\n", printed.c_str());
        std::abort();
    }
    if (qail::lang::print_schema(again) != printed) {
        std::fprintf(stderr, "printing is not idempotent\n--- printed:\n%s\n", printed.c_str());
        std::abort();
    }
    (void)qail::lang::validate(schema);
    (void)qail::lang::print_split(schema);
    return 0;
}
