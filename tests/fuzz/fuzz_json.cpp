// The one JSON parser for outside text (engine/core/json_text.h): any bytes give a value or a
// problem, never an exception; a value it accepts dumps and parses back to itself.
#include "engine/core/json_text.h"
#include "tests/fuzz/fuzz_target.h"

using riffle::parseJsonInto;

RIFFLE_FUZZ_TARGET(json) {
    nlohmann::json value;
    if (auto problem = parseJsonInto(input, value)) {
        FUZZ_CHECK(problem->byte <= input.size(), "the problem's byte is inside the text");
        FUZZ_CHECK(!problem->reason.empty(), "a problem has a reason");
        return;
    }
    const std::string text = value.dump();
    nlohmann::json again;
    FUZZ_CHECK(!parseJsonInto(text, again), "a dumped value parses");
    FUZZ_CHECK(again == value, "a dumped value parses to itself");
    nlohmann::ordered_json ordered;
    FUZZ_CHECK(!parseJsonInto(input, ordered), "ordered and sorted parsing agree");
}
