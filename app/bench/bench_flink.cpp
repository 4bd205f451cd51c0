#include "app/bench/bench_flink.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/bench/nexmark_files.h"

namespace riffle {

namespace {

namespace fs = std::filesystem;

struct ChildRun {
    bool ok = false;
    double wallSeconds = 0, cpuSeconds = 0;  // CPU: user + system of the child and its children
    std::string output;                      // stdout and stderr
};

// Runs `argv` with `env` added to the environment, its output into `log`; waits for it.
ChildRun runChild(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const fs::path& log) {
    ChildRun r;
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return r;
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        std::perror(args[0]);
        ::_exit(127);
    }
    ::close(fd);
    if (pid < 0) return r;
    int status = 0;
    rusage ru{};
    // The rusage of a waited child counts its own waited children: the JVM under peers.sh.
    while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    r.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    r.cpuSeconds = seconds(ru.ru_utime) + seconds(ru.ru_stime);
    r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    r.output = text.str();
    return r;
}

// Lines of a file, or of the files in a folder (Flink's part files; hidden in-progress files not).
int64_t countLines(const fs::path& fileOrFolder) {
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(fileOrFolder, ec)) {
        for (const auto& e : fs::recursive_directory_iterator(fileOrFolder, ec))
            if (e.is_regular_file() && e.path().filename().string().rfind('.', 0) != 0)
                files.push_back(e.path());
    } else {
        files.push_back(fileOrFolder);
    }
    int64_t n = 0;
    for (const fs::path& f : files) {
        std::ifstream in(f);
        std::string line;
        while (std::getline(in, line)) n += !line.empty();
    }
    return n;
}

bool writeFile(const fs::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    return static_cast<bool>(out);
}

std::string format(const char* fmt, double a, double b = 0, double c = 0) {
    char buf[256];
    std::snprintf(buf, sizeof buf, fmt, a, b, c);
    return buf;
}

}  // namespace

Result<std::string> runVsFlink(const std::string& q, const BenchOptions& o) {
    using R = Result<std::string>;
    const int64_t events = o.events > 0 ? o.events : 2'000'000;
    std::error_code ec;
    const fs::path bin = fs::read_symlink("/proc/self/exe", ec).parent_path();
    const fs::path riffleRun = bin / "riffle-run";
    const fs::path peers = fs::path(RIFFLE_SOURCE_DIR) / "scripts" / "peers.sh";
    if (!fs::exists(riffleRun))
        return R::error("no riffle-run beside riffle-bench in " + bin.string());
    if (!fs::exists(peers))
        return R::error(
            "--vs-flink runs Flink with the source tree's scripts/peers.sh (Java 17 and "
            "Maven), which is not at " +
            peers.string());
    auto projectPath = findNexmarkProject(q);
    if (!projectPath) return R::error(projectPath.message());
    Json project;
    try {
        std::ifstream in(projectPath.value());
        project = Json::parse(in);
    } catch (const std::exception& e) {
        return R::error(projectPath.value() + ": " + e.what());
    }

    char dirTemplate[] = "/tmp/riffle-bench-flink-XXXXXX";
    if (!::mkdtemp(dirTemplate)) return R::error("cannot make a temporary folder");
    const fs::path dir = dirTemplate;
    struct Cleanup {
        fs::path dir;
        ~Cleanup() {
            std::error_code ignored;
            fs::remove_all(dir, ignored);
        }
    } cleanup{dir};

    // The events, once, for both.
    if (!writeFile(dir / "record.riffle", nexmark_files::recorder(dir.string(), events).dump(2)))
        return R::error("cannot write into " + dir.string());
    std::fprintf(stderr, "recording %lld Nexmark events...\n", static_cast<long long>(events));
    ChildRun rec =
        runChild({riffleRun.string(), (dir / "record.riffle").string()}, {}, dir / "record.log");
    if (!rec.ok) return R::error("recording the events failed:\n" + rec.output);

    // The query reading them; its sinks write JSON Lines into the folder, one name per engine.
    const std::vector<std::string> files = nexmark_files::readRecordedFiles(project, dir.string());
    int64_t read = 0;
    for (const std::string& f : files) read += countLines(f);
    std::vector<std::string> sinks;
    for (Json& n : project["nodes"])
        if (n["type"] == "sink.file") {
            sinks.push_back(n["id"]);
            n["params"]["format"] = "jsonl";
        }
    if (sinks.empty()) return R::error(q + " has no sink.file");
    auto withOutputs = [&](const std::string& engine) {
        Json p = project;
        for (Json& n : p["nodes"])
            if (n["type"] == "sink.file")
                n["params"]["path"] =
                    (dir / (engine + "_" + n["id"].get<std::string>() + ".jsonl")).string();
        return p.dump(2);
    };
    if (!writeFile(dir / "riffle.riffle", withOutputs("riffle")) ||
        !writeFile(dir / "flink.riffle", withOutputs("flink")))
        return R::error("cannot write into " + dir.string());
    // Both run the project with the same --set changes.
    std::vector<std::string> sets;
    for (const std::string& set : o.sets) sets.insert(sets.end(), {"--set", set});
    std::vector<std::string> exportArgs = {riffleRun.string(),
                                           "--export",
                                           "flink-sql",
                                           (dir / "flink.riffle").string(),
                                           "--out",
                                           (dir / "flink.sql").string()};
    exportArgs.insert(exportArgs.end(), sets.begin(), sets.end());
    ChildRun exported = runChild(exportArgs, {}, dir / "export.log");
    if (!exported.ok)
        return R::error(
            "the export failed (--set NODE.PARAM=VALUE changes the project for both "
            "runs):\n" +
            exported.output);

    std::fprintf(stderr, "running %s in Riffle...\n", q.c_str());
    std::vector<std::string> riffleArgs = {riffleRun.string(), (dir / "riffle.riffle").string()};
    riffleArgs.insert(riffleArgs.end(), sets.begin(), sets.end());
    if (o.threads > 0)
        riffleArgs.insert(riffleArgs.end(), {"--threads", std::to_string(o.threads)});
    ChildRun ours = runChild(riffleArgs, {}, dir / "riffle.log");
    if (!ours.ok) return R::error("riffle-run failed:\n" + ours.output);

    // Flink as it would run a job for long: the JVM's default JIT and collector (the test peers
    // start with C1 only), a heap that is not the bottleneck.
    const int parallelism = 1;
    std::fprintf(stderr, "running %s on Flink's MiniCluster...\n", q.c_str());
    ChildRun theirs = runChild({peers.string(), "flink-sql", (dir / "flink.sql").string(),
                                "--parallelism", std::to_string(parallelism)},
                               {"RIFFLE_PEERS_JVM_OPTS=", "RIFFLE_PEERS_FLINK_HEAP=-Xms1g -Xmx2g"},
                               dir / "flink.log");
    if (!theirs.ok) return R::error("Flink failed:\n" + theirs.output);
    // "flink-sql: done in N ms; the jobs used M ms of CPU"
    double jobCpu = 0;
    const size_t used = theirs.output.find("the jobs used ");
    if (used != std::string::npos) jobCpu = std::atof(theirs.output.c_str() + used + 14) / 1000.0;

    int64_t ourRows = 0, theirRows = 0;
    for (const std::string& s : sinks) {
        ourRows += countLines(dir / ("riffle_" + s + ".jsonl"));
        theirRows += countLines(dir / ("flink_" + s + ".jsonl"));
    }
    const double n = static_cast<double>(read);
    const double ourRate = n / ours.cpuSeconds, theirRate = n / theirs.cpuSeconds;
    std::string report = "nexmark-" + q + " side by side: " + std::to_string(read) +
                         " events read from the same files (" + std::to_string(events) +
                         " generated, seed 1)\n";
    report +=
        format("  Riffle (riffle-run):        %.2f s, %.2f CPU-s: %.0f K events per CPU-second\n",
               ours.wallSeconds, ours.cpuSeconds, ourRate / 1e3);
    report += format(
        "  Flink 2.2 MiniCluster (parallelism 1): %.2f s, %.2f CPU-s: %.0f K events per "
        "CPU-second\n",
        theirs.wallSeconds, theirs.cpuSeconds, theirRate / 1e3);
    if (jobCpu > 0)
        report += format(
            "    of which the job (submission to end, no JVM start): %.2f CPU-s: %.0f K "
            "events per CPU-second\n",
            jobCpu, n / jobCpu / 1e3);
    report += format("  ratio Riffle / Flink: %.1f (whole processes)", ourRate / theirRate);
    if (jobCpu > 0) report += format(", %.1f (Flink's job only)", ourRate / (n / jobCpu));
    report += "\n  rows written: " + std::to_string(ourRows) + " by Riffle, " +
              std::to_string(theirRows) + " by Flink\n";
    return report;
}

}  // namespace riffle
