// The RFC 4180 reader of file sources and CSV messages: any bytes give records and errors that
// name their line, never a crash or an endless loop, and every field lies inside its record.
#include "nodes/common/csv.h"
#include "tests/fuzz/fuzz_target.h"

RIFFLE_FUZZ_TARGET(csv) {
    const size_t maxLineBytes = 64 + (input.empty() ? 0 : static_cast<unsigned char>(input[0]) * 4);
    riffle::CsvReader reader(std::make_unique<riffle::StringInput>(std::string(input)),
                             maxLineBytes);
    if (!input.empty() && input[0] % 3 == 0) reader.setExpectedFields(3);
    int64_t lastLine = 0;
    for (size_t records = 0;; ++records) {
        FUZZ_CHECK(records <= input.size() + 1, "every record consumes input");
        const auto kind = reader.next();
        if (kind == riffle::CsvReader::Kind::End) break;
        FUZZ_CHECK(reader.line() > lastLine, "records come in line order");
        lastLine = reader.line();
        if (kind == riffle::CsvReader::Kind::Error) {
            FUZZ_CHECK(!reader.error().empty(), "an error has a message");
            continue;
        }
        size_t bytes = 0;
        for (const auto& f : reader.fields()) bytes += f.text.size();
        FUZZ_CHECK(bytes <= maxLineBytes, "a record's fields fit its bound");
    }
}
