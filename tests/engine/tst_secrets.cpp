// Credentials in projects: references resolve from the environment and the local secret store,
// the store is private to the user, a project never holds a secret, and messages are redacted.
#include <QtTest/QtTest>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "engine/graph/params.h"
#include "engine/graph/project.h"
#include "engine/graph/secrets.h"

using namespace riffle;

class TestSecrets : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string storePath() const {
        return m_dir.filePath("config/Riffle/secrets.json").toStdString();
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        ::setenv("RIFFLE_SECRETS_FILE", storePath().c_str(), 1);
    }

    void referencesAreRecognised() {
        QVERIFY(isSecretReference("${env:KAFKA_PASSWORD}"));
        QVERIFY(isSecretReference("${secret:prod-kafka.pw}"));
        QVERIFY(isSecretReference("user:${secret:pw}@host"));
        QVERIFY(!isSecretReference("hunter2"));
        QVERIFY(!isSecretReference("${env:}"));
        QVERIFY(!isSecretReference("${secret:a} ${oops}"));
    }

    void theStoreIsCreatedPrivate() {
        auto store = SecretStore::load();
        QVERIFY(store);
        QVERIFY(store->names().empty());
        QVERIFY(store->set("prod-kafka", "s3cr3t-value"));
        struct stat st {};
        QCOMPARE(::stat(storePath().c_str(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
        auto again = SecretStore::load();
        QVERIFY(again);
        QCOMPARE(*again->find("prod-kafka"), std::string("s3cr3t-value"));
        QCOMPARE(
            SecretStore::load()->set("bad name", "x").message(),
            std::string("a secret name uses letters, digits, `_`, `.` and `-`, got `bad name`"));
    }

    void aStoreOthersCanReadIsRefused() {
        QVERIFY(SecretStore::load()->set("k", "value1"));
        ::chmod(storePath().c_str(), 0644);
        auto store = SecretStore::load();
        QVERIFY(!store);
        QCOMPARE(store.message(),
                 "the secret store `" + storePath() +
                     "` can be read by other users; make it private with `chmod 600 " +
                     storePath() + "`");
        ::chmod(storePath().c_str(), 0600);
    }

    void resolvingReferences() {
        QVERIFY(SecretStore::load()->set("db-pass", "pa55-word"));
        ::setenv("RIFFLE_TEST_TOKEN", "tok-123456", 1);
        auto r = resolveSecretReferences("user:${secret:db-pass}/${env:RIFFLE_TEST_TOKEN}");
        QVERIFY(r);
        QCOMPARE(r.value(), std::string("user:pa55-word/tok-123456"));
        ::unsetenv("RIFFLE_NOT_SET");
        QCOMPARE(
            resolveSecretReferences("${env:RIFFLE_NOT_SET}").message(),
            std::string(
                "`${env:RIFFLE_NOT_SET}`: the environment variable RIFFLE_NOT_SET is not set"));
        QCOMPARE(resolveSecretReferences("${secret:nope}").message(),
                 "`${secret:nope}`: there is no secret `nope` in `" + storePath() +
                     "`; add it with `riffle-run --set-secret nope`");
        // NodeConfig resolves a parameter the same way, naming it.
        NodeConfig c("mq", "source.mqtt", Json{{"password", "${secret:nope}"}});
        QCOMPARE(c.getSecret("password")
                     .message()
                     .rfind("`password` `${secret:nope}`: there is no secret", 0),
                 size_t(0));
    }

    void resolvedValuesAreRedacted() {
        QVERIFY(SecretStore::load()->set("broker-pw", "very-secret-42"));
        QVERIFY(resolveSecretReferences("${secret:broker-pw}"));
        QCOMPARE(redactSecrets("auth failed for very-secret-42 at very-secret-42@host"),
                 std::string("auth failed for *** at ***@host"));
        QCOMPARE(redactSecrets("nothing to hide"), std::string("nothing to hide"));
    }

    void aProjectNeverHoldsASecret() {
        ParamSpec password;
        password.key = "password";
        password.type = ParamType::Secret;
        password.defaultValue = "";
        QVERIFY(checkParam("source `mq`", password, "${secret:mq-pass}"));
        QVERIFY(checkParam("source `mq`", password, ""));
        QCOMPARE(checkParam("source `mq`", password, "hunter2").message(),
                 std::string(
                     "source `mq`: `password` must be a reference like ${env:NAME} or "
                     "${secret:NAME}, never "
                     "the secret itself: a project file is shared and a secret must not be in it"));
        // Saving a project with a reference writes the reference, never the value.
        QVERIFY(SecretStore::load()->set("mq-pass", "value-in-store"));
        auto project =
            Project::fromJsonText(R"({"format": "riffle-project", "version": 1, "name": "p",
            "nodes": [{"id": "mq", "type": "source.mqtt", "position": [0, 0],
                       "params": {"password": "${secret:mq-pass}"}}], "edges": []})");
        QVERIFY(project);
        const std::string path = m_dir.filePath("p.riffle").toStdString();
        QVERIFY(project->save(path));
        std::ifstream in(path);
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        QVERIFY(text.find("${secret:mq-pass}") != std::string::npos);
        QVERIFY(text.find("value-in-store") == std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestSecrets)
#include "tst_secrets.moc"
