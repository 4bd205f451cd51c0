#pragma once
// riffle-bench's studio queries (studio-open, studio-pan, studio-responsive): the studio's speed
// targets measured on the real main window. Built when Qt Widgets is there.
#include <string>

namespace riffle {

bool isStudioBench(const std::string& query);
// Creates the QApplication, runs the query and prints its numbers; returns the exit code.
int runStudioBench(const std::string& query, int argc, char** argv, bool json);

}  // namespace riffle
