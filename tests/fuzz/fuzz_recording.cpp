// What a recording (`*.riffle-rec`) holds besides SQLite's own pages: the schema in its meta
// table and the batch blobs of its events table. Any bytes decode to a batch or a reason; a blob
// that decodes encodes back to the same bytes.
#include "nodes/connectors/recording_format.h"
#include "tests/fuzz/fuzz_target.h"

RIFFLE_FUZZ_TARGET(recording) {
    using namespace riffle;
    (void)schemaFromJson(input);
    static const SchemaPtr schema = std::make_shared<Schema>(Schema::stream(
        {{"page", Type::String}, {"n", Type::Int}, {"x", Type::Float}, {"ok", Type::Bool}}));
    Batch batch;
    batch.reset(schema);
    const std::string why = decodeBatch(input, batch);
    if (!why.empty()) return;
    std::string again;
    encodeBatch(batch, again);
    Batch twice;
    twice.reset(schema);
    FUZZ_CHECK(decodeBatch(again, twice).empty(), "an encoded batch decodes");
    FUZZ_CHECK(twice.rows() == batch.rows(), "decoding keeps the rows");
}
