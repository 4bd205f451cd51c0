#pragma once
// The open project as a document: its graph model and undo stack, its file, whether it has
// unsaved changes, autosave to a recovery file, recent files, and which files the user trusts to
// run (a project from elsewhere shows what it will touch before its first run; docs/studio.md).
//
// Autosave: while the project has unsaved changes, every 30 s its text goes to a recovery file in
// the user's data folder (one per document, with the original path inside). A clean close or a
// save removes it; a file still there at the next start means the studio did not end cleanly,
// and the main window offers to restore it.
//
// Threading: GUI thread only.
#include <QDateTime>
#include <QObject>
#include <QSettings>
#include <QStringList>
#include <QTimer>
#include <QUndoStack>
#include <memory>

#include "widgets/model/graph_model.h"

namespace riffle {

struct RecoveryFile {
    QString recoveryPath;  // the autosaved copy
    QString originalPath;  // where the project lived ("" for a project never saved)
    QDateTime savedAt;
};

// What a project will do to the outside world when it runs, by node: for the consent dialog.
struct ProjectReach {
    QStringList listensOn, connectsTo, reads, writes;  // "node `x`: 127.0.0.1:9000"
    bool empty() const {
        return listensOn.isEmpty() && connectsTo.isEmpty() && reads.isEmpty() && writes.isEmpty();
    }
};
ProjectReach projectReach(const Project& project, const NodeRegistry& registry);

class ProjectController : public QObject {
    Q_OBJECT
public:
    ProjectController(const NodeRegistry& registry, QSettings* settings, QObject* parent = nullptr);
    ~ProjectController() override;

    GraphModel* model() { return &m_model; }
    QUndoStack* undoStack() { return &m_undo; }
    QString filePath() const { return m_model.filePath(); }
    // "clicks.riffle" or "Untitled".
    QString displayName() const;
    bool isModified() const { return !m_undo.isClean(); }
    bool hasProject() const { return m_open; }

    void newProject();
    // On failure returns the message ("clicks.riffle: 3:17: invalid JSON: ...") and keeps the
    // current project.
    QString open(const QString& path);
    QString saveAs(const QString& path);
    QString save() { return saveAs(filePath()); }
    // Closing cleanly: drops the recovery file.
    void close();

    // ---- trust (the consent dialog before the first run of a project from elsewhere)
    bool isTrusted() const;
    void trust();

    // ---- recent files (newest first, at most 10)
    QStringList recentFiles() const;

    // ---- autosave and recovery
    static constexpr int kAutosaveIntervalMs = 30'000;
    // Writes the recovery file now if there are unsaved changes (the timer calls this).
    void autosave();
    QString recoveryPath() const { return m_recoveryPath; }
    // Recovery files left by a session that did not end cleanly (not this one's).
    QList<RecoveryFile> recoveryCandidates() const;
    // Opens a recovery file as a modified project (saved to its original path on Save).
    QString restore(const RecoveryFile& file);
    void discardRecovery(const RecoveryFile& file);
    static QString recoveryFolder();

signals:
    // A project was opened, created or closed (reset of everything that shows it).
    void projectChanged();
    // Title-relevant state: file name or the modified marker.
    void documentStateChanged();

private:
    void setProject(Project project, const QString& path);
    void addRecent(const QString& path);
    void removeRecoveryFile();
    QString trustKey() const;

    const NodeRegistry& m_registry;
    QSettings* m_settings;
    GraphModel m_model;
    QUndoStack m_undo;
    QTimer m_autosave;
    QString m_recoveryPath;
    bool m_open = false;
    bool m_trustedThisSession = false;
};

}  // namespace riffle
