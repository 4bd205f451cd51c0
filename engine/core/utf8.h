#pragma once
// UTF-8 validation for text read from files and written to them. Pure functions, thread-safe.
#include <cstddef>
#include <string_view>

namespace riffle {

// Offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are ill-formed), or std::string_view::npos.
size_t findInvalidUtf8(std::string_view text);
inline bool isValidUtf8(std::string_view text) {
    return findInvalidUtf8(text) == std::string_view::npos;
}

}  // namespace riffle
