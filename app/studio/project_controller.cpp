#include "app/studio/project_controller.h"

#include "engine/core/json_text.h"
#include "widgets/model/commands.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QUuid>

namespace riffle {

namespace {

constexpr int kMaxRecent = 10;

QString hashOf(const QByteArray& bytes) {
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha1).toHex());
}

QString examplesFolder() {
    return QDir(QStringLiteral(RIFFLE_SOURCE_DIR "/projects")).canonicalPath();
}

}  // namespace

ProjectReach projectReach(const Project& project, const NodeRegistry& registry) {
    ProjectReach r;
    const QString base = QString::fromStdString(project.baseDir());
    for (const NodeDef& n : project.nodes) {
        const NodeSpec* spec = registry.find(n.type);
        if (!spec) continue;
        // Read in a dialog, not in markdown: no backticks, and each path as the run will use it.
        const QString who = QString("%1 (%2)").arg(QString::fromStdString(n.id),
                                                   QString::fromStdString(spec->displayName));
        auto value = [&](const ParamSpec& p) {
            const Json& v = n.params.contains(p.key) ? n.params[p.key] : p.defaultValue;
            return v.is_string() ? QString::fromStdString(v.get<std::string>())
                                 : QString::fromStdString(v.dump());
        };
        QString bind, port;
        for (const ParamSpec& p : spec->params) {
            switch (p.role) {
                case ParamRole::ListenAddress:
                    bind = value(p);
                    break;
                case ParamRole::ListenPort:
                    port = value(p);
                    break;
                case ParamRole::ConnectsTo:
                    r.connectsTo << who + ": " + value(p);
                    break;
                case ParamRole::ReadsFile:
                case ParamRole::WritesFile: {
                    const QString path = value(p);
                    if (path.isEmpty() || path == "null") break;
                    const QString full = QDir::cleanPath(QDir(base).absoluteFilePath(path));
                    (p.role == ParamRole::WritesFile ? r.writes : r.reads)
                        << who + ": " + QDir::toNativeSeparators(full);
                    break;
                }
                default:
                    break;
            }
        }
        if (!port.isEmpty())
            r.listensOn << who + ": " + (bind.isEmpty() ? "127.0.0.1" : bind) + ":" + port;
    }
    return r;
}

ProjectController::ProjectController(const NodeRegistry& registry, QSettings* settings,
                                     QObject* parent)
    : QObject(parent), m_registry(registry), m_settings(settings), m_model(registry) {
    m_autosave.setInterval(kAutosaveIntervalMs);
    connect(&m_autosave, &QTimer::timeout, this, &ProjectController::autosave);
    m_autosave.start();
    connect(&m_undo, &QUndoStack::cleanChanged, this, &ProjectController::documentStateChanged);
    QDir().mkpath(recoveryFolder());
    m_recoveryPath =
        recoveryFolder() + "/" + QUuid::createUuid().toString(QUuid::WithoutBraces) + ".riffle";
}

ProjectController::~ProjectController() = default;

QString ProjectController::displayName() const {
    const QString path = filePath();
    return path.isEmpty() ? tr("Untitled") : QFileInfo(path).fileName();
}

void ProjectController::setProject(Project project, const QString& path) {
    m_undo.clear();
    project.path = path.toStdString();
    m_model.setProject(std::move(project));
    m_open = true;
    m_trustedThisSession = false;
    removeRecoveryFile();
    emit projectChanged();
    emit documentStateChanged();
}

void ProjectController::newProject() {
    Project p;
    p.name = tr("Untitled").toStdString();
    setProject(std::move(p), QString());
    m_trustedThisSession = true;  // made here
}

QString ProjectController::open(const QString& path) {
    auto p = Project::load(path.toStdString());
    if (!p) return QString::fromStdString(p.message());
    const QString abs = QFileInfo(path).absoluteFilePath();
    setProject(std::move(p.value()), abs);
    addRecent(abs);
    return {};
}

QString ProjectController::saveAs(const QString& path) {
    if (path.isEmpty()) return tr("no file name given");
    const QString abs = QFileInfo(path).absoluteFilePath();
    const std::string old = m_model.project().path;
    const QString oldName = m_model.projectName();
    m_model.setFilePath(abs);
    // A new project is named after the file it is first saved as.
    if (oldName.isEmpty() || oldName == tr("Untitled"))
        m_model.setProjectName(QFileInfo(abs).completeBaseName());
    if (Status s = m_model.project().save(abs.toStdString()); !s) {
        m_model.setFilePath(QString::fromStdString(old));
        m_model.setProjectName(oldName);
        return QString::fromStdString(s.message());
    }
    m_undo.setClean();
    addRecent(abs);
    trust();  // what the user saved, the user trusts
    removeRecoveryFile();
    emit documentStateChanged();
    return {};
}

void ProjectController::close() {
    removeRecoveryFile();
    m_undo.clear();
    m_model.setProject(Project{});
    m_open = false;
    emit projectChanged();
    emit documentStateChanged();
}

QString ProjectController::trustKey() const {
    const QByteArray text = QByteArray::fromStdString(m_model.project().toJsonText());
    return "trusted/" + hashOf(filePath().toUtf8()) + "-" + hashOf(text);
}

bool ProjectController::isTrusted() const {
    if (m_trustedThisSession) return true;
    const QString path = filePath();
    if (path.isEmpty()) return true;
    const QString canonical = QFileInfo(path).canonicalFilePath();
    const QString examples = examplesFolder();
    if (!examples.isEmpty() && canonical.startsWith(examples + "/"))
        return true;  // shipped with Riffle
    return m_settings->value(trustKey(), false).toBool();
}

void ProjectController::trust() {
    m_trustedThisSession = true;
    if (!filePath().isEmpty()) m_settings->setValue(trustKey(), true);
}

QStringList ProjectController::recentFiles() const {
    QStringList out;
    for (const QString& p : m_settings->value("recentFiles").toStringList())
        if (QFileInfo::exists(p)) out << p;
    return out;
}

void ProjectController::addRecent(const QString& path) {
    QStringList list = m_settings->value("recentFiles").toStringList();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent) list.removeLast();
    m_settings->setValue("recentFiles", list);
}

QString ProjectController::recoveryFolder() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/recovery";
}

void ProjectController::autosave() {
    if (!m_open || !isModified()) return;
    Json doc = m_model.project().toJson();
    // Where the project came from, so a restore can save back to it; removed again on restore.
    doc["x-riffle-recovery"] = {
        {"original_path", filePath().toStdString()},
        {"saved_at", QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString()}};
    QFile f(m_recoveryPath + ".tmp");
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return;
    f.write(QByteArray::fromStdString(canonicalJsonText(doc)));
    f.close();
    QFile::remove(m_recoveryPath);
    QFile::rename(m_recoveryPath + ".tmp", m_recoveryPath);
}

void ProjectController::removeRecoveryFile() {
    QFile::remove(m_recoveryPath);
}

QList<RecoveryFile> ProjectController::recoveryCandidates() const {
    QList<RecoveryFile> out;
    const QDir dir(recoveryFolder());
    for (const QFileInfo& fi : dir.entryInfoList({"*.riffle"}, QDir::Files, QDir::Time)) {
        if (fi.absoluteFilePath() == m_recoveryPath) continue;
        QFile f(fi.absoluteFilePath());
        if (!f.open(QIODevice::ReadOnly)) continue;
        Json doc;
        if (parseJsonInto(f.readAll().toStdString(), doc) || !doc.is_object() ||
            !doc.contains("x-riffle-recovery") || !doc["x-riffle-recovery"].is_object())
            continue;
        const Json& meta = doc["x-riffle-recovery"];
        auto text = [&](const char* key) {
            const auto it = meta.find(key);
            return it != meta.end() && it->is_string()
                       ? QString::fromStdString(it->get<std::string>())
                       : QString();
        };
        RecoveryFile r;
        r.recoveryPath = fi.absoluteFilePath();
        r.originalPath = text("original_path");
        r.savedAt = QDateTime::fromString(text("saved_at"), Qt::ISODate);
        out << r;
    }
    return out;
}

QString ProjectController::restore(const RecoveryFile& file) {
    QFile f(file.recoveryPath);
    if (!f.open(QIODevice::ReadOnly))
        return tr("%1: cannot read the recovery file").arg(file.recoveryPath);
    Json doc;
    if (parseJsonInto(f.readAll().toStdString(), doc) || !doc.is_object())
        return tr("%1: the recovery file is damaged").arg(file.recoveryPath);
    doc.erase("x-riffle-recovery");
    auto p = Project::fromJsonText(doc.dump());
    if (!p) return QString::fromStdString(p.message());
    // Open the saved original first (if any), then apply the recovered text as one edit, so the
    // document shows as modified and Undo goes back to the file on disk.
    Project recovered = std::move(p.value());
    Project base;
    if (!file.originalPath.isEmpty()) {
        if (auto orig = Project::load(file.originalPath.toStdString()))
            base = std::move(orig.value());
    }
    setProject(std::move(base), file.originalPath);
    m_undo.push(
        new ReplaceProjectCommand(&m_model, std::move(recovered), tr("Restore unsaved changes")));
    m_trustedThisSession = false;
    discardRecovery(file);
    return {};
}

void ProjectController::discardRecovery(const RecoveryFile& file) {
    QFile::remove(file.recoveryPath);
}

}  // namespace riffle
