#pragma once
// Credentials in projects (docs/connectors.md, "Credentials"): a project never holds a secret
// itself, only a reference that is resolved on the machine that runs it:
//   ${env:KAFKA_PASSWORD}  the environment variable KAFKA_PASSWORD
//   ${secret:prod-kafka}   the entry `prod-kafka` of the local secret store
// A reference may sit inside other text ("user:${secret:pw}@host").
//
// The secret store is one JSON object {"name": "value", ...} in the user's config folder
// ($XDG_CONFIG_HOME or ~/.config, then Riffle/secrets.json; RIFFLE_SECRETS_FILE overrides the
// path for tests). It is created with permissions 0600 and refused when others can read it.
//
// Every value resolved in this process is remembered so that redactSecrets() can blank it out
// of any text that may reach a log, a message or an `errors` row.
//
// Threading: all functions are thread-safe; a SecretStore object belongs to one thread.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"

namespace riffle {

// True when `text` holds at least one ${env:…}/${secret:…} reference and no other "${".
bool isSecretReference(std::string_view text);

class SecretStore {
public:
    static std::string defaultPath();
    // A missing file is an empty store; a file that others may read, or that is not a JSON object
    // of strings, is refused with the path and the fix.
    static Result<SecretStore> load(const std::string& path = defaultPath());

    const std::string& path() const { return m_path; }
    const std::string* find(const std::string& name) const;
    std::vector<std::string> names() const;
    // Writes the whole store (to a temporary file with permissions 0600, then renamed).
    Status set(const std::string& name, const std::string& value);
    Status remove(const std::string& name);

private:
    Status save() const;
    std::string m_path;
    std::map<std::string, std::string> m_values;
};

// Replaces every reference in `text` by its value, or says which one cannot be resolved:
// "`${env:KAFKA_PASSWORD}`: the environment variable KAFKA_PASSWORD is not set". The store is
// loaded from its default path only when the text refers to it.
Result<std::string> resolveSecretReferences(std::string_view text);

// Remembers `value` as a secret, so that redactSecrets() hides it (values under 4 bytes are not
// remembered: they would blank out ordinary text).
void rememberSecretValue(const std::string& value);
// `text` with every remembered secret replaced by "***".
std::string redactSecrets(std::string_view text);

}  // namespace riffle
