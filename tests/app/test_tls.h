#pragma once
// A TLS certificate for the integration tests' own servers (wss://, mqtts://).
#include <QProcess>
#include <QTemporaryDir>

// A self-signed certificate for the IP address 127.0.0.1 (not for the name localhost), made by
// the openssl command (Debian package openssl): cert.pem and key.pem in `dir`.
inline bool makeTestCertificate(const QTemporaryDir& dir) {
    QProcess p;
    p.start("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=riffle-test", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                        dir.filePath("key.pem"), "-out", dir.filePath("cert.pem")});
    return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}
