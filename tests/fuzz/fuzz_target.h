#pragma once
// One fuzz target = one function over bytes, declared with RIFFLE_FUZZ_TARGET(name).
//
// Built two ways from the same source (tests/fuzz/CMakeLists.txt):
// - with clang and libFuzzer (the `fuzz` preset): each target is its own fuzzer executable,
//   `fuzz_<name>`, whose LLVMFuzzerTestOneInput calls the function;
// - in the ordinary test build: every target goes into `fuzz_replay`, which runs each file of
//   tests/fuzz/corpus/<name>/ and tests/fuzz/regressions/<name>/ through it once, under the
//   suite's sanitizers. A crash the fuzzer found is kept as a file in regressions/<name>/.
//
// A target returns normally for any input; it aborts (through FUZZ_CHECK) only when a property
// that must hold for every input is broken, so that the fuzzer reports it like a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(condition, what)                                                                \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "fuzz property broken at %s:%d: %s\n", __FILE__, __LINE__, what); \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

#ifdef RIFFLE_LIBFUZZER
#define RIFFLE_FUZZ_ENTRY(name)                                                          \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {            \
        riffle_fuzz_##name(std::string_view(reinterpret_cast<const char*>(data), size)); \
        return 0;                                                                        \
    }
#else
#define RIFFLE_FUZZ_ENTRY(name)
#endif

#define RIFFLE_FUZZ_TARGET(name)                     \
    void riffle_fuzz_##name(std::string_view input); \
    RIFFLE_FUZZ_ENTRY(name)                          \
    void riffle_fuzz_##name(std::string_view input)
