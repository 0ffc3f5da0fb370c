// libFuzzer entry point: the delta-file compiler (exec/delta.hpp) must never
// crash, hang or read out of bounds on any input, and every rejection must say
// where (file:line:col). The first byte picks the phase, so backfill directive
// files are fuzzed too.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <qail/exec/delta.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    qail::plan::Phase phase = data[0] % 3 == 0   ? qail::plan::Phase::expand
                              : data[0] % 3 == 1 ? qail::plan::Phase::backfill
                                                 : qail::plan::Phase::contract;
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        qail::exec::CompiledDelta compiled = qail::exec::compile_delta(text, "<fuzz>", phase);
        (void)compiled.checksum();
        (void)compiled.sql();
    } catch (const qail::InputError& e) {
        if (e.diagnostics().empty()) {
            std::abort(); // an error must say where
        }
    }
    return 0;
}
