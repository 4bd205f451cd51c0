#pragma once
// The project's `settings` object as the runtime reads it (`memory_limit`: docs/runtime.md;
// `history_retention`: docs/dashboard.md; `checkpoint_interval`: docs/checkpoints.md). Unknown keys
// are kept in the file and ignored here; a known key with a bad value is a validation problem that
// names it ("settings: `memory_limit` must be a number of bytes or a size like \"4GiB\", got
// `lots`").
//
// Pure functions, thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/status.h"
#include "engine/graph/params.h"

namespace riffle {

struct ProjectSettings {
    // The state all stateful nodes together may hold, in bytes; the node whose state passes it
    // fails (see Executor). Default: half of the machine's memory.
    int64_t memoryLimitBytes = 0;
    // How often the run takes a checkpoint (docs/checkpoints.md); 0: never.
    int64_t checkpointIntervalUs = 10'000'000;
    bool checkpointIntervalSet = false;  // the project says it
};

Result<ProjectSettings> readProjectSettings(const Json& settings);

// "4GiB", "512 MiB", "2GB", "1048576" (bytes), or nothing when the text is not a size.
std::optional<int64_t> parseByteSize(std::string_view text);
// 1536 -> "1.5 KiB", 3221225472 -> "3 GiB".
std::string formatByteSize(int64_t bytes);
// Half of the physical memory of this machine.
int64_t defaultMemoryLimitBytes();

}  // namespace riffle
