// fuzz_replay TARGET DIR...: runs every file of the folders through the fuzz target TARGET once
// and says how many it ran. The test suite runs it on each target's seed corpus and on the
// regression files of every crash the fuzzer found, under the suite's sanitizers.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_targets.h"

int main(int argc, char** argv) {
    const std::map<std::string, void (*)(std::string_view)> targets = RIFFLE_FUZZ_TARGET_TABLE;
    if (argc < 3 || !targets.count(argv[1])) {
        std::cerr << "usage: fuzz_replay TARGET DIR...\ntargets:";
        for (const auto& [name, fn] : targets) std::cerr << " " << name;
        std::cerr << "\n";
        return 2;
    }
    const auto run = targets.at(argv[1]);
    int ran = 0;
    for (int i = 2; i < argc; ++i) {
        if (!std::filesystem::is_directory(argv[i])) continue;  // no regressions yet
        std::vector<std::filesystem::path> files;
        for (const auto& e : std::filesystem::directory_iterator(argv[i]))
            if (e.is_regular_file()) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::stringstream data;
            data << in.rdbuf();
            std::cerr << "running " << f.string() << "\n";
            run(data.str());
            ++ran;
        }
    }
    std::cout << argv[1] << ": " << ran << " inputs ran without a crash\n";
    return ran > 0 ? 0 : 1;
}
