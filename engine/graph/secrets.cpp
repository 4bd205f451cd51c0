#include "engine/graph/secrets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "engine/core/json_text.h"

namespace riffle {

namespace {

using Json = nlohmann::json;

bool isNameChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

struct Reference {
    size_t begin = 0, end = 0;  // [begin, end) of "${kind:name}"
    std::string kind, name;
};

// The next well-formed reference at or after `from`; begin == npos when there is none.
Reference nextReference(std::string_view text, size_t from) {
    Reference r;
    r.begin = std::string_view::npos;
    for (size_t at = text.find("${", from); at != std::string_view::npos;
         at = text.find("${", at + 2)) {
        for (std::string_view kind : {"env:", "secret:"}) {
            if (text.substr(at + 2, kind.size()) != kind) continue;
            const size_t nameStart = at + 2 + kind.size();
            size_t i = nameStart;
            while (i < text.size() && isNameChar(text[i])) ++i;
            if (i == nameStart || i >= text.size() || text[i] != '}') continue;
            r.begin = at;
            r.end = i + 1;
            r.kind = std::string(kind.substr(0, kind.size() - 1));
            r.name = std::string(text.substr(nameStart, i - nameStart));
            return r;
        }
    }
    return r;
}

std::mutex& secretsMutex() {
    static std::mutex m;
    return m;
}
std::vector<std::string>& rememberedSecrets() {
    static std::vector<std::string> values;
    return values;
}

}  // namespace

bool isSecretReference(std::string_view text) {
    std::string rest;
    size_t at = 0;
    bool any = false;
    for (Reference r = nextReference(text, 0); r.begin != std::string_view::npos;
         r = nextReference(text, at)) {
        rest.append(text.substr(at, r.begin - at));
        at = r.end;
        any = true;
    }
    rest.append(text.substr(at));
    return any && rest.find("${") == std::string::npos;
}

std::string SecretStore::defaultPath() {
    if (const char* override = std::getenv("RIFFLE_SECRETS_FILE"); override && *override)
        return override;
    std::string base;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
        base = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home)
        base = std::string(home) + "/.config";
    else
        base = ".";
    return base + "/Riffle/secrets.json";
}

Result<SecretStore> SecretStore::load(const std::string& path) {
    using R = Result<SecretStore>;
    SecretStore store;
    store.m_path = path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return R(std::move(store));
        return R::error("cannot read the secret store `" + path + "`: " + std::strerror(errno));
    }
    if ((st.st_mode & 077) != 0)
        return R::error("the secret store `" + path +
                        "` can be read by other users; make it private with `chmod 600 " + path +
                        "`");
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) return R::error("cannot read the secret store `" + path + "`");
    Json doc;
    if (parseJsonInto(text.str(), doc) || !doc.is_object())
        return R::error("the secret store `" + path + "` is not a JSON object of names and values");
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        if (!it.value().is_string())
            return R::error("the secret store `" + path + "`: the value of `" + it.key() +
                            "` is not a string");
        store.m_values[it.key()] = it.value().get<std::string>();
    }
    return R(std::move(store));
}

const std::string* SecretStore::find(const std::string& name) const {
    auto it = m_values.find(name);
    return it == m_values.end() ? nullptr : &it->second;
}

std::vector<std::string> SecretStore::names() const {
    std::vector<std::string> out;
    for (const auto& [name, value] : m_values) out.push_back(name);
    return out;
}

Status SecretStore::set(const std::string& name, const std::string& value) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), isNameChar))
        return Status::error("a secret name uses letters, digits, `_`, `.` and `-`, got `" + name +
                             "`");
    m_values[name] = value;
    return save();
}

Status SecretStore::remove(const std::string& name) {
    if (m_values.erase(name) == 0)
        return Status::error("there is no secret `" + name + "` in `" + m_path + "`");
    return save();
}

Status SecretStore::save() const {
    std::error_code ec;
    const std::filesystem::path file(m_path);
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    Json doc = Json::object();
    for (const auto& [name, value] : m_values) doc[name] = value;
    const std::string text = doc.dump(2) + "\n";
    const std::string tmp = m_path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return Status::error("cannot write the secret store `" + m_path +
                             "`: " + std::strerror(errno));
    ::fchmod(fd, 0600);  // O_CREAT's mode does not apply to a file that was already there
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n <= 0) {
            ::close(fd);
            return Status::error("cannot write the secret store `" + m_path +
                                 "`: " + std::strerror(errno));
        }
        done += static_cast<size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), m_path.c_str()) != 0)
        return Status::error("cannot write the secret store `" + m_path +
                             "`: " + std::strerror(errno));
    return Status::ok();
}

Result<std::string> resolveSecretReferences(std::string_view text) {
    using R = Result<std::string>;
    std::string out;
    size_t at = 0;
    std::optional<SecretStore> store;
    for (Reference r = nextReference(text, 0); r.begin != std::string_view::npos;
         r = nextReference(text, at)) {
        out.append(text.substr(at, r.begin - at));
        at = r.end;
        const std::string shown = "`${" + r.kind + ":" + r.name + "}`";
        if (r.kind == "env") {
            const char* v = std::getenv(r.name.c_str());
            if (!v) return R::error(shown + ": the environment variable " + r.name + " is not set");
            rememberSecretValue(v);
            out += v;
            continue;
        }
        if (!store) {
            auto loaded = SecretStore::load();
            if (!loaded) return R::error(shown + ": " + loaded.message());
            store = std::move(loaded.value());
        }
        const std::string* v = store->find(r.name);
        if (!v)
            return R::error(shown + ": there is no secret `" + r.name + "` in `" + store->path() +
                            "`; add it with `riffle-run --set-secret " + r.name + "`");
        rememberSecretValue(*v);
        out += *v;
    }
    out.append(text.substr(at));
    return R(std::move(out));
}

void rememberSecretValue(const std::string& value) {
    if (value.size() < 4) return;
    std::lock_guard lock(secretsMutex());
    auto& values = rememberedSecrets();
    if (std::find(values.begin(), values.end(), value) != values.end()) return;
    values.push_back(value);
    // Longest first, so that a secret containing another is blanked whole.
    std::sort(values.begin(), values.end(),
              [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string redactSecrets(std::string_view text) {
    std::string out(text);
    std::lock_guard lock(secretsMutex());
    for (const auto& v : rememberedSecrets()) {
        for (size_t at = out.find(v); at != std::string::npos; at = out.find(v, at + 3))
            out.replace(at, v.size(), "***");
    }
    return out;
}

}  // namespace riffle
