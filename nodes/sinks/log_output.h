#pragma once
// Where `sink.log` prints. By default whole lines go to standard output under a lock; a host
// (riffle-run, the studio) may install its own writer, e.g. to clear a progress line first.
// The writer is called from worker threads, one line at a time.
#include <functional>
#include <string>

namespace riffle {

using LogLineWriter = std::function<void(const std::string& line)>;
void setLogLineWriter(LogLineWriter writer);
void writeLogLine(const std::string& line);

}  // namespace riffle
